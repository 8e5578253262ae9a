import { useState, type KeyboardEvent } from 'react';
import { AccessLogPanel } from './components/AccessLogPanel.js';
import { Health } from './components/Health.js';
import { LoadControls } from './components/LoadControls.js';
import { SplitChart } from './components/SplitChart.js';
import { StepControls } from './components/StepControls.js';
import { TopologyView } from './components/TopologyView.js';
import { TracesPanel } from './components/TracesPanel.js';
import { useSnapshot, type Connection } from './useSnapshot.js';

const CONNECTION_TEXT: Record<Connection, string> = {
  connecting: 'connecting…',
  live: 'live',
  lost: 'connection lost, retrying…',
  stopped: 'the run has stopped',
};

type View = 'topology' | 'traces';
const VIEWS: View[] = ['topology', 'traces'];

/** How a live target is called on the page. */
const TARGET_NAMES: Record<string, string> = { istio: 'Istio', lattice: 'Gateway API (VPC Lattice)' };

export function App() {
  const { snapshot, connection, error } = useSnapshot('/v1/console/events');
  // The main area shows one view at a time so the page still fits 1280×720.
  const [view, setView] = useState<View>('topology');
  // Arrow keys move between tabs, as the WAI-ARIA tabs pattern has it.
  const onTabKey = (event: KeyboardEvent) => {
    if (event.key !== 'ArrowRight' && event.key !== 'ArrowLeft') return;
    const next = VIEWS[(VIEWS.indexOf(view) + (event.key === 'ArrowRight' ? 1 : VIEWS.length - 1)) % VIEWS.length]!;
    setView(next);
    document.getElementById(`tab-${next}`)?.focus();
  };
  return (
    <div className="console">
      <header>
        <h1>
          {snapshot ? snapshot.walkthrough.name : 'Mesh console'}
          {snapshot && <span className="title"> — {snapshot.walkthrough.title}</span>}
        </h1>
        <p className={`connection connection-${connection}`} role="status" data-testid="connection">
          <span aria-hidden="true">{connection === 'live' ? '●' : '○'}</span> {CONNECTION_TEXT[connection]}
        </p>
      </header>
      {error && <p role="alert" className="error">{error}</p>}
      {snapshot?.target && snapshot.target.name !== 'appmesh' && (
        <p role="note" className="target-note" data-testid="target-note">
          Running from the rendered {TARGET_NAMES[snapshot.target.name] ?? snapshot.target.name} files{snapshot.target.files ? ` (${snapshot.target.files})` : ''}: the proxies’ routes, the splits and their counts, health and logs are
          those files’. The topology is drawn from the App Mesh definition they were rendered from.
        </p>
      )}
      {snapshot ? (
        <>
          <StepControls snapshot={snapshot} />
          <main>
            <div className="main-left">
            <section className="panel topology">
              <div role="tablist" aria-label="Main view" className="tabs" onKeyDown={onTabKey}>
                {VIEWS.map((v) => (
                  <button key={v} type="button" role="tab" id={`tab-${v}`} aria-selected={view === v} aria-controls={`view-${v}`} tabIndex={view === v ? 0 : -1} onClick={() => setView(v)} data-testid={`tab-${v}`}>
                    {v === 'topology' ? `Topology at step ${snapshot.step.name}` : 'Traces'}
                  </button>
                ))}
              </div>
              {view === 'topology' ? (
                <div role="tabpanel" id="view-topology" aria-labelledby="tab-topology" className="view">
                  <TopologyView topology={snapshot.topology} />
                </div>
              ) : (
                <div role="tabpanel" id="view-traces" aria-labelledby="tab-traces" className="view">
                  <TracesPanel tracing={snapshot.tracing} />
                </div>
              )}
            </section>
            <AccessLogPanel snapshot={snapshot} />
            </div>
            <aside>
              <section className="panel" aria-labelledby="splits-heading">
                <h2 id="splits-heading">Weighted routes: configured vs observed</h2>
                <LoadControls load={snapshot.load} />
                <p className="hint">Requests counted since {new Date(snapshot.countingSince).toLocaleTimeString()}.</p>
                {snapshot.splits.length === 0 ? <p>No route splits traffic at this step.</p> : snapshot.splits.map((split) => <SplitChart key={split.id} split={split} />)}
                {snapshot.statsErrors.length > 0 && (
                  <p className="warning" role="alert">
                    Stats unavailable: {snapshot.statsErrors.join('; ')}
                  </p>
                )}
              </section>
              <section className="panel" aria-labelledby="health-heading">
                <h2 id="health-heading">Processes</h2>
                <Health processes={snapshot.processes} />
              </section>
            </aside>
          </main>
        </>
      ) : (
        <p className="boot">{connection === 'stopped' ? 'The run has stopped.' : 'Waiting for the run…'}</p>
      )}
    </div>
  );
}
