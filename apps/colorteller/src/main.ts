import { createLogger, createMetrics, runMain, startService, type RunningService } from '@amw/service-kit';
import { createColortellerApp, createControlApp } from './app.js';
import { readColortellerConfig, segmentName } from './config.js';
import { FaultSwitch } from './fault.js';

runMain('colorteller', async () => {
  const config = readColortellerConfig();
  const logger = createLogger({ service: 'colorteller', level: config.logLevel }).child({
    segment: segmentName(config.stage, config.color),
  });
  const metrics = createMetrics('colorteller');
  const faults = new FaultSwitch();

  let control: RunningService | undefined;
  if (config.control !== undefined) {
    const controlLogger = logger.child({ listener: 'control' });
    control = await startService({
      name: 'colorteller-control',
      handler: createControlApp({ logger: controlLogger, metrics, faults, token: config.control.token }),
      port: config.control.port,
      host: config.bindAddress,
      logger: controlLogger,
      // The main listener owns the signals and closes this one once its own requests are done.
      handleSignals: false,
    });
  }
  await startService({
    name: 'colorteller',
    handler: createColortellerApp({ color: config.color, logger, metrics, faults }),
    port: config.port,
    host: config.bindAddress,
    logger,
    onShutdown: () => control?.shutdown('main listener stopped'),
  });
});
