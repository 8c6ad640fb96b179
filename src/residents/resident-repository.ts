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

export async function findResident(db: Db, id: number): Promise<Resident | undefined> {
  return db.selectFrom('residents').selectAll().where('id', '=', id).executeTakeFirst();
}
