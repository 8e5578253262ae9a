import { describe, expect, it } from 'vitest';
import { describeFailure } from '../../src/web/api.js';

describe('describeFailure: one sentence for each kind of error answer the page can get', () => {
  it("words the appserver's dependency errors without repeating the dependency", () => {
    const body = JSON.stringify({ error: 'postgres is unavailable; try again shortly', dependency: 'postgres' });
    expect(describeFailure(503, body)).toBe('The app server answered 503: postgres is unavailable; try again shortly.');
    expect(describeFailure(503, JSON.stringify({ error: 'database down', dependency: 'postgres' }))).toBe('The app server answered 503: database down (postgres).');
  });

  it("names the endpoint when yelb-ui itself could not reach the appserver", () => {
    const body = JSON.stringify({ error: 'cannot reach the Yelb app server (ECONNREFUSED)', upstream: 'http://yelb-appserver:4567' });
    expect(describeFailure(502, body)).toBe('yelb-ui answered 502: cannot reach the Yelb app server (ECONNREFUSED) at http://yelb-appserver:4567.');
  });

  it("quotes a mesh proxy's plain-text answer", () => {
    expect(describeFailure(503, 'no healthy upstream')).toBe('The server answered 503: no healthy upstream.');
    expect(describeFailure(404, JSON.stringify({ error: 'unknown restaurant: pizza' }))).toBe('The server answered 404: unknown restaurant: pizza.');
  });

  it('still says something for an empty body', () => {
    expect(describeFailure(500, '')).toBe('The server answered 500.');
  });
});
