import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { acceptResidentMessage, type AcceptedMessage } from '../../../src/intake/accept-message.js';
import { acknowledgementText } from '../../../src/intake/acknowledgement.js';
import { insertMessage } from '../../../src/cases/message-repository.js';
import { handOff } from '../../../src/queues/enqueue.js';

export interface GatewaySms {
  /** The gateway's name (its path segment): stored as the message's provider. */
  provider: string;
  providerMessageId: string;
  /** E.164. */
  phone: string;
  text: string;
  raw: Record<string, unknown>;
  receivedAt: Date;
}

/**
 * The one place a domestic gateway's message enters intake, the same way the Twilio webhook
 * does it (acceptResidentMessage, then the routing hand-off). Kept in one small function so
 * it can be re-pointed when the intake path changes.
 *
 * Unlike TwiML, a gateway's HTTP answer cannot carry an SMS back: the acknowledgement is
 * stored as an outbound SMS and leaves through the configured SMS provider. (It is written
 * just after the message's transaction; if the process dies in between, the message is kept
 * and routed, only the acknowledgement is lost.)
 */
export async function handGatewaySmsToIntake(app: FastifyInstance, log: FastifyBaseLogger, sms: GatewaySms): Promise<AcceptedMessage> {
  const accepted = await acceptResidentMessage(
    app.db,
    {
      channel: 'sms',
      provider: sms.provider,
      providerMessageId: sms.providerMessageId,
      from: { kind: 'phone', phone: sms.phone },
      text: sms.text,
      raw: sms.raw,
      receivedAt: sms.receivedAt,
    },
    { threadWindowMinutes: app.config.threadWindowMinutes },
  );
  // A gateway re-sending a message was acknowledged the first time; say nothing twice.
  if (accepted.duplicate) return accepted;
  const ack = await insertMessage(app.db, {
    case_id: accepted.caseId,
    direction: 'out',
    kind: 'acknowledgement',
    channel: 'sms',
    text: acknowledgementText(accepted.caseNumber, accepted.newCase),
    provider: 'pending',
    delivery_status: 'pending',
  });
  await handOff(app.queues, log, { route: [accepted.messageId], send: [{ channel: 'sms', messageId: ack.id }] });
  return accepted;
}
