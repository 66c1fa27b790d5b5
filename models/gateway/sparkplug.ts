/**
 * The plant gateway's mapping of node data to Sparkplug B (docs/gateway.md): topics, metric names
 * and the per-edge-node sequence number. Pure: the protobuf codec (sparkplug-payload) and the MQTT
 * client live in main/gateway/. A metric here is structurally what sparkplug-payload encodes.
 */
import type { FeatureFrame, NodeEventInfo, NodeInfo } from '../api/contract';

export const SPARKPLUG_NAMESPACE = 'spBv1.0';

export type MessageType = 'NBIRTH' | 'NDEATH' | 'NDATA' | 'DBIRTH' | 'DDEATH' | 'DDATA' | 'NCMD' | 'DCMD';

export type MetricType = 'UInt8' | 'UInt16' | 'UInt32' | 'UInt64' | 'Int32' | 'Float' | 'Double' | 'Boolean' | 'String' | 'Bytes';

export interface Metric {
  name: string;
  type: MetricType;
  /** null: unknown (no model, no score yet); encoded as Sparkplug's is_null. */
  value: number | boolean | string | Uint8Array | null;
  /** ms since the epoch. */
  timestamp: number;
  /** Sparkplug's is_historical: replayed from the gateway's buffer, not live. */
  isHistorical?: boolean;
}

export interface SparkplugMessage {
  timestamp: number;
  seq?: number;
  metrics: Metric[];
}

/** Group, edge node and device ids may not contain '/', '+' or '#' (Sparkplug B 3.0, topic namespace). */
export function checkSparkplugId(what: string, id: string): string {
  if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(id)) {
    throw new RangeError(`${what} "${id}" must be 1 to 64 letters, digits or _ . : - (no / + # or spaces)`);
  }
  return id;
}

export function sparkplugTopic(group: string, type: MessageType, edge: string, device?: string): string {
  return `${SPARKPLUG_NAMESPACE}/${group}/${type}/${edge}${device ? `/${device}` : ''}`;
}

/** Sparkplug sequence numbers run 0..255 across every message of one edge node's session but NDEATH. */
export class SequenceCounter {
  private next = 0;
  /** NBIRTH starts a session at 0. */
  reset(): void {
    this.next = 0;
  }
  take(): number {
    const s = this.next;
    this.next = (this.next + 1) % 256;
    return s;
  }
}

/** The device id of a node: its 24-hex-digit uid once its HELLO arrived (stable across ports and renames). */
export function deviceId(info: NodeInfo): string | undefined {
  return info.hello ? info.hello.uid : undefined;
}

const num = (name: string, type: MetricType, value: number | null | undefined, t: number): Metric =>
  value === null || value === undefined || !Number.isFinite(value)
    ? { name, type, value: null, timestamp: t }
    : { name, type, value, timestamp: t };

/** Link health metrics (DBIRTH and, about once a second, DDATA). */
export function linkMetrics(info: NodeInfo, t: number): Metric[] {
  const s = info.stats;
  return [
    { name: 'link/status', type: 'String', value: info.status, timestamp: t },
    num('link/frames', 'UInt64', s.frames, t),
    num('link/bytes', 'UInt64', s.bytes, t),
    num('link/bad_crc', 'UInt64', s.badCrc, t),
    num('link/missed_windows', 'UInt64', s.missedWindows, t),
    num('link/retries', 'UInt64', s.retries, t),
    num('link/reconnects', 'UInt64', s.reconnects, t),
  ];
}

/** DBIRTH: what the node is, then every metric it will send with its type and a first value. */
export function deviceBirthMetrics(info: NodeInfo, t: number): Metric[] {
  const h = info.hello;
  const axes = h?.channels ?? [];
  const m: Metric[] = [
    { name: 'node/name', type: 'String', value: h?.name ?? '', timestamp: t },
    { name: 'node/port', type: 'String', value: info.path, timestamp: t },
    { name: 'node/board', type: 'String', value: h?.board ?? 'unknown', timestamp: t },
    { name: 'node/firmware', type: 'String', value: h?.firmware ?? '', timestamp: t },
    num('node/sample_rate_hz', 'Float', h?.sampleRateHz, t),
    num('node/window_len', 'UInt32', h?.windowLen, t),
    num('node/hop', 'UInt32', h?.hop, t),
    { name: 'node/channels', type: 'String', value: axes.join(','), timestamp: t },
    num('features/window_index', 'UInt32', null, t),
    num('features/t_us', 'UInt64', null, t),
    num('features/shaft_hz', 'Float', null, t),
  ];
  axes.forEach((_, a) => {
    m.push(num(`features/rms_g/${a}`, 'Float', null, t), num(`features/velocity_mm_s/${a}`, 'Float', null, t));
  });
  m.push(
    num('features/anomaly_score', 'Float', null, t),
    { name: 'detector/state', type: 'String', value: 'unknown', timestamp: t },
    num('detector/learn_percent', 'UInt8', null, t),
    { name: 'event/state', type: 'String', value: 'none', timestamp: t },
    num('event/id', 'UInt32', null, t),
    num('event/peak_score', 'Float', null, t),
    ...linkMetrics(info, t),
  );
  return m;
}

/** DDATA metrics of one FEATURES window, all stamped with the time the gateway received it. */
export function featureMetrics(f: FeatureFrame, t: number): Metric[] {
  const m: Metric[] = [
    num('features/window_index', 'UInt32', f.windowIndex, t),
    num('features/t_us', 'UInt64', f.tUs, t),
    num('features/shaft_hz', 'Float', f.shaftHz, t),
  ];
  f.rmsG.forEach((v, a) => m.push(num(`features/rms_g/${a}`, 'Float', v, t)));
  f.velocityMmS?.forEach((v, a) => m.push(num(`features/velocity_mm_s/${a}`, 'Float', v, t)));
  if (f.anomalyScore !== undefined) m.push(num('features/anomaly_score', 'Float', f.anomalyScore, t));
  if (f.detector) {
    m.push({ name: 'detector/state', type: 'String', value: f.detector.kind, timestamp: t });
    m.push(num('detector/learn_percent', 'UInt8', f.detector.learnPercent, t));
    // The threshold the node states (protocol 1.4): null for none now; left out for an older node.
    if (f.detector.threshold !== undefined) m.push(num('detector/threshold', 'Float', f.detector.threshold, t));
  }
  return m;
}

/** DDATA metrics of an anomaly EVENT (started or ended). */
export function eventMetrics(e: NodeEventInfo, t: number): Metric[] {
  return [
    { name: 'event/state', type: 'String', value: e.state, timestamp: t },
    num('event/id', 'UInt32', e.eventId, t),
    num('event/start_window', 'UInt32', e.startWindow, t),
    num('event/end_window', 'UInt32', e.endWindow, t),
    num('event/peak_score', 'Float', e.peakScore, t),
    num('event/threshold', 'Float', e.threshold, t),
    num('event/model_version', 'UInt32', e.modelVersion, t),
  ];
}

/** The gateway's own metrics (NBIRTH and NDATA). bdSeq ties an NBIRTH to the NDEATH left as the MQTT will. */
export interface GatewayCounters {
  bdSeq: number;
  nodes: number;
  buffered: number;
  bufferedBytes: number;
  dropped: number;
  replayed: number;
}

export function gatewayMetrics(c: GatewayCounters, t: number, withBdSeq: boolean): Metric[] {
  const m: Metric[] = [];
  if (withBdSeq) m.push({ name: 'bdSeq', type: 'UInt64', value: c.bdSeq, timestamp: t });
  m.push(
    { name: 'gateway/nodes', type: 'UInt32', value: c.nodes, timestamp: t },
    { name: 'gateway/buffer/messages', type: 'UInt64', value: c.buffered, timestamp: t },
    { name: 'gateway/buffer/bytes', type: 'UInt64', value: c.bufferedBytes, timestamp: t },
    { name: 'gateway/buffer/dropped', type: 'UInt64', value: c.dropped, timestamp: t },
    { name: 'gateway/buffer/replayed', type: 'UInt64', value: c.replayed, timestamp: t },
  );
  return m;
}

/** The NBIRTH also carries Node Control/Rebirth, as Sparkplug requires of an edge node. */
export function nodeBirthMetrics(c: GatewayCounters, t: number): Metric[] {
  return [...gatewayMetrics(c, t, true), { name: 'Node Control/Rebirth', type: 'Boolean', value: false, timestamp: t }];
}
