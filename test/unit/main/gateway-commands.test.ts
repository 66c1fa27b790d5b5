// Commands through the plant gateway without a broker (docs/gateway.md, "Commands"): the DCMD and
// reply metrics through the real Sparkplug codec, what the gateway refuses to forward, the link
// facts of a DBIRTH, and the whole chain in memory: the workstation's RemoteCommands signs, the
// codec carries the DCMD to the gateway's GatewayCommands, which forwards the bytes to a node that
// checks the SECURE tag as the firmware does (models/protocol verifySecure, its TS twin) and keeps
// its counter per nonce; the answer comes back the same way.
import { get as sparkplugCodec } from 'sparkplug-payload';
import { describe, expect, it } from 'vitest';
import type { NodeInfo } from '../../../models/api/contract';
import {
  CMD,
  commandMetrics,
  decodeCommand,
  decodeReply,
  linkBirthMetrics,
  linkInfoFromBirth,
  nonceHex,
  RELAY_CONFIG_GET,
  RELAY_SECURE,
  RELAY_STATE,
  replyMetrics,
  type DecodedMetric,
} from '../../../models/gateway/commands';
import type { Metric } from '../../../models/gateway/sparkplug';
import * as P from '../../../models/protocol/index';
import { encodeSparkplug } from '../../../main/gateway/gateway';
import { GatewayCommands } from '../../../main/gateway/commands';
import { RemoteCommands, type RemoteNode } from '../../../main/gateway/remote';
import { KeyStore, keyIdHex } from '../../../main/node/keys';

const codec = sparkplugCodec('spBv1.0')!;
const T = 1_700_000_000_000;

/** Metrics as they arrive: encoded and decoded by sparkplug-payload. */
function wire(metrics: Metric[]): DecodedMetric[] {
  return (codec.decodePayload(encodeSparkplug({ timestamp: T, metrics })).metrics ?? []).map((m) => ({ name: m.name ?? '', value: m.value }));
}

const UID = '0123456789abcdef01234567';
const KEY = Uint8Array.from({ length: 32 }, (_, i) => i * 7 + 1);
const KEY_ID = keyIdHex(KEY);

function nodeInfo(over: Partial<NodeInfo> = {}): NodeInfo {
  return {
    path: '/dev/ttyACM0',
    status: 'online',
    demo: false,
    link: 'serial',
    hello: {
      uid: UID, name: 'fan-3', board: 'host', firmware: '0.1.0', protocolVersion: 1, axisCount: 2, windowLen: 1024, hop: 512, sampleRateHz: 48000, channels: ['x', 'y'],
      info: {
        protocolMinor: 3, capabilities: ['pair', 'config', 'stream', 'secure'], link: 'wired', paired: true, keyId: KEY_ID, keyKnown: false, sensor: 'none', rangeG: 8,
        stream: { features: true, raw: false, rawDecimation: 1 }, modelVersion: 5, modelSource: 'built-in', slots: [],
      },
    },
    stats: { bytes: 0, frames: 0, badCobs: 0, badCrc: 0, badLength: 0, badVersion: 0, oversize: 0, unknownType: 0, badPayload: 0, missedWindows: 0, rawBlocks: 0, missedRawFrames: 0, retries: 0, failedRequests: 0, nacks: 0, reconnects: 0 },
    ...over,
  };
}

describe('DCMD and reply metrics', () => {
  it('carry a signed frame through the codec byte for byte', () => {
    const payload = P.encodeSecure({ key: KEY, nonce: new Uint8Array(8).fill(9), seq: 40000, counter: 3, innerType: P.MSG_STREAM, innerPayload: P.encodeStream({ mode: 1, rawDecimation: 1 }) });
    const d = decodeCommand(wire(commandMetrics({ id: 'c0ffee', origin: 'ws-office', type: RELAY_SECURE, seq: 40000, payload }, T)));
    expect(d).toEqual({ ok: true, command: { id: 'c0ffee', origin: 'ws-office', type: RELAY_SECURE, seq: 40000, payload } });
  });

  it('are refused, in words, for what the gateway does not forward', () => {
    const cmd = (type: number, seq: number, payload: Uint8Array, id = 'x1') => decodeCommand(wire(commandMetrics({ id, origin: '', type, seq, payload }, T)));
    const cfg = P.encodeConfigEntries(P.configToEntries({ shaftHz: 10 }));
    expect(cmd(P.MSG_CONFIG_SET, 40000, cfg)).toEqual({ ok: false, id: 'x1', message: expect.stringMatching(/only SECURE \(signed\) commands, CONFIG_GET, HELLO_REQ and MODEL_CHUNK, not frame type 0xa/) });
    expect(cmd(P.MSG_PAIR, 40000, new Uint8Array(33))).toMatchObject({ ok: false, message: expect.stringMatching(/0x3/) });
    const pairInside = P.encodeSecure({ key: KEY, nonce: new Uint8Array(8), seq: 40000, counter: 1, innerType: P.MSG_PAIR, innerPayload: new Uint8Array(33) });
    expect(cmd(RELAY_SECURE, 40000, pairInside)).toMatchObject({ ok: false, message: expect.stringMatching(/not inner type 0x3/) });
    expect(cmd(RELAY_SECURE, 40000, new Uint8Array(20))).toMatchObject({ ok: false, message: expect.stringMatching(/shorter than 21/) });
    expect(cmd(RELAY_CONFIG_GET, 100, new Uint8Array(0))).toMatchObject({ ok: false, message: expect.stringMatching(/command\/seq must be 32768/) });
    expect(cmd(RELAY_CONFIG_GET, 40000, new Uint8Array(0), 'has space')).toEqual({ ok: false, message: expect.stringMatching(/command\/id/) });
    expect(decodeCommand(wire([{ name: CMD.type, type: 'UInt8', value: RELAY_STATE, timestamp: T }]))).toMatchObject({ ok: false });
    expect(cmd(RELAY_CONFIG_GET, 40000, new Uint8Array(0))).toMatchObject({ ok: true });
  });

  it('replies decode back, and a DDATA of windows is no reply', () => {
    const r = { id: 'abc', result: 'answered' as const, replyType: P.MSG_NACK, reply: P.encodeNack({ reqType: P.MSG_SECURE, reason: P.NACK_AUTH_FAILED, detail: 0 }), nonce: '0011223344556677', counter: 12 };
    expect(decodeReply(wire(replyMetrics(r, T)))).toEqual(r);
    expect(decodeReply(wire([{ name: 'features/window_index', type: 'UInt32', value: 3, timestamp: T }]))).toBeUndefined();
  });

  it('a DBIRTH\'s link facts rebuild the node\'s key id, capabilities and stream; keyKnown asks this workstation\'s keys', () => {
    const m = wire(linkBirthMetrics(nodeInfo({ stream: { features: false, raw: false, rawDecimation: 4 } }), '0011223344556677', 7, T));
    const held = linkInfoFromBirth(m, (k) => k === KEY_ID);
    expect(held).toMatchObject({ paired: true, keyId: KEY_ID, keyKnown: true, capabilities: ['pair', 'config', 'stream', 'secure'], rangeG: 8, stream: { features: false, rawDecimation: 4 }, modelVersion: 5, modelSource: 'built-in' });
    expect(linkInfoFromBirth(m, () => false)?.keyKnown).toBe(false);
    expect(m.find((x) => x.name === 'secure/link_nonce')?.value).toBe('0011223344556677');
    expect(linkInfoFromBirth(wire([{ name: 'node/name', type: 'String', value: 'x', timestamp: T }]), () => true)).toBeUndefined();
  });
});

/**
 * A node as the firmware checks SECURE (docs/protocol.md 3.13): paired with KEY, its link nonce, the
 * counter above the last accepted; ACK, else NACK AUTH_FAILED / REPLAY.
 */
class NodeOnLink {
  nonce = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
  lastCounter = 0;
  accepted: { type: number; payload: Uint8Array }[] = [];
  seqs: number[] = [];
  answer(type: number, seq: number, payload: Uint8Array): P.Frame {
    this.seqs.push(seq);
    const frame = (t: number, p: Uint8Array): P.Frame => ({ version: 1, type: t, seq, payload: p });
    if (type === P.MSG_CONFIG_GET) return frame(P.MSG_CONFIG, P.encodeConfigEntries(P.configToEntries({ name: 'fan-3', shaftHz: 12.5 })));
    const s = P.decodeSecure(payload);
    if (!P.verifySecure(KEY, this.nonce, seq, s)) return frame(P.MSG_NACK, P.encodeNack({ reqType: P.MSG_SECURE, reason: P.NACK_AUTH_FAILED, detail: 0 }));
    if (s.counter <= this.lastCounter) return frame(P.MSG_NACK, P.encodeNack({ reqType: s.innerType, reason: P.NACK_REPLAY, detail: 0 }));
    this.lastCounter = s.counter;
    this.accepted.push({ type: s.innerType, payload: s.innerPayload });
    return frame(P.MSG_ACK, P.encodeAck(s.innerType));
  }
}

function chain(keys: KeyStore) {
  const node = new NodeOnLink();
  const local = nodeInfo();
  const logs: string[] = [];
  // The gateway's replies reach the workstation made below.
  const to: { remote?: RemoteCommands } = {};
  const path = `gateway:plant/gw1/${UID}`;
  const birth = wire(linkBirthMetrics(local, nonceHex(node.nonce), 0, T));
  const info = linkInfoFromBirth(birth, (k) => keys.find(UID, k) !== undefined)!;
  const remoteNode: RemoteNode = {
    info: { ...local, path, link: 'gateway', hello: { ...local.hello!, info }, gateway: { id: 'g', group: 'plant', edge: 'gw1', device: UID } },
    secure: { nonce: nonceHex(node.nonce), counter: 0 },
  };
  const gateway = new GatewayCommands(
    {
      listNodes: () => [local],
      linkNonce: () => nonceHex(node.nonce),
      relay: (_path, type, seq, payload) => Promise.resolve(node.answer(type, seq, payload)),
      askHello: () => Promise.resolve(undefined),
    },
    {
      // The reply goes through the codec to the workstation, as a DDATA would.
      publish: (_device, metrics) => setImmediate(() => to.remote!.onReply(path, decodeReply(wire(metrics))!)),
      rebirth: () => {},
      log: (l) => logs.push(l),
    },
  );
  const remote = new RemoteCommands(
    {
      group: 'plant',
      origin: 'ws-office',
      keys,
      node: () => remoteNode,
      publish: (topic, metrics) => {
        expect(topic).toBe(`spBv1.0/plant/DCMD/gw1/${UID}`);
        void gateway.onCommand(UID, wire(metrics));
        return Promise.resolve();
      },
      updated: () => {},
    },
    { timeoutMs: 1000 },
  );
  to.remote = remote;
  return { node, remote, remoteNode, path, logs };
}

describe('a command from the workstation\'s RemoteCommands through GatewayCommands to a node that checks the tag', () => {
  const keyId = () => {
    const k = new KeyStore();
    k.add(UID, KEY);
    return k;
  };

  it('changes the configuration: the node verifies the workstation\'s signature over the gateway\'s nonce', async () => {
    const keys = keyId();
    const c = chain(keys);
    expect(c.remoteNode.info.hello!.info).toMatchObject({ keyId: KEY_ID, keyKnown: true });
    const config = await c.remote.setConfig(c.path, { shaftHz: 12.5 });
    expect(c.node.accepted).toEqual([{ type: P.MSG_CONFIG_SET, payload: P.encodeConfigEntries(P.configToEntries({ shaftHz: 12.5 })) }]);
    expect(config).toMatchObject({ name: 'fan-3', shaftHz: 12.5, rangeG: 8 });
    expect(c.logs[0]).toMatch(/command SECURE CONFIG_SET for fan-3 from ws-office \(seq \d+\)/);
    expect(c.node.seqs.every((s) => s >= 0x8000)).toBe(true);
  });

  it('a stale nonce is refused once, the gateway is asked for the current one, and the command signed again goes through', async () => {
    const keys = keyId();
    const c = chain(keys);
    // The gateway's link shook hands again: a new nonce this workstation has not heard of.
    c.node.nonce = Uint8Array.from([8, 7, 6, 5, 4, 3, 2, 1]);
    const info = await c.remote.setStream(c.path, { features: false, raw: false, rawDecimation: 1 });
    expect(info.stream).toEqual({ features: false, raw: false, rawDecimation: 1 });
    expect(c.node.accepted.map((a) => a.type)).toEqual([P.MSG_STREAM]);
    expect(c.remoteNode.secure.nonce).toBe('0807060504030201');
  });

  it('another workstation\'s counter: REPLAY, then the counter the gateway reports, then accepted', async () => {
    const c = chain(keyId());
    c.node.lastCounter = 50; // signed by another workstation through the same gateway: its reply said 50
    await expect(c.remote.setStream(c.path, { features: true, raw: false, rawDecimation: 1 })).rejects.toMatchObject({ code: 'refused', message: expect.stringMatching(/REPLAY/) });
    // The gateway only knows the counters it forwarded: ours were 1 and 2. A reply to the other workstation tells us 50.
    c.remote.onReply(c.path, { id: 'other', result: 'answered', nonce: c.remoteNode.secure.nonce, counter: 50 });
    await c.remote.setStream(c.path, { features: true, raw: false, rawDecimation: 1 });
    expect(c.node.lastCounter).toBe(51);
  });

  it('a wrong key is refused by the node in words; no key held is refused before anything is sent', async () => {
    const c = chain(keyId());
    const cfg = P.encodeConfigEntries(P.configToEntries({ shaftHz: 3 }));
    await expect(c.remote.signed(c.path, 'changing the configuration', P.MSG_CONFIG_SET, cfg, new Uint8Array(32).fill(5))).rejects.toMatchObject({
      code: 'refused',
      message: 'The node refused changing the configuration: ' + P.nackReasonText(P.NACK_AUTH_FAILED) + ' (AUTH_FAILED)',
    });
    expect(c.node.accepted).toEqual([]);
    const none = chain(new KeyStore());
    await expect(none.remote.setConfig(none.path, { shaftHz: 3 })).rejects.toMatchObject({ code: 'refused', message: expect.stringContaining(`does not hold the node's pairing key (key ${KEY_ID})`) });
    expect(none.node.seqs).toEqual([]);
  });

  it('no reply within the timeout says so in words, naming the ACL', async () => {
    const c = chain(keyId());
    const remote = new RemoteCommands({ group: 'plant', origin: 'ws-viewer', keys: new KeyStore(), node: () => c.remoteNode, publish: () => Promise.resolve(), updated: () => {} }, { timeoutMs: 50 });
    await expect(remote.getConfig(c.path)).rejects.toMatchObject({ code: 'timeout', message: expect.stringMatching(/No answer from the gateway gw1 to reading the configuration within 0.05 s: .*\(user ws-viewer\).*vigil\.acl/) });
  });
});
