import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import supertest from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, createMetrics } from '@amw/service-kit';
import { FAULT_BODY, createColortellerApp, createControlApp } from '../src/app.js';
import { FaultSwitch, MAX_DELAY_MS } from '../src/fault.js';

/** A random source that replays a fixed sequence, so "rate" is checked without chance. */
function sequence(values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length]!;
}

const TOKEN = 'c0ffee'.repeat(8);

function setup(random?: () => number) {
  const logs: string[] = [];
  const logger = createLogger({ service: 'colorteller', write: (line) => void logs.push(line) });
  const metrics = createMetrics('colorteller', { defaultMetrics: false });
  const faults = new FaultSwitch(random);
  const controlApp = createControlApp({ logger, metrics, faults, token: TOKEN });
  return {
    main: supertest(createColortellerApp({ color: 'white', logger, metrics, faults })),
    /** Sends the token with every request, as the local mesh's callers do. */
    control: supertest.agent(controlApp).set('authorization', `Bearer ${TOKEN}`),
    /** Sends whatever a test sets, or nothing. */
    stranger: supertest(controlApp),
    faults,
    logs,
  };
}

describe('fault injection', () => {
  it('is off by default', async () => {
    const { main, control } = setup();
    await control.get('/fault').expect(200, { fault: null });
    await main.get('/tell').expect(200, 'white');
  });

  it('fails every request with 503 for an empty POST /fault, and /recover restores the colour', async () => {
    const { main, control } = setup();
    const set = await control.post('/fault');
    expect(set.status).toBe(200);
    expect(set.body).toEqual({ fault: { status: 503, rate: 1, delayMs: 0, ping: false } });
    await control.get('/fault').expect(200, set.body);

    for (const path of ['/', '/tell', '/metrics']) {
      const res = await main.get(path);
      expect(res.status).toBe(503);
      expect(res.text).toBe(FAULT_BODY);
    }
    expect((await main.put('/x')).status).toBe(503);

    await control.post('/recover').expect(200, { fault: null });
    await control.get('/fault').expect(200, { fault: null });
    await main.get('/tell').expect(200, 'white');
  });

  it('answers the requested status, even when curl sends the JSON as a form', async () => {
    const { main, control } = setup();
    await control
      .post('/fault')
      .set('content-type', 'application/x-www-form-urlencoded')
      .send('{"status": 500}')
      .expect(200);
    const res = await main.get('/get');
    expect(res.status).toBe(500);
    expect(res.text).toBe(FAULT_BODY);
  });

  it('fails only the drawn fraction of requests', async () => {
    const { main, control } = setup(sequence([0.1, 0.9, 0.49, 0.5]));
    await control.post('/fault').send({ rate: 0.5 }).expect(200);
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await main.get('/tell')).status);
    expect(statuses).toEqual([503, 200, 503, 200]);
  });

  it('fails nothing at rate 0', async () => {
    const { main, control } = setup(sequence([0]));
    await control.post('/fault').send({ rate: 0 }).expect(200);
    await main.get('/tell').expect(200, 'white');
  });

  it('leaves /ping healthy unless asked, then fails it too', async () => {
    const { main, control } = setup();
    await control.post('/fault').send({ status: 500 }).expect(200);
    await main.get('/ping').expect(200, '');
    await control.post('/fault').send({ status: 500, ping: true }).expect(200);
    const res = await main.get('/ping');
    expect(res.status).toBe(500);
    expect(res.text).toBe(FAULT_BODY);
  });

  describe('delays', () => {
    let server: Server | undefined;
    afterEach(() => {
      server?.closeAllConnections();
      server?.close();
      server = undefined;
    });

    it('answers the colour after a delay-only fault', async () => {
      const { main, control } = setup();
      const set = await control.post('/fault').send({ delayMs: 20 });
      expect(set.body).toEqual({ fault: { status: null, rate: 1, delayMs: 20, ping: false } });
      await main.get('/tell').expect(200, 'white');
    });

    it('answers the status after a delay when both are given', async () => {
      const { main, control } = setup();
      await control.post('/fault').send({ delayMs: 20, status: 504 }).expect(200);
      await main.get('/tell').expect(504, FAULT_BODY);
    });

    it('holds the answer back for the whole delay', async () => {
      const { control, faults } = setup();
      await control.post('/fault').send({ delayMs: MAX_DELAY_MS }).expect(200);
      // A real server, so the client can give up the way a mesh timeout would.
      const logger = createLogger({ service: 'colorteller', write: () => {} });
      const app = createColortellerApp({ color: 'white', logger, metrics: createMetrics('c', { defaultMetrics: false }), faults });
      server = app.listen(0, '127.0.0.1');
      await new Promise((resolve) => server!.once('listening', resolve));
      const port = (server.address() as AddressInfo).port;
      await expect(supertest(`http://127.0.0.1:${port}`).get('/tell').timeout(150)).rejects.toThrow(/Timeout/);
    });
  });

  describe('bad bodies', () => {
    it.each([
      ['not JSON', '{status: 500', /not valid JSON/],
      ['an array', '[503]', /must be a JSON object/],
      ['a number', '503', /must be a JSON object/],
      ['a success status', '{"status": 200}', /status must be an integer HTTP error status/],
      ['a status out of range', '{"status": 700}', /status must be/],
      ['a string status', '{"status": "503"}', /status must be/],
      ['a rate above 1', '{"rate": 1.5}', /rate must be a number between 0 and 1/],
      ['a negative rate', '{"rate": -0.1}', /rate must be/],
      ['a fractional delay', '{"delayMs": 1.5}', /delayMs must be an integer/],
      ['a negative delay', '{"delayMs": -1}', /delayMs must be/],
      ['a delay that is too long', `{"delayMs": ${MAX_DELAY_MS + 1}}`, /delayMs must be/],
      ['a non-boolean ping', '{"ping": "yes"}', /ping must be true or false/],
      ['a misspelt field', '{"delay": 3000}', /unknown field delay \(accepted: status, rate, delayMs, ping\)/],
    ])('rejects %s with 400 JSON and keeps the current fault', async (_name, body, message) => {
      const { main, control } = setup();
      await control.post('/fault').send({ status: 502 }).expect(200);
      const res = await control.post('/fault').set('content-type', 'application/json').send(body);
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.body.error).toMatch(message);
      await control.get('/fault').expect(200, { fault: { status: 502, rate: 1, delayMs: 0, ping: false } });
      expect((await main.get('/')).status).toBe(502);
    });

    it('names every problem at once', async () => {
      const { control } = setup();
      const res = await control.post('/fault').send({ status: 1, rate: 2 }).expect(400);
      expect(res.body.error).toMatch(/status must be .*; rate must be/);
    });

    it('rejects an oversized body with 413 JSON', async () => {
      const { control } = setup();
      const res = await control.post('/fault').set('content-type', 'application/json').send(`{"status": 503${' '.repeat(20_000)}}`);
      expect(res.status).toBe(413);
      expect(res.body.error).toBeTypeOf('string');
      await control.get('/fault').expect(200, { fault: null });
    });
  });

  describe('control token', () => {
    it.each([
      ['no Authorization header', undefined, /needs the instance’s token: send "Authorization: Bearer <CONTROL_TOKEN>"/, 'Bearer realm="colorteller-control"'],
      ['another scheme', `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}`, /must be "Bearer <CONTROL_TOKEN>"/, 'Bearer realm="colorteller-control", error="invalid_request"'],
      ['a wrong token', `Bearer ${TOKEN.slice(0, -1)}f`, /bearer token is not this instance’s CONTROL_TOKEN/, 'Bearer realm="colorteller-control", error="invalid_token"'],
      ['a longer token', `Bearer ${TOKEN}${TOKEN}`, /not this instance’s CONTROL_TOKEN/, 'Bearer realm="colorteller-control", error="invalid_token"'],
      ['an empty bearer', 'Bearer ', /must be "Bearer <CONTROL_TOKEN>"/, 'Bearer realm="colorteller-control", error="invalid_request"'],
    ])('refuses %s with 401 JSON saying why, and changes nothing', async (_name, authorization, message, challenge) => {
      const { main, control, stranger, logs } = setup();
      const send = (req: supertest.Test) => (authorization === undefined ? req : req.set('authorization', authorization));
      for (const req of [stranger.post('/fault').send({ status: 500 }), stranger.post('/recover'), stranger.get('/fault'), stranger.get('/metrics'), stranger.get('/ping')]) {
        const res = await send(req);
        expect(res.status).toBe(401);
        expect(res.headers['content-type']).toMatch(/^application\/json/);
        expect(res.headers['www-authenticate']).toBe(challenge);
        expect(Object.keys(res.body as object)).toEqual(['error']);
        expect(res.body.error).toMatch(message);
      }
      await control.get('/fault').expect(200, { fault: null });
      await main.get('/tell').expect(200, 'white');
      // A refusal is logged, but neither the token nor what was sent ever is.
      expect(logs.some((line) => line.includes('control request refused'))).toBe(true);
      expect(logs.join('\n')).not.toContain(TOKEN.slice(0, 16));
    });

    it('accepts the scheme in any case, and keeps a fault set with the token while refusing a recover without it', async () => {
      const { main, control, stranger, logs } = setup();
      await stranger.post('/fault').set('authorization', `bearer ${TOKEN}`).send({ status: 500 }).expect(200);
      await stranger.post('/recover').set('authorization', 'Bearer guess-guess-guess-guess').expect(401);
      await control.get('/fault').expect(200, { fault: { status: 500, rate: 1, delayMs: 0, ping: false } });
      await main.get('/tell').expect(500, FAULT_BODY);
      expect(logs.join('\n')).not.toContain('guess');
    });
  });

  describe('control listener', () => {
    it('answers unknown paths with 404 JSON and wrong methods with 405 JSON', async () => {
      const { control } = setup();
      await control.get('/faults').expect(404, { error: 'not found', path: '/faults' });
      const put = await control.put('/fault').expect(405);
      expect(put.headers.allow).toBe('GET, POST');
      expect(put.body.error).toMatch(/PUT not allowed/);
      expect((await control.get('/recover').expect(405)).headers.allow).toBe('POST');
    });

    it('serves /ping and the metrics of both listeners', async () => {
      const { main, control } = setup();
      await control.get('/ping').expect(200, '');
      await control.post('/fault').send({ status: 500 });
      await main.get('/tell');
      const metrics = await control.get('/metrics').expect(200);
      expect(metrics.text).toContain('http_requests_total{method="GET",route="*",status="500",service="colorteller"} 1');
    });
  });
});
