/**
 * The load button: a bounded burst through one of the run's entries (`POST /v1/console/load`) —
 * a load balancer, or a pod's sidecar (`exec`) with one of the virtual-service URLs that pod may
 * call — so the observed split fills without a terminal. The run checks and
 * paces it; the page shows its progress from the snapshots, so a burst started in another tab
 * disables this button too.
 */
import { useState, type FormEvent } from 'react';
import { describeProgress, LOAD_DEFAULTS, LOAD_LIMITS } from '../../load.js';
import type { ConsoleSnapshot } from '../../snapshot.js';

export function LoadControls({ load }: { load: ConsoleSnapshot['load'] }) {
  const [entry, setEntry] = useState('');
  const [target, setTarget] = useState('');
  const [count, setCount] = useState(String(LOAD_DEFAULTS.count));
  const [rate, setRate] = useState(String(LOAD_DEFAULTS.ratePerSecond));
  const [sending, setSending] = useState(false);
  const [refusal, setRefusal] = useState<string | null>(null);
  // The first entry until the learner picks one, and again if the picked one leaves at a step change.
  const chosen = load.entries.some((e) => e.name === entry) ? entry : (load.entries[0]?.name ?? '');
  const running = sending || load.burst?.running === true;
  const targets = load.entries.find((e) => e.name === chosen)?.targets ?? [];
  const chosenTarget = targets.includes(target) ? target : (targets[0] ?? '');
  const isExec = load.entries.find((e) => e.name === chosen)?.kind === 'exec';

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (running || !chosen) return;
    setSending(true);
    setRefusal(null);
    // Numbers go as typed (Number('') is 0): the run's answer names what is wrong with them.
    const body = JSON.stringify({ entry: chosen, count: Number(count), ratePerSecond: Number(rate), ...(isExec ? { target: chosenTarget } : {}) });
    void fetch('/v1/console/load', { method: 'POST', headers: { 'content-type': 'application/json' }, body })
      .then(async (res) => {
        if (res.status !== 202) {
          const answer: unknown = await res.json().catch(() => undefined);
          const error = typeof answer === 'object' && answer !== null && typeof (answer as { error?: unknown }).error === 'string' ? (answer as { error: string }).error : `the run answered ${res.status}`;
          setRefusal(`Load refused: ${error}.`);
        }
      })
      .catch((error: unknown) => setRefusal(`Load failed: the run could not be reached (${error instanceof Error ? error.message : String(error)}).`))
      .finally(() => setSending(false));
  };

  if (load.entries.length === 0) return <p className="hint">No entry at this step to send load through.</p>;
  return (
    <form className="load" onSubmit={submit} aria-label="Send load">
      <label>
        Entry{' '}
        <select value={chosen} onChange={(e) => setEntry(e.target.value)} data-testid="load-entry">
          {load.entries.map((e) => (
            <option key={e.name} value={e.name}>
              {e.kind === 'exec' ? `${e.name} (pod's sidecar)` : e.name}
            </option>
          ))}
        </select>
      </label>
      {isExec && (
        <label>
          to{' '}
          <select value={chosenTarget} onChange={(e) => setTarget(e.target.value)} data-testid="load-target">
            {targets.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
      )}
      <label>
        Requests{' '}
        <input type="number" min={LOAD_LIMITS.count.min} max={LOAD_LIMITS.count.max} step={1} value={count} onChange={(e) => setCount(e.target.value)} data-testid="load-count" />
      </label>
      <label>
        per second{' '}
        <input type="number" min={LOAD_LIMITS.ratePerSecond.min} max={LOAD_LIMITS.ratePerSecond.max} step={1} value={rate} onChange={(e) => setRate(e.target.value)} data-testid="load-rate" />
      </label>
      <button type="submit" disabled={running} data-testid="load-send">
        {running ? 'Sending…' : 'Send load'}
      </button>
      {refusal && (
        <p role="alert" className="outcome-refused" data-testid="load-refused">
          <span aria-hidden="true">⚠ </span>
          {refusal}
        </p>
      )}
      {load.burst && (
        <p role="status" className="load-progress" data-testid="load-progress" data-running={String(load.burst.running)} data-sent={load.burst.sent} data-answered={load.burst.answered}>
          <progress max={load.burst.count} value={load.burst.sent} aria-label="Requests sent" /> {describeProgress(load.burst)}
        </p>
      )}
    </form>
  );
}
