/**
 * Finds where a message body ends in a byte stream, without copying it. Bodies pass through a
 * proxy with their framing unchanged; the scanner only has to know when the message is over
 * (and, for chunked bodies sent to an HTTP/1.0 peer, hand out the payload).
 */
import { HttpParseError, MAX_HEAD_BYTES, type BodyFraming } from './head.js';

const enum Chunk {
  Size,
  /** Just after `;`: an extension name must follow. */
  ExtensionName,
  /** Inside a name: more name, `=`, another `;`, or the CR. */
  ExtensionNameMore,
  /** Just after `=`: a token or a quoted string. */
  ExtensionValue,
  ExtensionToken,
  ExtensionQuoted,
  ExtensionQuotedPair,
  /** After a closing quote: `;` or the CR. */
  ExtensionAfterQuoted,
  SizeLf,
  Data,
  DataCr,
  DataLf,
  TrailerLineStart,
  TrailerName,
  TrailerValue,
  TrailerLf,
  FinalLf,
}

/**
 * Chunk extensions carry nothing any app here reads, and each byte of them used to cost a rescan;
 * Node's own server stops at 16 KiB of them per message (413), and so does this.
 */
export const MAX_CHUNK_EXTENSION_BYTES = 16 * 1024;
/** 2^48 - 1: more than any body here, and far from where a double stops counting exactly. */
const MAX_CHUNK_SIZE = 0xffff_ffff_ffff;
/** Trailers are header lines after the body: the same limit as a head (431). */
export const MAX_TRAILER_BYTES = MAX_HEAD_BYTES;

export interface ScanResult {
  /** Bytes of `buf` (from `offset`) that belong to this body. */
  used: number;
  done: boolean;
}

/**
 * Consumes a body incrementally: each call sees only bytes it has not seen before, so a body that
 * arrives in a thousand pieces costs what it would in one. Chunked framing is held to llhttp's
 * strict rules: hex digits then CRLF or `;` (no spaces after the size), extensions and trailer
 * lines of visible characters only, trailers as `name: value` lines, and nothing after the last
 * chunk but trailers and the final CRLF — so a missing CRLF cannot swallow the next request.
 */
export class BodyScanner {
  private remaining: number;
  private state = Chunk.Size;
  private size = 0;
  private sizeDigits = 0;
  private extensionBytes = 0;
  private trailerBytes = 0;
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
            // Leading zeros are allowed (llhttp only refuses an overflow), but they count
            // against the extension budget past a sane length, so an endless size line ends too.
            if (++this.sizeDigits > 16) this.countExtension();
            this.size = this.size * 16 + digit;
            if (this.size > MAX_CHUNK_SIZE) throw new HttpParseError('chunk size too large', 400);
          } else if (this.sizeDigits === 0) {
            throw new HttpParseError('missing chunk size', 400);
          } else if (byte === 0x0d) {
            this.state = Chunk.SizeLf;
          } else if (byte === 0x3b /* ; */) {
            this.state = Chunk.ExtensionName;
          } else {
            throw new HttpParseError(`invalid character after a chunk size: 0x${byte.toString(16).padStart(2, '0')}`, 400);
          }
          i++;
          break;
        }
        // RFC 9112 §7.1.1 as llhttp reads it in strict mode: `;name`, `;name=token` or
        // `;name="quoted"`, repeated, with no whitespace anywhere.
        case Chunk.ExtensionName:
          if (!isTokenByte(byte)) throw new HttpParseError('a chunk extension needs a name', 400);
          this.state = Chunk.ExtensionNameMore;
          this.countExtension();
          i++;
          break;
        case Chunk.ExtensionNameMore:
        case Chunk.ExtensionToken:
          if (byte === 0x0d) this.state = Chunk.SizeLf;
          else if (byte === 0x3b) this.state = Chunk.ExtensionName;
          else if (byte === 0x3d /* = */ && this.state === Chunk.ExtensionNameMore) this.state = Chunk.ExtensionValue;
          else if (!isTokenByte(byte)) throw new HttpParseError('invalid character in a chunk extension', 400);
          this.countExtension();
          i++;
          break;
        case Chunk.ExtensionValue:
          if (byte === 0x22 /* " */) this.state = Chunk.ExtensionQuoted;
          else if (isTokenByte(byte)) this.state = Chunk.ExtensionToken;
          else throw new HttpParseError('invalid chunk extension value', 400);
          this.countExtension();
          i++;
          break;
        case Chunk.ExtensionQuoted:
          if (byte === 0x22) this.state = Chunk.ExtensionAfterQuoted;
          else if (byte === 0x5c /* \ */) this.state = Chunk.ExtensionQuotedPair;
          else if (!isVisibleOrBlank(byte)) throw new HttpParseError('invalid character in a quoted chunk extension', 400);
          this.countExtension();
          i++;
          break;
        case Chunk.ExtensionQuotedPair:
          if (!isVisibleOrBlank(byte)) throw new HttpParseError('invalid character in a quoted chunk extension', 400);
          this.state = Chunk.ExtensionQuoted;
          this.countExtension();
          i++;
          break;
        case Chunk.ExtensionAfterQuoted:
          if (byte === 0x0d) this.state = Chunk.SizeLf;
          else if (byte === 0x3b) this.state = Chunk.ExtensionName;
          else throw new HttpParseError('invalid character after a quoted chunk extension', 400);
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
          if (byte === 0x0d) this.state = Chunk.FinalLf;
          else if (isTokenByte(byte)) this.state = Chunk.TrailerName;
          else throw new HttpParseError('malformed trailer line', 400);
          this.countTrailer();
          i++;
          break;
        case Chunk.TrailerName:
          if (byte === 0x3a /* : */) this.state = Chunk.TrailerValue;
          else if (!isTokenByte(byte)) throw new HttpParseError('malformed trailer line: a name then a colon', 400);
          this.countTrailer();
          i++;
          break;
        case Chunk.TrailerValue:
          if (byte === 0x0d) this.state = Chunk.TrailerLf;
          else if (!isVisibleOrBlank(byte)) throw new HttpParseError('invalid character in a trailer', 400);
          this.countTrailer();
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

  private countExtension(): void {
    if (++this.extensionBytes > MAX_CHUNK_EXTENSION_BYTES) throw new HttpParseError(`chunk extensions over ${MAX_CHUNK_EXTENSION_BYTES} bytes`, 413);
  }

  private countTrailer(): void {
    if (++this.trailerBytes > MAX_TRAILER_BYTES) throw new HttpParseError('trailer fields too large', 431);
  }
}

/** Field-value characters: HTAB, SP, visible ASCII and obs-text; never CR, LF, NUL, DEL or other controls. */
function isVisibleOrBlank(byte: number): boolean {
  return byte === 0x09 || (byte >= 0x20 && byte !== 0x7f);
}

const TOKEN_BYTES = (() => {
  const table = new Uint8Array(256);
  for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") table[c.charCodeAt(0)] = 1;
  return table;
})();

function isTokenByte(byte: number): boolean {
  return TOKEN_BYTES[byte] === 1;
}

function hexValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  if (byte >= 0x61 && byte <= 0x66) return byte - 0x57;
  if (byte >= 0x41 && byte <= 0x46) return byte - 0x37;
  return -1;
}
