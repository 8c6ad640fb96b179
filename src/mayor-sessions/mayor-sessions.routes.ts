import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { bodyErrors, conflictError, Id, Nullable, OneOf, staffErrors } from '../http/api-schemas.js';
import { handOff } from '../queues/enqueue.js';
import { recordAudit } from '../audit/audit-repository.js';
import { actorOf } from '../cases/cases.routes.js';
import { decideOndate, listOndateMonth, seoulMonth } from './ondate.js';
import { ONDATE_MODES } from './mayor-sessions.table.js';
import { OndateVolunteerSchema } from './mayor-sessions.schemas.js';

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
};

export default mayorSessionsRoutes;
