import pino, { type Logger } from 'pino';
import { ConfigError, loadConfig, type Config } from './config/config.js';
import { loggerOptions } from './logger.js';
import { createDb } from './db/database.js';
import { ensureDatabase, migrateToLatest } from './db/migrate.js';
import { loadDefaultDepartmentsIfEmpty } from './departments/department-repository.js';
import { loadDefaultExamplesIfEmpty } from './routing/routing-examples.js';

/** Reads configuration once; a bad one stops the process with every problem listed. */
export function configOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
}

export function createLogger(config: Config): Logger {
  return pino(loggerOptions(config.logLevel));
}

/** Creates the database if missing, applies migrations, and loads the built-in departments on first start. */
export async function prepareDatabase(config: Config, log: Logger): Promise<void> {
  await ensureDatabase(config.databaseUrl);
  const db = createDb(config.databaseUrl, { max: 1, log });
  try {
    const applied = await migrateToLatest(db);
    if (applied.length > 0) log.info({ applied }, 'migrations applied');
    if (await loadDefaultDepartmentsIfEmpty(db)) log.info('built-in departments loaded');
    if (await loadDefaultExamplesIfEmpty(db)) log.info('built-in routing examples loaded');
  } finally {
    await db.destroy();
  }
}
