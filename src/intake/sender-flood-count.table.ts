/** A sender's messages within their current flood window (see sender-flood.ts). */
export interface SenderFloodCountTable {
  /** `phone:<E.164>` or `kakao:<user key>`. */
  sender: string;
  window_started_at: Date;
  messages: number;
}
