// Webhook messages that arrive together share one inbox statement and one commit (group
// commit, src/intake/inbox-batcher.ts); each is still decided, stored and answered as if alone.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { randomBytes } from 'node:crypto';
import { createTestContext, silentLogger, type TestContext } from './support/harness.js';
import { InboxBatcher } from '../src/intake/inbox-batcher.js';
import { SMS_ACKNOWLEDGEMENT, SMS_NUMBERED_ACKNOWLEDGEMENT, withCaseNumber } from '../src/intake/acknowledgement.js';
import { insertCountedInboundMany, type CountedInbound, type InboundRow } from '../src/intake/inbox-repository.js';
import { FLOOD_NOTICE } from '../src/intake/sender-flood.js';
import type { Queues } from '../src/queues/queues.js';

// The real statement, watched: how many messages each call carried.
vi.mock('../src/intake/inbox-repository.js', async (original) => {
  const actual = await original<typeof import('../src/intake/inbox-repository.js')>();
  return { ...actual, insertCountedInboundMany: vi.fn(actual.insertCountedInboundMany) };
});

let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext({ SENDER_FLOOD_MESSAGES: '3', THREAD_WINDOW_MINUTES: '30' });
});
afterAll(async () => {
  await ctx?.close();
});

function sms(phone: string, text: string, providerMessageId = `SM${randomBytes(12).toString('hex')}`): Omit<InboundRow, 'flood'> {
  return {
    channel: 'sms',
    provider: 'twilio',
    providerMessageId,
    sender: { phone },
    text,
    raw: { Body: text },
    acknowledgement: SMS_ACKNOWLEDGEMENT,
    numberedAcknowledgement: SMS_NUMBERED_ACKNOWLEDGEMENT,
    acknowledgementStatus: 'sent',
    receivedAt: new Date(),
  };
}

const phone = () => `+8210${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;

describe('the inbox batcher', () => {
  it('stores messages arriving together in one statement, each decided as alone', async () => {
    vi.mocked(insertCountedInboundMany).mockClear();
    const batcher = new InboxBatcher(ctx.db, ctx.app.queues, silentLogger, {
      flood: ctx.config.intake.senderFlood,
      threadWindowMinutes: 30,
      // One statement in flight: what arrives meanwhile waits for the next.
      concurrency: 1,
    });
    const a = phone();
    const b = phone();
    const first = batcher.store(sms(a, '가로등이 꺼졌어요'));
    // The next turn of the event loop: the first message's statement is running.
    await new Promise((resolve) => setImmediate(resolve));
    const rest = [
      batcher.store(sms(b, '쓰레기가 쌓였어요')),
      batcher.store(sms(a, '사진 보냅니다')),
      batcher.store(sms(b, '빨리 와 주세요')),
      batcher.store(sms(b, '아직이에요')),
      batcher.store(sms(b, '또 보냅니다')),
    ];
    const results = await Promise.all([first, ...rest]);
    expect(results.every((r) => r !== null)).toBe(true);
    const [a1, b1, a2, b2, b3, b4] = results.map((r) => r!) as [CountedInbound, CountedInbound, CountedInbound, CountedInbound, CountedInbound, CountedInbound];
    // Each sender's first opens a case; their follow-ups join it and are told its number.
    expect(a1).toMatchObject({ standing: 'normal', joinsCase: false, acknowledgement: withCaseNumber(SMS_NUMBERED_ACKNOWLEDGEMENT.newCase, a1.caseNumber!) });
    expect(a2).toMatchObject({ standing: 'normal', joinsCase: true, caseNumber: a1.caseNumber, acknowledgement: withCaseNumber(SMS_NUMBERED_ACKNOWLEDGEMENT.followUp, a1.caseNumber!) });
    expect(b1).toMatchObject({ standing: 'normal', joinsCase: false });
    expect(b1.caseNumber).not.toBe(a1.caseNumber);
    expect([b2, b3].map((r) => [r.standing, r.caseNumber])).toEqual([
      ['normal', b1.caseNumber],
      ['normal', b1.caseNumber],
    ]);
    // b's fourth within the flood window: over the limit of 3, told the notice once.
    expect(b4).toMatchObject({ standing: 'first-over', acknowledgement: FLOOD_NOTICE });
    // A sender's messages keep their order in the inbox.
    const ids = await ctx.db.selectFrom('inbound_messages').select(['id', 'text']).where('sender', '@>', JSON.stringify({ phone: b }) as never).orderBy('id').execute();
    expect(ids.map((r) => r.text)).toEqual(['쓰레기가 쌓였어요', '빨리 와 주세요', '아직이에요', '또 보냅니다']);
    // The first went alone; the five that arrived while it ran went together, sorted by sender.
    const calls = vi.mocked(insertCountedInboundMany).mock.calls.map(([, rows]) => rows.map((r) => r.text));
    expect(calls).toEqual([['가로등이 꺼졌어요'], expect.arrayContaining(['쓰레기가 쌓였어요', '사진 보냅니다', '빨리 와 주세요', '아직이에요', '또 보냅니다'])]);
    expect(calls[1]).toHaveLength(5);
    expect(new Set(results.map((r) => r!.id)).size).toBe(6);
  });

  it('takes two deliveries of one provider id in two statements: the second is the duplicate', async () => {
    const batcher = new InboxBatcher(ctx.db, ctx.app.queues, silentLogger, { flood: ctx.config.intake.senderFlood, threadWindowMinutes: 30, concurrency: 1 });
    const id = `SM${randomBytes(12).toString('hex')}`;
    const sender = phone();
    const [one, two] = await Promise.all([batcher.store(sms(sender, '중복 전송', id)), batcher.store(sms(sender, '중복 전송', id))]);
    expect(one).not.toBeNull();
    expect(two).toBeNull();
    const rows = await ctx.db.selectFrom('inbound_messages').select('id').where('provider_message_id', '=', id).execute();
    expect(rows).toHaveLength(1);
  });

  it('a message Postgres refuses fails alone: the others of its statement are stored one by one', async () => {
    const batcher = new InboxBatcher(ctx.db, ctx.app.queues, silentLogger, { flood: ctx.config.intake.senderFlood, threadWindowMinutes: 30, concurrency: 1 });
    const blocker = batcher.store(sms(phone(), '먼저'));
    // A provider id longer than the column allows is not possible here; a receivedAt Postgres cannot hold is.
    const bad = { ...sms(phone(), '날짜가 잘못된 메시지'), receivedAt: new Date(8.64e15) };
    const good = [sms(phone(), '정상 1'), sms(phone(), '정상 2')];
    const outcomes = await Promise.allSettled([blocker, batcher.store(bad), ...good.map((row) => batcher.store(row))]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    const stored = await ctx.db
      .selectFrom('inbound_messages')
      .select('text')
      .where('provider_message_id', 'in', good.map((g) => g.providerMessageId))
      .execute();
    expect(stored.map((s) => s.text).sort()).toEqual(['정상 1', '정상 2']);
  });

  it('queues a filing job for every message stored, once', async () => {
    const batcher = new InboxBatcher(ctx.db, ctx.app.queues, silentLogger, { flood: ctx.config.intake.senderFlood, threadWindowMinutes: 30, concurrency: 1 });
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => batcher.store(sms(phone(), `메시지 ${i}`))));
    for (const stored of results) {
      const job = await ctx.app.queues.routing.getJob(`file-${stored!.id}`);
      expect(job?.data).toEqual({ inboundId: stored!.id });
    }
  });

  it('frees the statement for the next batch once Postgres has answered; each caller still waits for its own filing job', async () => {
    // Redis slow to take the filing jobs: held until the gate opens.
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const routing = ctx.app.queues.routing;
    const queues = {
      ...ctx.app.queues,
      routing: { add: async (...args: Parameters<typeof routing.add>) => gate.then(() => routing.add(...args)) },
    } as unknown as Queues;
    const batcher = new InboxBatcher(ctx.db, queues, silentLogger, { flood: ctx.config.intake.senderFlood, threadWindowMinutes: 30, concurrency: 1 });
    const rows = [sms(phone(), '첫 메시지'), sms(phone(), '둘째 메시지')];
    const inInbox = async (row: Omit<InboundRow, 'flood'>) =>
      (await ctx.db.selectFrom('inbound_messages').select('id').where('provider_message_id', '=', row.providerMessageId).execute()).length;
    let answered = 0;
    const first = batcher.store(rows[0]!).finally(() => answered++);
    await vi.waitFor(async () => expect(await inInbox(rows[0]!)).toBe(1));
    // One statement at a time, and the first batch's job is still held: the second is stored all the same.
    const second = batcher.store(rows[1]!).finally(() => answered++);
    await vi.waitFor(async () => expect(await inInbox(rows[1]!)).toBe(1));
    expect(batcher.pending).toBe(0);
    // Neither webhook has its answer yet: each waits until its filing job is queued.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(answered).toBe(0);
    open();
    const stored = await Promise.all([first, second]);
    for (const message of stored) expect((await routing.getJob(`file-${message!.id}`))?.data).toEqual({ inboundId: message!.id });
  });
});
