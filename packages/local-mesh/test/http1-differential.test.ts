/**
 * Holds the proxies' HTTP/1.1 codec (serveConnection) to llhttp's strict mode, the parser behind
 * node:http: the same raw bytes go to both over loopback, whole and cut at random, and the two
 * must cut the same requests out of the stream and refuse (or close) at the same point. A codec
 * that frames a byte stream differently from the hop next to it is how requests get smuggled.
 *
 * Then fast-check generates valid pipelines (which must come out exactly as generated, however
 * they are cut) and damaged ones (which must be judged the same however they are cut, and never
 * more leniently than llhttp judges them). Replay a failure with FC_SEED (and FC_PATH) from its report.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cutPoints, expected, mutatedStream, offsetsIn, pipeline, wire, type CutPoint } from './helpers/http1-arbitraries.js';
import { cut, deliver, pool, randomCut, seeded, seedOf, show, startNodeServer, startOurServer, verdict, type Outcome, type WireServer } from './helpers/http1-wire.js';
import { corpus, type Case, type NodeAnswer } from './http1-corpus.js';

let node: WireServer;
let ours: WireServer;
beforeAll(async () => {
  [node, ours] = await Promise.all([startNodeServer(), startOurServer()]);
});
afterAll(async () => {
  await Promise.all([node?.close(), ours?.close()]);
});

/** Everything our codec decided and said: none of it may depend on how the bytes were cut. */
const ourDecision = (o: Outcome) => ({
  messages: o.messages,
  finished: o.finished,
  refusedWith: o.refused?.status ?? null,
  finalAnswers: o.answers.filter((status) => status >= 200),
});

/**
 * node:http's decision. Whether it refuses what follows a closing request, or has closed before
 * it arrives, and whether its refusal reaches the client (an earlier answer may already be under
 * way when llhttp fails) depend on the cutting: only what it served and that it is done count.
 */
const nodeDecision = (o: Outcome) => ({ messages: o.messages, finished: o.finished });

function nodeAnswer(o: Outcome): NodeAnswer {
  return { accepts: o.messages.length, then: o.refused ? ((o.refused.status ?? 'refused') as NodeAnswer['then']) : o.finished ? 'closed' : 'open' };
}

/** Where a cutting cut, for failure messages. */
function offsets(pieces: readonly Buffer[]): string {
  let at = 0;
  return pieces
    .slice(0, -1)
    .map((p) => (at += p.length))
    .join(', ');
}

interface Way {
  how: string;
  pieces: Buffer[];
}

/** The whole message first, then seeded random cuttings, then a byte (or a KiB) at a time. */
function waysToSend(c: Case): Way[] {
  const random = seeded(seedOf(c.name));
  const ways: Way[] = [{ how: 'in one piece', pieces: [c.bytes] }];
  for (let i = 0; i < 4; i++) {
    const pieces = randomCut(c.bytes, random);
    ways.push({ how: `cut at ${offsets(pieces)}`, pieces });
  }
  const step = c.bytes.length <= 300 ? 1 : 1024;
  ways.push({
    how: step === 1 ? 'one byte at a time' : 'in 1 KiB pieces',
    pieces: cut(c.bytes, Array.from({ length: Math.ceil(c.bytes.length / step) }, (_, i) => i * step)),
  });
  return ways;
}

const duplicates = corpus.map((c) => c.name).filter((name, i, all) => all.indexOf(name) !== i);
if (duplicates.length > 0) throw new Error(`corpus names must be unique: ${duplicates.join(', ')}`);

describe('HTTP/1.1 codec against llhttp: the corpus', () => {
  const runs = new Map<string, { node: (Way & { outcome: Outcome })[]; ours: (Way & { outcome: Outcome })[] }>();

  beforeAll(async () => {
    const jobs: (() => Promise<void>)[] = [];
    for (const c of corpus) {
      const ways = waysToSend(c);
      const run = { node: new Array<Way & { outcome: Outcome }>(ways.length), ours: new Array<Way & { outcome: Outcome }>(ways.length) };
      runs.set(c.name, run);
      ways.forEach((way, i) => {
        jobs.push(async () => void (run.node[i] = { ...way, outcome: await deliver(node, way.pieces) }));
        jobs.push(async () => void (run.ours[i] = { ...way, outcome: await deliver(ours, way.pieces) }));
      });
    }
    await pool(jobs, 24);
  }, 60_000);

  describe.each(corpus)('$name', (c) => {
    it('node:http answers as recorded in the corpus, however the bytes are cut', () => {
      const [whole, ...cuts] = runs.get(c.name)!.node;
      const context = `${c.why}\n  bytes: ${show(c.bytes)}\n  node: ${verdict(whole!.outcome)}`;
      expect(nodeAnswer(whole!.outcome), context).toEqual(c.node);
      if (c.interim !== undefined) expect(whole!.outcome.answers[0], context).toBe(c.interim);
      for (const way of cuts) {
        expect(nodeDecision(way.outcome), `${context}\n  node, ${way.how}: ${verdict(way.outcome)}`).toEqual(nodeDecision(whole!.outcome));
      }
    });

    it(c.ours ? 'our codec refuses it, stricter than llhttp by design' : 'our codec agrees with llhttp', () => {
      const n = runs.get(c.name)!.node[0]!.outcome;
      const o = runs.get(c.name)!.ours[0]!.outcome;
      const context = `${c.why}\n  bytes: ${show(c.bytes)}\n  node: ${verdict(n)}\n  ours: ${verdict(o)}`;
      if (c.ours) {
        expect(o.messages, context).toEqual(n.messages.slice(0, c.ours.accepts ?? 0));
        expect(o.refused, `${context}\n  stricter because: ${c.ours.stricter}`).toBeDefined();
      } else {
        // The same requests out of the stream, then the same decision: done (refused or closed)
        // where llhttp is done, still waiting where it waits. The status code may differ.
        expect(o.messages, context).toEqual(n.messages);
        expect(o.finished, context).toBe(n.finished);
      }
      if (c.interim !== undefined) expect(o.answers[0], context).toBe(c.interim);
      // The client is told: one answer per accepted request, in order, then the refusal.
      expect(o.reports, context).toEqual(o.messages);
      if (o.refused) expect(o.answers.at(-1), context).toBe(o.refused.status);
    });

    it('our codec decides the same however the bytes are cut', () => {
      const [whole, ...cuts] = runs.get(c.name)!.ours;
      for (const way of cuts) {
        expect(ourDecision(way.outcome), `bytes: ${show(c.bytes)}\n  ours, in one piece: ${verdict(whole!.outcome)}\n  ours, ${way.how}: ${verdict(way.outcome)}`).toEqual(
          ourDecision(whole!.outcome),
        );
      }
    });
  });
});

/** What fast-check starts from under CI (any fixed number would do; FC_SEED overrides it). */
const CI_SEED = 20261206;

describe('HTTP/1.1 codec: property-based', () => {
  /**
   * A few seconds of runs each on two cores. Shrinking a failure replays connections and can take
   * thousands of steps: the time limit stops it with the counterexample shrunk so far (reported,
   * with seed and path to resume), so the file stays well under 30 s.
   */
  const parameters = (numRuns: number): fc.Parameters<unknown> => ({
    numRuns,
    plugins: [fc.interruptAfterTimeLimit(6_000)],
    // Under CI the same inputs every time, so a red build is the change's and can be replayed;
    // everywhere else a new seed each run, which is how the fuzzer keeps finding new ground.
    ...(process.env.FC_SEED || process.env.CI === 'true' ? { seed: Number(process.env.FC_SEED ?? CI_SEED) } : {}),
    ...(process.env.FC_PATH ? { path: process.env.FC_PATH } : {}),
  });
  const cutBy = (bytes: Buffer, points: readonly CutPoint[]) => cut(bytes, offsetsIn(bytes, points));

  it('serves a valid pipeline, cut anywhere, exactly as generated', async () => {
    await fc.assert(
      fc.asyncProperty(pipeline, cutPoints, async (requests, points) => {
        const bytes = wire(requests);
        const pieces = cutBy(bytes, points);
        const want = requests.map(expected);
        const finished = !requests.at(-1)!.keepAlive;
        const [n, o] = await Promise.all([deliver(node, [bytes]), deliver(ours, pieces)]);
        // llhttp vouches for the generator: a request it refuses is a bug in the generator, not in the codec.
        expect(n.messages, `llhttp does not take the generated stream ${show(bytes, 600)}\n  node: ${verdict(n)}`).toEqual(want);
        expect(n.finished, `llhttp keeps the generated stream ${show(bytes, 600)} ${finished ? 'open' : 'closed'}`).toBe(finished);
        const context = `${show(bytes, 600)} cut at ${offsets(pieces)}\n  ours: ${verdict(o)}`;
        expect(o.messages, context).toEqual(want);
        expect(o.refused, context).toBeUndefined();
        expect(o.finished, context).toBe(finished);
        expect(o.reports, context).toEqual(want);
      }),
      parameters(200),
    );
  }, 25_000);

  it('judges a damaged stream the same however it is cut', async () => {
    await fc.assert(
      fc.asyncProperty(mutatedStream, cutPoints, cutPoints, async ({ text }, first, second) => {
        const bytes = Buffer.from(text, 'latin1');
        const ways = [[bytes], cutBy(bytes, first), cutBy(bytes, second)];
        const [whole, ...cuts] = await Promise.all(ways.map((pieces) => deliver(ours, pieces)));
        cuts.forEach((o, i) => {
          expect(ourDecision(o), `${show(bytes, 600)}\n  in one piece: ${verdict(whole!)}\n  cut at ${offsets(ways[i + 1]!)}: ${verdict(o)}`).toEqual(ourDecision(whole!));
        });
      }),
      parameters(200),
    );
  }, 25_000);

  it('never takes from a damaged stream what llhttp refuses', async () => {
    await fc.assert(
      fc.asyncProperty(mutatedStream, async ({ text }) => {
        const bytes = Buffer.from(text, 'latin1');
        const [n, o] = await Promise.all([deliver(node, [bytes]), deliver(ours, [bytes])]);
        const context = `${show(bytes, 600)}\n  node: ${verdict(n)}\n  ours: ${verdict(o)}`;
        // Ours may stop earlier than llhttp (stricter), but what it takes llhttp takes too, cut the same way…
        expect(o.messages, context).toEqual(n.messages.slice(0, o.messages.length));
        // …it is done where llhttp is done…
        if (n.finished) expect(o.finished, context).toBe(true);
        // …and stopping earlier means refusing, not waiting for bytes llhttp did not need.
        if (o.messages.length < n.messages.length) expect(o.refused, context).toBeDefined();
      }),
      parameters(200),
    );
  }, 25_000);
});
