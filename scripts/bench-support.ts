// What both bench scripts need: a database of their own, and leaving nothing behind.
import type { ChildProcess } from 'node:child_process';
import twilio from 'twilio';
import { dropDatabase, dropKeys } from './own-stores.js';

/** Stops the servers (SIGTERM, so they drain), drops the database and every key under the prefix. */
export async function cleanUp(processes: ChildProcess[], baseDb: string, dbName: string, redisUrl: string, prefix: string): Promise<void> {
  for (const child of processes) {
    // A child killed by a signal (bench-notices' SIGKILL) has no exit code but has exited.
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  }
  await dropDatabase(baseDb, dbName);
  await dropKeys(redisUrl, prefix);
}

/** A call to a Twilio webhook as Twilio signs it: the form and its headers. */
export function signedTwilioForm(url: string, authToken: string, params: Record<string, string>): { body: string; headers: Record<string, string> } {
  return {
    body: new URLSearchParams(params).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature(authToken, url, params) },
  };
}
