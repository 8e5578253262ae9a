import { useMemo } from 'react';
import { layoutTopology } from '../../layout.js';
import type { Tier, Topology } from '../../snapshot.js';

const WIDTH = 820;
const HEIGHT = 540;

const TIER_NAMES: Record<Tier, string> = {
  entry: 'Entries',
  gateway: 'Virtual gateways',
  service: 'Virtual services',
  router: 'Virtual routers',
  node: 'Virtual nodes',
  instance: 'Instances',
};

/** Fits a label in a box of that width at the font size used (about 0.6 em per character). */
function fit(text: string, width: number, fontSize: number): string {
  const max = Math.max(4, Math.floor((width - 10) / (fontSize * 0.6)));
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export function TopologyView({ topology }: { topology: Topology }) {
  const layout = useMemo(() => layoutTopology(topology, { width: WIDTH, height: HEIGHT, margin: 10 }), [topology]);
  const slot = (WIDTH - 20) / Math.max(1, layout.columns.length);
  return (
    <svg viewBox={`0 0 ${WIDTH} ${HEIGHT + 18}`} className="topology-svg" role="group" aria-label="Mesh topology, left to right from entries to instances" data-testid="topology">
      <defs>
        <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse">
          <path d="M0,0 L10,5 L0,10 z" className="arrowhead" />
        </marker>
      </defs>
      {layout.columns.map((tier, i) => (
        <text key={tier} x={10 + i * slot + slot / 2} y={HEIGHT + 12} textAnchor="middle" className="tier-name">
          {TIER_NAMES[tier]}
        </text>
      ))}
      <g className="edges">
        {layout.edges.map((edge) => (
          <g key={`${edge.from}>${edge.to}`} className={edge.backwards ? 'edge backwards' : 'edge'} data-testid="topology-edge" data-from={edge.from} data-to={edge.to}>
            <path d={edge.path} markerEnd="url(#arrow)" />
            {edge.label && (
              <text x={edge.labelX} y={edge.labelY - 3} textAnchor={edge.backwards ? 'middle' : 'end'} className="edge-label" data-testid="edge-label">
                {edge.label}
              </text>
            )}
          </g>
        ))}
      </g>
      <g className="nodes">
        {layout.nodes.map((node) => {
          const small = node.height < 30;
          return (
            <g
              key={node.id}
              className={`node tier-${node.tier}`}
              transform={`translate(${node.x},${node.y})`}
              tabIndex={0}
              role="img"
              aria-label={`${TIER_NAMES[node.tier]}: ${node.label}${node.detail ? ` (${node.detail})` : ''}`}
              data-testid="topology-node"
              data-id={node.id}
              data-tier={node.tier}
            >
              <title>{`${node.label}${node.detail ? `\n${node.detail}` : ''}`}</title>
              <rect width={node.width} height={node.height} rx={6} />
              <text x={6} y={small ? node.height / 2 + 4 : 17} className="node-label">
                {fit(node.label, node.width, 12)}
              </text>
              {!small && node.detail && (
                <text x={6} y={33} className="node-detail">
                  {fit(node.detail, node.width, 10)}
                </text>
              )}
            </g>
          );
        })}
      </g>
    </svg>
  );
}
