/**
 * A byte link to one node. The serial transport implements it today; the BLE bridge (issue 4) will
 * implement the same interface, so sessions never know which cable they are on.
 */
export interface Link {
  readonly path: string;
  write(bytes: Uint8Array): Promise<void>;
  close(): Promise<void>;
  onData(listener: (chunk: Uint8Array) => void): void;
  /** Called once when the link ends: `error` is set when it ended unexpectedly (cable pulled). */
  onClose(listener: (error?: Error) => void): void;
}
