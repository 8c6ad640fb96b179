/**
 * Splits text into pieces of at most `max` characters (code points), preferring to cut
 * between paragraphs, then lines, then words. Nothing is dropped: joining the pieces
 * gives back the text, less the whitespace at the cuts.
 */
export function splitText(text: string, max: number): string[] {
  if (max < 1) throw new RangeError('max must be at least 1');
  const pieces: string[] = [];
  let rest = [...text.trim()];
  while (rest.length > max) {
    const window = rest.slice(0, max + 1).join('');
    const cut = lastBreak(window, max);
    pieces.push([...window].slice(0, cut).join('').trimEnd());
    rest = [...rest.slice(cut).join('').trimStart()];
  }
  if (rest.length > 0) pieces.push(rest.join(''));
  return pieces;
}

/** Where to cut `window` (max + 1 code points) so the first part holds at most `max`. */
function lastBreak(window: string, max: number): number {
  const chars = [...window];
  const head = chars.slice(0, max + 1).join('');
  // A cut too early would make many tiny pieces; only look in the last third.
  const floor = Math.floor(max * 0.66);
  for (const separator of ['\n\n', '\n', ' ']) {
    const at = head.lastIndexOf(separator);
    if (at > 0) {
      const cut = [...head.slice(0, at)].length;
      if (cut >= floor && cut <= max) return cut;
    }
  }
  return max;
}
