import { describe, expect, it } from 'vitest';
import { neighbours, stepOutcome } from '../src/steps.js';

const steps = [{ name: 'v1-only' }, { name: 'canary' }, { name: 'promote' }];

describe('neighbours', () => {
  it('gives the steps on either side, and none past either end', () => {
    expect(neighbours(steps, 'v1-only')).toEqual({ next: 'canary' });
    expect(neighbours(steps, 'canary')).toEqual({ previous: 'v1-only', next: 'promote' });
    expect(neighbours(steps, 'promote')).toEqual({ previous: 'canary' });
    expect(neighbours([{ name: 'mesh' }], 'mesh')).toEqual({});
  });

  it('offers nothing for a step the walkthrough does not have', () => {
    expect(neighbours(steps, 'nope')).toEqual({});
  });
});

describe('stepOutcome', () => {
  it('reports the step the run says it is at after a 200', () => {
    expect(stepOutcome('canary', 200, { step: 'canary', walkthrough: 'x' })).toEqual({ kind: 'applied', step: 'canary', message: 'Now at step canary.' });
  });

  it('calls a 409 a refusal, with the run’s reason and where the run is', () => {
    const outcome = stepOutcome('promote', 409, { error: 'a change to step "canary" is still being applied; try again once it is done', step: 'canary' });
    expect(outcome).toEqual({
      kind: 'refused',
      step: 'canary',
      message: 'Step promote refused: a change to step "canary" is still being applied; try again once it is done. The run is at step canary.',
    });
  });

  it('calls a 500 a failure and does not repeat where the run went back to', () => {
    const outcome = stepOutcome('broken', 500, { error: 'step "broken" failed (doomed exited); the run is back at step "all"', step: 'all' });
    expect(outcome).toEqual({ kind: 'failed', step: 'all', message: 'Step broken failed: step "broken" failed (doomed exited); the run is back at step "all".' });
  });

  it('still says something useful when the body is not the run’s JSON', () => {
    expect(stepOutcome('canary', 502, undefined)).toEqual({ kind: 'failed', step: undefined, message: 'Step canary failed: the run answered 502.' });
    expect(stepOutcome('canary', 404, 'nope')).toEqual({ kind: 'refused', step: undefined, message: 'Step canary refused: the run answered 404.' });
    expect(stepOutcome('canary', 500, { error: 42, step: 7 })).toEqual({ kind: 'failed', step: undefined, message: 'Step canary failed: the run answered 500.' });
  });
});
