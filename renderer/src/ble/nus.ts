/**
 * A Bluetooth LE node's link, carried by the renderer (docs/protocol.md 4.2): Web Bluetooth reaches
 * the node's Nordic UART Service, and this module relays its bytes to main/, which runs the session
 * exactly as for a serial port (path `ble:<device id>`).
 *
 *  - notifications of the TX characteristic -> 'ble.rx' (base64): the first after a quiet spell at
 *    once (a reply the session waits for costs no batching delay), then batched, at most one
 *    request per RX_BATCH_MS and 8192 bytes a request, one request in flight at a time (in order);
 *  - 'ble.tx' events for this path -> writes to the RX characteristic in chunks: 20 bytes at first,
 *    raised to the largest notification received (the bridge fills notifications to the negotiated
 *    MTU) up to 244, halved (not below 20) when a write is refused as too long, one write at a time,
 *    in order; writeValueWithoutResponse where the characteristic has it, else writeValueWithResponse;
 *  - 'gattserverdisconnected' -> 'ble.closed', then the GATT connection is retried after 200, 400,
 *    800 ms and then every 2 s; each success is announced with 'ble.open' again (main resumes the
 *    same session). The technician's Disconnect (the session removed: 'node.removed') stops it.
 *
 * Pure browser code: only the Web Bluetooth interfaces of ./webBluetooth.ts.
 */
import { blePath, type NodeInfo, type VigilApi } from '../../../models/api/contract';
import { base64ToBytes, bytesToBase64 } from './base64';
import type { BleBluetooth, BleCharacteristic, BleDevice } from './webBluetooth';

export const NUS_SERVICE = '6e400001-b5a3-f393-e0a9-e50e24dcca9e';
/** The app writes here; the node receives. */
export const NUS_RX = '6e400002-b5a3-f393-e0a9-e50e24dcca9e';
/** The node notifies here; the app receives. */
export const NUS_TX = '6e400003-b5a3-f393-e0a9-e50e24dcca9e';

export const MIN_CHUNK = 20;
export const MAX_CHUNK = 244;
export const MAX_RX_BATCH = 8192;
/** At most one 'ble.rx' request this often (more only when a batch is full). */
export const RX_BATCH_MS = 5;
export const RECONNECT_DELAYS_MS = [200, 400, 800, 2000] as const;
/** A chunk refused this many times at the smallest size is given up (main's request retries cover it). */
const MAX_SMALL_FAILURES = 3;

export type BleRelayApi = Pick<VigilApi, 'invoke' | 'on'>;

export type NusState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface NusStatus {
  state: NusState;
  /** Reconnect attempts since the link was lost. */
  attempts: number;
  /** The write chunk in use (bytes). */
  chunk: number;
  /** Plain words about the last failure, when there was one. */
  problem?: string;
}

export interface NusCounters {
  notifications: number;
  rxBytes: number;
  writes: number;
  txBytes: number;
  /** Writes refused as too long (the chunk was halved). */
  refusals: number;
  /** Bytes main sent that could not be written (the link was down, or a write kept failing). */
  droppedTxBytes: number;
  reconnects: number;
}

export interface Timers {
  setTimeout(cb: () => void, ms: number): unknown;
  clearTimeout(h: unknown): void;
}

const realTimers: Timers = {
  setTimeout: (cb, ms) => setTimeout(cb, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

function errorName(e: unknown): string {
  return typeof (e as { name?: unknown })?.name === 'string' ? (e as { name: string }).name : '';
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class NusLink {
  readonly path: string;
  readonly counters: NusCounters = { notifications: 0, rxBytes: 0, writes: 0, txBytes: 0, refusals: 0, droppedTxBytes: 0, reconnects: 0 };
  private st: NusStatus = { state: 'connecting', attempts: 0, chunk: MIN_CHUNK };
  private readonly listeners = new Set<(s: NusStatus) => void>();
  private readonly timers: Timers;
  private rxChar: BleCharacteristic | null = null;
  private txChar: BleCharacteristic | null = null;
  // Write chunking (docs/protocol.md 4.2).
  private chunk = MIN_CHUNK;
  private limit = MAX_CHUNK;
  // Received bytes waiting for the next 'ble.rx'.
  private rxPending: Uint8Array[] = [];
  private rxPendingBytes = 0;
  private rxTimer: unknown = null;
  private rxChain: Promise<unknown> = Promise.resolve();
  private rxInFlight = false;
  // Bytes for the node, in order.
  private txQueue: Uint8Array[] = [];
  private txHeadOffset = 0;
  private writing = false;
  /** Bumped when the queue is dropped: a write that resolves after it consumes nothing. */
  private txGeneration = 0;
  private reconnectTimer: unknown = null;
  private attemptRunning = false;
  private stopped = false;
  private readonly offs: (() => void)[] = [];

  constructor(
    readonly device: BleDevice,
    private readonly api: BleRelayApi,
    opts: { timers?: Timers } = {},
  ) {
    this.path = blePath(device.id);
    this.timers = opts.timers ?? realTimers;
  }

  get status(): NusStatus {
    return this.st;
  }

  /** The write chunk in use. */
  get chunkSize(): number {
    return this.chunk;
  }

  onStatus(listener: (s: NusStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Takes over a link whose GATT connection is not up (the page was reloaded while main kept the
   * session): reconnects with the usual backoff, then announces it with 'ble.open'.
   */
  resume(): void {
    this.subscribe();
    this.setStatus({ state: 'reconnecting', attempts: 0, problem: 'The page was reloaded' });
    this.scheduleReconnect();
  }

  private subscribe(): void {
    if (this.offs.length > 0) return;
    this.offs.push(
      this.api.on('ble.tx', (m) => {
        if (m.path === this.path) this.enqueue(base64ToBytes(m.data));
      }),
      // The technician disconnected the node: its session is gone, and so is this link.
      this.api.on('node.removed', (m) => {
        if (m.path === this.path) this.close();
      }),
    );
    this.device.addEventListener('gattserverdisconnected', this.onDisconnected);
  }

  /** Connects the GATT server and announces the link to main ('ble.open'). */
  async open(): Promise<NodeInfo> {
    this.subscribe();
    try {
      await this.connectGatt();
      // Open before 'ble.open' resolves: main sends its 0x00 and HELLO_REQ while answering it.
      this.setStatus({ state: 'open', attempts: 0, problem: undefined });
      return await this.api.invoke('ble.open', { deviceId: this.device.id });
    } catch (e) {
      this.close();
      throw new Error(`Could not open the Bluetooth link to ${this.device.name || this.device.id}: ${errorText(e)}`);
    }
  }

  /** Stops for good: no more reconnects, the GATT connection is closed. */
  close(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.device.removeEventListener('gattserverdisconnected', this.onDisconnected);
    this.detachCharacteristics();
    if (this.reconnectTimer !== null) this.timers.clearTimeout(this.reconnectTimer);
    if (this.rxTimer !== null) this.timers.clearTimeout(this.rxTimer);
    this.reconnectTimer = this.rxTimer = null;
    this.dropTx();
    for (const off of this.offs.splice(0)) off();
    try {
      if (this.device.gatt?.connected) this.device.gatt.disconnect();
    } catch {
      // Already gone.
    }
    this.setStatus({ state: 'closed' });
  }

  private setStatus(p: Partial<NusStatus>): void {
    this.st = { ...this.st, ...p, chunk: this.chunk };
    for (const l of this.listeners) l(this.st);
  }

  private async connectGatt(): Promise<void> {
    const gatt = this.device.gatt;
    if (!gatt) throw new Error('the device has no GATT server');
    const server = await gatt.connect();
    const service = await server.getPrimaryService(NUS_SERVICE);
    const rx = await service.getCharacteristic(NUS_RX);
    const tx = await service.getCharacteristic(NUS_TX);
    if (this.stopped) throw new Error('closed');
    // A new connection may have negotiated another MTU: start small again.
    this.chunk = MIN_CHUNK;
    this.limit = MAX_CHUNK;
    this.detachCharacteristics();
    tx.addEventListener('characteristicvaluechanged', this.onNotify);
    this.rxChar = rx;
    this.txChar = tx;
    await tx.startNotifications();
  }

  private detachCharacteristics(): void {
    this.txChar?.removeEventListener('characteristicvaluechanged', this.onNotify);
    this.txChar = null;
    this.rxChar = null;
  }

  // --- node -> main ---------------------------------------------------------------------------

  private readonly onNotify = (ev: Event): void => {
    const v = (ev.target as BleCharacteristic | null)?.value ?? this.txChar?.value;
    if (!v || v.byteLength === 0 || this.stopped) return;
    const bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength).slice();
    this.counters.notifications++;
    this.counters.rxBytes += bytes.length;
    // The bridge fills notifications to the negotiated MTU: writes that long get through too.
    if (bytes.length > this.chunk && this.chunk < this.limit) {
      this.chunk = Math.min(bytes.length, this.limit, MAX_CHUNK);
    }
    this.rxPending.push(bytes);
    this.rxPendingBytes += bytes.length;
    // rxTimer runs for RX_BATCH_MS after every request: without it the link was quiet.
    if (this.rxPendingBytes >= MAX_RX_BATCH || this.rxTimer === null) this.flushRx();
  };

  /** Sends what was received, at most MAX_RX_BATCH bytes a request, one request at a time. */
  private flushRx(): void {
    if (this.rxTimer !== null) {
      this.timers.clearTimeout(this.rxTimer);
      this.rxTimer = null;
    }
    if (this.rxInFlight || this.rxPendingBytes === 0) return;
    const n = Math.min(MAX_RX_BATCH, this.rxPendingBytes);
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const head = this.rxPending[0];
      const take = Math.min(head.length, n - filled);
      out.set(head.subarray(0, take), filled);
      filled += take;
      if (take === head.length) this.rxPending.shift();
      else this.rxPending[0] = head.subarray(take);
    }
    this.rxPendingBytes -= n;
    this.rxInFlight = true;
    this.rxTimer = this.timers.setTimeout(() => {
      this.rxTimer = null;
      this.flushRx();
    }, RX_BATCH_MS);
    this.rxChain = this.api
      .invoke('ble.rx', { path: this.path, data: bytesToBase64(out) })
      .catch((e) => console.warn(`Vigil: ${n} bytes from ${this.path} did not reach the host: ${errorText(e)}`))
      .finally(() => {
        this.rxInFlight = false;
        if (this.rxPendingBytes >= MAX_RX_BATCH || this.rxTimer === null) this.flushRx();
      });
  }

  /** Sends every byte received so far (before telling main the link closed). */
  private async drainRx(): Promise<void> {
    for (let i = 0; i < 1000 && (this.rxInFlight || this.rxPendingBytes > 0); i++) {
      if (!this.rxInFlight) this.flushRx();
      await this.rxChain;
    }
  }

  // --- main -> node ---------------------------------------------------------------------------

  private enqueue(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    if (this.stopped || this.st.state !== 'open' || !this.rxChar) {
      this.counters.droppedTxBytes += bytes.length;
      return;
    }
    this.txQueue.push(bytes);
    void this.pump();
  }

  private queuedBytes(): number {
    let n = -this.txHeadOffset;
    for (const b of this.txQueue) n += b.length;
    return n;
  }

  /** The next `n` queued bytes (without consuming them). */
  private peek(n: number): Uint8Array {
    const head = this.txQueue[0];
    if (head.length - this.txHeadOffset >= n) return head.subarray(this.txHeadOffset, this.txHeadOffset + n);
    const out = new Uint8Array(n);
    let filled = 0;
    let off = this.txHeadOffset;
    for (const b of this.txQueue) {
      const take = Math.min(b.length - off, n - filled);
      out.set(b.subarray(off, off + take), filled);
      filled += take;
      off = 0;
      if (filled === n) break;
    }
    return out;
  }

  private consume(n: number): void {
    while (n > 0) {
      const left = this.txQueue[0].length - this.txHeadOffset;
      if (n < left) {
        this.txHeadOffset += n;
        return;
      }
      n -= left;
      this.txQueue.shift();
      this.txHeadOffset = 0;
    }
  }

  private dropTx(): void {
    this.counters.droppedTxBytes += this.queuedBytes();
    this.txGeneration++;
    this.txQueue = [];
    this.txHeadOffset = 0;
  }

  private async write(c: BleCharacteristic, bytes: Uint8Array): Promise<void> {
    // A copy: the characteristic may keep the buffer, and a subarray would send its whole buffer.
    const value = bytes.slice();
    if (c.properties.writeWithoutResponse && c.writeValueWithoutResponse) return c.writeValueWithoutResponse(value);
    if (c.writeValueWithResponse) return c.writeValueWithResponse(value);
    if (c.writeValue) return c.writeValue(value);
    throw new Error('the RX characteristic cannot be written');
  }

  /** One write at a time, in order. */
  private async pump(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    let smallFailures = 0;
    try {
      while (this.txQueue.length > 0 && !this.stopped) {
        const c = this.rxChar;
        if (!c || this.st.state !== 'open') {
          this.dropTx();
          break;
        }
        const n = Math.min(this.chunk, this.queuedBytes());
        const bytes = this.peek(n);
        const generation = this.txGeneration;
        try {
          await this.write(c, bytes);
        } catch (e) {
          if (this.stopped || this.rxChar !== c || !this.device.gatt?.connected || errorName(e) === 'NetworkError') {
            // The link went away; what was queued for it is lost (main starts again with a HELLO_REQ).
            this.dropTx();
            break;
          }
          if (n > MIN_CHUNK) {
            // Refused as too long: halve and send the same bytes again.
            this.counters.refusals++;
            this.limit = n - 1;
            this.chunk = Math.max(MIN_CHUNK, Math.floor(n / 2));
            this.setStatus({});
            continue;
          }
          if (++smallFailures >= MAX_SMALL_FAILURES) {
            this.counters.droppedTxBytes += n;
            this.consume(n);
            smallFailures = 0;
            console.warn(`Vigil: a write to ${this.path} failed ${MAX_SMALL_FAILURES} times (${errorText(e)}); ${n} bytes dropped`);
          }
          continue;
        }
        smallFailures = 0;
        // The link went while the write was on its way (its queue was dropped): the bytes now
        // queued are for the next link.
        if (generation !== this.txGeneration) continue;
        this.consume(n);
        this.counters.writes++;
        this.counters.txBytes += n;
      }
    } finally {
      this.writing = false;
    }
  }

  // --- link lost, and back ----------------------------------------------------------------------

  private readonly onDisconnected = (): void => {
    if (this.stopped || this.attemptRunning || this.st.state === 'reconnecting') return;
    this.detachCharacteristics();
    this.dropTx();
    this.setStatus({ state: 'reconnecting', attempts: 0, problem: 'The Bluetooth link was lost' });
    void this.drainRx()
      .then(() => this.api.invoke('ble.closed', { path: this.path, reason: 'The Bluetooth LE connection was lost' }))
      .catch((e) => console.warn(`Vigil: could not tell the host that ${this.path} closed: ${errorText(e)}`));
    this.scheduleReconnect();
  };

  private scheduleReconnect(): void {
    if (this.stopped || this.reconnectTimer !== null) return;
    const delay = RECONNECT_DELAYS_MS[Math.min(this.st.attempts, RECONNECT_DELAYS_MS.length - 1)];
    this.reconnectTimer = this.timers.setTimeout(() => {
      this.reconnectTimer = null;
      void this.attempt();
    }, delay);
  }

  private async attempt(): Promise<void> {
    if (this.stopped) return;
    this.attemptRunning = true;
    this.setStatus({ attempts: this.st.attempts + 1 });
    try {
      await this.connectGatt();
      await this.rxChain;
      if (this.stopped) return;
      // Open before 'ble.open' resolves: main sends its 0x00 and HELLO_REQ while answering it.
      this.setStatus({ state: 'open' });
      await this.api.invoke('ble.open', { deviceId: this.device.id });
      this.counters.reconnects++;
      this.setStatus({ state: 'open', attempts: 0, problem: undefined });
    } catch (e) {
      if (this.stopped) return;
      this.detachCharacteristics();
      this.dropTx();
      this.setStatus({ state: 'reconnecting', problem: errorText(e) });
      try {
        if (this.device.gatt?.connected) this.device.gatt.disconnect();
      } catch {
        // Nothing to close.
      }
      this.scheduleReconnect();
    } finally {
      this.attemptRunning = false;
    }
    // Lost again while the attempt ran (the event was ignored then).
    if (!this.stopped && this.st.state === 'open' && !this.device.gatt?.connected) this.onDisconnected();
  }
}

/** The renderer's open Bluetooth links, by session path. */
const links = new Map<string, NusLink>();

export function bleLinkOf(path: string): NusLink | undefined {
  return links.get(path);
}

/** Cancelling the browser's (or the app's) device chooser: not an error. */
function isCancel(e: unknown): boolean {
  return errorName(e) === 'NotFoundError' || /cancel/i.test(errorText(e));
}

/**
 * The technician's "Connect Bluetooth node": the device chooser (services filter: NUS), then the
 * link. Resolves with the node, or null when the technician cancelled the chooser.
 */
export async function connectBluetoothNode(api: BleRelayApi, bluetooth: BleBluetooth, opts: { timers?: Timers } = {}): Promise<NodeInfo | null> {
  let device: BleDevice;
  try {
    device = await bluetooth.requestDevice({ filters: [{ services: [NUS_SERVICE] }] });
  } catch (e) {
    if (isCancel(e)) return null;
    throw new Error(`No Bluetooth device could be chosen: ${errorText(e)}`);
  }
  const path = blePath(device.id);
  links.get(path)?.close();
  const link = new NusLink(device, api, opts);
  links.set(path, link);
  link.onStatus((s) => {
    if (s.state === 'closed' && links.get(path) === link) links.delete(path);
  });
  return link.open();
}

/**
 * After a page reload the host still has the Bluetooth sessions (reconnecting), but nobody carries
 * their bytes: take each one over again from the devices this page was granted before, when the
 * browser can list them (getDevices). Returns the paths taken over.
 */
export async function resumeBluetoothLinks(api: BleRelayApi, bluetooth: BleBluetooth, nodes: readonly NodeInfo[], opts: { timers?: Timers } = {}): Promise<string[]> {
  const wanted = nodes.filter((n) => n.link === 'ble' && n.status !== 'offline' && !links.has(n.path));
  if (wanted.length === 0 || !bluetooth.getDevices) return [];
  let devices: BleDevice[];
  try {
    devices = await bluetooth.getDevices();
  } catch {
    return [];
  }
  const taken: string[] = [];
  for (const n of wanted) {
    const device = devices.find((d) => blePath(d.id) === n.path);
    if (!device || links.has(n.path)) continue;
    const link = new NusLink(device, api, opts);
    links.set(n.path, link);
    link.onStatus((s) => {
      if (s.state === 'closed' && links.get(n.path) === link) links.delete(n.path);
    });
    link.resume();
    taken.push(n.path);
  }
  return taken;
}
