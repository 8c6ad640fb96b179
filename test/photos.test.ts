// Residents' photos (docs/photos.md): the webhook stores references only and answers at once;
// the attachments worker fetches each file (nock stands in for Kakao's and Twilio's servers),
// reads its real type, refuses what is not a photo with a note, strips its metadata, keeps
// its capture location for staff and makes a thumbnail; staff open it through the staff API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createHmac } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import nock from 'nock';
import sharp from 'sharp';
import exifr from 'exifr';
import { createTestContext, eventually, inboundSms, postSignedTwilioOnly, type TestContext } from './support/harness.js';
import { postSkillOnly, skillRequest } from './support/kakao.js';
import type { RunningWorkers } from '../workers/index.js';
import { kakaoMedia, secureImageUrls, twilioMedia } from '../src/attachments/media-references.js';
import { PROJECT_ROOT } from '../src/paths.js';
import { IntakeBuffer } from '../src/intake/intake-buffer.js';
import { drainIntakeBuffer } from '../src/intake/drain-buffer.js';

const MUNJA_SECRET = 'munja-gateway-secret-0123456789';

const TWILIO_SID = 'AC0123456789abcdef0123456789abcdef';
const KAKAO_CDN = 'https://talk.kakaocdn.net';

let ctx: TestContext;
let workers: RunningWorkers;
let dir: string;
/** The KakaoTalk case with a located photo, for the console's test. */
let photoCase: { caseId: number; department: string | null; attachmentId: number } | null = null;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'sotong-photos-'));
  ctx = await createTestContext({
    KAKAO_SKILL_SECRET: 'test-secret',
    TWILIO_ACCOUNT_SID: TWILIO_SID,
    TWILIO_FROM: '+82215550100',
    ATTACHMENTS_DIR: dir,
    ATTACHMENTS_FETCH_TIMEOUT_MS: '500',
    ATTACHMENTS_ATTEMPTS: '3',
    ATTACHMENTS_BACKOFF_MS: '20',
    ATTACHMENTS_MAX_PIXELS: '4000000',
    // The documented example gateway, with its MMS mapping.
    SMS_GATEWAYS_FILE: path.join(PROJECT_ROOT, 'sms-gateways.example.json'),
    MUNJA_WEBHOOK_SECRET: MUNJA_SECRET,
  });
  workers = await ctx.startWorkers();
}, 60_000);
afterAll(async () => {
  nock.cleanAll();
  await ctx?.close();
  await rm(dir, { recursive: true, force: true });
});

/** A photo as a phone takes it: a JPEG with EXIF (camera, GPS at Seoul City Hall). */
async function phoneJpeg(): Promise<Buffer> {
  return sharp({ create: { width: 640, height: 480, channels: 3, background: '#3a6' } })
    .jpeg()
    .withExif({
      IFD0: { Make: 'TestCam', Model: 'Resident Phone' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '37/1 33/1 5998/100', GPSLongitudeRef: 'E', GPSLongitude: '126/1 58/1 4200/100' },
    })
    .toBuffer();
}

const png = (width = 200, height = 100) => sharp({ create: { width, height, channels: 4, background: '#fa0' } }).png().toBuffer();

/** A real PNG whose header claims 100,000 × 100,000 pixels: a decompression bomb's shape. */
async function pixelBomb(): Promise<Buffer> {
  const file = Buffer.from(await png(1, 1));
  // IHDR data starts at byte 16 (8 signature + 4 length + 4 type); its CRC covers type + data.
  file.writeUInt32BE(100_000, 16);
  file.writeUInt32BE(100_000, 20);
  file.writeUInt32BE(crc32(file.subarray(12, 29)) >>> 0, 29);
  return file;
}

interface AttachmentJson {
  id: number;
  status: string;
  contentType: string | null;
  bytes: number | null;
  width: number | null;
  note: string | null;
  location: { latitude: number; longitude: number; mapUrl: string } | null;
  fileUrl: string | null;
  thumbnailUrl: string | null;
}
interface CaseJson {
  id: number;
  department: string | null;
  location: { latitude: number; longitude: number; mapUrl: string; attachmentId: number } | null;
  messages: { direction: string; text: string; attachments?: AttachmentJson[] }[];
}

async function caseOfInbound(inboundId: number): Promise<number> {
  return eventually(async () => {
    const row = await ctx.db
      .selectFrom('inbound_messages')
      .innerJoin('messages', 'messages.id', 'inbound_messages.message_id')
      .select('messages.case_id')
      .where('inbound_messages.id', '=', inboundId)
      .executeTakeFirst();
    return row?.case_id;
  }, 30_000);
}

async function latestInboundId(): Promise<number> {
  const row = await ctx.db.selectFrom('inbound_messages').select('id').orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
  return row.id;
}

/** Waits until none of the case's attachments is pending, then reads the case as a manager. */
async function settledCase(caseId: number, token: string): Promise<CaseJson> {
  await eventually(async () => {
    const pending = await ctx.db.selectFrom('message_attachments').select('id').where('case_id', '=', caseId).where('status', '=', 'pending').execute();
    const any = await ctx.db.selectFrom('message_attachments').select('id').where('case_id', '=', caseId).execute();
    return any.length > 0 && pending.length === 0;
  }, 20_000);
  const res = await ctx.app.inject({ method: 'GET', url: `/api/cases/${caseId}`, headers: { authorization: `Bearer ${token}` } });
  expect(res.statusCode).toBe(200);
  return res.json<CaseJson>();
}

describe('media references', () => {
  it("reads Open Builder's secure-image value (a JSON string with List(...)) and image URLs in the utterance, on Kakao's hosts only", () => {
    const hosts = ['kakaocdn.net', 'kakao.com'];
    const value = JSON.stringify({ privacy: true, secureUrls: `List(${KAKAO_CDN}/a.jpg, ${KAKAO_CDN}/b.jpg)`, expire: '2026-12-06T00:00:00', checksum: 1 });
    expect(secureImageUrls(value)).toEqual([`${KAKAO_CDN}/a.jpg`, `${KAKAO_CDN}/b.jpg`]);
    const body = {
      userRequest: { utterance: `${KAKAO_CDN}/c.jpg` },
      action: { params: { photo: value }, detailParams: { photo: { origin: value, value, groupName: '' } } },
    };
    const read = kakaoMedia(body, hosts);
    expect(read.utteranceWasMedia).toBe(true);
    expect(read.media.map((m) => m.url)).toEqual([`${KAKAO_CDN}/c.jpg`, `${KAKAO_CDN}/a.jpg`, `${KAKAO_CDN}/b.jpg`]);
    // A resident's own link, or an address inside the district's network, is never fetched.
    expect(kakaoMedia({ userRequest: { utterance: 'http://127.0.0.1:6379/ 보세요' } }, hosts).media).toEqual([]);
    expect(kakaoMedia({ userRequest: { utterance: 'http://10.0.0.5/x.jpg' } }, hosts)).toEqual({ media: [], utteranceWasMedia: false });
    expect(
      twilioMedia({ NumMedia: '2', MediaUrl0: 'https://api.twilio.com/x', MediaContentType0: 'image/jpeg', MediaUrl1: 'http://169.254.169.254/latest' }, ['api.twilio.com']),
    ).toEqual([{ url: 'https://api.twilio.com/x', contentType: 'image/jpeg' }]);
  });
});

describe('photos from KakaoTalk', () => {
  it('stores references with the message, answers at once, then keeps a stripped copy, a thumbnail and the capture location', async () => {
    const jpeg = await phoneJpeg();
    const pngFile = await png();
    const secure = JSON.stringify({ privacy: true, secureUrls: `List(${KAKAO_CDN}/dn/secure-1.png)`, expire: '2026-12-06T00:00:00' });
    const body = skillRequest({ userKey: 'photo-resident-1', utterance: `${KAKAO_CDN}/dn/photo-1.jpg` });
    (body as Record<string, unknown>).action = { id: 'a', name: 'sotong-skill', params: { photo: secure }, detailParams: { photo: { origin: secure, value: secure, groupName: '' } }, clientExtra: {} };
    const cdn = nock(KAKAO_CDN).get('/dn/photo-1.jpg').reply(200, jpeg, { 'content-type': 'image/jpeg' }).get('/dn/secure-1.png').reply(200, pngFile, { 'content-type': 'image/png' });

    const res = await postSkillOnly(ctx.app, body);
    expect(res.statusCode).toBe(200);
    // The webhook fetched nothing: the message and its references are in the inbox.
    const inboundId = await latestInboundId();
    const inbox = await ctx.db.selectFrom('inbound_messages').select(['text', 'media', 'message_id']).where('id', '=', inboundId).executeTakeFirstOrThrow();
    if (inbox.message_id === null) {
      expect(inbox.text).toBe('(사진 2장)');
      expect(inbox.media.map((m) => m.url)).toEqual([`${KAKAO_CDN}/dn/photo-1.jpg`, `${KAKAO_CDN}/dn/secure-1.png`]);
    }

    const caseId = await caseOfInbound(inboundId);
    const manager = await ctx.staffToken('manager');
    const theCase = await settledCase(caseId, manager);
    expect(cdn.isDone()).toBe(true);
    const inbound = theCase.messages.find((m) => m.direction === 'in')!;
    expect(inbound.text).toBe('(사진 2장)');
    const [photo, second] = inbound.attachments!;
    expect(photo).toMatchObject({ status: 'stored', contentType: 'image/jpeg', width: 640, note: null });
    expect(second).toMatchObject({ status: 'stored', contentType: 'image/png', location: null });
    expect(photo!.location!.latitude).toBeCloseTo(37.5666, 3);
    expect(photo!.location!.longitude).toBeCloseTo(126.9783, 3);
    expect(photo!.location!.mapUrl).toMatch(/^https:\/\/map\.kakao\.com\/link\/map\/.+,37\.566\d+,126\.978\d+$/);
    expect(theCase.location).toMatchObject({ attachmentId: photo!.id });
    expect(photo!.fileUrl).toBe(`/api/cases/${caseId}/attachments/${photo!.id}`);
    photoCase = { caseId, department: theCase.department, attachmentId: photo!.id };

    // The kept copy: a JPEG without EXIF, GPS or camera; the thumbnail at most 320 px.
    const file = await ctx.app.inject({ method: 'GET', url: photo!.fileUrl!, headers: { authorization: `Bearer ${manager}` } });
    expect(file.statusCode).toBe(200);
    expect(file.headers['content-type']).toBe('image/jpeg');
    expect(file.headers['cache-control']).toBe('private, no-store');
    const kept = file.rawPayload;
    expect((await sharp(kept).metadata()).exif).toBeUndefined();
    expect(await exifr.gps(kept).catch(() => undefined)).toBeUndefined();
    expect(kept.includes(Buffer.from('TestCam'))).toBe(false);
    const thumb = await ctx.app.inject({ method: 'GET', url: photo!.thumbnailUrl!, headers: { authorization: `Bearer ${manager}` } });
    expect(thumb.statusCode).toBe(200);
    const thumbMeta = await sharp(thumb.rawPayload).metadata();
    expect(Math.max(thumbMeta.width, thumbMeta.height)).toBeLessThanOrEqual(320);

    // Every file opened is in the audit log, like a case read.
    const audit = await ctx.db.selectFrom('audit_log').selectAll().where('action', '=', 'case.attachment_read').execute();
    expect(audit.map((a) => a.detail)).toEqual(expect.arrayContaining([{ attachmentId: photo!.id, size: 'original' }, { attachmentId: photo!.id, size: 'thumbnail' }]));

    // The same scope as the case's text: another department sees nothing, not even that it exists.
    const other = theCase.department === 'PARKING' ? 'ROAD' : 'PARKING';
    const outsider = await ctx.staffToken('staff', other);
    const denied = await ctx.app.inject({ method: 'GET', url: photo!.fileUrl!, headers: { authorization: `Bearer ${outsider}` } });
    expect(denied.statusCode).toBe(404);
    const anonymous = await ctx.app.inject({ method: 'GET', url: photo!.fileUrl! });
    expect(anonymous.statusCode).toBe(401);
    // The source address is forgotten once fetched; nothing sits in a public directory.
    const rows = await ctx.db.selectFrom('message_attachments').select(['source_url', 'storage_key']).where('case_id', '=', caseId).execute();
    expect(rows.every((r) => r.source_url === null && r.storage_key !== null)).toBe(true);
    expect((await readdir(dir)).sort()).toEqual(['cases']);

    // The operator sees what the store holds.
    const metrics = await ctx.app.inject({ method: 'GET', url: '/metrics' });
    const keptRows = await ctx.db.selectFrom('message_attachments').select(['bytes', 'thumbnail_bytes']).where('storage_key', 'is not', null).execute();
    const total = keptRows.reduce((n, r) => n + Number(r.bytes) + Number(r.thumbnail_bytes), 0);
    expect(total).toBeGreaterThan(0);
    expect(metrics.body).toContain(`sotong_attachment_stored_bytes ${total}`);
  }, 60_000);
});

describe('bad input ends as a note on the case', () => {
  it('refuses a 50 MB file, a fake JPEG, a silent server, a redirect to another host, a pixel bomb and a PDF; the message and the queue carry on', async () => {
    const big = Buffer.alloc(50 * 1024 * 1024, 0xff);
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
    const cdn = nock(KAKAO_CDN)
      .get('/bad/huge.jpg').reply(200, big, { 'content-type': 'image/jpeg', 'content-length': String(big.length) })
      .get('/bad/fake.jpg').reply(200, '<html>not a photo</html>', { 'content-type': 'image/jpeg' })
      .get('/bad/silent.jpg').times(3).delay(5_000).reply(200, 'late')
      .get('/bad/moved.jpg').reply(302, '', { location: 'https://attacker.example.net/x.jpg' })
      .get('/bad/bomb.png').reply(200, await pixelBomb(), { 'content-type': 'image/png' })
      .get('/bad/doc.pdf').reply(200, pdf, { 'content-type': 'application/pdf' });
    const elsewhere = nock('https://attacker.example.net').get('/x.jpg').reply(200, await png());
    const urls = ['huge.jpg', 'fake.jpg', 'silent.jpg', 'moved.jpg', 'bomb.png', 'doc.pdf'].map((f) => `${KAKAO_CDN}/bad/${f}`);
    const secure = JSON.stringify({ secureUrls: `List(${urls.join(', ')})` });
    const body = skillRequest({ userKey: 'photo-resident-2', utterance: '골목에 불법 투기된 쓰레기 사진 보냅니다' });
    (body as Record<string, unknown>).action = { params: { photos: secure }, detailParams: {} };
    expect((await postSkillOnly(ctx.app, body)).statusCode).toBe(200);

    const caseId = await caseOfInbound(await latestInboundId());
    const theCase = await settledCase(caseId, await ctx.staffToken('manager'));
    const inbound = theCase.messages.find((m) => m.direction === 'in')!;
    expect(inbound.text).toBe('골목에 불법 투기된 쓰레기 사진 보냅니다');
    const notes = inbound.attachments!.map((a) => [a.status, a.note]);
    expect(notes).toEqual([
      ['refused', expect.stringContaining('너무 커서')],
      ['refused', '사진 파일이 아니어서 보관하지 않았습니다.'],
      ['refused', expect.stringContaining('3번 시도했지만')],
      ['refused', '사진 주소가 다른 곳으로 넘겨져 받지 않았습니다.'],
      ['refused', '사진의 화소 수가 너무 많아 열지 않았습니다.'],
      ['refused', expect.stringContaining('PDF')],
    ]);
    expect(inbound.attachments!.every((a) => a.fileUrl === null && a.thumbnailUrl === null)).toBe(true);
    expect(elsewhere.isDone()).toBe(false);
    expect(cdn.pendingMocks()).toEqual([]);
    nock.cleanAll();
    // The queue is not stuck: nothing waits or is held as failed.
    const counts = await ctx.app.queues.attachments.getJobCounts('waiting', 'active', 'delayed', 'failed');
    expect(counts).toMatchObject({ waiting: 0, active: 0, delayed: 0, failed: 0 });
  }, 60_000);

  it('tries again after a passing failure (503) and keeps the photo', async () => {
    const cdn = nock(KAKAO_CDN).get('/flaky/p.png').reply(503).get('/flaky/p.png').reply(200, await png(), { 'content-type': 'image/png' });
    const body = skillRequest({ userKey: 'photo-resident-3', utterance: `${KAKAO_CDN}/flaky/p.png` });
    expect((await postSkillOnly(ctx.app, body)).statusCode).toBe(200);
    const caseId = await caseOfInbound(await latestInboundId());
    const theCase = await settledCase(caseId, await ctx.staffToken('manager'));
    expect(theCase.messages.find((m) => m.direction === 'in')!.attachments!.map((a) => a.status)).toEqual(['stored']);
    expect(cdn.isDone()).toBe(true);
  }, 60_000);
});

describe('photos by Twilio MMS', () => {
  it("fetches MediaUrlN with the account's credentials, follows Twilio's hand-over to its CDN without them, and reads the type from the bytes", async () => {
    const jpeg = await phoneJpeg();
    const mediaPath = `/2010-04-01/Accounts/${TWILIO_SID}/Messages/MM1/Media/ME1`;
    const api = nock('https://api.twilio.com')
      .get(mediaPath)
      .basicAuth({ user: TWILIO_SID, pass: 'test-twilio-auth-token' })
      .reply(307, '', { location: 'https://s3-external-1.amazonaws.com/media.twiliocdn.com/AC/abc' });
    const s3 = nock('https://s3-external-1.amazonaws.com', { badheaders: ['authorization'] })
      .get('/media.twiliocdn.com/AC/abc')
      // Declared as a GIF: the bytes say JPEG, and the bytes win.
      .reply(200, jpeg, { 'content-type': 'image/gif' });
    const params = inboundSms({ From: '+821044445555', Body: '', NumMedia: '1', MediaUrl0: `https://api.twilio.com${mediaPath}`, MediaContentType0: 'image/gif' });
    const res = await postSignedTwilioOnly(ctx.app, '/webhooks/sms/twilio', params);
    expect(res.statusCode).toBe(200);
    const caseId = await caseOfInbound(await latestInboundId());
    const theCase = await settledCase(caseId, await ctx.staffToken('manager'));
    const inbound = theCase.messages.find((m) => m.direction === 'in')!;
    expect(inbound.text).toBe('(사진 1장)');
    expect(inbound.attachments).toMatchObject([{ status: 'stored', contentType: 'image/jpeg' }]);
    expect(api.isDone() && s3.isDone()).toBe(true);
  }, 60_000);
});

/** Signs in to the console as a browser does (its form token and cookie); the session cookie carries the token. */
async function consoleSignIn(token: string): Promise<void> {
  const form = await ctx.app.inject({ method: 'GET', url: '/console/login' });
  const formToken = /name="_csrf" value="([^"]+)"/.exec(form.body)![1]!;
  const cookie = form.cookies.find((c) => c.name === 'sotong_console_login')!;
  const res = await ctx.app.inject({
    method: 'POST',
    url: '/console/login',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    cookies: { sotong_console_login: cookie.value },
    payload: `_csrf=${encodeURIComponent(formToken)}&token=${encodeURIComponent(token)}`,
    remoteAddress: '127.0.0.1',
  });
  expect(res.statusCode).toBe(303);
}

describe('while Postgres is away', () => {
  it('keeps the references with the message in the Redis buffer, and the photo is fetched once the message is filed', async () => {
    const cdn = nock(KAKAO_CDN).get('/buffered/p.png').reply(200, await png(), { 'content-type': 'image/png' });
    const buffer = new IntakeBuffer(ctx.app.redis, IntakeBuffer.keyFor(`${ctx.config.queuePrefix}-photos`), ctx.config.intake.bufferSecret);
    const providerMessageId = `sotong-buffered-${Date.now()}`;
    await buffer.put({
      channel: 'kakao',
      provider: 'kakao',
      providerMessageId,
      sender: { kakao: { userKey: 'photo-buffered', plusfriendUserKey: null, appUserId: null, isFriend: false } },
      text: '(사진 1장)',
      raw: {},
      acknowledgement: null,
      acknowledgementStatus: 'delivered',
      receivedAt: new Date(),
      media: [{ url: `${KAKAO_CDN}/buffered/p.png`, contentType: null }],
    });
    expect((await drainIntakeBuffer(ctx.db, ctx.app.queues, buffer, ctx.config.threadWindowMinutes)).filed).toBe(1);
    const inbound = await ctx.db.selectFrom('inbound_messages').select('id').where('provider_message_id', '=', providerMessageId).executeTakeFirstOrThrow();
    const caseId = await caseOfInbound(inbound.id);
    const theCase = await settledCase(caseId, await ctx.staffToken('manager'));
    expect(theCase.messages.find((m) => m.direction === 'in')!.attachments).toMatchObject([{ status: 'stored', contentType: 'image/png' }]);
    expect(cdn.isDone()).toBe(true);
  }, 60_000);
});

describe('photos by a domestic gateway (MMS)', () => {
  it("reads the files where the gateway file's media mapping says, on the gateway's hosts only", async () => {
    const files = nock('https://files.munja.example').get('/mms/77.png').reply(200, await png(), { 'content-type': 'image/png' });
    const body = JSON.stringify({
      mo_key: `mo-${Date.now()}`,
      sender: { number: '010-4545-7878' },
      content: '',
      received_at: new Date().toISOString(),
      mms: {
        files: [
          { url: 'https://files.munja.example/mms/77.png', content_type: 'image/png' },
          // Not on the gateway's hosts: never fetched.
          { url: 'http://127.0.0.1:6379/', content_type: 'image/png' },
        ],
      },
    });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = `sha256=${createHmac('sha256', MUNJA_SECRET).update(`${timestamp}.`).update(body).digest('hex')}`;
    const res = await ctx.app.inject({
      method: 'POST',
      url: '/webhooks/sms/munja',
      headers: { 'content-type': 'application/json', 'x-munja-signature': signature, 'x-munja-timestamp': timestamp },
      payload: body,
    });
    expect(res.statusCode).toBe(200);
    const caseId = await caseOfInbound(await latestInboundId());
    const theCase = await settledCase(caseId, await ctx.staffToken('manager'));
    const inbound = theCase.messages.find((m) => m.direction === 'in')!;
    expect(inbound.text).toBe('(사진 1장)');
    expect(inbound.attachments).toMatchObject([{ status: 'stored', contentType: 'image/png' }]);
    expect(files.isDone()).toBe(true);
  }, 60_000);
});

describe('the console', () => {
  it("shows a case's photos as thumbnails linking to the kept copy, and the capture location as a map link", async () => {
    expect(photoCase).not.toBeNull();
    const { caseId, attachmentId, department } = photoCase!;
    const manager = await ctx.staffToken('manager');
    await consoleSignIn(manager);
    const page = await ctx.app.inject({ method: 'GET', url: `/console/cases/${caseId}`, cookies: { sotong_console: manager } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(`<a href="/console/cases/${caseId}/attachments/${attachmentId}"><img src="/console/cases/${caseId}/attachments/${attachmentId}?size=thumbnail"`);
    expect(page.body).toMatch(/<a href="https:\/\/map\.kakao\.com\/link\/map\/[^"]+" rel="noopener noreferrer" target="_blank">지도에서 보기<\/a>/);
    const thumb = await ctx.app.inject({ method: 'GET', url: `/console/cases/${caseId}/attachments/${attachmentId}?size=thumbnail`, cookies: { sotong_console: manager } });
    expect(thumb.statusCode).toBe(200);
    expect(thumb.headers['content-type']).toBe('image/jpeg');
    expect((await sharp(thumb.rawPayload).metadata()).format).toBe('jpeg');
    // Another department's staff member: the same 404 page as for a case that does not exist.
    const outsider = await ctx.staffToken('staff', department === 'PARKING' ? 'ROAD' : 'PARKING');
    await consoleSignIn(outsider);
    const denied = await ctx.app.inject({ method: 'GET', url: `/console/cases/${caseId}/attachments/${attachmentId}`, cookies: { sotong_console: outsider } });
    expect(denied.statusCode).toBe(404);
    expect(denied.headers['content-type']).toMatch(/^text\/html/);
    // Not signed in: to the sign-in page.
    const anonymous = await ctx.app.inject({ method: 'GET', url: `/console/cases/${caseId}/attachments/${attachmentId}` });
    expect(anonymous.statusCode).toBe(303);
  });
});

describe('reports', () => {
  it('count the cases received with photos', async () => {
    const manager = await ctx.staffToken('manager');
    const today = new Date(Date.now() + 9 * 3600_000).toISOString().slice(0, 10);
    const res = await ctx.app.inject({ method: 'GET', url: `/api/reports/summary?from=${today}&to=${today}`, headers: { authorization: `Bearer ${manager}` } });
    expect(res.statusCode).toBe(200);
    const withPhotos = await ctx.db.selectFrom('message_attachments').select('case_id').distinct().execute();
    expect(withPhotos.length).toBeGreaterThanOrEqual(4);
    expect(res.json().withPhotos).toBe(withPhotos.length);
    expect(workers.metricsPort).toBeNull();
  });
});
