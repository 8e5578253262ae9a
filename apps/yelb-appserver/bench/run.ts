/**
 * How much the appserver (Express, service-kit's metrics, dependency tracking) costs on top of
 * the SQL it must run. The baseline is a bare `node:http` server running the same statements on
 * the same pg pool, so the difference is our code and nothing else. Rounds alternate between the
 * two servers (and swap who goes first) so a noisy neighbour on a small machine hurts both alike,
 * and the ratios are the median of each round's pair (appserver run / bare run right beside it),
 * which cancels slow drifts in the machine's load that totals would not.
 *
 * Goal: the appserver keeps at least 70% of the bare server's requests/s, with p99 under 2x.
 *
 * Tunables (environment): BENCH_CONNECTIONS (default 32), BENCH_SECONDS per round (2),
 * BENCH_ROUNDS (7), BENCH_WARMUP_SECONDS (2), BENCH_POOL_SIZE (10), BENCH_STRICT=1 to exit 1
 * when the goal is missed.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import { postgresForTests, redisForTests } from '@amw/dev-stack/testing';
import { createLogger, createMetrics, startService } from '@amw/service-kit';
import {
  GET_VOTES_SQL,
  RESTAURANTS,
  VOTE_SQL,
  createAppserverApp,
  createPool,
  createPostgresVotes,
  createRedisPageviews,
} from '../src/index.js';

const settings = {
  connections: Number(process.env.BENCH_CONNECTIONS ?? 32),
  seconds: Number(process.env.BENCH_SECONDS ?? 2),
  rounds: Number(process.env.BENCH_ROUNDS ?? 7),
  warmupSeconds: Number(process.env.BENCH_WARMUP_SECONDS ?? 2),
  poolSize: Number(process.env.BENCH_POOL_SIZE ?? 10),
  strict: process.env.BENCH_STRICT === '1',
};

const ENDPOINTS = ['/api/getvotes', '/api/ihop'] as const;
type Endpoint = (typeof ENDPOINTS)[number];
type Target = 'appserver' | 'bare';

const GOAL = { minThroughputRatio: 0.7, maxP99Ratio: 2 };

interface Sample {
  requests: number;
  seconds: number;
  p50: number;
  p99: number;
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
}

/** The same statements, names and pool as the appserver, with none of its framework. */
function bareServer(pool: ReturnType<typeof createPool>): Server {
  return createServer((req, res) => {
    const fail = () => {
      res.writeHead(500).end();
    };
    if (req.url === '/api/getvotes') {
      pool.query<{ name: string; count: number }>({ name: 'yelb-get-votes', text: GET_VOTES_SQL }).then(({ rows }) => {
        const counts = new Map(rows.map((r) => [r.name.trimEnd(), r.count]));
        const body = JSON.stringify(RESTAURANTS.map((name) => ({ name, value: counts.get(name) ?? 0 })));
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'access-control-allow-origin': '*' }).end(body);
      }, fail);
    } else if (req.url === '/api/ihop') {
      pool.query<{ count: number }>({ name: 'yelb-vote', text: VOTE_SQL, values: ['ihop'] }).then(({ rows }) => {
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'access-control-allow-origin': '*' }).end(String(rows[0]?.count));
      }, fail);
    } else {
      res.writeHead(404).end();
    }
  });
}

async function load(url: string, seconds: number): Promise<Sample> {
  // A worker thread, so the load generator never shares the servers' event loop.
  const result = await autocannon({ url, connections: settings.connections, duration: seconds, pipelining: 1, workers: 1 });
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
    throw new Error(`${url}: ${result.non2xx} non-2xx answers, ${result.errors} errors, ${result.timeouts} timeouts: the comparison would be meaningless`);
  }
  return { requests: result.requests.total, seconds: result.duration, p50: result.latency.p50, p99: result.latency.p99 };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function summarise(samples: Sample[]) {
  const requests = samples.reduce((sum, s) => sum + s.requests, 0);
  const seconds = samples.reduce((sum, s) => sum + s.seconds, 0);
  return { rps: requests / seconds, p50: median(samples.map((s) => s.p50)), p99: median(samples.map((s) => s.p99)) };
}

const pad = (value: string, width: number) => value.padStart(width);

async function main(): Promise<void> {
  const postgres = await postgresForTests('bench');
  const redis = await redisForTests();
  if (!postgres || !redis) throw new Error('the bench needs Postgres and Redis (see the message above)');

  const logger = createLogger({ service: 'yelb-appserver', level: 'warn' });
  const pool = createPool(postgres.url, settings.poolSize);
  const votes = createPostgresVotes({ databaseUrl: postgres.url, logger, pool });
  const pageviews = createRedisPageviews({ redisUrl: redis.url, logger });
  await Promise.all([votes.start(), pageviews.firstConnection(2000)]);

  const appserver = await startService({
    name: 'yelb-appserver',
    handler: createAppserverApp({ votes, pageviews, hostname: 'bench', logger, metrics: createMetrics('yelb-appserver') }),
    port: 0,
    host: '127.0.0.1',
    logger,
    handleSignals: false,
  });
  const bare = bareServer(pool);
  const bases: Record<Target, string> = { appserver: appserver.url, bare: await listen(bare) };
  const samples = new Map<string, Sample[]>();
  const key = (target: Target, endpoint: Endpoint) => `${target} ${endpoint}`;

  try {
    console.log(
      `yelb-appserver bench: ${settings.connections} connections, ${settings.rounds} rounds of ${settings.seconds}s per server and endpoint, pool ${settings.poolSize}, Node ${process.version}`,
    );
    for (const endpoint of ENDPOINTS) {
      for (const target of ['bare', 'appserver'] as const) await load(bases[target] + endpoint, settings.warmupSeconds);
    }
    for (let round = 0; round < settings.rounds; round++) {
      const order: Target[] = round % 2 === 0 ? ['appserver', 'bare'] : ['bare', 'appserver'];
      for (const endpoint of ENDPOINTS) {
        for (const target of order) {
          const sample = await load(bases[target] + endpoint, settings.seconds);
          samples.set(key(target, endpoint), [...(samples.get(key(target, endpoint)) ?? []), sample]);
          process.stdout.write('.');
        }
      }
    }
    process.stdout.write('\n\n');

    let holds = true;
    const header = `${'endpoint'.padEnd(16)}${pad('app req/s', 11)}${pad('bare req/s', 12)}${pad('ratio', 8)}${pad('app p50', 9)}${pad('bare p50', 10)}${pad('app p99', 9)}${pad('bare p99', 10)}${pad('p99 x', 7)}  goal`;
    console.log(header);
    console.log('-'.repeat(header.length));
    for (const endpoint of ENDPOINTS) {
      const app = summarise(samples.get(key('appserver', endpoint))!);
      const base = summarise(samples.get(key('bare', endpoint))!);
      const appRounds = samples.get(key('appserver', endpoint))!;
      const bareRounds = samples.get(key('bare', endpoint))!;
      const throughputRatio = median(appRounds.map((a, i) => a.requests / a.seconds / (bareRounds[i]!.requests / bareRounds[i]!.seconds)));
      // Latencies are whole milliseconds; a 0 ms baseline would make a ratio meaningless.
      const p99Ratio = median(appRounds.map((a, i) => a.p99 / Math.max(bareRounds[i]!.p99, 1)));
      const ok = throughputRatio >= GOAL.minThroughputRatio && p99Ratio < GOAL.maxP99Ratio;
      holds &&= ok;
      console.log(
        `${endpoint.padEnd(16)}${pad(app.rps.toFixed(0), 11)}${pad(base.rps.toFixed(0), 12)}${pad(`${(throughputRatio * 100).toFixed(0)}%`, 8)}` +
          `${pad(`${app.p50}ms`, 9)}${pad(`${base.p50}ms`, 10)}${pad(`${app.p99}ms`, 9)}${pad(`${base.p99}ms`, 10)}${pad(p99Ratio.toFixed(2), 7)}  ${ok ? 'ok' : 'MISSED'}`,
      );
    }
    console.log('\nreq/s over all rounds, latencies the median round; ratio and p99 x are medians of the per-round pairs');
    console.log(
      `goal (appserver >= ${GOAL.minThroughputRatio * 100}% of bare throughput and p99 < ${GOAL.maxP99Ratio}x bare): ${holds ? 'HOLDS' : 'MISSED'}`,
    );
    if (!holds && settings.strict) process.exitCode = 1;
  } finally {
    await appserver.shutdown();
    await new Promise<void>((resolve) => bare.close(() => resolve()));
    await votes.close();
    await pageviews.close();
    await pool.end();
    await postgres.drop();
    await redis.release();
  }
}

await main();
