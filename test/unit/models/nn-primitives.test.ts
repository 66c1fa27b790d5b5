// SHA-256 / HMAC-SHA256 known answers, the TFLite fixed-point primitives against BigInt and
// against hand-worked cases, and QuantizeMultiplier.
import { describe, expect, it } from 'vitest';
import {
  INT32_MAX,
  INT32_MIN,
  multiplyByQuantizedMultiplier,
  quantizeMultiplier,
  roundHalfAway,
  roundingDivideByPOT,
  saturatingRoundingDoublingHighMul,
  srdhmBigInt,
} from '../../../models/nn/fixedpoint';
import { hmacSha256, sha256, Sha256, toHex } from '../../../models/crypto/sha256';
import { Prng } from '../../../models/train/prng';

const enc = (s: string) => new TextEncoder().encode(s);
const hex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));

describe('SHA-256 (FIPS 180-4 examples)', () => {
  it('empty, "abc", the two-block message, one million "a"', () => {
    expect(toHex(sha256(new Uint8Array(0)))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(toHex(sha256(enc('abc')))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(toHex(sha256(enc('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')))).toBe('248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');
    expect(toHex(sha256(new Uint8Array(1_000_000).fill(0x61)))).toBe('cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0');
  });
  it('incremental updates of any size give the one-shot digest', () => {
    const data = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) & 0xff);
    const want = toHex(sha256(data));
    for (const step of [1, 3, 63, 64, 65, 200]) {
      const h = new Sha256();
      for (let i = 0; i < data.length; i += step) h.update(data.subarray(i, i + step));
      expect(toHex(h.digest())).toBe(want);
    }
  });
  it('Node crypto agrees on random lengths around the block boundaries', async () => {
    const { createHash } = await import('node:crypto');
    const r = new Prng(3);
    for (const n of [55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 1000]) {
      const d = Uint8Array.from({ length: n }, () => r.nextU32() & 0xff);
      expect(toHex(sha256(d))).toBe(createHash('sha256').update(d).digest('hex'));
    }
  });
});

describe('HMAC-SHA256 (RFC 4231)', () => {
  it('test cases 1, 2, 6 and 7', () => {
    expect(toHex(hmacSha256(new Uint8Array(20).fill(0x0b), enc('Hi There')))).toBe('b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7');
    expect(toHex(hmacSha256(enc('Jefe'), enc('what do ya want for nothing?')))).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
    expect(toHex(hmacSha256(new Uint8Array(131).fill(0xaa), enc('Test Using Larger Than Block-Size Key - Hash Key First')))).toBe(
      '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
    );
    const msg7 = enc('This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.');
    expect(toHex(hmacSha256(new Uint8Array(131).fill(0xaa), msg7))).toBe('9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2');
  });
  it('test case 4 (key 0x01..0x19, 50 x 0xcd)', () => {
    expect(toHex(hmacSha256(hex('0102030405060708090a0b0c0d0e0f10111213141516171819'), new Uint8Array(50).fill(0xcd)))).toBe(
      '82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b',
    );
  });
});

describe('TFLite fixed point', () => {
  it('SaturatingRoundingDoublingHighMul equals the BigInt reference on edge and random operands', () => {
    const r = new Prng(11);
    const edge = [INT32_MIN, INT32_MIN + 1, -65537, -65536, -32769, -1, 0, 1, 32767, 65535, 65536, 1 << 30, INT32_MAX];
    for (const a of edge) for (const b of edge) expect(saturatingRoundingDoublingHighMul(a, b)).toBe(srdhmBigInt(a, b));
    for (let i = 0; i < 20000; i++) {
      const a = r.nextU32() | 0;
      const b = i % 2 ? r.nextU32() | 0 : (r.nextU32() >>> 1) | 0x40000000;
      expect(saturatingRoundingDoublingHighMul(a, b)).toBe(srdhmBigInt(a, b));
    }
    expect(saturatingRoundingDoublingHighMul(INT32_MIN, INT32_MIN)).toBe(INT32_MAX);
  });
  it('RoundingDivideByPOT rounds half away from zero', () => {
    expect([5, -5, 6, -6, 7, -7].map((x) => roundingDivideByPOT(x, 1))).toEqual([3, -3, 3, -3, 4, -4]);
    expect(roundingDivideByPOT(-6, 2)).toBe(-2); // -1.5 -> -2
    expect(roundingDivideByPOT(6, 2)).toBe(2); // 1.5 -> 2
    expect(roundingDivideByPOT(INT32_MAX, 31)).toBe(1);
    expect(roundingDivideByPOT(INT32_MIN, 31)).toBe(-1);
    expect(roundingDivideByPOT(123, 0)).toBe(123);
    expect(() => roundingDivideByPOT(1, 32)).toThrow(RangeError);
  });
  it('MultiplyByQuantizedMultiplier approximates x * M within one unit', () => {
    const r = new Prng(5);
    for (let i = 0; i < 5000; i++) {
      const real = r.next() * 0.999 + 1e-6;
      const { multiplier, shift } = quantizeMultiplier(real);
      const x = (r.nextU32() | 0) >> (r.nextU32() % 20);
      expect(Math.abs(multiplyByQuantizedMultiplier(x, multiplier, shift) - x * real)).toBeLessThanOrEqual(1 + Math.abs(x) * real * 2 ** -30);
    }
  });
  it('QuantizeMultiplier: frexp form, rounding to 2^31 renormalised, tiny multipliers zero', () => {
    expect(quantizeMultiplier(0.5)).toEqual({ multiplier: 1 << 30, shift: 0 });
    expect(quantizeMultiplier(0.75)).toEqual({ multiplier: 0x60000000, shift: 0 });
    expect(quantizeMultiplier(0.25)).toEqual({ multiplier: 1 << 30, shift: -1 });
    expect(quantizeMultiplier(1 - 2 ** -40)).toEqual({ multiplier: 1 << 30, shift: 1 });
    expect(quantizeMultiplier(0)).toEqual({ multiplier: 0, shift: 0 });
    expect(quantizeMultiplier(2 ** -40)).toEqual({ multiplier: 0, shift: 0 });
    const { multiplier, shift } = quantizeMultiplier(1 / 3);
    expect(multiplier * 2 ** (shift - 31)).toBeCloseTo(1 / 3, 9);
    expect(multiplier).toBeGreaterThanOrEqual(2 ** 30);
  });
  it('roundHalfAway matches C roundf on ties', () => {
    expect([2.5, -2.5, 0.5, -0.5, 1.4999, -1.5].map(roundHalfAway)).toEqual([3, -3, 1, -1, 1, -2]);
  });
});
