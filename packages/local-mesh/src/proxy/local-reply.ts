/**
 * Answers a proxy gives itself, with Envoy's status codes, bodies and access-log response flags,
 * so what a learner sees locally is what they would have seen from App Mesh.
 */

export interface LocalReply {
  status: number;
  body: string;
  /** Envoy response flag for the access log. */
  flag: string;
}

const CONNECT_ERROR = 'upstream connect error or disconnect/reset before headers. reset reason:';

export const LOCAL_REPLIES = {
  /** No virtual host or route matched (egress filter DROP_ALL, or a path no route covers). */
  noRoute: { status: 404, body: '', flag: 'NR' },
  /** Istio's REGISTRY_ONLY for a host outside its registry: the `block_all` route's direct 502 (no flag). */
  blackHole: { status: 502, body: '', flag: '' },
  /** The chosen cluster has no endpoint to send to. */
  noHealthyUpstream: { status: 503, body: 'no healthy upstream', flag: 'UH' },
  /** The route points at a cluster the proxy does not know. */
  noCluster: { status: 503, body: '', flag: 'NC' },
  connectionFailure: { status: 503, body: `${CONNECT_ERROR} connection failure`, flag: 'UF' },
  connectionTermination: { status: 503, body: `${CONNECT_ERROR} connection termination`, flag: 'UC' },
  protocolError: { status: 503, body: `${CONNECT_ERROR} protocol error`, flag: 'UPE' },
  overflow: { status: 503, body: `${CONNECT_ERROR} overflow`, flag: 'UO' },
  timeout: { status: 504, body: 'upstream request timeout', flag: 'UT' },
  /** The route's idle timeout passed with nothing from upstream (Envoy's stream idle timeout). */
  streamIdle: { status: 504, body: 'stream timeout', flag: 'SI' },
} satisfies Record<string, LocalReply>;
