import type { ColumnType, Generated, Selectable } from 'kysely';

export interface ResidentTable {
  id: Generated<number>;
  /** E.164, e.g. +821012345678; null for residents known only by a Kakao key. */
  phone: string | null;
  /** Kakao Open Builder botUserKey. */
  kakao_user_key: string | null;
  kakao_plusfriend_user_key: string | null;
  kakao_app_user_id: string | null;
  kakao_is_friend: boolean | null;
  /** On the block list: their messages are kept, their cases close as `exception` unanswered. */
  blocked_at: Date | null;
  blocked_by: number | null;
  blocked_reason: string | null;
  created_at: ColumnType<Date, Date | undefined, never>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

export type Resident = Selectable<ResidentTable>;
