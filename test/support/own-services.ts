// A Redis and a Postgres of the test's own, on free ports, that the test stops and starts
// at will: fault tests must not take down the services every other test file shares.
// Everything started here is stopped and removed by destroy(), and also when the test
// process exits without calling it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { createTestContext, eventually, type TestContext } from './harness.js';

/**
 * The range the kernel takes local ports from for outgoing connections (Linux's
 * ip_local_port_range; its default elsewhere). A port chosen inside it (as listen(0) does) can be
 * taken by any of the suite's hundreds of Postgres and Redis connections between our check and
 * the server's bind, or while an own server is stopped and started again on the same port.
 */
function ephemeralRange(): [number, number] {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (low && high) return [low, high];
  } catch {
    // not Linux: the kernel's default below
  }
  return [32768, 60999];
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A port nobody listens on at this moment, outside the kernel's range for outgoing connections,
 * so that no connection of this or another test file takes it before the test's server binds it.
 * Chosen at random below that range, so parallel files rarely try the same one.
 */
export async function freePort(): Promise<number> {
  const [ephemeralLow] = ephemeralRange();
  const low = 10_000;
  const high = Math.max(low + 1000, ephemeralLow - 1);
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low));
    if (port < ephemeralLow && (await canListen(port))) return port;
  }
  throw new Error(`no free port between ${low} and ${high}`);
}

/**
 * A shell that waits for this test process to end, however it ends (even by SIGKILL, when
 * no handler of ours runs), then runs `cleanUp`: no server of a test outlives it.
 */
function watchdog(cleanUp: string): ChildProcess {
  const script = `while kill -0 ${process.pid} 2>/dev/null; do sleep 0.5; done; ${cleanUp}`;
  const child = spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' });
  child.unref();
  return child;
}

// Synchronous clean-up for a test process that exits without its afterAll.
const onExit = new Set<() => void>();
process.once('exit', () => {
  for (const cleanUp of onExit) {
    try {
      cleanUp();
    } catch {
      // best effort while the process exits
    }
  }
});

/**
 * At exit there is no event loop to wait on: wait here until the killed process is dead (gone,
 * or a zombie nobody will reap now), so that it writes nothing after its directory is removed.
 */
function waitUntilDead(pid: number, timeoutMs = 2000): void {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    let state: string | undefined;
    try {
      state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
    } catch {
      return;
    }
    if (state === 'Z' || state === 'X') return;
  }
}

// ---------------------------------------------------------------------------------------
// Redis

export interface OwnRedisOptions {
  /** true: an append-only file (fsync on every write) in a temporary directory, so a restart keeps the data. */
  appendonly?: boolean;
}

export interface OwnRedis {
  readonly port: number;
  readonly url: string;
  readonly running: boolean;
  /** Starts it again on the same port; `empty` wipes whatever it had kept on disk first. */
  start(options?: { empty?: boolean }): Promise<void>;
  /** 'shutdown': SHUTDOWN (NOSAVE without append-only file); 'kill': SIGKILL, as a crash. */
  stop(mode?: 'shutdown' | 'kill'): Promise<void>;
  /** Stops it and starts it with nothing in it: all queues and jobs lost. */
  restartEmpty(): Promise<void>;
  destroy(): Promise<void>;
}

export async function startOwnRedis(options: OwnRedisOptions = {}): Promise<OwnRedis> {
  const dir = mkdtempSync(path.join(tmpdir(), 'sotong-redis-'));
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | null = null;
  let output = '';

  const cleanUp = () => {
    const pid = child?.pid;
    child?.kill('SIGKILL');
    if (pid !== undefined) waitUntilDead(pid);
    rmSync(dir, { recursive: true, force: true });
  };
  onExit.add(cleanUp);
  const pidFile = path.join(dir, 'redis.pid');
  const guard = watchdog(`kill -9 "$(cat '${pidFile}' 2>/dev/null)" 2>/dev/null; sleep 0.2; rm -rf '${dir}'`);

  async function start(startOptions: { empty?: boolean } = {}): Promise<void> {
    if (child) throw new Error('own Redis is already running');
    if (startOptions.empty) {
      for (const entry of readdirSync(dir)) {
        if (entry !== 'redis.pid') rmSync(path.join(dir, entry), { recursive: true, force: true });
      }
    }
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir, '--daemonize', 'no', '--pidfile', pidFile];
    args.push('--appendonly', options.appendonly ? 'yes' : 'no');
    if (options.appendonly) args.push('--appendfsync', 'always');
    output = '';
    const started = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    started.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    started.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    started.once('exit', () => {
      if (child === started) child = null;
    });
    child = started;
    try {
      await eventually(async () => {
        if (child !== started) throw new Error(`redis-server exited: ${output.slice(-500)}`);
        const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
        probe.on('error', () => undefined);
        try {
          await probe.connect();
          // With an append-only file, Redis answers LOADING until the file is read back.
          return (await probe.ping()) === 'PONG';
        } finally {
          probe.disconnect();
        }
      }, 10_000);
    } catch (error) {
      started.kill('SIGKILL');
      throw error;
    }
  }

  async function stop(mode: 'shutdown' | 'kill' = 'shutdown'): Promise<void> {
    const running = child;
    if (!running) return;
    const exited = once(running, 'exit');
    if (mode === 'kill') {
      running.kill('SIGKILL');
    } else {
      const admin = new Redis(url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
      admin.on('error', () => undefined);
      // The connection drops as the server goes: the command "fails" by succeeding.
      await admin.call('SHUTDOWN', options.appendonly ? 'SAVE' : 'NOSAVE').catch(() => undefined);
      admin.disconnect();
    }
    const timer = setTimeout(() => running.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
    child = null;
  }

  await start();
  return {
    port,
    url,
    get running() {
      return child !== null;
    },
    start,
    stop,
    async restartEmpty() {
      await stop('kill');
      await start({ empty: true });
    },
    async destroy() {
      await stop('kill');
      cleanUp();
      onExit.delete(cleanUp);
      guard.kill();
    },
  };
}

// ---------------------------------------------------------------------------------------
// Postgres

export interface OwnPostgres {
  readonly port: number;
  /** The server's address, without a database name: createTestContext adds its own. */
  readonly url: string;
  readonly running: boolean;
  start(): Promise<void>;
  /** 'fast': a clean shutdown that ends every session; 'immediate': as a crash (recovery at the next start). */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  destroy(): Promise<void>;
}

const PG_USER = 'postgres';

/** The binaries of the newest Postgres installed (/usr/lib/postgresql/<version>/bin). */
function postgresBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(path.join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) throw new Error(`no Postgres server binaries under ${root}`);
  return path.join(root, versions[0]!, 'bin');
}

/** Runs a Postgres tool as the postgres system user when we are root (initdb and postgres refuse root). */
function pgTool(bin: string, tool: string, args: string[]): { file: string; args: string[] } {
  const file = path.join(bin, tool);
  if (process.getuid?.() === 0) return { file: 'runuser', args: ['-u', PG_USER, '--', file, ...args] };
  return { file, args };
}

function runPgTool(bin: string, tool: string, args: string[], timeoutMs = 60_000): Promise<string> {
  const { file, args: fullArgs } = pgTool(bin, tool, args);
  return new Promise((resolve, reject) => {
    const child = spawn(file, fullArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else reject(new Error(`${tool} ${args.join(' ')} exited ${code}: ${output.slice(-1000)}`));
    });
  });
}

/** initdb once (a couple of seconds), then start and stop cheaply on the same port. */
export async function startOwnPostgres(): Promise<OwnPostgres> {
  const bin = postgresBin();
  const dir = mkdtempSync(path.join(tmpdir(), 'sotong-pg-'));
  const dataDir = path.join(dir, 'data');
  const logFile = path.join(dir, 'postgres.log');
  if (process.getuid?.() === 0) {
    const owner = spawnSync('id', ['-u', PG_USER], { encoding: 'utf8' });
    const group = spawnSync('id', ['-g', PG_USER], { encoding: 'utf8' });
    if (owner.status !== 0) throw new Error(`running as root needs a "${PG_USER}" system user for initdb`);
    chownSync(dir, Number(owner.stdout.trim()), Number(group.stdout.trim()));
  }
  const port = await freePort();
  const url = `postgres://${PG_USER}@127.0.0.1:${port}/postgres`;
  let running = false;

  const cleanUp = () => {
    if (running) {
      const { file, args } = pgTool(bin, 'pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
      spawnSync(file, args, { stdio: 'ignore', timeout: 10_000 });
      running = false;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  onExit.add(cleanUp);
  const stopCommand = pgTool(bin, 'pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
  const guard = watchdog(`${[stopCommand.file, ...stopCommand.args].map((a) => `'${a}'`).join(' ')} >/dev/null 2>&1; rm -rf '${dir}'`);

  try {
    await runPgTool(bin, 'initdb', ['-D', dataDir, '--auth=trust', '-U', PG_USER, '--no-sync', '-E', 'UTF8', '--locale=C']);
  } catch (error) {
    cleanUp();
    onExit.delete(cleanUp);
    guard.kill();
    throw error;
  }

  async function start(): Promise<void> {
    if (running) throw new Error('own Postgres is already running');
    // Sockets go in the data directory: nothing is shared with the machine's Postgres.
    const options = [
      `-p ${port}`,
      `-k ${dataDir}`,
      '-c listen_addresses=127.0.0.1',
      '-c fsync=off',
      '-c synchronous_commit=off',
      '-c full_page_writes=off',
      '-c max_connections=200',
    ].join(' ');
    await runPgTool(bin, 'pg_ctl', ['-D', dataDir, '-l', logFile, '-o', options, '-w', '-t', '30', 'start']);
    running = true;
    // -w waits for the postmaster; make sure TCP connections are taken too.
    await eventually(async () => {
      const client = new pg.Client({ connectionString: url });
      try {
        await client.connect();
        await client.query('select 1');
        return true;
      } finally {
        await client.end().catch(() => undefined);
      }
    }, 10_000);
  }

  async function stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    if (!running) return;
    await runPgTool(bin, 'pg_ctl', ['-D', dataDir, '-m', mode, '-w', '-t', '30', 'stop']);
    running = false;
  }

  await start();
  return {
    port,
    url,
    get running() {
      return running;
    },
    start,
    stop,
    async destroy() {
      await stop('immediate').catch(() => undefined);
      cleanUp();
      onExit.delete(cleanUp);
      guard.kill();
    },
  };
}

// ---------------------------------------------------------------------------------------
// A test context on top of them

export interface OwnServicesContext {
  ctx: TestContext;
  /** Null when the shared Redis is used. */
  redis: OwnRedis | null;
  /** Null when the shared Postgres is used. */
  postgres: OwnPostgres | null;
  /** Environment for a spawned process (src/main.ts, server.ts, worker.ts) that uses the same services. */
  processEnv(): Record<string, string>;
  /** Brings the services back if a test left them down, closes the context, removes the services. */
  close(): Promise<void>;
}

/**
 * createTestContext (its own database and queue prefix) on a Redis and/or a Postgres of
 * the test's own. Call close() in afterAll: it also runs when a test failed half-way.
 */
export async function createOwnServicesContext(
  env: Record<string, string> = {},
  options: { redis?: boolean | OwnRedisOptions; postgres?: boolean } = { redis: true, postgres: true },
): Promise<OwnServicesContext> {
  let redis: OwnRedis | null = null;
  let postgres: OwnPostgres | null = null;
  try {
    if (options.redis) redis = await startOwnRedis(options.redis === true ? {} : options.redis);
    if (options.postgres) postgres = await startOwnPostgres();
    const ctx = await createTestContext(env, {
      ...(postgres ? { databaseUrl: postgres.url } : {}),
      ...(redis ? { redisUrl: redis.url } : {}),
    });
    return {
      ctx,
      redis,
      postgres,
      processEnv: () => ({
        DATABASE_URL: ctx.config.databaseUrl,
        REDIS_URL: ctx.config.redisUrl,
        QUEUE_PREFIX: ctx.config.queuePrefix,
        WORKER_METRICS_PORT: '0',
      }),
      async close() {
        try {
          if (redis && !redis.running) await redis.start();
          if (postgres && !postgres.running) await postgres.start();
          await ctx.close();
        } finally {
          await redis?.destroy();
          await postgres?.destroy();
        }
      },
    };
  } catch (error) {
    await redis?.destroy();
    await postgres?.destroy();
    throw error;
  }
}
