/**
 * The gateway's store-and-forward buffer: DDATA the broker could not take yet, one JSON line per
 * message in DIR/vigil-gateway-buffer.jsonl, written before it counts as buffered, so it survives a
 * gateway restart. Bounded in bytes: when full, newer messages are refused and counted (the oldest
 * are kept, so a replay has no hole in its middle). Replayed in order from the front.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Metric } from '../../models/gateway/sparkplug';

export interface BufferedMessage {
  /** The Sparkplug device id (DDATA). */
  device: string;
  timestamp: number;
  metrics: Metric[];
}

interface Line {
  msg: BufferedMessage;
  bytes: number;
}

export class DiskBuffer {
  readonly file: string | undefined;
  private lines: Line[] = [];
  private size = 0;
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
    this.file = join(dir, 'vigil-gateway-buffer.jsonl');
    if (!existsSync(this.file)) return;
    for (const text of readFileSync(this.file, 'utf8').split('\n')) {
      if (!text) continue;
      try {
        this.lines.push({ msg: JSON.parse(text) as BufferedMessage, bytes: Buffer.byteLength(text) + 1 });
        this.size += Buffer.byteLength(text) + 1;
      } catch {
        // A line cut short by a crash mid-write: the ones before it are whole.
      }
    }
  }

  get length(): number {
    return this.lines.length;
  }
  get bytes(): number {
    return this.size;
  }

  /** Appends a message; false (and counted as dropped) when it does not fit. */
  push(msg: BufferedMessage): boolean {
    const text = JSON.stringify(msg);
    const bytes = Buffer.byteLength(text) + 1;
    if (this.size + bytes > this.maxBytes) {
      this.dropped++;
      return false;
    }
    if (this.file) appendFileSync(this.file, text + '\n');
    this.lines.push({ msg, bytes });
    this.size += bytes;
    return true;
  }

  /**
   * Puts messages back at the front (sent but never acknowledged when the connection was lost),
   * oldest first. They were sent before anything buffered, so they are never refused.
   */
  unshift(msgs: BufferedMessage[]): void {
    if (msgs.length === 0) return;
    const lines = msgs.map((msg) => ({ msg, bytes: Buffer.byteLength(JSON.stringify(msg)) + 1 }));
    this.lines = [...lines, ...this.lines];
    this.size += lines.reduce((s, l) => s + l.bytes, 0);
    this.rewrite();
  }

  /** The first n messages, without removing them. */
  peek(n: number): BufferedMessage[] {
    return this.lines.slice(0, n).map((l) => l.msg);
  }

  /** Removes the first n messages (the broker acknowledged them). */
  shift(n: number): void {
    const gone = this.lines.splice(0, n);
    this.size -= gone.reduce((s, l) => s + l.bytes, 0);
    this.rewrite();
  }

  private rewrite(): void {
    if (!this.file) return;
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, this.lines.map((l) => JSON.stringify(l.msg) + '\n').join(''));
    renameSync(tmp, this.file);
  }
}
