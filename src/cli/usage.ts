// What the CLI offers and how to call it: loaded on every call, so it imports nothing heavy
// (--help answers at once, without configuration or a database).
import { STAFF_ROLES } from '../staff/staff.table.js';

/** A call the CLI cannot understand: exit code 64 and the usage. */
export class UsageError extends Error {}

interface CommandHelp {
  /** What follows the command words in the usage line. */
  args: string;
  /** Lines shown under the usage line by --help. */
  help: string;
}

export const COMMANDS: Record<string, CommandHelp> = {
  'staff add': {
    args: `--name NAME --role ${STAFF_ROLES.join('|')} [--department CODE]`,
    help: `Creates a staff account and prints its API token as the last line (shown once).
--department is required for the staff role: the department whose cases they see and act on.
Managers (every case), operators and admins (no case content) need none; one given is recorded
and grants nothing more. A committee member (구민고충처리위원회: a citizen or an expert) sees
only the cases referred to the committee, and needs none either.`,
  },
  'staff revoke': {
    args: '--id ID',
    help: 'Cuts off a staff member’s token at once; the account stays for the audit trail.',
  },
  'departments list': {
    args: '',
    help: 'Every department, tab-separated: code, name, category code and label, active (yes/no).',
  },
  'departments load': {
    args: 'FILE',
    help: `Loads or updates departments, categories and dispositions from a JSON file (the shape of
src/departments/default-departments.json); departments it no longer lists are deactivated.`,
  },
  'retention purge': {
    args: '[--years N]',
    help: 'What the nightly job does, now (e.g. after lowering RETENTION_YEARS).',
  },
  'outbox list': {
    args: '[--limit N] [--case CASE_NUMBER]',
    help: `What the development outbox kept instead of sending (no Twilio or Solapi credentials),
newest first (default 20): case number, channel, Seoul time, kind, then the text as the resident
would have received it. The text is residents' correspondence: run it only where you may read it.`,
  },
  'notices import': {
    args: 'FILE --phone COLUMN --date COLUMN [--dong COLUMN] [--segments COLUMN] (--text-column COLUMN | --wording TEXT)',
    help: `Imports the district's list of residents who agreed to receive notices (CSV, UTF-8, a header
row) into the consent ledger: the columns named hold the phone number, the date of consent, the 동,
segments (| or ; between them) and the consent wording (or --wording for the whole file). Prints how
many rows were inserted, updated, unchanged and rejected, and each rejected line with its reason
(never the number). Importing the same file again changes nothing; a number that withdrew after the
date in the file stays withdrawn.`,
  },
};

const usageLine = (name: string) => `  npm run cli -- ${name}${COMMANDS[name]!.args ? ` ${COMMANDS[name]!.args}` : ''}`;
export const USAGE = `usage:\n${Object.keys(COMMANDS).map(usageLine).join('\n')}\n  npm run cli -- COMMAND --help`;

export const wantsHelp = (argv: string[]) => argv.includes('--help') || argv.includes('-h') || argv[0] === 'help';

/** --help of a command, of a group (`staff --help`) or of the whole CLI. */
export function helpFor(argv: string[]): string {
  const words = argv.filter((a) => a !== '--help' && a !== '-h' && a !== 'help');
  const name = words.slice(0, 2).join(' ');
  if (COMMANDS[name]) return `usage:\n${usageLine(name)}\n\n${COMMANDS[name].help}`;
  const group = Object.keys(COMMANDS).filter((n) => n.split(' ')[0] === words[0]);
  if (words.length === 1 && group.length > 0) return `usage:\n${group.map(usageLine).join('\n')}`;
  return USAGE;
}
