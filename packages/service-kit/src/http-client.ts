/**
 * The client services use to call each other. It honours HTTP_PROXY / HTTPS_PROXY / NO_PROXY:
 * in a pod, iptables hands outbound traffic to Envoy; on one machine the local mesh points
 * HTTP_PROXY at the workload's sidecar instead, and the application code stays the same.
 *
 * Plain-HTTP targets are sent to the proxy in absolute form (`GET http://jazz…:9080/ HTTP/1.1`)
 * rather than through a CONNECT tunnel, because that is what lets a sidecar see and route each
 * request, the way Envoy sees each request it intercepts.
 */
import { Agent, EnvHttpProxyAgent, fetch as undiciFetch, type Dispatcher, type RequestInit, type Response } from 'undici';
import type { Env } from './config.js';

export interface HttpClient {
  fetch(url: string | URL, init?: RequestInit): Promise<Response>;
  /** The dispatcher, for callers that stream through undici directly. */
  readonly dispatcher: Dispatcher;
  close(): Promise<void>;
}

export interface HttpClientOptions {
  env?: Env;
  /** Per-request timeout for connecting and receiving headers. */
  timeoutMs?: number;
}

interface ProxySettings {
  httpProxy?: string;
  httpsProxy?: string;
  noProxy?: string;
}

function readProxySettings(env: Env): ProxySettings {
  const pick = (upper: string) => env[upper] || env[upper.toLowerCase()] || undefined;
  const settings: ProxySettings = {};
  const httpProxy = pick('HTTP_PROXY');
  const httpsProxy = pick('HTTPS_PROXY');
  const noProxy = pick('NO_PROXY');
  if (httpProxy) settings.httpProxy = httpProxy;
  if (httpsProxy) settings.httpsProxy = httpsProxy;
  if (noProxy) settings.noProxy = noProxy;
  return settings;
}

export function createHttpClient(options: HttpClientOptions = {}): HttpClient {
  const settings = readProxySettings(options.env ?? process.env);
  const timeouts = options.timeoutMs ? { headersTimeout: options.timeoutMs, connectTimeout: options.timeoutMs } : {};
  const dispatcher: Dispatcher =
    settings.httpProxy || settings.httpsProxy
      ? new EnvHttpProxyAgent({ ...settings, proxyTunnel: false, ...timeouts })
      : new Agent(timeouts);

  return {
    dispatcher,
    fetch: (url, init) => undiciFetch(url, { ...init, dispatcher }),
    close: () => dispatcher.close(),
  };
}
