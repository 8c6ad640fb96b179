// `npm run bench`: load figures for the webhooks, against a real server process with its
// workers, local Postgres and Redis. Not a test: figures vary with the machine; read the
// median of several runs. Settings: BENCH_RUNS (3), BENCH_SECONDS (10), BENCH_RATE (200 req/s),
// BENCH_TOPOLOGY (split: API and workers in two processes, as in production; single: `npm start`),
// BENCH_SCENARIOS (kakao,sms,floor: the SMS webhook's throughput against a minimal floor server), BENCH_CONNECTIONS (8), BENCH_NODE_ARGS (extra node flags for the servers, e.g. --cpu-prof).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import autocannon from 'autocannon';
import twilio from 'twilio';
import { PROJECT_ROOT } from '../src/paths.js';
import { cleanUp, databaseUrlFor } from './bench-support.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const RATE = Number(process.env.BENCH_RATE ?? 200);
const BASE_DB = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/sotong';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** split (API + worker processes, as in production), single (`npm start`), or api (no worker: a diagnostic). */
const TOPOLOGY = (['single', 'api'] as const).find((t) => t === process.env.BENCH_TOPOLOGY) ?? 'split';
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

function smsRequest(): { body: string; signature: string } {
  const params = {
    MessageSid: `SM${randomBytes(16).toString('hex')}`,
    From: `+8210${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`,
    To: '+82215550100',
    Body: '을지로3가역 2번 출구 앞 보도블럭이 깨져서 위험해요',
    NumMedia: '0',
  };
  return {
    body: new URLSearchParams(params).toString(),
    signature: twilio.getExpectedTwilioSignature(AUTH_TOKEN, `${BASE}/webhooks/sms/twilio`, params),
  };
}

interface Figures {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

/**
 * Connections the load is spread over. Providers reuse a few keep-alive connections; with
 * many idle ones autocannon's own pacing shows up as latency on this 2-core machine.
 */
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);

type Scenario = 'kakao' | 'sms' | 'floor';
const PATHS: Record<Scenario, string> = { kakao: '/webhooks/kakao/skill', sms: '/webhooks/sms/twilio', floor: '/floor' };
const FLOOR_PORT = PORT + 1;

/** A steady `rate` (req/s), or as fast as the server answers when rate is null. */
async function load(name: Scenario, seconds = SECONDS, rate: number | null = RATE): Promise<Figures> {
  const result = await autocannon({
    url: name === 'floor' ? `http://127.0.0.1:${FLOOR_PORT}` : BASE,
    connections: CONNECTIONS,
    duration: seconds,
    ...(rate === null ? {} : { overallRate: rate }),
    requests: [
      {
        method: 'POST',
        path: PATHS[name],
        setupRequest: (request) => {
          if (name === 'kakao') {
            return {
              ...request,
              headers: { 'content-type': 'application/json', 'x-skill-secret': SKILL_SECRET },
              body: skillBody(),
            };
          }
          const { body, signature } = smsRequest();
          return {
            ...request,
            headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
            body,
          };
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

  if (scenarios.includes('floor')) {
    // Throughput against a floor: a server that only parses the form, does one INSERT and one
    // BullMQ add. Both run flat out, alternately, in this one run, so machine noise hits both.
    processes.push(
      spawn(process.execPath, [path.join(PROJECT_ROOT, 'dist/scripts/floor-server.js')], {
        env: { ...process.env, PORT: String(FLOOR_PORT), DATABASE_URL: databaseUrl, REDIS_URL, QUEUE_PREFIX: PREFIX },
        stdio: ['ignore', 'inherit', 'inherit'],
      }),
    );
    for (let i = 0; i < 60; i++) {
      try {
        await fetch(`http://127.0.0.1:${FLOOR_PORT}/`);
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    await load('floor', 3, null);
    await load('sms', 3, null);
    const ours: number[] = [];
    const floor: number[] = [];
    for (let run = 1; run <= RUNS; run++) {
      const f = await load('floor', SECONDS, null);
      const o = await load('sms', SECONDS, null);
      floor.push(f.rps);
      ours.push(o.rps);
      process.stdout.write(
        `  throughput run ${run}: SMS webhook ${o.rps.toFixed(0)} req/s (non-2xx ${o.non2xx}), floor ${f.rps.toFixed(0)} req/s, ratio ${(o.rps / f.rps).toFixed(2)}\n`,
      );
    }
    process.stdout.write(
      `Throughput: SMS webhook median ${median(ours).toFixed(0)} req/s, floor median ${median(floor).toFixed(0)} req/s, ` +
        `median ratio ${median(ours.map((o, i) => o / floor[i]!)).toFixed(2)}\n`,
    );
  }
} finally {
  await cleanUp(processes, BASE_DB, DB_NAME, REDIS_URL, PREFIX);
}
