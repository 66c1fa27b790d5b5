// A TypeScript model of the node's model transfer receiver (firmware/src/ota/transfer.c) and of
// the part of its model store (firmware/src/store/store.c) the transfer uses. It writes the golden
// exchanges of scripts/gen-transfer-vectors.ts, which the C receiver must reproduce byte for byte,
// and it stands in for the node in the sender's tests (test/unit/main/ota-sender.test.ts).
import { crc32, encodeAck, encodeNack, MSG_ACK, MSG_NACK, NACK_AUTH_FAILED, NACK_BAD_PAYLOAD, NACK_NOT_PAIRED, NACK_OUT_OF_RANGE, NACK_UNKNOWN_TYPE, PayloadError } from '../../models/protocol';
import {
  decodeModelBegin,
  decodeModelChunk,
  decodeModelCommit,
  decodeModelRollback,
  encodeTransferStatus,
  MODEL_BEGIN_TAG_LEN,
  MODEL_CHUNK_DATA_MAX,
  modelBeginTag,
  MSG_MODEL_ABORT,
  MSG_MODEL_BEGIN,
  MSG_MODEL_CHUNK,
  MSG_MODEL_COMMIT,
  MSG_MODEL_ROLLBACK,
  MSG_MODEL_STATUS,
  MSG_MODEL_STATUS_REQ,
  NACK_IMAGE_HASH,
  NACK_INCOMPLETE,
  NACK_MODEL_CORRUPT,
  NACK_MODEL_KEY,
  NACK_MODEL_OLDER,
  NACK_MODEL_PENDING,
  NACK_MODEL_SELFTEST,
  NACK_MODEL_SPEC,
  NACK_NO_ROLLBACK,
  NACK_NO_TRANSFER,
  NACK_TOO_LARGE,
  TRANSFER_IDLE,
  TRANSFER_RECEIVING,
  TRANSFER_TRIAL,
  type TransferStatus,
} from '../../models/protocol/transfer';
import { readModelBlob, verifyModelTag } from '../../models/nn/modelFile';
import { runInt8 } from '../../models/nn/int8';
import { equalBytes, sha256 } from '../../models/crypto/sha256';

export const SLOT_EMPTY = 0;
export const SLOT_TRYING = 2;
export const SLOT_CONFIRMED = 3;
export const SLOT_REJECTED = 4;

export type RunRequest = { kind: 'none' } | { kind: 'slot'; slot: number } | { kind: 'builtin' };

export interface ReceiverSlot {
  /** The slot's blob area (erased: 0xFF). */
  bytes: Uint8Array;
  /** The trailer's state; EMPTY until COMMIT writes it. */
  state: number;
  length: number;
}

export interface ReceiverOptions {
  key: Uint8Array;
  /** The node's feature-spec hash: a model built for another is refused (MODEL_SPEC). */
  specHash: Uint8Array;
  /** Bytes per slot including the store's 32-byte trailer. */
  slotSize: number;
  confirmAfter: number;
  /** The model confirmed in slot 0 and running at start, or none (the built-in one, version builtinVersion). */
  running?: Uint8Array;
  builtinVersion?: number;
}

export interface Response {
  type: number;
  payload: Uint8Array;
}

const TRAILER = 32;
const versionOf = (blob: Uint8Array): number => new DataView(blob.buffer, blob.byteOffset).getUint32(12, true);

/** The node's acceptance test, in the order of nn_model_parse and node_accept_model: a NACK reason or 0. */
export function checkModel(blob: Uint8Array, key: Uint8Array, specHash: Uint8Array): number {
  if (blob.length < 48) return NACK_MODEL_CORRUPT;
  const v = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  if (v.getUint32(0, true) !== 0x444d4756 || v.getUint16(4, true) !== 1 || v.getUint16(6, true) !== 48) return NACK_MODEL_CORRUPT;
  const totalLen = v.getUint32(8, true);
  if (totalLen > blob.length || totalLen < 84) return NACK_MODEL_CORRUPT;
  if (crc32(blob, 0, totalLen - 36) !== v.getUint32(totalLen - 36, true)) return NACK_MODEL_CORRUPT;
  if (!verifyModelTag(blob, key)) return NACK_MODEL_KEY;
  let model;
  try {
    model = readModelBlob(blob);
  } catch {
    return NACK_MODEL_CORRUPT;
  }
  if (!equalBytes(blob.subarray(48, 80), specHash)) return NACK_MODEL_SPEC;
  const t = runInt8(model, model.selfTest.input);
  const qOut = t.layers[t.layers.length - 1];
  if (t.sumsq !== model.selfTest.sumsq || !equalBytes(Uint8Array.from(qOut, (x) => x & 0xff), Uint8Array.from(model.selfTest.qOut, (x) => x & 0xff))) {
    return NACK_MODEL_SELFTEST;
  }
  return 0;
}

export class TransferReceiver {
  readonly slots: ReceiverSlot[];
  /** The running slot, -1 for the built-in model. */
  active: number;
  state = TRANSFER_IDLE;
  trialWindows = 0;
  runningVersion: number;
  run: RunRequest = { kind: 'none' };
  private slot = 0;
  private prevSlot = -1;
  private prevVersion = 0;
  private size = 0;
  private version = 0;
  private offset = 0;
  private sha = new Uint8Array(32);
  private committed = false;
  private seq = 0;
  private readonly seqs = [0, 0];

  constructor(readonly opts: ReceiverOptions) {
    const area = opts.slotSize - TRAILER;
    this.slots = [0, 1].map(() => ({ bytes: new Uint8Array(area).fill(0xff), state: SLOT_EMPTY, length: 0 }));
    this.active = -1;
    this.runningVersion = opts.builtinVersion ?? 0;
    if (opts.running) {
      this.slots[0].bytes.set(opts.running);
      this.slots[0].state = SLOT_CONFIRMED;
      this.slots[0].length = opts.running.length;
      this.seqs[0] = ++this.seq;
      this.active = 0;
      this.runningVersion = versionOf(opts.running);
    }
  }

  /** The node restarts: what store_boot runs (a trial is rejected), and the transfer state is lost. */
  reset(): void {
    for (const s of this.slots) if (s.state === SLOT_TRYING) s.state = SLOT_REJECTED;
    let best = -1;
    for (let i = 0; i < 2; i++) {
      const s = this.slots[i];
      if (s.state !== SLOT_CONFIRMED) continue;
      const b = s.bytes.subarray(0, s.length);
      if (checkModel(b, this.opts.key, this.opts.specHash) !== 0) continue;
      if (best < 0 || versionOf(b) > versionOf(this.slots[best].bytes)) best = i;
    }
    this.active = best;
    this.runningVersion = best >= 0 ? versionOf(this.slots[best].bytes) : this.opts.builtinVersion ?? 0;
    this.state = TRANSFER_IDLE;
    this.trialWindows = 0;
    this.committed = false;
    this.run = { kind: 'none' };
  }

  status(): TransferStatus {
    const idle = this.state === TRANSFER_IDLE;
    return {
      state: this.state,
      trialWindows: this.trialWindows,
      confirmAfter: this.opts.confirmAfter,
      maxChunk: MODEL_CHUNK_DATA_MAX,
      offset: idle ? 0 : this.offset,
      size: idle ? 0 : this.size,
      version: idle ? 0 : this.version,
      runningVersion: this.runningVersion,
      sha256: idle ? new Uint8Array(32) : this.sha.slice(),
    };
  }

  handle(type: number, payload: Uint8Array): Response {
    let reason = NACK_UNKNOWN_TYPE;
    let status = false;
    try {
      switch (type) {
        case MSG_MODEL_BEGIN:
          reason = this.onBegin(payload);
          status = true;
          break;
        case MSG_MODEL_CHUNK:
          reason = this.onChunk(payload);
          status = true;
          break;
        case MSG_MODEL_COMMIT:
          reason = this.onCommit(payload);
          break;
        case MSG_MODEL_ABORT:
          if (this.state === TRANSFER_RECEIVING) this.state = TRANSFER_IDLE;
          reason = 0;
          break;
        case MSG_MODEL_STATUS_REQ:
          reason = 0;
          status = true;
          break;
        case MSG_MODEL_ROLLBACK:
          reason = this.onRollback(payload);
          break;
      }
    } catch (e) {
      if (!(e instanceof PayloadError)) throw e;
      reason = NACK_BAD_PAYLOAD;
    }
    if (reason !== 0) return { type: MSG_NACK, payload: encodeNack({ reqType: type, reason, detail: 0 }) };
    if (status) return { type: MSG_MODEL_STATUS, payload: encodeTransferStatus(this.status()) };
    return { type: MSG_ACK, payload: encodeAck(type) };
  }

  /** One feature window of the running model (ota_window). */
  window(healthy: boolean): void {
    if (this.state !== TRANSFER_TRIAL) return;
    if (!healthy) {
      this.revert();
      return;
    }
    this.trialWindows = Math.min(255, this.trialWindows + 1);
    if (this.trialWindows >= this.opts.confirmAfter) {
      this.slots[this.slot].state = SLOT_CONFIRMED;
      this.state = TRANSFER_IDLE;
      this.trialWindows = 0;
    }
  }

  takeRun(): RunRequest {
    const r = this.run;
    this.run = { kind: 'none' };
    return r;
  }

  private onBegin(p: Uint8Array): number {
    const b = decodeModelBegin(p);
    if (this.opts.key.every((x) => x === 0)) return NACK_NOT_PAIRED;
    if (!equalBytes(modelBeginTag(this.opts.key, b.size, b.version, b.sha256), b.tag.subarray(0, MODEL_BEGIN_TAG_LEN))) return NACK_AUTH_FAILED;
    if (this.state === TRANSFER_TRIAL) return NACK_MODEL_PENDING;
    if (b.size === 0) return NACK_BAD_PAYLOAD;
    if (b.size > this.opts.slotSize - TRAILER) return NACK_TOO_LARGE;
    if (b.version <= this.runningVersion) return NACK_MODEL_OLDER;
    if (this.state === TRANSFER_RECEIVING && b.size === this.size && b.version === this.version && equalBytes(b.sha256, this.sha)) return 0;
    this.state = TRANSFER_IDLE;
    this.committed = false;
    this.slot = this.target();
    const s = this.slots[this.slot];
    s.bytes.fill(0xff);
    s.state = SLOT_EMPTY;
    s.length = 0;
    this.state = TRANSFER_RECEIVING;
    this.size = b.size;
    this.version = b.version;
    this.offset = 0;
    this.sha = b.sha256.slice();
    return 0;
  }

  private target(): number {
    if (this.active >= 0) return 1 - this.active;
    const [a, b] = this.slots;
    if (a.state === SLOT_EMPTY || b.state === SLOT_EMPTY) return a.state === SLOT_EMPTY ? 0 : 1;
    return this.seqs[0] <= this.seqs[1] ? 0 : 1;
  }

  private onChunk(p: Uint8Array): number {
    const c = decodeModelChunk(p);
    if (this.state !== TRANSFER_RECEIVING) return NACK_NO_TRANSFER;
    const n = c.data.length;
    if (c.offset % 4 !== 0 || c.offset > this.size || n > this.size - c.offset || (n % 4 !== 0 && c.offset + n !== this.size)) {
      return NACK_OUT_OF_RANGE;
    }
    if (c.offset !== this.offset) return 0;
    this.slots[this.slot].bytes.set(c.data, c.offset);
    this.offset += n;
    return 0;
  }

  private onCommit(p: Uint8Array): number {
    const h = decodeModelCommit(p);
    if (this.committed && equalBytes(h, this.sha)) return 0;
    if (this.state !== TRANSFER_RECEIVING || !equalBytes(h, this.sha)) return NACK_NO_TRANSFER;
    if (this.offset < this.size) return NACK_INCOMPLETE;
    const blob = this.slots[this.slot].bytes.subarray(0, this.size);
    this.state = TRANSFER_IDLE;
    if (!equalBytes(sha256(blob), this.sha)) return NACK_IMAGE_HASH;
    const refused = checkModel(blob, this.opts.key, this.opts.specHash);
    if (refused !== 0) return refused;
    const version = versionOf(blob);
    if (version <= this.runningVersion) return NACK_MODEL_OLDER;
    if (version !== this.version) return NACK_MODEL_CORRUPT;
    const s = this.slots[this.slot];
    s.state = SLOT_TRYING;
    s.length = this.size;
    this.seqs[this.slot] = ++this.seq;
    this.prevSlot = this.active;
    this.prevVersion = this.runningVersion;
    this.active = this.slot;
    this.runningVersion = version;
    this.state = TRANSFER_TRIAL;
    this.trialWindows = 0;
    this.committed = true;
    this.run = { kind: 'slot', slot: this.slot };
    return 0;
  }

  private revert(): void {
    this.slots[this.slot].state = SLOT_REJECTED;
    this.active = this.prevSlot;
    this.runningVersion = this.prevVersion;
    this.run = this.prevSlot >= 0 ? { kind: 'slot', slot: this.prevSlot } : { kind: 'builtin' };
    this.state = TRANSFER_IDLE;
    this.committed = false;
    this.trialWindows = 0;
  }

  private onRollback(p: Uint8Array): number {
    const version = decodeModelRollback(p);
    if (this.state === TRANSFER_TRIAL && version === this.prevVersion) {
      this.revert();
      return 0;
    }
    if (version === this.runningVersion) return 0;
    if (this.state === TRANSFER_TRIAL || this.active < 0) return NACK_NO_ROLLBACK;
    const other = 1 - this.active;
    const s = this.slots[other];
    const held = s.state === SLOT_CONFIRMED && versionOf(s.bytes) === version;
    if (!held && version === this.opts.builtinVersion && version !== 0) {
      // Back to the factory model: every confirmed slot rejected, the running one last.
      if (s.state === SLOT_CONFIRMED) s.state = SLOT_REJECTED;
      this.slots[this.active].state = SLOT_REJECTED;
      this.active = -1;
      this.runningVersion = version;
      this.committed = false;
      this.run = { kind: 'builtin' };
      return 0;
    }
    if (!held) return NACK_NO_ROLLBACK;
    const refused = checkModel(s.bytes.subarray(0, s.length), this.opts.key, this.opts.specHash);
    if (refused !== 0) return refused;
    this.slots[this.active].state = SLOT_REJECTED;
    this.active = other;
    this.runningVersion = version;
    this.committed = false;
    this.run = { kind: 'slot', slot: other };
    return 0;
  }
}
