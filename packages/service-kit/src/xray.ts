/**
 * X-Ray tracing without the SDK: the trace header, ids, and segment documents sent over UDP to
 * the X-Ray daemon (a JSON header line, then the document). The proxies of the local mesh use it
 * for their spans; an app uses `createTracing` to add the spans of its own calls (a database
 * query) to the trace its Envoy started.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';

export interface TraceHeader {
  root: string;
  parent?: string;
  sampled: boolean;
}

/** `Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1` */
export function parseTraceHeader(value: string | string[] | undefined): TraceHeader | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) return undefined;
  const fields = new Map(
    text.split(';').map((part) => {
      const eq = part.indexOf('=');
      return [part.slice(0, eq).trim(), part.slice(eq + 1).trim()] as const;
    }),
  );
  const root = fields.get('Root');
  if (!root || !/^1-[0-9a-f]{8}-[0-9a-f]{24}$/.test(root)) return undefined;
  const parent = fields.get('Parent');
  return { root, ...(parent ? { parent } : {}), sampled: fields.get('Sampled') !== '0' };
}

export function formatTraceHeader(root: string, parent: string): string {
  return `Root=${root};Parent=${parent};Sampled=1`;
}

export function newTraceId(now = Date.now()): string {
  return `1-${Math.floor(now / 1000).toString(16).padStart(8, '0')}-${randomBytes(12).toString('hex')}`;
}

export function newSegmentId(): string {
  return randomBytes(8).toString('hex');
}

const sockets: { loopback?: Socket; any?: Socket } = {};

function isLoopback(host: string): boolean {
  return host === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * A socket that never sends is still bound on its first send, by default to every interface;
 * when the daemon is on this machine (a sidecar, the local mesh) the socket stays on loopback.
 */
function socketFor(host: string): Socket {
  const which = isLoopback(host) ? 'loopback' : 'any';
  let socket = sockets[which];
  if (!socket) {
    socket = createSocket('udp4');
    socket.on('error', () => {});
    // Sends made before the bind completes are queued by dgram, not lost.
    if (which === 'loopback') socket.bind(0, '127.0.0.1');
    socket.unref();
    sockets[which] = socket;
  }
  return socket;
}

/** Sends one segment document to the daemon at `host:port`; never throws (tracing is best effort). */
export function sendSegment(daemonAddress: string, segment: object): void {
  const colon = daemonAddress.lastIndexOf(':');
  const host = daemonAddress.slice(0, colon) || '127.0.0.1';
  const port = Number(daemonAddress.slice(colon + 1));
  socketFor(host).send(Buffer.from(`{"format":"json","version":1}\n${JSON.stringify(segment)}`), port, host, () => {});
}

export interface Tracing {
  /** Runs `fn` inside the trace the incoming header names (if sampled). */
  run<T>(traceHeader: string | string[] | undefined, fn: () => T): T;
  /** Times `fn` as a subsegment of the current trace; outside a trace it only runs `fn`. */
  subsegment<T>(name: string, fields: Record<string, unknown>, fn: () => Promise<T>): Promise<T>;
}

/** Tracing for an app; a no-op when no daemon address is configured. */
export function createTracing(daemonAddress: string | undefined): Tracing {
  const context = new AsyncLocalStorage<TraceHeader>();
  return {
    run(traceHeader, fn) {
      const header = daemonAddress ? parseTraceHeader(traceHeader) : undefined;
      return header?.sampled && header.parent ? context.run(header, fn) : fn();
    },
    async subsegment(name, fields, fn) {
      const trace = context.getStore();
      if (!trace || !daemonAddress) return fn();
      const start = Date.now() / 1000;
      let fault = false;
      try {
        return await fn();
      } catch (error) {
        fault = true;
        throw error;
      } finally {
        sendSegment(daemonAddress, {
          type: 'subsegment',
          trace_id: trace.root,
          parent_id: trace.parent,
          id: newSegmentId(),
          name,
          start_time: start,
          end_time: Date.now() / 1000,
          ...fields,
          ...(fault ? { fault: true } : {}),
        });
      }
    },
  };
}
