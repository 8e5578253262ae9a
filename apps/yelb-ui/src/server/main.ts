import { ConfigError, createLogger, runMain } from '@amw/service-kit';
import { readYelbUiConfig } from './config.js';
import { StaticSiteMissingError } from './static-files.js';
import { startYelbUi } from './start.js';

runMain('yelb-ui', async () => {
  const config = readYelbUiConfig();
  try {
    await startYelbUi({
      port: config.PORT,
      host: config.BIND_ADDRESS,
      appserverEndpoint: config.YELB_APPSERVER_ENDPOINT,
      ...(config.STATIC_DIR ? { staticDir: config.STATIC_DIR } : {}),
      logger: createLogger({ service: 'yelb-ui', level: config.LOG_LEVEL }),
    });
  } catch (error) {
    // A missing page is a deployment mistake, not a crash: say it in one line and exit 78.
    if (error instanceof StaticSiteMissingError) {
      throw new ConfigError([config.STATIC_DIR ? `STATIC_DIR=${JSON.stringify(config.STATIC_DIR)} is invalid: ${error.message}` : error.message]);
    }
    throw error;
  }
});
