/**
 * Commands from a workstation to a node through the plant gateway (docs/gateway.md, "Commands"):
 * the metric names of the Sparkplug DCMD that carries one node protocol frame to the gateway, and
 * of the DDATA that carries the node's answer back, and the node's link facts a workstation needs
 * to sign (the DBIRTH's `node/*` and `secure/*` metrics). Pure: the codec and the MQTT client live
 * in main/gateway/.
 *
 * The gateway never holds the pairing key: a command that changes the node travels as the node's
 * own SECURE payload (docs/protocol.md 3.13), signed by the workstation over the link nonce the
 * gateway publishes and a frame seq the workstation chooses; the gateway frames those bytes with
 * that seq and writes them to the node, which verifies the tag.
 */
import { CAPABILITIES, type Capability, type NodeInfo, type NodeLinkInfo } from '../api/contract';
import type { Metric } from './sparkplug';

/**
 * Frame types a gateway forwards (docs/gateway.md, "Commands"): SECURE, and in the clear only what
 * changes nothing by itself: the read-only CONFIG_GET, HELLO_REQ (the node answers HELLO with a new
 * link nonce) and MODEL_CHUNK (bytes into a transfer a signed BEGIN opened; the image is checked
 * against BEGIN's signed hash at COMMIT, docs/protocol.md 3.14).
 */
export const RELAY_SECURE = 0x0e;
export const RELAY_CONFIG_GET = 0x08;
export const RELAY_HELLO_REQ = 0x01;
export const RELAY_MODEL_CHUNK = 0x21;
/** A request that goes to the gateway only: its answer is the link nonce and counter, nothing reaches the node. */
export const RELAY_STATE = 0x00;
export const RELAY_TYPES: readonly number[] = [RELAY_STATE, RELAY_HELLO_REQ, RELAY_CONFIG_GET, RELAY_SECURE, RELAY_MODEL_CHUNK];
/** Inner types of a SECURE the gateway forwards: CONFIG_SET, STREAM, and the model transfer's requests MODEL_BEGIN..MODEL_ROLLBACK (0x20-0x25). */
export const RELAY_SECURE_INNER: readonly number[] = [0x0a, 0x0b, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25];
/** Frame types (or SECURE inner types) of the model transfer: their answer is an ACK, a NACK or a MODEL_STATUS. */
export const isModelRequest = (t: number): boolean => t >= 0x20 && t <= 0x25;
/** A MODEL_CHUNK payload: offset (4 bytes) and 1..1020 data bytes. */
const CHUNK_MAX = 4 + 1020;
/** The seqs a workstation signs with; the gateway's own requests to the node count up from 0 and skip a seq in use. */
export const RELAY_SEQ_MIN = 0x8000;

/** Names of the DCMD metrics (workstation → gateway). */
export const CMD = {
  id: 'command/id',
  origin: 'command/origin',
  type: 'command/type',
  seq: 'command/seq',
  payload: 'command/payload',
} as const;

/** Names of the reply's DDATA metrics (gateway → workstations). */
export const REPLY = {
  id: 'command/id',
  result: 'command/result',
  replyType: 'command/reply_type',
  reply: 'command/reply',
  message: 'command/message',
  nonce: 'secure/link_nonce',
  counter: 'secure/counter',
} as const;

/**
 * What the gateway says of a command: `answered` (the node's answer frame is in command/reply; an
 * ACK, a NACK with its reason, a CONFIG), `refused` (the gateway did not forward it: the message says
 * why), `no-answer` (forwarded, the node did not answer in time), `offline` (the node is not connected),
 * `state` (an answer to RELAY_STATE).
 */
export type RelayResult = 'answered' | 'refused' | 'no-answer' | 'offline' | 'state';
const RESULTS: readonly RelayResult[] = ['answered', 'refused', 'no-answer', 'offline', 'state'];

export interface RelayCommand {
  /** The workstation's id for this command (1..64 printable characters); the reply names it. */
  id: string;
  /** Who sends it, as the workstation says (its MQTT user): for the gateway's log only, not proof. */
  origin: string;
  type: number;
  /** The node frame's seq, 0..65535 (the SECURE tag covers it). */
  seq: number;
  payload: Uint8Array;
}

export interface RelayReply {
  id: string;
  result: RelayResult;
  replyType?: number;
  reply?: Uint8Array;
  message?: string;
  /** The node link's current nonce, 16 hex digits ('' before a HELLO with an INFO block). */
  nonce: string;
  /** The highest SECURE counter the gateway forwarded under that nonce (0: none yet). */
  counter: number;
}

/** A decoded metric as the workstation and the gateway read it from sparkplug-payload. */
export interface DecodedMetric {
  name: string;
  value: unknown;
}

const ID_RE = /^[\x21-\x7e]{1,64}$/;
const MODEL_SOURCES: readonly NodeLinkInfo['modelSource'][] = ['none', 'built-in', 'slot 0', 'slot 1', 'unknown'];

export function commandMetrics(c: RelayCommand, t: number): Metric[] {
  return [
    { name: CMD.id, type: 'String', value: c.id, timestamp: t },
    { name: CMD.origin, type: 'String', value: c.origin, timestamp: t },
    { name: CMD.type, type: 'UInt8', value: c.type, timestamp: t },
    { name: CMD.seq, type: 'UInt16', value: c.seq, timestamp: t },
    { name: CMD.payload, type: 'Bytes', value: c.payload, timestamp: t },
  ];
}

export function replyMetrics(r: RelayReply, t: number): Metric[] {
  const m: Metric[] = [
    { name: REPLY.id, type: 'String', value: r.id, timestamp: t },
    { name: REPLY.result, type: 'String', value: r.result, timestamp: t },
  ];
  if (r.replyType !== undefined) m.push({ name: REPLY.replyType, type: 'UInt8', value: r.replyType, timestamp: t });
  if (r.reply) m.push({ name: REPLY.reply, type: 'Bytes', value: r.reply, timestamp: t });
  if (r.message) m.push({ name: REPLY.message, type: 'String', value: r.message, timestamp: t });
  m.push({ name: REPLY.nonce, type: 'String', value: r.nonce, timestamp: t }, { name: REPLY.counter, type: 'UInt32', value: r.counter, timestamp: t });
  return m;
}

const toNumber = (v: unknown): number => (v && typeof v === 'object' && 'toNumber' in v ? (v as { toNumber(): number }).toNumber() : Number(v));
const toBytes = (v: unknown): Uint8Array | undefined => (v instanceof Uint8Array ? new Uint8Array(v) : undefined);

function pick(metrics: readonly DecodedMetric[], name: string): unknown {
  return metrics.find((m) => m.name === name)?.value;
}

/** A DCMD's command, or a plain-words reason it is not one the gateway forwards. */
export function decodeCommand(metrics: readonly DecodedMetric[]): { ok: true; command: RelayCommand } | { ok: false; id?: string; message: string } {
  const id = pick(metrics, CMD.id);
  if (typeof id !== 'string' || !ID_RE.test(id)) return { ok: false, message: 'the command has no command/id (1 to 64 printable characters)' };
  const origin = pick(metrics, CMD.origin);
  const type = toNumber(pick(metrics, CMD.type));
  const seq = toNumber(pick(metrics, CMD.seq));
  const payload = toBytes(pick(metrics, CMD.payload)) ?? new Uint8Array(0);
  if (!RELAY_TYPES.includes(type)) return { ok: false, id, message: `the gateway forwards only SECURE (signed) commands, CONFIG_GET, HELLO_REQ and MODEL_CHUNK, not frame type ${Number.isFinite(type) ? `0x${type.toString(16)}` : '(none)'}` };
  if (type !== RELAY_STATE && (!Number.isInteger(seq) || seq < RELAY_SEQ_MIN || seq > 0xffff)) return { ok: false, id, message: `command/seq must be ${RELAY_SEQ_MIN} to 65535` };
  if (type === RELAY_SECURE) {
    if (payload.length < 21) return { ok: false, id, message: 'the SECURE payload is shorter than 21 bytes' };
    if (!RELAY_SECURE_INNER.includes(payload[4])) return { ok: false, id, message: `the gateway forwards SECURE CONFIG_SET, STREAM and model transfer requests only, not inner type 0x${payload[4].toString(16)}` };
  }
  if ((type === RELAY_CONFIG_GET || type === RELAY_HELLO_REQ) && payload.length !== 0) return { ok: false, id, message: `${type === RELAY_CONFIG_GET ? 'CONFIG_GET' : 'HELLO_REQ'} carries no payload` };
  if (type === RELAY_MODEL_CHUNK && (payload.length < 5 || payload.length > CHUNK_MAX)) return { ok: false, id, message: `a MODEL_CHUNK payload is 5 to ${CHUNK_MAX} bytes, got ${payload.length}` };
  return { ok: true, command: { id, origin: typeof origin === 'string' ? origin.slice(0, 64) : '', type, seq: type === RELAY_STATE ? 0 : seq, payload } };
}

/** A DDATA's command reply, if it carries one. */
export function decodeReply(metrics: readonly DecodedMetric[]): RelayReply | undefined {
  const id = pick(metrics, REPLY.id);
  const result = pick(metrics, REPLY.result);
  if (typeof id !== 'string' || !RESULTS.includes(result as RelayResult)) return undefined;
  const replyType = pick(metrics, REPLY.replyType);
  const reply = toBytes(pick(metrics, REPLY.reply));
  const message = pick(metrics, REPLY.message);
  const nonce = pick(metrics, REPLY.nonce);
  return {
    id,
    result: result as RelayResult,
    ...(replyType !== undefined ? { replyType: toNumber(replyType) } : {}),
    ...(reply ? { reply } : {}),
    ...(typeof message === 'string' ? { message } : {}),
    nonce: typeof nonce === 'string' ? nonce : '',
    counter: toNumber(pick(metrics, REPLY.counter)) || 0,
  };
}

/** The node's link facts in its DBIRTH, so a workstation knows its key, capabilities and stream (docs/gateway.md, "Metrics"). */
export function linkBirthMetrics(info: NodeInfo, nonce: string, counter: number, t: number): Metric[] {
  const i = info.hello?.info;
  if (!i) return [];
  return [
    { name: 'node/protocol_minor', type: 'UInt8', value: i.protocolMinor, timestamp: t },
    { name: 'node/capabilities', type: 'String', value: i.capabilities.join(','), timestamp: t },
    { name: 'node/paired', type: 'Boolean', value: i.paired, timestamp: t },
    { name: 'node/key_id', type: 'String', value: i.keyId, timestamp: t },
    { name: 'node/sensor', type: 'String', value: i.sensor, timestamp: t },
    { name: 'node/range_g', type: 'UInt8', value: i.rangeG, timestamp: t },
    { name: 'node/stream/features', type: 'Boolean', value: (info.stream ?? i.stream).features, timestamp: t },
    { name: 'node/stream/raw', type: 'Boolean', value: (info.stream ?? i.stream).raw, timestamp: t },
    { name: 'node/stream/raw_decimation', type: 'UInt8', value: (info.stream ?? i.stream).rawDecimation, timestamp: t },
    { name: 'node/model_version', type: 'UInt32', value: i.modelVersion, timestamp: t },
    { name: 'node/model_source', type: 'String', value: i.modelSource, timestamp: t },
    { name: REPLY.nonce, type: 'String', value: nonce, timestamp: t },
    { name: REPLY.counter, type: 'UInt32', value: counter, timestamp: t },
  ];
}

/** The NodeLinkInfo a workstation rebuilds from a DBIRTH (undefined when it has no link facts: an older gateway). */
export function linkInfoFromBirth(metrics: readonly DecodedMetric[], keyKnown: (keyId: string) => boolean): NodeLinkInfo | undefined {
  const caps = pick(metrics, 'node/capabilities');
  if (typeof caps !== 'string') return undefined;
  const keyId = String(pick(metrics, 'node/key_id') ?? '');
  const sensor = pick(metrics, 'node/sensor');
  const paired = pick(metrics, 'node/paired') === true;
  return {
    protocolMinor: toNumber(pick(metrics, 'node/protocol_minor')) || 0,
    capabilities: caps.split(',').filter((c): c is Capability => (CAPABILITIES as readonly string[]).includes(c)),
    link: 'wired',
    paired,
    keyId: paired ? keyId : '',
    keyKnown: paired && keyId !== '' && keyKnown(keyId),
    sensor: sensor === 'iis3dwb' || sensor === 'none' ? sensor : 'unknown',
    rangeG: toNumber(pick(metrics, 'node/range_g')) || 16,
    stream: {
      features: pick(metrics, 'node/stream/features') !== false,
      raw: pick(metrics, 'node/stream/raw') === true,
      rawDecimation: toNumber(pick(metrics, 'node/stream/raw_decimation')) || 1,
    },
    modelVersion: toNumber(pick(metrics, 'node/model_version')) || 0,
    modelSource: MODEL_SOURCES.find((x) => x === pick(metrics, 'node/model_source')) ?? 'unknown',
    slots: [],
  };
}

/** 8 bytes from 16 hex digits, or undefined. */
export function nonceBytes(hex: string): Uint8Array | undefined {
  if (!/^[0-9a-f]{16}$/.test(hex)) return undefined;
  const out = new Uint8Array(8);
  for (let i = 0; i < 8; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function nonceHex(b: Uint8Array): string {
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
}
