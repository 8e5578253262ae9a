import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';

describe('createLogger', () => {
  const capture = (level?: 'debug' | 'info' | 'warn' | 'error') => {
    const lines: string[] = [];
    const logger = createLogger({
      service: 'jazz',
      write: (line) => lines.push(line),
      now: () => new Date('2026-01-02T03:04:05.000Z'),
      ...(level ? { level } : {}),
    });
    return { lines, logger };
  };

  it('writes one JSON object per line with time, level, service and message', () => {
    const { lines, logger } = capture();
    logger.info('listening', { port: 9080 });
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      { time: '2026-01-02T03:04:05.000Z', level: 'info', service: 'jazz', msg: 'listening', port: 9080 },
    ]);
  });

  it('drops records below the threshold', () => {
    const { lines, logger } = capture('warn');
    logger.info('quiet');
    logger.error('loud');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!).msg).toBe('loud');
  });

  it('keeps an error readable and carries child fields', () => {
    const { lines, logger } = capture();
    const failure = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    logger.child({ dependency: 'postgres' }).error('query failed', { error: failure });
    expect(JSON.parse(lines[0]!)).toMatchObject({
      dependency: 'postgres',
      error: { name: 'Error', message: 'connect ECONNREFUSED 127.0.0.1:5432', code: 'ECONNREFUSED' },
    });
  });
});
