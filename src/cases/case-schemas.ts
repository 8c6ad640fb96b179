import { CaseMayorSessionsSchema } from '../mayor-sessions/mayor-sessions.schemas.js';
import { AttachmentSchema, LocationSchema } from '../attachments/attachment-view.js';
import { Type } from 'typebox';
import { CASE_STATUSES } from './case.table.js';
import { CASE_CHANNELS } from '../domain/channel.js';
import { DELIVERY_STATUSES } from '../outbound/delivery-status.js';
import { DateTime, Id, Nullable, OneOf } from '../http/api-schemas.js';
import { CaseSatisfactionSchema } from '../satisfaction/satisfaction-schemas.js';

// The response schemas of the staff API's case routes: what caseView, messageView, eventView
// and noteView (case-view.ts, case-notes.ts) return, field for field. A field a view gains
// must be added here too, or the serialiser drops it (test/openapi.test.ts compares them).

const DepartmentCode = Type.String({ description: 'department code (ROAD, PARKING, …)' });

export const CaseSchema = Type.Object(
  {
    id: Id,
    caseNumber: Type.String({ description: 'the number residents are told: 2026-000123' }),
    channel: OneOf(CASE_CHANNELS),
    status: OneOf(CASE_STATUSES),
    category: Nullable(Type.String()),
    department: Nullable(DepartmentCode),
    disposition: Nullable(Type.String({ description: 'set when closed: resolved, scheduled, explained, …' })),
    receivedAt: DateTime,
    answeredAt: Nullable(DateTime),
    closedAt: Nullable(DateTime),
    purgedAt: Nullable(Type.String({ format: 'date-time', description: 'when retention removed the text and contact details' })),
    dueAt: Nullable(DateTime),
    overdue: Type.Boolean({ description: 'open and past its due time' }),
    deadline: Nullable(
      Type.Object(
        {
          workingDays: Type.Integer(),
          interimNoticeAt: Nullable(DateTime),
          extension: Nullable(Type.Object({ at: DateTime, days: Nullable(Type.Integer()), reason: Nullable(Type.String()) }, { additionalProperties: false })),
        },
        { additionalProperties: false, description: 'null until the case has a department' },
      ),
    ),
    resident: Type.Object(
      {
        id: Id,
        phone: Nullable(Type.String({ description: 'always masked: 010-****-5678' })),
        blocked: Type.Optional(Type.Boolean({ description: 'on the block list (shown where the query read it)' })),
      },
      { additionalProperties: false },
    ),
    kind: Nullable(OneOf(['complaint', 'proposal', 'question', 'thanks', 'spam'])),
    routing: Nullable(
      Type.Object(
        {
          router: Type.String(),
          department: DepartmentCode,
          confidence: Type.Number(),
          reasons: Type.Array(Type.String(), { description: 'the words that weighed most' }),
          candidates: Type.Array(
            Type.Object({ department: DepartmentCode, category: Type.String(), score: Type.Number() }, { additionalProperties: false }),
            { description: 'best departments first, for the triage officer' },
          ),
          triage: Nullable(OneOf(['low_confidence', 'spam'])),
          suggestedDisposition: Nullable(Type.String()),
        },
        { additionalProperties: false, description: "the router's decision; null before routing and for cases staff registered with a department" },
      ),
    ),
  },
  { additionalProperties: false },
);

export const MessageSchema = Type.Object(
  {
    id: Id,
    direction: OneOf(['in', 'out']),
    kind: OneOf(['resident', 'acknowledgement', 'interim', 'answer', 'survey']),
    text: Type.String({ description: 'empty once retention removed it' }),
    createdAt: DateTime,
    // Outbound messages only:
    deliveryStatus: Type.Optional(Nullable(OneOf(DELIVERY_STATUSES, 'outbound messages only'))),
    errorCode: Type.Optional(Nullable(Type.String({ description: "outbound only: the provider's code on failure" }))),
    errorMessage: Type.Optional(Nullable(Type.String())),
    sentAt: Type.Optional(Nullable(DateTime)),
    attachments: Type.Optional(Type.Array(AttachmentSchema, { description: "inbound only: the photos the resident sent with it (docs/photos.md)" })),
  },
  { additionalProperties: false },
);

export const EventSchema = Type.Object(
  {
    id: Id,
    type: Type.String({ description: 'received, message_added, routed, assigned, replied, closed, delivery_failed, answer_pulled, delivery_retried, deadline_extended, interim_notice, note_added, satisfaction_asked, satisfaction' }),
    staffId: Nullable(Type.Integer({ description: 'null for the system' })),
    data: Type.Record(Type.String(), Type.Unknown(), { description: "the event's details (a note's id, never its text)" }),
    createdAt: DateTime,
  },
  { additionalProperties: false },
);

export const NoteSchema = Type.Object(
  {
    id: Id,
    staffId: Nullable(Type.Integer()),
    staffName: Nullable(Type.String()),
    text: Type.String(),
    createdAt: DateTime,
  },
  { additionalProperties: false },
);

export const CaseDetailSchema = Type.Object(
  {
    ...CaseSchema.properties,
    messages: Type.Array(MessageSchema, { description: 'oldest first' }),
    events: Type.Array(EventSchema, { description: 'oldest first' }),
    notes: Type.Array(NoteSchema, { description: 'internal notes, oldest first; never sent to the resident' }),
    satisfaction: CaseSatisfactionSchema,
    mayorSessions: CaseMayorSessionsSchema,
    location: Nullable(
      Type.Object(
        { ...LocationSchema.properties, attachmentId: Id },
        { additionalProperties: false, description: "where the case's first located photo was taken (its EXIF GPS); null when none says" },
      ),
    ),
  },
  { additionalProperties: false },
);

export const CaseListSchema = Type.Object(
  {
    items: Type.Array(CaseSchema),
    nextCursor: Nullable(Type.String({ description: 'pass as `cursor` for the next page; null on the last page' })),
    search: Type.Optional(
      Type.Object(
        { wordsSince: Nullable(Type.String({ format: 'date-time', description: 'two-character words alone: searched only from this instant on (null: the whole period)' })) },
        { additionalProperties: false, description: 'only with `q`' },
      ),
    ),
  },
  { additionalProperties: false },
);
