/**
 * The cheapest HTTP app node:http allows, run as its own process: the floor against which a
 * proxy hop's cost is most visible. Listens on BENCH_PORT and answers every request with a
 * short text body.
 */
import { createServer } from 'node:http';

const port = Number(process.env.BENCH_PORT);
if (!Number.isInteger(port) || port <= 0) {
  process.stderr.write('trivial-upstream: BENCH_PORT must be a TCP port\n');
  process.exit(2);
}
const body = Buffer.from('blue');
createServer((req, res) => {
  req.resume();
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
  res.end(body);
}).listen(port, '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
