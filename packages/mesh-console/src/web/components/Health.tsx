import type { ProcessHealth } from '../../snapshot.js';

/** Readiness as a symbol and a word, never by colour alone. */
export function Health({ processes }: { processes: ProcessHealth[] }) {
  const ready = processes.filter((p) => p.ready).length;
  return (
    <>
      <p data-testid="health-summary">
        {ready} of {processes.length} ready
      </p>
      <ul className="health" data-testid="health">
        {processes.map((p) => (
          <li key={p.name} tabIndex={0} className={p.ready ? 'ready' : 'not-ready'} aria-label={`${p.name}: ${p.ready ? 'ready' : 'not ready'}, ${p.restarts} restarts`}>
            <span aria-hidden="true" className="mark">{p.ready ? '✓' : '✕'}</span>
            <span className="name">{p.name}</span>
            <span className="restarts">{p.restarts > 0 ? `↻ ${p.restarts}` : ''}</span>
          </li>
        ))}
      </ul>
    </>
  );
}
