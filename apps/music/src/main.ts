import { createLogger, createMetrics, runMain, startService } from '@amw/service-kit';
import { createMusicApp } from './app.js';
import { readMusicConfig } from './config.js';

runMain('music', async () => {
  const config = readMusicConfig();
  // Named like the virtual node (jazz-v1, metal-v2) so mixed logs say which version answered.
  const service = `${config.GENRE}-${config.VERSION}`;
  const logger = createLogger({ service, level: config.LOG_LEVEL });
  const app = createMusicApp({ genre: config.GENRE, version: config.VERSION, logger, metrics: createMetrics(service) });
  await startService({ name: service, handler: app, port: config.PORT, host: config.BIND_ADDRESS, logger });
});
