import { createHttpClient, createLogger, createMetrics, runMain, startService } from '@amw/service-kit';
import { createDjApp } from './app.js';
import { readDjConfig } from './config.js';

runMain('dj', async () => {
  const config = readDjConfig();
  const logger = createLogger({ service: 'dj', level: config.LOG_LEVEL });
  // HTTP_PROXY, when set, is the local mesh's sidecar: it sees and routes every call.
  const client = createHttpClient({ timeoutMs: config.UPSTREAM_TIMEOUT_MS });
  const app = createDjApp({
    logger,
    metrics: createMetrics('dj'),
    client,
    upstreams: { jazz: config.JAZZ_URL, metal: config.METAL_URL },
    timeoutMs: config.UPSTREAM_TIMEOUT_MS,
  });
  await startService({ name: 'dj', handler: app, port: config.PORT, host: config.BIND_ADDRESS, logger, onShutdown: () => client.close() });
});
