// The renderer's Bluetooth LE link (renderer/src/ble/nus.ts) against the FAKE GATT of
// test/helpers/fakeGatt.ts, in Node. The "node" here is an in-memory byte pipe: these tests are
// about the transport rules of docs/protocol.md 4.2 (chunking, MTU raise/halve, order, one write at
// a time, batching of received bytes and relaying a quiet link's reply at once, reconnect), not about frames; the e2e test carries a real
// node's bytes through the same fake.
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiEvents, EventChannel } from '../../../models/api/contract';
import { connectBluetoothNode, MAX_RX_BATCH, NusLink, resumeBluetoothLinks, RX_BATCH_MS } from '../../../renderer/src/ble/nus';
import type { BleBluetooth, BleDevice } from '../../../renderer/src/ble/webBluetooth';
import { createFakeBluetooth, FAKE_NUS, type FakeBluetooth, type FakeGattOptions } from '../../helpers/fakeGatt';
import { waitFor } from '../../helpers/wait';

/** A stand-in for main/: records what the renderer sends, and can push 'ble.tx' and other events. */
function fakeHost() {
  const calls: { channel: string; args: Record<string, unknown>; t: number }[] = [];
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  const rx: Uint8Array[] = [];
  const api = {
    async invoke(channel: string, args: Record<string, unknown>) {
      calls.push({ channel, args, t: Date.now() });
      if (channel === 'ble.rx') rx.push(new Uint8Array(Buffer.from(args.data as string, 'base64')));
      if (channel === 'ble.open') return { path: `ble:${args.deviceId}`, status: 'connecting', link: 'ble' };
      return { ok: true };
    },
    on(event: string, l: (p: unknown) => void) {
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event)!.add(l);
      return () => listeners.get(event)!.delete(l);
    },
  };
  const emit = <E extends EventChannel>(event: E, payload: ApiEvents[E]) => {
    for (const l of listeners.get(event) ?? []) l(payload);
  };
  const rxBytes = () => Buffer.concat(rx);
  return { api: api as unknown as Parameters<typeof connectBluetoothNode>[0], calls, emit, rxBytes, listeners };
}

/** The node end of the pipe: what the app wrote, and a way to send bytes. */
function fakeNode() {
  const written: Buffer[] = [];
  let listener: ((b: Uint8Array) => void) | null = null;
  return {
    pipe: { write: (b: Uint8Array) => written.push(Buffer.from(b)), onData: (l: (b: Uint8Array) => void) => (listener = l) },
    send: (b: Uint8Array) => listener?.(b),
    written: () => Buffer.concat(written),
  };
}

const pattern = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff);

let fakes: FakeBluetooth[] = [];
afterEach(() => {
  for (const f of fakes) f.dispose();
  fakes = [];
});

async function setup(opts: FakeGattOptions = {}) {
  const node = fakeNode();
  const fake = createFakeBluetooth({ mtu: 185, bytesPerSecond: 200_000, ...opts }, node.pipe);
  fakes.push(fake);
  const host = fakeHost();
  const info = await connectBluetoothNode(host.api, fake.bluetooth as unknown as BleBluetooth);
  const path = `ble:${fake.device.id}`;
  return { node, fake, host, info, path };
}

describe('NusLink over the fake GATT', () => {
  it('asks for a NUS device, opens the session and relays notifications in order, batched', async () => {
    const { node, fake, host, info, path } = await setup({ bridgeBufferBytes: 65_536 });
    expect(info?.path).toBe(path);
    expect(host.calls[0]).toMatchObject({ channel: 'ble.open' });
    expect(host.calls[0].args).toEqual({ deviceId: fake.device.id });
    const data = pattern(30_000);
    for (let i = 0; i < data.length; i += 1000) node.send(data.subarray(i, i + 1000));
    await waitFor('all bytes relayed', 5000, () => (host.rxBytes().length >= data.length ? true : undefined));
    expect(Buffer.compare(host.rxBytes(), Buffer.from(data))).toBe(0);
    const rxCalls = host.calls.filter((c) => c.channel === 'ble.rx');
    expect(rxCalls.every((c) => (c.args.path as string) === path && Buffer.from(c.args.data as string, 'base64').length <= MAX_RX_BATCH)).toBe(true);
    // Batched: far fewer requests than notifications.
    expect(rxCalls.length).toBeLessThan(fake.stats.notifications / 3);
    expect(fake.stats.largestNotification).toBe(182);
    expect(fake.stats.droppedNodeBytes).toBe(0);
  });

  it('relays the first notification after a quiet spell at once: a reply waits for no batch', async () => {
    const { node, fake, host } = await setup();
    const gatt = fake.device.gatt as unknown as { getPrimaryService(u: string): Promise<{ getCharacteristic(u: string): Promise<EventTarget> }> };
    const tx = await (await gatt.getPrimaryService(FAKE_NUS.service)).getCharacteristic(FAKE_NUS.tx);
    const rxCalls = () => host.calls.filter((c) => c.channel === 'ble.rx').length;
    // Listening after the NusLink: each entry is the requests made when a notification was handled.
    const seen: number[] = [];
    tx.addEventListener('characteristicvaluechanged', () => seen.push(rxCalls()));
    await new Promise((r) => setTimeout(r, 4 * RX_BATCH_MS));
    node.send(pattern(60));
    await waitFor('the reply relayed', 3000, () => (host.rxBytes().length >= 60 ? true : undefined));
    expect(seen[0]).toBe(1); // the request went out while the notification was being handled
  });

  it('the fake holds its throughput cap, and takes the next write while one is on air', async () => {
    const { node, host, path } = await setup({ bytesPerSecond: 60_000 });
    node.send(pattern(400)); // notifications of MTU - 3 = 182 raise the write chunk
    await waitFor('notifications', 3000, () => (host.rxBytes().length >= 400 ? true : undefined));
    const data = pattern(12_000, 5);
    const t0 = performance.now();
    host.emit('ble.tx', { path, data: Buffer.from(data).toString('base64') });
    await waitFor('everything written', 5000, () => (node.written().length >= data.length ? true : undefined));
    expect(Buffer.compare(node.written(), Buffer.from(data))).toBe(0);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(200 - 2); // 12,000 bytes at 60 kB/s: never faster

    // A write resolves when the controller's buffer (two writes of MTU - 3) takes it, before its
    // bytes land: the app's next write is ready when the air is free; a third waits for room.
    const other = fakeNode();
    const fake = createFakeBluetooth({ mtu: 203, bytesPerSecond: 10_000 }, other.pipe);
    fakes.push(fake);
    const gatt = fake.device.gatt as unknown as { connect(): Promise<unknown>; getPrimaryService(u: string): Promise<{ getCharacteristic(u: string): Promise<{ writeValueWithoutResponse(v: Uint8Array): Promise<void> }> }> };
    await gatt.connect();
    const rx = await (await gatt.getPrimaryService(FAKE_NUS.service)).getCharacteristic(FAKE_NUS.rx);
    const start = performance.now();
    await rx.writeValueWithoutResponse(pattern(200, 1)); // on air 0-20 ms
    await rx.writeValueWithoutResponse(pattern(200, 2)); // buffered, on air 20-40 ms
    expect(other.written().length).toBe(0);
    await rx.writeValueWithoutResponse(pattern(200, 3)); // taken when the first is over
    expect(performance.now() - start).toBeGreaterThanOrEqual(18);
    await waitFor('the writes landed', 3000, () => (other.written().length >= 600 ? true : undefined));
    expect(performance.now() - start).toBeGreaterThanOrEqual(58);
  });

  it('writes 20-byte chunks until a notification shows the MTU, then chunks of that size, in order, one at a time', async () => {
    const { node, fake, host, path } = await setup();
    const first = pattern(100, 3);
    host.emit('ble.tx', { path, data: Buffer.from(first).toString('base64') });
    await waitFor('first bytes written', 3000, () => (node.written().length >= 100 ? true : undefined));
    expect(fake.writeSizes).toEqual([20, 20, 20, 20, 20]);
    node.send(pattern(400)); // the bridge fills notifications to MTU - 3 = 182
    await waitFor('notifications', 3000, () => (host.rxBytes().length >= 400 ? true : undefined));
    const more: Uint8Array[] = [];
    for (let i = 0; i < 20; i++) {
      const part = pattern(97 + i * 13, i);
      more.push(part);
      host.emit('ble.tx', { path, data: Buffer.from(part).toString('base64') });
    }
    const all = Buffer.concat([Buffer.from(first), ...more.map((m) => Buffer.from(m))]);
    await waitFor('everything written', 5000, () => (node.written().length >= all.length ? true : undefined));
    expect(Buffer.compare(node.written(), all)).toBe(0);
    expect(Math.max(...fake.writeSizes.slice(5))).toBe(182);
    expect(fake.stats.maxConcurrentWrites).toBe(1);
    expect(fake.stats.refusedWrites).toBe(0);
  });

  it('halves the chunk when a write is refused as too long, and never sends a byte twice or out of order', async () => {
    const { node, fake, host, path } = await setup();
    node.send(pattern(182));
    await waitFor('one notification', 3000, () => (host.rxBytes().length >= 182 ? true : undefined));
    fake.setMtu(100); // the peer now takes at most 97 bytes a write
    const data = pattern(5000, 9);
    for (let i = 0; i < data.length; i += 500) host.emit('ble.tx', { path, data: Buffer.from(data.subarray(i, i + 500)).toString('base64') });
    await waitFor('everything written', 5000, () => (node.written().length >= data.length ? true : undefined));
    expect(Buffer.compare(node.written(), Buffer.from(data))).toBe(0);
    expect(fake.stats.refusedWrites).toBe(1); // 182 refused -> 91 accepted from then on
    expect(Math.max(...fake.writeSizes)).toBe(91);
    // A later notification of the new MTU raises the chunk to it, not above.
    node.send(pattern(300));
    await waitFor('notifications at the new MTU', 3000, () => (host.rxBytes().length >= 482 ? true : undefined));
    const before = fake.writeSizes.length;
    host.emit('ble.tx', { path, data: Buffer.from(pattern(400)).toString('base64') });
    await waitFor('written', 3000, () => (node.written().length >= data.length + 400 ? true : undefined));
    expect(Math.max(...fake.writeSizes.slice(before))).toBe(97);
    expect(fake.stats.refusedWrites).toBe(1);
  });

  it('uses write-with-response where the characteristic has no write-without-response', async () => {
    const { node, host, path } = await setup({ writeWithoutResponse: false });
    host.emit('ble.tx', { path, data: Buffer.from(pattern(64)).toString('base64') });
    await waitFor('written', 3000, () => (node.written().length >= 64 ? true : undefined));
    expect(Buffer.compare(node.written(), Buffer.from(pattern(64)))).toBe(0);
  });

  it('tells the host the link closed, reconnects with backoff, and opens the same session again', async () => {
    const { node, fake, host, path } = await setup();
    node.send(pattern(182));
    await waitFor('notification', 3000, () => (host.rxBytes().length >= 182 ? true : undefined));
    const tDrop = Date.now();
    fake.drop();
    await waitFor('ble.closed', 3000, () => host.calls.find((c) => c.channel === 'ble.closed'));
    expect(host.calls.find((c) => c.channel === 'ble.closed')!.args.path).toBe(path);
    // Bytes for a link that is down are not queued for later.
    host.emit('ble.tx', { path, data: Buffer.from(pattern(50)).toString('base64') });
    await new Promise((r) => setTimeout(r, 1300)); // attempts at ~200, ~600 (+400), ~1400 (+800) ms
    expect(host.calls.filter((c) => c.channel === 'ble.open')).toHaveLength(1);
    fake.restore();
    await waitFor('ble.open again', 4000, () => (host.calls.filter((c) => c.channel === 'ble.open').length === 2 ? true : undefined));
    const reopened = host.calls.filter((c) => c.channel === 'ble.open')[1];
    expect(reopened.t - tDrop).toBeGreaterThan(1300);
    expect(fake.stats.connects).toBe(2);
    // Bytes flow again, starting from small chunks (the new connection's MTU is not known yet).
    const n0 = node.written().length;
    host.emit('ble.tx', { path, data: Buffer.from(pattern(60, 5)).toString('base64') });
    await waitFor('written after reconnect', 3000, () => (node.written().length >= n0 + 60 ? true : undefined));
    expect(Buffer.compare(node.written().subarray(n0), Buffer.from(pattern(60, 5)))).toBe(0);
    expect(fake.writeSizes.slice(-3)).toEqual([20, 20, 20]);
    node.send(pattern(200));
    await waitFor('notifications after reconnect', 3000, () => (host.rxBytes().length >= 382 ? true : undefined));
  });

  it('stops for good when the technician disconnects the node (node.removed), and a cancelled chooser is no error', async () => {
    const { fake, host, path } = await setup();
    host.emit('node.removed', { path });
    expect(fake.device.gatt.connected).toBe(false);
    fake.drop();
    fake.restore();
    await new Promise((r) => setTimeout(r, 500));
    expect(host.calls.filter((c) => c.channel === 'ble.open')).toHaveLength(1);
    expect(host.listeners.get('ble.tx')?.size ?? 0).toBe(0);
    fake.cancelNextRequest();
    expect(await connectBluetoothNode(host.api, fake.bluetooth as unknown as BleBluetooth)).toBeNull();
  });

  it('reports a device without the Nordic UART Service in plain words', async () => {
    const node = fakeNode();
    const fake = createFakeBluetooth({}, node.pipe);
    fakes.push(fake);
    const host = fakeHost();
    const gatt = fake.device.gatt as unknown as { getPrimaryService: (u: string) => Promise<unknown> };
    gatt.getPrimaryService = async () => {
      throw Object.assign(new Error('No Services matching UUID found in Device.'), { name: 'NotFoundError' });
    };
    const link = new NusLink(fake.device as unknown as BleDevice, host.api);
    await expect(link.open()).rejects.toThrow(/Could not open the Bluetooth link to .*No Services matching/);
    expect(link.status.state).toBe('closed');
  });
});

describe('NusLink and the host answering ble.open', () => {
  it('writes what main sends while it is still answering ble.open (its 0x00 and HELLO_REQ)', async () => {
    const node = fakeNode();
    const fake = createFakeBluetooth({}, node.pipe);
    fakes.push(fake);
    const host = fakeHost();
    const invoke = host.api.invoke.bind(host.api);
    (host.api as { invoke: unknown }).invoke = async (channel: string, args: Record<string, unknown>) => {
      if (channel === 'ble.open') {
        // The real host sends before it answers, and answers only once the node said HELLO.
        host.emit('ble.tx', { path: `ble:${args.deviceId}`, data: Buffer.from([0, 1, 2, 3]).toString('base64') });
        await waitFor('the bytes to reach the node', 2000, () => (node.written().length === 4 ? true : undefined));
      }
      return invoke(channel as never, args as never);
    };
    await connectBluetoothNode(host.api, fake.bluetooth as unknown as BleBluetooth);
    expect([...node.written()]).toEqual([0, 1, 2, 3]);
  });
});

describe('resumeBluetoothLinks (after a page reload)', () => {
  it('takes over the host\'s Bluetooth sessions from the devices granted before, and reconnects them', async () => {
    const { fake, host, path } = await setup();
    host.emit('node.removed', { path }); // the old page's link is gone (as after a reload)
    const host2 = fakeHost();
    const nodes = [
      { path, link: 'ble', status: 'reconnecting' },
      { path: 'ble:OtherDevice', link: 'ble', status: 'reconnecting' },
      { path: '/dev/pts/1', link: 'serial', status: 'online' },
    ] as unknown as Parameters<typeof resumeBluetoothLinks>[2];
    expect(await resumeBluetoothLinks(host2.api, fake.bluetooth as unknown as BleBluetooth, nodes)).toEqual([path]);
    await waitFor('ble.open from the new page', 3000, () => host2.calls.find((c) => c.channel === 'ble.open'));
    expect(fake.device.gatt.connected).toBe(true);
    // Taken over once only.
    expect(await resumeBluetoothLinks(host2.api, fake.bluetooth as unknown as BleBluetooth, nodes)).toEqual([]);
    host2.emit('node.removed', { path });
  });
});
