/**
 * One node's model update, as its session (main/node/session.ts) runs it: a ModelSender
 * (main/ota/sender.ts) fed with every MODEL_STATUS and every ACK / NACK of a model request, polled
 * from a timer, paused while the link is down and resumed from the node's offset after the HELLO of
 * a new link. After the COMMIT's ACK the node runs the model on trial: MODEL_STATUS is asked until
 * the trial ends, confirmed (the node runs the version sent) or reverted (it runs another), and
 * the session then asks a HELLO so NodeInfo shows the version the node really runs. A rollback
 * (MODEL_ROLLBACK) is one request, sent again on a timeout, refused in plain words.
 */
import { ApiError, type ModelProgress, type ModelUpdateState } from '../../models/api/contract';
import { readVgmFile, signModelBlob } from '../../models/nn/modelFile';
import {
  encodeModelRollback,
  MSG_MODEL_ROLLBACK,
  MSG_MODEL_STATUS_REQ,
  transferRefusalText,
  TRANSFER_TRIAL,
  type TransferStatus,
} from '../../models/protocol/transfer';
import { decodeTransferReply, ModelSender, type TransferReply } from './sender';

export interface UpdateHost {
  readonly path: string;
  /** Sends one request (inside SECURE where the link needs it); false without a link. */
  post(type: number, payload: Uint8Array): boolean;
  /** The node's pairing key, if the app holds it. */
  key(): Uint8Array | undefined;
  /** Chunk data bytes for this link: the most a frame holds (docs/protocol.md 3.14). */
  chunk(): number;
  /** Asks a HELLO and resolves when it came (or not, in time): its INFO block tells the model the node runs. */
  askHello(): Promise<void>;
  progress(p: ModelProgress): void;
}

export interface UpdateOptions {
  /** Chunks in flight (default 8). */
  window?: number;
  /** Per request without an answer (default 500 ms; BLE 2000 ms). */
  timeoutMs?: number;
  /** Timer period (default 50 ms). */
  pollMs?: number;
  /** MODEL_STATUS period while the model is on trial (default 1000 ms). */
  followMs?: number;
  /** How long a trial is followed before the app gives up watching (default 10 min). */
  followLimitMs?: number;
}

const OVER: ReadonlySet<ModelUpdateState> = new Set(['confirmed', 'refused', 'reverted', 'rolled-back', 'failed']);

export class NodeModelUpdate {
  private sender: ModelSender | undefined;
  private timer: NodeJS.Timeout | undefined;
  private current: ModelProgress | undefined;
  private nextAsk = 0;
  private followUntil = 0;
  private rollbackTries = 0;
  private down = false;
  /** The outcome is known; the HELLO that shows it is on its way. */
  private ending = false;

  constructor(
    private readonly host: UpdateHost,
    private readonly opts: UpdateOptions = {},
  ) {}

  get state(): ModelProgress | undefined {
    return this.current ? { ...this.current } : undefined;
  }

  get busy(): boolean {
    return this.current !== undefined && !OVER.has(this.current.state);
  }

  /** Starts sending a signed model image. */
  deploy(image: Uint8Array, nowMs: number): ModelProgress {
    const key = this.host.key();
    if (!key) throw new Error('this app holds no pairing key for the node: pair it over the cable first');
    this.refuseWhileBusy();
    const sender = new ModelSender(image, { send: (t, p) => void this.host.post(t, p) }, { key, chunk: this.host.chunk(), window: this.opts.window ?? 8, timeoutMs: this.timeoutMs });
    this.sender = sender;
    this.begin('deploy', sender.version, image.length, nowMs);
    void sender.finished.then((o) => {
      if (this.sender !== sender) return;
      this.sender = undefined;
      const running = o.alreadyRunning ? { runningVersion: sender.version } : {};
      if (o.alreadyRunning) this.set('confirmed', { sent: sender.size, ...running });
      else if (o.ok) this.startFollowing(sender.size);
      else this.set(o.reason !== undefined ? 'refused' : 'failed', { sent: sender.acked, message: o.error ?? 'the transfer failed' });
    });
    sender.start(nowMs);
    this.emit();
    return { ...this.current! };
  }

  /** Asks the node to return to an older confirmed model. */
  rollback(version: number, nowMs: number): ModelProgress {
    // During a trial the node takes a rollback to the model before (docs/protocol.md 3.14): the
    // app stops following the trial.
    if (this.current?.state === 'trial' && !this.ending) this.set('failed', { message: `the trial was ended by a rollback to version ${version}` });
    this.begin('rollback', version, 0, nowMs);
    this.rollbackTries = 0;
    this.sendRollback(nowMs);
    this.emit();
    return { ...this.current! };
  }

  /** Takes the frame when it is a reply of the model transfer. Throws PayloadError for one that does not decode. */
  onFrame(type: number, payload: Uint8Array): boolean {
    const r = decodeTransferReply(type, payload);
    if (!r || !this.current) return r !== undefined;
    const now = Date.now();
    if (this.sender) {
      this.sender.onReply(r, now);
      this.track();
    } else this.onAfterReply(r);
    return true;
  }

  /** The version HELLO INFO names as running. */
  helloSaid(runningVersion: number): void {
    const c = this.current;
    if (!c || c.runningVersion === runningVersion) return;
    c.runningVersion = runningVersion;
    this.emit();
  }

  linkDown(): void {
    this.down = true;
    this.sender?.linkDown();
  }

  reconnected(nowMs: number): void {
    this.down = false;
    if (this.sender) {
      this.current!.resumes++;
      this.sender.reconnected(nowMs);
    }
    this.nextAsk = nowMs;
  }

  /** The session ended (or the node stayed out of reach, `why`): nothing more is sent. */
  stop(why = 'the link to the node was closed during the update'): void {
    this.clearTimer();
    if (this.sender) this.sender.cancel();
    if (this.busy) this.set('failed', { message: why });
  }

  private get timeoutMs(): number {
    return this.opts.timeoutMs ?? 500;
  }

  private refuseWhileBusy(): void {
    if (this.busy) throw new Error(`the node is busy with a model ${this.current!.kind} (${this.current!.state})`);
  }

  private begin(kind: ModelProgress['kind'], version: number, total: number, nowMs: number): void {
    this.refuseWhileBusy();
    this.ending = false;
    this.current = { path: this.host.path, kind, state: kind === 'deploy' ? 'sending' : 'committing', version, sent: 0, total, resumes: 0, startedMs: nowMs, updatedMs: nowMs };
    this.nextAsk = nowMs + this.timeoutMs;
    this.clearTimer();
    this.timer = setInterval(() => this.tick(Date.now()), this.opts.pollMs ?? 50);
    this.timer.unref?.();
  }

  private tick(now: number): void {
    if (this.sender) {
      this.sender.poll(now);
      this.track();
      return;
    }
    const c = this.current;
    if (!c || OVER.has(c.state)) return this.clearTimer();
    if (this.ending || this.down || now < this.nextAsk) return;
    if (c.kind === 'rollback') {
      if (++this.rollbackTries > 3) return this.set('failed', { message: 'the node did not answer the rollback' });
      this.sendRollback(now);
    } else if (now > this.followUntil) {
      this.set('failed', { message: 'the node did not end the trial while the app watched: check its model later' });
    } else {
      this.host.post(MSG_MODEL_STATUS_REQ, new Uint8Array(0));
      this.nextAsk = now + (this.opts.followMs ?? 1000);
    }
  }

  private sendRollback(now: number): void {
    this.host.post(MSG_MODEL_ROLLBACK, encodeModelRollback(this.current!.version));
    this.nextAsk = now + this.timeoutMs;
  }

  /** Progress of the sender, told when it moved. */
  private track(): void {
    const s = this.sender;
    const c = this.current;
    if (!s || !c || s.phase === 'done' || s.phase === 'failed') return; // its outcome is told next
    const state: ModelUpdateState = s.phase === 'committing' ? 'committing' : 'sending';
    if (s.acked !== c.sent || state !== c.state) this.set(state, { sent: s.acked });
  }

  private startFollowing(size: number): void {
    const now = Date.now();
    this.followUntil = now + (this.opts.followLimitMs ?? 600_000);
    this.nextAsk = now;
    this.set('trial', { sent: size });
  }

  private onAfterReply(r: TransferReply): void {
    if (this.ending) return;
    const c = this.current!;
    if (c.kind === 'rollback') {
      if (c.state !== 'committing') return;
      if (r.kind === 'ack' && r.reqType === MSG_MODEL_ROLLBACK) {
        this.ending = true;
        void this.host.askHello().finally(() => this.set('rolled-back', { runningVersion: c.version }));
      } else if (r.kind === 'nack' && r.reqType === MSG_MODEL_ROLLBACK) this.set('refused', { message: transferRefusalText(r.reason) });
      return;
    }
    if (c.state === 'trial' && r.kind === 'status') this.onTrialStatus(r.status);
  }

  private onTrialStatus(s: TransferStatus): void {
    if (s.state === TRANSFER_TRIAL) {
      this.current!.runningVersion = s.runningVersion;
      return;
    }
    const confirmed = s.runningVersion === this.current!.version;
    // The end is told once the HELLO came, so NodeInfo already shows it and the next request
    // goes out under the new link nonce.
    this.ending = true;
    void this.host.askHello().finally(() =>
      this.set(confirmed ? 'confirmed' : 'reverted', {
        runningVersion: s.runningVersion,
        ...(confirmed ? {} : { message: `the node went back to model version ${s.runningVersion}: the new model was not healthy on trial` }),
      }),
    );
  }

  private set(state: ModelUpdateState, fields: Partial<ModelProgress>): void {
    Object.assign(this.current!, fields, { state, updatedMs: Date.now() });
    if (OVER.has(state)) this.clearTimer();
    this.emit();
  }

  private emit(): void {
    if (this.current) this.host.progress({ ...this.current });
  }

  private clearTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

/**
 * The API's deploy, for a node on this workstation's link (session.ts) or behind a gateway
 * (gateway/remoteModel.ts): a model file (.vgm) signed here with `key`, refused in plain words while
 * another update runs or when the file is not a model.
 */
export function deployModelFile(update: NodeModelUpdate, file: Uint8Array, key: Uint8Array, nowMs: number): ModelProgress {
  if (update.busy) throw new ApiError('refused', `The node is busy with a model ${update.state!.kind}; wait until it ends`);
  let blob: Uint8Array;
  try {
    blob = signModelBlob(readVgmFile(file).blob, key);
  } catch (e) {
    throw new ApiError('bad-request', `The file is not a model this app can send: ${(e as Error).message}`);
  }
  return update.deploy(blob, nowMs);
}

/** The API's rollback to an older confirmed model, refused in plain words when it cannot start. */
export function rollbackModelTo(update: NodeModelUpdate, version: number, nowMs: number): ModelProgress {
  try {
    return update.rollback(version, nowMs);
  } catch (e) {
    throw new ApiError('refused', `The node cannot roll back now: ${(e as Error).message}`);
  }
}
