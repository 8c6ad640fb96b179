// What the process fault tests share: the program's processes on a test context's database
// and queues, sending to a fake Twilio; bursts of residents' SMS; and the checks that
// every message was stored and routed exactly once.
import { expect } from 'vitest';
import { eventually, inboundSms, PUBLIC_BASE_URL, TEST_AUTH_TOKEN, type TestContext } from './harness.js';
import type { FakeTwilioServer } from './fake-twilio-server.js';
import { killAll, startProcess, waitForOutput, waitReady, type HttpOutcome, type RunningProcess } from './processes.js';
import { sweepStoredWork } from '../../workers/sweeper.js';
import { messageQueues } from '../../src/ops/queue-health.js';

/** How many sends one worker process runs at once (workers/outbound.worker.ts). */
export const OUTBOUND_CONCURRENCY = 4;

const TEXTS = [
  '명동 골목 가로등이 며칠째 꺼져 있어요',
  '신당동 주택가에 쓰레기가 무단으로 버려져 있어요',
  '을지로3가역 2번 출구 앞 보도블럭이 깨져서 위험해요',
  '우리 아파트 앞 불법주차 차량 때문에 지나갈 수가 없어요',
];

export const isOk = (outcome: HttpOutcome) => 'status' in outcome && outcome.status === 200;

/** `phonePrefix`: four digits that keep this file's residents apart (+8210<prefix><4 digits>). */
export function processFixture(ctx: TestContext, fake: FakeTwilioServer, phonePrefix: number) {
  const processes: RunningProcess[] = [];
  let phoneSeq = 0;

  function env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      DATABASE_URL: ctx.config.databaseUrl,
      REDIS_URL: ctx.config.redisUrl,
      QUEUE_PREFIX: ctx.config.queuePrefix,
      PUBLIC_BASE_URL,
      TWILIO_AUTH_TOKEN: TEST_AUTH_TOKEN,
      ...fake.env,
      WORKER_METRICS_PORT: '0',
      // A killed worker's jobs are taken over within seconds, not the default 30-60.
      JOB_STALL_MS: '5000',
      SWEEP_INTERVAL_MS: '1000',
      SWEEP_MIN_AGE_MS: '2000',
      OUTBOUND_RATE_PER_SECOND: '100',
      ...extra,
    };
  }

  function run(entry: string, extra: Record<string, string> = {}): RunningProcess {
    const started = startProcess(entry, env(extra));
    processes.push(started);
    return started;
  }

  async function storedMessages(sids: string[]) {
    if (sids.length === 0) return [];
    return ctx.db
      .selectFrom('messages')
      .select(['id', 'case_id', 'provider_message_id', 'routed_at'])
      .where('direction', '=', 'in')
      .where('provider', '=', 'twilio')
      .where('provider_message_id', 'in', sids)
      .execute();
  }

  /** The inbox rows the webhook wrote for these MessageSids (filed or not). */
  async function inboxRows(sids: string[]) {
    if (sids.length === 0) return [];
    return ctx.db
      .selectFrom('inbound_messages')
      .select(['id', 'provider_message_id', 'message_id'])
      .where('provider', '=', 'twilio')
      .where('provider_message_id', 'in', sids)
      .execute();
  }

  return {
    run,
    /** src/worker.ts, once its workers are running. */
    async runWorker(): Promise<RunningProcess> {
      const worker = run('src/worker.ts', { LOG_LEVEL: 'info' });
      await waitForOutput(worker, /"msg":"workers started"/);
      return worker;
    },
    /** src/server.ts or src/main.ts, once /readyz answers 200 with both stores up. */
    async runHttp(entry: 'src/server.ts' | 'src/main.ts', port: number, extra: Record<string, string> = {}): Promise<RunningProcess> {
      const started = run(entry, { PORT: String(port), ...extra });
      await waitReady(port, started);
      return started;
    },
    /** SIGKILLs every process still running (afterEach, after a failed test too). */
    async killAll(): Promise<void> {
      await killAll(processes);
      processes.length = 0;
    },

    /** Inbound SMS from as many residents, each with its own MessageSid. */
    smsBurst(count: number): Record<string, string>[] {
      return Array.from({ length: count }, (_, i) => {
        phoneSeq += 1;
        return inboundSms({ From: `+8210${String(phonePrefix * 10_000 + phoneSeq)}`, Body: TEXTS[i % TEXTS.length]! });
      });
    },

    /** The stored inbound messages for these MessageSids. */
    storedMessages,
    inboxRows,

    /** Every one of these messages stored once, routed, its case given a department by exactly one routing event. */
    async expectStoredAndRoutedOnce(sids: string[], timeoutMs = 40_000): Promise<void> {
      const rows = await eventually(async () => {
        const found = await storedMessages(sids);
        return found.length === sids.length && found.every((m) => m.routed_at !== null) ? found : undefined;
      }, timeoutMs);
      expect(new Set(rows.map((r) => r.provider_message_id)).size).toBe(sids.length);
      const caseIds = rows.map((r) => r.case_id);
      const unassigned = await ctx.db
        .selectFrom('cases')
        .select('id')
        .where('id', 'in', caseIds)
        .where('department_code', 'is', null)
        .execute();
      expect(unassigned).toEqual([]);
      const events = await ctx.db
        .selectFrom('case_events')
        .select(['case_id', (eb) => eb.fn.countAll<string>().as('n')])
        .where('type', '=', 'routed')
        .where('case_id', 'in', caseIds)
        .groupBy('case_id')
        .execute();
      expect(events.filter((e) => Number(e.n) !== 1)).toEqual([]);
      expect(events).toHaveLength(new Set(caseIds).size);
    },

    /** The sweeper once more, then every queue drained: nothing is left that could still route or send. */
    async settle(): Promise<void> {
      await sweepStoredWork(ctx.db, ctx.app.queues, 0);
      await eventually(async () => {
        const counts = await Promise.all(
          messageQueues(ctx.app.queues).map((q) => q.getJobCounts('waiting', 'active', 'delayed', 'prioritized')),
        );
        return counts.every((c) => Object.values(c).every((n) => n === 0));
      }, 30_000);
    },
  };
}

export type ProcessFixture = ReturnType<typeof processFixture>;
