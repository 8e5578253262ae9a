import { describe, expect, it } from 'vitest';
import { compileRoutes, pickWeighted, rewritePath, selectRoute, type Route } from '../src/proxy/routing.js';

const to = (cluster: string) => [{ cluster, weight: 1 }];
const route = (name: string, match: Route['match'], cluster = name): Route => ({ name, match, clusters: to(cluster), timeoutMs: 0 });

// The color-headers router of ingress-gateway-eks, in priority order.
const headerRoutes = compileRoutes([
  {
    name: 'color-headers',
    domains: ['*'],
    routes: [
      route('blue', { prefix: '/', headers: [{ name: 'color_header', match: { exact: 'blue' } }] }),
      route('green', { prefix: '/', headers: [{ name: 'color_header', match: { regex: '.*green.*' } }] }),
      route('red', { prefix: '/', headers: [{ name: 'color_header', match: { prefix: 'red' } }] }),
      route('yellow', { prefix: '/', headers: [{ name: 'color_header' }] }),
      route('white', { prefix: '/' }),
    ],
  },
]).hosts[0]!.routes;

const pick = (headers: string[], path = '/', method = 'GET') =>
  selectRoute(headerRoutes, { method, path, headers, authority: 'x', scheme: 'http' })?.name;

describe('route matching', () => {
  it('follows the header table of ingress-gateway-eks', () => {
    expect(pick(['color_header', 'blue'])).toBe('blue');
    expect(pick(['Color_Header', 'requesting.green.color'])).toBe('green');
    expect(pick(['color_header', 'redish'])).toBe('red');
    expect(pick(['color_header', 'rainbow'])).toBe('yellow');
    expect(pick([])).toBe('white');
  });

  it('matches a regex against the whole value, as Envoy’s safe_regex does', () => {
    const routes = compileRoutes([{ name: 'v', domains: ['*'], routes: [route('r', { path: { regex: '/api/v[0-9]+' } })] }]).hosts[0]!.routes;
    const at = (path: string) => selectRoute(routes, { method: 'GET', path, headers: [], authority: 'x', scheme: 'http' })?.name;
    expect(at('/api/v2')).toBe('r');
    expect(at('/api/v2/extra')).toBeUndefined();
    expect(at('/api/v2?q=1')).toBe('r');
  });

  it('honours invert, range, suffix, method and query parameters', () => {
    const routes = compileRoutes([
      {
        name: 'v',
        domains: ['*'],
        routes: [
          route('not-canary', { prefix: '/', headers: [{ name: 'canary', match: { exact: 'true' }, invert: true }], method: 'POST' }),
          route('range', { prefix: '/', headers: [{ name: 'x-version', match: { range: { start: 2, end: 5 } } }] }),
          route('suffix', { prefix: '/', headers: [{ name: 'user-agent', match: { suffix: 'bot' } }] }),
          route('query', { prefix: '/query', queryParameters: [{ name: 'color_type', match: { exact: 'white' } }] }),
        ],
      },
    ]).hosts[0]!.routes;
    const at = (input: { method?: string; path?: string; headers?: string[] }) =>
      selectRoute(routes, { method: input.method ?? 'GET', path: input.path ?? '/', headers: input.headers ?? [], authority: 'x', scheme: 'http' })?.name;
    expect(at({ method: 'POST' })).toBe('not-canary');
    expect(at({ method: 'POST', headers: ['canary', 'true'] })).toBeUndefined();
    expect(at({ headers: ['x-version', '4'] })).toBe('range');
    expect(at({ headers: ['x-version', '5'] })).toBeUndefined();
    expect(at({ headers: ['user-agent', 'crawlerbot'] })).toBe('suffix');
    expect(at({ path: '/query?color_type=white' })).toBe('query');
    expect(at({ path: '/query?color_type=blue' })).toBeUndefined();
  });
});

describe('rewrites and weights', () => {
  it('rewrites a matched prefix the way a gateway route does by default', () => {
    expect(rewritePath('/color1/tell', { prefix: { matched: '/color1', replacement: '/' } })).toBe('/tell');
    expect(rewritePath('/color1', { prefix: { matched: '/color1', replacement: '/' } })).toBe('/');
    expect(rewritePath('/paths/red?x=1', { prefix: { matched: '/paths', replacement: '/' } })).toBe('/red?x=1');
    expect(rewritePath('/rewrite/path/blue?x=1', { path: '/blue' })).toBe('/blue?x=1');
  });

  it('picks weighted clusters in proportion to their weights', () => {
    const [r] = compileRoutes([{ name: 'v', domains: ['*'], routes: [{ name: 'r', match: { prefix: '/' }, clusters: [{ cluster: 'v1', weight: 95 }, { cluster: 'v2', weight: 5 }], timeoutMs: 0 }] }]).hosts[0]!.routes;
    const tickets = [0, 0.5, 0.9499, 0.95, 0.9999];
    expect(tickets.map((t) => pickWeighted(r!, () => t))).toEqual(['v1', 'v1', 'v1', 'v2', 'v2']);
  });

  it('a route whose weights sum to 0 has no cluster', () => {
    const [r] = compileRoutes([{ name: 'v', domains: ['*'], routes: [{ name: 'r', match: { prefix: '/' }, clusters: [{ cluster: 'a', weight: 0 }], timeoutMs: 0 }] }]).hosts[0]!.routes;
    expect(pickWeighted(r!)).toBeUndefined();
  });
});
