import { Health } from './components/Health.js';
import { SplitChart } from './components/SplitChart.js';
import { StepControls } from './components/StepControls.js';
import { TopologyView } from './components/TopologyView.js';
import { useSnapshot, type Connection } from './useSnapshot.js';

const CONNECTION_TEXT: Record<Connection, string> = {
  connecting: 'connecting…',
  live: 'live',
  lost: 'connection lost, retrying…',
  stopped: 'the run has stopped',
};

export function App() {
  const { snapshot, connection, error } = useSnapshot('/v1/console/events');
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
      {snapshot ? (
        <>
          <StepControls snapshot={snapshot} />
          <main>
            <section className="panel topology" aria-labelledby="topology-heading">
              <h2 id="topology-heading">Topology at step {snapshot.step.name}</h2>
              <TopologyView topology={snapshot.topology} />
            </section>
            <aside>
              <section className="panel" aria-labelledby="splits-heading">
                <h2 id="splits-heading">Weighted routes: configured vs observed</h2>
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
