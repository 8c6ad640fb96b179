// A resident learns their case number in the webhook's own answer (README: "each message becomes
// a case with a number such as 2026-000123, which the resident receives at once"). The number is
// reserved by the statement that stores the message; the worker then files the message into the
// case with that number. Checked end to end against the staff API, for Twilio, a domestic gateway
// (whose acknowledgement leaves through Solapi, faked with nock) and the Kakao skill.
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, eventually, fileInbox, inboundSms, postSignedTwilioOnly, type TestContext } from './support/harness.js';
import { postSkillOnly, skillRequest } from './support/kakao.js';
import { SMS_NUMBERED_ACKNOWLEDGEMENT, withCaseNumber } from '../src/intake/acknowledgement.js';
import { insertCountedInbound, fileInboxMessage } from '../src/intake/inbox-repository.js';
import { eucKrByteLength, isKsX1001 } from '../src/outbound/sms-text.js';
import { forgetQuietSenders } from '../src/intake/sender-flood.js';
import { IntakeBuffer } from '../src/intake/intake-buffer.js';
import { drainIntakeBuffer } from '../src/intake/drain-buffer.js';
import { sql } from 'kysely';
import { kakaoAcknowledgement } from '../webhooks/kakao/replies.js';
import type { SkillResponse } from '../webhooks/kakao/skill-response.js';

const SOLAPI = 'http://solapi.fake.local';
const GATEWAY_SECRET = 'gateway-shared-secret-0123456789';
const CASE_NUMBER = /\d{4}-\d{6,}/;

let ctx: TestContext;
let managerToken: string;
const solapiTexts: { to: string; text: string }[] = [];
let phoneSeq = 0;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sotong-numbers-'));
  const gatewaysFile = join(dir, 'gateways.json');
  writeFileSync(
    gatewaysFile,
    JSON.stringify({
      gateways: { munja: { secretEnv: 'MUNJA_WEBHOOK_SECRET', signature: { header: 'X-Munja-Signature', encoding: 'hex' }, fields: { messageId: 'id', from: 'from', text: 'text', receivedAt: 'at' } } },
    }),
  );
  ctx = await createTestContext({
    KAKAO_SKILL_SECRET: 'test-secret',
    SMS_PROVIDER: 'solapi',
    SOLAPI_API_KEY: 'NCSTESTKEY000001',
    SOLAPI_API_SECRET: 'TESTSECRET0123456789ABCDEFGHIJKL',
    SOLAPI_FROM: '02-3396-4114',
    SOLAPI_API_BASE_URL: SOLAPI,
    SOLAPI_WEBHOOK_SECRET: 'solapi-webhook-secret-abcdef',
    SMS_GATEWAYS_FILE: gatewaysFile,
    MUNJA_WEBHOOK_SECRET: GATEWAY_SECRET,
    THREAD_WINDOW_MINUTES: '30',
  });
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  let seq = 0;
  nock(SOLAPI)
    .persist()
    .post('/messages/v4/send')
    .reply((_uri, body) => {
      const { message } = body as { message: { to: string; text: string } };
      solapiTexts.push({ to: message.to, text: message.text });
      return [200, { messageId: `M4V${++seq}`, statusCode: '2000', statusMessage: '정상 접수' }];
    });
  managerToken = await ctx.staffToken('manager');
});
afterAll(async () => {
  await ctx?.close();
  nock.cleanAll();
  nock.enableNetConnect();
});

const nextPhone = () => `+8210${String(5555_0000 + ++phoneSeq)}`;

interface CaseJson {
  id: number;
  caseNumber: string;
  status: string;
  messages: { direction: string; kind: string; text: string }[];
}

/** The resident's cases as staff see them: the API's list, then each case read whole. */
async function casesFromApi(channel: string, residentId: number): Promise<CaseJson[]> {
  const res = await ctx.app.inject({ method: 'GET', url: `/api/cases?channel=${channel}&limit=200`, headers: { authorization: `Bearer ${managerToken}` } });
  expect(res.statusCode).toBe(200);
  const mine = res.json<{ items: { id: number; resident: { id: number } }[] }>().items.filter((c) => c.resident.id === residentId);
  return Promise.all(
    mine.map(async ({ id }) => {
      const one = await ctx.app.inject({ method: 'GET', url: `/api/cases/${id}`, headers: { authorization: `Bearer ${managerToken}` } });
      return one.json<CaseJson>();
    }),
  );
}

async function residentId(where: { phone: string } | { kakao: string }): Promise<number> {
  const row = await eventually(() =>
    ctx.db
      .selectFrom('residents')
      .select('id')
      .where('phone' in where ? 'phone' : 'kakao_user_key', '=', 'phone' in where ? where.phone : where.kakao)
      .executeTakeFirst(),
  );
  return row.id;
}

/** Waits until the worker has filed every message of the resident (`inbound` of them). */
async function filedCases(channel: string, who: { phone: string } | { kakao: string }, inbound: number): Promise<CaseJson[]> {
  const id = await residentId(who);
  return eventually(async () => {
    const cases = await casesFromApi(channel, id);
    const filed = cases.reduce((n, c) => n + c.messages.filter((m) => m.direction === 'in').length, 0);
    return filed === inbound ? cases : undefined;
  });
}

const messageOf = (twiml: string) => /<Message>(.*)<\/Message>/.exec(twiml)?.[1] ?? null;
const numberIn = (text: string | null) => CASE_NUMBER.exec(text ?? '')?.[0];

function postGateway(body: Record<string, string>) {
  const raw = JSON.stringify(body);
  return ctx.app.inject({
    method: 'POST',
    url: '/webhooks/sms/munja',
    headers: { 'content-type': 'application/json', 'x-munja-signature': createHmac('sha256', GATEWAY_SECRET).update(raw).digest('hex') },
    payload: raw,
  });
}

describe('the acknowledgement names the number of the case the message becomes', () => {
  let workersStarted = false;
  beforeAll(async () => {
    await ctx.startWorkers();
    workersStarted = true;
  });

  it('Twilio: the TwiML names the new case, and the follow-up names the same case', async () => {
    expect(workersStarted).toBe(true);
    const phone = nextPhone();
    const first = await postSignedTwilioOnly(ctx.app, '/webhooks/sms/twilio', inboundSms({ From: phone, Body: '청구역 앞 가로등이 나갔어요' }));
    const told = numberIn(messageOf(first.body))!;
    expect(told).toBeDefined();
    expect(messageOf(first.body)).toBe(withCaseNumber(SMS_NUMBERED_ACKNOWLEDGEMENT.newCase, told));

    const second = await postSignedTwilioOnly(ctx.app, '/webhooks/sms/twilio', inboundSms({ From: phone, Body: '사진도 보내드려요' }));
    expect(messageOf(second.body)).toBe(withCaseNumber(SMS_NUMBERED_ACKNOWLEDGEMENT.followUp, told));

    const cases = await filedCases('sms', { phone }, 2);
    expect(cases.map((c) => c.caseNumber)).toEqual([told]);
    // The case keeps what the resident was told, word for word (the routing workers may file the
    // follow-up first, so the case may list the two in either order).
    const acks = cases[0]!.messages.filter((m) => m.kind === 'acknowledgement').map((m) => m.text);
    expect(acks.toSorted()).toEqual([messageOf(first.body), messageOf(second.body)].toSorted());
  });

  it('a domestic gateway: the acknowledgement SMS (through Solapi) names the case, one SMS in KS X 1001', async () => {
    const phone = nextPhone();
    const local = `0${phone.slice(3)}`;
    const now = Date.now();
    const at = (minutes: number) => new Date(now + minutes * 60_000).toISOString();
    expect((await postGateway({ id: `MO-${randomBytes(4).toString('hex')}`, from: local, text: '횡단보도 신호등이 고장났어요', at: at(0) })).statusCode).toBe(200);
    const [ack] = await eventually(async () => {
      const sent = solapiTexts.filter((t) => t.to === local);
      return sent.length === 1 ? sent : undefined;
    });
    const told = numberIn(ack!.text)!;
    expect(ack!.text).toBe(withCaseNumber(SMS_NUMBERED_ACKNOWLEDGEMENT.newCase, told));
    expect(isKsX1001(ack!.text)).toBe(true);
    expect(eucKrByteLength(ack!.text)).toBeLessThanOrEqual(90);
    const [theCase] = await filedCases('sms', { phone }, 1);
    expect(theCase!.caseNumber).toBe(told);

    // 29 minutes later (by the gateway's own clock) it joins that case; 31 minutes after that, a new one.
    await postGateway({ id: `MO-${randomBytes(4).toString('hex')}`, from: local, text: '아직 그대로예요', at: at(29) });
    await postGateway({ id: `MO-${randomBytes(4).toString('hex')}`, from: local, text: '다른 곳 신호등도요', at: at(60) });
    const texts = await eventually(async () => {
      const sent = solapiTexts.filter((t) => t.to === local);
      return sent.length === 3 ? sent.map((t) => t.text) : undefined;
    });
    const cases = await filedCases('sms', { phone }, 3);
    const later = cases.find((c) => c.caseNumber !== told)!;
    expect(cases.map((c) => c.caseNumber).sort()).toEqual([told, later.caseNumber].sort());
    expect(texts.slice(1).sort()).toEqual(
      [withCaseNumber(SMS_NUMBERED_ACKNOWLEDGEMENT.followUp, told), withCaseNumber(SMS_NUMBERED_ACKNOWLEDGEMENT.newCase, later.caseNumber)].sort(),
    );
  });

  it('Kakao: the skill acknowledgement names the case, and the follow-up names the same case', async () => {
    const userKey = randomBytes(32).toString('hex');
    const ask = async (utterance: string) => {
      const res = await postSkillOnly(ctx.app, skillRequest({ userKey, utterance }));
      expect(res.statusCode).toBe(200);
      return res.json<SkillResponse>().template.outputs.map((o) => o.simpleText.text);
    };
    const [first] = await ask('공원 화장실 문이 잠겨 있어요');
    const told = numberIn(first!)!;
    const expected = kakaoAcknowledgement(false, true).numbered;
    expect(first).toBe(withCaseNumber(expected.newCase, told));
    const [second] = await ask('주말에도 그렇습니다');
    expect(second).toBe(withCaseNumber(expected.followUp, told));
    const cases = await filedCases('kakao', { kakao: userKey }, 2);
    expect(cases.map((c) => c.caseNumber)).toEqual([told]);
  });

  it('messages from one new resident at the same moment are all told the number of the one case they make', async () => {
    for (let round = 0; round < 3; round++) {
      const phone = nextPhone();
      const answers = await Promise.all(
        ['하나', '둘', '셋', '넷', '다섯', '여섯'].map((Body) => postSignedTwilioOnly(ctx.app, '/webhooks/sms/twilio', inboundSms({ From: phone, Body }))),
      );
      const texts = answers.map((a) => messageOf(a.body)!);
      const numbers = new Set(texts.map(numberIn));
      expect(numbers.size).toBe(1);
      const [told] = [...numbers];
      // One opened the case; the others were told they joined it.
      expect(texts.filter((t) => t === withCaseNumber(SMS_NUMBERED_ACKNOWLEDGEMENT.newCase, told!))).toHaveLength(1);
      expect(texts.filter((t) => t === withCaseNumber(SMS_NUMBERED_ACKNOWLEDGEMENT.followUp, told!))).toHaveLength(5);
      const cases = await filedCases('sms', { phone }, 6);
      expect(cases.map((c) => c.caseNumber)).toEqual([told]);
    }
  });

  it('a follow-up after the case was closed is told a new number, which its new case gets', async () => {
    const phone = nextPhone();
    const first = await postSignedTwilioOnly(ctx.app, '/webhooks/sms/twilio', inboundSms({ From: phone, Body: '불법 주차 신고합니다' }));
    const [theCase] = await filedCases('sms', { phone }, 1);
    expect(theCase!.caseNumber).toBe(numberIn(messageOf(first.body)));
    const close = await ctx.app.inject({
      method: 'POST',
      url: `/api/cases/${theCase!.id}/close`,
      headers: { authorization: `Bearer ${managerToken}` },
      payload: { disposition: 'resolved', text: '단속했습니다.' },
    });
    expect(close.statusCode).toBe(200);
    const again = await postSignedTwilioOnly(ctx.app, '/webhooks/sms/twilio', inboundSms({ From: phone, Body: '또 주차했어요' }));
    const told = numberIn(messageOf(again.body))!;
    expect(told).not.toBe(theCase!.caseNumber);
    expect(messageOf(again.body)).toBe(withCaseNumber(SMS_NUMBERED_ACKNOWLEDGEMENT.newCase, told));
    const cases = await filedCases('sms', { phone }, 2);
    expect(cases.map((c) => c.caseNumber).sort()).toEqual([theCase!.caseNumber, told].sort());
  });
});

describe('filing uses the reserved number', () => {
  const limit = { messages: 10, windowMs: 600_000 };
  let n = 0;
  const store = (phone: string, text: string) =>
    insertCountedInbound(
      ctx.db,
      {
        channel: 'sms',
        provider: 'unit',
        providerMessageId: `unit-${++n}-${randomBytes(3).toString('hex')}`,
        sender: { phone },
        text,
        raw: {},
        acknowledgement: 'plain',
        numberedAcknowledgement: SMS_NUMBERED_ACKNOWLEDGEMENT,
        acknowledgementStatus: 'sent',
        receivedAt: new Date(),
      },
      limit,
      30,
    );
  const caseByNumber = (caseNumber: string) => ctx.db.selectFrom('cases').selectAll().where('case_number', '=', caseNumber).executeTakeFirst();

  it('whatever order the worker files them in: the follow-up filed first opens the case with the number told', async () => {
    const phone = nextPhone();
    const first = (await store(phone, '첫 번째'))!;
    const second = (await store(phone, '두 번째'))!;
    expect(second).toMatchObject({ caseNumber: first.caseNumber, joinsCase: true });
    expect(first.joinsCase).toBe(false);
    const filedSecond = await fileInboxMessage(ctx.db, second.id, 30);
    const filedFirst = await fileInboxMessage(ctx.db, first.id, 30);
    expect(filedSecond).toMatchObject({ caseNumber: first.caseNumber, newCase: true });
    expect(filedFirst).toMatchObject({ caseNumber: first.caseNumber, newCase: false, caseId: filedSecond!.caseId });
  });

  it('a case closed between the answer and filing: the message still reaches staff, in a new case that records the number told', async () => {
    const phone = nextPhone();
    const first = (await store(phone, '처음'))!;
    const filed = (await fileInboxMessage(ctx.db, first.id, 30))!;
    const followUp = (await store(phone, '덧붙임'))!;
    expect(followUp.caseNumber).toBe(first.caseNumber);
    // Staff close it in the moment before the worker files the follow-up.
    await ctx.db.updateTable('cases').set({ status: 'closed', closed_at: new Date() }).where('id', '=', filed.caseId).execute();
    const late = (await fileInboxMessage(ctx.db, followUp.id, 30))!;
    expect(late.newCase).toBe(true);
    expect(late.caseId).not.toBe(filed.caseId);
    const event = await ctx.db.selectFrom('case_events').select('data').where('case_id', '=', late.caseId).where('type', '=', 'received').executeTakeFirstOrThrow();
    expect(event.data).toMatchObject({ toldCaseNumber: first.caseNumber });
    // The next message is told the open (new) case's number.
    expect((await store(phone, '그리고'))!.caseNumber).toBe(late.caseNumber);
  });

  it('a sender whose row was forgotten is told the open case found from the cases, as filing would', async () => {
    const phone = nextPhone();
    const first = (await store(phone, '처음'))!;
    await fileInboxMessage(ctx.db, first.id, 30);
    await ctx.db.deleteFrom('sender_flood_counts').where('sender', '=', `phone:${phone}`).execute();
    expect(await store(phone, '다시')).toMatchObject({ caseNumber: first.caseNumber, joinsCase: true });
  });

  it('numbers no case twice: a reserved number is taken by exactly one case', async () => {
    const phones = Array.from({ length: 8 }, nextPhone);
    const stored = await Promise.all(phones.flatMap((phone) => [store(phone, 'a'), store(phone, 'b')]));
    await fileInbox(ctx.app);
    const numbers = new Set(stored.map((s) => s!.caseNumber));
    expect(numbers.size).toBe(8);
    for (const number of numbers) expect(await caseByNumber(number!)).toBeDefined();
  });
});

describe('the sender row that holds the thread', () => {
  it('is kept by the sweeper while a follow-up could still join the case, then forgotten', async () => {
    const phone = nextPhone();
    const sender = `phone:${phone}`;
    await insertCountedInbound(
      ctx.db,
      { channel: 'sms', provider: 'unit', providerMessageId: `sweep-${randomBytes(4).toString('hex')}`, sender: { phone }, text: '민원', raw: {}, acknowledgement: null, acknowledgementStatus: null, receivedAt: new Date() },
      { messages: 10, windowMs: 60_000 },
      30,
    );
    // The flood window has passed, the thread (30 minutes) has not.
    await ctx.db.updateTable('sender_flood_counts').set({ window_started_at: sql<Date>`now() - interval '2 minutes'` }).where('sender', '=', sender).execute();
    await forgetQuietSenders(ctx.db, 60_000, 30);
    expect(await ctx.db.selectFrom('sender_flood_counts').select('case_number').where('sender', '=', sender).executeTakeFirst()).toBeDefined();
    await ctx.db.updateTable('sender_flood_counts').set({ case_last_message_at: sql<Date>`now() - interval '31 minutes'` }).where('sender', '=', sender).execute();
    await forgetQuietSenders(ctx.db, 60_000, 30);
    expect(await ctx.db.selectFrom('sender_flood_counts').select('case_number').where('sender', '=', sender).executeTakeFirst()).toBeUndefined();
  });
});

describe('messages kept in Redis while Postgres was away', () => {
  it('are numbered when stored: a follow-up joins the thread, a new resident gets a number their case then has', async () => {
    const phone = nextPhone();
    const live = await postSignedTwilioOnly(ctx.app, '/webhooks/sms/twilio', inboundSms({ From: phone, Body: '하수구 냄새가 나요' }));
    const told = numberIn(messageOf(live.body))!;
    const buffered = (from: string, text: string) => ({
      channel: 'sms' as const,
      provider: 'twilio',
      providerMessageId: `SM${randomBytes(16).toString('hex')}`,
      sender: { phone: from },
      text,
      raw: {},
      acknowledgement: 'plain',
      acknowledgementStatus: 'sent' as const,
      receivedAt: new Date(),
    });
    const newcomer = nextPhone();
    const buffer = new IntakeBuffer(ctx.app.redis, `${ctx.config.queuePrefix}:numbers-test-buffer`, 'test-buffer-secret');
    const fromNewcomer = buffered(newcomer, '버스 정류장 지붕이 샙니다');
    await buffer.put(buffered(phone, '어제부터 계속이에요'));
    await buffer.put(fromNewcomer);
    expect(await drainIntakeBuffer(ctx.db, ctx.app.queues, buffer, 30)).toEqual({ filed: 2, unreadable: 0 });
    const [joined] = await filedCases('sms', { phone }, 2);
    expect(joined!.caseNumber).toBe(told);
    const reserved = await ctx.db.selectFrom('inbound_messages').select('case_number').where('provider_message_id', '=', fromNewcomer.providerMessageId).executeTakeFirstOrThrow();
    expect(reserved.case_number).toMatch(CASE_NUMBER);
    const [opened] = await filedCases('sms', { phone: newcomer }, 1);
    expect(opened!.caseNumber).toBe(reserved.case_number);
  });
});
