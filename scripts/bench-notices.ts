// `npm run bench:notices`: a notice to BENCH_NOTICE_RECIPIENTS (37,500) subscribers through a
// local stand-in for Solapi's send-many API, at NOTICE_RATE_PER_SECOND (BENCH_NOTICE_RATE, 500).
// The notices worker runs in its own process; it is killed (SIGKILL) once BENCH_NOTICE_KILL_AT
// (40%) of the recipients were sent and started again. Meanwhile BENCH_NOTICE_OPT_OUTS (300)
// residents of the last batches opt out through intake. Reports the time to send everyone, the
// rate kept, duplicates at the gateway (must be 0), opt-outs honoured (must be all), recipients
// left `unknown` by the kill (never re-sent), and each process's peak memory (VmHWM).
// Not a test: figures vary with the machine.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
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

const RECIPIENTS = Number(process.env.BENCH_NOTICE_RECIPIENTS ?? 37_500);
const RATE = Number(process.env.BENCH_NOTICE_RATE ?? 500);
const KILL_AT = Number(process.env.BENCH_NOTICE_KILL_AT ?? 0.4);
const OPT_OUTS = Number(process.env.BENCH_NOTICE_OPT_OUTS ?? 300);
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

    let worker = await startChild(env);
    children.push(worker);
    const started = Date.now();
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
        worker.kill('SIGKILL');
        await new Promise((r) => worker.once('exit', r));
        killed = true;
        worker = await startChild(env);
        children.push(worker);
      }
      if (done >= RECIPIENTS) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const elapsed = (Date.now() - started) / 1000;
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
          peakMemoryMb: { workerBeforeKill: peakBeforeKill, workerAfterRestart: peakMb(worker.pid!), benchProcess: peakMb(process.pid) },
        },
        null,
        2,
      ),
    );
  } finally {
    await queues.close();
    producer.disconnect();
    await db.destroy();
    await cleanUp(children, BASE_DB, `sotong_bench_notices_${id}`, REDIS_URL, env.QUEUE_PREFIX!);
    gateway.close();
  }
}

if (process.argv[2] === 'worker') await runWorker();
else await main();
