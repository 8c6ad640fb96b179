import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifySchemaValidationError } from 'fastify';
import type { SchemaErrorDataVar } from 'fastify/types/schema.js';
import { DomainError, InvalidInput, NotAllowed, NotFound, StateConflict, Unavailable } from '../domain/errors.js';

/**
 * An error raised at the HTTP edge (a route's own check, authentication, rate limits) with its
 * status; domain code throws the errors of src/domain/errors.ts instead, which the handler maps.
 * Either way the code is stable for clients to act on and the message is for people.
 */
export class AppError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const notFound = (what = 'not found') => new AppError(404, 'not_found', what);
export const forbidden = (what = 'not allowed for your role') => new AppError(403, 'forbidden', what);
export const unauthorized = (what = 'a valid staff token is required') => new AppError(401, 'unauthorized', what);
export const conflict = (code: string, what: string) => new AppError(409, code, what);
export const badRequest = (code: string, what: string) => new AppError(400, code, what);

/** The status each kind of domain error leaves with; null for a kind the edge does not know (a 500). */
export function domainErrorStatus(error: DomainError): number | null {
  if (error instanceof InvalidInput) return 400;
  if (error instanceof NotAllowed) return 403;
  if (error instanceof NotFound) return 404;
  if (error instanceof StateConflict) return 409;
  if (error instanceof Unavailable) return 503;
  return null;
}

/**
 * Postgres refusing a value a client sent (a NUL character, an unpaired surrogate, a number
 * out of range, text too long for an index): the client's input, so a 400, never a 500.
 */
const POSTGRES_BAD_INPUT = new Set(['22001', '22003', '22007', '22008', '22021', '22P02', '22P05', '54000']);

function isPostgresBadInput(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && POSTGRES_BAD_INPUT.has(code) && (error as { severity?: unknown }).severity !== undefined;
}

/** Errors fastify raises before any route runs (a malformed URL), in the same shape. */
export function frameworkErrors(error: FastifyError, _request: unknown, reply: FastifyReply): void {
  const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
  void reply.status(status).send({ error: { code: (error.code ?? 'bad_request').toLowerCase(), message: error.message } });
}

/**
 * What Node's HTTP parser rejects before fastify sees a request (fastify's own answer there is
 * `{"error":"Bad Request","message":"Client Error","statusCode":400}`): Hangul sent raw in the
 * URL instead of percent-encoded (llhttp refuses bytes above 0x7f there; accepting them would
 * take its lenient, smuggling-prone mode), a header block too large, a request too slow.
 * Same shape as every other error; written to the socket, as no request object exists.
 */
export function clientErrors(error: Error & { code?: string }, socket: Socket): void {
  // A reset connection has no one left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'request_timeout', 'the request took too long to arrive']
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'headers_too_large', 'the request headers are too large']
        : error.code === 'HPE_INVALID_URL'
          ? // The code of a malformed address once it reaches fastify (a broken % escape): one code for one fault.
            [400, 'fst_err_bad_url', 'the address must be percent-encoded: encode non-ASCII characters such as Hangul as UTF-8 (도로 is %EB%8F%84%EB%A1%9C)']
          : [400, 'bad_request', 'the request is not valid HTTP/1.1'];
  const body = JSON.stringify({ error: { code, message } });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `X-Content-Type-Options: nosniff\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

/** Where a field is, for a client: `status`, `items/0/text`; the part itself when the fault is the whole of it. */
function fieldName(dataVar: SchemaErrorDataVar, instancePath: string): string {
  return instancePath === '' ? dataVar : instancePath.slice(1);
}

/**
 * Schema errors as one readable sentence. A choice of values (a union of literals, which Ajv
 * reports as one `const` failure per branch and then `anyOf`) becomes
 * "status must be one of received, assigned, answered, closed", naming each value once.
 */
export function schemaErrors(errors: FastifySchemaValidationError[], dataVar: SchemaErrorDataVar): Error {
  const sentences: string[] = [];
  const folded = new Set<FastifySchemaValidationError>();
  for (const e of errors) {
    if (e.keyword !== 'anyOf') continue;
    const branches = errors.filter((b) => b !== e && b.schemaPath.startsWith(`${e.schemaPath}/`) && b.instancePath === e.instancePath);
    if (branches.length === 0 || !branches.every((b) => b.keyword === 'const')) continue;
    for (const b of branches) folded.add(b);
    folded.add(e);
    const values = branches.map((b) => String(b.params.allowedValue));
    sentences.push(`${fieldName(dataVar, e.instancePath)} must be one of ${[...new Set(values)].join(', ')}`);
  }
  for (const e of errors) {
    if (folded.has(e)) continue;
    const field = fieldName(dataVar, e.instancePath);
    if (e.keyword === 'enum' && Array.isArray(e.params.allowedValues)) {
      sentences.push(`${field} must be one of ${(e.params.allowedValues as unknown[]).map(String).join(', ')}`);
    } else if (e.keyword === 'required' && typeof e.params.missingProperty === 'string') {
      const parent = e.instancePath === '' ? '' : `${e.instancePath.slice(1)}/`;
      sentences.push(`${parent}${e.params.missingProperty} is required`);
    } else {
      sentences.push(`${field} ${e.message ?? 'is not valid'}`);
    }
  }
  return new Error([...new Set(sentences)].join(', '));
}

/** The one error handler: every error leaves as `{ error: { code, message } }`. */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | AppError | DomainError, request, reply) => {
    if (error instanceof AppError) {
      return reply.status(error.statusCode).send({ error: { code: error.code, message: error.message } });
    }
    const domainStatus = error instanceof DomainError ? domainErrorStatus(error) : null;
    if (domainStatus !== null) {
      return reply.status(domainStatus).send({ error: { code: (error as DomainError).code, message: error.message } });
    }
    const fastifyError = error as FastifyError;
    if (isPostgresBadInput(error)) {
      return reply.status(400).send({ error: { code: 'invalid_input', message: 'the request holds characters or values that cannot be stored' } });
    }
    if (fastifyError.validation) {
      return reply.status(400).send({ error: { code: 'validation_failed', message: fastifyError.message } });
    }
    const status = fastifyError.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return reply
        .status(status)
        .send({ error: { code: (fastifyError.code ?? 'bad_request').toLowerCase(), message: fastifyError.message } });
    }
    // Not the whole error: a Postgres error's detail quotes the row (a phone number, a text).
    const { name, message, stack } = error as Error;
    request.log.error({ err: { type: name, code: (error as { code?: unknown }).code, message, stack } }, 'unhandled error');
    return reply.status(500).send({ error: { code: 'internal', message: 'internal error' } });
  });
  app.setNotFoundHandler((request, reply) => {
    return reply.status(404).send({ error: { code: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` } });
  });
}
