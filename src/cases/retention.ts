import { sql, type RawBuilder } from 'kysely';
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
 * What a purged case's records keep of their JSON: ids, codes, counts, dates and flags. Any
 * other key goes (a resident's words, an answer given in person, a staff member's reason), so
 * a key added later is purged until someone decides it holds no one's words and adds it here.
 */
const EVENT_KEYS_KEPT = [
  'messageId', 'messageIds', 'registeredBy', 'from', 'to', 'disposition', 'automatic', 'sent', 'notified',
  'days', 'errorCode', 'category', 'department', 'kind', 'confidence', 'triage', 'candidates', 'referralId', 'finding',
  'score', 'recorded', 'appended',
];
const ROUTING_KEYS_KEPT = ['router', 'confidence', 'category', 'department', 'kind', 'candidates', 'triage', 'suggestedDisposition'];
const AUDIT_KEYS_KEPT = ['messageId', 'attachmentId', 'size', 'disposition', 'from', 'to', 'residentId', 'correctionId', 'query', 'referralId', 'referralIds', 'finding'];

/** `column` without the keys not in `kept` (a jsonb object; anything else is left as it is). */
function onlyKeys<T>(column: string, kept: string[]): RawBuilder<T> {
  const ref = sql.ref(column);
  return sql<T>`case when jsonb_typeof(${ref}) = 'object' then ${ref} - array(select jsonb_object_keys(${ref} - ${kept}::text[])) else ${ref} end`;
}

/**
 * Retention (PIPA: personal data is destroyed once its purpose is served). For cases closed
 * before `cutoff`, in batches, each in its own transaction, every copy of the resident's
 * words and of the answers goes:
 * - every message's text becomes '' and its raw provider payload and error message go, and
 *   so does the text of each part a long SMS answer was sent in;
 * - the case's events keep only ids, codes and dates (EVENT_KEYS_KEPT): the router's reasons
 *   (the resident's own words), an answer given in person, a deadline extension's reason;
 * - the routing record loses its reasons, the case its extension reason;
 * - audit entries naming the case keep who did what when, without a written reason;
 * - staff's internal notes on the case are blanked, and so are a committee referral's reason,
 *   the committee's opinion (its finding code and dates stay) and the outcome note of a meeting
 *   with the mayor (찾아가는 구청장실) the case applied for or came from;
 * - a staff correction learnt from the case is withdrawn and its text blanked;
 * - residents' photos lose their address and capture location, and their files are deleted
 *   from the store (src/attachments/purge-files.ts, right after the purge);
 * - the case is marked `purged_at`.
 * What reports count stays: category, department, disposition, channel, kind, dates, status.
 * A resident whose every case is purged loses phone number, Kakao keys and the reason they
 * were blocked; a resident with a newer case keeps them until that one is purged too.
 * test/retention.test.ts holds every text-like column of the schema to this.
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
        .updateTable('message_parts')
        .set({ text: '' })
        .where('message_id', 'in', (eb) => eb.selectFrom('messages').select('messages.id').where('messages.case_id', 'in', ids))
        .where('text', '<>', '')
        .execute();
      await trx
        .updateTable('cases')
        .set({
          purged_at: now,
          routing: sql`case when jsonb_typeof(routing) = 'object' then jsonb_set(${onlyKeys('routing', ROUTING_KEYS_KEPT)}, '{reasons}', '[]'::jsonb) else routing end`,
          extension_reason: null,
        })
        .where('id', 'in', ids)
        .execute();
      await trx
        .updateTable('case_events')
        .set({ data: onlyKeys('data', EVENT_KEYS_KEPT) })
        .where('case_id', 'in', ids)
        .where(sql<boolean>`data - ${EVENT_KEYS_KEPT}::text[] <> '{}'::jsonb`)
        .execute();
      await trx
        .updateTable('audit_log')
        .set({ detail: onlyKeys('detail', AUDIT_KEYS_KEPT) })
        .where(sql<boolean>`case_ids && ${ids}::bigint[]`)
        .where(sql<boolean>`detail - ${AUDIT_KEYS_KEPT}::text[] <> '{}'::jsonb`)
        .execute();
      // Residents' photos: their address and where they were taken go now; the files themselves
      // are deleted from the store right after (purgeAttachmentFiles), which clears their keys.
      await trx
        .updateTable('message_attachments')
        .set({ source_url: null, latitude: null, longitude: null, purged_at: now, status: sql`case when status = 'pending' then 'refused' else status end` })
        .where('case_id', 'in', ids)
        .execute();
      // Staff's own words about the case (notes, why it was moved) may quote the resident.
      await trx.updateTable('case_notes').set({ text: '' }).where('case_id', 'in', ids).execute();
      // The grievance committee's referral: the manager's reason and the committee's opinion.
      await trx
        .updateTable('committee_referrals')
        .set({ reason: '', opinion: sql<string | null>`case when opinion is null then null else '' end` })
        .where('case_id', 'in', ids)
        .execute();
      // How a meeting with the mayor went (src/mayor-sessions), on the application or the case it opened.
      await trx
        .updateTable('mayor_visit_requests')
        .set({ outcome_note: null })
        .where((eb) => eb.or([eb('case_id', 'in', ids), eb('outcome_case_id', 'in', ids)]))
        .where('outcome_note', 'is not', null)
        .execute();
      await trx
        .updateTable('routing_examples')
        .set({ text: '', reason: null, withdrawn_at: sql`coalesce(withdrawn_at, ${now})` })
        .where('source', '=', 'correction')
        .where('case_id', 'in', ids)
        .execute();
      const residentIds = [...new Set(cases.map((c) => c.resident_id))];
      const residents = await trx
        .updateTable('residents')
        .set({
          phone: null,
          kakao_user_key: null,
          kakao_plusfriend_user_key: null,
          kakao_app_user_id: null,
          kakao_is_friend: null,
          blocked_reason: null,
          updated_at: now,
        })
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
