/** Splits a byte stream into text lines, holding a partial line until its end arrives. */
import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';

export function onLines(stream: Readable, emit: (line: string) => void): void {
  // The decoder keeps a multi-byte character split across chunks whole.
  const decoder = new StringDecoder('utf8');
  let pending = '';
  const take = (text: string) => {
    pending += text;
    let newline: number;
    while ((newline = pending.indexOf('\n')) >= 0) {
      emit(pending.slice(0, newline).replace(/\r$/, ''));
      pending = pending.slice(newline + 1);
    }
  };
  stream.on('data', (chunk: Buffer) => take(decoder.write(chunk)));
  stream.on('end', () => {
    take(decoder.end());
    if (pending) emit(pending);
    pending = '';
  });
}
