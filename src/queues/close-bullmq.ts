import type { EventEmitter } from 'node:events';
import type { Queue, QueueEvents, Worker } from 'bullmq';

type BullmqObject = Queue | Worker | QueueEvents;

/**
 * BullMQ's Redis connections (its RedisConnection objects: every queue, worker and queue-events
 * object has one; a worker has a second, blocking one). Not public API, hence the cast.
 */
function connectionsOf(object: BullmqObject): EventEmitter[] {
  const inner = object as unknown as { connection?: EventEmitter; blockingConnection?: EventEmitter };
  return [inner.connection, inner.blockingConnection].filter((c): c is EventEmitter => c !== undefined);
}

/**
 * Closes a BullMQ queue, worker or queue-events object, including one closed before its
 * connection finished opening (a process stopped at start, Redis away, a test's short app).
 *
 * Why more than close(): each BullMQ connection starts an init (wait for ready, then INFO) whose
 * failure it re-emits as 'error' on itself; close() removes every listener of that connection, and
 * disconnecting it (BullMQ does for its own connections, we do for the shared producer connection)
 * makes a pending init fail afterwards. An 'error' emitted with no listener throws, and that throw
 * becomes an unhandled rejection in the caller's process. The connection is closed on purpose, so
 * what its unfinished init says afterwards is heard here and dropped.
 */
export async function closeBullmq(object: BullmqObject): Promise<void> {
  try {
    await object.close();
  } finally {
    // Silent on purpose, unlike every other connection's errorLog (src/logger.ts): after a
    // deliberate close, a 'Connection is closed' from the unfinished init is expected, not news.
    for (const connection of connectionsOf(object)) connection.on('error', () => undefined);
  }
}
