import { Type } from 'typebox';
import { DateTime, Id, Nullable, OneOf } from '../http/api-schemas.js';
import { ONDATE_MODES, ONDATE_STATUSES } from './mayor-sessions.table.js';

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

/** What GET /api/cases/:id shows of the mayor's sessions. */
export const CaseMayorSessionsSchema = Type.Object(
  {
    ondate: Type.Array(OndateVolunteerSchema, { description: '온데이트: the volunteering recorded on this case' }),
  },
  { additionalProperties: false },
);
