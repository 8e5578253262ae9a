/**
 * The model's behaviour that every reader relies on: steps applied in order, checks per step,
 * selectors, a workload's mesh identity, body matching, ARNs.
 */
import { describe, expect, it } from 'vitest';
import { appMeshArn, parseAppMeshArn } from '../src/model/aws.js';
import { virtualNode, workload } from '../src/model/build.js';
import { bodyMatches } from '../src/model/checks.js';
import { checksAt, meshIdentityOf, selectorMatches, stateAt, UnknownStepError } from '../src/model/state.js';
import type { Walkthrough } from '../src/model/walkthrough.js';
import { djKongIngress, getWalkthrough, ingressGatewayEcs, UnknownWalkthroughError } from '../src/walkthroughs/index.js';
import { at, weights } from './helpers.js';

describe('steps', () => {
  it('applies steps cumulatively and leaves the definition untouched', () => {
    expect(weights(at(djKongIngress, 'canary').router('jazz-router', 'prod'), 'jazz-route')).toEqual({ 'jazz-v1': 95, 'jazz-v2': 5 });
    expect(weights(at(djKongIngress, 'key-auth').router('jazz-router', 'prod'), 'jazz-route')).toEqual({ 'jazz-v1': 95, 'jazz-v2': 5 });
    expect(at(djKongIngress, 'rate-limit').has('KongPlugin', 'apikey', 'prod')).toBe(false);
    expect(at(djKongIngress, 'key-auth').has('KongPlugin', 'apikey', 'prod')).toBe(true);
    expect(djKongIngress.clusters[0]!.resources.some((r) => r.metadata.name === 'jazz-v2')).toBe(false);
  });

  it('defaults to the last step', () => {
    expect(stateAt(ingressGatewayEcs)).toEqual(stateAt(ingressGatewayEcs, 'full-tls'));
  });

  it('rejects an unknown step, and a delete of something that does not exist', () => {
    expect(() => stateAt(djKongIngress, 'canary-50')).toThrow(UnknownStepError);
    const broken: Walkthrough = {
      ...djKongIngress,
      steps: [...djKongIngress.steps, { name: 'oops', title: '', summary: '', changes: [{ op: 'delete', kind: 'VirtualNode', name: 'jazz-v9', namespace: 'prod' }] }],
    };
    expect(() => stateAt(broken)).toThrow('step oops of dj-kong-ingress deletes VirtualNode/prod/jazz-v9, which does not exist');
    const deleting: Walkthrough = {
      ...djKongIngress,
      steps: [...djKongIngress.steps, { name: 'drop-dj', title: '', summary: '', changes: [{ op: 'delete', kind: 'VirtualNode', name: 'dj', namespace: 'prod' }] }],
    };
    expect(at(deleting).has('VirtualNode', 'dj', 'prod')).toBe(false);
  });

  it('selects the checks that hold at a step, from `step` until `until`', () => {
    expect(checksAt(ingressGatewayEcs, 'plain').map((c) => c.name)).toEqual(['color1', 'color2']);
    expect(checksAt(ingressGatewayEcs, 'partial-tls').map((c) => c.name)).toEqual(['color1-partial-tls', 'color2-partial-tls', 'gateway-handshakes']);
    expect(checksAt(ingressGatewayEcs, 'full-tls').map((c) => c.name)).toEqual(['color1-full-tls', 'color2-full-tls', 'gateway-handshakes']);
  });

  it('finds walkthroughs by name and lists the valid ones otherwise', () => {
    expect(getWalkthrough('yelb-multi-account').clusters.map((c) => c.name)).toEqual(['frontend', 'backend']);
    expect(() => getWalkthrough('yelb')).toThrow(UnknownWalkthroughError);
  });
});

describe('selectors and identity', () => {
  it('follows Kubernetes semantics', () => {
    expect(selectorMatches({}, { app: 'x' })).toBe(true);
    expect(selectorMatches({ matchLabels: { app: 'x', v: '1' } }, { app: 'x' })).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'v', operator: 'In', values: ['1', '2'] }] }, { v: '2' })).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'v', operator: 'NotIn', values: ['1'] }] }, { v: '1' })).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'v', operator: 'DoesNotExist' }] }, { v: '1' })).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'v', operator: 'Exists' }] }, {})).toBe(false);
  });

  it('refuses a workload two nodes select', () => {
    const pod = workload('ns', 'a', { component: 'colorteller', replicas: 1, podLabels: { app: 'a' }, ports: [] });
    const nodes = ['n1', 'n2'].map((n) => virtualNode('ns', n, { podSelector: { matchLabels: { app: 'a' } } }));
    expect(() => meshIdentityOf(pod, [pod, ...nodes])).toThrow('workload ns/a is selected by several mesh objects: VirtualNode n1, VirtualNode n2');
    expect(meshIdentityOf(pod, [pod])).toBeUndefined();
  });
});

describe('body matching', () => {
  it('compares JSON by value, text exactly', () => {
    expect(bodyMatches({ json: ['Astrud Gilberto', 'Miles Davis'] }, '[ "Astrud Gilberto" ,\n "Miles Davis" ]')).toBe(true);
    expect(bodyMatches({ json: ['Astrud Gilberto', 'Miles Davis'] }, '["Miles Davis","Astrud Gilberto"]')).toBe(false);
    expect(bodyMatches({ json: { message: 'API rate limit exceeded' } }, '{\n  "message":"API rate limit exceeded"\n}')).toBe(true);
    expect(bodyMatches({ json: { a: 1 } }, 'not json')).toBe(false);
    expect(bodyMatches({ equals: 'blue' }, 'blue\n')).toBe(false);
    expect(bodyMatches({ not: { equals: 'ApplicationVersion2' } }, 'yelb-appserver-v1-abc')).toBe(true);
    expect(bodyMatches({ anyOf: [{ equals: 'a' }, { equals: 'b' }] }, 'b')).toBe(true);
    expect(bodyMatches({ matches: '^\\d+$' }, '12')).toBe(true);
    expect(bodyMatches({ contains: 'Yelb' }, '<title>Yelb</title>')).toBe(true);
  });
});

describe('ARNs', () => {
  it('builds and parses App Mesh ARNs', () => {
    const arn = appMeshArn({ region: 'eu-west-1', account: '123456789012' }, 'm', { type: 'virtualService', name: 'a.b' });
    expect(arn).toBe('arn:aws:appmesh:eu-west-1:123456789012:mesh/m/virtualService/a.b');
    expect(parseAppMeshArn(arn)).toEqual({ mesh: 'm', type: 'virtualService', name: 'a.b', region: 'eu-west-1', account: '123456789012' });
    expect(() => parseAppMeshArn('arn:aws:iam::1:role/x')).toThrow('not an App Mesh ARN');
  });
});
