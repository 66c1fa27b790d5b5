/**
 * Serial links whose reads happen in a thread of their own (serialWorker.ts). The main thread
 * decodes frames, answers the API and feeds the pages; when the machine is busy it can wait a few
 * tenths of a second for a CPU, longer than a node's output buffer and the kernel's pty or USB-CDC
 * buffer last at a raw stream's 160 kB/s (docs/architecture.md, "Serial reads in their own
 * thread"). The port is opened here with serialport as before (lock, raw mode, errors in words) and
 * written here; its descriptor is read by the reader thread, and what it reads waits in order in
 * this thread's message queue instead of in the node. Same ByteLink as serial.ts.
 */
import { Worker } from 'node:worker_threads';
import type { SerialPort } from 'serialport';
import { ApiError } from '../../models/api/contract';
import type { ByteLink } from './byteLink';
import { openPort, SerialLink, writePort } from './serial';

/** Main thread -> reader thread: read this descriptor (until unwatched or a read error). */
export type ToReader = { t: 'watch'; id: number; fd: number } | { t: 'unwatch'; id: number; drain: boolean };

/** Bytes read from one port, or the read error that ended its watch (in the system's words). */
export type ReadChunk = { id: number; bytes: ArrayBuffer } | { id: number; error: string };

/** Reader thread -> main thread: a tick's reads, in order; a watch ended as asked. */
export type FromReader = { t: 'data'; chunks: ReadChunk[] } | { t: 'unwatched'; id: number };

/** Where the reader thread's code is: the bundled serialWorker.cjs (desktop app), or code that loads the TypeScript source through tsx (readerEntry.ts: npm start, the CLI, tests). */
export interface ReaderEntry {
  /** A file, or with `eval` the code that loads it. */
  file: string | URL;
  eval?: boolean;
}

/** Closing a link waits at most this long for the reader thread to give its descriptor back. */
const UNWATCH_TIMEOUT_MS = 2000;

export class SerialReaderThread {
  private worker: Worker | undefined;
  /** Why the reader thread stopped unasked, once it has: later ports are read on the main thread. */
  private broken: string | undefined;
  private nextId = 1;
  private readonly links = new Map<number, ThreadLink>();
  private readonly unwatching = new Map<number, { promise: Promise<void>; resolve: () => void; timer: NodeJS.Timeout }>();

  constructor(private readonly entry: ReaderEntry) {}

  async open(path: string): Promise<ByteLink> {
    const port = await openPort(path);
    const fd = (port.port as { fd?: number | null } | undefined)?.fd;
    // A binding without a descriptor (not Linux or macOS), or a reader thread that could not run:
    // read on the main thread as before.
    if (typeof fd !== 'number' || this.broken !== undefined) return new SerialLink(path, port);
    const w = this.start();
    const id = this.nextId++;
    const link = new ThreadLink(path, port, () => this.unwatch(id));
    this.links.set(id, link);
    link.onClose(() => {
      this.links.delete(id);
      this.releaseUnwatch(id);
      // Ended otherwise than by close() (unplugged, a port error): the thread must let go of the
      // descriptor now, without reading it — serialport has closed it, and a port opened next may
      // get the same number. This message goes before any watch of a port opened after it.
      this.worker?.postMessage({ t: 'unwatch', id, drain: false } satisfies ToReader);
    });
    w.postMessage({ t: 'watch', id, fd } satisfies ToReader);
    return link;
  }

  /**
   * Takes a descriptor back from the reader thread (it reads what is left first). Resolves at once
   * when the thread is gone or no longer reads that link, and after UNWATCH_TIMEOUT_MS whatever
   * happens: closing a port must never hang on the thread.
   */
  private unwatch(id: number): Promise<void> {
    const pending = this.unwatching.get(id);
    if (pending) return pending.promise;
    const w = this.worker;
    if (!w || !this.links.has(id)) return Promise.resolve();
    let resolve!: () => void;
    const promise = new Promise<void>((ok) => (resolve = ok));
    const timer = setTimeout(() => this.releaseUnwatch(id), UNWATCH_TIMEOUT_MS);
    timer.unref();
    this.unwatching.set(id, { promise, resolve, timer });
    w.postMessage({ t: 'unwatch', id, drain: true } satisfies ToReader);
    return promise;
  }

  private releaseUnwatch(id: number): void {
    const pending = this.unwatching.get(id);
    if (!pending) return;
    this.unwatching.delete(id);
    clearTimeout(pending.timer);
    pending.resolve();
  }

  /** Ends the thread; every link still open ends with an error. */
  async stop(): Promise<void> {
    const w = this.worker;
    if (!w) return;
    this.worker = undefined;
    await w.terminate();
    this.failAll('Vigil stopped reading serial ports');
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(this.entry.file, { eval: this.entry.eval === true });
    // The thread alone must not keep a command-line tool running: open ports are the sessions' business.
    w.unref();
    w.on('message', (m: FromReader) => this.receive(m));
    const died = (why: string) => {
      if (this.worker !== w) return;
      this.worker = undefined;
      // Ports opened from now on are read on the main thread; the links it held end (their sessions reconnect).
      this.broken = why;
      console.error(`vigil: ${why}; serial ports are read on the main thread from now on`);
      this.failAll(why);
    };
    w.on('error', (e) => died(`the serial reader thread failed: ${e.message}`));
    w.on('exit', (code) => died(`the serial reader thread stopped (exit code ${code})`));
    this.worker = w;
    return w;
  }

  private failAll(why: string): void {
    for (const id of [...this.unwatching.keys()]) this.releaseUnwatch(id);
    for (const l of [...this.links.values()]) l.readFailed(why);
    this.links.clear();
  }

  private receive(m: FromReader): void {
    if (m.t === 'unwatched') {
      this.releaseUnwatch(m.id);
      return;
    }
    for (const c of m.chunks) {
      const link = this.links.get(c.id);
      if (!link) continue;
      if ('bytes' in c) link.data(new Uint8Array(c.bytes));
      else link.readFailed(c.error);
    }
  }
}

class ThreadLink implements ByteLink {
  private dataListeners: ((chunk: Uint8Array) => void)[] = [];
  private closeListeners: ((error?: Error) => void)[] = [];
  /** Bytes read before anyone listened (the port is read from the moment it opens). */
  private early: Uint8Array[] = [];
  private closedByUs = false;
  private ended = false;
  private closing: Promise<void> | undefined;
  private failure: Error | undefined;

  constructor(
    readonly path: string,
    private readonly port: SerialPort,
    private readonly unwatch: () => Promise<void>,
  ) {
    port.on('close', (err?: Error) => this.end(this.closedByUs ? undefined : (this.failure ?? err ?? new Error(`Port ${path} closed`))));
    port.on('error', (err: Error) => this.end(err));
  }

  write(bytes: Uint8Array): Promise<void> {
    // serialport would queue a write to a closed port until it opened again: refuse it now.
    if (this.ended) return Promise.reject(new ApiError('port-failed', `Write to ${this.path} failed: the port is closed`));
    return writePort(this.port, this.path, bytes);
  }

  close(): Promise<void> {
    if (this.ended) return Promise.resolve();
    // Once: a second close waits for the first.
    this.closing ??= (async () => {
      this.closedByUs = true;
      // The reader lets go of the descriptor (reading what is left) before it is closed and its number reused.
      await this.unwatch();
      await new Promise<void>((resolve) => {
        if (!this.port.isOpen) return resolve();
        this.port.close(() => resolve());
      });
      this.end();
    })();
    return this.closing;
  }

  onData(listener: (chunk: Uint8Array) => void): void {
    this.dataListeners.push(listener);
    const early = this.early;
    this.early = [];
    for (const c of early) listener(c);
  }

  onClose(listener: (error?: Error) => void): void {
    this.closeListeners.push(listener);
  }

  data(chunk: Uint8Array): void {
    if (this.ended) return;
    if (this.dataListeners.length === 0) this.early.push(chunk);
    else for (const l of this.dataListeners) l(chunk);
  }

  /** A read failed (the node unplugged, the thread gone): the port is closed and the link ends with the reason. */
  readFailed(message: string): void {
    if (this.ended) return;
    const error = new Error(`Port ${this.path}: ${message}`);
    // The reason the port is closed for: its 'close' event says only that it closed.
    this.failure = error;
    if (this.port.isOpen) this.port.close(() => this.end(error));
    else this.end(error);
  }

  private end(error?: Error): void {
    if (this.ended) return;
    this.ended = true;
    for (const l of this.closeListeners) l(error);
  }
}
