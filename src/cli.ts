// `npm run cli -- <command>`: administration from the shell of the server. Every command and
// the top level take --help (src/cli/usage.ts). Answers go to stdout (a new token is the last
// line); logs and notes go to stderr.
import { COMMANDS, USAGE, UsageError, helpFor, wantsHelp } from './cli/usage.js';

async function run(argv: string[]): Promise<string> {
  if (wantsHelp(argv)) return helpFor(argv);
  const [area, action, ...rest] = argv;
  const name = `${area} ${action}`;
  if (!COMMANDS[name]) throw new UsageError(`unknown command: ${argv.join(' ') || '(none)'}`);
  // Loaded only for a real command: --help and mistakes answer without them.
  const [{ default: pino }, { configOrExit, prepareDatabase }, { loggerOptions }, { createDb }, { RUN }] = await Promise.all([
    import('pino'),
    import('./startup.js'),
    import('./logger.js'),
    import('./db/database.js'),
    import('./cli/commands.js'),
  ]);
  const config = configOrExit();
  // Logs go to stderr: stdout is for what the command answers (a token must be the last line).
  const log = pino({ ...loggerOptions(config.logLevel === 'info' ? 'warn' : config.logLevel) }, pino.destination(2));
  await prepareDatabase(config, log);
  const db = createDb(config.databaseUrl, { max: 2, log });
  try {
    return await RUN[name]!(rest, { config, db });
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
