// The gateway's pieces without a broker: the Sparkplug mapping (models/gateway/sparkplug.ts) encoded
// and decoded by sparkplug-payload, the on-disk buffer (bounded, in order, survives a restart) and
// the command-line flags.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { get as sparkplugCodec } from 'sparkplug-payload';
import { describe, expect, it } from 'vitest';
import { DiskBuffer, type BufferedMessage } from '../../../main/gateway/buffer';
import { encodeSparkplug, withSeq } from '../../../main/gateway/gateway';
import { parseGatewayArgs } from '../../../main/cli/gateway';
import { checkSparkplugId, featureMetrics, SequenceCounter, sparkplugTopic } from '../../../models/gateway/sparkplug';

const msg = (i: number): BufferedMessage => ({ device: 'dev', timestamp: 1000 + i, payload: encodeSparkplug({ timestamp: 1000 + i, metrics: [{ name: 'features/window_index', type: 'UInt32', value: i, timestamp: 1000 + i, isHistorical: true }] }) });
const windowOf = (m: BufferedMessage) => sparkplugCodec('spBv1.0')!.decodePayload(m.payload).metrics![0].value;

describe('Sparkplug mapping', () => {
  it('builds topics, checks ids and wraps seq at 256', () => {
    expect(sparkplugTopic('plant', 'DDATA', 'gw1', 'abc')).toBe('spBv1.0/plant/DDATA/gw1/abc');
    expect(sparkplugTopic('plant', 'NBIRTH', 'gw1')).toBe('spBv1.0/plant/NBIRTH/gw1');
    expect(() => checkSparkplugId('--edge', 'a/b')).toThrow(/no \/ \+ #/);
    expect(() => checkSparkplugId('--group', 'pl#')).toThrow();
    const s = new SequenceCounter();
    const seen = Array.from({ length: 258 }, () => s.take());
    expect(seen.slice(254)).toEqual([254, 255, 0, 1]);
  });

  it('encodes a window\'s features that decode to the same values, a missing score as null', () => {
    const metrics = featureMetrics({ windowIndex: 7, tUs: 123456, shaftHz: 29.95, rmsG: [0.25, 0.5], velocityMmS: [1.5, 2.5], anomalyScore: null, detector: { kind: 'model', learnPercent: 0 } }, 1_700_000_000_000);
    const p = sparkplugCodec('spBv1.0')!.decodePayload(encodeSparkplug({ timestamp: 1_700_000_000_000, seq: 5, metrics }));
    const byName = new Map((p.metrics ?? []).map((m) => [m.name, m]));
    expect(Number(p.seq)).toBe(5);
    expect(byName.get('features/window_index')!.value).toBe(7);
    expect(byName.get('features/rms_g/1')!.value).toBeCloseTo(0.5, 6);
    expect(byName.get('features/velocity_mm_s/0')!.value).toBeCloseTo(1.5, 6);
    expect(byName.get('features/anomaly_score')!.value).toBeNull();
    expect(byName.get('detector/state')!.value).toBe('model');
  });

  it('appends a seq to a payload encoded without one (a buffered message is sent as it was stored)', () => {
    const bare = encodeSparkplug({ timestamp: 5, metrics: featureMetrics({ windowIndex: 3, tUs: 1, shaftHz: 0, rmsG: [0.1] }, 5) });
    for (const seq of [0, 127, 128, 255]) {
      const p = sparkplugCodec('spBv1.0')!.decodePayload(withSeq(bare, seq));
      expect(Number(p.seq)).toBe(seq);
      expect(p.metrics!.find((m) => m.name === 'features/window_index')!.value).toBe(3);
    }
  });
});

describe('gateway disk buffer', () => {
  it('keeps messages in order on disk, refuses and counts what does not fit, and reloads after a restart', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-gwbuf-'));
    const b = new DiskBuffer(dir, 2048);
    let i = 0;
    while (b.push(msg(i))) i++;
    expect(i).toBeGreaterThan(5);
    expect(b.dropped).toBe(1);
    expect(b.push(msg(999))).toBe(false);
    expect(b.dropped).toBe(2);
    expect(b.bytes).toBeLessThanOrEqual(2048);
    expect(readFileSync(b.file!, 'utf8').trim().split('\n')).toHaveLength(i);
    b.shift(2);
    // A restart after an acknowledged prefix resumes behind it.
    expect(new DiskBuffer(dir, 2048).peek(100).map(windowOf)).toEqual(Array.from({ length: i - 2 }, (_, k) => k + 2));
    b.unshift([msg(100)]);
    const again = new DiskBuffer(dir, 2048);
    expect(again.peek(100).map(windowOf)).toEqual([100, ...Array.from({ length: i - 2 }, (_, k) => k + 2)]);
    expect(again.peek(1)[0].timestamp).toBe(1100);
    again.shift(again.length);
    expect(again.length).toBe(0);
    expect(readFileSync(again.file!, 'utf8')).toBe('');
    expect(new DiskBuffer(dir, 2048).length).toBe(0);
  });

  it('refuses a size limit too small to hold a message', () => {
    expect(() => new DiskBuffer(undefined, 10)).toThrow(/at least 1024 bytes/);
  });
});

describe('vigil gateway flags', () => {
  const base = ['--broker', 'mqtts://broker.plant:8883', '--group', 'plant', '--edge', 'gw1', '--virtual', 'cwru-normal'];
  it('takes a CSV file for a virtual node, its rate from @RATE or from its name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-gwcsv-'));
    const plain = join(dir, 'pump.csv');
    writeFileSync(plain, 'x,y\n0.1,0.2\n');
    expect(() => parseGatewayArgs([...base, '--virtual', plain])).toThrow(/give the sample rate of .*pump.csv as .*@HZ/);
    expect(parseGatewayArgs([...base, '--virtual', `${plain}@26667`]).virtual[1]).toEqual({ csv: plain, rateHz: 26667 });
    const named = join(dir, 'motor_48k.csv');
    writeFileSync(named, 'x\n0.1\n');
    expect(parseGatewayArgs([...base, '--virtual', named]).virtual[1]).toEqual({ csv: named, rateHz: 48000 });
  });

  it('reads a complete command line', () => {
    expect(parseGatewayArgs([...base, '--buffer-max-mb', '8'])).toMatchObject({ broker: 'mqtts://broker.plant:8883', group: 'plant', edge: 'gw1', virtual: ['cwru-normal'], bufferMaxMb: 8 });
  });
  it('says in plain words what is wrong', () => {
    expect(() => parseGatewayArgs(base.slice(2))).toThrow(/--broker is required/);
    expect(() => parseGatewayArgs(['--broker', 'http://x', ...base.slice(2)])).toThrow(/mqtt:\/\/, mqtts:\/\//);
    expect(() => parseGatewayArgs([...base.slice(0, 6)])).toThrow(/at least one --node/);
    expect(() => parseGatewayArgs([...base, '--virtual', 'bogus'])).toThrow(/"bogus" is neither a demo recording/);
    expect(() => parseGatewayArgs([...base, '--virtual', '/nonexistent/rec.csv'])).toThrow(/cannot read \/nonexistent\/rec.csv/);
    expect(() => parseGatewayArgs([...base, '--virtual', 'package.json.csv'])).toThrow(/no such file/);
    expect(() => parseGatewayArgs([...base, '--ca', '/nonexistent/ca.pem'])).toThrow(/no such file/);
    expect(() => parseGatewayArgs(['--broker', 'mqtt://x', '--group', 'a+b', '--edge', 'gw1', '--virtual', 'cwru-normal'])).toThrow(/--group "a\+b"/);
  });
});
