/**
 * The app's Bluetooth device picker (Electron). Electron shows no chooser of its own for
 * navigator.bluetooth.requestDevice(): it emits 'select-bluetooth-device' on the webContents,
 * again and again as the scan finds more devices, and waits for the callback. This class turns
 * that into the API events: 'ble.devices' {requestId, devices} to the renderer (its dialog lists
 * them, with Cancel), answered by the 'ble.select' request {requestId, deviceId | null}.
 * Free of the `electron` import so it can be tested without the binary.
 */
import { ApiError, type BleDeviceChoice } from '../../models/api/contract';

/** The parts of Electron's BluetoothDevice the picker reads. */
export interface ElectronBleDevice {
  deviceId: string;
  deviceName: string;
}

/** Electron's callback: a device id selects it, '' cancels the requestDevice() call. */
export type SelectCallback = (deviceId: string) => void;

export interface BlePickerOptions {
  /** Sends 'ble.devices' to the renderer. */
  send(payload: { requestId: string; devices: BleDeviceChoice[] }): void;
  /** The picker gives up (cancels) when nobody chose within this long (ms). */
  timeoutMs?: number;
  setTimeout?: (cb: () => void, ms: number) => unknown;
  clearTimeout?: (h: unknown) => void;
  newId?: () => string;
}

interface Pending {
  requestId: string;
  callback: SelectCallback;
  devices: BleDeviceChoice[];
  timer: unknown;
}

export const PICKER_TIMEOUT_MS = 60_000;

let counter = 0;

export class BlePicker {
  private pending: Pending | null = null;
  private readonly timeoutMs: number;
  private readonly st: (cb: () => void, ms: number) => unknown;
  private readonly ct: (h: unknown) => void;
  private readonly newId: () => string;

  constructor(private readonly o: BlePickerOptions) {
    this.timeoutMs = o.timeoutMs ?? PICKER_TIMEOUT_MS;
    this.st = o.setTimeout ?? ((cb, ms) => setTimeout(cb, ms));
    this.ct = o.clearTimeout ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>));
    this.newId = o.newId ?? (() => `ble-${Date.now().toString(36)}-${++counter}`);
  }

  /** The request being answered, if any (tests and diagnostics). */
  get current(): { requestId: string; devices: BleDeviceChoice[] } | null {
    return this.pending ? { requestId: this.pending.requestId, devices: this.pending.devices } : null;
  }

  /**
   * 'select-bluetooth-device' fired (the caller has called event.preventDefault()). A repeat while
   * a request is open is the same request with a longer list: keep its id, keep the newest callback.
   */
  offer(devices: readonly ElectronBleDevice[], callback: SelectCallback): void {
    const list: BleDeviceChoice[] = [];
    const seen = new Set<string>();
    for (const d of devices) {
      if (!d || typeof d.deviceId !== 'string' || d.deviceId === '' || seen.has(d.deviceId)) continue;
      seen.add(d.deviceId);
      list.push({ deviceId: d.deviceId, name: typeof d.deviceName === 'string' && d.deviceName.trim() ? d.deviceName.trim() : 'Unnamed device' });
    }
    if (this.pending) {
      this.pending.callback = callback;
      this.pending.devices = list;
    } else {
      const requestId = this.newId();
      this.pending = { requestId, callback, devices: list, timer: this.st(() => this.finish(requestId, null), this.timeoutMs) };
    }
    this.o.send({ requestId: this.pending.requestId, devices: list });
  }

  /**
   * The technician's answer ('ble.select', already validated). A device the scan did not offer is
   * refused; an answer to an old request is ignored.
   */
  select(requestId: string, deviceId: string | null): { ok: true } {
    const p = this.pending;
    if (!p || p.requestId !== requestId) throw new ApiError('not-found', 'This Bluetooth device list is no longer open: press "Connect Bluetooth node" again.');
    if (deviceId !== null && !p.devices.some((d) => d.deviceId === deviceId)) throw new ApiError('not-found', 'That device was not in the list the scan found.');
    this.finish(requestId, deviceId);
    return { ok: true };
  }

  /** The window closed, or the app quits: cancel what is open. */
  cancelAll(): void {
    if (this.pending) this.finish(this.pending.requestId, null);
  }

  private finish(requestId: string, deviceId: string | null): void {
    const p = this.pending;
    if (!p || p.requestId !== requestId) return;
    this.pending = null;
    this.ct(p.timer);
    // requestDevice() settles in the renderer (resolved, or NotFoundError on '' ): its dialog closes then.
    p.callback(deviceId ?? '');
  }
}
