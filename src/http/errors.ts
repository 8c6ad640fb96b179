import type { FastifyError, FastifyInstance } from 'fastify';

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

/** The one error handler: every error leaves as `{ error: { code, message } }`. */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | AppError, request, reply) => {
    if (error instanceof AppError) {
      return reply.status(error.statusCode).send({ error: { code: error.code, message: error.message } });
    }
    const fastifyError = error as FastifyError;
    if (fastifyError.validation) {
      return reply.status(400).send({ error: { code: 'validation_failed', message: fastifyError.message } });
    }
    const status = fastifyError.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return reply
        .status(status)
        .send({ error: { code: (fastifyError.code ?? 'bad_request').toLowerCase(), message: fastifyError.message } });
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply.status(500).send({ error: { code: 'internal', message: 'internal error' } });
  });
  app.setNotFoundHandler((request, reply) => {
    return reply.status(404).send({ error: { code: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` } });
  });
}
