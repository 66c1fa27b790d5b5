// The emulated node: the STM32F405 firmware build running in qemu-system-arm -M netduinoplus2,
// its USART1 bridged to a pseudo-terminal by socat and read through the real serialport stack.
// Its HELLO and FEATURES frames must be accepted by the TS decoder, and its RMS must equal the
// host build's (the virtual node) on the same samples within 1e-5 relative: the same C sources,
// but newlib vs glibc and FMA contraction on the Cortex-M4F may change the last bits.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSerialLink } from '../../main/transport/serial';
import type { Link } from '../../main/transport/link';
import { rmsF32 } from '../../models/features/rms';
import {
  decodeFeatures,
  decodeHello,
  Deframer,
  encodeFrame,
  MSG_FEATURES,
  MSG_HELLO,
  MSG_HELLO_REQ,
  type Features,
  type Frame,
} from '../../models/protocol/index';
import { makeFirmware, ROOT } from '../helpers/firmware';
import { readCsvColumns, relErr } from '../helpers/recording';

const CSV = join(ROOT, 'data/demo/cwru_normal_0hp_1797rpm_48k_1s.csv');
const ELF = join(ROOT, 'firmware/build/qemu/vigil-node.elf');
const HOST_NODE = join(ROOT, 'firmware/build/host/vigil-node');
const EXCERPT_ROWS = 8192; // the rows compiled into the ARM image (firmware/Makefile)
const EXPECTED_WINDOWS = Math.floor((EXCERPT_ROWS - 1024) / 512) + 1; // 15

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function waitFor<T>(what: string, ms: number, check: () => T | undefined): Promise<T> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const tick = () => {
      const v = check();
      if (v !== undefined) return resolve(v);
      if (Date.now() - t0 > ms) return reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
      setTimeout(tick, 20);
    };
    tick();
  });
}

function decodeStream(bytes: Uint8Array): Frame[] {
  const frames: Frame[] = [];
  new Deframer((f) => frames.push(f)).push(bytes);
  return frames;
}

describe('emulated STM32F405 node in QEMU', () => {
  let qemu: ChildProcess | undefined;
  let socat: ChildProcess | undefined;
  let link: Link | undefined;
  const frames: Frame[] = [];
  let qemuLog = '';

  beforeAll(async () => {
    makeFirmware('arm');
    makeFirmware('host');
    const port = await freePort();
    qemu = spawn('qemu-system-arm', [
      '-M', 'netduinoplus2', '-display', 'none', '-monitor', 'none',
      // wait=on: the machine does not start until socat connects, so no byte is lost.
      '-serial', `tcp:127.0.0.1:${port},server=on,wait=on`,
      '-kernel', ELF,
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    qemu.stdout!.on('data', (d) => (qemuLog += d));
    qemu.stderr!.on('data', (d) => (qemuLog += d));
    await waitFor('QEMU to listen', 10_000, () => (/waiting for connection/.test(qemuLog) ? true : qemu!.exitCode !== null ? (() => { throw new Error(`QEMU exited: ${qemuLog}`); })() : undefined));
    const dir = mkdtempSync(join(tmpdir(), 'vigil-qemu-'));
    const tty = join(dir, 'qemu-tty');
    socat = spawn('socat', [`pty,link=${tty},rawer,wait-slave`, `tcp:127.0.0.1:${port}`], { stdio: 'ignore' });
    await waitFor('the socat pty', 10_000, () => (existsSync(tty) ? true : undefined));
    link = await openSerialLink(tty);
    const d = new Deframer((f) => frames.push(f));
    link.onData((c) => d.push(c));
  }, 60_000);

  afterAll(async () => {
    await link?.close().catch(() => {});
    socat?.kill();
    qemu?.kill();
  });

  it('boots, says HELLO and streams FEATURES the TS decoder accepts', async () => {
    await waitFor(`${EXPECTED_WINDOWS} FEATURES frames from QEMU`, 20_000, () => (frames.filter((f) => f.type === MSG_FEATURES).length >= EXPECTED_WINDOWS ? true : undefined));
    const hello = decodeHello(frames.find((f) => f.type === MSG_HELLO)!.payload);
    expect(hello).toMatchObject({ board: 1, axisCount: 2, windowLen: 1024, hop: 512, sampleRateHz: 48000, channels: ['DE_accel', 'FE_accel'] });
    expect(frames.filter((f) => f.type === MSG_FEATURES)).toHaveLength(EXPECTED_WINDOWS);
  });

  it('answers a HELLO_REQ over its receive path with the same sequence number', async () => {
    const seq = 0x4242;
    await link!.write(Uint8Array.of(0));
    // The first host-to-node bytes on a fresh pty can take about a second: retry as the app does.
    const got = await new Promise<Frame | undefined>((resolve) => {
      const timer = setInterval(() => void link!.write(encodeFrame(MSG_HELLO_REQ, seq)), 500);
      void link!.write(encodeFrame(MSG_HELLO_REQ, seq));
      waitFor('the HELLO reply', 8000, () => frames.find((f) => f.type === MSG_HELLO && f.seq === seq))
        .then(resolve, () => resolve(undefined))
        .finally(() => clearInterval(timer));
    });
    expect(got, 'a HELLO echoing seq 0x4242').toBeDefined();
    expect(decodeHello(got!.payload).board).toBe(1);
  });

  it('computes the same RMS as the host build and the TS features on the same samples', () => {
    const qemuFeatures = frames.filter((f) => f.type === MSG_FEATURES).map((f) => decodeFeatures(f.payload));
    const host = spawnSync(HOST_NODE, ['--csv', CSV, '--rate', '48000', '--columns', 'DE_accel,FE_accel', '--out', '-', '--max-rows', String(EXCERPT_ROWS)], { maxBuffer: 1 << 24 });
    expect(host.status, host.stderr?.toString()).toBe(0);
    const hostFeatures: Features[] = decodeStream(host.stdout).filter((f) => f.type === MSG_FEATURES).map((f) => decodeFeatures(f.payload));
    expect(hostFeatures).toHaveLength(EXPECTED_WINDOWS);
    const rec = readCsvColumns(CSV);
    let worstHost = 0;
    let worstTs = 0;
    for (let k = 0; k < EXPECTED_WINDOWS; k++) {
      const q = qemuFeatures[k];
      const h = hostFeatures[k];
      expect(q.windowIndex).toBe(k);
      expect(h.windowIndex).toBe(k);
      expect(q.tUs).toBe(h.tUs);
      for (let a = 0; a < 2; a++) {
        worstHost = Math.max(worstHost, relErr(q.rms[a], h.rms[a]));
        worstTs = Math.max(worstTs, relErr(q.rms[a], rmsF32(rec.columns[a], k * 512, 1024)));
      }
    }
    expect(worstHost).toBeLessThan(1e-5);
    expect(worstTs).toBeLessThan(1e-5);
  });
});
