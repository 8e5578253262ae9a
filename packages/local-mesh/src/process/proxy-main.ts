/**
 * Entry point of one proxy process: a sidecar beside a workload instance, or a virtual gateway.
 * It starts its admin port at once (so `/ready` can say PRE_INITIALIZING), then applies every
 * configuration the control plane streams to it.
 */
import { createLogger, env, readConfig, runMain } from '@amw/service-kit/core';
import { startAdmin } from '../proxy/admin.js';
import { ProxyRuntime } from '../proxy/runtime.js';
import { subscribe } from '../control-plane/stream.js';
import { tracingHooks } from '../proxy/tracing.js';
import { KongGateway } from '../kong/gateway.js';
import { accessLogSink } from '../proxy/access-log.js';
import type { RuntimeHooks } from '../proxy/runtime.js';

runMain('local-mesh proxy', async () => {
  const config = readConfig({
    AMW_PROXY_ID: env.string(),
    AMW_CONTROL_PLANE: env.url()(),
    AMW_ADMIN_PORT: env.port(),
    /** `envoy` for sidecars and virtual gateways, `kong` for the Kong ingress proxy. */
    AMW_PROXY_KIND: env.oneOf(['envoy', 'kong'] as const)({ default: 'envoy' }),
  });
  const logger = createLogger({ service: config.AMW_PROXY_KIND }).child({ proxy: config.AMW_PROXY_ID });
  let gateway: KongGateway | undefined;
  let hooks: RuntimeHooks;
  if (config.AMW_PROXY_KIND === 'kong') {
    hooks = {
      handler: () => (exchange) => gateway!.handle(exchange),
    };
  } else {
    hooks = tracingHooks(() => runtime.config);
  }
  const runtime: ProxyRuntime = new ProxyRuntime(hooks);
  if (config.AMW_PROXY_KIND === 'kong') gateway = new KongGateway(runtime.stats, accessLogSink('/dev/stdout'));
  const admin = await startAdmin(runtime, config.AMW_ADMIN_PORT);
  logger.info('admin listening', { port: admin.port });

  let applying = Promise.resolve();
  let lastVersion: string | undefined;
  const unsubscribe = subscribe(
    config.AMW_CONTROL_PLANE.toString(),
    config.AMW_PROXY_ID,
    (proxyConfig) => {
      applying = applying.then(async () => {
        try {
          if (gateway) {
            if (!proxyConfig.kong) throw new Error('a kong proxy received a configuration without kong routes');
            gateway.apply(proxyConfig.kong);
          }
          await runtime.apply(proxyConfig);
          if (proxyConfig.version !== lastVersion) {
            logger.info('configuration applied', { version: proxyConfig.version, listeners: runtime.listenerPorts() });
            lastVersion = proxyConfig.version;
          }
        } catch (error) {
          logger.error('configuration rejected', { version: proxyConfig.version, error });
        }
      });
    },
    (connected) => {
      if (!connected) logger.debug('control plane stream down; keeping the last configuration');
    },
  );

  const stop = async (signal: string) => {
    logger.info('shutting down', { signal });
    unsubscribe();
    await runtime.close();
    admin.server.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
});
