import formbody from '@fastify/formbody';
import twilio from 'twilio';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { twilioSignatureCheck } from './signature.js';
import { CASE_NUMBER, SMS_ACKNOWLEDGEMENT, SMS_NUMBERED_ACKNOWLEDGEMENT, withCaseNumber } from '../../../src/intake/acknowledgement.js';
import type { Receipt } from '../../../src/intake/receive-message.js';
import { FLOOD_NOTICE } from '../../../src/intake/sender-flood.js';
import { normalizePhone } from '../../../src/residents/phone.js';
import { mapTwilioStatus } from '../../../src/outbound/providers/twilio/twilio-sms-provider.js';
import { recordDeliveryReport } from '../../../src/outbound/outbound-repository.js';
import { photosOnlyText, twilioMedia } from '../../../src/attachments/media-references.js';

function buildTwiml(text: string | null): string {
  const response = new twilio.twiml.MessagingResponse();
  if (text !== null) response.message(text);
  return response.toString();
}
/** The answers a webhook gives (none, the acknowledgement without a number, the flood notice), built once. */
const KNOWN_TWIML = new Map([null, SMS_ACKNOWLEDGEMENT, FLOOD_NOTICE].map((text) => [text, buildTwiml(text)]));
/** The numbered acknowledgements, built once with the placeholder; a case number (digits and '-') needs no escaping. */
const NUMBERED_TWIML = Object.values(SMS_NUMBERED_ACKNOWLEDGEMENT).map((template) => ({ template, twiml: buildTwiml(template) }));
const XML_SAFE_CASE_NUMBER = /^[0-9-]+$/;

/** TwiML answering with one SMS, or none. */
function twimlReplying(text: string | null, caseNumber: string | null = null): string {
  const known = KNOWN_TWIML.get(text);
  if (known !== undefined) return known;
  if (text !== null && caseNumber !== null && XML_SAFE_CASE_NUMBER.test(caseNumber)) {
    const numbered = NUMBERED_TWIML.find(({ template }) => withCaseNumber(template, caseNumber) === text);
    if (numbered) return numbered.twiml.replace(CASE_NUMBER, caseNumber);
  }
  return buildTwiml(text);
}

const caseNumberOf = (receipt: Receipt) => (receipt.outcome === 'stored' ? receipt.caseNumber : null);

// Twilio adds parameters without notice: accept (and sign over) whatever arrives.
const InboundSms = Type.Object(
  {
    MessageSid: Type.String({ minLength: 1, maxLength: 64 }),
    From: Type.String({ minLength: 1, maxLength: 64 }),
    Body: Type.Optional(Type.String({ maxLength: 10_000 })),
    NumMedia: Type.Optional(Type.String({ maxLength: 4 })),
  },
  { additionalProperties: true },
);

const StatusCallback = Type.Object(
  {
    MessageSid: Type.String({ minLength: 1, maxLength: 64 }),
    MessageStatus: Type.String({ minLength: 1, maxLength: 32 }),
    ErrorCode: Type.Optional(Type.String({ maxLength: 16 })),
  },
  { additionalProperties: true },
);

/** Twilio → us: inbound SMS from residents, and delivery reports for what we sent. */
const twilioWebhooks: FastifyPluginAsyncTypebox = async (app) => {
  await app.register(formbody, { bodyLimit: 64 * 1024 });
  const { config } = app;
  const verify = twilioSignatureCheck(config.twilioAuthToken, config.publicBaseUrl);
  // Twilio's media URLs are on its API host; a URL elsewhere is not fetched.
  const mediaHosts = [new URL(config.attachments.twilioApiBaseUrl).hostname, 'twilio.com'];

  app.post('/webhooks/sms/twilio', { schema: { body: InboundSms }, preValidation: verify }, async (request, reply) => {
    const body = request.body;
    const media = twilioMedia(body, mediaHosts);
    const declared = Number(body.NumMedia ?? 0) || 0;
    const text = body.Body ?? '';
    const receipt = await app.intake.receive(
      {
        channel: 'sms',
        provider: 'twilio',
        providerMessageId: body.MessageSid,
        sender: { phone: normalizePhone(body.From) ?? body.From.trim() },
        // A picture with no words still reaches staff, with the picture (docs/photos.md).
        text: text === '' && declared > 0 ? photosOnlyText(Math.max(media.length, declared)) : text,
        raw: body,
        media,
        // Naming the case number the inbox statement reserves; without it while Postgres is away.
        acknowledgement: SMS_ACKNOWLEDGEMENT,
        numberedAcknowledgement: SMS_NUMBERED_ACKNOWLEDGEMENT,
        // TwiML only queues the SMS; Twilio reports nothing more on it to us.
        acknowledgementStatus: 'sent',
      },
      request.log,
    );
    reply.type('text/xml; charset=utf-8');
    // A provider re-send was acknowledged the first time, and a flood hears one notice: then say nothing.
    return twimlReplying(receipt.acknowledgement, caseNumberOf(receipt));
  });

  app.post('/webhooks/sms/twilio/status', { schema: { body: StatusCallback }, preValidation: verify }, async (request, reply) => {
    const { MessageSid, MessageStatus, ErrorCode } = request.body;
    const status = mapTwilioStatus(MessageStatus);
    if (status) {
      const { matched } = await recordDeliveryReport(app.db, {
        provider: 'twilio',
        providerMessageId: MessageSid,
        status,
        errorCode: ErrorCode && ErrorCode !== '' ? ErrorCode : null,
      });
      request.log.info({ status, matched }, 'delivery report');
    }
    reply.type('text/xml; charset=utf-8');
    return twimlReplying(null);
  });
};

export default twilioWebhooks;
