/**
 * A walkthrough's checks on a live target run locally. Each check is first judged against the
 * migration report (what the target carries): the same expectation where the target behaves as
 * App Mesh did; where it cannot (a route the target cannot express, an Envoy admin port that
 * does not exist there), the check is expected to differ, with the reason — and, where a request
 * can still be made, it is made with what the target should answer instead, so the run shows
 * what really happens. On Lattice a request App Mesh sent through its gateway, or by a mesh name,
 * goes to the Lattice service's name from a client pod, as the guide's Lattice commands do.
 */
import { latticeUrl, targetCheck, type Check, type MigrationReport, type Walkthrough } from '@amw/mesh-manifests';
import type { LocalTarget } from '../targets/rendered-files.js';

export interface TargetCheckPlan {
  /** The check to run (its request and expectation as they hold on the target), absent when it cannot be made there. */
  run?: Check;
  /** `same`: passes as on App Mesh; `differs`: expected to differ, the note says why. */
  expectation: 'same' | 'differs';
  note?: string;
}

/**
 * `clientEntry`: the local entry of the pod that calls Lattice services by name (a curl client).
 */
export function planTargetCheck(walkthrough: Walkthrough, target: LocalTarget, step: string, check: Check, report: MigrationReport, clientEntry: string | undefined): TargetCheckPlan {
  const judged = targetCheck(walkthrough, target, check, report);
  if (judged.status === 'unavailable') return { expectation: 'differs', ...(judged.note ? { note: judged.note } : {}) };
  let run: Check = judged.status === 'differs' && judged.expect ? { ...check, expect: judged.expect } : check;
  if (target === 'lattice') {
    const entry = walkthrough.entries.find((e) => e.name === check.request.entry);
    const url = entry ? latticeUrl({ walkthrough, check, entry, step }) : undefined;
    if (url) {
      const from = entry?.kind === 'exec' ? entry.name : clientEntry;
      if (!from) return { expectation: 'differs', note: 'no client pod runs here to call the Lattice service from' };
      run = { ...run, request: { ...run.request, entry: from, path: url } };
    }
  }
  if (judged.status === 'same') return { run, expectation: 'same' };
  return { run, expectation: 'differs', ...(judged.note ? { note: judged.note } : {}) };
}
