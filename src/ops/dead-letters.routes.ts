import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { enqueueSend, jobIds } from '../queues/queues.js';
import { notFound, conflict } from '../http/errors.js';
import { recordAudit } from '../audit/audit-repository.js';
import { conflictError, DateTime, Id, notFoundError, Nullable, OneOf, staffErrors } from '../http/api-schemas.js';
import { CHANNELS } from '../domain/channel.js';

const tags = ['operations'];

const DeadLetterList = Type.Object(
  {
    items: Type.Array(
      Type.Object(
        {
          messageId: Id,
          caseNumber: Type.String(),
          channel: OneOf(CHANNELS),
          kind: OneOf(['resident', 'acknowledgement', 'interim', 'answer', 'survey'], 'an outbound kind: acknowledgement, interim, answer or survey'),
          errorCode: Nullable(Type.String({ description: "the provider's code (its message can quote the number, so it is not shown)" })),
          createdAt: DateTime,
          failedAt: Nullable(DateTime),
        },
        { additionalProperties: false },
      ),
      { description: 'newest first; never the text' },
    ),
  },
  { additionalProperties: false },
);

/**
 * Dead letters: answers no provider would take, after every retry. Operators see them
 * (never their text: no case content for operators) and send them again, once.
 */
const deadLettersRoutes: FastifyPluginAsyncTypebox = async (app) => {

  app.get(
    '/ops/dead-letters',
    {
      schema: {
        tags,
        summary: 'Answers no provider would take after every retry',
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })) }),
        response: { 200: DeadLetterList, ...staffErrors },
      },
      onRequest: app.requirePermission('ops:read'),
    },
    async (request) => {
      const rows = await app.db
        .selectFrom('messages')
        .innerJoin('cases', 'cases.id', 'messages.case_id')
        .select([
          'messages.id',
          'cases.case_number',
          'messages.channel',
          'messages.kind',
          'messages.error_code',
          'messages.status_updated_at',
          'messages.created_at',
        ])
        .where('messages.direction', '=', 'out')
        .where('messages.delivery_status', '=', 'failed')
        .where('messages.provider_message_id', 'is', null)
        .orderBy('messages.id', 'desc')
        .limit(request.query.limit ?? 100)
        .execute();
      // The provider's error message can quote the phone number: only its code is shown.
      return {
        items: rows.map((r) => ({
          messageId: r.id,
          caseNumber: r.case_number,
          channel: r.channel,
          kind: r.kind,
          errorCode: r.error_code,
          createdAt: r.created_at.toISOString(),
          failedAt: r.status_updated_at?.toISOString() ?? null,
        })),
      };
    },
  );

  app.post(
    '/ops/dead-letters/:messageId/retry',
    {
      schema: {
        tags,
        summary: 'Send a dead letter again, with a full set of attempts',
        params: Type.Object({ messageId: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) }),
        response: {
          202: Type.Object({ messageId: Id, deliveryStatus: Type.Literal('pending') }, { additionalProperties: false }),
          ...staffErrors,
          ...notFoundError('`not_found`: no outbound message with this id'),
          ...conflictError('`not_dead_letter`: the message is not a failed, unsent one'),
        },
      },
      onRequest: app.requirePermission('ops:retry'),
    },
    async (request, reply) => {
      const { messageId } = request.params;
      // Only a message no provider accepted can go again; of two retries at once, one wins.
      const revived = await app.db
        .updateTable('messages')
        .set({ delivery_status: 'pending', error_code: null, error_message: null, status_updated_at: new Date() })
        .where('id', '=', messageId)
        .where('direction', '=', 'out')
        .where('delivery_status', '=', 'failed')
        .where('provider_message_id', 'is', null)
        .returning(['id', 'channel', 'case_id'])
        .executeTakeFirst();
      if (!revived) {
        const exists = await app.db.selectFrom('messages').select(['id']).where('id', '=', messageId).where('direction', '=', 'out').executeTakeFirst();
        if (!exists) throw notFound(`no outbound message ${messageId}`);
        throw conflict('not_dead_letter', `message ${messageId} is not a failed, unsent message`);
      }
      await app.db
        .insertInto('case_events')
        .values({ case_id: revived.case_id, type: 'delivery_retried', staff_id: request.staff!.id, data: JSON.stringify({ messageId }) })
        .execute();
      await recordAudit(app.db, { staffId: request.staff!.id, ip: request.ip }, 'dead_letter.retried', [revived.case_id], { messageId });
      // The failed job keeps its id for weeks: make room for a fresh one with a full set of attempts.
      const old = await app.queues.outbound[revived.channel].getJob(jobIds.send(messageId));
      if (old) await old.remove();
      await enqueueSend(app.queues, revived.channel, messageId);
      return reply.status(202).send({ messageId, deliveryStatus: 'pending' });
    },
  );
};

export default deadLettersRoutes;
