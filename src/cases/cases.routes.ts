import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { CASE_STATUSES, CHANNELS } from './case.table.js';
import { listCases, findCaseWithResident } from './case-queries.js';
import { caseView, eventView, messageView } from './case-view.js';
import { canSeeCase, departmentScope } from './case-scope.js';
import { assignCase, closeCase, replyToCase } from './case-actions.js';
import { listCaseMessages } from './message-repository.js';
import { listCaseEvents } from './case-repository.js';
import { handOff } from '../queues/enqueue.js';
import { notFound } from '../http/errors.js';

const CaseId = Type.Object({ id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) });
const Code = Type.String({ minLength: 1, maxLength: 40, pattern: '^[A-Za-z0-9_]+$' });
const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });
/** An answer to a resident; long enough for a careful explanation, short enough for any channel to split. */
const AnswerText = Type.String({ minLength: 1, maxLength: 4000 });

const ListQuery = Type.Object(
  {
    status: Type.Optional(Type.Union(CASE_STATUSES.map((s) => Type.Literal(s)))),
    department: Type.Optional(Code),
    category: Type.Optional(Code),
    channel: Type.Optional(Type.Union(CHANNELS.map((c) => Type.Literal(c)))),
    from: Type.Optional(Day),
    to: Type.Optional(Day),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
  },
  { additionalProperties: false },
);

/** The staff API: staff and managers read and answer the cases in their scope. */
const casesRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // onRequest: a caller without a valid token gets 401 before its input is validated.
  const caseWorkers = app.requireRole('staff', 'manager');

  app.get('/cases', { schema: { querystring: ListQuery }, onRequest: caseWorkers }, async (request) => {
    const staff = request.staff!;
    const page = await listCases(app.db, { ...request.query, scope: departmentScope(staff), limit: request.query.limit ?? 50 });
    return { items: page.items.map(caseView), nextCursor: page.nextCursor };
  });

  app.get('/cases/:id', { schema: { params: CaseId }, onRequest: caseWorkers }, async (request) => {
    const row = await findCaseWithResident(app.db, request.params.id);
    if (!row || !canSeeCase(request.staff!, row)) throw notFound(`case ${request.params.id} not found`);
    const [messages, events] = await Promise.all([
      listCaseMessages(app.db, row.id),
      listCaseEvents(app.db, row.id),
    ]);
    return { ...caseView(row), messages: messages.map(messageView), events: events.map(eventView) };
  });

  app.post(
    '/cases/:id/replies',
    {
      schema: { params: CaseId, body: Type.Object({ text: AnswerText }) },
      onRequest: caseWorkers,
    },
    async (request, reply) => {
      const { messageId, channel } = await replyToCase(app.db, request.staff!, request.params.id, request.body.text.trim());
      await handOff(app.queues, request.log, { send: [{ channel, messageId }] });
      return reply.status(202).send({ messageId });
    },
  );

  app.post(
    '/cases/:id/close',
    {
      schema: {
        params: CaseId,
        body: Type.Object({ disposition: Code, text: Type.Optional(Type.String({ maxLength: 4000 })) }),
      },
      onRequest: caseWorkers,
    },
    async (request) => {
      const { messageId, channel } = await closeCase(app.db, request.staff!, request.params.id, request.body);
      if (messageId !== null) await handOff(app.queues, request.log, { send: [{ channel, messageId }] });
      return { id: request.params.id, status: 'closed', messageId };
    },
  );

  app.post(
    '/cases/:id/assign',
    { schema: { params: CaseId, body: Type.Object({ department: Code }) }, onRequest: caseWorkers },
    async (request) => {
      await assignCase(app.db, request.staff!, request.params.id, request.body.department);
      return { id: request.params.id, department: request.body.department };
    },
  );
};

export default casesRoutes;
