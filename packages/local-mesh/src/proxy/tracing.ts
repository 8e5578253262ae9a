/**
 * X-Ray tracing as Envoy does it under App Mesh with ENABLE_ENVOY_XRAY_TRACING=1: every request a
 * proxy receives on its ingress listener becomes a segment named after the virtual node, linked
 * to its caller through the `x-amzn-trace-id` header, and is sent to the X-Ray daemon over UDP.
 */
import { formatTraceHeader, newSegmentId, newTraceId, parseTraceHeader, sendSegment } from '@amw/service-kit/core';
import { getHeader, setHeader } from '../http1/head.js';
import type { ProxyConfig } from './config.js';
import type { RuntimeHooks } from './runtime.js';

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
          setHeader(upstream.headers, 'x-amzn-trace-id', formatTraceHeader(state.root, state.id));
        },
        completes: (ctx) => traces.has(ctx),
        onComplete: (ctx, entry) => {
          const config = getConfig();
          const state = traces.get(ctx);
          if (!config?.tracing || !state) return;
          const start = entry.startTime.getTime() / 1000;
          sendSegment(config.tracing.daemonAddress, {
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
