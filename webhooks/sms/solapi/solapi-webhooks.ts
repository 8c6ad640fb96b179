import { createHash } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { isSingleReportEvent, readSolapiReport } from '../../../src/outbound/providers/solapi/solapi-report.js';
import { recordDeliveryReport } from '../../../src/outbound/outbound-repository.js';
import { recordNoticeReport, reportType } from '../../../src/notices/notice-reports.js';
import { secretMatcher } from '../../shared-secret.js';

/**
 * The body: an array of reports (Solapi's own form, envelopes or flat reports), or one flat
 * report. Each element is read on its own (solapi-report.ts), so one element we cannot read
 * does not cost the others.
 */
const Reports = Type.Union([Type.Array(Type.Unknown(), { maxItems: 1000 }), Type.Object({}, { additionalProperties: true })]);

const Answer = Type.Object({
  received: Type.Integer(),
  applied: Type.Integer(),
  moved: Type.Integer(),
  ignored: Type.Integer(),
  rejected: Type.Array(Type.Object({ index: Type.Integer(), reason: Type.String() })),
});
const Refusal = Type.Object({ error: Type.Object({ code: Type.String(), message: Type.String() }) });

/**
 * X-Solapi-Secret holds the configured secret, or (as integrations in the wild check it) the
 * SHA-1 hex digest of it: either is accepted, each compared in constant time.
 */
export function solapiSecretMatcher(secret: string): (given: string) => boolean {
  const plain = secretMatcher(secret);
  const sha1 = secretMatcher(createHash('sha1').update(secret, 'utf8').digest('hex'));
  return (given) => {
    // Both comparisons always run: which form matched is not told by the time taken.
    const asPlain = plain(given);
    const asDigest = sha1(given.toLowerCase());
    return asPlain || asDigest;
  };
}

/** An event name for the log: letters, digits and separators only, short. */
const loggableEvent = (name: string) => name.replace(/[^A-Za-z0-9_.-]/g, '?').slice(0, 40);

/**
 * Solapi → us: delivery reports for what we sent. Set the webhook URL
 * {PUBLIC_BASE_URL}/webhooks/sms/solapi/status in Solapi's console for single-message reports
 * with a secret, and put it in SOLAPI_WEBHOOK_SECRET. Reports go through the same
 * never-backwards update as Twilio's status callback; a part of a long answer moves the whole
 * answer. A report for a message id not known yet is kept and applied when the send records
 * the id; a re-sent report (Solapi's retryCount) changes nothing the first one did not.
 * Another event than a single report (a group report, ...) is answered 200 and ignored: a 400
 * would only make Solapi send it again, and it carries no per-message status.
 */
const solapiWebhooks: FastifyPluginAsyncTypebox = async (app) => {
  const secret = app.config.solapiWebhookSecret;
  const sameSecret = secret === null ? null : solapiSecretMatcher(secret);

  app.post('/webhooks/sms/solapi/status', { schema: { body: Reports, response: { 200: Answer, 400: Refusal, 403: Refusal } } }, async (request, reply) => {
    const given = request.headers['x-solapi-secret'];
    if (sameSecret === null) {
      request.log.warn('SOLAPI_WEBHOOK_SECRET is not set: Solapi delivery reports cannot be verified and are refused');
      return reply.status(403).send({ error: { code: 'signature_unverifiable', message: 'webhook verification is not configured' } });
    }
    if (typeof given !== 'string' || !sameSecret(given)) {
      return reply.status(403).send({ error: { code: 'signature_invalid', message: 'X-Solapi-Secret does not match' } });
    }
    const elements: unknown[] = Array.isArray(request.body) ? request.body : [request.body];
    const header = request.headers['x-solapi-event-name'];
    const eventName = Array.isArray(header) ? header[0] : header;
    if (!isSingleReportEvent(eventName)) {
      request.log.info({ event: loggableEvent(eventName ?? ''), elements: elements.length }, 'solapi webhook event ignored (not a single-message report)');
      return { received: elements.length, applied: 0, moved: 0, ignored: elements.length, rejected: [] };
    }

    let applied = 0;
    let moved = 0;
    let resent = 0;
    const rejected: { index: number; reason: string }[] = [];
    const unknownCodes = new Set<string>();
    for (const [index, element] of elements.entries()) {
      const reading = readSolapiReport(element);
      if (!reading.ok) {
        rejected.push({ index, reason: reading.reason });
        if (reading.statusCode !== undefined) unknownCodes.add(reading.statusCode.slice(0, 16));
        continue;
      }
      const { report } = reading;
      // A database error ends the request with a 5xx: Solapi sends the whole array again,
      // and applying a report twice changes nothing.
      const result = await recordDeliveryReport(app.db, {
        provider: 'solapi',
        providerMessageId: report.messageId,
        status: report.status,
        errorCode: report.errorCode,
      });
      // A notice's message (docs/notices.md): delivered, fallen back to SMS/LMS, or failed.
      const notice = result.matched ? false : await recordNoticeReport(app.db, { ...report, type: reportType(element) });
      applied += 1;
      if (result.matched || notice) moved += 1;
      if ((report.retryCount ?? 0) > 0) resent += 1;
    }
    const summary = { reports: elements.length, applied, moved, resent, rejected: rejected.length, unknownCodes: [...unknownCodes] };
    if (applied === 0 && rejected.length > 0) {
      // Nothing in it is a report we can read: say so, so Solapi's webhook log shows the failure.
      request.log.warn(summary, 'solapi delivery reports refused: no element is a report');
      return reply.status(400).send({ error: { code: 'reports_invalid', message: 'no element is a delivery report (messageId and a known statusCode)' } });
    }
    if (rejected.length > 0) request.log.warn(summary, 'solapi delivery reports partly applied');
    else request.log.info(summary, 'solapi delivery reports');
    return { received: elements.length, applied, moved, ignored: 0, rejected };
  });
};

export default solapiWebhooks;
