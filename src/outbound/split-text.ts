/** How much one character (code point) counts against a limit: 1 per character by default. */
export type CharWeight = (char: string) => number;

const ONE: CharWeight = () => 1;

/**
 * Splits text into pieces that each weigh at most `max` (by default: at most `max` code
 * points), preferring to cut between paragraphs, then lines, then words. Nothing is
 * dropped: joining the pieces gives back the text, less the whitespace at the cuts.
 * With a weight (EUC-KR bytes: 1 for ASCII, 2 for Hangul) the same rules hold in bytes.
 */
export function splitText(text: string, max: number, weigh: CharWeight = ONE): string[] {
  if (max < 1) throw new RangeError('max must be at least 1');
  const pieces: string[] = [];
  let rest = [...text.trim()];
  while (weightOf(rest, weigh) > max) {
    const fits = fittingCount(rest, max, weigh);
    if (fits === 0) throw new RangeError(`a single character weighs more than ${max}`);
    const window = rest.slice(0, fits + 1).join('');
    const cut = lastBreak(window, fits);
    pieces.push(rest.slice(0, cut).join('').trimEnd());
    rest = [...rest.slice(cut).join('').trimStart()];
  }
  if (rest.length > 0) pieces.push(rest.join(''));
  return pieces;
}

function weightOf(chars: string[], weigh: CharWeight): number {
  let total = 0;
  for (const c of chars) total += weigh(c);
  return total;
}

/** How many leading characters fit in `max`. */
function fittingCount(chars: string[], max: number, weigh: CharWeight): number {
  let total = 0;
  for (let i = 0; i < chars.length; i++) {
    total += weigh(chars[i]!);
    if (total > max) return i;
  }
  return chars.length;
}

/** Where to cut `window` (fits + 1 code points) so the first part holds at most `fits` characters. */
function lastBreak(window: string, fits: number): number {
  // A cut too early would make many tiny pieces; only look in the last third.
  const floor = Math.floor(fits * 0.66);
  for (const separator of ['\n\n', '\n', ' ']) {
    const at = window.lastIndexOf(separator);
    if (at > 0) {
      const cut = [...window.slice(0, at)].length;
      if (cut >= floor && cut <= fits) return cut;
    }
  }
  return fits;
}
