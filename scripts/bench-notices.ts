// `npm run bench:notices`: a notice to BENCH_NOTICE_RECIPIENTS (37,500) subscribers through a
// local stand-in for Solapi's send-many API, at NOTICE_RATE_PER_SECOND (BENCH_NOTICE_RATE, 500).
// The notices worker runs in its own process; it is killed (SIGKILL) once BENCH_NOTICE_KILL_AT
// (40%) of the recipients were sent and started again. Meanwhile BENCH_NOTICE_OPT_OUTS (300)
// residents of the last batches opt out through intake. Reports the time to send everyone, the
// rate kept, duplicates at the gateway (must be 0), opt-outs honoured (must be all), recipients
// left `unknown` by the kill (never re-sent), and each process's peak memory (VmHWM).
// Intake alongside (BENCH_NOTICE_INTAKE_RATE, 20 a second; 0 leaves it out): the API server
// (src/server.ts) and the program's worker process (src/worker.ts: routing, outbound and a
// notices worker of its own, sharing one event loop as in production) run as children too;
// residents write to the Kakao skill webhook at that steady rate for BENCH_NOTICE_INTAKE_SECONDS
// (10) before the notice, then all the while it sends. Reports the webhook's p50/p99 and
// received → routed p50/p99 before and during, and their ratio.
// Not a test: figures vary with the machine.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { sql } from 'kysely';
import { loadConfig, type Config } from '../src/config/config.js';
import { createDb, type Db } from '../src/db/database.js';
import { prepareDatabase } from '../src/startup.js';
import { createProducerConnection, createQueues, workerConnectionOptions } from '../src/queues/queues.js';
import { addStaff } from '../src/staff/staff-repository.js';
import { approveNotice, draftNotice, noticeProgress } from '../src/notices/notices.js';
import { recordConsentMessage } from '../src/notices/consent-repository.js';
import { startNoticeWorker } from '../workers/notices.worker.js';
import { createOutboxSmsProvider } from '../src/outbound/providers/outbox/outbox-sms-provider.js';
import { cleanUp } from './bench-support.js';
import { databaseUrlFor } from './own-stores.js';
import { PROJECT_ROOT } from '../src/paths.js';

const RECIPIENTS = Number(process.env.BENCH_NOTICE_RECIPIENTS ?? 37_500);
const RATE = Number(process.env.BENCH_NOTICE_RATE ?? 500);
const KILL_AT = Number(process.env.BENCH_NOTICE_KILL_AT ?? 0.4);
const OPT_OUTS = Number(process.env.BENCH_NOTICE_OPT_OUTS ?? 300);
const INTAKE_RATE = Number(process.env.BENCH_NOTICE_INTAKE_RATE ?? 20);
const INTAKE_SECONDS = Number(process.env.BENCH_NOTICE_INTAKE_SECONDS ?? 10);
const SKILL_SECRET = 'bench-notices-skill-secret';
const API_PORT = 39000 + Math.floor(Math.random() * 1000);
const BASE_DB = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/sotong';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const log = pino({ level: 'silent' });

function benchConfig(id: string, gatewayUrl: string): Record<string, string> {
  return {
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrlFor(BASE_DB, `sotong_bench_notices_${id}`),
    REDIS_URL,
    QUEUE_PREFIX: `sotong-bench-notices-${id}`,
    LOG_LEVEL: 'silent',
    WORKER_METRICS_PORT: '0',
    JOB_STALL_MS: '3000',
    SOLAPI_API_KEY: 'NCSBENCHKEY00001',
    SOLAPI_API_SECRET: 'BENCHSECRET0123456789ABCDEFGHIJKL',
    SOLAPI_FROM: '0233964114',
    SOLAPI_API_BASE_URL: gatewayUrl,
    NOTICE_KAKAO_PF_ID: 'KA01PFBENCH',
    NOTICE_KAKAO_TEMPLATE_ID: 'KA01TPBENCH',
    NOTICE_OPT_OUT_NUMBER: '080-123-4567',
    NOTICE_RATE_PER_SECOND: String(RATE),
    NOTICE_BATCH_SIZE: '100',
  };
}

/** The child: the notices worker alone, as a worker process runs it. */
async function runWorker(): Promise<void> {
  const config = loadConfig(process.env);
  const db = createDb(config.databaseUrl);
  const producer = createProducerConnection(config.redisUrl, log);
  const queues = createQueues({ redisUrl: config.redisUrl, prefix: config.queuePrefix, outbound: config.outbound }, producer, log);
  await startNoticeWorker({ db, connection: workerConnectionOptions(config.redisUrl), prefix: config.queuePrefix, log, queues, config: config.notices, sms: createOutboxSmsProvider() });
  process.send?.('ready');
}

function peakMb(pid: number): number {
  try {
    return Math.round(Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024);
  } catch {
    return 0;
  }
}

/** One of the program's entry points (src/server.ts, src/worker.ts), run as this file runs: built or under tsx. */
function startEntry(entry: 'server' | 'worker', env: Record<string, string>): ChildProcess {
  const self = fileURLToPath(import.meta.url);
  const file = path.join(path.dirname(self), '..', 'src', `${entry}${path.extname(self)}`);
  return spawn(process.execPath, [...(self.endsWith('.ts') ? ['--import', 'tsx'] : []), file], {
    env: { ...process.env, ...env, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

async function waitReady(base: string, children: ChildProcess[]): Promise<void> {
  for (let i = 0; i < 240; i++) {
    if (children.some((c) => c.exitCode !== null || c.signalCode !== null)) throw new Error('the API server or the worker process exited');
    try {
      if ((await fetch(`${base}/readyz`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('the API server did not become ready');
}

const UTTERANCES = [
  '신당동 ○○빌라 앞에 쓰레기가 일주일째 그대로 있어요. 치워주세요',
  '명동 골목 가로등이 며칠째 꺼져 있어요',
  '을지로3가역 2번 출구 앞 보도블럭이 깨져서 위험해요',
  '황학동 시장 앞 불법 주차 때문에 버스가 못 지나가요',
  '약수동 놀이터 그네가 부서져 있어요',
];

interface IntakeSample {
  at: number;
  ms: number | null;
}

/**
 * Residents writing to the Kakao skill webhook at a steady `rate` a second, each a new
 * resident, until stopped; each request's time to the webhook's answer is kept.
 */
function steadyIntake(base: string, rate: number) {
  const skill = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'test/fixtures/kakao-skill-request.json'), 'utf8')) as {
    userRequest: { utterance: string; user: { id: string; properties: Record<string, unknown> } };
  };
  /** Each request: when it was sent (epoch ms), and its time to the answer (null: failed). */
  const samples: IntakeSample[] = [];
  let n = 0;
  const inFlight = new Set<Promise<void>>();
  const send = () => {
    const body = structuredClone(skill);
    const key = randomBytes(32).toString('hex');
    body.userRequest.user.id = key;
    body.userRequest.user.properties.botUserKey = key;
    body.userRequest.user.properties.bot_user_key = key;
    body.userRequest.utterance = UTTERANCES[n++ % UTTERANCES.length]!;
    const at = Date.now();
    const t0 = performance.now();
    const request = fetch(`${base}/webhooks/kakao/skill`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-skill-secret': SKILL_SECRET },
      body: JSON.stringify(body),
    })
      .then(async (res) => {
        await res.arrayBuffer();
        samples.push({ at, ms: res.status === 200 ? performance.now() - t0 : null });
      })
      .catch(() => {
        samples.push({ at, ms: null });
      })
      .finally(() => inFlight.delete(request));
    inFlight.add(request);
  };
  const timer = setInterval(send, 1000 / rate);
  return {
    /** Stops sending; resolves with the samples once every request sent has its answer. */
    async stop(): Promise<IntakeSample[]> {
      clearInterval(timer);
      await Promise.all([...inFlight]);
      return samples;
    },
  };
}

/** Nearest-rank percentile, in whole ms. */
function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!);
}

interface IntakeFigures {
  requests: number;
  failures: number;
  webhookP50Ms: number;
  webhookP99Ms: number;
  routed: number;
  routedP50Ms: number;
  routedP99Ms: number;
}

/**
 * The webhook's answer time for the requests sent in [from, to), and received → routed for the
 * Kakao messages received then, once all of them are routed (or 2 minutes have passed).
 */
async function intakeFigures(db: Db, from: Date, to: Date, samples: IntakeSample[]): Promise<IntakeFigures> {
  const inWindow = samples.filter((x) => x.at >= from.getTime() && x.at < to.getTime());
  const latencies = inWindow.flatMap((x) => (x.ms === null ? [] : [x.ms]));
  const query = () => sql<{ routed_ms: number | null }>`
    select extract(epoch from (m.routed_at - i.received_at)) * 1000 as routed_ms
    from inbound_messages i left join messages m on m.id = i.message_id
    where i.channel = 'kakao' and i.received_at >= ${from} and i.received_at < ${to}`.execute(db);
  let rows = (await query()).rows;
  for (let i = 0; i < 240 && rows.some((r) => r.routed_ms === null); i++) {
    await new Promise((r) => setTimeout(r, 500));
    rows = (await query()).rows;
  }
  const routed = rows.filter((r) => r.routed_ms !== null).map((r) => Number(r.routed_ms));
  return {
    requests: inWindow.length,
    failures: inWindow.length - latencies.length,
    webhookP50Ms: percentile(latencies, 0.5),
    webhookP99Ms: percentile(latencies, 0.99),
    routed: routed.length,
    routedP50Ms: percentile(routed, 0.5),
    routedP99Ms: percentile(routed, 0.99),
  };
}

const intakeLine = (label: string, f: IntakeFigures) =>
  `${label}: Kakao skill webhook p50 ${f.webhookP50Ms} ms, p99 ${f.webhookP99Ms} ms (${f.requests} requests at ${INTAKE_RATE}/s, ${f.failures} failed); ` +
  `received → routed p50 ${f.routedP50Ms} ms, p99 ${f.routedP99Ms} ms (${f.routed} routed)`;
const ratio = (during: number, before: number) => `×${(during / before).toFixed(2)}`;
const ratioLine = (label: string, during: IntakeFigures, before: IntakeFigures) =>
  `${label}: webhook p50 ${ratio(during.webhookP50Ms, before.webhookP50Ms)}, p99 ${ratio(during.webhookP99Ms, before.webhookP99Ms)}; ` +
  `received → routed p50 ${ratio(during.routedP50Ms, before.routedP50Ms)}, p99 ${ratio(during.routedP99Ms, before.routedP99Ms)}`;

function startChild(env: Record<string, string>): Promise<ChildProcess> {
  // The worker runs as this file does: built (dist/…, `npm run bench`) or under tsx (`npm run bench:notices`).
  const self = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, [...(self.endsWith('.ts') ? ['--import', 'tsx'] : []), self, 'worker'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
  });
}

async function main(): Promise<void> {
  // The fake gateway: counts each number it is asked to send to.
  const received = new Map<string, number>();
  const receivedAt = new Map<string, number>();
  let firstAt = 0;
  let lastAt = 0;
  const gateway = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const { messages } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { messages: { to: string }[] };
      const now = Date.now();
      firstAt ||= now;
      lastAt = now;
      for (const m of messages) {
        received.set(m.to, (received.get(m.to) ?? 0) + 1);
        if (!receivedAt.has(m.to)) receivedAt.set(m.to, now);
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({ groupInfo: { groupId: `G${now}` }, messageList: messages.map((m, i) => ({ to: m.to, messageId: `M${now}${i}`, statusCode: '2000' })), failedMessageList: [] }),
      );
    });
  });
  await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
  const id = randomBytes(4).toString('hex');
  const env = benchConfig(id, `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`);
  const config: Config = loadConfig(env);
  await prepareDatabase(config, log);
  const db: Db = createDb(config.databaseUrl);
  const producer = createProducerConnection(config.redisUrl, log);
  const queues = createQueues({ redisUrl: config.redisUrl, prefix: config.queuePrefix, outbound: config.outbound }, producer, log);
  const children: ChildProcess[] = [];
  let restarting: Promise<void> = Promise.resolve();
  try {
    await sql`
      insert into notice_consents (phone, dong, status, consented_at, consent_channel, consent_text, source)
      select '+8210' || lpad((40000000 + g)::text, 8, '0'), '신당동', 'active', now(), 'import', '구청 소식 알림 수신에 동의합니다', 'bench'
      from generate_series(1, ${RECIPIENTS}) g`.execute(db);
    const manager = await addStaff(db, { name: 'bench manager', departmentCode: null, role: 'manager', tokenDays: 1 });
    const admin = await addStaff(db, { name: 'bench admin', departmentCode: null, role: 'admin', tokenDays: 1 });
    const notice = await draftNotice(
      db,
      manager.staff.id,
      { title: '대청소 안내', body: '이번 주 토요일 오전 9시 동네 대청소가 있습니다. 많은 참여 바랍니다.', buttonLabel: null, buttonUrl: null, audience: { kind: 'all' } },
      { staffId: manager.staff.id, ip: null },
    );

    // Intake alongside: the API server and the program's worker process, warmed up, then measured before the notice.
    const intakeEnv = { ...env, PORT: String(API_PORT), KAKAO_SKILL_SECRET: SKILL_SECRET };
    const base = `http://127.0.0.1:${API_PORT}`;
    let before: IntakeFigures | null = null;
    let intake: { server: ChildProcess; worker: ChildProcess; load: ReturnType<typeof steadyIntake> | null; from: Date } | null = null;
    /** When the notices worker was killed: intake is reported before it and from it on, apart. */
    let killedAt: Date | null = null;
    if (INTAKE_RATE > 0) {
      const server = startEntry('server', intakeEnv);
      const intakeWorker = startEntry('worker', intakeEnv);
      children.push(server, intakeWorker);
      await waitReady(base, [server, intakeWorker]);
      const warmUp = steadyIntake(base, INTAKE_RATE);
      await new Promise((r) => setTimeout(r, 3000));
      await warmUp.stop();
      const from = new Date();
      const load = steadyIntake(base, INTAKE_RATE);
      await new Promise((r) => setTimeout(r, INTAKE_SECONDS * 1000));
      const to = new Date();
      before = await intakeFigures(db, from, to, await load.stop());
      intake = { server, worker: intakeWorker, load: null, from: new Date() };
    }

    let worker = await startChild(env);
    children.push(worker);
    const started = Date.now();
    if (intake) {
      intake.from = new Date();
      intake.load = steadyIntake(base, INTAKE_RATE);
    }
    await approveNotice(db, queues, config.notices, admin.staff.id, notice.id, { urgent: true }, { staffId: admin.staff.id, ip: null });

    // Opt-outs from the last residents in line, sent through intake while the notice goes out.
    const optOuts = Array.from({ length: OPT_OUTS }, (_, i) => `+8210${String(40000000 + RECIPIENTS - i).padStart(8, '0')}`);
    let optedOutAt = 0;
    let killed = false;
    let peakBeforeKill = 0;
    for (;;) {
      const progress = await noticeProgress(db, notice.id);
      const done = progress.sent + progress.failed + progress.skipped + progress.unknown;
      if (optedOutAt === 0 && done >= RECIPIENTS * 0.1) {
        for (const [i, phone] of optOuts.entries()) {
          await recordConsentMessage(
            db,
            { channel: 'sms', provider: 'bench', providerMessageId: `optout-${i}`, sender: { phone }, text: '수신거부', receivedAt: new Date(), replyPending: false },
            { action: 'withdraw', phone: null },
            config.notices.consentRetentionDays,
          );
        }
        optedOutAt = Date.now();
      }
      if (!killed && done >= RECIPIENTS * KILL_AT) {
        peakBeforeKill = peakMb(worker.pid!);
        killedAt = new Date();
        worker.kill('SIGKILL');
        await new Promise((r) => worker.once('exit', r));
        killed = true;
        // Started again in the background: progress is still watched meanwhile (the program's
        // worker process, when intake runs, goes on sending).
        restarting = startChild(env).then((restarted) => {
          worker = restarted;
          children.push(restarted);
        });
      }
      if (done >= RECIPIENTS) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const elapsed = (Date.now() - started) / 1000;
    let during: IntakeFigures | null = null;
    let afterKill: IntakeFigures | null = null;
    if (intake?.load) {
      const to = new Date();
      const samples = await intake.load.stop();
      during = await intakeFigures(db, intake.from, killedAt ?? to, samples);
      if (killedAt) afterKill = await intakeFigures(db, killedAt, to, samples);
    }
    await restarting;
    const progress = await noticeProgress(db, notice.id);
    const duplicates = [...received.values()].filter((n) => n > 1).length;
    const optOutsReceived = optOuts.filter((p) => (receivedAt.get(`0${p.slice(3)}`) ?? 0) > optedOutAt).length;
    const optOutsSentBefore = optOuts.filter((p) => received.has(`0${p.slice(3)}`)).length;
    console.log(
      JSON.stringify(
        {
          recipients: RECIPIENTS,
          configuredRatePerSecond: RATE,
          secondsToSendAll: Math.round(elapsed * 10) / 10,
          secondsAtGateway: Math.round((lastAt - firstAt) / 100) / 10,
          rateKeptPerSecond: Math.round(received.size / ((lastAt - firstAt) / 1000)),
          idealSeconds: Math.round((RECIPIENTS / RATE) * 10) / 10,
          gatewayNumbers: received.size,
          duplicates,
          progress,
          optOuts: { requested: OPT_OUTS, sentAfterOptOut: optOutsReceived, sentBeforeOptOut: optOutsSentBefore, skipped: progress.skipped },
          workerKilledAt: `${KILL_AT * 100}%`,
          peakMemoryMb: {
            workerBeforeKill: peakBeforeKill,
            workerAfterRestart: peakMb(worker.pid!),
            benchProcess: peakMb(process.pid),
            ...(intake ? { apiServer: peakMb(intake.server.pid!), workerProcess: peakMb(intake.worker.pid!) } : {}),
          },
          ...(before && during ? { intake: { ratePerSecond: INTAKE_RATE, beforeTheNotice: before, duringTheNotice: during, ...(afterKill ? { fromTheKillToTheEnd: afterKill } : {}) } } : {}),
        },
        null,
        2,
      ),
    );
    if (before && during) {
      console.log(intakeLine('Intake before the notice', before));
      console.log(intakeLine(`Intake during the notice${afterKill ? ', until the kill' : ''}`, during));
      console.log(ratioLine('During / before', during, before));
      if (afterKill) {
        // The restarted worker (tsx compiling, on a 2-core machine) competes for the CPU too.
        console.log(intakeLine('Intake from the kill and restart of the notices worker to the end', afterKill));
        console.log(ratioLine('From the kill / before', afterKill, before));
      }
    }
  } finally {
    await restarting.catch(() => undefined);
    await queues.close();
    producer.disconnect();
    await db.destroy();
    await cleanUp(children, BASE_DB, `sotong_bench_notices_${id}`, REDIS_URL, env.QUEUE_PREFIX!);
    gateway.close();
  }
}

if (process.argv[2] === 'worker') await runWorker();
else await main();
