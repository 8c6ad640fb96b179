import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';

/** An error with a stable code that clients can act on; the message is for people. */
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

/** The one error handler: every error leaves as `{ error: { code, message } }`. */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | AppError, request, reply) => {
    if (error instanceof AppError) {
      return reply.status(error.statusCode).send({ error: { code: error.code, message: error.message } });
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
