/**
 * RESP2, the wire format of Redis: just enough to read commands (multi-bulk arrays, and the
 * inline form that `redis-cli`-less users type into `nc`) and to write the five reply types.
 */

export type Reply =
  | { readonly kind: 'simple'; readonly value: string }
  | { readonly kind: 'error'; readonly message: string }
  | { readonly kind: 'integer'; readonly value: number | bigint }
  | { readonly kind: 'bulk'; readonly value: Buffer | null }
  | { readonly kind: 'array'; readonly items: readonly Reply[] };

export const reply = {
  ok: { kind: 'simple', value: 'OK' } as Reply,
  simple: (value: string): Reply => ({ kind: 'simple', value }),
  error: (message: string): Reply => ({ kind: 'error', message }),
  integer: (value: number | bigint): Reply => ({ kind: 'integer', value }),
  bulk: (value: Buffer | string | null): Reply => ({
    kind: 'bulk',
    value: typeof value === 'string' ? Buffer.from(value) : value,
  }),
  array: (items: readonly Reply[]): Reply => ({ kind: 'array', items }),
};

const CRLF = Buffer.from('\r\n');

export function encodeReply(value: Reply): Buffer {
  switch (value.kind) {
    case 'simple':
      return Buffer.from(`+${value.value}\r\n`);
    case 'error':
      return Buffer.from(`-${value.message.replace(/[\r\n]+/g, ' ')}\r\n`);
    case 'integer':
      return Buffer.from(`:${value.value}\r\n`);
    case 'bulk':
      return value.value === null
        ? Buffer.from('$-1\r\n')
        : Buffer.concat([Buffer.from(`$${value.value.length}\r\n`), value.value, CRLF]);
    case 'array':
      return Buffer.concat([Buffer.from(`*${value.items.length}\r\n`), ...value.items.map(encodeReply)]);
  }
}

export class ProtocolError extends Error {}

/** Real Redis refuses bigger requests too; the bound keeps a garbage stream from eating memory. */
const MAX_BULK = 512 * 1024 * 1024;
const MAX_INLINE = 64 * 1024;

/**
 * Incremental command reader: feed it socket chunks, take out every complete command. Pipelined
 * clients send many commands in one chunk and split others across chunks; both work.
 */
export class CommandReader {
  private buffer: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Buffer[][] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const commands: Buffer[][] = [];
    for (;;) {
      const parsed = this.buffer[0] === 0x2a /* '*' */ ? this.readMultiBulk() : this.readInline();
      if (parsed === undefined) break;
      this.buffer = this.buffer.subarray(parsed.end);
      if (parsed.args.length > 0) commands.push(parsed.args);
    }
    return commands;
  }

  private lineEnd(from: number): number {
    return this.buffer.indexOf(CRLF, from);
  }

  private readInline(): { args: Buffer[]; end: number } | undefined {
    if (this.buffer.length === 0) return undefined;
    const newline = this.buffer.indexOf(0x0a);
    if (newline < 0) {
      if (this.buffer.length > MAX_INLINE) throw new ProtocolError('too big inline request');
      return undefined;
    }
    const line = this.buffer.subarray(0, newline).toString('latin1').replace(/\r$/, '');
    const args = line
      .split(/[ \t]+/)
      .filter((word) => word.length > 0)
      .map((word) => Buffer.from(word, 'latin1'));
    return { args, end: newline + 1 };
  }

  private readMultiBulk(): { args: Buffer[]; end: number } | undefined {
    const headerEnd = this.lineEnd(0);
    if (headerEnd < 0) return undefined;
    // Redis reads `*0` and `*-1` as an empty request, not an error.
    const header = this.buffer.subarray(1, headerEnd).toString('latin1');
    const count = /^-\d+$/.test(header) ? 0 : this.readLength(1, headerEnd, 'multibulk length');
    let offset = headerEnd + 2;
    const args: Buffer[] = [];
    for (let i = 0; i < count; i++) {
      if (offset >= this.buffer.length) return undefined;
      if (this.buffer[offset] !== 0x24 /* '$' */) {
        throw new ProtocolError(`expected '$', got '${String.fromCharCode(this.buffer[offset]!)}'`);
      }
      const end = this.lineEnd(offset);
      if (end < 0) return undefined;
      const length = this.readLength(offset + 1, end, 'bulk length');
      const start = end + 2;
      if (this.buffer.length < start + length + 2) return undefined;
      args.push(Buffer.from(this.buffer.subarray(start, start + length)));
      offset = start + length + 2;
    }
    return { args, end: offset };
  }

  private readLength(from: number, to: number, what: string): number {
    const text = this.buffer.subarray(from, to).toString('latin1');
    if (!/^-?\d+$/.test(text)) throw new ProtocolError(`invalid ${what}`);
    const value = Number(text);
    if (value < 0 || value > MAX_BULK) throw new ProtocolError(`invalid ${what}`);
    return value;
  }
}
