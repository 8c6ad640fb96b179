import type { Db } from '../db/database.js';
import type { Resident } from './resident.table.js';

/**
 * Finds or creates the resident with this phone number. The upsert also locks the
 * resident's row until the caller's transaction ends, so two messages from one
 * resident arriving together thread into one case instead of racing to open two.
 */
export async function upsertResidentByPhone(trx: Db, phone: string): Promise<Resident> {
  return trx
    .insertInto('residents')
    .values({ phone })
    .onConflict((oc) => oc.column('phone').doUpdateSet({ updated_at: new Date() }))
    .returningAll()
    .executeTakeFirstOrThrow();
}

export interface KakaoIdentity {
  /** botUserKey: the resident within this bot. */
  userKey: string;
  plusfriendUserKey: string | null;
  appUserId: string | null;
  /** Only a friend of the channel can receive pushed messages. */
  isFriend: boolean;
}

/** Keeps a known Kakao resident's keys and friendship current; an unknown one is not created. */
export async function refreshKakaoResident(db: Db, who: KakaoIdentity): Promise<Resident | undefined> {
  return db
    .updateTable('residents')
    .set((eb) => ({
      kakao_plusfriend_user_key: eb.fn.coalesce(eb.val(who.plusfriendUserKey), eb.ref('kakao_plusfriend_user_key')),
      kakao_app_user_id: eb.fn.coalesce(eb.val(who.appUserId), eb.ref('kakao_app_user_id')),
      kakao_is_friend: who.isFriend,
      updated_at: new Date(),
    }))
    .where('kakao_user_key', '=', who.userKey)
    .returningAll()
    .executeTakeFirst();
}

