/**
 * Previous/next and the walkthrough's steps as buttons: each sends `POST /v1/steps/<step>`, the
 * request `pnpm walkthrough step` sends. The page never assumes the change worked: the current
 * step shown is always the one the run reports (snapshot or answer), and the topology follows
 * through the event stream.
 */
import { useState } from 'react';
import type { ConsoleSnapshot } from '../../snapshot.js';
import { neighbours, stepOutcome, type StepOutcome } from '../../steps.js';

async function requestStep(step: string): Promise<StepOutcome> {
  try {
    const res = await fetch(`/v1/steps/${encodeURIComponent(step)}`, { method: 'POST' });
    const body: unknown = await res.json().catch(() => undefined);
    return stepOutcome(step, res.status, body);
  } catch (error) {
    return { kind: 'failed', step: undefined, message: `Step ${step} failed: the run could not be reached (${error instanceof Error ? error.message : String(error)}).` };
  }
}

export function StepControls({ snapshot }: { snapshot: ConsoleSnapshot }) {
  // The step this page asked for, until the run answers; the snapshot's `applying` covers changes
  // started elsewhere (a terminal, another tab).
  const [sending, setSending] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<StepOutcome | null>(null);
  const applying = sending ?? snapshot.applying;
  const busy = applying !== undefined && applying !== null;
  const { previous, next } = neighbours(snapshot.steps, snapshot.step.name);

  const go = (step: string) => {
    if (busy) return;
    setSending(step);
    setOutcome(null);
    void requestStep(step).then((result) => {
      setSending(null);
      setOutcome(result);
    });
  };

  return (
    <nav className="steps" aria-label="Steps of the walkthrough">
      <button type="button" onClick={() => previous && go(previous)} disabled={busy || !previous} data-testid="step-previous" aria-label={previous ? `Previous step: ${previous}` : 'Previous step (none)'}>
        ◀ Previous
      </button>
      <ol>
        {snapshot.steps.map((s) => {
          const current = s.name === snapshot.step.name;
          return (
            <li key={s.name}>
              <button
                type="button"
                onClick={() => go(s.name)}
                disabled={busy || current}
                aria-current={current ? 'step' : undefined}
                title={s.title}
                data-testid={current ? 'current-step' : 'step'}
                data-step={s.name}
              >
                {s.name}
              </button>
            </li>
          );
        })}
      </ol>
      <button type="button" onClick={() => next && go(next)} disabled={busy || !next} data-testid="step-next" aria-label={next ? `Next step: ${next}` : 'Next step (none)'}>
        Next ▶
      </button>
      <p className="summary" title={`${snapshot.step.title}. ${snapshot.step.summary}`}>
        {busy ? (
          <span role="status" data-testid="step-applying" className="applying">
            <span aria-hidden="true">⏳ </span>Applying step {applying}…
          </span>
        ) : outcome ? (
          <span role={outcome.kind === 'applied' ? 'status' : 'alert'} data-testid="step-outcome" data-kind={outcome.kind} className={`outcome outcome-${outcome.kind}`}>
            <span aria-hidden="true">{outcome.kind === 'applied' ? '✓ ' : '⚠ '}</span>
            {outcome.message}
          </span>
        ) : (
          <>
            <strong>{snapshot.step.title}.</strong> {snapshot.step.summary}
          </>
        )}
      </p>
    </nav>
  );
}
