/** Cheap liveness probes, so a lookup never waits on a server that is not there. */
import { connect } from 'node:net';
import pg from 'pg';

/** Sends a RESP PING and resolves true on +PONG (or an auth error: the server is there). */
export function redisAnswers(url: string, timeoutMs = 1000): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname.replace(/^\[|\]$/g, ''), port: Number(port || 6379) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('*1\r\n$4\r\nPING\r\n'));
    socket.once('data', (data) => done(/^(\+PONG|-NOAUTH)/.test(data.toString('latin1'))));
  });
}

/** Connects and runs `SELECT 1`; resolves the error instead of throwing, for messages. */
export async function postgresAnswers(url: string, timeoutMs = 2000): Promise<true | Error> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  } finally {
    await client.end().catch(() => {});
  }
}

/** Whether a Docker engine answers, for the Testcontainers fallback. */
export function dockerAnswers(env: NodeJS.ProcessEnv = process.env, timeoutMs = 1000): Promise<boolean> {
  const host = env.DOCKER_HOST;
  const target = host?.startsWith('tcp://')
    ? { host: new URL(host).hostname, port: Number(new URL(host).port || 2375) }
    : { path: host?.replace(/^unix:\/\//, '') || '/var/run/docker.sock' };
  return new Promise((resolve) => {
    const socket = connect(target);
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('GET /_ping HTTP/1.0\r\n\r\n'));
    socket.once('data', (data) => done(data.toString('latin1').startsWith('HTTP/1.') && data.includes('OK')));
  });
}
