/**
 * A walkthrough whose later step turns TLS on for one node (as ingress-gateway-ecs does on ECS):
 * on Istio the node's pods go from the namespace's PERMISSIVE to a STRICT PeerAuthentication at that
 * step, and the report says what differs; on Lattice the report says it is not carried. The EKS
 * walkthroughs have no TLS step, so this one is made here from ingress-gateway-eks.
 */
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { buildReport } from '../../src/migrate/report.js';
import { LIVE_TARGETS } from '../../src/migrate/targets.js';
import type { VirtualNode } from '../../src/model/appmesh.js';
import type { Walkthrough } from '../../src/model/walkthrough.js';
import { renderIstio } from '../../src/render/istio/index.js';
import { getWalkthrough } from '../../src/walkthroughs/index.js';
import type { Obj } from './rendered.js';

const base = getWalkthrough('ingress-gateway-eks');
const white = base.clusters[0]!.resources.find((r): r is VirtualNode => r.kind === 'VirtualNode' && r.metadata.name === 'white')!;
const withTls: VirtualNode = structuredClone(white);
withTls.spec.listeners![0]!.tls = { mode: 'STRICT', certificate: { file: { certificateChain: '/certs/white_cert_chain.pem', privateKey: '/certs/white_key.pem' } } };
const walkthrough: Walkthrough = {
  ...base,
  steps: [...base.steps, { name: 'tls', title: 'TLS on white', summary: 'The white node requires TLS.', changes: [{ op: 'put', resource: withTls }] }],
};

describe('a TLS step on Istio', () => {
  const files = renderIstio(walkthrough);
  const objects = (part: string) => files.filter((f) => f.path.includes(part) && f.path.endsWith('.yaml') && !f.path.endsWith('kustomization.yaml')).flatMap((f) => parseAllDocuments(f.content).map((d) => d.toJS() as Obj));

  it('starts PERMISSIVE, namespace-wide', () => {
    const first = objects('k8s/ingress-gateway-eks/istio/peer-authentications.yaml');
    expect(first).toEqual([expect.objectContaining({ kind: 'PeerAuthentication', metadata: { name: 'default', namespace: 'howto-k8s-ingress-gateway' }, spec: { mtls: { mode: 'PERMISSIVE' } } })]);
  });

  it('turns the node’s pods STRICT at the step, and changes nothing else', () => {
    const step = files.filter((f) => f.path.startsWith('k8s/ingress-gateway-eks/istio/steps/1-tls/')).map((f) => f.path.split('/').pop());
    expect(step.sort()).toEqual(['kustomization.yaml', 'peer-authentications.yaml']);
    expect(objects('steps/1-tls/peer-authentications.yaml')).toEqual([
      expect.objectContaining({
        kind: 'PeerAuthentication',
        metadata: { name: 'white', namespace: 'howto-k8s-ingress-gateway' },
        spec: { selector: { matchLabels: { app: 'color', version: 'white' } }, mtls: { mode: 'STRICT' } },
      }),
    ]);
  });

  it('reports listener TLS as carried in part on Istio (Istio’s own CA) and not carried on Lattice', () => {
    const istio = buildReport(walkthrough, 'istio', LIVE_TARGETS.istio.translate).translations.find((t) => t.use.feature === 'listener-tls')!;
    expect(istio.outcome).toMatchObject({ status: 'partly', to: [{ kind: 'PeerAuthentication', name: 'white', path: ['spec', 'mtls', 'mode'] }] });
    expect(istio.use.steps).toEqual(['tls']);
    const lattice = buildReport(walkthrough, 'lattice', LIVE_TARGETS.lattice.translate).translations.find((t) => t.use.feature === 'listener-tls')!;
    expect(lattice.outcome.status).toBe('dropped');
  });
});
