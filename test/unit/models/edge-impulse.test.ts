// Edge Impulse data acquisition JSON (docs/storage.md): parse, convert to the CSV the recording
// path reads, write (unsigned and HS256-signed), and refuse bad samples in plain words.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { EdgeImpulseError, edgeImpulseToCsv, parseEdgeImpulseJson, writeEdgeImpulseJson } from '../../../models/dataset/edgeImpulse';
import { NamedColumnReader } from '../../../models/dataset/csv';

// The example of Edge Impulse's data acquisition format documentation (shortened).
const EXAMPLE = JSON.stringify({
  protected: { ver: 'v1', alg: 'HS256', iat: 1564128599 },
  signature: 'b0ee0572a1984b93b6bc56dcea6b3aea2bd9da4e70ae5bb1cdfc8bb8bcfbe1b1',
  payload: {
    device_name: 'ac:87:a3:0a:2d:1b',
    device_type: 'DISCO-L475VG-IOT01A',
    interval_ms: 10,
    sensors: [{ name: 'accX', units: 'm/s2' }, { name: 'accY', units: 'm/s2' }, { name: 'accZ', units: 'm/s2' }],
    values: [[-9.81, 0.03, 1.21], [-9.83, 0.04, 1.27], [-9.12, 0.03, 1.23], [-9.14, 0.01, 1.25]],
  },
});

describe('Edge Impulse data acquisition JSON', () => {
  it('reads the documented example: rate from interval_ms, m/s2 into g, device', () => {
    const s = parseEdgeImpulseJson(EXAMPLE);
    expect(s.sampleRateHz).toBe(100);
    expect(s.sensors.map((x) => x.name)).toEqual(['accX', 'accY', 'accZ']);
    expect(s.columns[0][0]).toBeCloseTo(-9.81 / 9.80665, 6);
    expect(s.columns[2].length).toBe(4);
    expect(s.deviceName).toBe('ac:87:a3:0a:2d:1b');
  });
  it('its CSV passes the recording path and gives the same numbers', () => {
    const s = parseEdgeImpulseJson(EXAMPLE);
    const reader = new NamedColumnReader(['accZ', 'accX']);
    reader.push(edgeImpulseToCsv(s));
    const cols = reader.end();
    expect(cols.rows).toBe(4);
    expect(Array.from(cols.columns[0])).toEqual(Array.from(s.columns[2]));
    expect(Array.from(cols.columns[1])).toEqual(Array.from(s.columns[0]));
  });
  it('write then read returns the columns exactly (g), and m/s2 within float precision', () => {
    const a = Float32Array.from({ length: 480 }, (_, i) => Math.sin(i / 7) * 0.3);
    const b = Float32Array.from({ length: 480 }, (_, i) => Math.cos(i / 5) * 2.1);
    const back = parseEdgeImpulseJson(writeEdgeImpulseJson({ deviceName: 'pump-1', sampleRateHz: 48000, names: ['DE_accel', 'FE_accel'], columns: [a, b] }));
    expect(back.sampleRateHz).toBeCloseTo(48000, 6);
    expect(Array.from(back.columns[0])).toEqual(Array.from(a));
    expect(Array.from(back.columns[1])).toEqual(Array.from(b));
    const ms2 = parseEdgeImpulseJson(writeEdgeImpulseJson({ deviceName: 'pump-1', sampleRateHz: 100, names: ['x'], columns: [a], unitsMs2: true }));
    ms2.columns[0].forEach((v, i) => expect(Math.abs(v - a[i])).toBeLessThan(1e-6));
  });
  it('an HS256 sample is signed over the JSON with a zeroed signature, as Edge Impulse checks it', () => {
    const key = Uint8Array.from(Buffer.from('00112233445566778899aabbccddeeff', 'hex'));
    const text = writeEdgeImpulseJson({ deviceName: 'n', sampleRateHz: 1000, names: ['x'], columns: [[0.5, -0.25]], hmacKey: key, issuedAt: 1700000000 });
    const doc = JSON.parse(text);
    expect(doc.protected).toEqual({ ver: 'v1', alg: 'HS256', iat: 1700000000 });
    const zeroed = text.replace(doc.signature, '0'.repeat(64));
    expect(doc.signature).toBe(createHmac('sha256', Buffer.from(key)).update(zeroed).digest('hex'));
    expect(JSON.parse(writeEdgeImpulseJson({ deviceName: 'n', sampleRateHz: 1000, names: ['x'], columns: [[1]] })).protected.alg).toBe('none');
  });
  it('refuses bad samples in plain words', () => {
    const bad = (payload: unknown) => () => parseEdgeImpulseJson(JSON.stringify({ payload }), 'walk.01.json');
    expect(() => parseEdgeImpulseJson('{', 'x.json')).toThrow('x.json: is not valid JSON');
    expect(() => parseEdgeImpulseJson('{}', 'x.json')).toThrow(/no "payload" object/);
    const ok = JSON.parse(EXAMPLE).payload;
    expect(bad({ ...ok, interval_ms: 0 })).toThrow('walk.01.json: "interval_ms" is 0; it must be a positive number of milliseconds');
    expect(bad({ ...ok, sensors: [{ name: 'gyrX', units: 'deg/s' }] })).toThrow('sensor "gyrX" is in "deg/s"; Vigil reads accelerations in g or m/s2');
    expect(bad({ ...ok, values: [[1, 2, 3], [1, 2]] })).toThrow('value row 2 has 2 values; every row needs 3 (one per sensor)');
    expect(bad({ ...ok, values: [[1, 'x', 3]] })).toThrow('value row 1, sensor "accY" is "x", not a number');
    expect(bad({ ...ok, values: [] })).toThrow(EdgeImpulseError);
  });
});
