import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { CASE_CHANNELS, CASE_STATUSES } from './case.table.js';
import { listCases, findCaseWithResident } from './case-queries.js';
import { caseView, eventView, messageView } from './case-view.js';
import { canSeeCase, departmentScope } from './case-scope.js';
import { assignCase, closeCase, replyToCase } from './case-actions.js';
import { listCaseMessages } from './message-repository.js';
import { listCaseEvents } from './case-repository.js';
import { handOff } from '../queues/enqueue.js';
import { registerCase, STAFF_CHANNELS } from './register-case.js';
import { extendDeadline } from '../deadlines/deadline-actions.js';
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
    channel: Type.Optional(Type.Union(CASE_CHANNELS.map((c) => Type.Literal(c)))),
    overdue: Type.Optional(Type.Boolean()),
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

  app.post(
    '/cases',
    {
      schema: {
        body: Type.Object(
          {
            channel: Type.Union(STAFF_CHANNELS.map((c) => Type.Literal(c))),
            text: Type.String({ minLength: 1, maxLength: 4000 }),
            phone: Type.Optional(Type.String({ maxLength: 40 })),
            department: Type.Optional(Code),
            kind: Type.Optional(Type.Union([Type.Literal('complaint'), Type.Literal('proposal')])),
            receivedAt: Type.Optional(Type.String({ format: 'date-time' })),
          },
          { additionalProperties: false },
        ),
      },
      onRequest: caseWorkers,
    },
    async (request, reply) => {
      const { theCase, messageId, needsRouting } = await registerCase(app.db, request.staff!, app.config.deadlines, request.body);
      if (needsRouting) await handOff(app.queues, request.log, { route: [messageId] });
      const row = await findCaseWithResident(app.db, theCase.id);
      return reply.status(201).send(caseView(row!));
    },
  );

  app.post(
    '/cases/:id/extend',
    {
      schema: {
        params: CaseId,
        body: Type.Object({ days: Type.Integer({ minimum: 1, maximum: 90 }), reason: Type.String({ minLength: 1, maxLength: 300 }) }),
      },
      onRequest: caseWorkers,
    },
    async (request) => {
      const { dueAt, send } = await extendDeadline(app.db, request.staff!, app.config.deadlines, request.params.id, request.body);
      if (send) await handOff(app.queues, request.log, { send: [send] });
      return { id: request.params.id, dueAt: dueAt.toISOString(), noticeMessageId: send?.messageId ?? null };
    },
  );

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
      if (messageId !== null && channel !== null) await handOff(app.queues, request.log, { send: [{ channel, messageId }] });
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
      if (messageId !== null && channel !== null) await handOff(app.queues, request.log, { send: [{ channel, messageId }] });
      return { id: request.params.id, status: 'closed', messageId };
    },
  );

  app.post(
    '/cases/:id/assign',
    { schema: { params: CaseId, body: Type.Object({ department: Code }) }, onRequest: caseWorkers },
    async (request) => {
      await assignCase(app.db, request.staff!, request.params.id, request.body.department, app.config.deadlines);
      return { id: request.params.id, department: request.body.department };
    },
  );
};

export default casesRoutes;
