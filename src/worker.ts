// `npm run start:worker`: every BullMQ worker, no HTTP.
import closeWithGrace from 'close-with-grace';
import { checkHolidayCalendar } from './deadlines/holiday-calendar.js';
import { configOrExit, createLogger } from './startup.js';
import { startWorkers } from '../workers/index.js';

const config = configOrExit();
const log = createLogger(config);
checkHolidayCalendar(config.deadlines.rules, log);
const workers = await startWorkers(config, log);
log.info('workers started');

closeWithGrace({ delay: 25_000, logger: log }, async ({ signal, err }) => {
  if (err) log.error({ err }, 'shutting down after an error');
  else log.info({ signal }, 'shutting down');
  await workers.close();
});
