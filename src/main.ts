// `npm start`: migrations, then the HTTP API and every worker in one process.
import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.js';
import { checkHolidayCalendar } from './deadlines/holiday-calendar.js';
import { configOrExit, createLogger, prepareDatabase } from './startup.js';
import { startWorkers } from '../workers/index.js';

const config = configOrExit();
const log = createLogger(config);
checkHolidayCalendar(config.deadlines.rules, log);
await prepareDatabase(config, log);
const app = await buildApp(config, { logger: log });
const workers = await startWorkers(config, log);
await app.listen({ port: config.port, host: config.host });

closeWithGrace({ delay: 25_000, logger: log }, async ({ signal, err }) => {
  if (err) log.error({ err }, 'shutting down after an error');
  else log.info({ signal }, 'shutting down');
  // Stop taking requests first, then let in-flight jobs finish.
  await app.close();
  await workers.close();
});
