import type { Generated, Selectable } from 'kysely';
import type { Channel } from '../domain/channel.js';
import type { DeliveryStatus } from '../outbound/delivery-status.js';
import type { KakaoIdentity } from '../residents/resident-repository.js';

/** Who wrote, as the inbox keeps it until the message is in its case. */
export type InboundSender = { phone: string } | { kakao: KakaoIdentity } | Record<string, never>;

/**
 * A photo (or other file) a provider says came with a message: where to fetch it and the type
 * it declared (only a hint: the worker reads the real type from the bytes). Personal data: the
 * URL opens the resident's photo, so it lives in Postgres only, never in logs or Redis jobs.
 */
export interface MediaReference {
  url: string;
  contentType: string | null;
}

/** The inbox: what a webhook stored before answering; the routing worker files it into a case. */
export interface InboundMessageTable {
  id: Generated<number>;
  channel: Channel;
  provider: string;
  provider_message_id: string;
  sender: InboundSender;
  text: string;
  raw: Record<string, unknown>;
  acknowledgement: string | null;
  acknowledgement_status: DeliveryStatus | null;
  flood: Generated<boolean>;
  /** The case number reserved for it when stored; filing puts it in the case with that number. */
  case_number: string | null;
  received_at: Date;
  /** Photos sent with the message; moved to message_attachments when it is filed. */
  media: Generated<MediaReference[]>;
  message_id: number | null;
  stored_at: Date | null;
}

export type InboundMessage = Selectable<InboundMessageTable>;
