import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { AuditAction, AuditEntry } from './audit.table.js';

/** Who is acting, as the audit log records them. */
export interface Actor {
  staffId: number;
  ip: string | null;
}

/**
 * Writes one audit entry. Changes pass their transaction, so the entry and the change
 * commit together; reads write it in the same request, before the answer leaves.
 */
export async function recordAudit(
  db: Db,
  actor: Actor,
  action: AuditAction,
  caseIds: number[],
  detail: Record<string, unknown> = {},
): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({ staff_id: actor.staffId, action, case_ids: caseIds, detail: JSON.stringify(detail), ip: actor.ip })
    .execute();
}

export interface AuditFilter {
  caseId?: number | undefined;
  staffId?: number | undefined;
  from?: Date | undefined;
  /** Exclusive. */
  to?: Date | undefined;
  /** Entries with a smaller id than this (newest first). */
  beforeId?: number | undefined;
  limit: number;
}

/** A page of the audit log, newest first. */
export async function listAudit(db: Db, filter: AuditFilter): Promise<{ items: AuditEntry[]; nextBeforeId: number | null }> {
  let query = db.selectFrom('audit_log').selectAll();
  if (filter.caseId !== undefined) query = query.where(sql<boolean>`case_ids @> array[${filter.caseId}]::bigint[]`);
  if (filter.staffId !== undefined) query = query.where('staff_id', '=', filter.staffId);
  if (filter.from) query = query.where('created_at', '>=', filter.from);
  if (filter.to) query = query.where('created_at', '<', filter.to);
  if (filter.beforeId !== undefined) query = query.where('id', '<', filter.beforeId);
  const rows = await query.orderBy('id', 'desc').limit(filter.limit + 1).execute();
  const items = rows.slice(0, filter.limit);
  return { items, nextBeforeId: rows.length > filter.limit ? (items[items.length - 1]?.id ?? null) : null };
}
