// Skill requests as Kakao i Open Builder posts them, built from the recorded sample
// (test/fixtures/kakao-skill-request.json, a copy of shared/fixtures/kakao/skill-request.json).
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { SkillResponse } from '../../webhooks/kakao/skill-response.js';
import { fileInbox } from './harness.js';

export const SKILL_PATH = '/webhooks/kakao/skill';
export const SKILL_SECRET = 'test-secret';
export const SKILL_HEADER = 'x-skill-secret';

type Json = Record<string, unknown>;

export interface SkillFixture {
  userRequest: {
    utterance: string;
    params: Json;
    user: { id: string; type: string; properties: Json };
  } & Json;
  bot: { id: string; name: string };
  [key: string]: unknown;
}

const FIXTURE_TEXT = readFileSync(new URL('../fixtures/kakao-skill-request.json', import.meta.url), 'utf8');

/** The recorded request, untouched (a fresh copy each time). */
export function skillFixture(): SkillFixture {
  return JSON.parse(FIXTURE_TEXT) as SkillFixture;
}

export interface SkillRequestOptions {
  userKey?: string;
  utterance?: string;
  /** false: the property is left out, as Kakao does for a resident who has not added the channel. */
  isFriend?: boolean;
  plusfriendUserKey?: string | null;
  botId?: string;
}

/** The recorded request for another resident or utterance. */
export function skillRequest(options: SkillRequestOptions = {}): SkillFixture {
  const body = skillFixture();
  const user = body.userRequest.user;
  if (options.userKey !== undefined) {
    user.id = options.userKey;
    user.properties.botUserKey = options.userKey;
    user.properties.bot_user_key = options.userKey;
  }
  if (options.plusfriendUserKey !== undefined) {
    if (options.plusfriendUserKey === null) {
      delete user.properties.plusfriendUserKey;
      delete user.properties.plusfriend_user_key;
    } else {
      user.properties.plusfriendUserKey = options.plusfriendUserKey;
      user.properties.plusfriend_user_key = options.plusfriendUserKey;
    }
  }
  if (options.isFriend === false) delete user.properties.isFriend;
  if (options.utterance !== undefined) body.userRequest.utterance = options.utterance;
  if (options.botId !== undefined) body.bot.id = options.botId;
  return body;
}

/**
 * Posts a skill request the way Open Builder does, with the shared-secret header unless told
 * otherwise; what it left in the inbox is then filed into its case, as the routing worker would.
 */
export async function postSkill(app: FastifyInstance, body: unknown, options: { secret?: string | null } = {}) {
  const res = await postSkillOnly(app, body, options);
  await fileInbox(app);
  return res;
}

/** Posts a skill request and leaves what it stored in the inbox. */
export function postSkillOnly(app: FastifyInstance, body: unknown, options: { secret?: string | null } = {}) {
  const secret = options.secret === undefined ? SKILL_SECRET : options.secret;
  return app.inject({
    method: 'POST',
    url: SKILL_PATH,
    headers: {
      'content-type': 'application/json;charset=UTF-8',
      ...(secret === null ? {} : { [SKILL_HEADER]: secret }),
    },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** Posts a request that must succeed; returns the SkillResponse and its bubbles' texts. */
export async function askSkill(app: FastifyInstance, body: unknown): Promise<{ response: SkillResponse; texts: string[] }> {
  const res = await postSkill(app, body);
  if (res.statusCode !== 200) throw new Error(`skill answered ${res.statusCode}: ${res.body}`);
  const response = res.json<SkillResponse>();
  return { response, texts: response.template.outputs.map((o) => o.simpleText.text) };
}

/** Text as the resident reads it, whitespace aside: for checking that nothing was cut at the bubble breaks. */
export function squash(text: string): string {
  return text.replace(/\s+/g, '');
}

/**
 * A long answer written the way staff write: sentences and paragraphs, so the bubble
 * breaks fall between words. Exactly `length` characters; `seed` makes each one distinct.
 */
export function longAnswer(length: number, seed = 0): string {
  const sentences = [
    '현장을 확인한 결과 요청하신 구간의 보도블록이 파손되어 있었습니다.',
    '담당 부서에서 보수 공사를 예약하였으며 공사 기간 동안 임시 안전시설을 설치합니다.',
    '불편을 드려 죄송하며 추가로 문의하실 내용이 있으면 언제든지 말씀해 주십시오.',
    '관련 법령에 따라 처리 결과는 민원 처리 기록에 남겨 두었습니다.',
  ];
  let text = `답변 ${seed}번. `;
  for (let i = 0; [...text].length < length; i++) {
    text += sentences[(i + seed) % sentences.length]!;
    text += i % 5 === 4 ? '\n\n' : ' ';
  }
  return [...text].slice(0, length - 1).join('').trimEnd().padEnd(length - 1, '.') + '끝';
}
