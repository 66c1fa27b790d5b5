// The workstation side of the gateway without a broker: the API's checks of a gateway's arguments
// (models/api/contract.ts) and a DDATA of several windows decoded back into the frames the pages
// and the recorder take (main/gateway/workstation.ts windowsOf), through the real codec.
import { get as sparkplugCodec } from 'sparkplug-payload';
import { describe, expect, it } from 'vitest';
import { validateRequest } from '../../../models/api/contract';
import { featureMetrics } from '../../../models/gateway/sparkplug';
import { encodeSparkplug } from '../../../main/gateway/gateway';
import { windowsOf } from '../../../main/gateway/workstation';

const add = (args: Record<string, unknown>) => validateRequest('gateways.add', args).args;

describe('gateways.add arguments', () => {
  it('takes mqtt:// and mqtts:// with a host and a port, defaulting the group to plant', () => {
    expect(add({ url: 'mqtts://broker.plant:8883' })).toEqual({ url: 'mqtts://broker.plant:8883', group: 'plant' });
    expect(add({ url: 'mqtt://10.0.0.5:1883/', caPath: '/etc/vigil/ca.crt', username: 'ws-office', password: 's3cret', group: 'hall_2' })).toEqual({
      url: 'mqtt://10.0.0.5:1883/', caPath: '/etc/vigil/ca.crt', username: 'ws-office', password: 's3cret', group: 'hall_2',
    });
    expect(add({ url: 'mqtts://[::1]:8883', caPath: '', username: '', password: '' })).toEqual({ url: 'mqtts://[::1]:8883', group: 'plant' });
  });

  it('refuses other schemes, credentials or a path in the URL, bad ports, relative CA paths, long values and wildcards', () => {
    for (const bad of [
      { url: 'https://broker:8883' },
      { url: 'ws://broker:8080' },
      { url: 'mqtts://user:pw@broker:8883' },
      { url: 'mqtts://broker:8883/topic' },
      { url: 'mqtts://broker:0' },
      { url: 'mqtts://broker:70000' },
      { url: `mqtts://${'a'.repeat(600)}` },
      { url: 'mqtts://broker', caPath: 'ca.crt' },
      { url: 'mqtts://broker', caPath: '/etc/ca\n.crt' },
      { url: 'mqtts://broker', username: 'x'.repeat(257) },
      { url: 'mqtts://broker', password: 'x'.repeat(257) },
      { url: 'mqtts://broker', group: 'plant/#' },
      { url: 'mqtts://broker', other: 1 },
    ]) {
      expect(() => add(bad), JSON.stringify(bad).slice(0, 80)).toThrow(/gateways\.add/);
    }
    // The refusal never repeats a password.
    let refusal = '';
    try {
      add({ url: 'mqtts://broker', password: `secret-${'x'.repeat(300)}` });
    } catch (e) {
      refusal = (e as Error).message;
    }
    expect(refusal).toMatch(/"password"/);
    expect(refusal).not.toContain('secret-');
    expect(() => validateRequest('gateways.remove', { id: '0123456789abcdef' })).not.toThrow();
    expect(() => validateRequest('gateways.remove', { id: '../x' })).toThrow();
  });

  it('lets a gateway node\'s path through node requests (main then routes them to its gateway)', () => {
    expect(validateRequest('nodes.config.get', { path: 'gateway:plant/gw1/0123456789abcdef01234567' }).args).toEqual({ path: 'gateway:plant/gw1/0123456789abcdef01234567' });
    expect(() => validateRequest('nodes.config.get', { path: 'gateway:plant/gw1/a/b' })).toThrow(/gateway:/);
  });
});

describe('DDATA to feature frames', () => {
  it('splits one DDATA into its windows, in order, with levels, score and detector', () => {
    const t = 1_700_000_000_000;
    const frames = [
      { windowIndex: 41, tUs: 1000, shaftHz: 29.95, rmsG: [0.25, 0.5], velocityMmS: [1.5, 2.5], anomalyScore: null, detector: { kind: 'model' as const, learnPercent: 0 } },
      { windowIndex: 42, tUs: 2000, shaftHz: 29.95, rmsG: [0.3, 0.6], velocityMmS: [1.6, 2.6], anomalyScore: 0.75, detector: { kind: 'learning' as const, learnPercent: 40 } },
      { windowIndex: 43, tUs: 3000, shaftHz: 29.95, rmsG: [0.3, 0.6], anomalyScore: 0.5, detector: { kind: 'baseline' as const, learnPercent: 100, threshold: 3.5 } },
      { windowIndex: 44, tUs: 4000, shaftHz: 29.95, rmsG: [0.3, 0.6], anomalyScore: null, detector: { kind: 'learning' as const, learnPercent: 1, threshold: null } },
    ];
    const payload = encodeSparkplug({ timestamp: t, metrics: frames.flatMap((f) => featureMetrics(f, t)) });
    const p = sparkplugCodec('spBv1.0')!.decodePayload(payload);
    const got = windowsOf((p.metrics ?? []).map((m) => ({ name: m.name ?? '', value: m.value, isNull: Boolean(m.isNull) || m.value === null || m.value === undefined })));
    expect(got.map((f) => f.windowIndex)).toEqual([41, 42, 43, 44]);
    expect(got[0].anomalyScore).toBeNull();
    expect(got[1].anomalyScore).toBeCloseTo(0.75, 5);
    expect(got[1].rmsG[1]).toBeCloseTo(0.6, 5);
    expect(got[1].velocityMmS![0]).toBeCloseTo(1.6, 5);
    expect(got[1].tUs).toBe(2000);
    expect(got[1].detector).toEqual({ kind: 'learning', learnPercent: 40 });
    // The threshold the node states (1.4) travels too: a value, null for none now, absent from an older node.
    expect(got[2].detector).toEqual({ kind: 'baseline', learnPercent: 100, threshold: 3.5 });
    expect(got[3].detector).toEqual({ kind: 'learning', learnPercent: 1, threshold: null });
  });
});
