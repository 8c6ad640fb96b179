// What both bench scripts need: a database of their own, and leaving nothing behind.
import type { ChildProcess } from 'node:child_process';
import pg from 'pg';
import { Redis } from 'ioredis';

/** The bench's own database on the server DATABASE_URL names. */
export function databaseUrlFor(baseDb: string, name: string): string {
  const url = new URL(baseDb);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Stops the servers (SIGTERM, so they drain), drops the database and every key under the prefix. */
export async function cleanUp(processes: ChildProcess[], baseDb: string, dbName: string, redisUrl: string, prefix: string): Promise<void> {
  for (const child of processes) {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  }
  const admin = new URL(baseDb);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  await client.query(`drop database if exists ${pg.escapeIdentifier(dbName)} with (force)`);
  await client.end();
  const redis = new Redis(redisUrl);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
  redis.disconnect();
}
