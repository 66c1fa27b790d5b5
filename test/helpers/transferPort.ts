// A node's wired link for model transfer tests, over the app's real serialport stack
// (main/transport/serial.ts): frames go out with encodeFrame, come back through the Deframer, and
// a model transfer reply (decodeTransferReply) goes to the sender that waits for it. The sender
// (main/ota/sender.ts) sees only the TransferPort it was built for.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { signModelBlob } from '../../models/nn/modelFile';
import { crc32, decodeHello, Deframer, encodeFrame, MSG_EVENT, MSG_FEATURES, MSG_HELLO, MSG_HELLO_REQ, MSG_LOG, MSG_RAW_BLOCK, type Frame, type Hello } from '../../models/protocol/index';
import { openSerialLink } from '../../main/transport/serial';
import type { ByteLink } from '../../main/transport/byteLink';
import { MSG_MODEL_STATUS_REQ, type TransferStatus } from '../../models/protocol/transfer';
import { decodeTransferReply, type ModelSender, type TransferPort, type TransferReply } from '../../main/ota/sender';
import { ROOT } from './firmware';
import { waitFor } from './wait';

/** The built-in model (renderer/public/models/default.vgm) as model `version`, its CRC and tag for
 * `key` (docs/model-format.md §2.7): a small image the node accepts. */
export function builtinModelAs(version: number, key: Uint8Array): Uint8Array {
  const file = new Uint8Array(readFileSync(join(ROOT, 'renderer/public/models/default.vgm')));
  const totalLen = new DataView(file.buffer, file.byteOffset, file.byteLength).getUint32(8, true);
  const blob = file.slice(0, totalLen);
  const dv = new DataView(blob.buffer);
  dv.setUint32(12, version, true);
  dv.setUint32(totalLen - 36, crc32(blob, 0, totalLen - 36), true);
  return signModelBlob(blob, key);
}

const UNSOLICITED = new Set([MSG_FEATURES, MSG_EVENT, MSG_RAW_BLOCK, MSG_LOG]);

export class NodeWire implements TransferPort {
  readonly frames: Frame[] = [];
  sender?: ModelSender;
  private seq = 1;
  private timer?: NodeJS.Timeout;

  private constructor(private readonly link: ByteLink) {
    const d = new Deframer((f) => {
      this.frames.push(f);
      const r = decodeTransferReply(f.type, f.payload);
      if (r && this.sender) this.sender.onReply(r, performance.now());
    });
    d.joinMidStream();
    link.onData((chunk) => d.push(chunk));
  }

  static async open(path: string): Promise<NodeWire> {
    return new NodeWire(await openSerialLink(path));
  }

  /** TransferPort: one request frame with the next seq. */
  send(type: number, payload: Uint8Array): void {
    void this.link.write(encodeFrame(type, this.seq++ & 0xffff, payload));
  }

  /** Sends a request and resolves with the first response with its seq (the node's own frames,
   * FEATURES, EVENT, RAW_BLOCK and LOG, count their seq on their own: docs/protocol.md §2). */
  async request(type: number, payload: Uint8Array = new Uint8Array(0), ms = 10_000): Promise<Frame> {
    const seq = this.seq & 0xffff;
    const from = this.frames.length;
    this.send(type, payload);
    return waitFor(`the answer to request 0x${type.toString(16)} seq ${seq}`, ms, () => this.frames.slice(from).find((f) => f.seq === seq && !UNSOLICITED.has(f.type)));
  }

  /** A model transfer request's reply. */
  async transferRequest(type: number, payload: Uint8Array = new Uint8Array(0)): Promise<TransferReply> {
    const f = await this.request(type, payload);
    const r = decodeTransferReply(f.type, f.payload);
    if (!r) throw new Error(`request 0x${type.toString(16)} was answered by a frame of type 0x${f.type.toString(16)}`);
    return r;
  }

  async status(): Promise<TransferStatus> {
    const r = await this.transferRequest(MSG_MODEL_STATUS_REQ);
    if (r.kind !== 'status') throw new Error(`MODEL_STATUS_REQ was answered with ${r.kind}`);
    return r.status;
  }

  /** MODEL_STATUS every 250 ms until `done` holds. */
  async statusUntil(what: string, ms: number, done: (st: TransferStatus) => boolean): Promise<TransferStatus> {
    const t0 = Date.now();
    for (;;) {
      const st = await this.status();
      if (done(st)) return st;
      if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}: state ${st.state}, ${st.trialWindows} windows`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  async hello(): Promise<Hello> {
    const f = await this.request(MSG_HELLO_REQ);
    if (f.type !== MSG_HELLO) throw new Error(`HELLO_REQ was answered by type 0x${f.type.toString(16)}`);
    return decodeHello(f.payload);
  }

  /** Runs the sender over this link (start, then poll every 50 ms) until it finishes. */
  async run(sender: ModelSender): Promise<Awaited<ModelSender['finished']>> {
    this.sender = sender;
    sender.start(performance.now());
    this.timer = setInterval(() => sender.poll(performance.now()), 50);
    try {
      return await sender.finished;
    } finally {
      clearInterval(this.timer);
      this.sender = undefined;
    }
  }

  /** Raw bytes on the link (a whole encoded frame), resolved once written: SAMPLES_IN at the link's pace. */
  write(bytes: Uint8Array): Promise<void> {
    return this.link.write(bytes);
  }

  close(): Promise<void> {
    clearInterval(this.timer);
    return this.link.close();
  }
}
