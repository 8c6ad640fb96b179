/** A sender's messages within their current flood window (see sender-flood.ts). */
export interface SenderFloodCountTable {
  /** `phone:<E.164>` or `kakao:<user key>`. */
  sender: string;
  window_started_at: Date;
  messages: number;
  /** The case number this sender's current thread was told (reserve_case_number); null until one is. */
  case_number: string | null;
  /** The latest received time of a message told that number. */
  case_last_message_at: Date | null;
}
