// The documentation (docs/operations.md, docs/channels.md; the README links to both) is what an
// operator configures the providers by: what it promises about them must be what the providers do
// (shared/fixtures/README.md).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const doc = (file: string) => readFileSync(new URL(`../${file}`, import.meta.url), 'utf8');
const section = (text: string, heading: string) => {
  const start = text.indexOf(`\n${heading}\n`);
  expect(start, heading).toBeGreaterThan(-1);
  const next = text.slice(start + heading.length + 2).search(/\n#{2,3} /);
  return text.slice(start, next === -1 ? undefined : start + heading.length + 2 + next);
};

describe('docs: what a 503 from the webhooks leads to', () => {
  const outage = section(doc('docs/operations.md'), '### When Postgres or Redis is away');
  const both = outage.split('\n').find((line) => line.startsWith('| **both** |'))!;

  it('promises no retry from Kakao or Twilio: neither re-sends a failed webhook', () => {
    expect(both).toBeDefined();
    expect(both).toContain('503');
    expect(both).not.toMatch(/Kakao and Twilio retry/);
    expect(both).toMatch(/Kakao does not retry/);
    expect(both).toMatch(/Twilio does not retry/);
    expect(both).toContain('not kept');
  });

  it('says Twilio falls back only to a configured Fallback URL, and where to set it', () => {
    expect(both).toContain('Fallback URL');
    const twilio = section(doc('docs/channels.md'), '## Connecting Twilio');
    expect(twilio).toContain('"Primary handler fails"');
    expect(twilio).toContain('Fallback URL');
    expect(twilio).toMatch(/never re-sends/);
  });
});
