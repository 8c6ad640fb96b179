// The floor the bench compares the webhooks against: a server that only parses the body (the
// SMS form at /floor, the Kakao skill's JSON at /floor-json), does one INSERT and one BullMQ
// add, and answers. Started by scripts/bench.ts.
import Fastify from 'fastify';
import formbody from '@fastify/formbody';
import pg from 'pg';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';

const port = Number(process.env.PORT);
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
await pool.query('create table if not exists floor_messages (id bigserial primary key, sid text, body text, created_at timestamptz default now())');
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
const queue = new Queue('floor', { connection: redis, prefix: process.env.QUEUE_PREFIX ?? 'floor' });

const app = Fastify();
await app.register(formbody);
app.post('/floor', async (request, reply) => {
  const form = request.body as Record<string, string>;
  const { rows } = await pool.query<{ id: string }>('insert into floor_messages (sid, body) values ($1, $2) returning id', [
    form.MessageSid,
    form.Body,
  ]);
  await queue.add('m', { id: Number(rows[0]!.id) }, { removeOnComplete: true });
  return reply.type('text/xml').send('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');
});
app.post('/floor-json', async (request) => {
  const skill = request.body as { userRequest: { user: { id: string }; utterance: string } };
  const { rows } = await pool.query<{ id: string }>('insert into floor_messages (sid, body) values ($1, $2) returning id', [
    skill.userRequest.user.id,
    skill.userRequest.utterance,
  ]);
  await queue.add('m', { id: Number(rows[0]!.id) }, { removeOnComplete: true });
  return { version: '2.0', template: { outputs: [{ simpleText: { text: '접수되었습니다.' } }] } };
});
await app.listen({ port, host: '127.0.0.1' });
process.on('SIGTERM', () => {
  void app.close().then(async () => {
    await queue.close();
    redis.disconnect();
    await pool.end();
    process.exit(0);
  });
});
