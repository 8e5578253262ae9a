import { describe, expect, it } from 'vitest';
import { layoutTopology } from '../src/layout.js';
import type { Topology } from '../src/snapshot.js';

// mesh-basics at its last step, as the server describes it.
const meshBasics: Topology = {
  nodes: [
    { id: 'entry:gateway', tier: 'entry', label: 'gateway' },
    { id: 'entry:client', tier: 'entry', label: 'client' },
    { id: 'vg:gateway-v', tier: 'gateway', label: 'gateway-v' },
    { id: 'vs:svc-v', tier: 'service', label: 'svc-v' },
    { id: 'vr:vrouter-1', tier: 'router', label: 'vrouter-1' },
    { id: 'vn:vnode-2', tier: 'node', label: 'vnode-2' },
    { id: 'vn:vnode-1', tier: 'node', label: 'vnode-1' },
    { id: 'vn:client', tier: 'node', label: 'client' },
    { id: 'i:client', tier: 'instance', label: 'client' },
    { id: 'i:ct-1', tier: 'instance', label: 'colorteller-1' },
    { id: 'i:ct-2', tier: 'instance', label: 'colorteller-2' },
  ],
  edges: [
    { from: 'entry:gateway', to: 'vg:gateway-v' },
    { from: 'entry:client', to: 'vn:client' },
    { from: 'vg:gateway-v', to: 'vs:svc-v', label: 'prefix /' },
    { from: 'vs:svc-v', to: 'vr:vrouter-1' },
    { from: 'vr:vrouter-1', to: 'vn:vnode-1', label: 'route-1 · 1', weight: 1 },
    { from: 'vr:vrouter-1', to: 'vn:vnode-2', label: 'route-1 · 1', weight: 1 },
    { from: 'vn:client', to: 'vs:svc-v', label: 'backend' },
    { from: 'vn:vnode-1', to: 'i:ct-1' },
    { from: 'vn:vnode-2', to: 'i:ct-2' },
    { from: 'vn:client', to: 'i:client' },
  ],
};

const size = { width: 800, height: 500 };
const at = (layout: ReturnType<typeof layoutTopology>, id: string) => layout.nodes.find((n) => n.id === id)!;

describe('layoutTopology', () => {
  it('puts each tier in its own column, left to right in tier order', () => {
    const layout = layoutTopology(meshBasics, size);
    expect(layout.columns).toEqual(['entry', 'gateway', 'service', 'router', 'node', 'instance']);
    const xs = layout.columns.map((tier) => new Set(layout.nodes.filter((n) => n.tier === tier).map((n) => n.x)));
    for (const set of xs) expect(set.size).toBe(1);
    const columnX = xs.map((s) => [...s][0]!);
    expect([...columnX].sort((a, b) => a - b)).toEqual(columnX);
  });

  it('keeps every box inside the drawing and boxes of a column apart', () => {
    const layout = layoutTopology(meshBasics, size);
    for (const n of layout.nodes) {
      expect(n.x).toBeGreaterThanOrEqual(0);
      expect(n.y).toBeGreaterThanOrEqual(0);
      expect(n.x + n.width).toBeLessThanOrEqual(size.width);
      expect(n.y + n.height).toBeLessThanOrEqual(size.height);
    }
    for (const tier of layout.columns) {
      const column = layout.nodes.filter((n) => n.tier === tier).sort((a, b) => a.y - b.y);
      for (let i = 1; i < column.length; i++) expect(column[i]!.y).toBeGreaterThanOrEqual(column[i - 1]!.y + column[i - 1]!.height);
    }
  });

  it('orders a column by its left neighbours, so instances line up with their nodes', () => {
    const layout = layoutTopology(meshBasics, size);
    const nodes = ['vn:vnode-2', 'vn:vnode-1', 'vn:client'].map((id) => at(layout, id)).sort((a, b) => a.y - b.y).map((n) => n.id);
    const instances = ['i:client', 'i:ct-1', 'i:ct-2'].map((id) => at(layout, id)).sort((a, b) => a.y - b.y).map((n) => n.id);
    const instanceOf: Record<string, string> = { 'vn:vnode-1': 'i:ct-1', 'vn:vnode-2': 'i:ct-2', 'vn:client': 'i:client' };
    expect(instances).toEqual(nodes.map((n) => instanceOf[n]));
    // The entry reaching the gateway sits above the one reaching the client node, as listed.
    expect(at(layout, 'entry:gateway').y).toBeLessThan(at(layout, 'entry:client').y);
  });

  it('draws forward edges from the right side of the source to the left side of the target, with labels between', () => {
    const layout = layoutTopology(meshBasics, size);
    const edge = layout.edges.find((e) => e.to === 'vn:vnode-1')!;
    const a = at(layout, 'vr:vrouter-1');
    const b = at(layout, 'vn:vnode-1');
    expect(edge.backwards).toBe(false);
    expect(edge.path.startsWith(`M${Math.round((a.x + a.width) * 10) / 10},`)).toBe(true);
    expect(edge.path.endsWith(`${Math.round(b.x * 10) / 10},${Math.round((b.y + b.height / 2) * 10) / 10}`)).toBe(true);
    expect(edge.labelX).toBeGreaterThan(a.x + a.width);
    expect(edge.labelX).toBeLessThan(b.x);
    expect(edge.label).toBe('route-1 · 1');
  });

  it('marks a node calling back to an earlier tier (a backend) as backwards', () => {
    const layout = layoutTopology(meshBasics, size);
    expect(layout.edges.find((e) => e.from === 'vn:client' && e.to === 'vs:svc-v')!.backwards).toBe(true);
    expect(layout.edges.filter((e) => e.backwards)).toHaveLength(1);
  });

  it('puts the TLS mark halfway along each edge, between the boxes and before the weight label’s anchor', () => {
    const layout = layoutTopology(meshBasics, size);
    const forward = layout.edges.find((e) => e.to === 'vn:vnode-1')!;
    const a = at(layout, 'vr:vrouter-1');
    const b = at(layout, 'vn:vnode-1');
    expect(forward.midX).toBeCloseTo((a.x + a.width + b.x) / 2, 0);
    expect(forward.midY).toBeCloseTo((a.y + a.height / 2 + b.y + b.height / 2) / 2, 0);
    expect(forward.midX).toBeGreaterThan(a.x + a.width);
    expect(forward.midX).toBeLessThan(forward.labelX);
    const back = layout.edges.find((e) => e.backwards)!;
    const from = at(layout, back.from);
    const to = at(layout, back.to);
    // Halfway along the arc is below both boxes and between them.
    expect(back.midY).toBeGreaterThan(Math.max(from.y + from.height, to.y + to.height));
    expect(back.midX).toBeCloseTo((from.x + from.width / 2 + to.x + to.width / 2) / 2, 0);
  });

  it('skips empty tiers and shrinks boxes in a crowded column', () => {
    const nodes = Array.from({ length: 30 }, (_, i) => ({ id: `i:${i}`, tier: 'instance' as const, label: `pod-${i}` }));
    const layout = layoutTopology({ nodes: [{ id: 'vn:a', tier: 'node', label: 'a' }, ...nodes], edges: [] }, size);
    expect(layout.columns).toEqual(['node', 'instance']);
    const pods = layout.nodes.filter((n) => n.tier === 'instance');
    expect(Math.max(...pods.map((n) => n.y + n.height))).toBeLessThanOrEqual(size.height);
    expect(pods[0]!.height).toBeLessThan(44);
  });

  it('refuses an edge to a node that is not there, a duplicate id and a bad size', () => {
    expect(() => layoutTopology({ nodes: [{ id: 'a', tier: 'node', label: 'a' }], edges: [{ from: 'a', to: 'b' }] }, size)).toThrow('names node b, which is not in the topology');
    expect(() => layoutTopology({ nodes: [{ id: 'a', tier: 'node', label: 'a' }, { id: 'a', tier: 'instance', label: 'a' }], edges: [] }, size)).toThrow('appears twice');
    expect(() => layoutTopology(meshBasics, { width: 0, height: 100 })).toThrow('positive width and height');
  });
});
