import { Type } from 'typebox';
import { DateTime, Nullable, OneOf } from '../http/api-schemas.js';
import { CHANNELS } from '../domain/channel.js';
import type { CaseSatisfaction } from './satisfaction.js';

/** A case's satisfaction question and the resident's score (GET /api/cases/:id). */
export const CaseSatisfactionSchema = Nullable(
  Type.Object(
    {
      askedAt: DateTime,
      replyUntil: DateTime,
      channel: OneOf(CHANNELS),
      score: Nullable(Type.Integer({ minimum: 1, maximum: 5, description: '5 매우 만족 … 1 매우 불만; null until the resident answers' })),
      answeredAt: Nullable(DateTime),
    },
    {
      additionalProperties: false,
      description: 'the satisfaction question asked when the case closed with an answer (docs/satisfaction.md); null when none was asked',
    },
  ),
);

export function satisfactionView(s: CaseSatisfaction | null) {
  if (!s) return null;
  return {
    askedAt: s.askedAt.toISOString(),
    replyUntil: s.expiresAt.toISOString(),
    channel: s.channel,
    score: s.score,
    answeredAt: s.answeredAt?.toISOString() ?? null,
  };
}
