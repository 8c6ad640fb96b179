import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseKeyword } from './keywords.js';
import { trainRouter } from './index.js';
import { builtInDepartments } from './built-in.js';

interface DepartmentsFile {
  categories: { code: string }[];
  departments: { code: string; category: string; keywords: string[] }[];
}

const departmentsData = JSON.parse(
  readFileSync(new URL('../../departments/default-departments.json', import.meta.url), 'utf8'),
) as DepartmentsFile & Record<string, unknown>;
/** The keyword rules alone, no examples: what a fresh district with its own file starts from. */
const rulesOnly = trainRouter({ departments: builtInDepartments(), examples: [] });

describe('default-departments.json', () => {
  it('keeps its shape and gives every department keywords in a known category', () => {
    expect(Object.keys(departmentsData)).toEqual(['about', 'categories', 'dispositions', 'departments']);
    const categories = new Set(departmentsData.categories.map((c) => c.code));
    for (const d of departmentsData.departments) {
      expect(categories.has(d.category), d.code).toBe(true);
      expect(d.keywords.length, d.code).toBeGreaterThanOrEqual(20);
      expect(d.keywords.length, d.code).toBeLessThanOrEqual(100);
      for (const k of d.keywords) expect(() => parseKeyword(k), k).not.toThrow();
    }
  });
});

describe('parseKeyword', () => {
  it('reads an optional ^N weight', () => {
    expect(parseKeyword('불법주차^3')).toEqual({ term: '불법주차', weight: 3 });
    expect(parseKeyword('어르신^0.5')).toEqual({ term: '어르신', weight: 0.5 });
    expect(parseKeyword('주차')).toEqual({ term: '주차', weight: 1 });
  });

  it('rejects a zero weight', () => {
    expect(() => parseKeyword('주차^0')).toThrow(/positive/);
  });
});

describe('keyword rules', () => {
  it('match across spacing variants', () => {
    for (const text of ['불법 주차 신고합니다', '불법주차 신고합니다', '불 법 주 차 신고합니다']) {
      expect(rulesOnly.route(text).department, text).toBe('PARKING');
    }
    expect(rulesOnly.route('보도 블록이 들떴어요').department).toBe('ROAD');
  });

  it('do not let a keyword inside a longer one score for another department', () => {
    // '음식' (HYGIENE) lies inside '음식물쓰레기' (CLEAN).
    expect(rulesOnly.route('음식물쓰레기 수거 좀 해주세요').department).toBe('CLEAN');
  });
});
