// A node's wired link for model transfer tests, over the app's real serialport stack
// (main/transport/serial.ts): frames go out with encodeFrame, come back through the Deframer, and
// a model transfer reply (decodeTransferReply) goes to the sender that waits for it. The sender
// (main/ota/sender.ts) sees only the TransferPort it was built for.
import { decodeHello, Deframer, encodeFrame, MSG_HELLO, MSG_HELLO_REQ, type Frame, type Hello } from '../../models/protocol/index';
import { openSerialLink } from '../../main/transport/serial';
import type { ByteLink } from '../../main/transport/byteLink';
import { decodeTransferReply, type ModelSender, type TransferPort, type TransferReply } from '../../main/ota/sender';
import { waitFor } from './wait';

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

  /** Sends a request and resolves with the first frame that answers its seq. */
  async request(type: number, payload: Uint8Array = new Uint8Array(0), ms = 10_000): Promise<Frame> {
    const seq = this.seq & 0xffff;
    const from = this.frames.length;
    this.send(type, payload);
    return waitFor(`the answer to request 0x${type.toString(16)} seq ${seq}`, ms, () => this.frames.slice(from).find((f) => f.seq === seq));
  }

  /** A model transfer request's reply. */
  async transferRequest(type: number, payload: Uint8Array = new Uint8Array(0)): Promise<TransferReply> {
    const f = await this.request(type, payload);
    const r = decodeTransferReply(f.type, f.payload);
    if (!r) throw new Error(`request 0x${type.toString(16)} was answered by a frame of type 0x${f.type.toString(16)}`);
    return r;
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

  close(): Promise<void> {
    clearInterval(this.timer);
    return this.link.close();
  }
}
