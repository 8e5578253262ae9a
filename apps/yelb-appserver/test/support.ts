/** Shared by the test files: loggers that record, small HTTP helpers, direct database reads. */
import { request } from 'node:http';
import pg from 'pg';
import { createLogger, type Logger } from '@amw/service-kit';

export interface RecordingLogger {
  logger: Logger;
  messages(): string[];
  count(msg: string): number;
}

export function recordingLogger(): RecordingLogger {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ service: 'test', level: 'debug', write: (line) => lines.push(JSON.parse(line)) });
  const messages = () => lines.map((l) => String(l.msg));
  return { logger, messages, count: (msg) => messages().filter((m) => m === msg).length };
}

export const quietLogger = (): Logger => createLogger({ service: 'test', write: () => {} });

export interface Answer {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/** One request on its own connection, so a test never reuses a socket the server closed. */
export function call(url: string, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject).end();
  });
}

/** Polls until the answer has the status (recovery is asynchronous); fails with the last answer. */
export async function eventually(url: string, status: number, timeoutMs = 15_000): Promise<Answer> {
  const deadline = Date.now() + timeoutMs;
  let last: Answer | Error | undefined;
  while (Date.now() < deadline) {
    try {
      last = await call(url);
      if (last.status === status) return last;
    } catch (error) {
      last = error as Error;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer ${status} within ${timeoutMs} ms; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
}

export async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** The table as a plain object, e.g. `{ ihop: 2, outback: 0, … }`. */
export function readCounts(databaseUrl: string): Promise<Record<string, number>> {
  return withClient(databaseUrl, async (client) => {
    const { rows } = await client.query<{ name: string; count: number }>('SELECT name, count FROM restaurants ORDER BY name');
    return Object.fromEntries(rows.map((r) => [r.name.trimEnd(), r.count]));
  });
}

/** A URL for a database that does not exist yet on the same server, to prove auto-creation. */
export function freshDatabaseUrl(existingUrl: string, suffix: string): string {
  const url = new URL(existingUrl);
  url.pathname = `${url.pathname}_${suffix}`;
  return url.toString();
}

export async function dropDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = url.pathname.slice(1);
  url.pathname = '/postgres';
  await withClient(url.toString(), (client) => client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`));
}
