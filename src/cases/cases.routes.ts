import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { CASE_STATUSES } from './case.table.js';
import { CASE_CHANNELS, STAFF_CHANNELS } from '../domain/channel.js';
import { listCases, findCaseWithResident } from './case-queries.js';
import { parseCaseSearch, searchKinds } from './case-search.js';
import { caseView, eventView, messageView } from './case-view.js';
import { findCaseSatisfaction } from '../satisfaction/satisfaction.js';
import { satisfactionView } from '../satisfaction/satisfaction-schemas.js';
import { caseScope, canReachCase } from '../staff/policy.js';
import { recordAudit, type Actor } from '../audit/audit-repository.js';
import { assignCase, closeCase, replyToCase } from './case-actions.js';
import { listCaseMessages } from './message-repository.js';
import { listCaseEvents } from './case-repository.js';
import { handOff } from '../queues/enqueue.js';
import { notFound } from '../http/errors.js';
import { revealResidentPhone } from './resident-phone.js';
import type { FastifyRequest } from 'fastify';
import { registerCase } from './register-case.js';
import { ondateFooter } from '../mayor-sessions/texts.js';
import { mayorSessionsOfCase } from '../mayor-sessions/case-record.js';
import { extendDeadline } from '../deadlines/deadline-actions.js';
import { addCaseNote, listCaseNotes, NOTE_MAX_CHARS, noteView } from './case-notes.js';
import { CaseDetailSchema, CaseListSchema, CaseSchema, NoteSchema } from './case-schemas.js';
import { listCaseAttachments } from '../attachments/attachment-repository.js';
import { attachmentView, caseLocation } from '../attachments/attachment-view.js';
import type { MessageAttachment } from '../attachments/attachment.table.js';
import { bodyErrors, conflictError, DateTime, Id, notFoundError, Nullable, staffErrors } from '../http/api-schemas.js';

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
    /** A case number, the last four digits of a phone, or words of the messages (src/cases/case-search.ts). */
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  },
  { additionalProperties: false },
);

/** Why a case was moved: a sentence or two for the receiving department. */
export const ASSIGN_REASON_MAX = 500;

/** Why a staff member needs the resident's full number; kept in the audit log. */
const PhoneRequest = Type.Object(
  { reason: Type.String({ minLength: 5, maxLength: 500, pattern: '\\S' }) },
  { additionalProperties: false },
);

const BlockResult = Type.Object({ caseId: Id, residentId: Id, blocked: Type.Boolean() }, { additionalProperties: false });

const tags = ['cases'];
const caseClosed = conflictError('`case_closed`: the case is closed');

/** An inbound message with the photos sent with it (an outbound one has none). */
function withAttachments<M extends { id: number; direction: string }>(message: M, attachments: MessageAttachment[]) {
  if (message.direction !== 'in') return message;
  return { ...message, attachments: attachments.filter((a) => a.message_id === message.id).map((a) => attachmentView(a)) };
}

export function actorOf(request: FastifyRequest): Actor {
  return { staffId: request.staff!.id, ip: request.ip };
}

/** The staff API: staff and managers read and answer the cases in their scope (src/staff/policy.ts). */
const casesRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // onRequest: a caller without a valid token gets 401 before its input is validated.
  const readers = app.requirePermission('cases:read');
  const caseWorkers = app.requirePermission('cases:act');

  const listSchema = {
    tags,
    summary: 'List and search the cases in your scope, newest first',
    querystring: ListQuery,
    response: { 200: CaseListSchema, ...staffErrors },
  };
  app.get('/cases', { schema: listSchema, onRequest: readers }, async (request) => {
    const scope = caseScope(request.staff!, 'cases:read');
    const { q, ...filters } = request.query;
    const search = q === undefined ? undefined : parseCaseSearch(q);
    if (scope.kind === 'none') return { items: [], nextCursor: null };
    const page = await listCases(app.db, {
      ...filters,
      search,
      scope: scope.kind === 'all' ? 'all' : scope.department,
      limit: request.query.limit ?? 50,
    });
    // A list shows no message text but does show who wrote (masked): it is a read of every case on it.
    // The audit log names what a search looked for (a number, four phone digits, words), never the words.
    if (page.items.length > 0) {
      await recordAudit(app.db, actorOf(request), 'cases.listed', page.items.map((c) => c.id), {
        query: filters,
        ...(search ? { search: searchKinds(search) } : {}),
      });
    }
    return {
      items: page.items.map(caseView),
      nextCursor: page.nextCursor,
      ...(search ? { search: { wordsSince: page.wordsSince?.toISOString() ?? null } } : {}),
    };
  });

  app.post(
    '/cases',
    {
      schema: {
        tags,
        summary: 'Register a walk-in (visit) or homepage (web) case',
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
        response: { 201: CaseSchema, ...staffErrors, ...bodyErrors },
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
        tags,
        summary: "Extend a case's deadline once, telling the resident why",
        params: CaseId,
        body: Type.Object({ days: Type.Integer({ minimum: 1, maximum: 90 }), reason: Type.String({ minLength: 1, maxLength: 300 }) }),
        response: {
          200: Type.Object(
            { id: Id, dueAt: DateTime, noticeMessageId: Nullable(Type.Integer({ description: 'the notice sent to the resident' })) },
            { additionalProperties: false },
          ),
          ...staffErrors,
          ...notFoundError(),
          ...conflictError('`case_closed`, `already_extended` (once only), `no_deadline` (no department yet)'),
          ...bodyErrors,
        },
      },
      onRequest: caseWorkers,
    },
    async (request) => {
      const { dueAt, send } = await extendDeadline(app.db, request.staff!, app.config.deadlines, request.params.id, request.body);
      if (send) await handOff(app.queues, request.log, { send: [send] });
      return { id: request.params.id, dueAt: dueAt.toISOString(), noticeMessageId: send?.messageId ?? null };
    },
  );

  const readSchema = {
    tags,
    summary: 'One case with its messages, events and internal notes',
    params: CaseId,
    response: { 200: CaseDetailSchema, ...staffErrors, ...notFoundError() },
  };
  app.get('/cases/:id', { schema: readSchema, onRequest: readers }, async (request) => {
    const row = await findCaseWithResident(app.db, request.params.id);
    if (!row || !canReachCase(request.staff!, 'cases:read', row)) throw notFound(`case ${request.params.id} not found`);
    const [messages, events, notes, satisfaction, mayorSessions, attachments] = await Promise.all([
      listCaseMessages(app.db, row.id),
      listCaseEvents(app.db, row.id),
      listCaseNotes(app.db, row.id),
      findCaseSatisfaction(app.db, row.id),
      mayorSessionsOfCase(app.db, row.id),
      listCaseAttachments(app.db, row.id),
    ]);
    await recordAudit(app.db, actorOf(request), 'case.read', [row.id]);
    return {
      ...caseView(row),
      messages: messages.map((m) => withAttachments(messageView(m), attachments)),
      events: events.map(eventView),
      notes: notes.map(noteView),
      location: caseLocation(attachments),
      satisfaction: satisfactionView(satisfaction),
      mayorSessions,
    };
  });

  // Internal notes: for whoever can see the case (its department, managers), never the resident.
  app.post(
    '/cases/:id/notes',
    {
      schema: {
        tags,
        summary: 'Add an internal note for colleagues (never sent to the resident)',
        params: CaseId,
        body: Type.Object({ text: Type.String({ minLength: 1, maxLength: NOTE_MAX_CHARS }) }, { additionalProperties: false }),
        response: {
          201: NoteSchema,
          ...staffErrors,
          ...notFoundError(),
          ...conflictError('`case_purged`: retention removed the case\'s text'),
          ...bodyErrors,
        },
      },
      onRequest: app.requirePermission('cases:note'),
    },
    async (request, reply) => {
      const note = await addCaseNote(app.db, request.staff!, request.params.id, request.body.text, request.ip);
      return reply.status(201).send(noteView({ ...note, staff_name: request.staff!.name }));
    },
  );

  // The full number only on an explicit request, with a reason, by the department that owns the case.
  app.post(
    '/cases/:id/resident-phone',
    {
      schema: {
        tags,
        summary: "The resident's full phone number, with a reason (audited)",
        params: CaseId,
        body: PhoneRequest,
        response: {
          200: Type.Object({ caseId: Id, phone: Type.String({ description: 'E.164: +821012345678' }) }, { additionalProperties: false }),
          ...staffErrors,
          ...notFoundError('`not_found` (no such case, or not your department\'s) or `no_phone_number` (KakaoTalk, or removed by retention)'),
          ...bodyErrors,
        },
      },
      onRequest: app.requirePermission('cases:resident-phone'),
    },
    async (request) => revealResidentPhone(app.db, request.staff!, request.params.id, request.body.reason, actorOf(request)),
  );

  // The block list: a sender who abuses the line. Their messages are still kept; their cases close as `exception`.
  app.post(
    '/cases/:id/block-sender',
    {
      schema: {
        tags,
        summary: "Put the case's sender on the block list",
        params: CaseId,
        body: Type.Object({ reason: Type.String({ minLength: 5, maxLength: 500 }) }, { additionalProperties: false }),
        response: { 200: BlockResult, ...staffErrors, ...notFoundError(), ...bodyErrors },
      },
      onRequest: app.requirePermission('senders:block'),
    },
    async (request) => {
      const row = await findCaseWithResident(app.db, request.params.id);
      if (!row || !canReachCase(request.staff!, 'senders:block', row)) throw notFound(`case ${request.params.id} not found`);
      await app.db.transaction().execute(async (trx) => {
        await trx
          .updateTable('residents')
          .set({ blocked_at: new Date(), blocked_by: request.staff!.id, blocked_reason: request.body.reason.trim() })
          .where('id', '=', row.resident_id)
          .execute();
        await recordAudit(trx, actorOf(request), 'resident.blocked', [row.id], { residentId: row.resident_id, reason: request.body.reason.trim() });
      });
      return { caseId: row.id, residentId: row.resident_id, blocked: true };
    },
  );

  app.post(
    '/cases/:id/unblock-sender',
    {
      schema: {
        tags,
        summary: "Take the case's sender off the block list",
        params: CaseId,
        response: { 200: BlockResult, ...staffErrors, ...notFoundError() },
      },
      onRequest: app.requirePermission('senders:block'),
    },
    async (request) => {
      const row = await findCaseWithResident(app.db, request.params.id);
      if (!row || !canReachCase(request.staff!, 'senders:block', row)) throw notFound(`case ${request.params.id} not found`);
      await app.db.transaction().execute(async (trx) => {
        await trx.updateTable('residents').set({ blocked_at: null, blocked_by: null, blocked_reason: null }).where('id', '=', row.resident_id).execute();
        await recordAudit(trx, actorOf(request), 'resident.unblocked', [row.id], { residentId: row.resident_id });
      });
      return { caseId: row.id, residentId: row.resident_id, blocked: false };
    },
  );

  app.post(
    '/cases/:id/replies',
    {
      schema: {
        tags,
        summary: 'Send the resident an interim reply (the case becomes answered)',
        params: CaseId,
        body: Type.Object({ text: AnswerText }),
        response: {
          202: Type.Object(
            { messageId: Nullable(Type.Integer({ description: 'the outbound message, queued for sending' })) },
            { additionalProperties: false },
          ),
          ...staffErrors,
          ...notFoundError(),
          ...caseClosed,
          ...bodyErrors,
        },
      },
      onRequest: caseWorkers,
    },
    async (request, reply) => {
      const { messageId, channel } = await replyToCase(app.db, request.staff!, request.params.id, request.body.text.trim(), request.ip);
      if (messageId !== null && channel !== null) await handOff(app.queues, request.log, { send: [{ channel, messageId }] });
      return reply.status(202).send({ messageId });
    },
  );

  app.post(
    '/cases/:id/close',
    {
      schema: {
        tags,
        summary: 'Close a case with a disposition; the text is the final answer sent to the resident',
        params: CaseId,
        body: Type.Object({ disposition: Code, text: Type.Optional(Type.String({ maxLength: 4000 })) }),
        response: {
          200: Type.Object(
            { id: Id, status: Type.Literal('closed'), messageId: Nullable(Type.Integer({ description: 'the final answer, when one is sent' })) },
            { additionalProperties: false },
          ),
          ...staffErrors,
          ...notFoundError(),
          ...caseClosed,
          ...bodyErrors,
        },
      },
      onRequest: caseWorkers,
    },
    async (request) => {
      const { messageId, channel, question } = await closeCase(app.db, request.staff!, request.params.id, request.body, request.ip, app.config.satisfaction, ondateFooter(app.config));
      if (messageId !== null && channel !== null) await handOff(app.queues, request.log, { send: [{ channel, messageId }, ...(question ? [question] : [])] });
      return { id: request.params.id, status: 'closed' as const, messageId };
    },
  );

  app.post(
    '/cases/:id/assign',
    {
      schema: {
        tags,
        summary: 'Move a case to another department (a routing correction)',
        params: CaseId,
        // The reason is for colleagues (the case's events, the routing corrections), never the resident.
        body: Type.Object({ department: Code, reason: Type.Optional(Type.String({ minLength: 1, maxLength: ASSIGN_REASON_MAX })) }),
        response: {
          200: Type.Object({ id: Id, department: Type.String() }, { additionalProperties: false }),
          ...staffErrors,
          ...notFoundError(),
          ...caseClosed,
          ...bodyErrors,
        },
      },
      onRequest: caseWorkers,
    },
    async (request) => {
      const { department, reason } = request.body;
      await assignCase(app.db, request.staff!, request.params.id, department, request.ip, app.config.deadlines, reason);
      return { id: request.params.id, department };
    },
  );
};

export default casesRoutes;
