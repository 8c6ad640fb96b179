import type { ColumnType, Selectable } from 'kysely';
import type { Channel } from '../domain/channel.js';

/** One satisfaction question, asked when a case closed with an answer (migration 20261205T120000). */
export interface SatisfactionSurveyTable {
  case_id: number;
  resident_id: number;
  /** The channel it was asked on: a reply counts only on this one. */
  channel: Channel;
  /** The message that carried the question: the answer itself (SMS, appended) or a message of its own. */
  question_message_id: number | null;
  asked_at: ColumnType<Date, Date | undefined, never>;
  /** A reply after this is a message like any other. */
  expires_at: Date;
  /** 1 (매우 불만) to 5 (매우 만족); null until the resident answers. */
  score: number | null;
  answered_at: Date | null;
  reply_message_id: number | null;
}

export type SatisfactionSurvey = Selectable<SatisfactionSurveyTable>;
