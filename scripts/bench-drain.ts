// `npm run bench` (second part): a burst drained end to end, and the outbound rate.
// - Burst: BENCH_BURST (10,000) signed SMS webhooks from as many residents, sent
//   BENCH_BURST_CONCURRENCY (32) at a time, at an API process with the workers in their own
//   process (as in production). Measures how fast every message is stored, filed into its
//   case, classified and assigned (routed), and the peak memory (VmHWM) of each process.
// - Outbound: staff close BENCH_OUTBOUND (500) of those cases at once; a local stand-in for
//   Twilio's REST API timestamps each send. Measures the rate the worker keeps against
//   OUTBOUND_RATE_PER_SECOND (BENCH_OUTBOUND_RATE, 25).
// Not a test: figures vary with the machine. Run it several times and read the medians.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { sql } from 'kysely';
import autocannon from 'autocannon';
import { PROJECT_ROOT } from '../src/paths.js';
import { cleanUp, signedTwilioForm } from './bench-support.js';
import { databaseUrlFor } from './own-stores.js';
import { createDb } from '../src/db/database.js';
import { addStaff } from '../src/staff/staff-repository.js';

const BURST = Number(process.env.BENCH_BURST ?? 10_000);
const CONCURRENCY = Number(process.env.BENCH_BURST_CONCURRENCY ?? 32);
const OUTBOUND = Number(process.env.BENCH_OUTBOUND ?? 500);
const OUTBOUND_RATE = Number(process.env.BENCH_OUTBOUND_RATE ?? 25);
const BASE_DB = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/sotong';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PORT = 39000 + Math.floor(Math.random() * 1000);
const BASE = `http://127.0.0.1:${PORT}`;
const AUTH_TOKEN = 'bench-twilio-token';
const PREFIX = `bench-${randomBytes(4).toString('hex')}`;
const DB_NAME = `sotong_bench_${randomBytes(4).toString('hex')}`;
const databaseUrl = databaseUrlFor(BASE_DB, DB_NAME);

const out = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Twilio's Messages.json, answering at once and noting when each send arrived. */
function fakeTwilio(): Promise<{ server: Server; port: number; sends: number[] }> {
  const sends: number[] = [];
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      sends.push(performance.now());
      const sid = `SM${randomBytes(16).toString('hex')}`;
      response.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ sid, status: 'queued', error_code: null }));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as AddressInfo).port, sends })));
}

/** Peak resident memory of a process, from the kernel (MB). */
function peakMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

function smsRequest(i: number): { body: string; headers: Record<string, string> } {
  const params = {
    MessageSid: `SM${randomBytes(16).toString('hex')}`,
    From: `+8210${String(10_000_000 + i).padStart(8, '0')}`,
    To: '+82215550100',
    Body: ['을지로3가역 2번 출구 앞 보도블럭이 깨져서 위험해요', '신당동 골목에 불법 주차 차량 때문에 소방차가 못 지나가요', '공원 화장실 조명이 고장났어요'][i % 3]!,
    NumMedia: '0',
  };
  return signedTwilioForm(`${BASE}/webhooks/sms/twilio`, AUTH_TOKEN, params);
}

const processes: ChildProcess[] = [];

const fake = await fakeTwilio();
const env = {
  ...process.env,
  PORT: String(PORT),
  DATABASE_URL: databaseUrl,
  REDIS_URL,
  QUEUE_PREFIX: PREFIX,
  TWILIO_ACCOUNT_SID: 'ACbench00000000000000000000000000',
  TWILIO_AUTH_TOKEN: AUTH_TOKEN,
  TWILIO_FROM: '+8225550100',
  TWILIO_API_BASE_URL: `http://127.0.0.1:${fake.port}`,
  OUTBOUND_RATE_PER_SECOND: String(OUTBOUND_RATE),
  // The bench closes hundreds of cases at once with one token.
  STAFF_API_RATE_PER_MINUTE: '100000',
  PUBLIC_BASE_URL: BASE,
  WORKER_METRICS_PORT: '0',
  LOG_LEVEL: 'warn',
};
const start = (entry: string) => {
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, path.join(PROJECT_ROOT, entry)], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  processes.push(child);
  return child;
};
const db = createDb(databaseUrl, { max: 2 });
try {
  const migrate = spawn(process.execPath, [path.join(PROJECT_ROOT, 'dist/src/migrate.js')], { env, stdio: 'inherit' });
  await new Promise((r) => migrate.once('exit', r));
  const api = start('dist/src/server.js');
  const worker = start('dist/src/worker.js');
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${BASE}/readyz`)).status === 200) break;
    } catch {
      if (i > 120) throw new Error('the API did not become ready');
    }
    await sleep(250);
  }
  await sleep(1500); // the worker trains its router at start

  // --- Burst ---
  // Sent by autocannon, as the throughput bench does: a fetch() per request cost the load
  // generator almost a millisecond of CPU each, a fifth of this 2-core machine that the
  // product (whose providers call from their own machines) then did not have.
  const requests = Array.from({ length: BURST }, (_, i) => smsRequest(i));
  let next = 0;
  const t0 = performance.now();
  const result = await autocannon({
    url: BASE,
    connections: CONCURRENCY,
    amount: BURST,
    requests: [
      {
        method: 'POST',
        path: '/webhooks/sms/twilio',
        setupRequest: (request) => {
          // (A request beyond the burst would re-send one: the same MessageSid, stored once.)
          return { ...request, ...requests[next++ % BURST]! };
        },
      },
    ],
  });
  const refused = result.non2xx + result.errors + result.timeouts;
  const tAccepted = performance.now();
  let routed = 0;
  while (routed < BURST) {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from messages where direction = 'in' and routed_at is not null`.execute(db);
    routed = rows[0]!.n;
    if (performance.now() - t0 > 600_000) throw new Error(`only ${routed} of ${BURST} routed after 10 minutes`);
    if (routed < BURST) await sleep(100);
  }
  const tDrained = performance.now();
  const acceptSeconds = (tAccepted - t0) / 1000;
  const drainSeconds = (tDrained - t0) / 1000;
  out(
    `Burst of ${BURST}: all answered in ${acceptSeconds.toFixed(1)} s (${(BURST / acceptSeconds).toFixed(0)} req/s, non-200 ${refused}); ` +
      `all stored, filed and routed in ${drainSeconds.toFixed(1)} s: drain rate ${(BURST / drainSeconds).toFixed(0)} messages/s`,
  );
  out(`Peak memory (VmHWM): API ${peakMb(api.pid!)} MB, worker ${peakMb(worker.pid!)} MB`);

  // --- Outbound rate ---
  const { token } = await addStaff(db, { name: 'bench manager', departmentCode: 'AUDIT', role: 'manager', tokenDays: 1 });
  const caseIds = (await db.selectFrom('cases').select('id').orderBy('id').limit(OUTBOUND).execute()).map((c) => c.id);
  await Promise.all(
    caseIds.map(async (id) => {
      const res = await fetch(`${BASE}/api/cases/${id}/close`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ disposition: 'resolved', text: '현장을 확인하고 조치를 마쳤습니다. 알려주셔서 감사합니다.' }),
      });
      await res.arrayBuffer();
      if (res.status >= 300) throw new Error(`closing case ${id} answered ${res.status}`);
    }),
  );
  const deadline = performance.now() + (OUTBOUND / OUTBOUND_RATE) * 3000 + 30_000;
  while (fake.sends.length < caseIds.length && performance.now() < deadline) await sleep(100);
  const sends = fake.sends;
  // The limiter releases up to the rate at the start of each 1-second window: n sends span
  // from the first window's start to the last one's, so they took (last - first) + one window.
  const rate = sends.length / ((sends.at(-1)! - sends[0]!) / 1000 + 1);
  out(
    `Outbound: ${sends.length} of ${caseIds.length} answers sent at ${rate.toFixed(1)} messages/s against a configured ${OUTBOUND_RATE}/s ` +
      `(${(((rate - OUTBOUND_RATE) / OUTBOUND_RATE) * 100).toFixed(1)} %)`,
  );
} finally {
  await db.destroy();
  fake.server.close();
  await cleanUp(processes, BASE_DB, DB_NAME, REDIS_URL, PREFIX);
}
