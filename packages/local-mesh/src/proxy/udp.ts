/** Fire-and-forget UDP, as Envoy's StatsD sink and the X-Ray SDKs send. */
import { createSocket, type Socket } from 'node:dgram';

let socket: Socket | undefined;

export function sendDatagram(address: string, text: string): void {
  const colon = address.lastIndexOf(':');
  if (!socket) {
    socket = createSocket('udp4');
    socket.unref();
  }
  socket.send(Buffer.from(text), Number(address.slice(colon + 1)), address.slice(0, colon) || '127.0.0.1', () => {});
}
