import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { bodyErrors, conflictError, Id, notFoundError, Nullable, OneOf, staffErrors } from '../http/api-schemas.js';
import { handOff } from '../queues/enqueue.js';
import { recordAudit } from '../audit/audit-repository.js';
import { actorOf } from '../cases/cases.routes.js';
import { decideOndate, listOndateMonth, seoulMonth } from './ondate.js';
import { ONDATE_MODES } from './mayor-sessions.table.js';
import { OndateVolunteerSchema, VisitRequestSchema, VisitSessionSchema } from './mayor-sessions.schemas.js';
import { createVisitSession, listVisits, OUTCOME_NOTE_MAX, PLACE_MAX, recordVisitOutcome, scheduleVisit } from './visits.js';
import { seoulDaysBefore } from '../domain/seoul-time.js';

const tags = ['mayor-sessions'];
const Month = Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$', description: 'YYYY-MM, Seoul' });

const OndateMonthSchema = Type.Object(
  {
    month: Type.String(),
    counts: Type.Object(
      { volunteers: Type.Integer(), chosen: Type.Integer(), notChosen: Type.Integer(), undecided: Type.Integer() },
      { additionalProperties: false },
    ),
    categories: Type.Array(
      Type.Object(
        { category: Nullable(Type.String()), label: Nullable(Type.String()), volunteers: Type.Array(OndateVolunteerSchema) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

/** The mayor's sessions, for managers (docs/mayor-sessions.md). */
const mayorSessionsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const managers = app.requirePermission('mayor-sessions:manage');

  app.get(
    '/ondate/volunteers',
    {
      schema: {
        tags,
        summary: "온데이트: the month's volunteers, grouped by their case's category",
        querystring: Type.Object({ month: Type.Optional(Month) }, { additionalProperties: false }),
        response: { 200: OndateMonthSchema, ...staffErrors },
      },
      onRequest: managers,
    },
    async (request) => {
      const month = await listOndateMonth(app.db, request.query.month ?? seoulMonth(new Date()));
      const caseIds = month.categories.flatMap((c) => c.volunteers.map((v) => v.caseId));
      if (caseIds.length > 0) await recordAudit(app.db, actorOf(request), 'ondate.listed', caseIds, { month: month.month });
      return month;
    },
  );

  app.post(
    '/ondate/selections',
    {
      schema: {
        tags,
        summary: "온데이트: choose some of the month's volunteers, with the date and time; every undecided volunteer is told",
        body: Type.Object(
          {
            month: Month,
            chosen: Type.Array(Id, { minItems: 1, maxItems: 100, description: 'volunteer ids; the other undecided volunteers of the month are told they were not chosen' }),
            sessionAt: Type.String({ format: 'date-time' }),
            mode: OneOf([...ONDATE_MODES], 'video or phone'),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object(
            { month: Type.String(), chosen: Type.Integer(), notChosen: Type.Integer(), notices: Type.Integer({ description: 'notices queued' }) },
            { additionalProperties: false },
          ),
          ...staffErrors,
          ...conflictError('`no_volunteers`: nobody of that month is waiting for a decision'),
          ...bodyErrors,
        },
      },
      onRequest: managers,
    },
    async (request) => {
      const decided = await decideOndate(app.db, request.staff!, request.body, actorOf(request));
      await handOff(app.queues, request.log, { send: decided.send });
      return { month: request.body.month, chosen: decided.chosen, notChosen: decided.notChosen, notices: decided.send.length };
    },
  );

  // 찾아가는 구청장실 ------------------------------------------------------------------------
  const RequestId = Type.Object({ id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) });
  const requestNotFound = notFoundError('`not_found`: no such visit request');

  app.get(
    '/visits',
    {
      schema: {
        tags,
        summary: '찾아가는 구청장실: applications waiting for a session, and the sessions of the last week on, with their residents',
        response: {
          200: Type.Object({ waiting: Type.Array(VisitRequestSchema), sessions: Type.Array(VisitSessionSchema) }, { additionalProperties: false }),
          ...staffErrors,
        },
      },
      onRequest: managers,
    },
    async (request) => {
      const visits = await listVisits(app.db, seoulDaysBefore(new Date(), 7));
      const caseIds = [...visits.waiting, ...visits.sessions.flatMap((s) => s.requests)].map((r) => r.caseId);
      if (caseIds.length > 0) await recordAudit(app.db, actorOf(request), 'visits.listed', caseIds);
      return visits;
    },
  );

  app.post(
    '/visits/sessions',
    {
      schema: {
        tags,
        summary: '찾아가는 구청장실: a session, at a place and time',
        body: Type.Object(
          { startsAt: Type.String({ format: 'date-time' }), place: Type.String({ minLength: 1, maxLength: PLACE_MAX }) },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({ id: Id, startsAt: Type.String(), place: Type.String() }, { additionalProperties: false }),
          ...staffErrors,
          ...bodyErrors,
        },
      },
      onRequest: managers,
    },
    async (request, reply) => {
      const session = await createVisitSession(app.db, request.staff!, request.body, actorOf(request));
      return reply.status(201).send({ id: session.id, startsAt: session.starts_at.toISOString(), place: session.place });
    },
  );

  app.post(
    '/visits/requests/:id/schedule',
    {
      schema: {
        tags,
        summary: '찾아가는 구청장실: put an applicant into a session (again, to move them); they are told where and when',
        params: RequestId,
        body: Type.Object({ sessionId: Id }, { additionalProperties: false }),
        response: {
          200: Type.Object({ id: Id, status: Type.Literal('scheduled'), noticeMessageId: Nullable(Type.Integer()) }, { additionalProperties: false }),
          ...staffErrors,
          ...requestNotFound,
          ...conflictError('`visit_done` (the meeting took place) or `session_past` (the session has begun)'),
          ...bodyErrors,
        },
      },
      onRequest: managers,
    },
    async (request) => {
      const scheduled = await scheduleVisit(app.db, request.staff!, request.params.id, request.body.sessionId, actorOf(request));
      await handOff(app.queues, request.log, { send: scheduled.send });
      return { id: request.params.id, status: scheduled.status, noticeMessageId: scheduled.noticeMessageId };
    },
  );

  app.post(
    '/visits/requests/:id/outcome',
    {
      schema: {
        tags,
        summary: '찾아가는 구청장실: how the meeting went; can open a case for a department or join an existing one',
        params: RequestId,
        body: Type.Object(
          {
            outcome: OneOf(['met', 'no_show']),
            note: Type.Optional(Type.String({ maxLength: OUTCOME_NOTE_MAX, description: "staff's words; the text of a case it opens" })),
            openCase: Type.Optional(Type.Object({ department: Type.String({ minLength: 1, maxLength: 40 }) }, { additionalProperties: false })),
            joinCaseId: Type.Optional(Id),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object(
            { id: Id, status: OneOf(['met', 'no_show']), outcomeCaseId: Nullable(Type.Integer()) },
            { additionalProperties: false },
          ),
          ...staffErrors,
          ...requestNotFound,
          ...conflictError('`visit_not_scheduled` or `visit_done`'),
          ...bodyErrors,
        },
      },
      onRequest: managers,
    },
    async (request) => {
      const done = await recordVisitOutcome(app.db, request.staff!, app.config.deadlines, request.params.id, request.body, actorOf(request));
      return { id: request.params.id, status: done.status as 'met' | 'no_show', outcomeCaseId: done.outcomeCaseId };
    },
  );
};

export default mayorSessionsRoutes;
