import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { NodeInfo, RawBatch } from '../../../models/api/contract';
import { encodeRawBatch } from '../../../models/api/rawWire';
import { RequestError } from '../../../renderer/src/api/errors';
import type { ConnectionStatus } from '../../../renderer/src/api/types';
import { WsClient, type SocketLike } from '../../../renderer/src/api/wsClient';

/** A thin stand-in for the browser WebSocket: records what is sent, lets the test play the host. */
class FakeSocket implements SocketLike {
  readyState = 0; // CONNECTING
  binaryType = 'blob';
  sent: unknown[] = [];
  closed = false;
  onopen: SocketLike['onopen'] = null;
  onmessage: SocketLike['onmessage'] = null;
  onclose: SocketLike['onclose'] = null;
  onerror: SocketLike['onerror'] = null;
  constructor(readonly url: string) {}
  send(data: string) {
    if (this.readyState !== 1) throw new Error('InvalidStateError: not open');
    this.sent.push(JSON.parse(data));
  }
  close() {
    this.closed = true;
  }
  // Host side
  accept() {
    this.readyState = 1;
    this.onopen?.({});
  }
  drop() {
    this.readyState = 3;
    this.onerror?.({});
    this.onclose?.({ code: 1006, reason: '' });
  }
  reply(msg: unknown) {
    this.onmessage?.({ data: JSON.stringify(msg) });
  }
  lastRequest() {
    return this.sent[this.sent.length - 1] as { type: string; id: number; channel: string; args: unknown };
  }
}

function setup(opts: { requestTimeoutMs?: number } = {}) {
  const sockets: FakeSocket[] = [];
  const client = new WsClient({
    url: () => 'ws://127.0.0.1:5170/api?token=t',
    createSocket: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    initialBackoffMs: 100,
    maxBackoffMs: 800,
    ...opts,
  });
  return { client, sockets, current: () => sockets[sockets.length - 1] };
}

const node: NodeInfo = {
  path: '/dev/pts/4',
  status: 'online',
  demo: true,
  link: 'serial',
  stats: { bytes: 0, frames: 0, badCobs: 0, badCrc: 0, badLength: 0, badVersion: 0, oversize: 0, unknownType: 0, badPayload: 0, missedWindows: 0, rawBlocks: 0, missedRawFrames: 0, retries: 0, failedRequests: 0, nacks: 0, reconnects: 0 },
};

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('WsClient requests', () => {
  it('opens the socket at the given URL', () => {
    const { sockets } = setup();
    expect(sockets.map((s) => s.url)).toEqual(['ws://127.0.0.1:5170/api?token=t']);
  });

  it('holds requests made before the socket opens and sends them when it does', async () => {
    const { client, current } = setup();
    const p = client.invoke('nodes.list', {});
    expect(current().sent).toEqual([]);
    current().accept();
    expect(current().sent).toEqual([{ type: 'request', id: 1, channel: 'nodes.list', args: {} }]);
    current().reply({ type: 'response', id: 1, ok: true, result: [node] });
    await expect(p).resolves.toEqual([node]);
  });

  it('matches responses to requests by id, in whatever order they come', async () => {
    const { client, current } = setup();
    current().accept();
    const a = client.invoke('nodes.connect', { path: '/dev/ttyUSB0' });
    const b = client.invoke('demo.start', { recording: 'cwru-inner-race' });
    const [reqA, reqB] = current().sent as { id: number; channel: string; args: unknown }[];
    expect(reqA.id).not.toBe(reqB.id);
    expect(reqB).toMatchObject({ channel: 'demo.start', args: { recording: 'cwru-inner-race' } });
    current().reply({ type: 'response', id: reqB.id, ok: true, result: { ...node, path: '/dev/pts/9' } });
    current().reply({ type: 'response', id: reqA.id, ok: true, result: { ...node, path: '/dev/ttyUSB0', demo: false } });
    await expect(a).resolves.toMatchObject({ path: '/dev/ttyUSB0', demo: false });
    await expect(b).resolves.toMatchObject({ path: '/dev/pts/9' });
  });

  it('rejects with the host error code and its plain-words message', async () => {
    const { client, current } = setup();
    current().accept();
    const p = client.invoke('nodes.connect', { path: '/dev/ttyUSB0' });
    current().reply({
      type: 'response',
      id: current().lastRequest().id,
      ok: false,
      error: { code: 'port-busy', message: '/dev/ttyUSB0 is already open in another program.' },
    });
    const err = await p.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RequestError);
    expect(err).toBeInstanceOf(Error);
    expect((err as RequestError).code).toBe('port-busy');
    expect((err as Error).message).toBe('/dev/ttyUSB0 is already open in another program.');
  });

  it('still rejects readably when the host error has no message', async () => {
    const { client, current } = setup();
    current().accept();
    const p = client.invoke('ports.list', {});
    current().reply({ type: 'response', id: current().lastRequest().id, ok: false });
    await expect(p).rejects.toThrow(/ports\.list.*no details/);
  });

  it('ignores garbage and answers to unknown ids without disturbing pending requests', async () => {
    const { client, current } = setup();
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    current().accept();
    const p = client.invoke('ports.list', {});
    current().onmessage?.({ data: 'not json' });
    current().onmessage?.({ data: new ArrayBuffer(4) });
    current().reply({ type: 'response', id: 999, ok: true, result: 'stray' });
    current().reply({ type: 'mystery' });
    current().reply({ type: 'response', id: current().lastRequest().id, ok: true, result: [] });
    await expect(p).resolves.toEqual([]);
  });

  it('rejects a request the host never answers after the timeout', async () => {
    const { client, current } = setup({ requestTimeoutMs: 5000 });
    current().accept();
    const p = client.invoke('ports.list', {});
    const check = expect(p).rejects.toMatchObject({ code: 'timeout', message: expect.stringMatching(/did not answer "ports\.list" within 5 s/) });
    vi.advanceTimersByTime(5000);
    await check;
  });

  it('rejects a request that could not even be sent within the timeout', async () => {
    const { client } = setup({ requestTimeoutMs: 2000 });
    const p = client.invoke('nodes.list', {});
    const check = expect(p).rejects.toMatchObject({ code: 'unreachable' });
    vi.advanceTimersByTime(2000);
    await check;
  });
});

describe('WsClient events', () => {
  it('dispatches events to the listeners of that event only', () => {
    const { client, current } = setup();
    current().accept();
    const updated: unknown[] = [];
    const removed: unknown[] = [];
    client.on('node.updated', (n) => updated.push(n));
    client.on('node.removed', (r) => removed.push(r));
    current().reply({ type: 'event', event: 'node.updated', payload: node });
    current().reply({ type: 'event', event: 'node.removed', payload: { path: '/dev/pts/4' } });
    expect(updated).toEqual([node]);
    expect(removed).toEqual([{ path: '/dev/pts/4' }]);
  });

  it('stops calling a listener after unsubscribe', () => {
    const { client, current } = setup();
    current().accept();
    let calls = 0;
    const off = client.on('node.features', () => calls++);
    current().reply({ type: 'event', event: 'node.features', payload: { path: '/dev/a', frames: [] } });
    off();
    current().reply({ type: 'event', event: 'node.features', payload: { path: '/dev/a', frames: [] } });
    expect(calls).toBe(1);
  });

  it('keeps delivering to other listeners when one throws', () => {
    const { client, current } = setup();
    vi.spyOn(console, 'error').mockImplementation(() => {});
    current().accept();
    const got: unknown[] = [];
    client.on('node.removed', () => {
      throw new Error('boom');
    });
    client.on('node.removed', (p) => got.push(p));
    current().reply({ type: 'event', event: 'node.removed', payload: { path: '/dev/x' } });
    expect(got).toEqual([{ path: '/dev/x' }]);
  });

  it('asks for ArrayBuffers and decodes a binary raw frame into Float32Array views on it; a bad one is ignored', () => {
    const { client, current } = setup();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    current().accept();
    expect(current().binaryType).toBe('arraybuffer');
    const got: RawBatch[] = [];
    client.on('node.raw', (b) => got.push(b));
    const samples = Float32Array.of(0.5, -0, NaN, 3e38, -1e-40, 1);
    const batch: RawBatch = { path: '/dev/pts/4', blocks: [{ firstFrame: 10, axisCount: 3, decimation: 2, scaleG: 2 ** -11, frameCount: 2, samples }] };
    const buf = encodeRawBatch(batch).slice().buffer;
    current().onmessage?.({ data: buf });
    expect(got).toHaveLength(1);
    const s = got[0].blocks[0].samples;
    expect(s).toBeInstanceOf(Float32Array);
    expect(s.buffer).toBe(buf); // no copy
    expect(new Uint32Array(s.buffer, s.byteOffset, s.length)).toEqual(new Uint32Array(samples.buffer));
    expect({ ...got[0].blocks[0], samples: null }).toEqual({ ...batch.blocks[0], samples: null });
    current().onmessage?.({ data: buf.slice(0, buf.byteLength - 4) });
    expect(got).toHaveLength(1);
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/ignoring a binary message from the host: a raw frame of/));
  });
});

describe('WsClient reconnection', () => {
  it('rejects requests in flight when the socket closes, in plain words', async () => {
    const { client, current } = setup();
    current().accept();
    const p = client.invoke('nodes.connect', { path: '/dev/ttyUSB0' });
    current().drop();
    const err = (await p.catch((e: unknown) => e)) as RequestError;
    expect(err).toBeInstanceOf(Error);
    expect(err.code).toBe('disconnected');
    expect(err.message).toMatch(/^Lost connection to the Vigil host before it answered "nodes\.connect"/);
  });

  it('reconnects with growing delays and reports its state', () => {
    const { client, sockets, current } = setup();
    const states: ConnectionStatus['state'][] = [];
    client.onConnection((s) => states.push(s.state));
    expect(client.connection().state).toBe('connecting');
    current().accept();
    current().drop();
    expect(client.connection().state).toBe('reconnecting');
    expect(sockets.length).toBe(1);
    vi.advanceTimersByTime(99);
    expect(sockets.length).toBe(1);
    vi.advanceTimersByTime(1);
    expect(sockets.length).toBe(2); // after 100 ms
    current().drop();
    vi.advanceTimersByTime(199);
    expect(sockets.length).toBe(2);
    vi.advanceTimersByTime(1);
    expect(sockets.length).toBe(3); // after 200 ms
    current().drop();
    vi.advanceTimersByTime(400);
    current().drop();
    vi.advanceTimersByTime(800);
    current().drop();
    vi.advanceTimersByTime(800); // capped at maxBackoffMs
    expect(sockets.length).toBe(6);
    current().accept();
    expect(client.connection().state).toBe('open');
    expect(states).toEqual(['open', 'reconnecting', 'open']);
    current().drop();
    vi.advanceTimersByTime(100); // backoff reset after a successful open
    expect(sockets.length).toBe(7);
  });

  it('sends requests made while disconnected once the new socket opens, and never re-sends answered ones', async () => {
    const { client, sockets, current } = setup();
    current().accept();
    current().drop();
    const p = client.invoke('ports.list', {});
    vi.advanceTimersByTime(100);
    expect(sockets.length).toBe(2);
    current().accept();
    expect(current().sent).toEqual([{ type: 'request', id: 1, channel: 'ports.list', args: {} }]);
    current().reply({ type: 'response', id: 1, ok: true, result: [] });
    await expect(p).resolves.toEqual([]);
  });

  it('delivers events from the new socket and ignores the old one', () => {
    const { client, sockets, current } = setup();
    current().accept();
    const got: unknown[] = [];
    client.on('node.removed', (p) => got.push(p));
    const old = current();
    old.drop();
    vi.advanceTimersByTime(100);
    current().accept();
    old.reply({ type: 'event', event: 'node.removed', payload: { path: '/dev/old' } });
    sockets[1].reply({ type: 'event', event: 'node.removed', payload: { path: '/dev/new' } });
    expect(got).toEqual([{ path: '/dev/new' }]);
  });

  it('stops reconnecting after dispose and rejects what is waiting', async () => {
    const { client, sockets, current } = setup();
    const p = client.invoke('nodes.list', {});
    client.dispose();
    await expect(p).rejects.toMatchObject({ code: 'unreachable' });
    expect(current().closed).toBe(true);
    vi.advanceTimersByTime(60_000);
    expect(sockets.length).toBe(1);
  });
});
