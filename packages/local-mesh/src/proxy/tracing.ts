/**
 * X-Ray tracing as Envoy does it under App Mesh with ENABLE_ENVOY_XRAY_TRACING=1: every request a
 * proxy receives on its ingress listener becomes a segment named after the virtual node, linked
 * to its caller through the `x-amzn-trace-id` header, and is sent to the X-Ray daemon over UDP.
 */
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { getHeader, setHeader } from '../http1/head.js';
import type { ProxyConfig } from './config.js';
import type { RuntimeHooks } from './runtime.js';

export interface TraceHeader {
  root: string;
  parent?: string;
  sampled: boolean;
}

export function parseTraceHeader(value: string | undefined): TraceHeader | undefined {
  if (!value) return undefined;
  const fields = Object.fromEntries(
    value.split(';').map((part) => {
      const [k, v] = part.split('=');
      return [k!.trim(), (v ?? '').trim()];
    }),
  );
  if (!fields.Root || !/^1-[0-9a-f]{8}-[0-9a-f]{24}$/.test(fields.Root)) return undefined;
  return { root: fields.Root, ...(fields.Parent ? { parent: fields.Parent } : {}), sampled: fields.Sampled !== '0' };
}

export function newTraceId(now = Date.now()): string {
  return `1-${Math.floor(now / 1000).toString(16).padStart(8, '0')}-${randomBytes(12).toString('hex')}`;
}

export function newSegmentId(): string {
  return randomBytes(8).toString('hex');
}

/** Sends one segment document the way the X-Ray SDKs talk to the daemon. */
export function sendSegment(socket: Socket, daemonAddress: string, segment: object): void {
  const [host, port] = daemonAddress.split(':');
  const payload = Buffer.from(`{"format":"json","version":1}\n${JSON.stringify(segment)}`);
  socket.send(payload, Number(port), host, () => {});
}

let udp: Socket | undefined;
function udpSocket(): Socket {
  if (!udp) {
    udp = createSocket('udp4');
    udp.unref();
  }
  return udp;
}

interface TraceState {
  root: string;
  parent?: string;
  id: string;
}

export function tracingHooks(getConfig: () => ProxyConfig | undefined): RuntimeHooks {
  const traces = new WeakMap<object, TraceState>();
  return {
    httpOptions: (listener) => {
      if (listener.statPrefix !== 'ingress') return {};
      return {
        rewriteUpstream: (ctx, upstream) => {
          const tracing = getConfig()?.tracing;
          if (!tracing) return;
          const incoming = parseTraceHeader(getHeader(ctx.exchange.head.headers, 'x-amzn-trace-id'));
          if (incoming && !incoming.sampled) return;
          const state: TraceState = { root: incoming?.root ?? newTraceId(), id: newSegmentId(), ...(incoming?.parent ? { parent: incoming.parent } : {}) };
          traces.set(ctx, state);
          setHeader(upstream.headers, 'x-amzn-trace-id', `Root=${state.root};Parent=${state.id};Sampled=1`);
        },
        onComplete: (ctx, entry) => {
          const config = getConfig();
          const state = traces.get(ctx);
          if (!config?.tracing || !state) return;
          const start = entry.startTime.getTime() / 1000;
          sendSegment(udpSocket(), config.tracing.daemonAddress, {
            trace_id: state.root,
            id: state.id,
            ...(state.parent ? { parent_id: state.parent } : {}),
            name: config.tracing.segmentName,
            origin: 'AWS::AppMesh::Proxy',
            start_time: start,
            end_time: start + entry.durationMs / 1000,
            http: {
              request: { method: entry.method, url: `http://${entry.authority ?? ''}${entry.path}` },
              response: { status: entry.status, content_length: entry.bytesSent },
            },
            aws: { app_mesh: { mesh_name: config.node.mesh, virtual_node_name: config.tracing.segmentName.split('/').at(-1) } },
            ...(entry.status >= 500 ? { fault: true } : entry.status >= 400 ? { error: true } : {}),
          });
        },
      };
    },
  };
}
