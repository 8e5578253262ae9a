/**
 * Places the topology left to right by tier (entries → gateways → services → routers → nodes →
 * instances) and orders each column by where its nodes' neighbours on the left sit, so edges
 * mostly run straight and seldom cross. Pure: the page draws the result as SVG.
 */
import { TIERS, type Tier, type Topology, type TopologyEdge, type TopologyNode } from './snapshot.js';

export interface LayoutOptions {
  width: number;
  height: number;
  /** Space kept free around the drawing (labels of the outer columns). */
  margin?: number;
  /** Tallest a node box gets; boxes shrink when a column is crowded. */
  maxNodeHeight?: number;
  /** Vertical gap between boxes of one column. */
  gap?: number;
}

export interface PlacedNode extends TopologyNode {
  x: number;
  y: number;
  width: number;
  height: number;
  column: number;
}

export interface PlacedEdge extends TopologyEdge {
  /** SVG path data from the source box to the target box. */
  path: string;
  /** Where the label goes: forward edges end-anchored just before the target, so a router's fan of weights does not pile up at its source. */
  labelX: number;
  labelY: number;
  /** Goes right to left (a node calling a service): drawn differently. */
  backwards: boolean;
  /** Halfway along the edge: where its TLS mark goes, before the weight label anchored near the target. */
  midX: number;
  midY: number;
}

export interface Layout {
  nodes: PlacedNode[];
  edges: PlacedEdge[];
  /** The tiers that have nodes, in column order. */
  columns: Tier[];
  width: number;
  height: number;
}

export function layoutTopology(topology: Topology, options: LayoutOptions): Layout {
  const { width, height } = options;
  if (!(width > 0 && height > 0)) throw new Error(`layout needs a positive width and height, got ${width}×${height}`);
  const margin = options.margin ?? 8;
  const gap = options.gap ?? 10;
  const maxNodeHeight = options.maxNodeHeight ?? 44;

  const ids = new Set<string>();
  for (const node of topology.nodes) {
    if (!TIERS.includes(node.tier)) throw new Error(`node ${node.id} has unknown tier "${node.tier}"`);
    if (ids.has(node.id)) throw new Error(`node id ${node.id} appears twice`);
    ids.add(node.id);
  }
  for (const edge of topology.edges) {
    for (const end of [edge.from, edge.to]) if (!ids.has(end)) throw new Error(`edge ${edge.from} → ${edge.to} names node ${end}, which is not in the topology`);
  }

  // Empty tiers take no column: a walkthrough without a gateway should not leave a hole.
  const columns = TIERS.filter((tier) => topology.nodes.some((n) => n.tier === tier));
  const columnOf = new Map(columns.map((tier, i) => [tier, i]));
  const slot = columns.length === 0 ? 0 : (width - 2 * margin) / columns.length;
  // Boxes take 62% of a column; the rest is for the edges and their labels.
  const nodeWidth = slot * 0.62;

  const order = new Map<string, number>();
  const byColumn = columns.map((tier) => topology.nodes.filter((n) => n.tier === tier));
  byColumn.forEach((nodes, column) => {
    // Barycentre of the left neighbours' ranks; nodes without any keep their given order.
    const rank = (node: TopologyNode, index: number) => {
      const left = topology.edges
        .flatMap((e) => (e.to === node.id ? [e.from] : e.from === node.id ? [e.to] : []))
        .filter((other) => (columnOf.get(tierOf(topology, other)) ?? column) < column)
        .map((other) => order.get(other))
        .filter((r): r is number => r !== undefined);
      return left.length === 0 ? Number.POSITIVE_INFINITY : left.reduce((a, b) => a + b, 0) / left.length + index * 1e-6;
    };
    const ranked = nodes.map((node, index) => ({ node, index, rank: rank(node, index) }));
    ranked.sort((a, b) => (a.rank === b.rank ? a.index - b.index : a.rank - b.rank));
    ranked.forEach(({ node }, i) => order.set(node.id, i / Math.max(1, ranked.length - 1)));
    byColumn[column] = ranked.map((r) => r.node);
  });

  const placed = new Map<string, PlacedNode>();
  byColumn.forEach((nodes, column) => {
    const usable = height - 2 * margin;
    const n = nodes.length;
    // A crowded column gives up its gaps before its boxes get too small to read, and never overflows.
    let columnGap = gap;
    let nodeHeight = (usable - columnGap * (n - 1)) / n;
    if (nodeHeight < 12) {
      columnGap = n > 1 ? Math.max(0, Math.min(gap, (usable - 12 * n) / (n - 1))) : 0;
      nodeHeight = (usable - columnGap * (n - 1)) / n;
    }
    nodeHeight = Math.min(maxNodeHeight, nodeHeight);
    const total = n * nodeHeight + (n - 1) * columnGap;
    const top = margin + Math.max(0, (usable - total) / 2);
    nodes.forEach((node, i) => {
      placed.set(node.id, {
        ...node,
        column,
        x: margin + column * slot + (slot - nodeWidth) / 2,
        y: top + i * (nodeHeight + columnGap),
        width: nodeWidth,
        height: nodeHeight,
      });
    });
  });

  const edges = topology.edges.map((edge): PlacedEdge => {
    const a = placed.get(edge.from)!;
    const b = placed.get(edge.to)!;
    const backwards = b.column <= a.column;
    const y1 = a.y + a.height / 2;
    const y2 = b.y + b.height / 2;
    if (!backwards) {
      const x1 = a.x + a.width;
      const x2 = b.x;
      const bend = (x2 - x1) / 2;
      return {
        ...edge,
        backwards,
        path: `M${r(x1)},${r(y1)} C${r(x1 + bend)},${r(y1)} ${r(x2 - bend)},${r(y2)} ${r(x2)},${r(y2)}`,
        labelX: r(x2 - 6),
        labelY: r(y2 - 4),
        // The cubic's point at t = ½ is the midpoint of its ends, since its controls mirror each other.
        midX: r((x1 + x2) / 2),
        midY: r((y1 + y2) / 2),
      };
    }
    // A call back to an earlier tier leaves the bottom of its box and arcs under both.
    const x1 = a.x + a.width / 2;
    const x2 = b.x + b.width / 2;
    const yb1 = a.y + a.height;
    const yb2 = b.y + b.height;
    const low = Math.min(height - 2, Math.max(yb1, yb2) + 24);
    // The arc's point at t = ½: a quarter of each end and three quarters of the low control points.
    const midY = r((yb1 + yb2) / 8 + (3 * low) / 4);
    return { ...edge, backwards, path: `M${r(x1)},${r(yb1)} C${r(x1)},${r(low)} ${r(x2)},${r(low)} ${r(x2)},${r(yb2)}`, labelX: r((x1 + x2) / 2), labelY: r(low - 6), midX: r((x1 + x2) / 2), midY };
  });

  return { nodes: [...placed.values()], edges, columns, width, height };
}

function tierOf(topology: Topology, id: string): Tier {
  return topology.nodes.find((n) => n.id === id)!.tier;
}

const r = (n: number) => Math.round(n * 10) / 10;
