// Model deployment through the plant gateway without a broker (docs/gateway.md, "Model deployment"):
// what the gateway forwards of a model transfer (SECURE around 0x20-0x25, MODEL_CHUNK and HELLO_REQ
// in the clear, nothing else in the clear), and the whole chain in memory: the workstation's
// RemoteModels drives the app's NodeModelUpdate with DCMDs through the real Sparkplug codec to the
// gateway's GatewayCommands, which hands each frame to a node that checks SECURE as the firmware does
// and runs the TypeScript twin of its transfer receiver (test/helpers/transferReceiver.ts); the
// node's answers come back as reply DDATA. A link lost mid-transfer resumes from the node's offset,
// a new link nonce mid-transfer is learnt and the request signed again, a wrong key is refused.
import { get as sparkplugCodec } from 'sparkplug-payload';
import { describe, expect, it } from 'vitest';
import type { ModelProgress, NodeInfo } from '../../../models/api/contract';
import {
  commandMetrics,
  decodeCommand,
  decodeReply,
  linkBirthMetrics,
  linkInfoFromBirth,
  nonceHex,
  RELAY_HELLO_REQ,
  RELAY_MODEL_CHUNK,
  RELAY_SECURE,
  type DecodedMetric,
} from '../../../models/gateway/commands';
import type { Metric } from '../../../models/gateway/sparkplug';
import { writeVgmFile } from '../../../models/nn/modelFile';
import * as P from '../../../models/protocol/index';
import {
  encodeModelChunk,
  encodeModelRollback,
  MSG_MODEL_BEGIN,
  MSG_MODEL_CHUNK,
  MSG_MODEL_COMMIT,
  MSG_MODEL_ROLLBACK,
  MSG_MODEL_STATUS,
  MSG_MODEL_STATUS_REQ,
  TRANSFER_TRIAL,
} from '../../../models/protocol/transfer';
import { encodeSparkplug } from '../../../main/gateway/gateway';
import { GatewayCommands } from '../../../main/gateway/commands';
import { RemoteCommands, type RemoteNode } from '../../../main/gateway/remote';
import { KeyStore, keyIdHex } from '../../../main/node/keys';
import { baseModel } from '../../../scripts/gen-transfer-vectors';
import { TransferReceiver } from '../../helpers/transferReceiver';
import { waitFor } from '../../helpers/wait';

const codec = sparkplugCodec('spBv1.0')!;
const T = 1_700_000_000_000;
const wire = (metrics: Metric[]): DecodedMetric[] =>
  (codec.decodePayload(encodeSparkplug({ timestamp: T, metrics })).metrics ?? []).map((m) => ({ name: m.name ?? '', value: m.value }));

const { blob: BASE, key: KEY } = baseModel();
const BASE_VERSION = new DataView(BASE.buffer, BASE.byteOffset).getUint32(12, true);
const UID = '0123456789abcdef01234567';
const KEY_ID = keyIdHex(KEY);
const OVER = new Set(['confirmed', 'refused', 'reverted', 'rolled-back', 'failed']);

/** A .vgm of the base model as `version` (RemoteModels signs its blob with the pairing key). */
function modelFile(version: number): Uint8Array {
  const b = BASE.slice();
  new DataView(b.buffer).setUint32(12, version, true);
  const v = new DataView(b.buffer);
  const crcOffset = v.getUint32(44, true);
  v.setUint32(crcOffset, P.crc32(b, 0, crcOffset), true);
  return writeVgmFile(b);
}

describe('what the gateway forwards of a model transfer', () => {
  const cmd = (type: number, payload: Uint8Array) => decodeCommand(wire(commandMetrics({ id: 'm1', origin: 'ws-office', type, seq: 40000, payload }, T)));
  const secure = (inner: number, p: Uint8Array) => P.encodeSecure({ key: KEY, nonce: new Uint8Array(8).fill(3), seq: 40000, counter: 1, innerType: inner, innerPayload: p });

  it('SECURE around every model request, MODEL_CHUNK and HELLO_REQ in the clear, byte for byte', () => {
    for (const inner of [MSG_MODEL_BEGIN, MSG_MODEL_COMMIT, 0x23, MSG_MODEL_STATUS_REQ, MSG_MODEL_ROLLBACK]) {
      const payload = secure(inner, inner === MSG_MODEL_ROLLBACK ? encodeModelRollback(7) : new Uint8Array(0));
      expect(cmd(RELAY_SECURE, payload)).toEqual({ ok: true, command: { id: 'm1', origin: 'ws-office', type: RELAY_SECURE, seq: 40000, payload } });
    }
    const chunk = encodeModelChunk({ offset: 1024, data: new Uint8Array(1020).fill(5) });
    expect(cmd(RELAY_MODEL_CHUNK, chunk)).toMatchObject({ ok: true, command: { type: MSG_MODEL_CHUNK, payload: chunk } });
    expect(cmd(RELAY_HELLO_REQ, new Uint8Array(0))).toMatchObject({ ok: true, command: { type: P.MSG_HELLO_REQ } });
  });

  it('refuses, in words, a model request in the clear (it would change the node unsigned) and malformed ones', () => {
    expect(cmd(MSG_MODEL_BEGIN, new Uint8Array(72))).toMatchObject({ ok: false, message: expect.stringMatching(/only SECURE \(signed\) commands.*not frame type 0x20/) });
    expect(cmd(MSG_MODEL_ROLLBACK, encodeModelRollback(7))).toMatchObject({ ok: false, message: expect.stringMatching(/not frame type 0x25/) });
    expect(cmd(MSG_MODEL_STATUS, new Uint8Array(0))).toMatchObject({ ok: false });
    expect(cmd(RELAY_MODEL_CHUNK, new Uint8Array(4))).toMatchObject({ ok: false, message: 'a MODEL_CHUNK payload is 5 to 1024 bytes, got 4' });
    expect(cmd(RELAY_MODEL_CHUNK, new Uint8Array(1025))).toMatchObject({ ok: false, message: 'a MODEL_CHUNK payload is 5 to 1024 bytes, got 1025' });
    expect(cmd(RELAY_HELLO_REQ, new Uint8Array(1))).toMatchObject({ ok: false, message: 'HELLO_REQ carries no payload' });
    expect(cmd(RELAY_SECURE, secure(P.MSG_PAIR, new Uint8Array(33)))).toMatchObject({ ok: false, message: expect.stringMatching(/not inner type 0x3/) });
  });
});

/** The node: SECURE checked with its key over its link nonce and counter (3.13), model requests to the receiver twin. */
class Node {
  nonce = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
  lastCounter = 0;
  readonly rx: TransferReceiver;
  readonly seen: number[] = [];
  constructor(key: Uint8Array) {
    this.rx = new TransferReceiver({ key, specHash: BASE.subarray(48, 80), slotSize: 16_384, confirmAfter: 3, running: BASE });
    this.rx.reset();
  }
  answer(type: number, seq: number, payload: Uint8Array): P.Frame {
    const frame = (r: { type: number; payload: Uint8Array }): P.Frame => ({ version: 1, type: r.type, seq, payload: r.payload });
    this.seen.push(type === P.MSG_SECURE ? payload[4] : type);
    if (type === MSG_MODEL_CHUNK) return frame(this.rx.handle(type, payload));
    const s = P.decodeSecure(payload);
    if (!P.verifySecure(KEY, this.nonce, seq, s)) return frame({ type: P.MSG_NACK, payload: P.encodeNack({ reqType: P.MSG_SECURE, reason: P.NACK_AUTH_FAILED, detail: 0 }) });
    if (s.counter <= this.lastCounter) return frame({ type: P.MSG_NACK, payload: P.encodeNack({ reqType: P.MSG_SECURE, reason: P.NACK_REPLAY, detail: 0 }) });
    this.lastCounter = s.counter;
    // The trial goes on with the node's windows: one per status asked, here.
    if (s.innerType === MSG_MODEL_STATUS_REQ && this.rx.state === TRANSFER_TRIAL) this.rx.window(true);
    return frame(this.rx.handle(s.innerType, s.innerPayload));
  }
  /** HELLO: a new link nonce (its counter starts again) and the model the node runs. */
  hello(): Uint8Array {
    this.nonce = Uint8Array.from({ length: 8 }, () => Math.floor(Math.random() * 256));
    this.lastCounter = 0;
    const slot = { state: 0, seq: 0, modelVersion: 0 };
    return P.encodeHello({
      protocolVersion: 1, firmware: { major: 0, minor: 1, patch: 0 }, uid: Uint8Array.from({ length: 12 }, (_, i) => i), board: 0, axisCount: 2, windowLen: 1024, hop: 512, sampleRateHz: 48000, name: 'fan-3', channels: ['x', 'y'],
      info: { protocolMinor: 3, capabilities: 0, link: 0, paired: 1, keyId: new Uint8Array(4), linkNonce: this.nonce, sensor: 0, rangeG: 8, streamMode: 1, rawDecimation: 1, modelVersion: this.rx.runningVersion, modelSource: 2, slots: [slot, slot] },
    });
  }
}

function nodeInfo(): NodeInfo {
  return {
    path: '/dev/ttyACM0',
    status: 'online',
    demo: false,
    link: 'serial',
    hello: {
      uid: UID, name: 'fan-3', board: 'host', firmware: '0.1.0', protocolVersion: 1, axisCount: 2, windowLen: 1024, hop: 512, sampleRateHz: 48000, channels: ['x', 'y'],
      info: {
        protocolMinor: 3, capabilities: ['pair', 'config', 'stream', 'secure', 'model-update'], link: 'wired', paired: true, keyId: KEY_ID, keyKnown: false, sensor: 'none', rangeG: 8,
        stream: { features: true, raw: false, rawDecimation: 1 }, modelVersion: BASE_VERSION, modelSource: 'slot 0', slots: [],
      },
    },
    stats: { bytes: 0, frames: 0, badCobs: 0, badCrc: 0, badLength: 0, badVersion: 0, oversize: 0, unknownType: 0, badPayload: 0, missedWindows: 0, rawBlocks: 0, missedRawFrames: 0, retries: 0, failedRequests: 0, nacks: 0, reconnects: 0 },
  };
}

/** Workstation -> codec -> gateway -> node and back; `up` false drops every DCMD, as a lost broker. */
function chain(nodeKey = KEY, downLimitMs?: number) {
  const keys = new KeyStore();
  keys.add(UID, KEY);
  const node = new Node(nodeKey);
  const local = nodeInfo();
  const path = `gateway:plant/gw1/${UID}`;
  const link = { up: true };
  const progress: ModelProgress[] = [];
  /** Called in the progress event: a test cuts the link at an offset there, however fast the transfer runs. */
  const hooks: { onProgress?: (p: ModelProgress) => void } = {};
  const logs: string[] = [];
  let births = 0;
  const to: { remote?: RemoteCommands } = {};
  const birthOf = () => {
    const m = wire(linkBirthMetrics(local, nonceHex(node.nonce), 0, T));
    return linkInfoFromBirth(m, (k) => keys.find(UID, k) !== undefined)!;
  };
  const remoteNode: RemoteNode = {
    info: { ...local, path, link: 'gateway', hello: { ...local.hello!, info: birthOf() }, gateway: { id: 'g', group: 'plant', edge: 'gw1', device: UID } },
    secure: { nonce: nonceHex(node.nonce), counter: 0 },
  };
  const gateway = new GatewayCommands(
    {
      listNodes: () => [local],
      linkNonce: () => nonceHex(node.nonce),
      relay: (_p, type, seq, payload) => Promise.resolve(node.answer(type, seq, payload)),
      askHello: () => {
        const h = node.hello();
        local.hello = { ...local.hello!, info: { ...local.hello!.info!, modelVersion: node.rx.runningVersion } };
        return Promise.resolve(h);
      },
    },
    {
      publish: (_d, metrics) => setImmediate(() => link.up && to.remote!.onReply(path, decodeReply(wire(metrics))!)),
      // The DBIRTH again, as the workstation's GatewayLink takes it: new link facts, new nonce.
      rebirth: () =>
        setImmediate(() => {
          births++;
          remoteNode.info = { ...remoteNode.info, hello: { ...remoteNode.info.hello!, info: birthOf() } };
          remoteNode.secure = { nonce: nonceHex(node.nonce), counter: 0 };
          to.remote!.models.birth(path);
        }),
      log: (l) => logs.push(l),
    },
  );
  const remote = new RemoteCommands(
    {
      group: 'plant',
      origin: 'ws-office',
      keys,
      node: () => remoteNode,
      publish: (_topic, metrics) => {
        if (!link.up) return Promise.reject(new Error('this workstation is not connected to the broker'));
        setImmediate(() => void gateway.onCommand(UID, wire(metrics)));
        return Promise.resolve();
      },
      updated: () => {},
      modelProgress: (p) => {
        progress.push(p);
        hooks.onProgress?.(p);
      },
    },
    { timeoutMs: 1000, model: { window: 4, chunkMax: 256, timeoutMs: 150, followMs: 20, birthWaitMs: 1000, ...(downLimitMs ? { downLimitMs } : {}) } },
  );
  to.remote = remote;
  const finished = () => waitFor('the model update to end', 20_000, () => progress.find((p) => OVER.has(p.state)));
  /** Resolves once the link was cut (the broker lost) when the node acknowledged a third of the image. */
  const cutAtAThird = () =>
    new Promise<number>((resolve) => {
      hooks.onProgress = (p) => {
        if (p.state !== 'sending' || p.sent < p.total / 3) return;
        hooks.onProgress = undefined;
        link.up = false;
        remote.models.linkDown(path);
        resolve(p.sent);
      };
    });
  return { node, remote, remoteNode, path, link, progress, logs, finished, cutAtAThird, hooks, births: () => births };
}

describe('a model deployed from the workstation through the gateway to a node', () => {
  it('is sent, committed, followed through its trial and confirmed; the DBIRTH after the HELLO shows it', async () => {
    const c = chain();
    const version = BASE_VERSION + 1;
    const started = c.remote.models.deploy(c.path, modelFile(version));
    expect(started).toMatchObject({ kind: 'deploy', state: 'sending', version, sent: 0 });
    const end = await c.finished();
    expect(end, JSON.stringify(c.progress.slice(-4))).toMatchObject({ state: 'confirmed', version, runningVersion: version, sent: started.total });
    expect([...new Set(c.progress.map((p) => p.state))]).toEqual(['sending', 'committing', 'trial', 'confirmed']);
    expect(c.node.rx.runningVersion).toBe(version);
    expect(c.remoteNode.info.hello?.info?.modelVersion).toBe(version);
    expect(c.births()).toBe(1);
    // Chunks went in the clear, everything else signed; the gateway logged the signed requests, not the chunks.
    expect(c.node.seen.filter((t) => t === MSG_MODEL_CHUNK).length).toBeGreaterThanOrEqual(Math.ceil(started.total / 256));
    expect(c.logs.some((l) => /^command SECURE MODEL_BEGIN for fan-3 from ws-office/.test(l))).toBe(true);
    expect(c.logs.some((l) => /MODEL_CHUNK/.test(l))).toBe(false);
    expect(c.remote.models.status(c.path)).toMatchObject({ state: 'confirmed' });
  });

  it('rolls back to the model before, signed, through the gateway', async () => {
    const c = chain();
    c.remote.models.deploy(c.path, modelFile(BASE_VERSION + 1));
    expect(await c.finished()).toMatchObject({ state: 'confirmed' });
    const since = c.progress.length;
    expect(c.remote.models.rollback(c.path, BASE_VERSION)).toMatchObject({ kind: 'rollback', state: 'committing', version: BASE_VERSION });
    const end = await waitFor('the rollback to end', 20_000, () => c.progress.slice(since).find((p) => OVER.has(p.state)));
    expect(end).toMatchObject({ kind: 'rollback', state: 'rolled-back', runningVersion: BASE_VERSION });
    expect(c.node.rx.runningVersion).toBe(BASE_VERSION);
    expect(c.remoteNode.info.hello?.info?.modelVersion).toBe(BASE_VERSION);
    expect(c.logs.some((l) => /^command SECURE MODEL_ROLLBACK for fan-3 from ws-office/.test(l))).toBe(true);
  });

  it('waits while the broker is lost and resumes from the node\'s offset, not from the start', async () => {
    const c = chain();
    const version = BASE_VERSION + 1;
    const cutting = c.cutAtAThird();
    const started = c.remote.models.deploy(c.path, modelFile(version));
    await cutting;
    const cut = c.node.rx.status().offset;
    await new Promise((r) => setTimeout(r, 400)); // longer than the transfer's timeout: nothing may fail meanwhile
    expect(c.progress.some((p) => OVER.has(p.state))).toBe(false);
    const chunksBefore = c.node.seen.filter((t) => t === MSG_MODEL_CHUNK).length;
    c.link.up = true;
    c.remote.models.linkUp(c.path);
    const end = await c.finished();
    expect(end).toMatchObject({ state: 'confirmed', version, resumes: 1 });
    // After the resume, about the rest of the image was sent again, not all of it.
    const after = c.node.seen.filter((t) => t === MSG_MODEL_CHUNK).length - chunksBefore;
    expect(after).toBeLessThanOrEqual(Math.ceil((started.total - cut) / 256) + 4 * 2);
    expect(c.node.rx.runningVersion).toBe(version);
  });

  it('fails in words when the node stays out of reach; the node keeps its model', async () => {
    const c = chain(KEY, 500);
    const cutting = c.cutAtAThird();
    c.remote.models.deploy(c.path, modelFile(BASE_VERSION + 1));
    await cutting;
    const end = await c.finished();
    expect(end).toMatchObject({ state: 'failed', message: 'the node could not be reached through the gateway for 1 s: deploy again when it is back' });
    expect(c.node.rx.runningVersion).toBe(BASE_VERSION);
  });

  it('learns a new link nonce mid-transfer (the gateway\'s link shook hands again) and signs the request again', async () => {
    const c = chain();
    const version = BASE_VERSION + 1;
    let shook = false;
    c.hooks.onProgress = (p) => {
      if (shook || p.state !== 'sending' || p.sent === 0) return;
      shook = true; // the workstation still signs with the old nonce: its COMMIT is refused first
      c.node.nonce = Uint8Array.from([9, 9, 9, 9, 9, 9, 9, 9]);
      c.node.lastCounter = 0;
    };
    c.remote.models.deploy(c.path, modelFile(version));
    const end = await c.finished();
    expect(shook).toBe(true);
    expect(end).toMatchObject({ state: 'confirmed', version });
  });

  it('a model signed with another key than the node\'s is refused by the node, which keeps its model', async () => {
    const other = Uint8Array.from({ length: 32 }, (_, i) => 255 - i);
    // The receiver checks the image with another key than the one this workstation signs with (its
    // SECURE check takes KEY), so only the image's signature is wrong.
    const c = chain(other);
    const running = c.node.rx.runningVersion;
    const end = await (c.remote.models.deploy(c.path, modelFile(BASE_VERSION + 1)), c.finished());
    expect(end).toMatchObject({ state: 'refused', message: 'the node\u2019s pairing key is not the one this app holds for it' });
    expect(c.node.rx.runningVersion).toBe(running);
    expect(c.node.rx.status().state).not.toBe(TRANSFER_TRIAL);
  });

  it('is refused before sending, in words, without the node\'s key or while the node is offline', () => {
    const c = chain();
    c.remoteNode.info = { ...c.remoteNode.info, hello: { ...c.remoteNode.info.hello!, info: { ...c.remoteNode.info.hello!.info!, keyId: '00000000' } } };
    expect(() => c.remote.models.deploy(c.path, modelFile(BASE_VERSION + 1))).toThrow(/does not hold the node's pairing key/);
    c.remoteNode.info = { ...c.remoteNode.info, status: 'offline', message: 'The gateway gw1 went offline (NDEATH).' };
    expect(() => c.remote.models.deploy(c.path, modelFile(BASE_VERSION + 1))).toThrow(/The node is offline: The gateway gw1 went offline/);
    expect(c.node.seen).toEqual([]);
  });
});
