// `npm run migrate`: create the database if missing, apply migrations, exit.
import { configOrExit, createLogger, prepareDatabase } from './startup.js';

const config = configOrExit();
const log = createLogger(config);
try {
  await prepareDatabase(config, log);
  log.info('database is up to date');
} catch (error) {
  log.error({ err: error }, 'migration failed');
  process.exitCode = 1;
}
