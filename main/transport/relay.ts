/**
 * The Bluetooth LE link as main/ sees it: the renderer owns the GATT connection (Web Bluetooth,
 * Nordic UART Service, docs/protocol.md 4.2) and relays bytes. What the session writes leaves as
 * a 'ble.tx' event (base64) for the renderer to write to the RX characteristic; what the renderer
 * receives from the TX characteristic comes back through 'ble.rx' and is pushed here. 'ble.closed'
 * ends the link with an error (the connection dropped), which the session treats as a lost link.
 */
import type { ByteLink } from './byteLink';

export class RelayLink implements ByteLink {
  private dataListeners: ((chunk: Uint8Array) => void)[] = [];
  private closeListeners: ((error?: Error) => void)[] = [];
  private ended = false;

  constructor(
    readonly path: string,
    private readonly send: (path: string, base64: string) => void,
  ) {}

  get closed(): boolean {
    return this.ended;
  }

  write(bytes: Uint8Array): Promise<void> {
    if (this.ended) return Promise.reject(new Error(`The Bluetooth LE link ${this.path} is closed`));
    this.send(this.path, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'));
    return Promise.resolve();
  }

  /** Bytes the renderer received from the node (the 'ble.rx' request). */
  receive(bytes: Uint8Array): void {
    if (this.ended) return;
    for (const l of this.dataListeners) l(bytes);
  }

  /** The renderer says the GATT connection dropped. */
  lost(reason?: string): void {
    this.end(new Error(reason ? `Bluetooth LE connection lost: ${reason}` : 'Bluetooth LE connection lost'));
  }

  close(): Promise<void> {
    this.end();
    return Promise.resolve();
  }

  onData(listener: (chunk: Uint8Array) => void): void {
    this.dataListeners.push(listener);
  }

  onClose(listener: (error?: Error) => void): void {
    this.closeListeners.push(listener);
  }

  private end(error?: Error): void {
    if (this.ended) return;
    this.ended = true;
    for (const l of this.closeListeners) l(error);
  }
}
