// `npm run bench`: load figures for the webhooks, against a real server process with its
// workers, local Postgres and Redis. Not a test: figures vary with the machine; read the
// median of several runs. Settings: BENCH_RUNS (3), BENCH_SECONDS (10), BENCH_RATE (200 req/s),
// BENCH_TOPOLOGY (split: API and workers in two processes, as in production; single: `npm start`),
// BENCH_SCENARIOS (kakao,sms,floor: the webhooks' throughput against a minimal floor server, in BENCH_PAIRS (5) pairs of
// BENCH_PAIR_SECONDS (5) at each of BENCH_CONNECTIONS (8,32,64) connections; BENCH_FLOOR=sms,kakao says which),
// BENCH_NODE_ARGS (extra node flags for the servers, e.g. --cpu-prof).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import autocannon from 'autocannon';
import { PROJECT_ROOT } from '../src/paths.js';
import { cleanUp, signedTwilioForm } from './bench-support.js';
import { databaseUrlFor } from './own-stores.js';
import { Queue } from 'bullmq';
import { sql } from 'kysely';
import { createDb } from '../src/db/database.js';
import { QUEUE_NAMES } from '../src/queues/queues.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const RATE = Number(process.env.BENCH_RATE ?? 200);
/** Throughput against the floor: many short alternating pairs, so a slow minute of the VM hits both sides of few pairs. */
const PAIRS = Number(process.env.BENCH_PAIRS ?? 5);
const PAIR_SECONDS = Number(process.env.BENCH_PAIR_SECONDS ?? 5);
const BASE_DB = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/sotong';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** split (API + worker processes, as in production), single (`npm start`), or api (no worker: a diagnostic). */
const TOPOLOGY = (['single', 'api'] as const).find((t) => t === process.env.BENCH_TOPOLOGY) ?? 'split';
/** CPU (ms) of every process with one of these names (the Postgres backends, redis-server): the stores' share of a request. One pass over /proc. */
function cpuMsOf(names: readonly string[]): number {
  let total = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (names.includes(stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')))) total += cpuMs(Number(pid));
    } catch {
      // the process ended meanwhile
    }
  }
  return total;
}
const PORT = 38000 + Math.floor(Math.random() * 1000);
const BASE = `http://127.0.0.1:${PORT}`;
const SKILL_SECRET = 'bench-secret';
const AUTH_TOKEN = 'bench-twilio-token';
const PREFIX = `bench-${randomBytes(4).toString('hex')}`;
const DB_NAME = `sotong_bench_${randomBytes(4).toString('hex')}`;

const databaseUrl = databaseUrlFor(BASE_DB, DB_NAME);

const skillFixture = JSON.parse(
  readFileSync(path.join(PROJECT_ROOT, 'test/fixtures/kakao-skill-request.json'), 'utf8'),
) as { userRequest: { user: { id: string; properties: Record<string, unknown> }; utterance: string } };

function skillBody(): string {
  const body = structuredClone(skillFixture);
  // Many residents, as after a district notice: one resident's messages would all thread into one case.
  const key = randomBytes(32).toString('hex');
  body.userRequest.user.id = key;
  body.userRequest.user.properties.botUserKey = key;
  return JSON.stringify(body);
}

function smsRequest(): { body: string; headers: Record<string, string> } {
  const params = {
    MessageSid: `SM${randomBytes(16).toString('hex')}`,
    From: `+8210${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`,
    To: '+82215550100',
    Body: '을지로3가역 2번 출구 앞 보도블럭이 깨져서 위험해요',
    NumMedia: '0',
  };
  return signedTwilioForm(`${BASE}/webhooks/sms/twilio`, AUTH_TOKEN, params);
}

interface Figures {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  /** Requests answered in the run. */
  total: number;
}

/**
 * Connections the load is spread over, one request in flight on each. Against the floor, each
 * count in turn: with few, a server is bound by how long one request waits (latency), with more
 * by what a request costs (throughput). A provider sends one request per message, so after a
 * notice it has as many in flight as arrive while earlier ones are answered. The steady-rate
 * runs use the first count: with many idle connections autocannon's own pacing shows up as latency.
 */
const CONNECTIONS = (process.env.BENCH_CONNECTIONS ?? '8,32,64').split(',').map(Number);

type Scenario = 'kakao' | 'sms' | 'floor' | 'floor-json';
const PATHS: Record<Scenario, string> = {
  kakao: '/webhooks/kakao/skill',
  sms: '/webhooks/sms/twilio',
  floor: '/floor',
  'floor-json': '/floor-json',
};
const LABELS = { sms: 'Twilio SMS webhook', kakao: 'Kakao skill' } as const;
const out = (line: string) => process.stdout.write(`${line}\n`);
const FLOOR_PORT = PORT + 1;

/** A steady `rate` (req/s), or as fast as the server answers when rate is null. */
async function load(name: Scenario, seconds = SECONDS, rate: number | null = RATE, connections = CONNECTIONS[0]!): Promise<Figures> {
  const result = await autocannon({
    url: name.startsWith('floor') ? `http://127.0.0.1:${FLOOR_PORT}` : BASE,
    connections,
    duration: seconds,
    ...(rate === null ? {} : { overallRate: rate }),
    requests: [
      {
        method: 'POST',
        path: PATHS[name],
        setupRequest: (request) => {
          if (name === 'kakao' || name === 'floor-json') {
            return {
              ...request,
              headers: { 'content-type': 'application/json', 'x-skill-secret': SKILL_SECRET },
              body: skillBody(),
            };
          }
          return { ...request, ...smsRequest() };
        },
      },
    ],
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    total: result.requests.total,
  };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

async function waitReady(): Promise<void> {
  for (let i = 0; i < 120; i++) {
    try {
      if ((await fetch(`${BASE}/readyz`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('the server did not become ready');
}


/**
 * CPU time (ms) a process has used, user and system, from the kernel (Linux /proc; ticks of
 * 10 ms). Per request it is steadier than throughput on a noisy machine.
 */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** BENCH_PAIRS alternating pairs of one webhook and its floor, flat out at one connection count: the medians. */
async function comparePairs(ours: 'sms' | 'kakao', floorName: 'floor' | 'floor-json', connections: number, apiPid: number, floorPid: number) {
  await load(floorName, 3, null, connections);
  await load(ours, 3, null, connections);
  const storesMs = () => cpuMsOf(['postgres', 'redis-server']);
  /** One flat-out run of `name`: its figures, and CPU µs per request of `pid` and of the stores. */
  const measured = async (name: Scenario, pid: number) => {
    const [cpuBefore, storesBefore] = [cpuMs(pid), storesMs()];
    const figures = await load(name, PAIR_SECONDS, null, connections);
    const perRequest = (ms: number) => (ms * 1000) / figures.total;
    return { ...figures, cpu: perRequest(cpuMs(pid) - cpuBefore), stores: perRequest(storesMs() - storesBefore) };
  };
  const runs: { o: Awaited<ReturnType<typeof measured>>; f: Awaited<ReturnType<typeof measured>> }[] = [];
  for (let run = 1; run <= PAIRS; run++) {
    const f = await measured(floorName, floorPid);
    const o = await measured(ours, apiPid);
    runs.push({ o, f });
    out(
      `  throughput run ${run}: ${LABELS[ours]} ${o.rps.toFixed(0)} req/s (non-2xx ${o.non2xx}), floor ${f.rps.toFixed(0)} req/s, ` +
        `ratio ${(o.rps / f.rps).toFixed(2)}; CPU per request ${o.cpu.toFixed(0)} µs against the floor's ${f.cpu.toFixed(0)} µs, ` +
        `Postgres and Redis ${o.stores.toFixed(0)} µs against ${f.stores.toFixed(0)} µs`,
    );
  }
  const m = (value: (r: (typeof runs)[number]) => number) => median(runs.map(value));
  return {
    ours: m((r) => r.o.rps),
    floor: m((r) => r.f.rps),
    ratio: m((r) => r.o.rps / r.f.rps),
    oursLatency: `${m((r) => r.o.p50)}/${m((r) => r.o.p99)}`,
    floorLatency: `${m((r) => r.f.p50)}/${m((r) => r.f.p99)}`,
    oursCpu: m((r) => r.o.cpu),
    floorCpu: m((r) => r.f.cpu),
    oursStores: m((r) => r.o.stores),
    floorStores: m((r) => r.f.stores),
  };
}

/**
 * Throughput against a floor: a server that only parses the body, does one INSERT and one
 * BullMQ add (scripts/floor-server.ts), for the SMS form and for the Kakao skill's JSON. Ours
 * and the floor run flat out, alternately, in this one run, so machine noise hits both; at each
 * connection count in turn, and last each side's peak: the most it answered at any count.
 *
 * Like with like: the floor's jobs are never consumed, so while ours is compared the routing
 * queue is paused (BullMQ's own pause; the worker takes no job) and the worker's filing does
 * not share the two cores. Afterwards the queue resumes and the bench waits until every
 * message of the comparison is filed and routed: nothing is left behind. One more pair runs
 * with the worker routing at the same time, as information: on one 2-core machine the worker
 * and its Postgres work then take most of the CPU the webhook had.
 */
async function compareWithFloor(): Promise<void> {
  const apiPid = processes[0]!.pid!;
  processes.push(
    spawn(process.execPath, [...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean), path.join(PROJECT_ROOT, 'dist/scripts/floor-server.js')], {
      env: { ...process.env, PORT: String(FLOOR_PORT), DATABASE_URL: databaseUrl, REDIS_URL, QUEUE_PREFIX: PREFIX },
      stdio: ['ignore', 'inherit', 'inherit'],
    }),
  );
  const floorPid = processes.at(-1)!.pid!;
  for (let i = 0; i < 60; i++) {
    try {
      await fetch(`http://127.0.0.1:${FLOOR_PORT}/`);
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  const consuming = TOPOLOGY !== 'api';
  const routing = new Queue(QUEUE_NAMES.routing, { connection: { url: REDIS_URL }, prefix: PREFIX });
  const db = createDb(databaseUrl);
  const routed = async () =>
    (await sql<{ n: number }>`select count(*)::int as n from messages where direction = 'in' and routed_at is not null`.execute(db)).rows[0]!.n;
  const received = async () => (await sql<{ n: number }>`select count(*)::int as n from inbound_messages`.execute(db)).rows[0]!.n;
  try {
    if (consuming) await routing.pause();
    const compared = (process.env.BENCH_FLOOR ?? 'sms,kakao').split(',');
    const pairs = ([['sms', 'floor'], ['kakao', 'floor-json']] as const).filter(([name]) => compared.includes(name));
    /** Each webhook's median req/s (and the floor's) at each connection count. */
    const medians = new Map<'sms' | 'kakao', { connections: number; ours: number; floor: number }[]>();
    for (const connections of CONNECTIONS) {
      out(`At ${connections} connections:`);
      for (const [ours, floorName] of pairs) {
        const pair = await comparePairs(ours, floorName, connections, apiPid, floorPid);
        medians.set(ours, [...(medians.get(ours) ?? []), { connections, ...pair }]);
        out(
          `Throughput, ${LABELS[ours]}${consuming ? ' (routing paused)' : ''}, ${connections} connections: median ${pair.ours.toFixed(0)} req/s, ` +
            `floor median ${pair.floor.toFixed(0)} req/s, median ratio ${pair.ratio.toFixed(2)}; ` +
            `p50/p99 ${pair.oursLatency} ms against ${pair.floorLatency} ms; ` +
            `server CPU per request: median ${pair.oursCpu.toFixed(0)} µs against the floor's ${pair.floorCpu.toFixed(0)} µs; ` +
            `Postgres and Redis CPU per request: median ${pair.oursStores.toFixed(0)} µs against ${pair.floorStores.toFixed(0)} µs`,
        );
      }
    }
    // Throughput is the most a server answers: each side at the connection count where it answered most.
    for (const [ours, levels] of medians) {
      const best = (side: 'ours' | 'floor') => levels.reduce((a, b) => (b[side] > a[side] ? b : a));
      const o = best('ours');
      const f = best('floor');
      out(
        `Peak throughput, ${LABELS[ours]}: ${o.ours.toFixed(0)} req/s (at ${o.connections} connections) against the floor's ` +
          `${f.floor.toFixed(0)} req/s (at ${f.connections}), ratio ${(o.ours / f.floor).toFixed(2)}`,
      );
    }
    if (!consuming) return;
    const backlog = (await received()) - (await routed());
    const resumedAt = performance.now();
    await routing.resume();
    // Information: one pair while the worker routes that backlog at the same time.
    const f = await load('floor', SECONDS, null);
    const o = await load('sms', SECONDS, null);
    out(`  with the worker routing at the same time: SMS webhook ${o.rps.toFixed(0)} req/s, floor ${f.rps.toFixed(0)} req/s, ratio ${(o.rps / f.rps).toFixed(2)} (information)`);
    // Ten minutes, or longer for a larger backlog (at a tenth of the rate the worker files here).
    const waitS = Math.max(600, backlog / 40);
    while ((performance.now() - resumedAt) / 1000 < waitS && (await routed()) < (await received())) await new Promise((r) => setTimeout(r, 500));
    const left = (await received()) - (await routed());
    out(
      `Backlog after the comparison: ${backlog} messages; every message received is filed and routed ` +
        `${left === 0 ? `${((performance.now() - resumedAt) / 1000).toFixed(0)} s after resuming` : `EXCEPT ${left} (not routed within ${waitS.toFixed(0)} s)`}`,
    );
  } finally {
    await routing.close();
    await db.destroy();
  }
}

const processes: ChildProcess[] = [];
const start = (entry: string) =>
  processes.push(
    spawn(process.execPath, [...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean), path.join(PROJECT_ROOT, entry)], {
      env: {
        ...process.env,
        PORT: String(PORT),
        DATABASE_URL: databaseUrl,
        REDIS_URL,
        QUEUE_PREFIX: PREFIX,
        KAKAO_SKILL_SECRET: SKILL_SECRET,
        TWILIO_AUTH_TOKEN: AUTH_TOKEN,
        PUBLIC_BASE_URL: BASE,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    }),
  );
try {
  if (TOPOLOGY === 'single') {
    start('dist/src/main.js');
  } else {
    // The API process does not migrate: the migrate step runs first, as in docker-compose.
    const migrate = spawn(process.execPath, [path.join(PROJECT_ROOT, 'dist/src/migrate.js')], {
      env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' },
      stdio: 'inherit',
    });
    await new Promise((r) => migrate.once('exit', r));
    start('dist/src/server.js');
    if (TOPOLOGY === 'split') start('dist/src/worker.js');
  }
  await waitReady();
  process.stdout.write(
    `server ready on ${BASE}; ${RUNS} runs of ${SECONDS} s at ${RATE} req/s per scenario ` +
      `(${{ split: 'API and workers in separate processes', single: 'API and workers in one process', api: 'API only, no worker' }[TOPOLOGY]})\n`,
  );
  const scenarios = (process.env.BENCH_SCENARIOS ?? 'kakao,sms,floor').split(',') as Scenario[];
  for (const scenario of scenarios.filter((s): s is 'kakao' | 'sms' => s !== 'floor')) {
    await load(scenario, 3); // warm-up: JIT, connection pools, first sequence use
    const runs: Figures[] = [];
    for (let run = 1; run <= RUNS; run++) {
      const figures = await load(scenario);
      runs.push(figures);
      process.stdout.write(
        `  ${scenario} run ${run}: ${figures.rps.toFixed(0)} req/s, p50 ${figures.p50} ms, p99 ${figures.p99} ms, non-2xx ${figures.non2xx}, errors ${figures.errors}\n`,
      );
    }
    process.stdout.write(
      `${scenario === 'kakao' ? 'Kakao skill' : 'Twilio SMS webhook'}: median p50 ${median(runs.map((r) => r.p50))} ms, ` +
        `median p99 ${median(runs.map((r) => r.p99))} ms, median ${median(runs.map((r) => r.rps)).toFixed(0)} req/s, ` +
        `non-2xx ${runs.reduce((n, r) => n + r.non2xx, 0)}\n`,
    );
  }

  if (scenarios.includes('floor')) await compareWithFloor();
} finally {
  await cleanUp(processes, BASE_DB, DB_NAME, REDIS_URL, PREFIX);
}
