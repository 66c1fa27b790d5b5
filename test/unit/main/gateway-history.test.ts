// The gateway's window history and its gap-fill answers without a broker (main/gateway/history.ts,
// main/gateway/gapFill.ts): windows kept on disk and read back exactly (f32 values as the DDATA sends
// them), bounded with the oldest file going first, kept across a restart, a record cut short by a
// crash ignored; a request answered with historical DDATA that the workstation's own decoding
// (windowsOf, windowStamps, gapAnswerOf) turns back into the missing windows, in parts, the last
// saying how many the history no longer had.
import { mkdtempSync, readdirSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { get as sparkplugCodec } from 'sparkplug-payload';
import { describe, expect, it } from 'vitest';
import type { FeatureFrame } from '../../../models/api/contract';
import { gapAnswerOf, gapRequestMetrics, windowStamps, type GapRequest } from '../../../models/gateway/gapFill';
import type { Metric } from '../../../models/gateway/sparkplug';
import { encodeSparkplug } from '../../../main/gateway/gateway';
import { GapFillServer } from '../../../main/gateway/gapFill';
import { WindowHistory } from '../../../main/gateway/history';
import { refusal, windowsOf } from '../../../main/gateway/workstation';

const codec = sparkplugCodec('spBv1.0')!;
const DEV = '0123456789abcdef01234567';
const f32 = (x: number) => Math.fround(x);
const frame = (wi: number): FeatureFrame => ({
  windowIndex: wi,
  tUs: wi * 10_666.667,
  shaftHz: 29.95,
  rmsG: [0.07 + wi * 1e-4, 0.05],
  velocityMmS: [1.2, 0.9],
  anomalyScore: wi % 3 === 0 ? null : 0.25,
  detector: { kind: 'model', learnPercent: 0 },
});
const batch = (a: number, n: number) => Array.from({ length: n }, (_, i) => frame(a + i));
const req = (over: Partial<GapRequest> = {}): GapRequest => ({ request: 'r1', device: DEV, fromWindow: 0, toWindow: 1e6 - 1, afterMs: 0, beforeMs: 1e15, ...over });

describe('WindowHistory', () => {
  it('gives back the windows of a range and time span, exactly as the DDATA would carry them, one per index', () => {
    const h = new WindowHistory(undefined, 1 << 20);
    for (let b = 0; b < 10; b++) h.add(DEV, 1000 + b * 100, batch(b * 10, 10));
    h.add('other-device', 1500, batch(0, 100));
    h.add(DEV, 1450, batch(45, 2)); // sent twice (the same windows again, stamped later)
    const got = h.query([req({ fromWindow: 42, toWindow: 57 }), req({ request: 'r2', fromWindow: 0, toWindow: 99, afterMs: 1200, beforeMs: 1300 })]);
    const a = got.get('r1')!;
    expect(a.map((w) => w.frame.windowIndex)).toEqual(Array.from({ length: 16 }, (_, i) => 42 + i));
    expect(a[3].gwMs).toBe(1400);
    const want = frame(45);
    expect(a[3].frame).toEqual({ ...want, shaftHz: f32(want.shaftHz), rmsG: want.rmsG.map(f32), velocityMmS: want.velocityMmS!.map(f32), anomalyScore: null });
    expect(a[4].frame.anomalyScore).toBe(f32(0.25));
    // The time span picks a node's windows between two stamps (a restarted node counts its windows again).
    expect(got.get('r2')!.map((w) => w.frame.windowIndex)).toEqual(Array.from({ length: 20 }, (_, i) => 20 + i));
  });

  it('is bounded: the oldest file goes first; what is kept is one unbroken recent stretch', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-history-'));
    const h = new WindowHistory(dir, 64 * 1024);
    for (let b = 0; b < 400; b++) h.add(DEV, 1000 + b * 1000, batch(b * 10, 10));
    h.flush();
    expect(h.bytes).toBeLessThanOrEqual(64 * 1024);
    const kept = h.query([req()]).get('r1')!.map((w) => w.frame.windowIndex);
    expect(kept.at(-1)).toBe(3999);
    expect(kept.length).toBeGreaterThan(500);
    expect(kept.length).toBeLessThan(4000);
    for (let i = 1; i < kept.length; i++) expect(kept[i]).toBe(kept[i - 1] + 1);
    expect(readdirSync(join(dir, 'history')).length).toBeGreaterThan(1);
  });

  it('is kept across a gateway restart; a record cut short by a crash is ignored', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-history-'));
    const h = new WindowHistory(dir, 1 << 20);
    h.add(DEV, 5000, batch(0, 30));
    h.close();
    const file = join(dir, 'history', readdirSync(join(dir, 'history'))[0]);
    appendFileSync(file, Buffer.from([70, 0, 24, 0x30, 0x31])); // half a record
    const again = new WindowHistory(dir, 1 << 20);
    again.add(DEV, 6000, batch(30, 5));
    expect(again.query([req()]).get('r1')!.map((w) => w.frame.windowIndex)).toEqual(Array.from({ length: 35 }, (_, i) => i));
    expect(again.oldestMs).toBe(5000);
  });
});

describe('GapFillServer', () => {
  it('answers an NCMD request with historical DDATA the workstation decodes back into the missing windows', async () => {
    const h = new WindowHistory(undefined, 1 << 20);
    for (let b = 0; b < 100; b++) h.add(DEV, 1000 + b * 100, batch(b * 10, 10));
    const sent: { device: string; payload: Uint8Array }[] = [];
    const logs: string[] = [];
    const server = new GapFillServer(h, (device, metrics: Metric[], timestamp) => (sent.push({ device, payload: encodeSparkplug({ timestamp, metrics }) }), true), (l) => logs.push(l));
    // Windows 100..549 asked for (450: three messages of 200, 200, 50), 600..1099 of which only 600..999 exist.
    const ncmd = codec.decodePayload(
      encodeSparkplug({ timestamp: 1, metrics: gapRequestMetrics([req({ fromWindow: 100, toWindow: 549, afterMs: 1900, beforeMs: 6500 }), req({ request: 'r2', fromWindow: 600, toWindow: 1099 })], 1) }),
    );
    expect(server.heard((ncmd.metrics ?? []).map((m) => ({ name: m.name ?? '', value: m.value })))).toBe(true);
    await new Promise((r) => setTimeout(r, 200));
    const decoded = sent.map((s) => {
      const p = codec.decodePayload(s.payload);
      const metrics = (p.metrics ?? []).map((m) => ({ name: m.name ?? '', value: m.value, isNull: Boolean(m.isNull), timestamp: Number(m.timestamp), historical: Boolean(m.isHistorical) }));
      return { device: s.device, metrics, frames: windowsOf(metrics), stamps: windowStamps(metrics), answer: gapAnswerOf(metrics) };
    });
    const r1 = decoded.filter((d) => d.answer?.request === 'r1');
    expect(r1.map((d) => d.frames.length)).toEqual([200, 200, 50]);
    expect(r1.map((d) => d.answer!.done)).toEqual([false, false, true]);
    expect(r1.flatMap((d) => d.frames.map((f) => f.windowIndex))).toEqual(Array.from({ length: 450 }, (_, i) => 100 + i));
    expect(r1[0].stamps[0]).toBe(2000);
    expect(r1.every((d) => d.device === DEV && d.metrics.every((m) => m.historical))).toBe(true);
    expect(r1[0].frames[5].rmsG[0]).toBeCloseTo(frame(105).rmsG[0], 6);
    const last2 = decoded.filter((d) => d.answer?.request === 'r2').at(-1)!;
    expect(last2.metrics.find((m) => m.name === 'gap_fill/found')!.value).toBe(400);
    expect(last2.metrics.find((m) => m.name === 'gap_fill/missing')!.value).toBe(100);
    expect(server.counters).toEqual({ requests: 2, windowsSent: 850, windowsMissing: 100 });
    expect(logs.join('\n')).toContain('sent 400, 100 no longer held');
  });

  it('answers nothing it holds with one DDATA saying done; ignores other NCMDs; refuses a bad request in words', async () => {
    const sent: Metric[][] = [];
    const logs: string[] = [];
    const server = new GapFillServer(new WindowHistory(undefined, 1 << 20), (_d, metrics) => (sent.push(metrics), true), (l) => logs.push(l));
    expect(server.heard([{ name: 'Node Control/Rebirth', value: true }])).toBe(false);
    server.heard(gapRequestMetrics([req({ fromWindow: 5, toWindow: 9 })], 1));
    server.heard([{ name: 'gap_fill/request', value: 'bad' }]);
    await new Promise((r) => setTimeout(r, 200));
    expect(sent).toHaveLength(1);
    expect(sent[0].find((m) => m.name === 'gap_fill/missing')!.value).toBe(5);
    expect(logs.join('\n')).toMatch(/refused a gap fill request bad: needs/);
  });
});

describe('connection errors', () => {
  it('a broker or certificate saying no is a refusal; a broker not answering is not', () => {
    expect(refusal(Object.assign(new Error('Connection refused: Not authorized'), { code: 5 }))).toBe(true);
    expect(refusal(Object.assign(new Error('Connection refused: Bad username or password'), { code: 4 }))).toBe(true);
    expect(refusal(Object.assign(new Error('Connection refused: Server unavailable'), { code: 3 }))).toBe(false);
    expect(refusal(Object.assign(new Error('self-signed certificate in certificate chain'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' }))).toBe(true);
    expect(refusal(Object.assign(new Error("Hostname/IP does not match certificate's altnames"), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' }))).toBe(true);
    expect(refusal(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8883'), { code: 'ECONNREFUSED' }))).toBe(false);
    expect(refusal(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toBe(false);
  });
});
