// The emulated node learning its own baseline (docs/detection.md §3): the STM32F405 firmware in
// qemu-system-arm -M netduinoplus2, fed real UESTC recordings over SAMPLES_IN on its wired link
// (data/uestc/README.md: excerpts, resampled here from 20 kHz to the QEMU board's 48 kHz by linear
// interpolation, the one channel on both axes).
//
// The technician's reset (CONFIG_SET learn_windows, with the shaft speed of the machine's setting)
// drops the built-in model; the node learns at 800 rpm and at 1200 rpm, then detects with what it
// learned: no EVENT on the healthy 1000 rpm recording, an EVENT on the 1000 rpm inner-race fault.
// QEMU's USART takes about 14 KB/s, so the test uses a hop of 128 samples (more windows per byte)
// and a learning period of 720 windows (140 learning + 140 calibration windows per speed).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSerialLink } from '../../main/transport/serial';
import type { ByteLink } from '../../main/transport/byteLink';
import {
  configToEntries,
  decodeEvent,
  decodeFeatures,
  decodeHello,
  decodeLog,
  Deframer,
  DETECTOR_BASELINE,
  DETECTOR_LEARNING,
  DETECTOR_MODEL,
  encodeConfigEntries,
  encodeFrame,
  MSG_ACK,
  MSG_CONFIG_SET,
  MSG_EVENT,
  MSG_FEATURES,
  MSG_HELLO,
  MSG_HELLO_REQ,
  MSG_LOG,
  type ConfigChanges,
  type Features,
  type Frame,
} from '../../models/protocol/index';
import { waitFor } from '../helpers/wait';
import { makeFirmware, ROOT } from '../helpers/firmware';
import { freePort } from '../helpers/qemu';
import { samplesIn, uestcAt48k } from '../helpers/uestc48k';

const ELF = join(ROOT, 'firmware/build/qemu/vigil-node.elf');
const HOP = 128;
const LEARN_WINDOWS = 720;
const WINDOW = 1024;


const recording = uestcAt48k;

const windowsOf = (frames: number) => Math.floor((frames - WINDOW) / HOP) + 1;


class QemuNode {
  qemu?: ChildProcess;
  socat?: ChildProcess;
  link?: ByteLink;
  frames: Frame[] = [];
  log = '';

  async start(): Promise<void> {
    const port = await freePort();
    this.qemu = spawn('qemu-system-arm', ['-M', 'netduinoplus2', '-display', 'none', '-monitor', 'none', '-serial', `tcp:127.0.0.1:${port},server=on,wait=on`, '-kernel', ELF], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.qemu.stdout!.on('data', (d) => (this.log += d));
    this.qemu.stderr!.on('data', (d) => (this.log += d));
    await waitFor('QEMU to listen', 10_000, () => (/waiting for connection/.test(this.log) ? true : this.qemu!.exitCode !== null ? (() => { throw new Error(`QEMU exited: ${this.log}`); })() : undefined));
    const tty = join(mkdtempSync(join(tmpdir(), 'vigil-qemu-learn-')), 'tty');
    this.socat = spawn('socat', [`pty,link=${tty},rawer,wait-slave`, `tcp:127.0.0.1:${port}`], { stdio: 'ignore' });
    await waitFor('the socat pty', 10_000, () => (existsSync(tty) ? true : undefined));
    this.link = await openSerialLink(tty);
    const d = new Deframer((f) => this.frames.push(f));
    this.link.onData((c) => d.push(c));
  }

  async handshake(seq: number): Promise<Frame> {
    await this.link!.write(Uint8Array.of(0));
    const timer = setInterval(() => void this.link!.write(encodeFrame(MSG_HELLO_REQ, seq)), 500);
    void this.link!.write(encodeFrame(MSG_HELLO_REQ, seq));
    try {
      return await waitFor('the HELLO reply', 8000, () => this.frames.find((f) => f.type === MSG_HELLO && f.seq === seq));
    } finally {
      clearInterval(timer);
    }
  }

  /** CONFIG_SET, then its ACK (the samples sent before it are all taken by then: one ordered link). */
  async configure(seq: number, changes: ConfigChanges): Promise<void> {
    await this.link!.write(encodeFrame(MSG_CONFIG_SET, seq, encodeConfigEntries(configToEntries(changes))));
    await waitFor(`the ACK of CONFIG_SET ${JSON.stringify(changes)}`, 120_000, () => this.frames.find((f) => f.type === MSG_ACK && f.seq === seq));
  }

  async send(frames: Uint8Array[]): Promise<void> {
    for (const f of frames) await this.link!.write(f);
  }

  features(): Features[] {
    return this.frames.filter((f) => f.type === MSG_FEATURES).map((f) => decodeFeatures(f.payload));
  }

  async stop(): Promise<void> {
    await this.link?.close().catch(() => {});
    this.socat?.kill();
    this.qemu?.kill();
  }
}

describe('emulated STM32F405 node learning its own baseline from UESTC recordings', () => {
  const node = new QemuNode();
  const learn800 = recording('normal_800rpm_learn.csv');
  const learn1200 = recording('normal_1200rpm_learn.csv');
  const healthy1000 = recording('normal_1000rpm.csv');
  const fault1000 = recording('inner_race_fault_1000rpm.csv');
  /** FEATURES count at the end of each phase. */
  const mark: Record<string, number> = {};
  const framesAt: Record<string, number> = {};
  let hello: Frame | undefined;

  async function phase(name: string, x: Float32Array, seq0: number): Promise<void> {
    const before = node.features().length;
    await node.send(samplesIn(x, seq0));
    const want = before + windowsOf(x.length);
    await waitFor(`${want} FEATURES after ${name}`, 120_000, () => (node.features().length >= want ? true : undefined));
    mark[name] = node.features().length;
    framesAt[name] = node.frames.length;
  }

  beforeAll(async () => {
    makeFirmware('arm');
    await node.start();
    hello = await node.handshake(0x5151);
    mark.start = 0;
    // The technician's reset: learn for 720 windows; the speed comes from the machine's setting.
    await node.configure(1, { hop: HOP, shaftHz: 800 / 60, learnWindows: LEARN_WINDOWS });
    await phase('learn800', learn800, 0x1000);
    await node.configure(2, { shaftHz: 1200 / 60 });
    await phase('learn1200', learn1200, 0x2000);
    await node.configure(3, { shaftHz: 1000 / 60 });
    await phase('healthy1000', healthy1000, 0x3000);
    await phase('fault1000', fault1000, 0x4000);
  }, 170_000);

  afterAll(async () => {
    await node.stop();
  });

  it('boots with its built-in model, and learns once told to', () => {
    expect(decodeHello(hello!.payload).info?.state?.detector).toBe(DETECTOR_MODEL);
    // 1.4: the built-in model's threshold, stated in the HELLO before any window.
    expect(decodeHello(hello!.payload).info?.state?.threshold).toBeGreaterThan(0);
    const learning = node.features().slice(0, mark.learn800);
    expect(learning.length).toBe(windowsOf(learn800.length));
    expect(learning.every((f) => f.state?.detector === DETECTOR_LEARNING && f.anomalyScore === -1 && f.state.threshold === -1)).toBe(true);
    const pct = learning.map((f) => f.state!.learnPercent);
    expect(pct[0]).toBe(0);
    expect(pct.at(-1)).toBeGreaterThanOrEqual(45);
    expect(pct.every((p, i) => i === 0 || p >= pct[i - 1])).toBe(true);
  });

  it('finishes learning within the 1200 rpm recording and says so', () => {
    const f = node.features().slice(mark.learn800, mark.learn1200);
    expect(f.at(-1)!.state).toMatchObject({ detector: DETECTOR_BASELINE, learnPercent: 100 });
    // The threshold it learned, stated from the first window it detects with, before any EVENT.
    expect(f.at(-1)!.state!.threshold).toBeGreaterThan(0);
    const logs = node.frames.filter((fr) => fr.type === MSG_LOG).map((fr) => decodeLog(fr.payload).text);
    expect(logs).toContain('baseline learned, speeds 2');
    const events = node.frames.slice(0, framesAt.learn1200).filter((fr) => fr.type === MSG_EVENT);
    expect(events).toHaveLength(0);
  });

  it('raises no EVENT on the healthy 1000 rpm recording, a speed between the learned ones', () => {
    const f = node.features().slice(mark.learn1200, mark.healthy1000);
    expect(f.every((w) => w.state?.detector === DETECTOR_BASELINE && w.anomalyScore! >= 0)).toBe(true);
    const events = node.frames.slice(framesAt.learn1200, framesAt.healthy1000).filter((fr) => fr.type === MSG_EVENT);
    console.log(`healthy 1000 rpm: ${f.length} windows, max score ${Math.max(...f.map((w) => w.anomalyScore!)).toFixed(2)}, events ${events.length}`);
    expect(events).toHaveLength(0);
  });

  it('raises an EVENT on the 1000 rpm inner-race fault, decided by its own baseline', () => {
    const events = node.frames.slice(framesAt.healthy1000).filter((fr) => fr.type === MSG_EVENT).map((fr) => decodeEvent(fr.payload));
    const started = events.filter((e) => e.state === 1);
    expect(started.length).toBeGreaterThanOrEqual(1);
    expect(started[0]).toMatchObject({ modelVersion: 0, debounceK: 3, debounceN: 5 });
    expect(started[0].peakScore).toBeGreaterThan(started[0].threshold);
    // The EVENT's threshold is the one every window at 1000 rpm stated before it (protocol 1.4).
    const stated = new Set(node.features().slice(mark.learn1200, mark.fault1000).map((w) => w.state!.threshold));
    expect([...stated]).toEqual([started[0].threshold]);
    const f = node.features().slice(mark.healthy1000, mark.fault1000);
    console.log(`fault 1000 rpm: ${f.length} windows, ${started.length} event(s), first at window ${started[0].startWindow}, peak ${started[0].peakScore.toFixed(1)} over ${started[0].threshold.toFixed(2)}`);
  });
});
