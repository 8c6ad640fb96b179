// The README is the front door and docs/ holds the rest: every relative link between them must
// reach a file that exists and, when it names an #anchor, a heading of that file. Anchors follow
// GitHub's rules (lowercase, punctuation removed, spaces to '-', Korean kept, repeats get -1, -2).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/paths.js';

/** The text outside fenced code blocks, with inline code spans reduced to their content. */
function prose(markdown: string): string[] {
  let fenced = false;
  return markdown.split('\n').filter((line) => {
    if (/^\s*(```|~~~)/.test(line)) {
      fenced = !fenced;
      return false;
    }
    return !fenced;
  });
}

/** GitHub's anchor for a heading's text. */
function githubAnchor(heading: string): string {
  const text = heading
    .replace(/`([^`]*)`/g, '$1')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
}

function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of prose(markdown)) {
    const heading = /^#{1,6} +(.*?) *#* *$/.exec(line);
    if (!heading) continue;
    const base = githubAnchor(heading[1]!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

function linksOf(markdown: string): string[] {
  const links: string[] = [];
  for (const line of prose(markdown)) {
    const text = line.replace(/`[^`]*`/g, '');
    for (const match of text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) links.push(match[1]!);
  }
  return links;
}

/** Every relative link of `file` that does not resolve, as "file: target (why)". */
function brokenLinks(file: string, markdown = readFileSync(file, 'utf8')): string[] {
  const broken: string[] = [];
  for (const target of linksOf(markdown)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto: …
    const [filePart, anchor] = target.split('#') as [string, string | undefined];
    const resolved = filePart === '' ? file : path.resolve(path.dirname(file), decodeURIComponent(filePart));
    const name = `${path.relative(PROJECT_ROOT, file)}: ${target}`;
    if (!existsSync(resolved)) {
      broken.push(`${name} (no such file)`);
      continue;
    }
    if (anchor === undefined) continue;
    if (statSync(resolved).isDirectory() || !resolved.endsWith('.md')) {
      broken.push(`${name} (an anchor into something that is not a markdown file)`);
      continue;
    }
    if (!anchorsOf(readFileSync(resolved, 'utf8')).has(decodeURIComponent(anchor))) broken.push(`${name} (no such heading)`);
  }
  return broken;
}

const DOCS = path.join(PROJECT_ROOT, 'docs');
const files = [
  path.join(PROJECT_ROOT, 'README.md'),
  ...readdirSync(DOCS)
    .filter((name) => name.endsWith('.md'))
    .map((name) => path.join(DOCS, name)),
];

describe('links in README.md and docs/*.md', () => {
  it('makes anchors as GitHub does', () => {
    expect(githubAnchor("Residents' messages from a gateway (`POST /webhooks/sms/:provider`)")).toBe(
      'residents-messages-from-a-gateway-post-webhookssmsprovider',
    );
    expect(githubAnchor('The sender number must be registered first (발신번호 사전등록제)')).toBe(
      'the-sender-number-must-be-registered-first-발신번호-사전등록제',
    );
    expect(githubAnchor('SMS in Korea: a domestic gateway')).toBe('sms-in-korea-a-domestic-gateway');
    expect(githubAnchor('Audit log (admins)')).toBe('audit-log-admins');
    expect([...anchorsOf('# A\n\n```bash\n# not a heading\n```\n\n## A\n')]).toEqual(['a', 'a-1']);
  });

  it('the README links into docs/, and every docs file is linked from it', () => {
    const readmeLinks = linksOf(readFileSync(files[0]!, 'utf8'));
    expect(files.length).toBeGreaterThan(1);
    for (const file of files.slice(1)) {
      const relative = path.relative(PROJECT_ROOT, file);
      expect(readmeLinks.some((link) => link.split('#')[0] === relative), relative).toBe(true);
    }
  });

  it('finds a broken file link and a broken anchor', () => {
    expect(linksOf('see [a](docs/a.md#x), `[not](a-link.md)`, [web](https://example.org)')).toEqual(['docs/a.md#x', 'https://example.org']);
    const readme = files[0]!;
    const sample = '[gone](docs/nope.md) [bad](docs/load.md#nope) [good](docs/load.md#load-figures) [here](#run-it) [lost](#nowhere)';
    expect(brokenLinks(readme, sample)).toEqual([
      'README.md: docs/nope.md (no such file)',
      'README.md: docs/load.md#nope (no such heading)',
      'README.md: #nowhere (no such heading)',
    ]);
  });

  for (const file of files) {
    it(`${path.relative(PROJECT_ROOT, file)}: every relative link reaches a file, and every #anchor a heading`, () => {
      expect(linksOf(readFileSync(file, 'utf8')).length).toBeGreaterThan(0);
      expect(brokenLinks(file)).toEqual([]);
    });
  }
});
