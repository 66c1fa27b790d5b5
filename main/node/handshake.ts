/**
 * The handshake of docs/protocol.md 6.1 on the session's current link: a lone 0x00, then HELLO_REQ
 * every 500 ms until a HELLO comes, 10 s at most. It also remembers the HELLO_REQ seqs sent on the
 * link (a HELLO with one of them is an answer, not a boot) and lets the session wait for a HELLO
 * that passes a test (pairing).
 */
import { encodeFrame, MSG_HELLO_REQ, type Hello } from '../../models/protocol/index';
import type { ByteLink } from '../transport/byteLink';

export class Handshake {
  private reqSeqs = new Set<number>();
  private timer: NodeJS.Timeout | undefined;
  private deadline: NodeJS.Timeout | undefined;
  private waiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  private listeners: ((h: Hello) => void)[] = [];

  constructor(
    private readonly path: string,
    private readonly retryMs: number,
    private readonly timeoutMs: number,
    private readonly link: () => ByteLink | undefined,
    private readonly nextSeq: () => number,
    /** Told before the waiters are rejected. */
    private readonly failed: (message: string) => void,
  ) {}

  /**
   * Sends HELLO_REQ every `retryMs` until a HELLO arrives; resolves then, rejects with a
   * plain-words error after `timeoutMs`.
   */
  run(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      if (this.timer) return;
      const link = this.link();
      if (!link) return this.fail('The node is not connected');
      // A lone 0x00 first: it ends whatever partial frame the node's receiver holds.
      void link.write(Uint8Array.of(0)).catch(() => {});
      const send = () => {
        link.write(this.helloReq()).catch((e: Error) => this.fail(e.message));
      };
      send();
      this.timer = setInterval(send, this.retryMs);
      this.deadline = setTimeout(() => {
        this.fail(`No answer from the node on ${this.path} within ${Math.round(this.timeoutMs / 1000)} s. Is it a Vigil node, and is it powered?`);
      }, this.timeoutMs);
    });
  }

  /** One HELLO_REQ outside a handshake (the node's own HELLO got lost). */
  async sendHelloReq(): Promise<void> {
    await this.link()?.write(this.helloReq()).catch(() => {});
  }

  /** A new link: the seqs sent on the old one answer nothing. */
  newLink(): void {
    this.reqSeqs = new Set();
  }

  /** Whether a HELLO with this seq answers one of our HELLO_REQs. */
  isAnswer(seq: number): boolean {
    return this.reqSeqs.has(seq);
  }

  /** A HELLO came: the handshake is over. Returns whether anyone was waiting for it. */
  hello(h: Hello): boolean {
    const waiting = this.waiters.length > 0;
    this.stop();
    for (const w of this.waiters.splice(0)) w.resolve();
    for (const l of [...this.listeners]) l(h);
    return waiting;
  }

  /** Resolves true when a HELLO passing `test` arrives within `ms`, else false. */
  waitFor(test: (h: Hello) => boolean, ms: number): { promise: Promise<boolean>; cancel: () => void } {
    let done: (ok: boolean) => void = () => {};
    const promise = new Promise<boolean>((resolve) => (done = resolve));
    const listener = (h: Hello) => {
      if (test(h)) finish(true);
    };
    const timer = setTimeout(() => finish(false), ms);
    const finish = (ok: boolean) => {
      clearTimeout(timer);
      this.listeners = this.listeners.filter((l) => l !== listener);
      done(ok);
    };
    this.listeners.push(listener);
    return { promise, cancel: () => finish(false) };
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.deadline) clearTimeout(this.deadline);
    this.timer = undefined;
    this.deadline = undefined;
  }

  rejectWaiters(err: Error): void {
    for (const w of this.waiters.splice(0)) w.reject(err);
  }

  private fail(message: string): void {
    this.stop();
    const waiters = this.waiters.splice(0);
    this.failed(message);
    const err = new Error(message);
    for (const w of waiters) w.reject(err);
  }

  private helloReq(): Uint8Array {
    const seq = this.nextSeq();
    this.reqSeqs.add(seq);
    return encodeFrame(MSG_HELLO_REQ, seq);
  }
}
