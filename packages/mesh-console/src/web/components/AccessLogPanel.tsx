import { kongSummary } from '../../access-log.js';
import type { ConsoleSnapshot } from '../../snapshot.js';

/**
 * The newest access log lines of every proxy that writes one (App Mesh's `/dev/stdout` access
 * logs, Kong's), and Kong's refusals counted from its log: 401 for a missing or wrong API key,
 * 429 for the rate limit. Status classes are a symbol and a word as well as a colour.
 */
export function AccessLogPanel({ snapshot }: { snapshot: ConsoleSnapshot }) {
  const lines = snapshot.accessLog.slice(-6);
  return (
    <section className="panel log-panel" aria-labelledby="log-heading">
      <h2 id="log-heading">
        Access log <span className="hint">(newest last, from the proxies; query values redacted)</span>
      </h2>
      {snapshot.kong.map((k) => (
        <p key={k.proxy} className="kong" data-testid="kong-counters" data-401={k.byStatus['401'] ?? 0} data-429={k.byStatus['429'] ?? 0}>
          <strong>Kong {k.proxy.replace(/\/kong$/, '')}:</strong> {kongSummary(k)}
        </p>
      ))}
      {lines.length === 0 ? (
        <p className="hint" data-testid="access-log-empty">No access log lines yet: send load through an entry whose proxy logs (a virtual gateway, Kong, or a node with logging).</p>
      ) : (
        <ol className="access-log" data-testid="access-log" tabIndex={0} aria-label="Access log tail">
          {lines.map((l, i) => {
            const klass = l.status === undefined || l.status === 0 ? 'other' : l.status >= 500 ? 'error' : l.status >= 400 ? 'refused' : 'ok';
            const mark = klass === 'ok' ? '✓' : klass === 'refused' ? '⊘' : klass === 'error' ? '✕' : '·';
            return (
              <li key={`${l.at}-${i}`} className={`log-${klass}`} title={l.line} data-testid="access-log-line" data-proxy={l.proxy} data-status={l.status ?? ''}>
                <span aria-hidden="true">{mark}</span> <span className="log-proxy">{l.proxy}</span> <code>{l.line}</code>
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
