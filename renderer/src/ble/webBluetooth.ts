/**
 * The few Web Bluetooth interfaces Vigil uses, typed by hand (the DOM lib has none, and the app adds
 * no @types package for them). Only what renderer/src/ble/nus.ts touches is declared, so a test
 * stand-in (test/helpers/fakeGatt.ts) implements exactly this much.
 */

export interface BleCharacteristicProperties {
  write: boolean;
  writeWithoutResponse: boolean;
  notify: boolean;
}

export interface BleCharacteristic extends EventTarget {
  readonly uuid: string;
  readonly properties: BleCharacteristicProperties;
  /** The last notified value (read in the 'characteristicvaluechanged' listener). */
  readonly value: DataView | null;
  startNotifications(): Promise<BleCharacteristic>;
  stopNotifications?(): Promise<BleCharacteristic>;
  writeValueWithoutResponse?(value: BufferSource): Promise<void>;
  writeValueWithResponse?(value: BufferSource): Promise<void>;
  /** Deprecated; used only when neither of the two above exists. */
  writeValue?(value: BufferSource): Promise<void>;
}

export interface BleService {
  readonly uuid: string;
  getCharacteristic(uuid: string): Promise<BleCharacteristic>;
}

export interface BleGattServer {
  readonly connected: boolean;
  connect(): Promise<BleGattServer>;
  disconnect(): void;
  getPrimaryService(uuid: string): Promise<BleService>;
}

export interface BleDevice extends EventTarget {
  readonly id: string;
  readonly name?: string | null;
  readonly gatt?: BleGattServer;
}

export interface BleRequestOptions {
  filters?: { services?: string[]; name?: string; namePrefix?: string }[];
  optionalServices?: string[];
  acceptAllDevices?: boolean;
}

export interface BleBluetooth {
  requestDevice(options: BleRequestOptions): Promise<BleDevice>;
  getAvailability?(): Promise<boolean>;
  /** Devices this origin was granted before (Electron; Chromium behind a flag). */
  getDevices?(): Promise<BleDevice[]>;
}

/** navigator.bluetooth where the browser has Web Bluetooth, else undefined. */
export function webBluetooth(): BleBluetooth | undefined {
  const nav = (globalThis as { navigator?: { bluetooth?: BleBluetooth } }).navigator;
  return nav?.bluetooth;
}
