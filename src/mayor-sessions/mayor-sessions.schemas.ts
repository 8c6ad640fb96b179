import { Type } from 'typebox';
import { DateTime, Id, Nullable, OneOf } from '../http/api-schemas.js';
import { ONDATE_MODES, ONDATE_STATUSES, VISIT_STATUSES } from './mayor-sessions.table.js';

export const OndateVolunteerSchema = Type.Object(
  {
    id: Id,
    caseId: Id,
    caseNumber: Type.String(),
    channel: Type.String(),
    category: Nullable(Type.String()),
    status: OneOf([...ONDATE_STATUSES]),
    optedInAt: DateTime,
    sessionAt: Nullable(DateTime),
    mode: Nullable(OneOf([...ONDATE_MODES])),
    noticeMessageId: Nullable(Type.Integer({ description: 'the notice telling them, an outbound message on the case' })),
    residentPhone: Nullable(Type.String({ description: 'masked' })),
  },
  { additionalProperties: false },
);

export const VisitRequestSchema = Type.Object(
  {
    id: Id,
    caseId: Id,
    caseNumber: Type.String({ description: 'the application (a `web` case from the homepage, or a `kakao` one)' }),
    channel: Type.String({ description: "the application's channel: `web` (the homepage) or `kakao` (KakaoTalk); the resident is told there" }),
    status: OneOf([...VISIT_STATUSES]),
    sessionId: Nullable(Type.Integer()),
    scheduledAt: Nullable(DateTime),
    noticeMessageId: Nullable(Type.Integer({ description: 'the notice of the session, an outbound message on the application' })),
    outcomeNote: Nullable(Type.String({ description: "how the meeting went, in staff's words (internal; removed by retention)" })),
    outcomeCaseId: Nullable(Type.Integer({ description: 'the case the meeting opened or joined' })),
    outcomeCaseNumber: Nullable(Type.String()),
    outcomeAt: Nullable(DateTime),
    appliedAt: DateTime,
    residentPhone: Nullable(Type.String({ description: 'masked' })),
  },
  { additionalProperties: false },
);

export const VisitSessionSchema = Type.Object(
  { id: Id, startsAt: DateTime, place: Type.String(), requests: Type.Array(VisitRequestSchema) },
  { additionalProperties: false },
);

/** What GET /api/cases/:id shows of the mayor's sessions. */
export const CaseMayorSessionsSchema = Type.Object(
  {
    ondate: Type.Array(OndateVolunteerSchema, { description: '온데이트: the volunteering recorded on this case' }),
    visits: Type.Array(VisitRequestSchema, { description: '찾아가는 구청장실: the application this case is, or the meeting it came from' }),
  },
  { additionalProperties: false },
);
