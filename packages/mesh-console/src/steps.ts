/**
 * Moving a run to another step from the page: which steps the buttons lead to, and what the
 * page tells the learner about the run's answer to `POST /v1/steps/<step>` (the same request as
 * `pnpm walkthrough step`). Pure, so the wording of every outcome is tested without a browser.
 */

/** The steps before and after the current one; none at either end of the walkthrough. */
export function neighbours(steps: readonly { name: string }[], current: string): { previous?: string; next?: string } {
  const index = steps.findIndex((s) => s.name === current);
  if (index < 0) return {};
  return {
    ...(index > 0 ? { previous: steps[index - 1]!.name } : {}),
    ...(index < steps.length - 1 ? { next: steps[index + 1]!.name } : {}),
  };
}

export type StepOutcome =
  /** The run now runs the step. */
  | { kind: 'applied'; step: string; message: string }
  /** Another change was in flight (409) or the step is unknown (404): nothing changed. */
  | { kind: 'refused'; step: string | undefined; message: string }
  /** The step could not come up and the run went back (500), or the run could not be reached. */
  | { kind: 'failed'; step: string | undefined; message: string };

/**
 * The run's answer in the page's words. `step` is where the run says it is, when it says so:
 * the page shows that rather than the step it asked for.
 */
export function stepOutcome(requested: string, status: number, body: unknown): StepOutcome {
  const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const at = typeof fields.step === 'string' ? fields.step : undefined;
  const error = typeof fields.error === 'string' ? fields.error : undefined;
  if (status === 200) return { kind: 'applied', step: at ?? requested, message: `Now at step ${at ?? requested}.` };
  // A failed step's error already says where the run went back to.
  const where = at !== undefined && !error?.includes('back at step') ? ` The run is at step ${at}.` : '';
  if (status === 409 || status === 404) {
    return { kind: 'refused', step: at, message: `Step ${requested} refused: ${error ?? `the run answered ${status}`}.${where}` };
  }
  return { kind: 'failed', step: at, message: `Step ${requested} failed: ${error ?? `the run answered ${status}`}.${where}` };
}
