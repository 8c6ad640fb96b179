// The console's pages for the programmes in a real headless browser (test/support/console-browser.ts):
// the grievance committee (a manager refers from the case page, a committee member records a
// finding), the mayor's sessions (온데이트 volunteers; a manager creates a 찾아가는 구청장실 session),
// 구청 알림 (a manager drafts, an admin sees it to approve), and a case with a resident's photo,
// whose thumbnail loads under the content security policy. Each page passes axe and is photographed.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from './support/harness.js';
import { makeCase, staffIdOf } from './support/cases.js';
import { addStoredPhoto } from './support/photos.js';
import { openConsoleBrowser, type ConsoleBrowser } from './support/console-browser.js';
import { referCase } from '../src/committee/referrals.js';
import { recordOndateReply } from '../src/mayor-sessions/ondate.js';
import { receiveVisitApplication } from '../src/mayor-sessions/visits.js';
import { draftNotice } from '../src/notices/notices.js';
import { insertMessage } from '../src/cases/message-repository.js';
import type { Staff } from '../src/staff/staff.table.js';

let ctx: TestContext;
let base = '';
let browser: ConsoleBrowser;
const tokens = { manager: '', committee: '', admin: '', road: '' };

beforeAll(async () => {
  ctx = await createTestContext({
    NOTICE_OPT_OUT_NUMBER: '080-123-4567',
    SOLAPI_API_KEY: 'NCSBROWSERKEY001',
    SOLAPI_API_SECRET: 'BROWSERSECRET0123456789ABCDEFGHIJ',
    SOLAPI_FROM: '0233964114',
    // No worker runs in this file: nothing is sent.
    SOLAPI_API_BASE_URL: 'http://solapi.browser.test',
    NOTICE_KAKAO_PF_ID: 'KA01PFBROWSER',
    NOTICE_KAKAO_TEMPLATE_ID: 'KA01TPBROWSER',
  });
  tokens.manager = await ctx.staffToken('manager', 'AUDIT');
  tokens.committee = await ctx.staffToken('committee', 'AUDIT');
  tokens.admin = await ctx.staffToken('admin', 'AUDIT');
  tokens.road = await ctx.staffToken('staff', 'ROAD');
  // People's names, as the screenshots would show them in the district office.
  const names: [keyof typeof tokens, string][] = [['manager', '박민정'], ['committee', '이수현 위원'], ['admin', '정우성'], ['road', '김도윤']];
  for (const [who, name] of names) await ctx.db.updateTable('staff').set({ name }).where('id', '=', await staffIdOf(ctx.db, tokens[who])).execute();
  base = await ctx.app.listen({ port: 0, host: '127.0.0.1' });
  browser = await openConsoleBrowser(base);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await ctx?.close();
});

async function staffOf(token: string): Promise<Staff> {
  const id = await staffIdOf(ctx.db, token);
  return ctx.db.selectFrom('staff').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

const actorOf = (staff: Staff) => ({ staffId: staff.id, ip: '127.0.0.1' });

/** A department's interim answer on the case, as staff would have sent it. */
async function interimAnswer(caseId: number, staff: Staff, text: string) {
  await insertMessage(ctx.db, { case_id: caseId, direction: 'out', kind: 'interim', channel: 'sms', text, staff_id: staff.id, provider: 'twilio', delivery_status: 'delivered', sent_at: new Date() });
}

describe('the programmes’ console pages in headless Chromium', () => {
  it('committee: a manager refers a case from its page, a committee member reads it and records a finding, the manager sees it', async () => {
    const manager = await staffOf(tokens.manager);
    const road = await staffOf(tokens.road);
    // One referral made through the domain (an earlier one), one through the case page's form.
    const earlier = await makeCase(ctx.db, { department: 'ROAD', text: '신당동 주민센터 앞 횡단보도 신호가 너무 짧아서 어르신들이 다 건너지 못합니다. 신호 시간을 늘려 주세요.' });
    await interimAnswer(earlier.caseId, road, '경찰서와 협의가 필요한 사항이라 검토에 시간이 걸립니다.');
    await referCase(ctx.db, manager, earlier.caseId, '경찰서 소관이라는 부서 답변에 민원인이 이의를 제기함', actorOf(manager));
    const made = await makeCase(ctx.db, {
      department: 'ROAD',
      text: '약수역 5번 출구 앞 공사가 석 달째 끝나지 않아 보도가 막혀 있습니다. 휠체어로는 차도로 다닐 수밖에 없어요. 언제 끝나는지 알려 주세요.',
    });
    await interimAnswer(made.caseId, road, '시공사에 공사 기간을 확인하고 있습니다. 확인되는 대로 다시 안내드리겠습니다.');

    const { context, page } = await browser.staffPage(tokens.manager);
    await page.goto(`${base}/console/cases/${made.caseId}`);
    const reason = '공사 지연에 대해 두 차례 같은 답변만 받았다고 민원인이 재차 문제를 제기함. 위원회 검토 필요';
    await page.getByLabel(/회부 사유/).fill(reason);
    await Promise.all([page.waitForURL(`${base}/console/cases/${made.caseId}?done=refer`), page.getByRole('button', { name: '위원회에 회부' }).click()]);
    expect(await page.textContent('.notice.done')).toContain('회부');
    const referral = await ctx.db.selectFrom('committee_referrals').selectAll().where('case_id', '=', made.caseId).executeTakeFirstOrThrow();
    expect(referral).toMatchObject({ status: 'referred', reason, referred_by: manager.id });
    await browser.checkPage(page, 'case-committee-referred');
    await context.close();

    // The committee member lands on the committee's list: the two referred cases only.
    const member = await browser.staffPage(tokens.committee, '/console/committee');
    const list = member.page;
    expect(await list.locator('#referrals-open tr[data-referral-id]').count()).toBe(2);
    expect(await list.content()).not.toContain('010-');
    await browser.checkPage(list, 'committee');
    await Promise.all([list.waitForURL(`${base}/console/committee/referrals/${referral.id}`), list.locator(`tr[data-referral-id="${referral.id}"] a`).click()]);
    expect(await list.textContent('#referral-reason')).toContain('두 차례 같은 답변');
    expect(await list.textContent('#messages')).toContain('약수역 5번 출구');
    // The department's answers and notes are not the committee's to read.
    expect(await list.content()).not.toContain('시공사에 공사 기간');
    await browser.checkPage(list, 'committee-referral');

    const opinion = '공사 기간이 세 차례 연장되는 동안 보행 우회로가 마련되지 않았습니다. 시공사에 임시 보행로 설치를 요구하고, 완료 예정일을 민원인에게 알리도록 권고합니다.';
    await list.getByRole('combobox', { name: '심의 결과' }).selectOption({ label: '시정권고' });
    await list.getByLabel(/위원회 의견/).fill(opinion);
    await Promise.all([list.waitForURL(`${base}/console/committee/referrals/${referral.id}?done=finding`), list.getByRole('button', { name: '심의 결과 기록' }).click()]);
    expect(await list.textContent('.notice.done')).toContain('심의 결과를 기록했습니다');
    expect(await list.textContent('#finding')).toContain('시정권고');
    const reviewed = await ctx.db.selectFrom('committee_referrals').selectAll().where('id', '=', referral.id).executeTakeFirstOrThrow();
    expect(reviewed).toMatchObject({ status: 'reviewed', finding: 'correction', opinion, reviewed_by: await staffIdOf(ctx.db, tokens.committee) });
    // The resident is told, on their channel, that the committee's review is done.
    const told = await ctx.db.selectFrom('messages').select(['text', 'channel']).where('case_id', '=', made.caseId).where('direction', '=', 'out').orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(told.text).toContain('구민고충처리위원회');
    await browser.screenshot(list, 'committee-referral-reviewed');
    await Promise.all([list.waitForURL(`${base}/console/committee`), list.getByRole('link', { name: '위원회 회부 민원', exact: true }).click()]);
    expect(await list.locator('#referrals-reviewed tr[data-referral-id]').count()).toBe(1);
    expect(await list.textContent('#referrals-reviewed')).toContain('시정권고');
    await browser.checkPage(list, 'committee-after-finding');
    await member.context.close();

    // The department reads the finding on the case page, to answer the resident with it.
    const roadPage = await browser.staffPage(tokens.road);
    await roadPage.page.goto(`${base}/console/cases/${made.caseId}`);
    expect(await roadPage.page.textContent('#committee-referrals')).toContain('시정권고');
    expect(await roadPage.page.textContent('#committee-referrals')).toContain('임시 보행로');
    await browser.checkPage(roadPage.page, 'case-committee-reviewed');
    await roadPage.context.close();
  }, 90_000);

  it('mayor’s sessions: 온데이트 volunteers by category, and a manager creates a 찾아가는 구청장실 session and schedules a request', async () => {
    const volunteers = [
      { department: 'ROAD', text: '골목길 포트홀 보수 감사합니다. 구청장님과 직접 이야기해 보고 싶어요.' },
      { department: 'ROAD', text: '통학로 불법 주차 단속을 늘려 주세요.' },
      { department: 'PARKING', text: '거주자 우선주차 배정 기준이 궁금합니다.' },
    ];
    for (const v of volunteers) {
      const c = await makeCase(ctx.db, { department: v.department, status: 'closed', text: v.text });
      const reply = await recordOndateReply(ctx.db, {
        channel: 'sms',
        provider: 'twilio',
        providerMessageId: `SM${randomBytes(16).toString('hex')}`,
        sender: { phone: c.phone },
        text: '온데이트',
        raw: {},
        receivedAt: new Date(),
        acknowledgementStatus: null,
      });
      expect(reply).toMatchObject({ outcome: 'opted-in', newVolunteer: true });
    }
    const applications = [
      { text: '동네 공원 놀이터 시설이 낡아서 구청장님께 직접 말씀드리고 싶습니다.', phone: '010-4821-3377' },
      { text: '전통시장 주차장 확충 건으로 상인회 대표로 면담을 신청합니다.', phone: '010-9035-1142' },
    ];
    for (const a of applications) {
      const created = await receiveVisitApplication(ctx.db, { formId: randomBytes(8).toString('hex'), ...a });
      expect(created.outcome).toBe('created');
    }

    const { context, page } = await browser.staffPage(tokens.manager);
    await page.goto(`${base}/console/manager`);
    await Promise.all([page.waitForURL(`${base}/console/ondate`), page.getByRole('link', { name: '온데이트' }).click()]);
    expect(await page.textContent('#ondate-counts')).toContain('신청 3명');
    expect(await page.locator('tr[data-volunteer] input[type="checkbox"]').count()).toBe(3);
    await browser.checkPage(page, 'ondate');

    await page.goto(`${base}/console/visits`);
    expect(await page.locator('#visits-waiting tr[data-visit]').count()).toBe(2);
    await browser.checkPage(page, 'visits');
    // A session next week at 14:00 Seoul time, typed into the form as a person would.
    const day = new Date(Date.now() + 7 * 86_400_000 + 9 * 3_600_000).toISOString().slice(0, 10);
    await page.getByLabel('일시(서울)').fill(`${day}T14:00`);
    await page.getByLabel('장소').fill('신당동 주민센터 2층 회의실');
    await Promise.all([page.waitForURL(`${base}/console/visits?done=session`), page.getByRole('button', { name: '만들기' }).click()]);
    expect(await page.textContent('.notice.done')).toContain('회차를 만들었습니다');
    const session = await ctx.db.selectFrom('mayor_visit_sessions').selectAll().executeTakeFirstOrThrow();
    expect(session.place).toBe('신당동 주민센터 2층 회의실');
    expect(session.starts_at.toISOString()).toBe(new Date(`${day}T14:00:00+09:00`).toISOString());
    // Scheduling the first request into it: the resident is told by SMS (queued, no worker here).
    const first = page.locator('#visits-waiting tr[data-visit]').first();
    const requestId = Number(await first.getAttribute('data-visit'));
    await Promise.all([page.waitForURL(`${base}/console/visits?done=schedule`), first.getByRole('button', { name: '일정 안내' }).click()]);
    const scheduled = await ctx.db.selectFrom('mayor_visit_requests').selectAll().where('id', '=', requestId).executeTakeFirstOrThrow();
    expect(scheduled).toMatchObject({ status: 'scheduled', session_id: session.id });
    expect(await page.locator(`#visits-session-${session.id} tr[data-visit="${requestId}"]`).count()).toBe(1);
    await browser.checkPage(page, 'visits-scheduled');
    await context.close();
  }, 90_000);

  it('notices: a manager drafts one through the form, an admin signs in and sees the drafts to approve', async () => {
    await ctx.db
      .insertInto('notice_consents')
      .values(['+821066600001', '+821066600002', '+821066600003', '+821066600004'].map((phone, i) => ({ phone, dong: i < 3 ? '신당동' : '약수동', status: 'active' as const, consented_at: new Date(), consent_channel: 'import' as const, consent_text: '동의', source: 'consents.csv' })))
      .execute();
    const manager = await staffOf(tokens.manager);
    await draftNotice(
      ctx.db,
      manager.id,
      { title: '폭염 대비 무더위쉼터 운영', body: '7~8월 동 주민센터와 경로당을 무더위쉼터로 운영합니다. 오후 2~5시에는 바깥 활동을 줄이세요.', buttonLabel: null, buttonUrl: null, audience: { kind: 'all' } },
      actorOf(manager),
    );

    const { context, page } = await browser.staffPage(tokens.manager);
    await Promise.all([page.waitForURL(`${base}/console/notices`), page.getByRole('link', { name: '구청 알림' }).click()]);
    await browser.checkPage(page, 'notices');
    await page.getByLabel('제목').fill('12월 보건소 무료 건강검진');
    await page.getByLabel('내용').fill('12월 한 달 동안 보건소에서 만 40세 이상 구민 무료 건강검진을 합니다. 신분증을 가지고 오세요.');
    await page.getByLabel(/링크/).fill('https://www.junggu.seoul.kr/health');
    await page.getByLabel(/보낼 동/).fill('신당동');
    await Promise.all([page.waitForURL(`${base}/console/notices?done=draft`), page.getByRole('button', { name: '초안 저장' }).click()]);
    expect(await page.textContent('.notice.done')).toContain('초안을 저장했습니다');
    const drafted = await ctx.db.selectFrom('notices').selectAll().where('title', '=', '12월 보건소 무료 건강검진').executeTakeFirstOrThrow();
    expect(drafted).toMatchObject({ status: 'draft', drafted_by: manager.id, button_url: 'https://www.junggu.seoul.kr/health', audience: { kind: 'dong', dongs: ['신당동'] } });
    expect(await page.textContent(`tr[data-notice="${drafted.id}"]`)).toContain('3명');
    await context.close();

    // The admin's console is the notices page: no inbox, and the approve buttons.
    const admin = await browser.staffPage(tokens.admin, '/console/notices');
    expect(await admin.page.locator('nav a[href="/console"]').count()).toBe(0);
    expect(await admin.page.locator(`tr[data-notice="${drafted.id}"]`).getByRole('button', { name: '승인·발송' }).count()).toBe(1);
    await admin.page.locator(`tr[data-notice="${drafted.id}"] summary`).click();
    await browser.checkPage(admin.page, 'notices-admin');
    await admin.context.close();
  }, 60_000);

  it('a case with a resident’s photo: the thumbnail loads under the content security policy', async () => {
    const made = await makeCase(ctx.db, { department: 'ROAD', text: '신당역 사거리 맨홀 뚜껑이 들려 있어요. 사진 보냅니다.' });
    const { attachmentId } = await addStoredPhoto(ctx.db, ctx.app.attachmentStore, made.caseId, made.messageId, { location: { latitude: 37.5658, longitude: 127.0176 } });
    const { context, page } = await browser.staffPage(tokens.road);
    await page.goto(`${base}/console/cases/${made.caseId}`);
    const img = page.locator('ul.photos img').first();
    await img.scrollIntoViewIfNeeded();
    await expect.poll(() => img.evaluate((e) => (e as unknown as { complete: boolean; naturalWidth: number }).complete && (e as unknown as { naturalWidth: number }).naturalWidth)).toBe(40);
    expect(await img.getAttribute('src')).toBe(`/console/cases/${made.caseId}/attachments/${attachmentId}?size=thumbnail`);
    await browser.checkPage(page, 'case-photo');
    // Opening it is audited as a read of the case's photo.
    const audit = await ctx.db.selectFrom('audit_log').select(['action', 'case_ids']).where('action', '=', 'case.attachment_read').execute();
    expect(audit.some((a) => a.case_ids.map(Number).includes(made.caseId))).toBe(true);
    await context.close();
  }, 60_000);

  it('saw no script or console errors and photographed every page', () => {
    expect(browser.problems).toEqual([]);
    expect(Object.keys(browser.checked).sort()).toEqual([
      'case-committee-referred',
      'case-committee-reviewed',
      'case-photo',
      'committee',
      'committee-after-finding',
      'committee-referral',
      'committee-referral-reviewed',
      'notices',
      'notices-admin',
      'ondate',
      'visits',
      'visits-scheduled',
    ]);
  });
});
