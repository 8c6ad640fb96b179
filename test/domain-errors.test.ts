// Domain code throws errors in the domain's words (src/domain/errors.ts); the one error handler
// gives each kind its HTTP status, in the same `{error:{code,message}}` shape as every error.
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerErrorHandler } from '../src/http/errors.js';
import { DomainError, InvalidInput, NotAllowed, NotFound, StateConflict, Unavailable } from '../src/domain/errors.js';
import { seoulDayStart } from '../src/domain/seoul-time.js';

class UnknownKind extends DomainError {}

const app = Fastify({ logger: false });
const thrown: Record<string, () => Error> = {
  invalid: () => new InvalidInput('unknown_department', 'no active department NOPE'),
  'not-found': () => new NotFound('case 7 not found'),
  'not-allowed': () => new NotAllowed('staff register cases for their own department'),
  conflict: () => new StateConflict('case_closed', 'the case is closed'),
  unavailable: () => new Unavailable('unavailable', 'try again'),
  unknown: () => new UnknownKind('secret_code', 'internal detail'),
  date: () => {
    seoulDayStart('2026-02-30');
    return new Error('unreachable');
  },
};

beforeAll(async () => {
  registerErrorHandler(app);
  app.get<{ Params: { kind: string } }>('/throw/:kind', async (request) => {
    throw thrown[request.params.kind]!();
  });
  await app.ready();
});
afterAll(async () => {
  await app.close();
});

const get = async (kind: string) => {
  const res = await app.inject({ method: 'GET', url: `/throw/${kind}` });
  return { status: res.statusCode, body: res.json() as { error: { code: string; message: string } } };
};

describe('domain errors at the HTTP edge', () => {
  it.each([
    ['invalid', 400, 'unknown_department', 'no active department NOPE'],
    ['not-found', 404, 'not_found', 'case 7 not found'],
    ['not-allowed', 403, 'forbidden', 'staff register cases for their own department'],
    ['conflict', 409, 'case_closed', 'the case is closed'],
    ['unavailable', 503, 'unavailable', 'try again'],
    ['date', 400, 'invalid_date', '2026-02-30 is not a date (YYYY-MM-DD)'],
  ])('%s leaves as %i with its code and message', async (kind, status, code, message) => {
    expect(await get(kind)).toEqual({ status, body: { error: { code, message } } });
  });

  it('a kind the edge does not know is an internal error, its code and message kept inside', async () => {
    expect(await get('unknown')).toEqual({ status: 500, body: { error: { code: 'internal', message: 'internal error' } } });
  });
});
