// The program's own entry points (src/main.ts, src/server.ts, src/worker.ts) as child
// processes the test can kill, and plain HTTP clients that tell a refused connection from a
// cut-off one.
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { PROJECT_ROOT } from '../../src/paths.js';
import { eventually, signTwilio } from './harness.js';

export interface RunningProcess {
  child: ChildProcess;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves once the process has exited, with its code or the signal that ended it. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly alive: boolean;
  /** SIGKILL, then waits for the exit. */
  kill(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Kills `pid` once this test process has ended, however it ended (no handler runs on SIGKILL). */
function killWhenWeEnd(pid: number): ChildProcess {
  const script = `while kill -0 ${process.pid} 2>/dev/null; do sleep 0.5; done; kill -9 ${pid} 2>/dev/null`;
  const guard = spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' });
  guard.unref();
  return guard;
}

/** Runs an entry point with tsx, as `npm start` runs the compiled one. */
export function startProcess(entry: string, env: Record<string, string>): RunningProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const guard = child.pid === undefined ? null : killWhenWeEnd(child.pid);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      guard?.kill();
      resolve({ code, signal });
    });
  });
  return {
    child,
    output: () => output,
    exited,
    get alive() {
      return child.exitCode === null && child.signalCode === null;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Kills whatever is still running: for afterAll, after a failed test. */
export async function killAll(processes: (RunningProcess | undefined | null)[]): Promise<void> {
  await Promise.all(processes.map((p) => p?.kill()));
}

/** Waits until the process's /readyz answers 200 with Postgres and Redis both up (it is ready with either). */
export async function waitReady(port: number, processRef: RunningProcess, timeoutMs = 30_000): Promise<void> {
  await eventually(async () => {
    if (!processRef.alive) throw new Error(`process exited: ${processRef.output().slice(-2000)}`);
    const res = await fetch(`http://127.0.0.1:${port}/readyz`);
    const body = (await res.json()) as Record<string, string>;
    return res.status === 200 && body.postgres === 'up' && body.redis === 'up';
  }, timeoutMs);
}

/** Waits until the process wrote a line matching `pattern` (e.g. a log message). */
export async function waitForOutput(processRef: RunningProcess, pattern: RegExp, timeoutMs = 30_000): Promise<void> {
  await eventually(async () => {
    if (pattern.test(processRef.output())) return true;
    if (!processRef.alive) throw new Error(`process exited: ${processRef.output().slice(-2000)}`);
    return false;
  }, timeoutMs);
}

export type HttpOutcome = { status: number; body: string } | { error: string; reusedSocket: boolean };

/** POSTs over plain node:http: a network failure comes back as its error code, not thrown. */
export function post(
  port: number,
  path: string,
  body: string,
  headers: Record<string, string>,
  agent: http.Agent | false,
): Promise<HttpOutcome> {
  return new Promise((resolve) => {
    const request = http.request(
      { host: '127.0.0.1', port, path, method: 'POST', agent, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
        response.on('error', (error: NodeJS.ErrnoException) =>
          resolve({ error: error.code ?? error.message, reusedSocket: request.reusedSocket }),
        );
      },
    );
    request.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message, reusedSocket: request.reusedSocket }));
    request.end(body);
  });
}

/** A correctly signed inbound SMS webhook over real HTTP. */
export function postSms(port: number, params: Record<string, string>, agent: http.Agent | false): Promise<HttpOutcome> {
  const path = '/webhooks/sms/twilio';
  return post(
    port,
    path,
    new URLSearchParams(params).toString(),
    { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signTwilio(path, params) },
    agent,
  );
}

/** Runs `task` over `items` with at most `concurrency` at a time; results in the items' order. */
export async function inParallel<T, R>(items: T[], concurrency: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await task(items[index]!, index);
      }
    }),
  );
  return results;
}

export async function exitOf(processRef: RunningProcess, timeoutMs: number) {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      processRef.exited,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no exit within ${timeoutMs} ms: ${processRef.output().slice(-2000)}`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
