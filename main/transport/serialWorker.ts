/**
 * The serial reader thread (a worker_threads Worker started by serialThread.ts). The main thread
 * opens each port with serialport (exclusive lock, raw mode, the input flush) and hands its file
 * descriptor here — threads share the process's descriptors; this thread only reads them, every
 * READ_TICK_MS, until each has nothing more, and sends what it read to the main thread in one
 * message per tick (buffers transferred, per port in order). Because it sleeps almost all the
 * time, the scheduler runs it as soon as its timer is due even on a busy machine, whereas a busy
 * main thread waited up to 0.8 s for a CPU — longer than a node's output buffer and the kernel's
 * pty or USB-CDC buffer last at a raw stream's 160 kB/s (docs/architecture.md, "Serial reads in
 * their own thread").
 *
 * Why not serialport itself in this thread: its poller runs on the process's default event loop
 * and calls into JavaScript from there, which aborts Node when the port was opened in a worker
 * (tried: "HandleScope::HandleScope Entering the V8 API without proper locking in place").
 */
import { readSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import type { FromReader, ReadChunk, ToReader } from './serialThread';

if (!parentPort) throw new Error('serialWorker.ts runs only as a worker thread (serialThread.ts starts it)');
const parent = parentPort;

/** How often the ports are read: 4 ms holds 640 bytes of a 160 kB/s raw stream. */
export const READ_TICK_MS = 4;
/** Largest read (a 64 KiB buffer, reused); a port with more waiting is read again in the same tick. */
const READ_BYTES = 65_536;

const watched = new Map<number, number>(); // link id -> fd
const buffer = Buffer.allocUnsafe(READ_BYTES);
let timer: NodeJS.Timeout | undefined;

function post(m: FromReader, transfer?: ArrayBuffer[]): void {
  parent.postMessage(m, transfer);
}

parent.on('message', (m: ToReader) => {
  if (m.t === 'watch') {
    watched.set(m.id, m.fd);
    // The first read at once: the node may already be sending.
    if (timer) clearTimeout(timer);
    tick();
  } else {
    // Asked to close: what is still in the port is read before the main thread closes it (it waits
    // for 'unwatched'). A link that ended otherwise: its descriptor may be closed or reused already,
    // so it is only forgotten.
    const chunks: ReadChunk[] = [];
    const transfer: ArrayBuffer[] = [];
    const fd = watched.get(m.id);
    if (fd !== undefined && m.drain) drain(m.id, fd, chunks, transfer);
    watched.delete(m.id);
    if (chunks.length > 0) post({ t: 'data', chunks }, transfer);
    post({ t: 'unwatched', id: m.id });
  }
});

/** Reads one port until it has nothing more; a read error (the node unplugged) ends its watch. */
function drain(id: number, fd: number, chunks: ReadChunk[], transfer: ArrayBuffer[]): void {
  for (;;) {
    let n: number;
    try {
      n = readSync(fd, buffer, 0, READ_BYTES, null);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN' || code === 'EWOULDBLOCK' || code === 'EINTR') return;
      watched.delete(id);
      chunks.push({ id, error: (e as Error).message });
      return;
    }
    if (n <= 0) {
      // End of file: a terminal reads 0 only once it is hung up (the node's USB gone, its pty closed);
      // with no data it says EAGAIN (serialport sets raw mode, VMIN 1).
      watched.delete(id);
      chunks.push({ id, error: 'the node went away (its port hung up)' });
      return;
    }
    const bytes = new Uint8Array(n);
    bytes.set(buffer.subarray(0, n));
    chunks.push({ id, bytes: bytes.buffer });
    transfer.push(bytes.buffer);
    if (n < READ_BYTES) return;
  }
}

function tick(): void {
  timer = undefined;
  const chunks: ReadChunk[] = [];
  const transfer: ArrayBuffer[] = [];
  for (const [id, fd] of watched) drain(id, fd, chunks, transfer);
  if (chunks.length > 0) post({ t: 'data', chunks }, transfer);
  if (watched.size > 0) timer = setTimeout(tick, READ_TICK_MS);
}
