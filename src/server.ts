// `npm run start:api`: the HTTP API alone (production runs workers separately).
import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.js';
import { checkHolidayCalendar } from './deadlines/holiday-calendar.js';
import { configOrExit, createLogger } from './startup.js';

const config = configOrExit();
const log = createLogger(config);
checkHolidayCalendar(config.deadlines.rules, log);
const app = await buildApp(config, { logger: log });
await app.listen({ port: config.port, host: config.host });

closeWithGrace({ delay: 25_000, logger: log }, async ({ signal, err }) => {
  if (err) log.error({ err }, 'shutting down after an error');
  else log.info({ signal }, 'shutting down');
  await app.close();
});
