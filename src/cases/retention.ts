import { sql } from 'kysely';
import type { Db } from '../db/database.js';

/** The moment before which a case must have closed to be purged: `years` calendar years ago. */
export function retentionCutoff(years: number, now = new Date()): Date {
  const cutoff = new Date(now);
  cutoff.setUTCFullYear(cutoff.getUTCFullYear() - years);
  return cutoff;
}

export interface PurgeResult {
  cases: number;
  residents: number;
}

/**
 * Retention (PIPA: personal data is destroyed once its purpose is served). For cases closed
 * before `cutoff`, in batches, each in its own transaction:
 * - every message's text becomes '' and its raw provider payload and error message go;
 * - the router's reasons (the resident's own words) go from the case's routing record and
 *   its routing event;
 * - staff's internal notes on the case, and the reasons they gave for moving it, are blanked;
 * - a staff correction learnt from the case is withdrawn and its text blanked;
 * - the case is marked `purged_at`.
 * What reports count stays: category, department, disposition, channel, kind, dates, status.
 * A resident whose every case is purged loses phone number and Kakao keys; a resident
 * with a newer case keeps them until that one is purged too.
 */
export async function purgeClosedCases(db: Db, cutoff: Date, batchSize = 500): Promise<PurgeResult> {
  const total: PurgeResult = { cases: 0, residents: 0 };
  for (;;) {
    const batch = await db.transaction().execute(async (trx) => {
      const cases = await trx
        .selectFrom('cases')
        .select(['id', 'resident_id'])
        .where('status', '=', 'closed')
        .where('closed_at', '<', cutoff)
        .where('purged_at', 'is', null)
        .orderBy('closed_at')
        .limit(batchSize)
        .forUpdate()
        .skipLocked()
        .execute();
      if (cases.length === 0) return { cases: 0, residents: 0 };
      const ids = cases.map((c) => c.id);
      const now = new Date();
      await trx
        .updateTable('messages')
        .set({ text: '', error_message: null, raw: sql`null` })
        .where('case_id', 'in', ids)
        .execute();
      await trx
        .updateTable('cases')
        .set({
          purged_at: now,
          routing: sql`case when routing is null then null else jsonb_set(routing, '{reasons}', '[]'::jsonb) end`,
        })
        .where('id', 'in', ids)
        .execute();
      // The routing event keeps a copy of those reasons.
      await trx
        .updateTable('case_events')
        .set({ data: sql`jsonb_set(data, '{reasons}', '[]'::jsonb)` })
        .where('case_id', 'in', ids)
        .where(sql<boolean>`data ? 'reasons'`)
        .execute();
      // Staff's own words about the case (why it was moved or extended) may quote the resident.
      await trx
        .updateTable('case_events')
        .set({ data: sql`jsonb_set(data, '{reason}', '""'::jsonb)` })
        .where('case_id', 'in', ids)
        .where(sql<boolean>`data ? 'reason'`)
        .execute();
      await trx.updateTable('case_notes').set({ text: '' }).where('case_id', 'in', ids).execute();
      await trx
        .updateTable('routing_examples')
        .set({ text: '', reason: null, withdrawn_at: sql`coalesce(withdrawn_at, ${now})` })
        .where('source', '=', 'correction')
        .where('case_id', 'in', ids)
        .execute();
      const residentIds = [...new Set(cases.map((c) => c.resident_id))];
      const residents = await trx
        .updateTable('residents')
        .set({ phone: null, kakao_user_key: null, kakao_plusfriend_user_key: null, kakao_app_user_id: null, kakao_is_friend: null, updated_at: now })
        .where('id', 'in', residentIds)
        .where(({ not, exists, selectFrom }) =>
          not(exists(selectFrom('cases').select('cases.id').whereRef('cases.resident_id', '=', 'residents.id').where('cases.purged_at', 'is', null))),
        )
        .executeTakeFirst();
      return { cases: ids.length, residents: Number(residents.numUpdatedRows) };
    });
    total.cases += batch.cases;
    total.residents += batch.residents;
    if (batch.cases < batchSize) return total;
  }
}
