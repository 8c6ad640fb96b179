// `npm run cli -- <command>`: administration from the shell.
//   staff add --name NAME --department CODE --role staff|manager|operator|admin
//   staff revoke --id ID
//   departments load FILE
//   retention purge [--years N]
import { parseArgs } from 'node:util';
import pino from 'pino';
import { configOrExit, prepareDatabase } from './startup.js';
import { loggerOptions } from './logger.js';
import { createDb } from './db/database.js';
import { addStaff, revokeStaff } from './staff/staff-repository.js';
import { STAFF_ROLES, type StaffRole } from './staff/staff.table.js';
import { findActiveDepartment, loadDepartments } from './departments/department-repository.js';
import { readDepartmentsFile } from './departments/departments-file.js';
import { purgeClosedCases, retentionCutoff } from './cases/retention.js';

const USAGE = `usage:
  npm run cli -- staff add --name NAME --department CODE --role ${STAFF_ROLES.join('|')}
  npm run cli -- staff revoke --id ID
  npm run cli -- departments load FILE
  npm run cli -- retention purge [--years N]`;

class UsageError extends Error {}

const config = configOrExit();
// Logs go to stderr: stdout is for what the command answers (a token must be the last line).
const log = pino({ ...loggerOptions(config.logLevel === 'info' ? 'warn' : config.logLevel) }, pino.destination(2));

async function run(argv: string[]): Promise<string> {
  const [area, action, ...rest] = argv;
  await prepareDatabase(config, log);
  const db = createDb(config.databaseUrl, { max: 2 });
  try {
    if (area === 'staff' && action === 'add') {
      const { values } = parseArgs({
        args: rest,
        options: { name: { type: 'string' }, department: { type: 'string' }, role: { type: 'string' } },
        strict: true,
      });
      const { name, department, role } = values;
      if (!name || !department || !role) throw new UsageError('staff add needs --name, --department and --role');
      if (!STAFF_ROLES.includes(role as StaffRole)) throw new UsageError(`--role must be one of ${STAFF_ROLES.join(', ')}`);
      if (!(await findActiveDepartment(db, department))) throw new UsageError(`no active department ${department}`);
      const { staff, token } = await addStaff(db, {
        name,
        departmentCode: department,
        role: role as StaffRole,
        tokenDays: config.staffTokenDays,
      });
      process.stderr.write(`staff #${staff.id} ${staff.name} (${staff.role}, ${staff.department_code}) created; the token below is shown once.\n`);
      return token;
    }
    if (area === 'staff' && action === 'revoke') {
      const { values } = parseArgs({ args: rest, options: { id: { type: 'string' } }, strict: true });
      const id = Number(values.id);
      if (!values.id || !Number.isSafeInteger(id) || id < 1) throw new UsageError('staff revoke needs --id (a staff number)');
      const revoked = await revokeStaff(db, id);
      if (!revoked) throw new UsageError(`no active staff account #${id}`);
      return `staff #${revoked.id} ${revoked.name} revoked: the token no longer works`;
    }
    if (area === 'departments' && action === 'load') {
      const file = rest[0];
      if (!file) throw new UsageError('departments load needs a FILE');
      const { departments, examples } = await loadDepartments(db, await readDepartmentsFile(file));
      return `loaded ${departments} departments${examples === null ? '' : ` and ${examples} routing examples`} from ${file}`;
    }
    if (area === 'retention' && action === 'purge') {
      // What the nightly job does, now (e.g. after lowering RETENTION_YEARS).
      const { values } = parseArgs({ args: rest, options: { years: { type: 'string' } }, strict: true });
      const years = values.years === undefined ? config.retentionYears : Number(values.years);
      if (!Number.isInteger(years) || years < 1 || years > 50) throw new UsageError('--years must be a whole number from 1 to 50');
      const cutoff = retentionCutoff(years);
      const purged = await purgeClosedCases(db, cutoff);
      return `purged ${purged.cases} cases closed before ${cutoff.toISOString()} (${purged.residents} residents' contact details removed)`;
    }
    throw new UsageError(`unknown command: ${argv.join(' ') || '(none)'}`);
  } finally {
    await db.destroy();
  }
}

try {
  process.stdout.write(`${await run(process.argv.slice(2))}\n`);
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n${error instanceof UsageError ? `${USAGE}\n` : ''}`);
  process.exitCode = error instanceof UsageError ? 64 : 1;
}
