// Retention: closed cases older than RETENTION_YEARS lose their text and the resident's
// contact details; their statistics stay. The nightly job is a BullMQ job scheduler.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Queue } from 'bullmq';
import { createTestContext, type TestContext } from './support/harness.js';
import { makeCase } from './support/cases.js';
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
    expect(assigned.data).toEqual({ from: 'PARKING', to: 'ROAD', reason: '' });

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
