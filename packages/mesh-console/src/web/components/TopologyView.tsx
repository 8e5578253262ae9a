import { useMemo } from 'react';
import { HEALTH_MARK, TLS_MARK } from '../../health.js';
import { layoutTopology } from '../../layout.js';
import type { Tier, Topology, TopologyNode } from '../../snapshot.js';

const WIDTH = 820;
const HEIGHT = 500;

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

/** `↷ 12 undeclared`: calls the sidecar made (or refused) to hosts that are none of its backends. */
function undeclaredText(node: TopologyNode): string | undefined {
  const u = node.undeclared;
  if (!u) return undefined;
  const parts = [u.passedThrough > 0 ? `${u.passedThrough} passed through` : '', u.refused > 0 ? `${u.refused} refused (NR)` : ''].filter(Boolean);
  return `↷ undeclared: ${parts.join(', ')}`;
}

function describe(node: TopologyNode): string {
  const health = node.health ? `, ${HEALTH_MARK[node.health.state].word}: ${node.health.reason}` : '';
  const undeclared = undeclaredText(node);
  return `${TIER_NAMES[node.tier]}: ${node.label}${node.detail ? ` (${node.detail})` : ''}${health}${undeclared ? `; ${undeclared} calls to hosts it does not declare as backends` : ''}`;
}

export function TopologyView({ topology }: { topology: Topology }) {
  const layout = useMemo(() => layoutTopology(topology, { width: WIDTH, height: HEIGHT, margin: 10 }), [topology]);
  const slot = (WIDTH - 20) / Math.max(1, layout.columns.length);
  const dropAll = (topology.egress ?? []).filter((e) => e.filter === 'DROP_ALL');
  return (
    <>
      <p className="topology-legend" data-testid="topology-legend">
        {(topology.egress ?? []).map((e) => (
          <span key={e.mesh} className={`egress egress-${e.filter}`} data-testid="egress" data-filter={e.filter}>
            {e.filter === 'DROP_ALL' ? '⊘' : '↷'} mesh {e.mesh}: egress {e.filter}
            {e.filter === 'DROP_ALL' ? ' (only declared backends; anything else 404 NR)' : ' (undeclared hosts pass through)'}
          </span>
        ))}
        <span className="legend-items" aria-label="Legend">
          {(['healthy', 'degraded', 'unhealthy'] as const).map((s) => (
            <span key={s} className={`legend-health health-${s}`}>
              {HEALTH_MARK[s].symbol} {HEALTH_MARK[s].word}
            </span>
          ))}
          <span className="legend-tls">{TLS_MARK.tls}</span>
          <span className="legend-tls">{TLS_MARK.mtls}</span>
          <span className="legend-tls legend-mismatch">{TLS_MARK.mismatch}</span>
        </span>
      </p>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT + 18}`} className={`topology-svg${dropAll.length > 0 ? ' drop-all' : ''}`} role="group" aria-label="Mesh topology, left to right from entries to instances" data-testid="topology">
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse">
            <path d="M0,0 L10,5 L0,10 z" className="arrowhead" />
          </marker>
          {/* Hatching: an unhealthy box differs by texture as well as colour. */}
          <pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
            <rect width="6" height="6" className="hatch-bg" />
            <line x1="0" y1="0" x2="0" y2="6" className="hatch-line" />
          </pattern>
        </defs>
        {layout.columns.map((tier, i) => (
          <text key={tier} x={10 + i * slot + slot / 2} y={HEIGHT + 12} textAnchor="middle" className="tier-name">
            {TIER_NAMES[tier]}
          </text>
        ))}
        <g className="edges">
          {layout.edges.map((edge) => (
            <g
              key={`${edge.from}>${edge.to}`}
              className={`edge${edge.backwards ? ' backwards' : ''}${edge.tls ? ` tls-${edge.tls}` : ''}`}
              data-testid="topology-edge"
              data-from={edge.from}
              data-to={edge.to}
              {...(edge.tls ? { 'data-tls': edge.tls } : {})}
            >
              {edge.tlsNote && <title>{edge.tlsNote}</title>}
              <path d={edge.path} markerEnd="url(#arrow)" />
              {edge.label && (
                <text x={edge.labelX} y={edge.labelY - 3} textAnchor={edge.backwards ? 'middle' : 'end'} className="edge-label" data-testid="edge-label">
                  {edge.label}
                </text>
              )}
              {edge.tls && (
                // Under the weight label when there is one (both end by the target), else halfway along.
                <text x={edge.label && !edge.backwards ? edge.labelX : edge.midX} y={edge.label && !edge.backwards ? edge.labelY + 13 : edge.midY + 4} textAnchor={edge.label && !edge.backwards ? 'end' : 'middle'} className="tls-label" data-testid="tls-label">
                  {TLS_MARK[edge.tls]}
                </text>
              )}
            </g>
          ))}
        </g>
        <g className="nodes">
          {layout.nodes.map((node) => {
            const small = node.height < 30;
            const mark = node.health ? HEALTH_MARK[node.health.state] : undefined;
            const undeclared = undeclaredText(node);
            // The box is narrow: a count there, the whole account in its title and label.
            const second = node.undeclared ? `↷ ${node.undeclared.passedThrough + node.undeclared.refused} undeclared` : node.detail;
            return (
              <g
                key={node.id}
                className={`node tier-${node.tier}${node.health ? ` health-${node.health.state}` : ''}${undeclared ? ' undeclared' : ''}`}
                transform={`translate(${node.x},${node.y})`}
                tabIndex={0}
                role="img"
                aria-label={describe(node)}
                data-testid="topology-node"
                data-id={node.id}
                data-tier={node.tier}
                {...(node.health ? { 'data-health': node.health.state } : {})}
                {...(undeclared ? { 'data-undeclared': `${node.undeclared!.passedThrough},${node.undeclared!.refused}` } : {})}
              >
                <title>{`${node.label}${node.detail ? `\n${node.detail}` : ''}${node.health ? `\n${mark!.symbol} ${mark!.word}: ${node.health.reason}` : ''}${undeclared ? `\n${undeclared}` : ''}`}</title>
                <rect width={node.width} height={node.height} rx={6} />
                {node.health?.state === 'unhealthy' && <rect width={node.width} height={node.height} rx={6} className="hatched" />}
                <text x={6} y={small ? node.height / 2 + 4 : 17} className="node-label">
                  {fit(node.label, node.width - (mark ? 14 : 0), 12)}
                </text>
                {mark && (
                  <text x={node.width - 5} y={small ? node.height / 2 + 4 : 16} textAnchor="end" className="health-mark" data-testid="health-mark">
                    {mark.symbol}
                  </text>
                )}
                {!small && second && (
                  <text x={6} y={33} className={undeclared ? 'node-detail undeclared-text' : 'node-detail'}>
                    {fit(second, node.width, 10)}
                  </text>
                )}
              </g>
            );
          })}
        </g>
      </svg>
    </>
  );
}
