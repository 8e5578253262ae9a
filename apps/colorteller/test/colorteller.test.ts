import supertest from 'supertest';
import { describe, expect, it } from 'vitest';
import { createLogger, createMetrics } from '@amw/service-kit';
import { createColortellerApp } from '../src/app.js';
import { segmentName } from '../src/config.js';
import { FaultSwitch } from '../src/fault.js';

function colorteller(color: string, stage = 'default') {
  const lines: string[] = [];
  const logger = createLogger({ service: 'colorteller', write: (line) => lines.push(line) }).child({
    segment: segmentName(stage, color),
  });
  const metrics = createMetrics('colorteller', { defaultMetrics: false });
  const app = createColortellerApp({ color, logger, metrics, faults: new FaultSwitch() });
  return { app, lines, metrics };
}

describe('ColorTeller main port', () => {
  it('answers GET /ping with 200 and an empty body', async () => {
    const res = await supertest(colorteller('white').app).get('/ping');
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
  });

  it.each([
    ['GET', '/'],
    ['GET', '/tell'],
    ['GET', '/color1/tell?x=1'],
    ['GET', '/metrics'],
    ['GET', '/PING'],
    ['GET', '/ping/'],
    ['GET', '/%E0%A4%A'],
    ['POST', '/'],
    ['POST', '/ping'],
    ['PUT', '/anything'],
    ['PATCH', '/a/b/c'],
    ['DELETE', '/tell'],
    ['OPTIONS', '/'],
  ])('answers %s %s with the colour as the whole body', async (method, path) => {
    const res = await supertest(colorteller('blue').app)[method.toLowerCase() as 'get'](path).send(method === 'POST' ? 'ignored' : undefined);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.text).toBe('blue');
    expect(res.headers['content-length']).toBe('4');
  });

  it('answers HEAD with 200 and no body', async () => {
    const res = await supertest(colorteller('red').app).head('/tell');
    expect(res.status).toBe(200);
    expect(res.text).toBeUndefined();
  });

  it('logs each colour request with the trace segment name', async () => {
    const { app, lines } = colorteller('white', 'prod');
    await supertest(app).get('/tell');
    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records).toContainEqual(
      expect.objectContaining({ msg: 'color requested', segment: 'prod-colorteller-white', color: 'white', path: '/tell' }),
    );
  });

  it('counts requests for /metrics on the control listener', async () => {
    const { app, metrics } = colorteller('black');
    await supertest(app).get('/tell');
    await supertest(app).post('/x');
    await supertest(app).get('/ping');
    const text = await metrics.registry.metrics();
    expect(text).toContain('http_requests_total{method="GET",route="*",status="200",service="colorteller"} 1');
    expect(text).toContain('http_requests_total{method="POST",route="*",status="200",service="colorteller"} 1');
    expect(text).toContain('http_requests_total{method="GET",route="/ping",status="200",service="colorteller"} 1');
  });
});
