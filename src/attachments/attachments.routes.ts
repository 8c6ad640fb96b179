import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { notFoundError, staffErrors } from '../http/api-schemas.js';
import type { FastifyReply } from 'fastify';
import { readCaseAttachment, type AttachmentFile } from './read-attachment.js';

/** A photo's bytes: personal data, never kept by a shared cache, never sniffed into HTML by a browser. */
export function sendAttachment(reply: FastifyReply, file: AttachmentFile) {
  return reply
    .header('cache-control', 'private, no-store')
    .header('x-content-type-options', 'nosniff')
    .header('content-disposition', 'inline')
    .type(file.contentType)
    .send(file.bytes);
}

const Params = Type.Object({
  id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
  attachmentId: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
});
const Query = Type.Object(
  { size: Type.Optional(Type.Union([Type.Literal('original'), Type.Literal('thumbnail')], { description: 'thumbnail: at most 320×320 JPEG' })) },
  { additionalProperties: false },
);

/**
 * Residents' photos for staff (docs/photos.md): never from a public path, only here, with the
 * case's own scope and an audit entry for each file opened.
 */
const attachmentsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/cases/:id/attachments/:attachmentId',
    {
      schema: {
        tags: ['cases'],
        summary: "A photo a resident sent with a case's message (metadata removed), or its thumbnail",
        params: Params,
        querystring: Query,
        response: {
          200: {
            description: 'The image as kept (JPEG, PNG or WebP, re-encoded without metadata); the thumbnail is always JPEG',
            content: {
              'image/jpeg': { schema: Type.String({ format: 'binary' }) },
              'image/png': { schema: Type.String({ format: 'binary' }) },
              'image/webp': { schema: Type.String({ format: 'binary' }) },
            },
          },
          ...staffErrors,
          ...notFoundError('`not_found`: no such case or photo, one outside your scope, or a photo not kept (the three look the same)'),
        },
      },
      onRequest: app.requirePermission('cases:read'),
    },
    async (request, reply) => {
      const size = request.query.size ?? 'original';
      const file = await readCaseAttachment(
        app.db,
        app.attachmentStore,
        request.staff!,
        { staffId: request.staff!.id, ip: request.ip },
        request.params.id,
        request.params.attachmentId,
        size,
      );
      return sendAttachment(reply, file);
    },
  );
};

export default attachmentsRoutes;
