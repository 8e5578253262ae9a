/**
 * The page's calls to the appserver, through the yelb-ui server's /api forwarding. URLs are
 * root-relative, so the page works behind any host name, port or load balancer.
 */
import { RESTAURANTS, isRestaurantId, type Counts, type RestaurantId } from './restaurants.js';

export interface Stats {
  readonly hostname: string;
  readonly pageviews: number;
}

/** A failed call, worded for the person looking at the page. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/**
 * Turns an error answer into one sentence. The appserver answers JSON (`{"error", "dependency"}`
 * when Postgres or Redis is down), the yelb-ui server `{"error", "upstream"}` when the appserver
 * is unreachable, and a mesh proxy plain text such as `no healthy upstream`.
 */
export function describeFailure(status: number, body: string): string {
  let parsed: Record<string, unknown> | undefined;
  try {
    const value: unknown = JSON.parse(body);
    if (value && typeof value === 'object') parsed = value as Record<string, unknown>;
  } catch {
    // Not JSON: the text itself is the best description there is.
  }
  const error = typeof parsed?.error === 'string' ? parsed.error : undefined;
  if (error && typeof parsed?.upstream === 'string') {
    return `yelb-ui answered ${status}: ${error} at ${parsed.upstream}.`;
  }
  if (error && typeof parsed?.dependency === 'string') {
    const named = error.includes(parsed.dependency) ? '' : ` (${parsed.dependency})`;
    return `The app server answered ${status}: ${error}${named}.`;
  }
  const detail = error ?? body.trim().slice(0, 300);
  return detail ? `The server answered ${status}: ${detail}.` : `The server answered ${status}.`;
}

async function call(path: string): Promise<string> {
  let response: Response;
  try {
    response = await fetch(path, { cache: 'no-store', headers: { accept: 'application/json, text/plain' } });
  } catch {
    throw new ApiError('The Yelb server could not be reached: check the network and that yelb-ui is running.');
  }
  const body = await response.text();
  if (!response.ok) throw new ApiError(describeFailure(response.status, body), response.status);
  return body;
}

function unexpected(path: string): ApiError {
  return new ApiError(`The app server sent an answer to ${path} that this page does not understand.`);
}

export async function fetchVotes(): Promise<Counts> {
  const path = '/api/getvotes';
  let parsed: unknown;
  try {
    parsed = JSON.parse(await call(path));
  } catch (error) {
    throw error instanceof ApiError ? error : unexpected(path);
  }
  if (!Array.isArray(parsed)) throw unexpected(path);
  const counts: Partial<Record<RestaurantId, number>> = {};
  for (const entry of parsed as unknown[]) {
    const { name, value } = (entry ?? {}) as { name?: unknown; value?: unknown };
    const id = typeof name === 'string' ? name.trim() : name;
    if (isRestaurantId(id) && typeof value === 'number' && Number.isInteger(value)) counts[id] = value;
  }
  if (RESTAURANTS.some((r) => counts[r.id] === undefined)) throw unexpected(path);
  return counts as Counts;
}

/** Also counts this page view: the appserver increments the counter on every call. */
export async function fetchStats(): Promise<Stats> {
  const path = '/api/getstats';
  let parsed: { hostname?: unknown; pageviews?: unknown };
  try {
    parsed = JSON.parse(await call(path)) as typeof parsed;
  } catch (error) {
    throw error instanceof ApiError ? error : unexpected(path);
  }
  const pageviews = Number(parsed?.pageviews);
  if (typeof parsed?.hostname !== 'string' || !Number.isFinite(pageviews)) throw unexpected(path);
  return { hostname: parsed.hostname, pageviews };
}

/** Casts one vote; resolves with the new count when the appserver says it. */
export async function castVote(id: RestaurantId): Promise<number | undefined> {
  const body = await call(`/api/${id}`);
  const count = Number(body.trim());
  return body.trim() !== '' && Number.isInteger(count) ? count : undefined;
}
