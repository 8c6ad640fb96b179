import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { SMS_ACKNOWLEDGEMENT, SMS_NUMBERED_ACKNOWLEDGEMENT } from '../../../src/intake/acknowledgement.js';
import type { Receipt } from '../../../src/intake/receive-message.js';
import type { MediaReference } from '../../../src/intake/inbound-message.table.js';

export interface GatewaySms {
  /** The gateway's name (its path segment): stored as the message's provider. */
  provider: string;
  providerMessageId: string;
  /** E.164. */
  phone: string;
  text: string;
  raw: Record<string, unknown>;
  receivedAt: Date;
  /** MMS files, fetched later by the attachments worker (docs/photos.md). */
  media?: MediaReference[];
}

/**
 * The one place a domestic gateway's message enters intake, the same way the Twilio webhook
 * does it: the inbox (or the Redis buffer while Postgres is away), then the routing worker.
 *
 * Unlike TwiML, a gateway's HTTP answer cannot carry an SMS back: the acknowledgement is
 * stored 'pending' with the message when the worker files it, and leaves through the
 * configured SMS provider like a staff answer, naming the case's number (the one reserved
 * when the message was stored). A re-sent message is acknowledged once.
 */
export async function handGatewaySmsToIntake(app: FastifyInstance, log: FastifyBaseLogger, sms: GatewaySms): Promise<Receipt> {
  return app.intake.receive(
    {
      channel: 'sms',
      provider: sms.provider,
      providerMessageId: sms.providerMessageId,
      sender: { phone: sms.phone },
      text: sms.text,
      raw: sms.raw,
      receivedAt: sms.receivedAt,
      media: sms.media ?? [],
      acknowledgement: SMS_ACKNOWLEDGEMENT,
      numberedAcknowledgement: SMS_NUMBERED_ACKNOWLEDGEMENT,
      acknowledgementStatus: 'pending',
    },
    log,
  );
}
