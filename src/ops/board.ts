import type { FastifyPluginAsync } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { AppError } from '../http/errors.js';
import { allQueues } from './queue-health.js';

export const BOARD_PATH = '/ops/board';
export const BOARD_COOKIE = 'sotong_board';

/**
 * The BullMQ dashboard for operators, under /ops/board (register with that prefix).
 * Every request under it needs an operator or admin token: as `Authorization: Bearer`,
 * or once as `?token=` — which is checked, stored in an HttpOnly SameSite=Strict cookie
 * scoped to /ops/board, and removed from the address by a redirect.
 */
const opsBoard: FastifyPluginAsync = async (app) => {
  await app.register(fastifyCookie);
  const requireOperator = app.requirePermission('ops:read');

  app.addHook('onRequest', async (request, reply) => {
    const fromQuery = (request.query as Record<string, unknown> | undefined)?.token;
    const queryToken = typeof fromQuery === 'string' && fromQuery !== '' ? fromQuery : null;
    if (!request.headers.authorization) {
      const token = queryToken ?? request.cookies[BOARD_COOKIE];
      if (token) request.headers.authorization = `Bearer ${token}`;
    }
    try {
      await requireOperator(request, reply);
    } catch (error) {
      // Answered here: the board's own error handler would turn these into 500s.
      if (error instanceof AppError) {
        return reply.status(error.statusCode).send({ error: { code: error.code, message: error.message } });
      }
      throw error;
    }
    if (queryToken && request.method === 'GET') {
      const url = new URL(request.url, 'http://localhost');
      url.searchParams.delete('token');
      return reply
        .setCookie(BOARD_COOKIE, queryToken, {
          path: BOARD_PATH,
          httpOnly: true,
          sameSite: 'strict',
          secure: request.protocol === 'https',
        })
        .redirect(url.pathname + url.search, 303);
    }
  });

  app.addHook('onSend', async (_request, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('x-frame-options', 'DENY');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('cache-control', 'no-store');
  });

  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(BOARD_PATH);
  createBullBoard({
    queues: allQueues(app.queues).map((queue) => new BullMQAdapter(queue)),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'sotong queues' } },
  });
  await app.register(serverAdapter.registerPlugin());
};

export default opsBoard;
