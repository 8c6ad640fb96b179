import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import { errorLog, processWarnings, type WarnLogger } from '../logger.js';
import type { CategoryTable, DepartmentTable, DispositionTable } from '../departments/department.table.js';
import type { ResidentTable } from '../residents/resident.table.js';
import type { CaseTable } from '../cases/case.table.js';
import type { CaseEventTable } from '../cases/case-event.table.js';
import type { CaseNoteTable } from '../cases/case-note.table.js';
import type { MessageTable } from '../cases/message.table.js';
import type { DeliveryReportTable } from '../outbound/delivery-report.table.js';
import type { MessagePartTable } from '../outbound/message-part.table.js';
import type { StaffTable } from '../staff/staff.table.js';
import type { RoutingExampleTable } from '../routing/routing-example.table.js';
import type { InboundMessageTable } from '../intake/inbound-message.table.js';
import type { SenderFloodCountTable } from '../intake/sender-flood-count.table.js';
import type { AuditLogTable } from '../audit/audit.table.js';
import type { DepartmentDigestTable } from '../deadlines/digest.table.js';
import type { CommitteeReferralTable } from '../committee/referral.table.js';
import type { SatisfactionSurveyTable } from '../satisfaction/satisfaction.table.js';
import type { MayorVisitRequestTable, MayorVisitSessionTable, OndateVolunteerTable } from '../mayor-sessions/mayor-sessions.table.js';
import type { MessageAttachmentTable } from '../attachments/attachment.table.js';
import type { NoticeConsentEventTable, NoticeConsentTable, NoticeRecipientTable, NoticeTable } from '../notices/notice.table.js';

export interface Database {
  categories: CategoryTable;
  dispositions: DispositionTable;
  departments: DepartmentTable;
  residents: ResidentTable;
  cases: CaseTable;
  case_events: CaseEventTable;
  case_notes: CaseNoteTable;
  messages: MessageTable;
  delivery_reports: DeliveryReportTable;
  message_parts: MessagePartTable;
  staff: StaffTable;
  routing_examples: RoutingExampleTable;
  inbound_messages: InboundMessageTable;
  sender_flood_counts: SenderFloodCountTable;
  audit_log: AuditLogTable;
  department_digests: DepartmentDigestTable;
  committee_referrals: CommitteeReferralTable;
  satisfaction_surveys: SatisfactionSurveyTable;
  ondate_volunteers: OndateVolunteerTable;
  mayor_visit_sessions: MayorVisitSessionTable;
  mayor_visit_requests: MayorVisitRequestTable;
  message_attachments: MessageAttachmentTable;
  notice_consents: NoticeConsentTable;
  notice_consent_events: NoticeConsentEventTable;
  notices: NoticeTable;
  notice_recipients: NoticeRecipientTable;
}

export type Db = Kysely<Database>;

// Ids and counts are int8 in Postgres; they stay far below 2^53, so numbers are safe and simpler.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (value) => Number(value));

/**
 * `log`: where the pool's connection errors go (rate-limited, src/logger.ts errorLog); without
 * one, to stderr as process warnings.
 */
export function createDb(databaseUrl: string, options: { max?: number; log?: WarnLogger } = {}): Db {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: options.max ?? 10,
    // Fail fast when Postgres is unreachable rather than hanging a webhook.
    connectionTimeoutMillis: 5_000,
  });
  // An idle client losing its connection must not crash the process, nor pass unseen.
  const logError = errorLog(options.log ?? processWarnings, 'postgres pool');
  pool.on('error', logError);
  // Nor one checked out: pg also emits the loss as an 'error' event on the client (besides
  // failing its query), and the pool listens only while a client is idle. The query's own
  // failure is what callers see; the pool drops the broken client when it is released.
  pool.on('connect', (client) => client.on('error', logError));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  pools.set(db, pool);
  return db;
}

const pools = new WeakMap<Db, pg.Pool>();

/**
 * A statement on the hot path of a burst (the webhook's inbox insert, the routing worker's
 * call), run as a named prepared statement: Postgres parses and plans it once per connection
 * instead of every time, which measured about twice the inserts per second. Outside any
 * transaction only: `db` must be the root instance.
 */
export async function preparedQuery<R extends pg.QueryResultRow>(db: Db, name: string, text: string, values: unknown[]): Promise<R[]> {
  const pool = pools.get(db);
  if (!pool) throw new Error('preparedQuery needs the database instance createDb made, not a transaction');
  const result = await pool.query<R>({ name, text, values });
  return result.rows;
}

/** True when Postgres reports a unique-constraint violation. */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';
}
