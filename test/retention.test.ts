// Retention: closed cases older than RETENTION_YEARS lose their text and the resident's
// contact details; their statistics stay. The nightly job is a BullMQ job scheduler.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Queue } from 'bullmq';
import { createTestContext, type TestContext } from './support/harness.js';
import { makeCase, staffIdOf } from './support/cases.js';
import { forgetQuietSenders } from '../src/intake/sender-flood.js';
import { insertInbound, fileInboxMessage } from '../src/intake/inbox-repository.js';
import { SMS_ACKNOWLEDGEMENT } from '../src/intake/acknowledgement.js';
import { recordAudit } from '../src/audit/audit-repository.js';
import type { CaseEventType } from '../src/cases/case-event.table.js';
import { purgeClosedCases, retentionCutoff } from '../src/cases/retention.js';
import { recordCorrection } from '../src/routing/routing-examples.js';
import { RETENTION_QUEUE, RETENTION_SCHEDULER_ID } from '../workers/retention.worker.js';
import { workerConnectionOptions } from '../src/queues/queues.js';
import { PROJECT_ROOT } from '../src/paths.js';

let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext({ RETENTION_YEARS: '3' });
});
afterAll(async () => {
  await ctx?.close();
});

const YEAR_MS = 365.25 * 24 * 3600_000;
const yearsAgo = (years: number) => new Date(Date.now() - years * YEAR_MS);

async function addAnswer(caseId: number, text: string) {
  await ctx.db
    .insertInto('messages')
    .values({ case_id: caseId, direction: 'out', kind: 'answer', channel: 'sms', text, provider: 'twilio', delivery_status: 'failed', error_message: 'To +821011112222 unreachable' })
    .execute();
}

describe('retention purge', () => {
  it('blanks text and contact details of cases closed before the cutoff and keeps their statistics', async () => {
    const old = await makeCase(ctx.db, { department: 'ROAD', status: 'closed', closedAt: yearsAgo(4), text: '오래된 민원 내용 빚독촉마커' });
    await addAnswer(old.caseId, '오래된 답변');
    await ctx.db.updateTable('cases').set({ routing: JSON.stringify({ router: 'r', confidence: 0.9, reasons: ['빚독촉마커'], category: 'roads', department: 'ROAD' }) }).where('id', '=', old.caseId).execute();
    await ctx.db.insertInto('case_events').values({ case_id: old.caseId, type: 'routed', data: JSON.stringify({ department: 'ROAD', reasons: ['빚독촉마커'] }) }).execute();
    const manager = await ctx.db.insertInto('staff').values({ name: 'm', department_code: 'AUDIT', role: 'manager', token_hash: 'x'.repeat(64), token_expires_at: new Date(Date.now() + 1e6) }).returning('id').executeTakeFirstOrThrow();
    await recordCorrection(ctx.db, { caseId: old.caseId, staffId: manager.id, department: 'ROAD', reason: '이첩사유마커 도로과 소관' });
    await ctx.db.insertInto('case_events').values({ case_id: old.caseId, type: 'assigned', staff_id: manager.id, data: JSON.stringify({ from: 'PARKING', to: 'ROAD', reason: '이첩사유마커 도로과 소관' }) }).execute();
    // Staff's internal notes are the case's text too.
    await ctx.db.insertInto('case_notes').values({ case_id: old.caseId, staff_id: manager.id, text: '메모마커 민원인 채무 상담 연결' }).execute();
    const recent = await makeCase(ctx.db, { department: 'ROAD', status: 'closed', closedAt: yearsAgo(2), text: '최근 민원 내용' });
    const open = await makeCase(ctx.db, { department: 'ROAD', text: '열린 민원 내용' });
    for (const kept of [recent, open]) {
      await ctx.db.insertInto('case_notes').values({ case_id: kept.caseId, staff_id: manager.id, text: '남는 메모' }).execute();
    }
    const before = await ctx.db.selectFrom('cases').selectAll().where('id', '=', old.caseId).executeTakeFirstOrThrow();

    const result = await purgeClosedCases(ctx.db, retentionCutoff(3), 1);
    expect(result.cases).toBeGreaterThanOrEqual(1);

    const after = await ctx.db.selectFrom('cases').selectAll().where('id', '=', old.caseId).executeTakeFirstOrThrow();
    expect(after.purged_at).not.toBeNull();
    // What reports count is unchanged.
    for (const column of ['case_number', 'channel', 'status', 'category_code', 'department_code', 'disposition_code', 'kind', 'received_at', 'answered_at', 'closed_at'] as const) {
      expect(after[column], column).toEqual(before[column]);
    }
    expect(after.routing?.department).toBe('ROAD');
    expect(after.routing?.reasons).toEqual([]);
    const messages = await ctx.db.selectFrom('messages').selectAll().where('case_id', '=', old.caseId).execute();
    expect(messages.length).toBeGreaterThanOrEqual(2);
    for (const m of messages) {
      expect(m.text).toBe('');
      expect(m.raw).toBeNull();
      expect(m.error_message).toBeNull();
    }
    const resident = await ctx.db.selectFrom('residents').selectAll().where('id', '=', old.residentId).executeTakeFirstOrThrow();
    expect(resident.phone).toBeNull();
    const correction = await ctx.db.selectFrom('routing_examples').selectAll().where('case_id', '=', old.caseId).executeTakeFirstOrThrow();
    expect(correction.text).toBe('');
    expect(correction.reason).toBeNull();
    expect(correction.withdrawn_at).not.toBeNull();
    const notes = await ctx.db.selectFrom('case_notes').selectAll().where('case_id', '=', old.caseId).execute();
    expect(notes.map((n) => n.text)).toEqual(['']);
    const assigned = await ctx.db.selectFrom('case_events').select('data').where('case_id', '=', old.caseId).where('type', '=', 'assigned').executeTakeFirstOrThrow();
    // Only ids and codes stay of an event (EVENT_KEYS_KEPT): the reason goes with the key.
    expect(assigned.data).toEqual({ from: 'PARKING', to: 'ROAD' });

    for (const kept of [recent, open]) {
      const c = await ctx.db.selectFrom('cases').select('purged_at').where('id', '=', kept.caseId).executeTakeFirstOrThrow();
      expect(c.purged_at).toBeNull();
      const m = await ctx.db.selectFrom('messages').select('text').where('case_id', '=', kept.caseId).where('direction', '=', 'in').executeTakeFirstOrThrow();
      expect(m.text).not.toBe('');
      const r = await ctx.db.selectFrom('residents').select('phone').where('id', '=', kept.residentId).executeTakeFirstOrThrow();
      expect(r.phone).toBe(kept.phone);
      const n = await ctx.db.selectFrom('case_notes').select('text').where('case_id', '=', kept.caseId).executeTakeFirstOrThrow();
      expect(n.text).toBe('남는 메모');
    }

    // Nothing of the old case's words is left anywhere in the database.
    const dump = JSON.stringify(await Promise.all(['messages', 'cases', 'routing_examples', 'residents', 'case_events', 'case_notes', 'audit_log'].map((t) => ctx.db.selectFrom(t as 'cases').selectAll().execute())));
    for (const word of ['오래된 민원', '빚독촉마커', '오래된 답변', '+821011112222', old.phone, '이첩사유마커', '메모마커']) expect(dump.includes(word), word).toBe(false);

    // The staff API shows the purged case, its statistics, and no text.
    const token = await ctx.staffToken('manager');
    const res = await ctx.app.inject({ method: 'GET', url: `/api/cases/${old.caseId}`, headers: { authorization: `Bearer ${token}` } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: old.caseId, department: 'ROAD', disposition: 'resolved', status: 'closed', resident: { phone: null } });
    expect(res.json().purgedAt).not.toBeNull();
  });

  it('keeps a resident’s number while a newer case of theirs is not purged', async () => {
    const phone = '+821077770001';
    const old = await makeCase(ctx.db, { department: 'ROAD', status: 'closed', closedAt: yearsAgo(5), phone });
    const newer = await makeCase(ctx.db, { department: 'ROAD', phone });
    expect(newer.residentId).toBe(old.residentId);
    await purgeClosedCases(ctx.db, retentionCutoff(3));
    const resident = await ctx.db.selectFrom('residents').select('phone').where('id', '=', old.residentId).executeTakeFirstOrThrow();
    expect(resident.phone).toBe(phone);
    const m = await ctx.db.selectFrom('messages').select('text').where('case_id', '=', old.caseId).executeTakeFirstOrThrow();
    expect(m.text).toBe('');
  });

  it('purges in batches until none is left, and a second run finds nothing', async () => {
    for (let i = 0; i < 7; i++) await makeCase(ctx.db, { department: 'PARKING', status: 'closed', closedAt: yearsAgo(3.5) });
    const first = await purgeClosedCases(ctx.db, retentionCutoff(3), 3);
    expect(first.cases).toBeGreaterThanOrEqual(7);
    const left = await ctx.db.selectFrom('cases').select('id').where('status', '=', 'closed').where('closed_at', '<', retentionCutoff(3)).where('purged_at', 'is', null).execute();
    expect(left).toEqual([]);
    expect(await purgeClosedCases(ctx.db, retentionCutoff(3), 3)).toEqual({ cases: 0, residents: 0 });
  });

  it('is scheduled once, nightly, by the workers, under a fixed id, and its job runs the purge', async () => {
    const old = await makeCase(ctx.db, { department: 'ROAD', status: 'closed', closedAt: yearsAgo(10), text: '스케줄러 시험 민원' });
    const workers = await ctx.startWorkers();
    const second = await ctx.startWorkers();
    const queue = new Queue(RETENTION_QUEUE, { connection: workerConnectionOptions(ctx.config.redisUrl), prefix: ctx.config.queuePrefix });
    try {
      const schedulers = await queue.getJobSchedulers();
      expect(schedulers.map((s) => s.key)).toEqual([RETENTION_SCHEDULER_ID]);
      expect(schedulers[0]).toMatchObject({ pattern: '0 30 3 * * *', tz: 'Asia/Seoul' });
      // Run it now rather than wait for 03:30.
      await queue.add('purge', {});
      await expect
        .poll(async () => (await ctx.db.selectFrom('cases').select('purged_at').where('id', '=', old.caseId).executeTakeFirstOrThrow()).purged_at, { timeout: 10_000 })
        .not.toBeNull();
    } finally {
      await queue.close();
      await second.close();
      await workers.close();
    }
  });
});

describe('npm run cli -- retention purge', () => {
  it('purges now, with the configured or a given number of years', async () => {
    const old = await makeCase(ctx.db, { department: 'ROAD', status: 'closed', closedAt: yearsAgo(1.5), text: '명령행 시험 민원' });
    const run = (...args: string[]) =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'retention', 'purge', ...args], {
        cwd: PROJECT_ROOT,
        env: { ...process.env, DATABASE_URL: ctx.config.databaseUrl, REDIS_URL: ctx.config.redisUrl },
      });
    // 1.5 years is within the configured 3: kept.
    expect((await run()).stdout).toMatch(/^purged 0 cases closed before/);
    const kept = await ctx.db.selectFrom('messages').select('text').where('case_id', '=', old.caseId).executeTakeFirstOrThrow();
    expect(kept.text).toBe('명령행 시험 민원');
    // (Other tests' cases closed two years ago go too.)
    expect((await run('--years', '1')).stdout).toMatch(/^purged [1-9]\d* cases closed before .* \([1-9]\d* residents' contact details removed\)/);
    const purged = await ctx.db.selectFrom('messages').select('text').where('case_id', '=', old.caseId).executeTakeFirstOrThrow();
    expect(purged.text).toBe('');
  }, 60_000);
});

describe('retention cutoff', () => {
  it('is the given number of calendar years before now', () => {
    expect(retentionCutoff(3, new Date('2026-11-26T00:00:00Z')).toISOString()).toBe('2023-11-26T00:00:00.000Z');
  });
});

// ---------------------------------------------------------------------------------------
// Every column that can hold text, classified: a purge leaves no copy of a resident's words,
// contact or answers. A column added by a later migration fails the first test until it is
// put in one of the three lists below (and, if it holds such text, purged and planted).

/** Columns that hold no one's words or contact details, each with why. */
const HOLDS_NO_PERSONAL_TEXT: Record<string, string> = {
  'audit_log.action': 'what was done, a fixed code (case.read, resident.blocked, ...)',
  'audit_log.ip': "the staff member's address, not a resident's",
  'case_events.type': 'the kind of event, a fixed code',
  'committee_referrals.finding': "the grievance committee's finding, a fixed code (correction, opinion, ...)",
  'committee_referrals.status': 'a referral status code',
  'cases.case_number': 'the number the office gave the case (2026-000123)',
  'cases.category_code': 'a category code',
  'cases.channel': 'a channel code (sms, kakao, visit, web)',
  'cases.department_code': 'a department code',
  'cases.disposition_code': 'a disposition code',
  'cases.kind': 'complaint, proposal, thanks or spam',
  'cases.status': 'a status code',
  'categories.code': 'office configuration',
  'categories.label': 'office configuration',
  'delivery_reports.error_code': "a provider's error code",
  'message_counts.channel': 'a channel code, a label of the /metrics counts',
  'satisfaction_surveys.channel': 'a channel code (sms, kakao): where the satisfaction question was asked',
  'message_counts.delivery_status': 'a delivery status code, a label of the /metrics counts',
  'message_counts.direction': 'in or out, a label of the /metrics counts',
  'message_counts.kind': 'a message kind code, a label of the /metrics counts',
  'delivery_reports.provider': 'a provider name',
  'delivery_reports.provider_message_id': "the provider's id of a sent message",
  'delivery_reports.status': 'a delivery status code',
  'department_digests.department_code': 'a department code (the digest holds counts only)',
  'departments.category_code': 'office configuration',
  'departments.code': 'office configuration',
  'departments.duties': "office configuration: the department's duties as the admins wrote them",
  'departments.keywords': 'office configuration: routing keywords the admins wrote',
  'departments.name': 'office configuration',
  'dispositions.code': 'office configuration',
  'dispositions.label': 'office configuration',
  'dispositions.meaning': 'office configuration',
  'inbound_messages.acknowledgement': 'our own acknowledgement text, the same for every resident',
  'inbound_messages.acknowledgement_status': 'a delivery status code',
  'inbound_messages.case_number': 'the case number reserved for the message (2026-000123)',
  'inbound_messages.channel': 'a channel code',
  'inbound_messages.provider': 'a provider name',
  'inbound_messages.provider_message_id': "the provider's id of the message (or ours), kept to recognise a re-send",
  'kysely_migration.name': 'a migration name',
  'mayor_visit_requests.status': 'a status code',
  'mayor_visit_sessions.place': "a public venue staff named for the mayor's session (주민센터), not a resident's words",
  'ondate_volunteers.month': 'a month (YYYY-MM), the session volunteered for',
  'ondate_volunteers.status': 'a status code',
  'ondate_volunteers.mode': 'video or phone',
  'kysely_migration.timestamp': 'when a migration ran',
  'kysely_migration_lock.id': 'the migration lock',
  'message_parts.delivery_status': 'a delivery status code',
  'message_parts.error_code': "a provider's error code",
  'message_parts.provider': 'a provider name',
  'message_parts.provider_message_id': "the provider's id of a sent part",
  'messages.channel': 'a channel code',
  'messages.delivery_status': 'a delivery status code',
  'messages.direction': 'in or out',
  'messages.error_code': "a provider's error code (its message, which can name the number, is purged)",
  'messages.kind': 'a message kind code',
  'messages.provider': 'a provider name',
  'messages.provider_message_id': "the provider's id of the message",
  'message_attachments.content_type': 'a MIME type read from the bytes',
  'message_attachments.declared_type': 'the MIME type the provider declared',
  'message_attachments.note': 'why a photo was not kept: our own fixed Korean notes (too large, not an image, ...)',
  'message_attachments.provider': 'a provider name',
  'message_attachments.status': 'pending, stored or refused',
  'message_attachments.storage_key': 'ids only (cases/<case>/<attachment>-original.jpg); the purge deletes the file it names, then the key',
  'message_attachments.thumbnail_key': "ids only, like storage_key; the purge deletes the thumbnail, then the key",
  'routing_examples.department_code': 'a department code',
  'routing_examples.kind': 'an example kind code',
  'routing_examples.source': 'builtin, file or correction',
  'sender_flood_counts.case_number': "the number of the sender's current thread (2026-000123)",
  'sender_flood_counts.sender':
    "a sender's count and current thread; the sweeper deletes it once the flood window and the thread have passed, years before any purge",
  'staff.department_code': 'a department code',
  'staff.name': "a staff member's name, not a resident's: kept for the audit trail",
  'staff.role': 'a role code',
  'staff.token_hash': "a hash of a staff member's token",
  'notices.title': "a notice staff wrote to every subscriber: the district's words, not a resident's",
  'notices.body': "a notice staff wrote to every subscriber: the district's words, not a resident's",
  'notices.button_label': 'the label of a notice button, written by staff',
  'notices.button_url': "a link staff put in a notice (the district's pages)",
  'notices.audience': 'which dong or segment a notice goes to (codes)',
  'notices.status': 'a status code',
  'notice_recipients.status': 'a status code',
  'notice_recipients.provider_message_id': "the gateway's id for a notice sent (no number, no text)",
  'notice_recipients.provider_group_id': "the gateway's id for a batch sent",
  'notice_recipients.message_type': 'ATA, SMS or LMS',
  'notice_recipients.error_code': "the gateway's status code",
};

/**
 * The consent ledger of notices (src/notices, docs/notices.md) has its own retention: a consent
 * is removed with its messages NOTICE_CONSENT_RETENTION_DAYS after it is withdrawn
 * (purgeEndedConsents, test/notices-consent.test.ts), whatever becomes of any case.
 */
const NOTICE_CONSENT_RETENTION = [
  'notice_consents.phone',
  'notice_consents.kakao_user_key',
  'notice_consents.dong',
  'notice_consents.segments',
  'notice_consents.status',
  'notice_consents.consent_channel',
  'notice_consents.consent_text',
  'notice_consents.source',
  'notice_consents.withdrawal_channel',
  'notice_consents.withdrawal_text',
  'notice_consent_events.action',
  'notice_consent_events.channel',
  'notice_consent_events.provider',
  'notice_consent_events.provider_message_id',
  'notice_consent_events.phone',
  'notice_consent_events.kakao_user_key',
  'notice_consent_events.text',
  'notice_consent_events.reply',
  'notice_consent_events.reply_status',
];

/** Columns that hold a resident's words, contact or an answer: every one is written below, and a purge must leave none of it. */
const PURGED = [
  'audit_log.detail',
  'case_events.data',
  'case_notes.text',
  'committee_referrals.opinion',
  'committee_referrals.reason',
  'cases.extension_reason',
  'cases.routing',
  'mayor_visit_requests.outcome_note',
  'message_parts.text',
  'message_attachments.source_url',
  'messages.error_message',
  'messages.raw',
  'messages.text',
  'residents.blocked_reason',
  'residents.kakao_app_user_id',
  'residents.kakao_plusfriend_user_key',
  'residents.kakao_user_key',
  'residents.phone',
  'routing_examples.reason',
  'routing_examples.text',
];

/** The inbox holds the message only until it is filed into its case (store_inbound_message empties it then), long before any purge. */
const EMPTIED_WHEN_FILED = ['inbound_messages.media', 'inbound_messages.raw', 'inbound_messages.sender', 'inbound_messages.text'];

interface TextColumn {
  table: string;
  column: string;
  type: string;
}

/** Every column of every table of the migrated schema that can hold text. */
async function textColumns(): Promise<TextColumn[]> {
  const { rows } = await sql<{ table_name: string; column_name: string; data_type: string; udt_name: string }>`
    select c.table_name, c.column_name, c.data_type, c.udt_name
    from information_schema.columns c
    join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
    where c.table_schema = current_schema() and t.table_type = 'BASE TABLE'
      and (c.data_type in ('text', 'character varying', 'character', 'json', 'jsonb', 'bytea', 'xml', 'USER-DEFINED')
           or (c.data_type = 'ARRAY' and c.udt_name in ('_text', '_varchar', '_bpchar', '_json', '_jsonb', '_bytea', '_xml')))
    order by c.table_name, c.column_name`.execute(ctx.db);
  return rows.map((r) => ({ table: r.table_name, column: r.column_name, type: r.udt_name }));
}

/** The text columns where any of `needles` occurs in some row, as table.column. */
async function columnsHolding(needles: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const { table, column, type } of await textColumns()) {
    const ref = sql.ref(`${table}.${column}`);
    const asText = type === 'bytea' ? sql`encode(${ref}, 'escape')` : sql`${ref}::text`;
    const { rows } = await sql<{ found: boolean }>`
      select exists (select 1 from ${sql.table(table)} where ${sql.join(needles.map((n) => sql`strpos(${asText}, ${n}) > 0`), sql` or `)}) as found`.execute(ctx.db);
    if (rows[0]!.found) found.push(`${table}.${column}`);
  }
  return found;
}

/**
 * A case with a copy of its resident's words, contact or answers in every place the code
 * writes one: the message through the inbox, the router's reasons, the Kakao keys, a block
 * and its reason, the audit of a phone read, an extension's reason, a correction, an answer
 * given in person, an answer sent in SMS parts with a provider error naming the number.
 * Everything carries `marker` or the phone number.
 */
async function caseWithEveryCopy(marker: string, phone: string, closedAt: Date, staffId: number) {
  const words = `${marker} 신당동 골목 가로등이 꺼졌어요`;
  const inboundId = await insertInbound(ctx.db, {
    channel: 'sms',
    provider: 'twilio',
    providerMessageId: `SM${randomBytes(16).toString('hex')}`,
    sender: { phone },
    text: words,
    raw: { Body: words, From: phone },
    acknowledgement: SMS_ACKNOWLEDGEMENT,
    acknowledgementStatus: null,
    receivedAt: new Date(closedAt.getTime() - 7 * 24 * 3600_000),
    // A photo's address opens the resident's photo: it is theirs as much as their words.
    media: [{ url: `https://api.twilio.com/2010-04-01/Media/${marker}`, contentType: 'image/jpeg' }],
  }, 30);
  // Storing it numbered the message under the sender's row; the sweeper forgets that row once
  // their thread has ended (here, years ago), long before any purge.
  expect(await forgetQuietSenders(ctx.db, 0, 30)).toBe(1);
  expect(await columnsHolding([marker, phone])).toEqual(expect.arrayContaining(EMPTIED_WHEN_FILED));
  const stored = (await fileInboxMessage(ctx.db, inboundId!, 0))!;
  const caseId = stored.caseId;
  const { resident_id: residentId } = await ctx.db.selectFrom('cases').select('resident_id').where('id', '=', caseId).executeTakeFirstOrThrow();

  const routing = { router: 'r', confidence: 0.9, reasons: [marker, '가로등'], category: 'roads', department: 'ROAD', kind: 'complaint' as const };
  await ctx.db
    .updateTable('cases')
    .set({ routing: JSON.stringify(routing), department_code: 'ROAD', status: 'assigned', extension_reason: `${marker} 현장 확인이 필요합니다` })
    .where('id', '=', caseId)
    .execute();
  await ctx.db
    .updateTable('residents')
    .set({ kakao_user_key: `${marker}-user-key`, kakao_plusfriend_user_key: `${marker}-plusfriend`, kakao_app_user_id: `${marker}-app`, blocked_reason: `${marker} 욕설 반복` })
    .where('id', '=', residentId)
    .execute();
  await recordAudit(ctx.db, { staffId, ip: '10.0.0.1' }, 'resident.blocked', [caseId], { residentId, reason: `${marker} 욕설 반복` });
  await recordAudit(ctx.db, { staffId, ip: '10.0.0.1' }, 'case.resident_phone_read', [caseId], { reason: `${marker} 회신 요청` });
  await recordCorrection(ctx.db, { caseId, staffId, department: 'ROAD', reason: `${marker} 이첩 사유` });
  await ctx.db.insertInto('case_notes').values({ case_id: caseId, staff_id: staffId, text: `${marker} 내부 메모: 민원인 ${phone}` }).execute();
  // The grievance committee: the manager's reason and the committee's opinion may quote the resident.
  await ctx.db
    .insertInto('committee_referrals')
    .values({ case_id: caseId, reason: `${marker} 회부 사유`, referred_by: staffId, status: 'reviewed', finding: 'opinion', opinion: `${marker} 위원회 의견`, reviewed_by: staffId, reviewed_at: new Date() })
    .execute();
  // 찾아가는 구청장실: how the meeting went, in staff's words.
  await ctx.db
    .insertInto('mayor_visit_requests')
    .values({ case_id: caseId, resident_id: residentId, status: 'met', outcome_note: `${marker} 구청장 면담: 가로등 교체 요청`, outcome_by: staffId, outcome_at: new Date() })
    .execute();

  const answer = await ctx.db
    .insertInto('messages')
    .values({
      case_id: caseId, direction: 'out', kind: 'answer', channel: 'sms', text: `${marker} 답변: 가로등을 교체했습니다`, provider: 'twilio',
      delivery_status: 'failed', error_code: '30003', error_message: `To ${phone} unreachable`, raw: JSON.stringify({ to: phone }), staff_id: staffId,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await ctx.db
    .insertInto('message_parts')
    .values([1, 2].map((n) => ({
      message_id: answer.id, part_no: n, part_count: 2, text: `(${n}/2) ${marker} 답변 ${n}`, provider: 'twilio',
      provider_message_id: `SM${randomBytes(16).toString('hex')}`, delivery_status: 'failed', error_code: '30003',
    })))
    .execute();

  const events: [CaseEventType, Record<string, unknown>][] = [
    ['routed', { category: 'roads', department: 'ROAD', kind: 'complaint', confidence: 0.9, reasons: [marker] }],
    // Another helper's reassignment reason, or any key yet to come: not on the kept list, so purged.
    ['assigned', { from: 'ROAD', to: 'ROAD', reason: `${marker} 소관 부서` }],
    ['replied', { messageId: null, text: `${marker} 방문 답변`, sent: false }],
    ['deadline_extended', { from: closedAt.toISOString(), to: closedAt.toISOString(), days: 7, reason: `${marker} 현장 확인`, messageId: null, notified: false }],
    ['closed', { disposition: 'resolved', messageId: answer.id, text: `${marker} 방문 답변`, sent: false }],
  ];
  for (const [type, data] of events) await ctx.db.insertInto('case_events').values({ case_id: caseId, type, data: JSON.stringify(data), staff_id: staffId }).execute();
  await ctx.db.updateTable('cases').set({ status: 'closed', closed_at: closedAt, disposition_code: 'resolved' }).where('id', '=', caseId).execute();
  return { caseId, residentId };
}

describe('retention purge: every text-like column', () => {
  it('every text, varchar, json, jsonb and bytea column of the schema is classified (a new column must be, before this passes)', async () => {
    const columns = (await textColumns()).map((c) => `${c.table}.${c.column}`);
    const classified = [...Object.keys(HOLDS_NO_PERSONAL_TEXT), ...PURGED, ...EMPTIED_WHEN_FILED, ...NOTICE_CONSENT_RETENTION];
    expect(new Set(classified).size, 'a column is in two lists').toBe(classified.length);
    expect(
      columns.filter((c) => !classified.includes(c)),
      'unclassified: add each to PURGED (purge it and write it in caseWithEveryCopy) or to HOLDS_NO_PERSONAL_TEXT with why',
    ).toEqual([]);
    expect(classified.filter((c) => !columns.includes(c)), 'classified but not in the schema').toEqual([]);
    for (const [column, why] of Object.entries(HOLDS_NO_PERSONAL_TEXT)) expect(why.length, column).toBeGreaterThan(5);
  });

  it('leaves no copy of a purged case\'s words, contact or answers in any column, and every copy of a kept case\'s', async () => {
    const staffId = await staffIdOf(ctx.db, await ctx.staffToken('manager'));
    const oldMarker = `PIIold${randomBytes(4).toString('hex')}`;
    const keptMarker = `PIIkept${randomBytes(4).toString('hex')}`;
    const oldPhone = '+821048210001';
    const keptPhone = '+821048210002';
    const old = await caseWithEveryCopy(oldMarker, oldPhone, yearsAgo(4), staffId);
    const kept = await caseWithEveryCopy(keptMarker, keptPhone, yearsAgo(2), staffId);
    const sorted = [...PURGED].sort();
    // Written in every purged column, in no other.
    expect((await columnsHolding([oldMarker, oldPhone])).sort()).toEqual(sorted);
    expect((await columnsHolding([keptMarker, keptPhone])).sort()).toEqual(sorted);

    await purgeClosedCases(ctx.db, retentionCutoff(3));

    expect(await columnsHolding([oldMarker, oldPhone])).toEqual([]);
    expect((await columnsHolding([keptMarker, keptPhone])).sort()).toEqual(sorted);

    // What is kept of the purged case: its events, with ids and codes only; its part rows, blank.
    const events = await ctx.db.selectFrom('case_events').select(['type', 'data']).where('case_id', '=', old.caseId).orderBy('id').execute();
    expect(events.map((e) => e.type)).toEqual(['received', 'routed', 'assigned', 'replied', 'deadline_extended', 'closed']);
    expect(events.find((e) => e.type === 'routed')!.data).toEqual({ category: 'roads', department: 'ROAD', kind: 'complaint', confidence: 0.9 });
    expect(events.find((e) => e.type === 'closed')!.data).toMatchObject({ disposition: 'resolved', sent: false });
    expect(events.find((e) => e.type === 'deadline_extended')!.data).toMatchObject({ days: 7 });
    const parts = await ctx.db
      .selectFrom('message_parts')
      .innerJoin('messages', 'messages.id', 'message_parts.message_id')
      .select(['message_parts.text', 'message_parts.delivery_status'])
      .where('messages.case_id', '=', old.caseId)
      .execute();
    expect(parts).toEqual([{ text: '', delivery_status: 'failed' }, { text: '', delivery_status: 'failed' }]);
    const audit = await ctx.db.selectFrom('audit_log').select(['action', 'detail']).where(sql<boolean>`case_ids @> array[${old.caseId}]::bigint[]`).orderBy('id').execute();
    expect(audit).toEqual([
      { action: 'resident.blocked', detail: { residentId: old.residentId } },
      { action: 'case.resident_phone_read', detail: {} },
    ]);
    const routing = await ctx.db.selectFrom('cases').select('routing').where('id', '=', old.caseId).executeTakeFirstOrThrow();
    expect(routing.routing).toEqual({ router: 'r', confidence: 0.9, reasons: [], category: 'roads', department: 'ROAD', kind: 'complaint' });
    expect(kept.caseId).not.toBe(old.caseId);
  });
});
