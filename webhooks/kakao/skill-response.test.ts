import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CHECK_ANSWERS, SKILL_LIMITS, packBlocks, skillResponse } from './skill-response.js';
import { answerBlock, asksForAnswers, hasNoContent, moreAnswersNotice } from './replies.js';
import { ANSWER_LIMITS } from '../../src/outbound/channel-limits.js';

const chars = (text: string) => [...text].length;
/** Whitespace aside: a bubble break may fall on a space or a paragraph break. */
const squash = (text: string) => text.replace(/\s+/g, '');
const notice = (remaining: number) => `남은 ${remaining}건은 다시 확인하세요.`;

/** Words of varied length, so bubble breaks fall between words as in real answers. */
function words(length: number, seed = 1): string {
  let state = seed;
  const next = () => (state = (state * 1103515245 + 12345) % 2 ** 31);
  let text = '';
  while (chars(text) < length) {
    const word = '가나다라마바사아자차카타파하'.slice(0, 1 + (next() % 9));
    text += word + (next() % 17 === 0 ? '\n\n' : next() % 7 === 0 ? '\n' : ' ');
  }
  return [...text].slice(0, length - 1).join('').trimEnd().padEnd(length - 1, '.') + '끝';
}

describe('skillResponse', () => {
  it('builds the SkillResponse 2.0 of the recorded example, with the "답변 확인" quick reply', () => {
    const example = JSON.parse(
      readFileSync(new URL('../../test/fixtures/kakao-skill-response-example.json', import.meta.url), 'utf8'),
    ) as { template: { outputs: { simpleText: { text: string } }[] } };
    const text = example.template.outputs[0]!.simpleText.text;
    expect(skillResponse([text])).toEqual(example);
  });

  it('accepts one to three outputs of up to 1,000 characters and up to 10 quick replies', () => {
    const full = '가'.repeat(SKILL_LIMITS.text);
    const response = skillResponse([full, full, full], Array.from({ length: 10 }, (_, i) => `선택 ${i}`));
    expect(response.template.outputs).toHaveLength(3);
    expect(response.template.quickReplies).toHaveLength(10);
    // Characters, not UTF-16 units: 1,000 emoji are 1,000 characters.
    expect(skillResponse(['😀'.repeat(1000)]).template.outputs[0]!.simpleText.text).toHaveLength(2000);
    // No quick replies: the field is left out rather than sent empty.
    expect(skillResponse(['안녕하세요'], []).template).not.toHaveProperty('quickReplies');
  });

  it('throws on anything Kakao would refuse or cut', () => {
    expect(() => skillResponse([])).toThrow(RangeError);
    expect(() => skillResponse(['1', '2', '3', '4'])).toThrow(/1 to 3 outputs, not 4/);
    expect(() => skillResponse(['가'.repeat(1001)])).toThrow(/not 1001/);
    expect(() => skillResponse(['짧은 글', '😀'.repeat(1001)])).toThrow(RangeError);
    expect(() => skillResponse([''])).toThrow(RangeError);
    expect(() => skillResponse(['안녕'], Array.from({ length: 11 }, (_, i) => `선택 ${i}`))).toThrow(/at most 10/);
    expect(() => skillResponse(['안녕'], ['열다섯 글자가 넘는 아주 긴 라벨입니다'])).toThrow(/label too long/);
    expect(() => skillResponse(['안녕'], ['가'.repeat(15)])).toThrow(RangeError);
    expect(skillResponse(['안녕'], ['가'.repeat(14)]).template.quickReplies).toEqual([
      { label: '가'.repeat(14), action: 'message', messageText: '가'.repeat(14) },
    ]);
  });
});

describe('packBlocks', () => {
  function expectWithinLimits(bubbles: string[]) {
    expect(bubbles.length).toBeGreaterThanOrEqual(1);
    expect(bubbles.length).toBeLessThanOrEqual(SKILL_LIMITS.outputs);
    for (const bubble of bubbles) {
      expect(chars(bubble)).toBeGreaterThan(0);
      expect(chars(bubble)).toBeLessThanOrEqual(SKILL_LIMITS.text);
    }
    // Whatever packBlocks returns must be accepted by the builder.
    expect(() => skillResponse(bubbles)).not.toThrow();
  }

  it('lets short blocks share one bubble, in order, with no notice', () => {
    const packed = packBlocks(['첫째', '둘째', '셋째'], notice);
    expect(packed).toEqual({ bubbles: ['첫째\n\n둘째\n\n셋째'], included: 3 });
  });

  it('spreads a 2,500-character block over three bubbles, cut between words, nothing lost', () => {
    const block = words(2500);
    const packed = packBlocks([block], notice);
    expect(packed.included).toBe(1);
    expect(packed.bubbles).toHaveLength(3);
    expectWithinLimits(packed.bubbles);
    expect(squash(packed.bubbles.join(''))).toBe(squash(block));
    expect(packed.bubbles.at(-1)!.endsWith('끝')).toBe(true);
  });

  it('leaves out whole the blocks that do not fit and says how many are left', () => {
    const blocks = [words(800, 1), words(800, 2), words(800, 3), words(800, 4), words(800, 5)];
    const packed = packBlocks(blocks, notice);
    expect(packed.included).toBe(3);
    expectWithinLimits(packed.bubbles);
    // The notice shares the last bubble, which has room for it.
    expect(packed.bubbles).toHaveLength(3);
    expect(packed.bubbles[2]!.endsWith(notice(2))).toBe(true);
    const shown = packed.bubbles.join('\n\n').replace(notice(2), '');
    expect(squash(shown)).toBe(squash(blocks.slice(0, 3).join('')));
  });

  it('drops a block rather than the notice when the notice has no room left', () => {
    // Three bubbles filled to the brim: the notice needs a bubble of its own, so the third block waits.
    const blocks = ['가'.repeat(995), '나'.repeat(995), '다'.repeat(995), '라'.repeat(10)];
    const packed = packBlocks(blocks, notice);
    expect(packed).toEqual({ bubbles: ['가'.repeat(995), '나'.repeat(995), notice(2)], included: 2 });
  });

  it('keeps within the limits and never cuts a block, whatever the mix of sizes', () => {
    // Up to the longest answer block: 1,900 characters and its "[접수번호 …]" line.
    const sizes = [5, 40, 300, 700, 990, 1000, 1001, 1500, 1800, 1926];
    for (let seed = 1; seed <= 200; seed++) {
      const count = 1 + (seed % 6);
      const blocks = Array.from({ length: count }, (_, i) => words(sizes[(seed * 7 + i * 3) % sizes.length]!, seed * 10 + i));
      const packed = packBlocks(blocks, notice);
      expectWithinLimits(packed.bubbles);
      expect(packed.included).toBeGreaterThanOrEqual(1);
      const remaining = blocks.length - packed.included;
      const shown = packed.bubbles.join('\n\n');
      if (remaining > 0) {
        expect(shown.endsWith(notice(remaining))).toBe(true);
      } else {
        expect(shown).not.toContain('다시 확인하세요');
      }
      // The included blocks are there whole, in order; nothing else is.
      expect(squash(remaining > 0 ? shown.slice(0, -notice(remaining).length) : shown)).toBe(
        squash(blocks.slice(0, packed.included).join('')),
      );
    }
  });

  it('fits the longest answer staff may send, whole, with the notice for the next ones', () => {
    // Paragraph breaks placed to make splitText cut as early as it may.
    const text = ['가'.repeat(661), '나'.repeat(661), '다'.repeat(ANSWER_LIMITS.kakao - 2 * 661 - 4)].join('\n\n');
    expect(text).toHaveLength(ANSWER_LIMITS.kakao);
    const first = answerBlock({ id: 1, caseId: 1, caseNumber: '2026-000123', kind: 'answer', text });
    // Too long to share the last bubble: it waits for the next "답변 확인".
    const next = answerBlock({ id: 2, caseId: 2, caseNumber: '2026-000124', kind: 'interim', text: words(900) });
    const packed = packBlocks([first, next], moreAnswersNotice);
    expect(packed.included).toBe(1);
    expectWithinLimits(packed.bubbles);
    expect(packed.bubbles.join('\n\n')).toContain(moreAnswersNotice(1));
    expect(squash(packed.bubbles.join(''))).toContain(squash(text));
  });

  it('keeps the notice when the first block fills all three bubbles', () => {
    // 659 + 659 + 989 characters: the third bubble has no room left for the notice.
    const block = ['가 '.repeat(330).trim(), '나 '.repeat(330).trim(), '다 '.repeat(495).trim()].join('\n\n');
    const packed = packBlocks([block, '둘째 답변', '셋째 답변'], moreAnswersNotice);
    expect(packed.included).toBe(1);
    expectWithinLimits(packed.bubbles);
    expect(packed.bubbles.at(-1)!.endsWith(moreAnswersNotice(2))).toBe(true);
    expect(squash(packed.bubbles.join('')).replace(squash(moreAnswersNotice(2)), '')).toBe(squash(block));
  });

  it('shows the start of a block longer than three bubbles but does not count it as included', () => {
    // Staff cannot send an answer this long (ANSWER_LIMITS); if one gets here it stays unread.
    const packed = packBlocks([words(3500)], notice);
    expect(packed.included).toBe(0);
    expectWithinLimits(packed.bubbles);
  });
});

describe('replies', () => {
  it('recognises "답변 확인" typed with or without spaces', () => {
    expect(CHECK_ANSWERS).toBe('답변 확인');
    expect(asksForAnswers('답변 확인')).toBe(true);
    expect(asksForAnswers('답변확인')).toBe(true);
    expect(asksForAnswers(' 답변 확인 ')).toBe(true);
    expect(asksForAnswers('답변\n확인')).toBe(true);
    expect(asksForAnswers('답변 확인 부탁드려요')).toBe(false);
    expect(asksForAnswers('답변')).toBe(false);
    expect(asksForAnswers('')).toBe(false);
  });

  it('finds nothing to file in blanks, emoji, symbols and sticker placeholders', () => {
    for (const empty of ['', '   ', '\n\t', '😀😀', '👍', '?!', '...', '(이모티콘)', '이모티콘', '[이모티콘]', '(스티커)', ' (이모티콘) ']) {
      expect(hasNoContent(empty), JSON.stringify(empty)).toBe(true);
    }
  });

  it('files anything with a letter or a digit, Hangul jamo included', () => {
    // ㅋ (U+314B, Hangul Compatibility Jamo) is a letter (Lo): 'ㅋㅋ' is filed as a message.
    expect(hasNoContent('ㅋㅋ')).toBe(false);
    expect(hasNoContent('ㅠㅠ')).toBe(false);
    expect(hasNoContent('가로등 고장 😢')).toBe(false);
    expect(hasNoContent('119')).toBe(false);
    expect(hasNoContent('(이모티콘) 가로등이 꺼졌어요')).toBe(false);
    expect(hasNoContent('이모티콘이 안 보여요')).toBe(false);
  });

  it('labels each pulled answer with its case number and kind', () => {
    expect(answerBlock({ id: 1, caseId: 1, caseNumber: '2026-000123', kind: 'answer', text: '수리했습니다.' })).toBe(
      '[접수번호 2026-000123 답변]\n수리했습니다.',
    );
    expect(answerBlock({ id: 1, caseId: 1, caseNumber: '2026-000123', kind: 'interim', text: '확인 중입니다.' })).toMatch(
      /^\[접수번호 2026-000123 중간 답변\]\n/,
    );
    expect(moreAnswersNotice(2)).toContain('2건');
    expect(moreAnswersNotice(2)).toContain(CHECK_ANSWERS);
  });
});
