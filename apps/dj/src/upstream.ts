/**
 * One call to a backend, classified the way a learner needs to read it: the backend's own
 * answer (whatever its status: a 503 from the mesh is information), or a 502/504 that says
 * which backend could not be reached and why.
 */
import type { HttpClient } from '@amw/service-kit';

export interface Upstream {
  /** The name the DJ uses for it (`jazz`, `metal`). */
  readonly name: string;
  readonly url: URL;
}

export interface UpstreamAnswer {
  readonly status: number;
  readonly contentType: string | null;
  readonly body: Buffer;
}

export class UpstreamFailure extends Error {
  override name = 'UpstreamFailure';
  constructor(
    readonly status: 502 | 504,
    message: string,
  ) {
    super(message);
  }
}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** fetch wraps network errors as `TypeError: fetch failed`; the useful part is in `cause`. */
function reasonOf(error: unknown): { timedOut: boolean; reason: string } {
  const outer = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (outer.name === 'TimeoutError') return { timedOut: true, reason: 'timeout' };
  const code = outer.cause?.code;
  if (code && TIMEOUT_CODES.has(code)) return { timedOut: true, reason: code };
  return { timedOut: false, reason: code ?? outer.cause?.message ?? outer.message ?? String(error) };
}

export async function callUpstream(client: HttpClient, upstream: Upstream, timeoutMs: number): Promise<UpstreamAnswer> {
  const target = upstream.url.href;
  try {
    // The signal bounds the whole exchange, body included; the client's own timeouts only
    // cover connecting and the response headers.
    const res = await client.fetch(upstream.url, { signal: AbortSignal.timeout(timeoutMs) });
    const body = Buffer.from(await res.arrayBuffer());
    return { status: res.status, contentType: res.headers.get('content-type'), body };
  } catch (error) {
    const { timedOut, reason } = reasonOf(error);
    if (timedOut) {
      throw new UpstreamFailure(504, `upstream ${upstream.name} (${target}) did not answer within ${timeoutMs} ms`);
    }
    throw new UpstreamFailure(502, `upstream ${upstream.name} (${target}) is unreachable: ${reason}`);
  }
}
