import { describe, expect, it } from 'vitest';
import { splitText } from './split-text.js';

describe('splitText', () => {
  it('keeps short text whole', () => {
    expect(splitText('안녕하세요', 10)).toEqual(['안녕하세요']);
  });

  it('cuts between paragraphs, then lines, then words, never beyond the limit', () => {
    const text = `${'가'.repeat(70)}\n\n${'나'.repeat(50)} ${'다'.repeat(40)}\n${'라'.repeat(30)}`;
    const pieces = splitText(text, 100);
    expect(pieces.every((p) => [...p].length <= 100)).toBe(true);
    expect(pieces[0]).toBe('가'.repeat(70));
    expect(pieces.join('').replace(/\s+/g, '')).toBe(text.replace(/\s+/g, ''));
  });

  it('cuts a long word hard rather than losing any of it', () => {
    const pieces = splitText('가'.repeat(250), 100);
    expect(pieces.map((p) => p.length)).toEqual([100, 100, 50]);
  });

  it('counts emoji as one character and never splits one', () => {
    const text = '😀'.repeat(15);
    const pieces = splitText(text, 10);
    expect(pieces.map((p) => [...p].length)).toEqual([10, 5]);
    expect(pieces.join('')).toBe(text);
  });

  it('splits by weight: Hangul weighing two bytes fills half as many characters', () => {
    const bytes = (c: string) => (c.charCodeAt(0) < 0x80 ? 1 : 2);
    const pieces = splitText(`${'가'.repeat(30)} ${'나'.repeat(30)} abc`, 90, bytes);
    expect(pieces).toEqual(['가'.repeat(30), `${'나'.repeat(30)} abc`]);
    expect(splitText('가'.repeat(50), 90, bytes).map((p) => p.length)).toEqual([45, 5]);
  });
});
