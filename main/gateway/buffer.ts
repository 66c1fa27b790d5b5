/**
 * The gateway's store-and-forward buffer: DDATA the broker could not take yet, already encoded as
 * Sparkplug payloads (historical, without seq: the seq is appended when it is sent), one line per
 * message in DIR/vigil-gateway-buffer.log (`DEVICE TIMESTAMP BASE64`), written before it counts as
 * buffered, so it survives a gateway restart. What the broker acknowledged is marked by a byte offset
 * in DIR/vigil-gateway-buffer.offset (no rewrite per message); the file is emptied when everything
 * was sent. Bounded in bytes: when full, newer messages are refused and counted (the oldest are kept,
 * so a replay has no hole in its middle). Replayed in order from the front.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface BufferedMessage {
  /** The Sparkplug device id (DDATA). */
  device: string;
  timestamp: number;
  /** The Sparkplug payload without seq. */
  payload: Uint8Array;
}

interface Line {
  msg: BufferedMessage;
  bytes: number;
}

const lineOf = (m: BufferedMessage) => `${m.device} ${m.timestamp} ${Buffer.from(m.payload).toString('base64')}\n`;

export class DiskBuffer {
  readonly file: string | undefined;
  private readonly offsetFile: string | undefined;
  private lines: Line[] = [];
  private head = 0;
  private size = 0;
  /** Bytes of the file already sent (before the first line still held). */
  private sentBytes = 0;
  /** Messages refused because the buffer was full, since the gateway started. */
  dropped = 0;

  /** dir undefined: in memory only (the size bound still applies). */
  constructor(
    dir: string | undefined,
    readonly maxBytes: number,
  ) {
    if (!Number.isFinite(maxBytes) || maxBytes < 1024) throw new RangeError('the buffer size limit must be at least 1024 bytes');
    if (dir === undefined) return;
    mkdirSync(dir, { recursive: true });
    this.file = join(dir, 'vigil-gateway-buffer.log');
    this.offsetFile = join(dir, 'vigil-gateway-buffer.offset');
    if (!existsSync(this.file)) return;
    const text = readFileSync(this.file, 'utf8');
    const offset = existsSync(this.offsetFile) ? Number(readFileSync(this.offsetFile, 'utf8').trim()) || 0 : 0;
    this.sentBytes = Math.min(offset, Buffer.byteLength(text));
    for (const l of Buffer.from(text).subarray(this.sentBytes).toString('utf8').split('\n')) {
      const m = /^(\S+) (\d+) ([A-Za-z0-9+/=]+)$/.exec(l);
      // A line cut short by a crash mid-write fails the pattern: the ones before it are whole.
      if (!m) continue;
      const msg = { device: m[1], timestamp: Number(m[2]), payload: new Uint8Array(Buffer.from(m[3], 'base64')) };
      this.lines.push({ msg, bytes: l.length + 1 });
      this.size += l.length + 1;
    }
  }

  get length(): number {
    return this.lines.length - this.head;
  }
  get bytes(): number {
    return this.size;
  }

  /** Appends a message; false (and counted as dropped) when it does not fit. */
  push(msg: BufferedMessage): boolean {
    const text = lineOf(msg);
    if (this.size + text.length > this.maxBytes) {
      this.dropped++;
      return false;
    }
    if (this.file) appendFileSync(this.file, text);
    this.lines.push({ msg, bytes: text.length });
    this.size += text.length;
    return true;
  }

  /**
   * Puts messages back at the front (sent but never acknowledged when the connection was lost),
   * oldest first. They were sent before anything buffered, so they are never refused.
   */
  unshift(msgs: BufferedMessage[]): void {
    if (msgs.length === 0) return;
    const lines = msgs.map((msg) => ({ msg, bytes: lineOf(msg).length }));
    this.lines = [...lines, ...this.lines.slice(this.head)];
    this.head = 0;
    this.size += lines.reduce((s, l) => s + l.bytes, 0);
    this.rewrite();
  }

  /** The first n messages, without removing them. */
  peek(n: number): BufferedMessage[] {
    return this.lines.slice(this.head, this.head + n).map((l) => l.msg);
  }

  /** Removes the first n messages (the broker acknowledged them). */
  shift(n: number): void {
    const end = Math.min(this.lines.length, this.head + n);
    for (let i = this.head; i < end; i++) {
      this.size -= this.lines[i].bytes;
      this.sentBytes += this.lines[i].bytes;
    }
    this.head = end;
    if (this.head === this.lines.length) {
      this.lines = [];
      this.head = 0;
      this.rewrite();
    } else if (this.offsetFile) writeFileSync(this.offsetFile, `${this.sentBytes}\n`);
  }

  /** Writes the file afresh with the messages still held (offset 0). */
  private rewrite(): void {
    this.lines = this.lines.slice(this.head);
    this.head = 0;
    this.sentBytes = 0;
    if (!this.file || !this.offsetFile) return;
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, this.lines.map((l) => lineOf(l.msg)).join(''));
    // Offset first: a crash between the two then sends some messages twice, never skips one.
    writeFileSync(this.offsetFile, '0\n');
    renameSync(tmp, this.file);
  }
}
