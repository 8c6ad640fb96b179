// What each CLI command does (src/cli/usage.ts says how to call them).
import { parseArgs } from 'node:util';
import type { Config } from '../config/config.js';
import type { Db } from '../db/database.js';
import { addStaff, revokeStaff } from '../staff/staff-repository.js';
import { STAFF_ROLES, type StaffRole } from '../staff/staff.table.js';
import { findActiveDepartment, listDepartments, loadDepartments } from '../departments/department-repository.js';
import { readDepartmentsFile } from '../departments/departments-file.js';
import { purgeClosedCases, retentionCutoff } from '../cases/retention.js';
import { listOutboxMessages } from '../outbound/providers/outbox/outbox-messages.js';
import { seoulDateTime } from '../domain/seoul-time.js';
import { UsageError } from './usage.js';
import { importConsents } from '../notices/consent-import.js';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';

export interface CommandContext {
  config: Config;
  db: Db;
}

/** Each command's work; what it returns is printed on stdout. */
export const RUN: Record<string, (rest: string[], ctx: CommandContext) => Promise<string>> = {
  'staff add': async (rest, { config, db }) => {
    const { values } = parseArgs({
      args: rest,
      options: { name: { type: 'string' }, department: { type: 'string' }, role: { type: 'string' } },
      strict: true,
    });
    const { name, department, role } = values;
    if (!name || !role) throw new UsageError('staff add needs --name and --role');
    if (!STAFF_ROLES.includes(role as StaffRole)) throw new UsageError(`--role must be one of ${STAFF_ROLES.join(', ')}`);
    if (role === 'staff' && !department) throw new UsageError('staff add --role staff needs --department: the department whose cases they see');
    if (department && !(await findActiveDepartment(db, department))) throw new UsageError(`no active department ${department}`);
    const { staff, token } = await addStaff(db, {
      name,
      departmentCode: department ?? null,
      role: role as StaffRole,
      tokenDays: config.staffTokenDays,
    });
    process.stderr.write(
      `staff #${staff.id} ${staff.name} (${staff.role}, ${staff.department_code ?? 'no department'}) created; the token below is shown once.\n`,
    );
    return token;
  },
  'staff revoke': async (rest, { db }) => {
    const { values } = parseArgs({ args: rest, options: { id: { type: 'string' } }, strict: true });
    const id = Number(values.id);
    if (!values.id || !Number.isSafeInteger(id) || id < 1) throw new UsageError('staff revoke needs --id (a staff number)');
    const revoked = await revokeStaff(db, id);
    if (!revoked) throw new UsageError(`no active staff account #${id}`);
    return `staff #${revoked.id} ${revoked.name} revoked: the token no longer works`;
  },
  'departments list': async (rest, { db }) => {
    parseArgs({ args: rest, options: {}, strict: true });
    const rows = await listDepartments(db);
    return [
      ['code', 'name', 'category', 'category label', 'active'].join('\t'),
      ...rows.map((d) => [d.code, d.name, d.category_code, d.category_label, d.active ? 'yes' : 'no'].join('\t')),
    ].join('\n');
  },
  'departments load': async (rest, { db }) => {
    const file = rest[0];
    if (!file || rest.length > 1) throw new UsageError('departments load needs one FILE');
    const { departments, examples } = await loadDepartments(db, await readDepartmentsFile(file));
    return `loaded ${departments} departments${examples === null ? '' : ` and ${examples} routing examples`} from ${file}`;
  },
  'retention purge': async (rest, { config, db }) => {
    const { values } = parseArgs({ args: rest, options: { years: { type: 'string' } }, strict: true });
    const years = values.years === undefined ? config.retentionYears : Number(values.years);
    if (!Number.isInteger(years) || years < 1 || years > 50) throw new UsageError('--years must be a whole number from 1 to 50');
    const cutoff = retentionCutoff(years);
    const purged = await purgeClosedCases(db, cutoff);
    return `purged ${purged.cases} cases closed before ${cutoff.toISOString()} (${purged.residents} residents' contact details removed)`;
  },
  'outbox list': async (rest, { config, db }) => {
    const { values } = parseArgs({ args: rest, options: { limit: { type: 'string' }, case: { type: 'string' } }, strict: true });
    const limit = values.limit === undefined ? 20 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new UsageError('--limit must be a whole number from 1 to 1000');
    const rows = await listOutboxMessages(db, { limit, ...(values.case === undefined ? {} : { caseNumber: values.case }) });
    const note =
      config.smsProvider === 'outbox'
        ? 'SMS answers go to the development outbox: nothing is sent to residents.'
        : `SMS answers now go through ${config.smsProvider}; these were kept while no provider was configured.`;
    process.stderr.write(`${note}\n`);
    if (rows.length === 0) return 'the development outbox is empty';
    return rows
      .map((m) => {
        const header = [m.case_number, m.channel, seoulDateTime(m.sent_at ?? m.created_at), m.kind].join('\t');
        return `${header}\n${m.text.replace(/^/gm, '    ')}`;
      })
      .join('\n\n');
  },
  'notices import': async (rest, { db }) => {
    const { values, positionals } = parseArgs({
      args: rest,
      options: {
        phone: { type: 'string' },
        date: { type: 'string' },
        dong: { type: 'string' },
        segments: { type: 'string' },
        'text-column': { type: 'string' },
        wording: { type: 'string' },
      },
      allowPositionals: true,
      strict: true,
    });
    const file = positionals[0];
    if (!file || !values.phone || !values.date) throw new UsageError('notices import needs FILE, --phone and --date');
    if (!values['text-column'] && !values.wording) throw new UsageError('notices import needs --text-column or --wording: what residents agreed to');
    const report = await importConsents(db, await readFile(file, 'utf8'), {
      mapping: { phone: values.phone, consentedAt: values.date, dong: values.dong, segments: values.segments, consentText: values['text-column'] },
      consentText: values.wording,
      source: basename(file),
    });
    return [
      `rows ${report.rows}: inserted ${report.inserted}, updated ${report.updated}, unchanged ${report.unchanged}, rejected ${report.rejected.length}`,
      ...report.rejected.map((r) => `line ${r.line}: ${r.reason}`),
    ].join('\n');
  },
};
