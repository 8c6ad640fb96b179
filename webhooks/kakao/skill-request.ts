import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from 'typebox';
import { secretMatcher } from '../shared-secret.js';
import type { KakaoConfig } from '../../src/config/config.js';
import type { KakaoIdentity } from '../../src/residents/resident-repository.js';

// Open Builder adds fields without notice: only what we read is described, the rest is kept.
export const SkillRequest = Type.Object(
  {
    userRequest: Type.Object(
      {
        utterance: Type.Optional(Type.String({ maxLength: 20_000 })),
        user: Type.Object(
          {
            id: Type.String({ minLength: 1, maxLength: 128 }),
            type: Type.Optional(Type.String({ maxLength: 64 })),
            properties: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
          },
          { additionalProperties: true },
        ),
        params: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
      },
      { additionalProperties: true },
    ),
    bot: Type.Optional(Type.Object({ id: Type.Optional(Type.String({ maxLength: 128 })) }, { additionalProperties: true })),
  },
  { additionalProperties: true },
);
export type SkillRequest = Static<typeof SkillRequest>;

function text(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

/** The resident behind a skill request: user.id (the botUserKey), and the other keys from camelCase or snake_case copies. */
export function readIdentity(request: SkillRequest): KakaoIdentity {
  const user = request.userRequest.user;
  const p = user.properties ?? {};
  return {
    userKey: user.id,
    plusfriendUserKey: text(p.plusfriendUserKey) ?? text(p.plusfriend_user_key),
    appUserId: text(p.appUserId) ?? text(p.app_user_id),
    // Kakao sends isFriend only when it is true.
    isFriend: p.isFriend === true || p.is_friend === true,
  };
}

/** The bot's test console ("봇 테스트") calls with its own, separate user keys. */
export function isBotTester(request: SkillRequest): boolean {
  return request.userRequest.params?.surface === 'BuilderBotTest';
}

/**
 * Open Builder signs nothing: the skill's custom header carries a shared secret,
 * compared in constant time, and the bot id is checked when configured.
 */
export function skillCallerCheck(config: KakaoConfig) {
  const sameSecret = config.skillSecret === null ? null : secretMatcher(config.skillSecret);
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (sameSecret !== null) {
      const given = request.headers[config.skillHeader];
      if (typeof given !== 'string' || given === '') {
        return reply.status(403).send({ error: { code: 'secret_missing', message: `header ${config.skillHeader} is required` } });
      }
      if (!sameSecret(given)) {
        return reply.status(403).send({ error: { code: 'secret_invalid', message: `header ${config.skillHeader} does not match` } });
      }
    }
    if (config.botId !== null) {
      const bot = (request.body as { bot?: { id?: unknown } } | undefined)?.bot;
      const botId = typeof bot?.id === 'string' ? bot.id.replace(/!$/, '') : null;
      if (botId !== config.botId) {
        return reply.status(403).send({ error: { code: 'bot_mismatch', message: 'the request comes from another bot' } });
      }
    }
  };
}
