/**
 * The App Mesh CLI JSON: every document is the SDK's own input type (checked at compile time), the
 * real `AppMeshClient` serializes it without dropping a field (checked on the wire through a fake
 * transport), `aws-sdk-client-mock` sees the input unchanged, and names follow the controller's
 * naming and carry `meshOwner` in a shared mesh.
 */
import {
  AppMeshClient,
  CreateGatewayRouteCommand,
  CreateMeshCommand,
  CreateRouteCommand,
  CreateVirtualGatewayCommand,
  CreateVirtualNodeCommand,
  CreateVirtualRouterCommand,
  CreateVirtualServiceCommand,
  UpdateGatewayRouteCommand,
  UpdateMeshCommand,
  UpdateRouteCommand,
  UpdateVirtualGatewayCommand,
  UpdateVirtualNodeCommand,
  UpdateVirtualRouterCommand,
  UpdateVirtualServiceCommand,
  type CreateGatewayRouteInput,
  type CreateMeshInput,
  type CreateRouteInput,
  type CreateVirtualGatewayInput,
  type CreateVirtualNodeInput,
  type CreateVirtualRouterInput,
  type CreateVirtualServiceInput,
  type UpdateGatewayRouteInput,
  type UpdateMeshInput,
  type UpdateRouteInput,
  type UpdateVirtualGatewayInput,
  type UpdateVirtualNodeInput,
  type UpdateVirtualRouterInput,
  type UpdateVirtualServiceInput,
} from '@aws-sdk/client-app-mesh';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliSteps, renderCliJson, type StepAction } from '../../src/render/cli-json/index.js';
import type { CliDocument } from '../../src/render/cli-json/objects.js';
import { getWalkthrough, walkthroughs } from '../../src/walkthroughs/index.js';
import { fakeHttp, OFFLINE } from '../cloudmap/fake-http.js';

interface Case {
  label: string;
  action: Exclude<StepAction, { verb: 'delete' }>;
  /** The document as written to disk and read back. */
  json: Record<string, unknown>;
}

const files = new Map(walkthroughs.flatMap((w) => renderCliJson(w)).map((f) => [f.path, f.content]));
const cases: Case[] = walkthroughs.flatMap((w) =>
  w.clusters.flatMap((cluster) =>
    cliSteps(w, cluster).steps.flatMap((step) =>
      step.actions
        .filter((a): a is Case['action'] => a.verb !== 'delete')
        .map((action) => {
          const path = [...files.keys()].find((p) => p.endsWith(`/appmesh-cli/${action.file}`) && p.includes(`/${w.name}/`) && (w.clusters.length === 1 || p.includes(`/${cluster.name}/`)))!;
          return { label: `${w.name}${w.clusters.length > 1 ? `/${cluster.name}` : ''} ${action.verb} ${action.file}`, action, json: JSON.parse(files.get(path)!) as Record<string, unknown> };
        }),
    ),
  ),
);

/** Compile-time: each document is the SDK's create input and, with the same document, its update input. */
function typed(doc: CliDocument) {
  switch (doc.kind) {
    case 'Mesh':
      return { create: new CreateMeshCommand(doc.input satisfies CreateMeshInput), update: new UpdateMeshCommand(doc.input satisfies UpdateMeshInput) };
    case 'VirtualNode':
      return {
        create: new CreateVirtualNodeCommand(doc.input satisfies CreateVirtualNodeInput),
        update: new UpdateVirtualNodeCommand(doc.input satisfies UpdateVirtualNodeInput),
      };
    case 'VirtualRouter':
      return {
        create: new CreateVirtualRouterCommand(doc.input satisfies CreateVirtualRouterInput),
        update: new UpdateVirtualRouterCommand(doc.input satisfies UpdateVirtualRouterInput),
      };
    case 'Route':
      return { create: new CreateRouteCommand(doc.input satisfies CreateRouteInput), update: new UpdateRouteCommand(doc.input satisfies UpdateRouteInput) };
    case 'VirtualService':
      return {
        create: new CreateVirtualServiceCommand(doc.input satisfies CreateVirtualServiceInput),
        update: new UpdateVirtualServiceCommand(doc.input satisfies UpdateVirtualServiceInput),
      };
    case 'VirtualGateway':
      return {
        create: new CreateVirtualGatewayCommand(doc.input satisfies CreateVirtualGatewayInput),
        update: new UpdateVirtualGatewayCommand(doc.input satisfies UpdateVirtualGatewayInput),
      };
    case 'GatewayRoute':
      return {
        create: new CreateGatewayRouteCommand(doc.input satisfies CreateGatewayRouteInput),
        update: new UpdateGatewayRouteCommand(doc.input satisfies UpdateGatewayRouteInput),
      };
  }
}

/** The same command, built from what a learner's `--cli-input-json` reads: the file on disk. */
function fromFile(kind: CliDocument['kind'], verb: 'create' | 'update', json: Record<string, unknown>) {
  return typed({ kind, input: json } as unknown as CliDocument)[verb];
}

/** The document again, from the request the SDK put on the wire: path parameters, query and JSON body. */
function reassemble(request: { path: string; query: Record<string, unknown>; body: string }): Record<string, unknown> {
  const segments = request.path.split('/').map(decodeURIComponent);
  const after = (segment: string) => (segments.includes(segment) ? segments[segments.indexOf(segment) + 1] : undefined);
  const body = request.body ? (JSON.parse(request.body) as Record<string, unknown>) : {};
  delete body.clientToken;
  const named = (key: string, value: string | undefined) => (value === undefined || value === '' ? {} : { [key]: value });
  const kindSegments: Record<string, string> = { virtualNodes: 'virtualNodeName', virtualRouters: 'virtualRouterName', virtualServices: 'virtualServiceName', virtualGateways: 'virtualGatewayName' };
  const own = Object.entries(kindSegments).flatMap(([segment, key]) => Object.entries(named(key, after(segment))));
  return {
    ...named('meshName', after('meshes')),
    ...named('virtualRouterName', after('virtualRouter')),
    ...named('virtualGatewayName', after('virtualGateway')),
    ...named('routeName', after('routes')),
    ...named('gatewayRouteName', after('gatewayRoutes')),
    ...Object.fromEntries(own),
    ...(request.query.meshOwner ? { meshOwner: request.query.meshOwner } : {}),
    ...body,
  };
}

describe('CLI JSON documents', () => {
  it('exist for every walkthrough, on both platforms, with a mesh.sh per cluster', () => {
    const scripts = [...files.keys()].filter((p) => p.endsWith('/mesh.sh')).sort();
    expect(scripts).toEqual([
      'ecs/ingress-gateway-ecs/appmesh/appmesh-cli/mesh.sh',
      'k8s/dj-kong-ingress/appmesh/appmesh-cli/mesh.sh',
      'k8s/ingress-gateway-eks/appmesh/appmesh-cli/mesh.sh',
      'k8s/mesh-basics/appmesh/appmesh-cli/mesh.sh',
      'k8s/yelb-canary-observability/appmesh/appmesh-cli/mesh.sh',
      'k8s/yelb-multi-account/appmesh/backend/appmesh-cli/mesh.sh',
      'k8s/yelb-multi-account/appmesh/frontend/appmesh-cli/mesh.sh',
    ]);
    expect(cases.length).toBe([...files.keys()].filter((p) => p.endsWith('.json')).length);
  });

  it.each(cases.map((c) => [c.label, c] as const))('%s: the real serializer puts every field on the wire', async (_label, c) => {
    const { requests, handler } = fakeHttp(() => ({ statusCode: 200, body: '{}', headers: { 'content-type': 'application/json' } }));
    const client = new AppMeshClient({ ...OFFLINE, requestHandler: handler });
    await client.send(fromFile(c.action.object.document.kind, c.action.verb, c.json) as never);
    expect(requests).toHaveLength(1);
    expect(requests[0]!.method).toBe('PUT');
    expect(reassemble(requests[0]!)).toEqual(c.json);
    expect(c.json).toEqual(JSON.parse(JSON.stringify(c.action.object.document.input)));
  });

  describe('behind aws-sdk-client-mock', () => {
    // Created here, not at collection time: mocking the class replaces `send` for every instance.
    const mockAppMesh = () => mockClient(AppMeshClient);
    let mock: ReturnType<typeof mockAppMesh>;
    beforeAll(() => {
      mock = mockAppMesh();
    });
    afterAll(() => mock.restore());

    it('every document reaches the client as its command input, unchanged', async () => {
      mock.onAnyCommand().resolves({});
      const client = new AppMeshClient(OFFLINE);
      for (const c of cases) await client.send(fromFile(c.action.object.document.kind, c.action.verb, c.json) as never);
      const calls = mock.calls();
      expect(calls).toHaveLength(cases.length);
      calls.forEach((call, i) => expect(call.args[0].input, cases[i]!.label).toEqual(cases[i]!.json));
      expect(mock.commandCalls(UpdateVirtualNodeCommand).map((call) => call.args[0].input.virtualNodeName)).toEqual(
        expect.arrayContaining(['colorteller-white-vn', 'colorteller-blue-vn', 'colorteller-black-vn', 'colorteller-red-vn']),
      );
    });
  });
});

describe('names and owners', () => {
  const json = (suffix: string) => {
    const path = [...files.keys()].find((p) => p.endsWith(suffix));
    if (!path) throw new Error(`no file ending ${suffix}`);
    return JSON.parse(files.get(path)!) as Record<string, unknown>;
  };

  it('names EKS objects as the controller does: <name>_<namespace>, virtual services <name>.<namespace> unless awsName says otherwise', () => {
    const docs = [...files.entries()].filter(([p]) => p.startsWith('k8s/mesh-basics/appmesh/appmesh-cli/0-')).map(([, c]) => JSON.parse(c) as Record<string, string>);
    expect(docs.map((d) => d.virtualNodeName).filter(Boolean).sort()).toEqual(['client_mesh-test', 'vnode-1_mesh-test', 'vnode-2_mesh-test']);
    expect(docs.find((d) => d.routeName)).toMatchObject({ meshName: 'mesh-1', virtualRouterName: 'vrouter-1_mesh-test', routeName: 'route-1' });
  });

  it('puts meshOwner on every object of a shared mesh and leaves the mesh to its owner', () => {
    const backend = [...files.entries()].filter(([p]) => p.startsWith('k8s/yelb-multi-account/appmesh/backend/appmesh-cli/') && p.endsWith('.json')).map(([, c]) => JSON.parse(c) as Record<string, string>);
    expect(backend.length).toBeGreaterThan(0);
    expect(backend.every((d) => d.meshOwner === '111122223333')).toBe(true);
    expect(backend.some((d) => 'spec' in d && !('virtualNodeName' in d || 'virtualServiceName' in d || 'virtualRouterName' in d))).toBe(false);
    const frontend = [...files.keys()].filter((p) => p.startsWith('k8s/yelb-multi-account/appmesh/frontend/appmesh-cli/0-'));
    expect(frontend.some((p) => /-mesh-am-multi-account-mesh\.json$/.test(p))).toBe(true);
    const ui = json('frontend/appmesh-cli/0-shared-mesh/02-virtual-node-yelb-ui_yelb.json');
    expect(ui.spec).toMatchObject({ backends: [{ virtualService: { virtualServiceName: 'yelb-appserver' } }] });
  });

  it('spells TLS as the API does: certificate.file, trust.file (certificateArn/certificateAuthorityArns for ACM)', () => {
    const white = json('ecs/ingress-gateway-ecs/appmesh/appmesh-cli/1-partial-tls/01-virtual-node-colorteller-white-vn.json');
    expect(white.spec).toMatchObject({ listeners: [{ tls: { mode: 'STRICT', certificate: { file: { certificateChain: '/certs/colorteller_cert_chain.pem' } } } }] });
    const w = structuredClone(getWalkthrough('ingress-gateway-ecs'));
    const node = w.clusters[0]!.resources.find((r) => r.kind === 'VirtualNode')! as { spec: { listeners: { tls?: unknown }[]; backendDefaults?: unknown } };
    node.spec.listeners[0]!.tls = { mode: 'STRICT', certificate: { acm: { certificateARN: 'arn:aws:acm:us-west-2:111122223333:certificate/abc' } } };
    node.spec.backendDefaults = { clientPolicy: { tls: { validation: { trust: { acm: { certificateAuthorityARNs: ['arn:aws:acm-pca:us-west-2:111122223333:certificate-authority/ca'] } } } } } };
    const doc = cliSteps(w, w.clusters[0]!).steps[0]!.actions.find((a) => a.object.awsName === 'colorteller-white-vn')!.object.document.input as { spec: unknown };
    expect(doc.spec).toMatchObject({
      listeners: [{ tls: { certificate: { acm: { certificateArn: 'arn:aws:acm:us-west-2:111122223333:certificate/abc' } } } }],
      backendDefaults: { clientPolicy: { tls: { validation: { trust: { acm: { certificateAuthorityArns: ['arn:aws:acm-pca:us-west-2:111122223333:certificate-authority/ca'] } } } } } },
    });
  });
});
