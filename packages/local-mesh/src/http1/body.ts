/**
 * Finds where a message body ends in a byte stream, without copying it. Bodies pass through a
 * proxy with their framing unchanged; the scanner only has to know when the message is over
 * (and, for chunked bodies sent to an HTTP/1.0 peer, hand out the payload).
 */
import { HttpParseError, type BodyFraming } from './head.js';

const enum Chunk {
  Size,
  SizeExtension,
  SizeLf,
  Data,
  DataCr,
  DataLf,
  TrailerLineStart,
  TrailerLine,
  TrailerLf,
  FinalLf,
}

export interface ScanResult {
  /** Bytes of `buf` (from `offset`) that belong to this body. */
  used: number;
  done: boolean;
}

export class BodyScanner {
  private remaining: number;
  private state = Chunk.Size;
  private size = 0;
  private sizeDigits = 0;
  private finished: boolean;
  /** Payload bytes seen so far (without chunk framing). */
  payloadBytes = 0;

  constructor(
    private readonly framing: BodyFraming,
    /** Receives payload slices when a caller needs the body without chunk framing. */
    private readonly onPayload?: (slice: Buffer) => void,
  ) {
    this.remaining = framing.kind === 'length' ? framing.length : 0;
    this.finished = framing.kind === 'none' || (framing.kind === 'length' && framing.length === 0);
  }

  get done(): boolean {
    return this.finished;
  }

  scan(buf: Buffer, offset = 0): ScanResult {
    if (this.finished) return { used: 0, done: true };
    const available = buf.length - offset;
    switch (this.framing.kind) {
      case 'length': {
        const used = Math.min(available, this.remaining);
        this.remaining -= used;
        this.payloadBytes += used;
        if (used > 0 && this.onPayload) this.onPayload(buf.subarray(offset, offset + used));
        this.finished = this.remaining === 0;
        return { used, done: this.finished };
      }
      case 'close':
        this.payloadBytes += available;
        if (available > 0 && this.onPayload) this.onPayload(buf.subarray(offset));
        return { used: available, done: false };
      case 'chunked':
        return this.scanChunked(buf, offset);
      default:
        return { used: 0, done: true };
    }
  }

  private scanChunked(buf: Buffer, offset: number): ScanResult {
    let i = offset;
    const end = buf.length;
    while (i < end) {
      const byte = buf[i]!;
      switch (this.state) {
        case Chunk.Size: {
          const digit = hexValue(byte);
          if (digit >= 0) {
            if (++this.sizeDigits > 12) throw new HttpParseError('chunk size too large', 400);
            this.size = this.size * 16 + digit;
            i++;
          } else if (byte === 0x0d) {
            if (this.sizeDigits === 0) throw new HttpParseError('missing chunk size', 400);
            this.state = Chunk.SizeLf;
            i++;
          } else if (byte === 0x3b /* ; */ || byte === 0x20 || byte === 0x09) {
            if (this.sizeDigits === 0) throw new HttpParseError('missing chunk size', 400);
            this.state = Chunk.SizeExtension;
            i++;
          } else {
            throw new HttpParseError('invalid chunk size', 400);
          }
          break;
        }
        case Chunk.SizeExtension:
          if (byte === 0x0d) this.state = Chunk.SizeLf;
          i++;
          break;
        case Chunk.SizeLf:
          if (byte !== 0x0a) throw new HttpParseError('malformed chunk size line', 400);
          i++;
          this.sizeDigits = 0;
          if (this.size === 0) {
            this.state = Chunk.TrailerLineStart;
          } else {
            this.remaining = this.size;
            this.size = 0;
            this.state = Chunk.Data;
          }
          break;
        case Chunk.Data: {
          const take = Math.min(this.remaining, end - i);
          if (this.onPayload) this.onPayload(buf.subarray(i, i + take));
          this.payloadBytes += take;
          this.remaining -= take;
          i += take;
          if (this.remaining === 0) this.state = Chunk.DataCr;
          break;
        }
        case Chunk.DataCr:
          if (byte !== 0x0d) throw new HttpParseError('chunk data not followed by CRLF', 400);
          this.state = Chunk.DataLf;
          i++;
          break;
        case Chunk.DataLf:
          if (byte !== 0x0a) throw new HttpParseError('chunk data not followed by CRLF', 400);
          this.state = Chunk.Size;
          i++;
          break;
        case Chunk.TrailerLineStart:
          if (byte === 0x0d) {
            this.state = Chunk.FinalLf;
          } else {
            this.state = Chunk.TrailerLine;
          }
          i++;
          break;
        case Chunk.TrailerLine:
          if (byte === 0x0d) this.state = Chunk.TrailerLf;
          i++;
          break;
        case Chunk.TrailerLf:
          if (byte !== 0x0a) throw new HttpParseError('malformed trailer', 400);
          this.state = Chunk.TrailerLineStart;
          i++;
          break;
        case Chunk.FinalLf:
          if (byte !== 0x0a) throw new HttpParseError('malformed end of chunked body', 400);
          i++;
          this.finished = true;
          return { used: i - offset, done: true };
      }
    }
    return { used: i - offset, done: false };
  }
}

function hexValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  if (byte >= 0x61 && byte <= 0x66) return byte - 0x57;
  if (byte >= 0x41 && byte <= 0x46) return byte - 0x37;
  return -1;
}
