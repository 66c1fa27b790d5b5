/**
 * Serial transport on the `serialport` package: USB-CDC nodes, the virtual node's pseudo-terminal,
 * and the QEMU node through a socat pty bridge all look the same from here.
 */
import { SerialPort } from 'serialport';
import { ApiError } from '../../models/api/contract';
import type { ByteLink } from './byteLink';

/** The node's UART rate. Pseudo-terminals and USB-CDC ignore it; a real UART bridge uses it. */
export const NODE_BAUD_RATE = 921600;

export interface SerialPortListing {
  path: string;
  manufacturer?: string;
  serialNumber?: string;
  vendorId?: string;
  productId?: string;
}

export async function listSerialPorts(): Promise<SerialPortListing[]> {
  try {
    const ports = await SerialPort.list();
    return ports.map((p) => ({
      path: p.path,
      manufacturer: p.manufacturer,
      serialNumber: p.serialNumber,
      vendorId: p.vendorId,
      productId: p.productId,
    }));
  } catch (e) {
    // SerialPort.list() needs udevadm on Linux; say so instead of failing the whole page.
    throw new ApiError('port-failed', `Could not list serial ports (${(e as Error).message}). Is the udev package installed?`);
  }
}

export async function openSerialLink(path: string): Promise<ByteLink> {
  return new SerialLink(path, await openPort(path));
}

/** Opens a port as nodes are spoken to (exclusive, the node's rate), with the error in the technician's words. */
export function openPort(path: string): Promise<SerialPort> {
  return new Promise((resolve, reject) => {
    const port = new SerialPort({ path, baudRate: NODE_BAUD_RATE, autoOpen: false, lock: true });
    port.open((err) => {
      if (err) reject(openError(path, err.message || String(err)));
      else resolve(port);
    });
  });
}

/** Writes to an open port; the error in the technician's words (also for serialThread.ts's links). */
export function writePort(port: SerialPort, path: string, bytes: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    port.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), (err) => {
      if (err) reject(new ApiError('port-failed', `Write to ${path} failed: ${err.message}`));
      else resolve();
    });
  });
}

/** What the technician reads when a port does not open (also for ports opened by the reader thread, serialThread.ts). */
export function openError(path: string, msg: string): ApiError {
  if (/ENOENT|No such file/i.test(msg)) return new ApiError('not-found', `Port ${path} does not exist (unplugged?)`);
  if (/lock|busy|EBUSY/i.test(msg)) return new ApiError('port-busy', `Port ${path} is in use by another program`);
  if (/EACCES|permission/i.test(msg)) return new ApiError('port-failed', `No permission to open ${path}; add your user to the "dialout" group`);
  return new ApiError('port-failed', `Could not open ${path}: ${msg}`);
}

/** A port read on the main thread, through serialport's stream. */
export class SerialLink implements ByteLink {
  private closedByUs = false;
  private closeListeners: ((error?: Error) => void)[] = [];
  private ended = false;

  constructor(
    readonly path: string,
    private readonly port: SerialPort,
  ) {
    port.on('close', (err?: Error & { disconnected?: boolean }) => {
      this.end(this.closedByUs ? undefined : (err ?? new Error(`Port ${path} closed`)));
    });
    port.on('error', (err: Error) => this.end(err));
  }

  write(bytes: Uint8Array): Promise<void> {
    return writePort(this.port, this.path, bytes);
  }

  close(): Promise<void> {
    this.closedByUs = true;
    return new Promise((resolve) => {
      if (!this.port.isOpen) {
        this.end();
        resolve();
        return;
      }
      this.port.close(() => {
        this.end();
        resolve();
      });
    });
  }

  onData(listener: (chunk: Uint8Array) => void): void {
    this.port.on('data', (buf: Buffer) => listener(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength)));
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
