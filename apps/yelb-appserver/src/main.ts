/** The process entry: read the environment, start, and shut down gracefully on SIGTERM. */
import { createLogger, redactUrl, runMain } from '@amw/service-kit';
import { readAppserverConfig } from './config.js';
import { startAppserver } from './start.js';

runMain('yelb-appserver', async () => {
  const config = readAppserverConfig(process.env);
  const logger = createLogger({ service: 'yelb-appserver', level: config.logLevel });
  logger.info('configuration', {
    rackEnv: config.rackEnv,
    appVersion: config.appVersion,
    database: redactUrl(config.databaseUrl),
    databaseFrom: config.databaseFrom,
    redis: redactUrl(config.redisUrl),
    redisFrom: config.redisFrom,
  });
  await startAppserver({
    port: config.port,
    host: config.bindAddress,
    databaseUrl: config.databaseUrl,
    redisUrl: config.redisUrl,
    appVersion: config.appVersion,
    ...(config.hostname ? { hostname: config.hostname } : {}),
    ...(config.xrayDaemonAddress ? { tracing: { daemonAddress: config.xrayDaemonAddress, databaseName: config.traceDatabaseName } } : {}),
    logger,
    handleSignals: true,
  });
});
