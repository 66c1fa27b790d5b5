// The emulated node with its three serials (docs/protocol.md 4.1), for node-in-the-loop tests:
//   USART1 (wired link)  -serial tcp:...,server=on,wait=on  <- socat pty,link=PATH,rawer,wait-slave
//                        (the app opens PATH through the real serialport stack; killing socat and
//                        starting it again is pulling the cable and putting it back);
//   USART2 (BLE link)    -serial tcp:...,server=on,wait=on  <- a TCP socket here (`ble`), for the BLE fake;
//   USART3 (sensor feed) -serial tcp:...,server=on,wait=on  <- SAMPLES_IN from a recording, written
//                        by this process at a steady rate for as long as the node runs, from the
//                        moment the test calls connected() — after the app heard the node's HELLO.
//                        Earlier bytes could arrive before the firmware enabled USART3 (QEMU's model
//                        drops them), and a lost first SAMPLES_IN message stalls the stream for good
//                        (docs/protocol.md 3.4: only frame 0 or the exact next frame is taken).
// QEMU waits for the three connections in order before the machine starts; with wait-slave socat
// connects only once the app opens the pty, so the node boots when the app is there to hear it.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeFrame, encodeSamplesIn, MSG_SAMPLES_IN, samplesInMaxFrames } from '../../models/protocol/index';
import { ROOT } from './firmware';
import { waitFor } from './wait';

export const QEMU_ELF = join(ROOT, 'firmware/build/qemu/vigil-node.elf');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Connects to a TCP port, retrying while it refuses (QEMU opens its listeners one after another). */
function connectRetry(port: number, ms: number): Promise<Socket> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.removeAllListeners('error');
        resolve(s);
      });
      s.once('error', (e) => {
        s.destroy();
        if (Date.now() - t0 > ms) reject(new Error(`could not connect to 127.0.0.1:${port}: ${e.message}`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

export interface QemuNodeOptions {
  /** The recording for the sensor feed: one Float32Array per axis (2 axes for the QEMU board). */
  feed: Float32Array[];
  /** Feed rate in sample frames per second (the node's USART may take less: TCP backpressure paces it). */
  feedFramesPerSecond?: number;
}

export class QemuHarness {
  qemu?: ChildProcess;
  socat?: ChildProcess;
  /** The USART2 byte stream (the BLE bridge's side), once QEMU accepted it. */
  ble?: Socket;
  feedSocket?: Socket;
  /** Sample frames fed so far. */
  fed = 0;
  log = '';
  readonly dir = mkdtempSync(join(tmpdir(), 'vigil-qemu-'));
  /** The wired link's stable path (socat's symlink). */
  readonly tty = join(this.dir, 'wired-tty');
  private ports: number[] = [];
  private feeding = false;
  private connections: Promise<void> | undefined;

  constructor(private readonly o: QemuNodeOptions) {}

  /** Starts QEMU and the wired bridge; resolves once the pty exists (the machine starts when the app opens it). */
  async start(): Promise<void> {
    this.log = '';
    this.fed = 0; // a new machine takes its stream from frame 0
    this.ports = [await freePort(), await freePort(), await freePort()];
    const serial = (p: number) => ['-serial', `tcp:127.0.0.1:${p},server=on,wait=on`];
    this.qemu = spawn('qemu-system-arm', ['-M', 'netduinoplus2', '-display', 'none', '-monitor', 'none', ...this.ports.flatMap(serial), '-kernel', QEMU_ELF], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.qemu.stdout!.on('data', (d) => (this.log += d));
    this.qemu.stderr!.on('data', (d) => (this.log += d));
    await waitFor('QEMU to listen', 10_000, () => {
      if (this.qemu!.exitCode !== null) throw new Error(`QEMU exited: ${this.log}`);
      return /waiting for connection/.test(this.log) ? true : undefined;
    });
    await this.plugIn();
    // USART2 and USART3 listen once USART1 is connected (when the app opens the pty).
    this.connections = (async () => {
      this.ble = await connectRetry(this.ports[1], 60_000);
      this.feedSocket = await connectRetry(this.ports[2], 60_000);
    })();
    this.connections.catch(() => {});
  }

  /**
   * Resolves once QEMU accepted all three connections (after the app opened the wired pty), and
   * starts the sensor feed. Call it once the app has the node's HELLO: the firmware has then
   * enabled its USARTs.
   */
  async connected(): Promise<void> {
    await this.connections;
    if (!this.feeding) void this.feed();
  }

  /** The cable is back: socat bridges a new pty at the same path to USART1. */
  async plugIn(): Promise<void> {
    rmSync(this.tty, { force: true });
    this.socat = spawn('socat', [`pty,link=${this.tty},rawer,wait-slave`, `tcp:127.0.0.1:${this.ports[0]}`], { stdio: 'ignore' });
    await waitFor('the socat pty', 10_000, () => (existsSync(this.tty) ? true : undefined));
  }

  /** Pulls the cable: socat ends, its pty vanishes; the node keeps sampling from the feed. */
  async unplug(): Promise<void> {
    const s = this.socat;
    if (!s || s.exitCode !== null || s.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      s.once('exit', () => resolve());
      s.kill('SIGKILL');
    });
    rmSync(this.tty, { force: true });
  }

  /** SAMPLES_IN on USART3 from frame 0, the recording looped, paced, with TCP backpressure. */
  private async feed(): Promise<void> {
    const sock = this.feedSocket!;
    const axes = this.o.feed.length;
    const per = samplesInMaxFrames(axes);
    const rows = this.o.feed[0].length;
    const rate = this.o.feedFramesPerSecond ?? 48_000;
    this.feeding = true;
    const t0 = Date.now();
    let seq = 0;
    sock.on('error', () => (this.feeding = false));
    sock.on('close', () => (this.feeding = false));
    while (this.feeding) {
      const s = new Float32Array(axes * per);
      for (let j = 0; j < per; j++) for (let a = 0; a < axes; a++) s[j * axes + a] = this.o.feed[a][(this.fed + j) % rows];
      const frame = encodeFrame(MSG_SAMPLES_IN, seq++ & 0xffff, encodeSamplesIn({ firstFrame: this.fed >>> 0, axisCount: axes, samples: s }));
      const ok = sock.write(frame);
      this.fed += per;
      if (!ok) await new Promise<void>((r) => sock.once('drain', () => r()));
      const ahead = (this.fed / rate) * 1000 - (Date.now() - t0);
      if (ahead > 0) await new Promise((r) => setTimeout(r, ahead));
    }
  }

  /**
   * Switches the node off: QEMU is killed (its RAM, the identity record with it, is gone), socat
   * ends with it and the wired pty vanishes. start() again boots a fresh machine behind the same
   * pty path.
   */
  async kill(): Promise<void> {
    this.feeding = false;
    this.feedSocket?.destroy();
    this.ble?.destroy();
    const q = this.qemu;
    if (q && q.exitCode === null && q.signalCode === null) {
      await new Promise<void>((resolve) => {
        q.once('exit', () => resolve());
        q.kill('SIGKILL');
      });
    }
    await this.unplug();
  }

  async stop(): Promise<void> {
    this.feeding = false;
    this.feedSocket?.destroy();
    this.ble?.destroy();
    this.socat?.kill('SIGKILL');
    this.qemu?.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 50));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
