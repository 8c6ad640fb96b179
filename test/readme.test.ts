// The documentation's statements that name things in the code (README.md and the docs/ file each
// fact now lives in), checked against the code, so they cannot drift again unnoticed.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/paths.js';
import { DELIVERY_STATUSES } from '../src/outbound/delivery-status.js';
import { LEARNED_ROUTER_NAME } from '../src/routing/load-router.js';
import { MESSAGE_STAGES } from '../src/domain/message-stages.js';

const source = (file: string) => readFileSync(path.join(PROJECT_ROOT, file), 'utf8');
const README = source('README.md');
const STAFF_API = source('docs/staff-api.md');
const SECURITY = source('docs/security.md');
/** The README and every docs file, for facts that may be stated anywhere in them. */
const ALL_DOCS = [README, ...readdirSync(path.join(PROJECT_ROOT, 'docs')).filter((name) => name.endsWith('.md')).map((name) => source(`docs/${name}`))].join('\n');

describe('README and docs/', () => {
  it('lists every delivery status the code has (docs/staff-api.md)', () => {
    const list = /shows its `deliveryStatus` \(([^)]*)\)/.exec(STAFF_API.replace(/\s+/g, ' '));
    expect(list, 'the deliveryStatus list').not.toBeNull();
    const named = [...list![1]!.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]);
    expect(named).toEqual([...DELIVERY_STATUSES]);
  });

  it("names the router the code records in a case's routing, wherever an example shows one", () => {
    expect(STAFF_API).toMatch(/"router":\s*"/);
    const names = [...ALL_DOCS.matchAll(/"router":\s*"([^"]+)"/g)].map((m) => m[1]);
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect(name).toBe(LEARNED_ROUTER_NAME);
  });

  it('has each status and error code once in the staff API error table (docs/staff-api.md)', () => {
    const start = STAFF_API.indexOf('**Errors** always have the same shape');
    expect(start).toBeGreaterThan(-1);
    // The table ends where the next section begins.
    const table = STAFF_API.slice(start, STAFF_API.indexOf('\n#', start));
    const rows = table.split('\n').filter((line) => /^\| \d{3} \|/.test(line));
    expect(rows.length).toBeGreaterThan(5);
    const pairs = rows.flatMap((row) => {
      const [, status, codes] = row.split('|').map((cell) => cell.trim());
      return [...codes!.matchAll(/`([a-z_]+)`/g)].map((m) => `${status} ${m[1]}`);
    });
    expect(pairs.filter((pair, i) => pairs.indexOf(pair) !== i)).toEqual([]);
  });

  it("names a message's stages as the code does, in their order, and no other names for its worker", () => {
    const named = [...README.matchAll(/\*\*(received|filed|routed|answered)\*\*/g)].map((m) => m[1]);
    expect(named).toEqual([...MESSAGE_STAGES]);
    expect(ALL_DOCS).not.toMatch(/intake (worker|job)/);
  });

  it('names the database function the filing job really files messages with', () => {
    // The routing worker's filing job: fileAndRouteInbound, which calls one SQL function.
    expect(source('workers/routing.worker.ts')).toContain('fileAndRouteInbound(');
    const routeMessage = source('src/routing/route-message.ts');
    const called = /select \* from ([a-z_]+)\(/.exec(routeMessage.slice(routeMessage.indexOf('export async function fileAndRouteInbound')));
    expect(called).not.toBeNull();
    expect(README).toContain(`\`${called![1]}\``);
    // And every SQL function the README or a docs file names has its file (src/db/functions).
    const functions = [...ALL_DOCS.matchAll(/`((?:accept|store|file|apply|reserve|next|open)_[a-z_]+)`/g)].map((m) => m[1]!);
    expect(functions.length).toBeGreaterThan(0);
    for (const name of functions) expect(source(`src/db/functions/${name}.sql`), name).toContain(`create or replace function ${name}(`);
  });

  it('does not say security headers go on every response: the webhooks go without (docs/security.md)', () => {
    const headers = /- \*\*HTTP headers:\*\*[^\n]*(?:\n {2}[^\n]*)*/.exec(SECURITY)?.[0] ?? '';
    expect(headers).not.toBe('');
    expect(source('src/http/security-headers.ts')).toContain('isWebhookPath(');
    expect(headers).toMatch(/except the providers' webhooks/);
  });
});
