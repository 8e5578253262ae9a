/** Fire-and-forget UDP, as Envoy's StatsD sink and the X-Ray SDKs send. */
import { createSocket, type Socket } from 'node:dgram';

let socket: Socket | undefined;

/**
 * Sends to the run's X-Ray daemon and CloudWatch agent stand-ins, which listen on 127.0.0.1. The
 * socket is bound there before its first send: left unbound, the OS would bind it to every
 * interface, opening a port anyone on the network could send datagrams to.
 */
export function sendDatagram(address: string, text: string): void {
  const colon = address.lastIndexOf(':');
  if (!socket) {
    socket = createSocket('udp4');
    socket.on('error', () => {});
    // dgram queues the sends made while the bind is still under way.
    socket.bind(0, '127.0.0.1');
    socket.unref();
  }
  socket.send(Buffer.from(text), Number(address.slice(colon + 1)), address.slice(0, colon) || '127.0.0.1', () => {});
}
