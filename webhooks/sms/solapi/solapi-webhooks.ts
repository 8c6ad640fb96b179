import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { mapSolapiStatus } from '../../../src/outbound/providers/solapi/solapi-sms-provider.js';
import { recordDeliveryReport } from '../../../src/outbound/outbound-repository.js';
import { secretMatcher } from '../../shared-secret.js';

/**
 * One delivery report as Solapi's webhook posts it (an array of these per request, event
 * SINGLE-REPORT): messageId, groupId, type, to, from, statusCode, dateReported, ...
 * Solapi adds fields without notice: keep whatever arrives.
 */
const Report = Type.Object(
  {
    messageId: Type.String({ minLength: 1, maxLength: 64 }),
    statusCode: Type.String({ minLength: 1, maxLength: 16 }),
  },
  { additionalProperties: true },
);
const Reports = Type.Union([Type.Array(Report, { maxItems: 1000 }), Report]);

/**
 * Solapi → us: delivery reports for what we sent. Set the webhook URL
 * {PUBLIC_BASE_URL}/webhooks/sms/solapi/status in Solapi's console with a secret; Solapi sends
 * it back in X-Solapi-Secret (as its published webhook examples check), compared here in
 * constant time with SOLAPI_WEBHOOK_SECRET. Reports go through the same never-backwards
 * update as Twilio's status callback; a part of a long answer moves the whole answer.
 */
const solapiWebhooks: FastifyPluginAsyncTypebox = async (app) => {
  const secret = app.config.solapiWebhookSecret;
  const sameSecret = secret === null ? null : secretMatcher(secret);

  app.post('/webhooks/sms/solapi/status', { schema: { body: Reports } }, async (request, reply) => {
    const given = request.headers['x-solapi-secret'];
    if (sameSecret === null) {
      request.log.warn('SOLAPI_WEBHOOK_SECRET is not set: Solapi delivery reports cannot be verified and are refused');
      return reply.status(403).send({ error: { code: 'signature_unverifiable', message: 'webhook verification is not configured' } });
    }
    if (typeof given !== 'string' || !sameSecret(given)) {
      return reply.status(403).send({ error: { code: 'signature_invalid', message: 'X-Solapi-Secret does not match' } });
    }
    const reports = Array.isArray(request.body) ? request.body : [request.body];
    let matched = 0;
    for (const report of reports) {
      const status = mapSolapiStatus(report.statusCode);
      if (status === null) continue;
      const result = await recordDeliveryReport(app.db, {
        provider: 'solapi',
        providerMessageId: report.messageId,
        status,
        // Success codes say nothing went wrong; any other code is the reason.
        errorCode: ['2000', '3000', '4000'].includes(report.statusCode) ? null : report.statusCode,
      });
      if (result.matched) matched += 1;
    }
    request.log.info({ reports: reports.length, matched }, 'solapi delivery reports');
    return { received: reports.length };
  });
};

export default solapiWebhooks;
