// Edge Impulse data acquisition CBOR (docs/storage.md): a sample whose bytes are written here by
// hand (RFC 8949, annotated) reads to the documented structure; written samples decode to the same
// document as the JSON encoding; HS256 signatures checked against Node's own HMAC; content, not the
// file name, tells JSON from CBOR; malformed CBOR is refused in words.
import { createHmac } from 'node:crypto';
import { decode } from 'cbor-x';
import { describe, expect, it } from 'vitest';
import { checkEdgeImpulseSignature, EdgeImpulseError, isEdgeImpulseJson, parseEdgeImpulseCbor, parseEdgeImpulseSample, writeEdgeImpulseCbor, writeEdgeImpulseJson } from '../../../models/dataset/edgeImpulse';

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/#[^\n]*/g, '').replace(/\s+/g, ''), 'hex'));
const txt = (s: string) => (0x60 + s.length).toString(16) + Buffer.from(s).toString('hex'); // short text string (< 24 bytes)

// {protected: {ver: "v1", alg: "none", iat: 0}, signature: "", payload: {device_name: "n1",
//  device_type: "T", interval_ms: 10, sensors: [{name: accX, units: m/s2}, {name: accY, units: g}],
//  values: [[9.80665, 1.0], [0.5, -1], [0, -0.5]]}} with three kinds of float and plain integers.
const HAND = hex(`
  a3                                   # map(3)
  ${txt('protected')} a3               #   map(3)
    ${txt('ver')} ${txt('v1')}
    ${txt('alg')} ${txt('none')}
    ${txt('iat')} 00                   #     unsigned(0)
  ${txt('signature')} 60               #   "" (empty text)
  ${txt('payload')} a5                 #   map(5)
    ${txt('device_name')} ${txt('n1')}
    ${txt('device_type')} ${txt('T')}
    ${txt('interval_ms')} 0a           #     unsigned(10)
    ${txt('sensors')} 82               #     array(2)
      a2 ${txt('name')} ${txt('accX')} ${txt('units')} ${txt('m/s2')}
      a2 ${txt('name')} ${txt('accY')} ${txt('units')} ${txt('g')}
    ${txt('values')} 83                #     array(3)
      82 fb 40239d013a92a305 f9 3c00   #       [9.80665 (float64), 1.0 (float16)]
      82 fa 3f000000 20                #       [0.5 (float32), -1 (negative int)]
      82 00 f9 b800                    #       [0, -0.5 (float16)]
`);

const cols = (n: number) => [Float32Array.from({ length: n }, (_, i) => Math.sin(i / 5) * 0.25), Float32Array.from({ length: n }, (_, i) => ((i % 7) - 3) * 0.125)];

describe('Edge Impulse data acquisition CBOR', () => {
  it('reads a hand-written sample: rate from interval_ms, m/s2 into g, every CBOR number kind', () => {
    expect(isEdgeImpulseJson(HAND)).toBe(false);
    const s = parseEdgeImpulseSample(HAND, 'hand.cbor');
    expect(s.sampleRateHz).toBe(100);
    expect(s.deviceName).toBe('n1');
    expect(s.deviceType).toBe('T');
    expect(s.sensors).toEqual([{ name: 'accX', units: 'm/s2' }, { name: 'accY', units: 'g' }]);
    expect(Array.from(s.columns[0])).toEqual([1, Math.fround(0.5 / 9.80665), 0]);
    expect(Array.from(s.columns[1])).toEqual([1, -1, -0.5]);
  });

  it('writes the same document as the JSON encoding, and reads it back exactly (g)', () => {
    const [a, b] = cols(300);
    const e = { deviceName: 'rec.csv', sampleRateHz: 48000, names: ['DE_accel', 'FE_accel'], columns: [a, b] };
    const bytes = writeEdgeImpulseCbor(e);
    // A CBOR map of three entries whose first key is the text "protected", as written by hand above.
    expect(Array.from(bytes.subarray(0, 11))).toEqual(Array.from(HAND.subarray(0, 11)));
    expect(decode(bytes)).toEqual(JSON.parse(writeEdgeImpulseJson(e)));
    const s = parseEdgeImpulseSample(bytes);
    expect(s.sampleRateHz).toBeCloseTo(48000, 6);
    expect(Array.from(s.columns[0])).toEqual(Array.from(a));
    expect(Array.from(s.columns[1])).toEqual(Array.from(b));
    // smaller than the JSON text
    expect(bytes.length).toBeLessThan(writeEdgeImpulseJson(e).length);
  });

  it('m/s2 round trip within float precision', () => {
    const [a] = cols(50);
    const s = parseEdgeImpulseCbor(writeEdgeImpulseCbor({ deviceName: 'x', sampleRateHz: 1000, names: ['z'], columns: [a], unitsMs2: true }));
    expect(s.sensors[0].units).toBe('m/s2');
    s.columns[0].forEach((v, i) => expect(v).toBeCloseTo(a[i], 6));
  });

  it('signs with HS256 over the bytes with a zeroed signature, as Node computes it; checks either encoding', () => {
    const key = Uint8Array.from(Buffer.from('00112233445566778899aabbccddeeff', 'hex'));
    const e = { deviceName: 'rec', sampleRateHz: 100, names: ['x', 'y'], columns: cols(20), hmacKey: key, issuedAt: 1564128599 };
    const bytes = writeEdgeImpulseCbor(e);
    const doc = decode(bytes) as { protected: { alg: string; iat: number }; signature: string };
    expect(doc.protected).toEqual({ ver: 'v1', alg: 'HS256', iat: 1564128599 });
    expect(doc.signature).toMatch(/^[0-9a-f]{64}$/);
    const buf = Buffer.from(bytes);
    const at = buf.indexOf(Buffer.from(doc.signature));
    const zeroed = Buffer.concat([buf.subarray(0, at), Buffer.from('0'.repeat(64)), buf.subarray(at + 64)]);
    expect(createHmac('sha256', key).update(zeroed).digest('hex')).toBe(doc.signature);
    expect(checkEdgeImpulseSignature(bytes, key)).toBeNull();
    expect(checkEdgeImpulseSignature(Uint8Array.from(Buffer.from(writeEdgeImpulseJson(e))), key)).toBeNull();
    const wrongKey = Uint8Array.from([1, 2, 3]);
    expect(checkEdgeImpulseSignature(bytes, wrongKey, 's.cbor')).toBe('s.cbor: the HS256 signature does not match this key');
    const tampered = Uint8Array.from(bytes);
    tampered[tampered.length - 1] ^= 1; // last value's low mantissa bit
    expect(checkEdgeImpulseSignature(tampered, key)).toMatch(/does not match/);
    expect(checkEdgeImpulseSignature(HAND, key, 'hand.cbor')).toBe('hand.cbor is not signed with HS256 (protected.alg is "none")');
  });

  it('tells JSON from CBOR by content, whatever the name', () => {
    const e = { deviceName: 'r', sampleRateHz: 200, names: ['x'], columns: [cols(10)[0]] };
    const json = Uint8Array.from(Buffer.from('\n  ' + writeEdgeImpulseJson(e)));
    expect(isEdgeImpulseJson(json)).toBe(true);
    expect(parseEdgeImpulseSample(json).sampleRateHz).toBe(200);
    expect(parseEdgeImpulseSample(writeEdgeImpulseCbor(e)).sampleRateHz).toBe(200);
  });

  it('refuses malformed CBOR and a CBOR document that is not a sample, in words', () => {
    expect(() => parseEdgeImpulseSample(HAND.subarray(0, 40), 'cut.cbor')).toThrow(EdgeImpulseError);
    expect(() => parseEdgeImpulseSample(HAND.subarray(0, 40), 'cut.cbor')).toThrow(/^cut\.cbor: is neither JSON nor valid CBOR/);
    expect(() => parseEdgeImpulseSample(new Uint8Array(0), 'e.cbor')).toThrow('e.cbor: is empty');
    expect(() => parseEdgeImpulseSample(hex('83 01 02 03'), 'list.cbor')).toThrow('list.cbor: has no "payload" object: it is not an Edge Impulse data acquisition sample');
  });
});
