import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../db/database.js';
import type { Queues } from '../queues/queues.js';
import { handOff } from '../queues/enqueue.js';
import { insertCountedInbound, insertCountedInboundMany, type CountedInbound, type InboundRow } from './inbox-repository.js';
import { floodSenderKey, type FloodLimit } from './sender-flood.js';

type Row = Omit<InboundRow, 'flood'>;

interface Waiting {
  row: Row;
  resolve: (stored: CountedInbound | null) => void;
  reject: (error: unknown) => void;
}

export interface InboxBatcherOptions {
  flood: FloodLimit;
  threadWindowMinutes: number;
  /** Statements in flight at once; messages arriving meanwhile wait for the next one. */
  concurrency?: number;
  /** Most messages in one statement. */
  maxBatch?: number;
}

/**
 * Stores webhook messages in the inbox and hands each to the filing queue before its webhook
 * answers, as insertCountedInbound and one job would, but gathers the messages that arrive
 * together into one statement and one commit (group commit), and sends their filing jobs together. A lone
 * message goes at once (in the same turn of the event loop); only while `concurrency`
 * statements are running do new ones wait, for at most one statement's time. After a district
 * notice thousands of replies arrive within minutes: most of a webhook's cost in Postgres is
 * per statement and per commit (the WAL flush), not per row, so a burst costs far less.
 *
 * Nothing changes for the sender: each message is decided as alone (flood count, case number,
 * acknowledgement), is committed before its webhook answers, and a failure reaches only its
 * own caller (who keeps the message in the Redis buffer). One Postgres error in a statement
 * (a deadlock, a bad value) fails the whole statement: each of its messages is then stored
 * on its own, so one message can never take the others down with it.
 */
export class InboxBatcher {
  private waiting: Waiting[] = [];
  private running = 0;
  /** Messages in the statements running now. */
  private writing = 0;
  private scheduled = false;
  private readonly concurrency: number;
  private readonly maxBatch: number;

  constructor(
    private readonly db: Db,
    private readonly queues: Queues,
    private readonly log: FastifyBaseLogger,
    private readonly options: InboxBatcherOptions,
  ) {
    this.concurrency = options.concurrency ?? 2;
    this.maxBatch = options.maxBatch ?? 64;
  }

  /** Messages taken and not yet stored: waiting for a statement or in one (a gauge for operators: it rises when Postgres is slow). */
  get pending(): number {
    return this.waiting.length + this.writing;
  }

  /** The message stored (null: the provider had delivered it before) and its filing job queued. */
  store(row: Row): Promise<CountedInbound | null> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ row, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.running >= this.concurrency || this.waiting.length === 0) return;
    this.scheduled = true;
    // Messages whose requests were read in the same turn of the event loop go together.
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    if (this.running >= this.concurrency || this.waiting.length === 0) return;
    const batch = this.takeBatch();
    this.running++;
    this.writing += batch.length;
    // The statement's slot is free once Postgres has answered: the next batch need not wait
    // for this one's filing jobs to reach Redis. (write and answer settle their callers themselves.)
    void this.write(batch)
      .finally(() => {
        this.running--;
        this.writing -= batch.length;
        this.schedule();
      })
      .then((results) => results && this.answer(batch, results));
    this.schedule();
  }

  /**
   * Up to maxBatch messages in order of arrival, never two with one provider id (a re-sent
   * webhook racing its first delivery: the second must see the first stored). Sorted by sender
   * (stable, so a sender's messages keep their order): see insertCountedInboundMany.
   */
  private takeBatch(): Waiting[] {
    const batch: Waiting[] = [];
    const later: Waiting[] = [];
    const ids = new Set<string>();
    for (const waiting of this.waiting) {
      const id = `${waiting.row.provider}\u0000${waiting.row.providerMessageId}`;
      if (batch.length >= this.maxBatch || ids.has(id)) later.push(waiting);
      else {
        ids.add(id);
        batch.push(waiting);
      }
    }
    this.waiting = later;
    return batch
      .map((waiting, i) => ({ waiting, i, key: senderOrder(waiting.row) }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.i - b.i))
      .map(({ waiting }) => waiting);
  }

  /**
   * The batch's statement. Null when its callers already have their outcome: the statement was
   * refused (each is then stored on its own, with its own filing job) or could not run.
   */
  private async write(batch: Waiting[]): Promise<(CountedInbound | null)[] | null> {
    const { flood, threadWindowMinutes } = this.options;
    try {
      return await insertCountedInboundMany(
        this.db,
        batch.map((w) => w.row),
        flood,
        threadWindowMinutes,
      );
    } catch (error) {
      if (batch.length === 1 || !isStatementError(error)) {
        for (const waiting of batch) waiting.reject(error);
        return null;
      }
      this.log.warn({ err: (error as Error).message, messages: batch.length }, 'inbox batch refused by Postgres; storing its messages one by one');
    }
    // One by one, each with its own outcome.
    await Promise.all(
      batch.map(async (waiting) => {
        try {
          const stored = await insertCountedInbound(this.db, waiting.row, flood, threadWindowMinutes);
          await handOff(this.queues, this.log, { file: stored === null ? [] : [stored.id] });
          waiting.resolve(stored);
        } catch (error) {
          waiting.reject(error);
        }
      }),
    );
    return null;
  }

  /** The stored batch's filing jobs, then each caller's answer. */
  private async answer(batch: Waiting[], results: (CountedInbound | null)[]): Promise<void> {
    // Plain adds sent together (handOff), not addBulk: the ioredis pipeline addBulk makes copies
    // every BullMQ script command into itself, which cost more than a batch's few jobs save
    // (a sampling heap profile showed it as a webhook's largest allocation).
    await handOff(this.queues, this.log, { file: results.flatMap((stored) => (stored === null ? [] : [stored.id])) });
    batch.forEach((waiting, i) => waiting.resolve(results[i] ?? null));
  }
}

/** A sender's place in the lock order: the key of the row reserve_case_number locks (none for a message that names nobody). */
function senderOrder(row: Row): string {
  return floodSenderKey(row.sender) ?? '';
}

/** An error Postgres answered for this statement (it has a SQLSTATE), not a lost connection or a timeout. */
function isStatementError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !code.startsWith('08') && !code.startsWith('57');
}
