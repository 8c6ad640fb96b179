// The audit log (reads too) and the explicit, audited request for a resident's full number.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from './support/harness.js';
import { makeCase, staffIdOf } from './support/cases.js';

let ctx: TestContext;
const tokens = { road: '', parking: '', manager: '', admin: '' };

beforeAll(async () => {
  ctx = await createTestContext();
  tokens.road = await ctx.staffToken('staff', 'ROAD');
  tokens.parking = await ctx.staffToken('staff', 'PARKING');
  tokens.manager = await ctx.staffToken('manager', 'AUDIT');
  tokens.admin = await ctx.staffToken('admin', 'AUDIT');
});
afterAll(async () => {
  await ctx?.close();
});

function api(token: string, method: 'GET' | 'POST', url: string, payload?: Record<string, unknown>) {
  return ctx.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload ? { payload } : {}) });
}

interface AuditJson {
  id: number;
  staffId: number;
  action: string;
  caseIds: number[];
  detail: Record<string, unknown>;
  ip: string | null;
  createdAt: string;
}

async function auditOf(query: string): Promise<{ items: AuditJson[]; nextCursor: string | null }> {
  const res = await api(tokens.admin, 'GET', `/api/audit?${query}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

describe('audit log', () => {
  it('records who read, listed and changed a case, and when, without message text', async () => {
    const text = '옆집 아저씨가 빚 때문에 매일 소리를 지릅니다';
    const { caseId } = await makeCase(ctx.db, { department: 'ROAD', text });
    const roadId = await staffIdOf(ctx.db, tokens.road);
    const managerId = await staffIdOf(ctx.db, tokens.manager);
    const before = Date.now();

    expect((await api(tokens.road, 'GET', '/api/cases?status=assigned')).statusCode).toBe(200);
    expect((await api(tokens.road, 'GET', `/api/cases/${caseId}`)).statusCode).toBe(200);
    expect((await api(tokens.manager, 'POST', `/api/cases/${caseId}/replies`, { text: '확인하겠습니다.' })).statusCode).toBe(202);
    expect((await api(tokens.manager, 'POST', `/api/cases/${caseId}/assign`, { department: 'TRAFFIC' })).statusCode).toBe(200);
    expect((await api(tokens.manager, 'POST', `/api/cases/${caseId}/close`, { disposition: 'explained', text: '설명드렸습니다.' })).statusCode).toBe(200);
    // Out of scope: not read, so not recorded as a read.
    expect((await api(tokens.parking, 'GET', `/api/cases/${caseId}`)).statusCode).toBe(404);

    const { items } = await auditOf(`caseId=${caseId}`);
    const trail = items.map((e) => [e.staffId, e.action]).reverse();
    expect(trail).toEqual([
      [roadId, 'cases.listed'],
      [roadId, 'case.read'],
      [managerId, 'case.replied'],
      [managerId, 'case.assigned'],
      [managerId, 'case.closed'],
    ]);
    for (const entry of items) {
      expect(entry.caseIds).toContain(caseId);
      expect(new Date(entry.createdAt).getTime()).toBeGreaterThanOrEqual(before - 1000);
      expect(entry.ip).toBe('127.0.0.1');
    }
    expect(items.find((e) => e.action === 'case.assigned')?.detail).toEqual({ from: 'ROAD', to: 'TRAFFIC' });
    const stored = JSON.stringify(await ctx.db.selectFrom('audit_log').selectAll().execute());
    for (const secret of ['빚', '소리를', '확인하겠습니다', '설명드렸습니다']) expect(stored).not.toContain(secret);
  });

  it('commits a change and its audit entry together', async () => {
    const { caseId } = await makeCase(ctx.db, { department: 'ROAD', status: 'closed' });
    // A refused change (closed case) leaves no audit entry behind.
    const res = await api(tokens.road, 'POST', `/api/cases/${caseId}/replies`, { text: '추가 답변' });
    expect(res.statusCode).toBe(409);
    const { items } = await auditOf(`caseId=${caseId}`);
    expect(items.filter((e) => e.action !== 'audit.read')).toEqual([]);
  });

  it('filters by staff member and by date, pages with a cursor, and records its own reads', async () => {
    const { caseId } = await makeCase(ctx.db, { department: 'PARKING' });
    const parkingId = await staffIdOf(ctx.db, tokens.parking);
    for (let i = 0; i < 5; i++) expect((await api(tokens.parking, 'GET', `/api/cases/${caseId}`)).statusCode).toBe(200);

    const byStaff = await auditOf(`staffId=${parkingId}&limit=2`);
    expect(byStaff.items).toHaveLength(2);
    expect(byStaff.items.every((e) => e.staffId === parkingId)).toBe(true);
    const seen = [...byStaff.items];
    let cursor = byStaff.nextCursor;
    while (cursor !== null) {
      const page = await auditOf(`staffId=${parkingId}&limit=2&cursor=${cursor}`);
      seen.push(...page.items);
      cursor = page.nextCursor;
    }
    expect(seen.filter((e) => e.action === 'case.read' && e.caseIds.includes(caseId))).toHaveLength(5);
    expect(new Set(seen.map((e) => e.id)).size).toBe(seen.length);

    const today = new Date(Date.now() + 9 * 3600_000).toISOString().slice(0, 10);
    expect((await auditOf(`staffId=${parkingId}&from=${today}&to=${today}`)).items.length).toBeGreaterThanOrEqual(5);
    expect((await auditOf(`staffId=${parkingId}&from=2020-01-01&to=2020-01-31`)).items).toEqual([]);

    const adminId = await staffIdOf(ctx.db, tokens.admin);
    const own = await auditOf(`staffId=${adminId}`);
    expect(own.items.some((e) => e.action === 'audit.read')).toBe(true);
  });

  it('refuses bad filters with a 400', async () => {
    for (const query of ['caseId=abc', 'from=2026-02-30', 'cursor=xyz', 'limit=0', 'staffId=-1']) {
      const res = await api(tokens.admin, 'GET', `/api/audit?${query}`);
      expect(res.statusCode, query).toBe(400);
      expect(res.json().error.code).toMatch(/^(validation_failed|invalid_date|invalid_cursor)$/);
    }
  });
});

describe("the resident's phone number", () => {
  it('is masked in lists and in the case', async () => {
    const { caseId } = await makeCase(ctx.db, { department: 'ROAD', phone: '+821098761234' });
    const list = await api(tokens.road, 'GET', '/api/cases?limit=200');
    const listed = (list.json().items as { id: number; resident: { phone: string } }[]).find((c) => c.id === caseId);
    expect(listed?.resident.phone).toBe('010-****-1234');
    const one = await api(tokens.road, 'GET', `/api/cases/${caseId}`);
    expect(one.json().resident.phone).toBe('010-****-1234');
    expect(list.body + one.body).not.toContain('98761234');
  });

  it('is given in full to the owning department on request, with a reason, and the request is audited', async () => {
    const { caseId } = await makeCase(ctx.db, { department: 'ROAD', phone: '+821012345678' });
    const res = await api(tokens.road, 'POST', `/api/cases/${caseId}/resident-phone`, { reason: '포트홀 위치를 전화로 확인' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ caseId, phone: '+821012345678' });
    const { items } = await auditOf(`caseId=${caseId}`);
    const entry = items.find((e) => e.action === 'case.resident_phone_read');
    expect(entry).toMatchObject({ staffId: await staffIdOf(ctx.db, tokens.road), detail: { reason: '포트홀 위치를 전화로 확인' } });
    // The number itself is not in the audit row.
    expect(JSON.stringify(items)).not.toContain('12345678');
  });

  it('is refused without a reason, to other departments (404) and to managers (403)', async () => {
    const { caseId } = await makeCase(ctx.db, { department: 'ROAD' });
    expect((await api(tokens.road, 'POST', `/api/cases/${caseId}/resident-phone`, {})).statusCode).toBe(400);
    expect((await api(tokens.road, 'POST', `/api/cases/${caseId}/resident-phone`, { reason: '  ' })).statusCode).toBe(400);
    expect((await api(tokens.parking, 'POST', `/api/cases/${caseId}/resident-phone`, { reason: '전화 확인 필요' })).statusCode).toBe(404);
    expect((await api(tokens.manager, 'POST', `/api/cases/${caseId}/resident-phone`, { reason: '전화 확인 필요' })).statusCode).toBe(403);
    const { items } = await auditOf(`caseId=${caseId}`);
    expect(items.some((e) => e.action === 'case.resident_phone_read')).toBe(false);
  });
});
