// node.raw as a binary WebSocket frame (models/api/rawWire.ts): the codec round-trips float32 bit for
// bit, refuses malformed frames, and the host sends raw as binary while still refusing a client's
// binary (or binary-looking) message.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { EventChannel, RawBatch, RawBlock } from '../../../models/api/contract';
import { decodeRawBatch, encodeRawBatch, isRawFrame, RAW_WIRE_MAGIC } from '../../../models/api/rawWire';
import type { ApiService } from '../../../main/api/service';
import { startHost, type RunningHost } from '../../../main/host/server';
import { rawExchange, upgradeRequest, wsFrame } from '../../helpers/rawSocket';

/** float32 bit patterns: NaNs (quiet, signalling, with payloads, negative), ±0, ±Infinity, the extremes, subnormals. */
const PATTERNS = [
  0x7fc00000, 0x7fc00001, 0x7f800001, 0xffc12345, 0x80000000, 0x00000000, 0x7f800000, 0xff800000, 0x7f7fffff, 0xff7fffff, 0x00800000, 0x00000001,
  0x807fffff, 0x3f800000, 0xbf800000, 0x4b7fffff, 0x477fff00, 0xc7800000,
];

function blockOf(bits: number[], extra: Partial<RawBlock> = {}): RawBlock {
  const u = Uint32Array.from(bits);
  return { firstFrame: 4_294_967_000, axisCount: 3, decimation: 1, scaleG: 16 / 32768, frameCount: bits.length / 3, samples: new Float32Array(u.buffer), ...extra };
}
const bitsOf = (s: Float32Array) => Array.from(new Uint32Array(s.buffer, s.byteOffset, s.length));

describe('raw frame codec', () => {
  it('round-trips samples bit for bit (NaN payloads, -0, ±Infinity, ±3.4e38, subnormals), several blocks, every header padding', () => {
    for (const path of ['/dev/pts/4', '/dev/pts/45', '/dev/pts/456', 'ble:AbC+/=é', '']) {
      const batch: RawBatch = { path, blocks: [blockOf(PATTERNS), blockOf(PATTERNS.slice(0, 6).reverse(), { firstFrame: 0, decimation: 7, gapReason: 'link-lost' }), blockOf([])] };
      const wire = encodeRawBatch(batch);
      expect(isRawFrame(wire)).toBe(true);
      const dv = new DataView(wire.buffer);
      expect(dv.getUint32(0, true)).toBe(RAW_WIRE_MAGIC);
      expect(new TextDecoder().decode(wire.subarray(0, 4))).toBe('VRAW');
      const headerEnd = 8 + dv.getUint32(4, true);
      expect(JSON.parse(new TextDecoder().decode(wire.subarray(8, headerEnd))).path).toBe(path);
      // Samples start 4-aligned, and the frame is exactly header + padding + 4 bytes per sample.
      const start = wire.length - 4 * (PATTERNS.length + 6);
      expect(start % 4).toBe(0);
      expect(start - headerEnd).toBeLessThan(4);
      // As the browser gets it: a fresh ArrayBuffer.
      const got = decodeRawBatch(wire.slice().buffer);
      expect(got.path).toBe(path);
      const meta = (bs: RawBlock[]) => bs.map((b) => ({ ...b, samples: null }));
      expect(meta(got.blocks)).toEqual(meta(batch.blocks));
      got.blocks.forEach((b, i) => {
        expect(b.samples).toBeInstanceOf(Float32Array);
        expect(bitsOf(b.samples)).toEqual(bitsOf(batch.blocks[i].samples));
      });
      expect(Object.is(got.blocks[0].samples[4], -0)).toBe(true);
      expect(got.blocks[0].samples[8]).toBe(3.4028234663852886e38);
    }
  });
  it('decodes without copying when the buffer is aligned, and copies from an unaligned view', () => {
    const wire = encodeRawBatch({ path: 'p', blocks: [blockOf(PATTERNS)] });
    const buf = wire.slice().buffer;
    expect(decodeRawBatch(buf).blocks[0].samples.buffer).toBe(buf);
    const shifted = new Uint8Array(wire.length + 1);
    shifted.set(wire, 1);
    const view = shifted.subarray(1);
    const b = decodeRawBatch(view).blocks[0].samples;
    expect(b.buffer).not.toBe(shifted.buffer);
    expect(bitsOf(b)).toEqual(PATTERNS);
  });
  it('refuses a truncated, over-long or malformed frame with a reason', () => {
    const wire = encodeRawBatch({ path: 'p', blocks: [blockOf(PATTERNS)] });
    const headerLen = new DataView(wire.buffer).getUint32(4, true);
    const withHeader = (h: unknown, samples = 0) => {
      const head = new TextEncoder().encode(JSON.stringify(h));
      const start = 8 + head.length + ((4 - ((8 + head.length) % 4)) % 4);
      const out = new Uint8Array(start + 4 * samples);
      new DataView(out.buffer).setUint32(0, RAW_WIRE_MAGIC, true);
      new DataView(out.buffer).setUint32(4, head.length, true);
      out.set(head, 8);
      return out;
    };
    const ok = { firstFrame: 0, axisCount: 1, decimation: 1, scaleG: 1, frameCount: 1, sampleCount: 1 };
    expect(decodeRawBatch(withHeader({ event: 'node.raw', path: 'p', blocks: [ok] }, 1)).blocks[0].samples.length).toBe(1);
    const bad: [Uint8Array, RegExp][] = [
      [wire.subarray(0, wire.length - 1), /header says/],
      [Uint8Array.from([...wire, 0, 0, 0, 0]), /header says/],
      [wire.subarray(0, 8 + headerLen - 1), /shorter than its header/],
      [new TextEncoder().encode('{"type":"event","event":"node.raw"}'), /no VRAW magic/],
      [new Uint8Array(3), /no VRAW magic/],
      [withHeader({ event: 'node.features', path: 'p', blocks: [] }), /event "node.raw"/],
      [withHeader({ event: 'node.raw', path: 'p', blocks: [{ ...ok, sampleCount: -1 }] }), /whole number/],
      [withHeader({ event: 'node.raw', path: 'p', blocks: [{ ...ok, sampleCount: 2 ** 40 }] }), /whole number/],
      [withHeader({ event: 'node.raw', path: 'p', blocks: [{ ...ok, scaleG: 'x' }] }, 1), /scaleG/],
      [withHeader({ event: 'node.raw', path: 'p', blocks: [{ ...ok, gapReason: 'other' }] }, 1), /gapReason/],
      [withHeader({ event: 'node.raw', path: 'p', blocks: [ok] }, 2), /header says/],
    ];
    const notJson = wire.slice();
    notJson[8] = 0x5b; // '['
    notJson[9] = 0x5b;
    bad.push([notJson, /not JSON|event "node.raw"/]);
    for (const [b, why] of bad) expect(() => decodeRawBatch(b), why.source).toThrow(why);
  });
});

/** A host whose service is a stand-in: the test emits events; requests answer 'nodes.list' only. */
describe('browser-mode host and raw frames', () => {
  let host: RunningHost;
  const listeners = new Set<(event: EventChannel, payload: unknown) => void>();
  const emit = (event: EventChannel, payload: unknown) => listeners.forEach((l) => l(event, payload));
  const handled: unknown[] = [];
  const service = {
    subscribe(l: (event: EventChannel, payload: unknown) => void) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    async handle(channel: unknown, args: unknown) {
      handled.push({ channel, args });
      if (channel !== 'nodes.list') throw new Error('only nodes.list here');
      return [];
    },
  } as unknown as ApiService;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-static-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Vigil</title>');
    host = await startHost({ service, staticDir: dir });
  });
  afterAll(() => host.close());
  const self = () => `127.0.0.1:${host.port}`;
  const connect = () =>
    new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(`ws://${self()}/api?token=${host.token}`, { origin: `http://${self()}` });
      ws.once('open', () => resolve(ws));
      ws.once('error', reject);
    });
  const next = (ws: WebSocket) => new Promise<{ data: Buffer; isBinary: boolean }>((resolve) => ws.once('message', (data, isBinary) => resolve({ data: data as Buffer, isBinary })));

  it('sends node.raw as one binary frame and every other event as JSON text', async () => {
    const ws = await connect();
    const batch: RawBatch = { path: '/dev/pts/9', blocks: [blockOf(PATTERNS), blockOf(PATTERNS.slice(3))] };
    let got = next(ws);
    emit('node.raw', batch);
    const raw = await got;
    expect(raw.isBinary).toBe(true);
    const back = decodeRawBatch(raw.data);
    expect(back.blocks.map((b) => bitsOf(b.samples))).toEqual(batch.blocks.map((b) => bitsOf(b.samples)));
    got = next(ws);
    emit('node.removed', { path: '/dev/pts/9' });
    const text = await got;
    expect(text.isBinary).toBe(false);
    expect(JSON.parse(text.data.toString())).toEqual({ type: 'event', event: 'node.removed', payload: { path: '/dev/pts/9' } });
    ws.close();
  });
  it('refuses a binary message from the client, a raw frame above all, and a raw frame sent as text', async () => {
    const ws = await connect();
    const frame = encodeRawBatch({ path: 'p', blocks: [blockOf(PATTERNS)] });
    const refusal = { type: 'response', id: null, ok: false, error: { code: 'bad-request', message: 'Messages must be JSON text' } };
    for (const send of [
      () => ws.send(frame, { binary: true }),
      () => ws.send(Buffer.from(JSON.stringify({ type: 'request', id: 1, channel: 'nodes.list', args: {} })), { binary: true }),
      () => ws.send(Buffer.from(frame).toString('latin1')),
    ]) {
      const got = next(ws);
      send();
      const r = await got;
      expect(r.isBinary).toBe(false);
      expect(JSON.parse(r.data.toString())).toEqual(refusal);
    }
    expect(handled).toEqual([]);
    // A JSON request is still a JSON request, whatever its args carry: they go to validation as parsed JSON.
    const got = next(ws);
    ws.send(JSON.stringify({ type: 'request', id: 2, channel: 'nodes.list', args: { samples: { 0: 1, length: 1 } } }));
    await got;
    expect(handled).toEqual([{ channel: 'nodes.list', args: { samples: { 0: 1, length: 1 } } }]);
    ws.close();
  });
  it('still closes a connection whose binary message is over 64 KiB', async () => {
    const open = upgradeRequest(`/api?token=${host.token}`, self(), `http://${self()}`);
    const out = await rawExchange(host.port, [open, wsFrame(2, Buffer.alloc(64 * 1024 + 1, 0x56))]);
    const i = out.indexOf('\r\n\r\n') + 4;
    expect(out[i]).toBe(0x88);
    expect(out.readUInt16BE(i + 2)).toBe(1009);
  });
});
