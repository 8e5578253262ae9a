/**
 * A closed-loop HTTP/1.1 load generator, for machines without wrk: N keep-alive connections,
 * each sending its next GET as soon as the previous answer is complete. It runs as a process of
 * its own so it never shares an event loop (or a heap) with what it measures, and it speaks raw
 * HTTP on `net` sockets because Node's HTTP client costs several times the CPU per request, CPU
 * the server and Postgres would miss on a small machine.
 *
 * Usage: node --import tsx bench/load-generator.ts <url> <connections> <seconds>
 * Prints one JSON line: { requests, seconds, non2xx, errors }.
 */
import { connect, type Socket } from 'node:net';

interface LoadResult {
  /** Complete answers received before the deadline. */
  requests: number;
  seconds: number;
  non2xx: number;
  /** Connections that failed or closed under us, and answers we could not parse. */
  errors: number;
}

const HEADER_END = Buffer.from('\r\n\r\n');

/** The body length of a complete header block, or a reason it cannot be read. */
function contentLength(head: string): number | string {
  const match = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  if (match) return Number(match[1]);
  return /\r\ntransfer-encoding:/i.test(head) ? 'chunked answers are not supported' : 'no content-length';
}

function runLoad(target: URL, connections: number, seconds: number): Promise<LoadResult> {
  const request = Buffer.from(`GET ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\nConnection: keep-alive\r\n\r\n`);
  const result: LoadResult = { requests: 0, seconds, non2xx: 0, errors: 0 };
  const sockets = new Set<Socket>();
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let finished = false;

  return new Promise((resolve) => {
    // Connections whose answers stopped coming must not hold the result back.
    const giveUp = setTimeout(() => finish(), seconds * 1000 + 2000);
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(giveUp);
      result.seconds = (performance.now() - started) / 1000;
      for (const socket of sockets) socket.destroy();
      resolve(result);
    };

    const open = () => {
      let pending: Buffer | undefined;
      const socket = connect({ host: target.hostname, port: Number(target.port || 80), noDelay: true });
      sockets.add(socket);
      const fail = () => {
        if (finished || !sockets.delete(socket)) return;
        result.errors++;
        socket.destroy();
        // A server that dropped the connection gets a new one, as wrk does.
        if (performance.now() < deadline) setTimeout(open, 10);
      };
      socket.on('connect', () => socket.write(request));
      socket.on('data', (chunk: Buffer) => {
        let buffer = pending ? Buffer.concat([pending, chunk]) : chunk;
        pending = undefined;
        for (;;) {
          const end = buffer.indexOf(HEADER_END);
          if (end < 0) break;
          const head = buffer.toString('latin1', 0, end);
          const length = contentLength(head);
          if (typeof length === 'string') {
            process.stderr.write(`load generator: ${length}\n`);
            fail();
            return;
          }
          const total = end + HEADER_END.length + length;
          if (buffer.length < total) break;
          if (performance.now() >= deadline) {
            finish();
            return;
          }
          result.requests++;
          // `HTTP/1.1 200 OK`: the status is bytes 9 to 11.
          if (head[9] !== '2') result.non2xx++;
          socket.write(request);
          buffer = buffer.subarray(total);
        }
        if (buffer.length > 0) pending = buffer;
      });
      socket.on('error', fail);
      socket.on('close', fail);
    };

    for (let i = 0; i < connections; i++) open();
  });
}

const [url, connections, seconds] = process.argv.slice(2);
if (!url || !connections || !seconds) {
  process.stderr.write('usage: load-generator.ts <url> <connections> <seconds>\n');
  process.exit(2);
}
const result = await runLoad(new URL(url), Number(connections), Number(seconds));
process.stdout.write(`${JSON.stringify(result)}\n`);
