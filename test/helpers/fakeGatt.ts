/**
 * FAKE Web Bluetooth: the thinnest stand-in for navigator.bluetooth, a BluetoothDevice, its GATT
 * server, the Nordic UART Service and its two characteristics (docs/protocol.md 4.2). There is no
 * Bluetooth controller on these machines, real or virtual, so BLE is tested at the GATT boundary:
 * the fake carries a REAL node's bytes (a TCP socket to QEMU's USART2, or a virtual node's BLE
 * pseudo-terminal) with BLE-like limits:
 *
 *  - an ATT MTU (default 185): a write longer than MTU - 3 is refused the way Chromium reports an
 *    ATT "invalid attribute length" (InvalidModificationError); notifications carry at most MTU - 3
 *    bytes, filled to that size whenever the node has sent that much (as a NUS bridge does);
 *  - a throughput cap each way (default 60 kB/s): a write's bytes reach the node when its air time
 *    at that rate is over, and notifications go out no faster; node bytes beyond the bridge's
 *    buffer are lost (counted). A write resolves when the controller's buffer takes it (room for
 *    two full writes not yet on air, as a stack queues writes without response): the app's next
 *    write is then ready in time, and the link, not the app's timers, sets the pace;
 *  - drop(): the link goes away ('gattserverdisconnected'; connect() fails until restore()).
 *
 * `createFakeBluetooth` is SELF-CONTAINED (no imports, no module-level names) so the very same code
 * runs in Node (unit and integration tests) and, turned into a string, inside the Chromium page
 * (installFakeBluetoothInPage: page.addInitScript + page.exposeBinding reach the node's bytes in
 * the test process).
 */
import type { Socket } from 'node:net';
import type { Page } from 'playwright-core';

export interface FakeGattOptions {
  /** ATT MTU; writes and notifications carry at most mtu - 3 bytes. */
  mtu?: number;
  /** Bytes per second each way. */
  bytesPerSecond?: number;
  deviceId?: string;
  name?: string;
  /** The RX characteristic offers write-without-response (true) or only write-with-response. */
  writeWithoutResponse?: boolean;
  /** Node bytes the bridge holds while the air is busy; more is lost. */
  bridgeBufferBytes?: number;
}

/** Where the node's bytes come from and go to (a Link, a socket wrapper, or the page binding). */
export interface NodePipe {
  write(bytes: Uint8Array): unknown;
  onData(listener: (bytes: Uint8Array) => void): void;
}

export interface FakeGattStats {
  writes: number;
  writtenBytes: number;
  largestWrite: number;
  refusedWrites: number;
  /** The most writes ever pending at once (the app must keep this at 1). */
  maxConcurrentWrites: number;
  notifications: number;
  notifiedBytes: number;
  largestNotification: number;
  /** Node bytes lost: the link was down, notifications were off, or the bridge buffer overflowed. */
  droppedNodeBytes: number;
  connects: number;
  drops: number;
}

export interface FakeBluetooth {
  /** Put where navigator.bluetooth would be. */
  bluetooth: { requestDevice(options: unknown): Promise<unknown>; getDevices(): Promise<unknown[]> };
  device: EventTarget & { id: string; name: string; gatt: { connected: boolean } };
  stats: FakeGattStats;
  /** Every chunk written to RX, in order (sizes only). */
  writeSizes: number[];
  drop(): void;
  restore(): void;
  setMtu(mtu: number): void;
  /** The next requestDevice() rejects as if the technician cancelled the chooser. */
  cancelNextRequest(): void;
  /** Stops the pacing timer (end of test). */
  dispose(): void;
}

export const FAKE_NUS = {
  service: '6e400001-b5a3-f393-e0a9-e50e24dcca9e',
  rx: '6e400002-b5a3-f393-e0a9-e50e24dcca9e',
  tx: '6e400003-b5a3-f393-e0a9-e50e24dcca9e',
};

export function createFakeBluetooth(options: FakeGattOptions, pipe: NodePipe): FakeBluetooth {
  const SERVICE = '6e400001-b5a3-f393-e0a9-e50e24dcca9e';
  const RX = '6e400002-b5a3-f393-e0a9-e50e24dcca9e';
  const TX = '6e400003-b5a3-f393-e0a9-e50e24dcca9e';
  let mtu = options.mtu ?? 185;
  const rate = options.bytesPerSecond ?? 60_000;
  const bridgeBuffer = options.bridgeBufferBytes ?? 16_384;
  const stats: FakeGattStats = {
    writes: 0,
    writtenBytes: 0,
    largestWrite: 0,
    refusedWrites: 0,
    maxConcurrentWrites: 0,
    notifications: 0,
    notifiedBytes: 0,
    largestNotification: 0,
    droppedNodeBytes: 0,
    connects: 0,
    drops: 0,
  };
  const writeSizes: number[] = [];
  const fail = (name: string, message: string) => Object.assign(new Error(message), { name });
  const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

  let connected = false;
  let dropped = false;
  let cancelNext = false;
  let notifying = false;
  let pendingWrites = 0;
  let writeFreeAt = 0;
  /** Bumped when the link goes: bytes still on air are lost. */
  let linkGeneration = 0;
  // App -> node: writes on air, in order, each with the time its last byte lands.
  const onAirQueue: { at: number; bytes: Uint8Array; generation: number }[] = [];
  let airTimer: ReturnType<typeof setTimeout> | null = null;
  function landWrites(): void {
    airTimer = null;
    const now = performance.now();
    while (onAirQueue.length > 0 && onAirQueue[0].at <= now + 0.5) {
      const w = onAirQueue.shift()!;
      if (w.generation === linkGeneration) void pipe.write(w.bytes);
    }
    if (onAirQueue.length > 0) airTimer = setTimeout(landWrites, Math.max(0, onAirQueue[0].at - now));
  }
  // Node -> app: bytes waiting in the bridge for air time.
  let queue: Uint8Array[] = [];
  let queued = 0;
  let budget = 0;
  let lastTick = Date.now();

  const device = new EventTarget() as FakeBluetooth['device'] & { gatt: Record<string, unknown> };
  const txChar = Object.assign(new EventTarget(), {
    uuid: TX,
    properties: { write: false, writeWithoutResponse: false, notify: true },
    value: null as DataView | null,
    async startNotifications() {
      if (!connected) throw fail('NetworkError', 'GATT Server is disconnected. Cannot perform GATT operations. (Re)connect first with `device.gatt.connect`.');
      notifying = true;
      return txChar;
    },
    async stopNotifications() {
      notifying = false;
      return txChar;
    },
  });

  async function write(value: BufferSource): Promise<void> {
    const bytes = ArrayBuffer.isView(value) ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength).slice() : new Uint8Array(value as ArrayBuffer).slice();
    pendingWrites++;
    stats.maxConcurrentWrites = Math.max(stats.maxConcurrentWrites, pendingWrites);
    try {
      if (!connected) throw fail('NetworkError', 'GATT Server is disconnected. Cannot perform GATT operations. (Re)connect first with `device.gatt.connect`.');
      if (bytes.length > 512) throw fail('InvalidModificationError', "Value can't exceed 512 bytes.");
      if (bytes.length > mtu - 3) {
        stats.refusedWrites++;
        await sleep(2);
        throw fail('InvalidModificationError', 'GATT Error: invalid attribute length.');
      }
      // Air time at the throughput cap, one write after the other; taken once the bytes not yet
      // on air, this write's included, fit the controller's buffer; at the node when its own air
      // time is over.
      const now = performance.now();
      writeFreeAt = Math.max(writeFreeAt, now) + (bytes.length * 1000) / rate;
      const takenAt = writeFreeAt - (2 * (mtu - 3) * 1000) / rate;
      if (takenAt > now) await sleep(takenAt - now);
      if (!connected) throw fail('NetworkError', 'GATT Server is disconnected.');
      stats.writes++;
      stats.writtenBytes += bytes.length;
      stats.largestWrite = Math.max(stats.largestWrite, bytes.length);
      writeSizes.push(bytes.length);
      onAirQueue.push({ at: writeFreeAt, bytes, generation: linkGeneration });
      airTimer ??= setTimeout(landWrites, Math.max(0, writeFreeAt - performance.now()));
    } finally {
      pendingWrites--;
    }
  }

  const rxChar = Object.assign(new EventTarget(), {
    uuid: RX,
    properties: { write: true, writeWithoutResponse: options.writeWithoutResponse ?? true, notify: false },
    value: null as DataView | null,
    async startNotifications(): Promise<never> {
      throw fail('NotSupportedError', 'GATT operation not permitted.');
    },
    writeValueWithResponse: write,
    writeValueWithoutResponse: (v: BufferSource) => {
      if (!(options.writeWithoutResponse ?? true)) return Promise.reject(fail('NotSupportedError', 'GATT operation not permitted.'));
      return write(v);
    },
  });

  const service = {
    uuid: SERVICE,
    async getCharacteristic(uuid: string) {
      if (!connected) throw fail('NetworkError', 'GATT Server is disconnected.');
      if (uuid === RX) return rxChar;
      if (uuid === TX) return txChar;
      throw fail('NotFoundError', `No Characteristics matching UUID ${uuid} found in Service.`);
    },
  };

  const gatt = {
    get connected() {
      return connected;
    },
    device,
    async connect() {
      await sleep(20);
      if (dropped) throw fail('NetworkError', 'Connection failed for unknown reason.');
      if (!connected) stats.connects++;
      connected = true;
      return gatt;
    },
    disconnect() {
      if (!connected) return;
      lose();
    },
    async getPrimaryService(uuid: string) {
      if (!connected) throw fail('NetworkError', 'GATT Server is disconnected.');
      if (uuid !== SERVICE) throw fail('NotFoundError', `No Services matching UUID ${uuid} found in Device.`);
      return service;
    },
  };
  Object.assign(device, { id: options.deviceId ?? 'RmFrZUdhdHROb2RlMQ==', name: options.name ?? 'Vigil node (fake GATT)', gatt });

  function lose(): void {
    connected = false;
    linkGeneration++;
    notifying = false;
    stats.droppedNodeBytes += queued;
    queue = [];
    queued = 0;
    device.dispatchEvent(new Event('gattserverdisconnected'));
  }

  pipe.onData((bytes) => {
    if (!connected || !notifying) {
      stats.droppedNodeBytes += bytes.length;
      return;
    }
    const room = bridgeBuffer - queued;
    if (bytes.length > room) {
      stats.droppedNodeBytes += bytes.length - Math.max(0, room);
      bytes = bytes.subarray(0, Math.max(0, room));
    }
    if (bytes.length === 0) return;
    queue.push(bytes);
    queued += bytes.length;
  });

  function take(n: number): Uint8Array {
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const head = queue[0];
      const k = Math.min(head.length, n - filled);
      out.set(head.subarray(0, k), filled);
      filled += k;
      if (k === head.length) queue.shift();
      else queue[0] = head.subarray(k);
    }
    queued -= n;
    return out;
  }

  // Notifications at the throughput cap: every 5 ms, as many MTU-sized ones as the budget allows.
  const timer = setInterval(() => {
    const now = Date.now();
    budget = Math.min(budget + ((now - lastTick) * rate) / 1000, Math.max(mtu, rate / 20));
    lastTick = now;
    while (connected && notifying && queued > 0) {
      const n = Math.min(mtu - 3, queued);
      if (budget < n) break;
      budget -= n;
      const bytes = take(n);
      stats.notifications++;
      stats.notifiedBytes += n;
      stats.largestNotification = Math.max(stats.largestNotification, n);
      txChar.value = new DataView(bytes.buffer);
      txChar.dispatchEvent(new Event('characteristicvaluechanged'));
    }
  }, 5);
  (timer as { unref?: () => void }).unref?.();

  const bluetooth = {
    async requestDevice(opts: unknown) {
      const filters = (opts as { filters?: { services?: string[] }[] } | undefined)?.filters ?? [];
      if (!filters.some((f) => (f.services ?? []).includes(SERVICE))) throw fail('NotFoundError', 'No device offers the requested services.');
      if (cancelNext) {
        cancelNext = false;
        throw fail('NotFoundError', 'User cancelled the requestDevice() chooser.');
      }
      return device;
    },
    async getAvailability() {
      return true;
    },
    /** The device once granted (requestDevice succeeded before, in this page or an earlier load). */
    async getDevices() {
      return [device];
    },
  };

  return {
    bluetooth,
    device,
    stats,
    writeSizes,
    drop() {
      dropped = true;
      stats.drops++;
      if (connected) lose();
    },
    restore() {
      dropped = false;
    },
    setMtu(m: number) {
      mtu = m;
    },
    cancelNextRequest() {
      cancelNext = true;
    },
    dispose() {
      clearInterval(timer);
      if (airTimer !== null) clearTimeout(airTimer);
    },
  };
}

/** A TCP socket (QEMU's USART2 `-serial tcp:...`) as a NodePipe. */
export function socketPipe(socket: Socket): NodePipe {
  return {
    write: (bytes) => new Promise<void>((resolve) => socket.write(bytes, () => resolve())),
    onData: (l) => socket.on('data', (d: Buffer) => l(new Uint8Array(d.buffer, d.byteOffset, d.byteLength))),
  };
}

/** The fake as seen from the test process when it runs inside a Chromium page. */
export interface FakeBluetoothInPage {
  drop(): Promise<void>;
  restore(): Promise<void>;
  stats(): Promise<FakeGattStats>;
  cancelNextRequest(): Promise<void>;
}

/**
 * Installs the fake as `navigator.bluetooth` in every document the page loads, carrying `pipe`'s
 * bytes: page -> node through an exposed binding, node -> page by page.evaluate (in order, batched).
 * Call before page.goto.
 */
export async function installFakeBluetoothInPage(page: Page, options: FakeGattOptions, pipe: NodePipe): Promise<FakeBluetoothInPage> {
  await page.exposeBinding('__vigilFakeGattToNode', async (_source, b64: string) => {
    await pipe.write(new Uint8Array(Buffer.from(b64, 'base64')));
  });
  const inPage = (opts: FakeGattOptions) => {
    const w = window as unknown as Record<string, unknown>;
    const listeners: ((b: Uint8Array) => void)[] = [];
    const toB64 = (b: Uint8Array) => {
      let s = '';
      for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
      return btoa(s);
    };
    w.__vigilFakeGattFeed = (b64: string) => {
      const s = atob(b64);
      const bytes = new Uint8Array(s.length);
      for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
      for (const l of listeners) l(bytes);
    };
    const pagePipe = {
      write: (b: Uint8Array) => (w.__vigilFakeGattToNode as (s: string) => Promise<void>)(toB64(b)),
      onData: (l: (b: Uint8Array) => void) => listeners.push(l),
    };
    const create = w.__vigilCreateFakeBluetooth as typeof createFakeBluetooth;
    const fake = create(opts, pagePipe);
    w.__vigilFakeGatt = fake;
    Object.defineProperty(navigator, 'bluetooth', { value: fake.bluetooth, configurable: true });
  };
  // The compiler may wrap named functions in a `__name` helper; give the page a no-op one.
  const content =
    'var __name = globalThis.__name || ((f) => f);\n' +
    `window.__vigilCreateFakeBluetooth = (${createFakeBluetooth.toString()});\n` +
    `(${inPage.toString()})(${JSON.stringify(options)});`;
  await page.addInitScript({ content });

  // Node -> page, in order, batched per 10 ms.
  let pending: Buffer[] = [];
  let chain: Promise<unknown> = Promise.resolve();
  let timer: ReturnType<typeof setTimeout> | null = null;
  const flush = () => {
    timer = null;
    if (pending.length === 0) return;
    const b64 = Buffer.concat(pending).toString('base64');
    pending = [];
    chain = chain.then(() => page.evaluate((s) => (window as unknown as { __vigilFakeGattFeed?: (x: string) => void }).__vigilFakeGattFeed?.(s), b64)).catch(() => {});
  };
  pipe.onData((bytes) => {
    pending.push(Buffer.from(bytes));
    timer ??= setTimeout(flush, 10);
  });
  const call = <T>(what: 'drop' | 'restore' | 'stats' | 'cancelNextRequest') =>
    page.evaluate((m) => {
      const f = (window as unknown as { __vigilFakeGatt: Record<string, unknown> }).__vigilFakeGatt;
      return m === 'stats' ? JSON.parse(JSON.stringify(f.stats)) : (f[m] as () => void)();
    }, what) as Promise<T>;
  return {
    drop: () => call<void>('drop'),
    restore: () => call<void>('restore'),
    stats: () => call<FakeGattStats>('stats'),
    cancelNextRequest: () => call<void>('cancelNextRequest'),
  };
}
