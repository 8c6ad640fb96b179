// Residents' photos in an S3-compatible store (ATTACHMENTS_STORE=s3), against s3rver started
// here: the worker keeps the stripped copy and the thumbnail there, staff read them through
// the staff API, and retention deletes them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import nock from 'nock';
import sharp from 'sharp';
import S3rver from 's3rver';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { createTestContext, eventually, type TestContext } from './support/harness.js';
import { postSkillOnly, skillRequest } from './support/kakao.js';
import { purgeClosedCases, retentionCutoff } from '../src/cases/retention.js';
import { purgeAttachmentFiles } from '../src/attachments/purge-files.js';

const BUCKET = 'sotong-photos';
let ctx: TestContext;
let server: S3rver;
let dir: string;
let client: S3Client;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'sotong-s3rver-'));
  server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir, configureBuckets: [{ name: BUCKET, configs: [] }] });
  const address = await server.run();
  const endpoint = `http://127.0.0.1:${address.port}`;
  ctx = await createTestContext({
    KAKAO_SKILL_SECRET: 'test-secret',
    ATTACHMENTS_STORE: 's3',
    ATTACHMENTS_S3_BUCKET: BUCKET,
    ATTACHMENTS_S3_ENDPOINT: endpoint,
    ATTACHMENTS_S3_ACCESS_KEY_ID: 'S3RVER',
    ATTACHMENTS_S3_SECRET_ACCESS_KEY: 'S3RVER',
    RETENTION_YEARS: '1',
  });
  client = new S3Client({ region: 'ap-northeast-2', endpoint, forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
  await ctx.startWorkers();
}, 60_000);
afterAll(async () => {
  nock.cleanAll();
  await ctx?.close();
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

const keysInBucket = async () => ((await client.send(new ListObjectsV2Command({ Bucket: BUCKET }))).Contents ?? []).map((o) => o.Key!).sort();

describe('photos in an S3-compatible store', () => {
  it('keeps the stripped copy and the thumbnail in the bucket, serves them to staff, and deletes them with the case text', async () => {
    const jpeg = await sharp({ create: { width: 500, height: 400, channels: 3, background: '#936' } })
      .jpeg()
      .withExif({ IFD0: { Make: 'TestCam' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '37/1 33/1 0/1', GPSLongitudeRef: 'E', GPSLongitude: '126/1 59/1 0/1' } })
      .toBuffer();
    nock('https://talk.kakaocdn.net').get('/s3/p.jpg').reply(200, jpeg, { 'content-type': 'image/jpeg' });
    expect((await postSkillOnly(ctx.app, skillRequest({ userKey: 's3-resident', utterance: 'https://talk.kakaocdn.net/s3/p.jpg' }))).statusCode).toBe(200);

    const stored = await eventually(
      () => ctx.db.selectFrom('message_attachments').selectAll().where('status', '=', 'stored').executeTakeFirst(),
      30_000,
    );
    expect(await keysInBucket()).toEqual([stored.storage_key, stored.thumbnail_key].sort());
    const object = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: stored.storage_key! }));
    expect(object.ContentType).toBe('image/jpeg');
    const kept = Buffer.from(await object.Body!.transformToByteArray());
    expect((await sharp(kept).metadata()).exif).toBeUndefined();
    expect(stored.latitude).toBeCloseTo(37.55, 2);

    const manager = await ctx.staffToken('manager');
    const res = await ctx.app.inject({
      method: 'GET',
      url: `/api/cases/${stored.case_id}/attachments/${stored.id}`,
      headers: { authorization: `Bearer ${manager}` },
    });
    expect(res.statusCode).toBe(200);
    expect(res.rawPayload.equals(kept)).toBe(true);

    // Retention: closed long ago, the case loses its photo's files, address and location.
    await ctx.db.updateTable('cases').set({ status: 'closed', closed_at: new Date(Date.now() - 2 * 366 * 86_400_000), disposition_code: 'resolved' }).where('id', '=', stored.case_id).execute();
    expect((await purgeClosedCases(ctx.db, retentionCutoff(1))).cases).toBe(1);
    expect(await purgeAttachmentFiles(ctx.db, ctx.app.attachmentStore)).toBe(1);
    expect(await keysInBucket()).toEqual([]);
    const after = await ctx.db.selectFrom('message_attachments').selectAll().where('id', '=', stored.id).executeTakeFirstOrThrow();
    expect(after).toMatchObject({ storage_key: null, thumbnail_key: null, latitude: null, longitude: null, source_url: null });
    expect(after.purged_at).not.toBeNull();
    const gone = await ctx.app.inject({ method: 'GET', url: `/api/cases/${stored.case_id}/attachments/${stored.id}`, headers: { authorization: `Bearer ${manager}` } });
    expect(gone.statusCode).toBe(404);
  }, 60_000);
});
