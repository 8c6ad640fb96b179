// SkillResponse 2.0 as Kakao i Open Builder renders it, within its limits.
import { Type, type Static } from 'typebox';
import { splitText } from '../../src/outbound/split-text.js';

export const SKILL_LIMITS = {
  outputs: 3,
  /** Characters per simpleText; past 500 Kakao folds the rest behind "전체 보기". */
  text: 1000,
  quickReplies: 10,
  /** Quick-reply labels beyond this are cut by the client. */
  label: 14,
} as const;

/** The quick reply that lets a resident fetch answers (pull). */
export const CHECK_ANSWERS = '답변 확인';

/** What the skill answers Kakao: also the route's response schema, so fastify serializes it compiled. */
export const SkillResponse = Type.Object({
  version: Type.Literal('2.0'),
  template: Type.Object({
    outputs: Type.Array(Type.Object({ simpleText: Type.Object({ text: Type.String() }) })),
    quickReplies: Type.Optional(
      Type.Array(Type.Object({ label: Type.String(), action: Type.Literal('message'), messageText: Type.String() })),
    ),
  }),
});
export type SkillResponse = Static<typeof SkillResponse>;

/** Builds a SkillResponse; throws on anything Kakao would refuse or cut, which is a bug in the caller. */
export function skillResponse(texts: string[], quickReplies: string[] = [CHECK_ANSWERS]): SkillResponse {
  if (texts.length < 1 || texts.length > SKILL_LIMITS.outputs) throw new RangeError(`a SkillResponse holds 1 to 3 outputs, not ${texts.length}`);
  for (const text of texts) {
    const length = [...text].length;
    if (length === 0 || length > SKILL_LIMITS.text) throw new RangeError(`a simpleText holds 1 to 1000 characters, not ${length}`);
  }
  if (quickReplies.length > SKILL_LIMITS.quickReplies) throw new RangeError('at most 10 quick replies');
  for (const label of quickReplies) {
    if ([...label].length > SKILL_LIMITS.label) throw new RangeError(`quick-reply label too long: ${label}`);
  }
  return {
    version: '2.0',
    template: {
      outputs: texts.map((text) => ({ simpleText: { text } })),
      ...(quickReplies.length > 0
        ? { quickReplies: quickReplies.map((label) => ({ label, action: 'message' as const, messageText: label })) }
        : {}),
    },
  };
}

export interface Packed {
  bubbles: string[];
  /** How many blocks are in the bubbles, whole; the rest did not fit. */
  included: number;
}

/**
 * Lays text blocks into at most three bubbles. A block is never cut off: it goes in whole
 * (over several bubbles if it must) or waits for the next "답변 확인". When some wait,
 * `moreNotice(count)` is added so the resident knows to ask again.
 */
export function packBlocks(blocks: string[], moreNotice: (remaining: number) => string): Packed {
  const attempt = (count: number): string[] | null => {
    const bubbles: string[] = [];
    for (const block of blocks.slice(0, count)) {
      const last = bubbles[bubbles.length - 1];
      if (last !== undefined && [...last].length + 2 + [...block].length <= SKILL_LIMITS.text) {
        bubbles[bubbles.length - 1] = `${last}\n\n${block}`;
        continue;
      }
      bubbles.push(...splitText(block, SKILL_LIMITS.text));
      if (bubbles.length > SKILL_LIMITS.outputs) return null;
    }
    const remaining = blocks.length - count;
    if (remaining === 0) return bubbles;
    const notice = moreNotice(remaining);
    const last = bubbles[bubbles.length - 1];
    if (last !== undefined && [...last].length + 2 + [...notice].length <= SKILL_LIMITS.text) {
      bubbles[bubbles.length - 1] = `${last}\n\n${notice}`;
      return bubbles;
    }
    if (bubbles.length < SKILL_LIMITS.outputs) return [...bubbles, notice];
    return null;
  };
  // The most blocks that fit with the notice; at least the first block always goes.
  for (let count = blocks.length; count >= 1; count--) {
    const bubbles = attempt(count);
    if (bubbles) return { bubbles, included: count };
  }
  // The first block fills the three bubbles and leaves no room for the notice: cut its
  // bubbles shorter (between words if that still fits, anywhere otherwise), so the
  // resident still learns that more is waiting.
  const remaining = blocks.length - 1;
  if (blocks[0] !== undefined && remaining > 0) {
    const notice = moreNotice(remaining);
    const room = SKILL_LIMITS.text - 2 - [...notice].length;
    for (const pieces of [splitText(blocks[0], room), cutEvery(blocks[0], room)]) {
      if (pieces.length <= SKILL_LIMITS.outputs) {
        pieces[pieces.length - 1] = `${pieces[pieces.length - 1]!}\n\n${notice}`;
        return { bubbles: pieces, included: 1 };
      }
    }
  }
  // Only a block longer than three bubbles gets here (answers are kept shorter than that):
  // show its start, but do not count it as seen.
  const pieces = blocks[0] === undefined ? [] : splitText(blocks[0], SKILL_LIMITS.text);
  return { bubbles: pieces.slice(0, SKILL_LIMITS.outputs), included: pieces.length > 0 && pieces.length <= SKILL_LIMITS.outputs ? 1 : 0 };
}

/** Cuts text into pieces of exactly `size` characters (the last one shorter), keeping every character. */
function cutEvery(text: string, size: number): string[] {
  const chars = [...text.trim()];
  const pieces: string[] = [];
  for (let at = 0; at < chars.length; at += size) pieces.push(chars.slice(at, at + size).join(''));
  return pieces;
}
