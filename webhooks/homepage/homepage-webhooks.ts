import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { secretMatcher } from '../shared-secret.js';
import { receiveVisitApplication } from '../../src/mayor-sessions/visits.js';
import { handOff } from '../../src/queues/enqueue.js';

export const HOMEPAGE_SECRET_HEADER = 'x-homepage-secret';

const Refusal = Type.Object({ error: Type.Object({ code: Type.String(), message: Type.String() }) });

const Application = Type.Object(
  {
    /** 찾아가는 구청장실; the one type of form this route takes for now. */
    type: Type.Literal('mayor_visit'),
    /** The homepage's id of the submission: posting it again is the same application. */
    formId: Type.String({ minLength: 1, maxLength: 100 }),
    text: Type.String({ minLength: 1, maxLength: 4000 }),
    phone: Type.Optional(Type.String({ maxLength: 40 })),
  },
  { additionalProperties: false },
);

/**
 * The district homepage → us: a 찾아가는 구청장실 application from its form, sent by the
 * homepage's server with the shared secret (HOMEPAGE_FORM_SECRET) in X-Homepage-Secret.
 * Becomes a `web` case with its visit request (src/mayor-sessions/visits.ts); the resident is
 * acknowledged by SMS when they left a number. Unset secret: every post is refused.
 */
const homepageWebhooks: FastifyPluginAsyncTypebox = async (app) => {
  const secret = app.config.mayorSessions.homepageFormSecret;
  const sameSecret = secret === null ? null : secretMatcher(secret);

  app.post(
    '/webhooks/homepage/visit-requests',
    {
      schema: {
        body: Application,
        response: {
          200: Type.Object({ caseNumber: Type.String(), duplicate: Type.Boolean() }, { additionalProperties: false }),
          201: Type.Object({ caseNumber: Type.String(), duplicate: Type.Boolean() }, { additionalProperties: false }),
          400: Refusal,
          403: Refusal,
        },
      },
      bodyLimit: 32 * 1024,
      preValidation: async (request, reply) => {
        if (sameSecret === null) {
          request.log.warn('HOMEPAGE_FORM_SECRET is not set: homepage applications are refused');
          return reply.status(403).send({ error: { code: 'secret_unverifiable', message: 'homepage verification is not configured' } });
        }
        const given = request.headers[HOMEPAGE_SECRET_HEADER];
        if (typeof given !== 'string' || !sameSecret(given)) {
          return reply.status(403).send({ error: { code: 'secret_invalid', message: `${HOMEPAGE_SECRET_HEADER} does not match` } });
        }
      },
    },
    async (request, reply) => {
      const result = await receiveVisitApplication(app.db, request.body);
      if (result.outcome === 'duplicate') return { caseNumber: result.caseNumber, duplicate: true };
      await handOff(app.queues, request.log, { send: result.send });
      request.log.info({ caseId: result.caseId, visitRequestId: result.requestId }, 'homepage visit application received');
      return reply.status(201).send({ caseNumber: result.caseNumber, duplicate: false });
    },
  );
};

export default homepageWebhooks;
