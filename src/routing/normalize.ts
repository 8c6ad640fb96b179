/**
 * Text normalisation shared by the keyword router for both messages and
 * keywords, so that both sides are compared in the same form.
 */

/**
 * NFKC (full-width Latin/digits become ASCII, Hangul is composed), Latin
 * lowercased, punctuation and symbols turned into spaces (so '○○빌딩' or
 * 'CCTV,' do not get in the way), whitespace collapsed.
 */
export function normalizeText(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Removes all whitespace, so '불법 주차' and '불법주차' compare equal. */
export function compactText(normalized: string): string {
  return normalized.replace(/\s+/g, '');
}
