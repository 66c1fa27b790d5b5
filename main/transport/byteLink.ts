/**
 * A byte link to one node. The serial transport (serial.ts) and the Bluetooth LE relay (relay.ts)
 * implement it, so sessions never know which cable they are on.
 */
export interface ByteLink {
  readonly path: string;
  write(bytes: Uint8Array): Promise<void>;
  close(): Promise<void>;
  onData(listener: (chunk: Uint8Array) => void): void;
  /** Called once when the link ends: `error` is set when it ended unexpectedly (cable pulled). */
  onClose(listener: (error?: Error) => void): void;
}
