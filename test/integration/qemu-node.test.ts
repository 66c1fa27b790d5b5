// The emulated node: the STM32F405 firmware build running in qemu-system-arm -M netduinoplus2,
// its USART1 bridged to a pseudo-terminal by socat and read through the real serialport stack.
// QEMU has no accelerometer, so the shipped CWRU recordings are replayed into it as SAMPLES_IN
// frames (docs/protocol.md §3.4). Two emulated nodes run side by side (QEMU's USART takes about
// 14 KB/s, so a 1-second recording takes ~28 s): one gets the healthy recording, the other the
// inner-race fault and then a new stream of healthy data.
//
// Checked, on every window of both recordings:
//   - FEATURES equal the TypeScript features (models/features) on the same samples, within the
//     tolerances of firmware/test/dsp_tolerances.h (the ones the C tests use);
//   - the anomaly score is the TypeScript int8 model (models/nn) run on the node's own band
//     energies: the same sum of squares, bit for bit;
//   - the features match the host build (the virtual node) on the same samples;
//   - EVENT frames: none on the healthy recording; on the fault, exactly the alarms the k-of-n rule
//     (models/eval/threshold.ts) predicts from those scores, closed when a new stream starts.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSerialLink } from '../../main/transport/serial';
import type { ByteLink } from '../../main/transport/byteLink';
import { defaultFeatureSpec, extractFeatures, type WindowFeatures } from '../../models/features/index';
import { debounceAlarms } from '../../models/eval/threshold';
import { runInt8 } from '../../models/nn/int8';
import { readModelBlob } from '../../models/nn/modelFile';
import type { Int8Autoencoder } from '../../models/nn/types';
import {
  decodeEvent,
  decodeFeatures,
  decodeHello,
  Deframer,
  encodeFrame,
  encodeSamplesIn,
  MSG_EVENT,
  MSG_FEATURES,
  MSG_HELLO,
  MSG_HELLO_REQ,
  MSG_SAMPLES_IN,
  samplesInMaxFrames,
  type AnomalyEvent,
  type Features,
  type Frame,
} from '../../models/protocol/index';
import { waitFor } from '../helpers/wait';
import { makeFirmware, ROOT } from '../helpers/firmware';
import { freePort } from '../helpers/qemu';
import { readCsvColumns, relErr } from '../helpers/recording';

const NORMAL_CSV = join(ROOT, 'data/demo/cwru_normal_0hp_1797rpm_48k_1s.csv');
const FAULT_CSV = join(ROOT, 'data/demo/cwru_inner_race_007mil_0hp_1797rpm_48k_1s.csv');
const ELF = join(ROOT, 'firmware/build/qemu/vigil-node.elf');
const HOST_NODE = join(ROOT, 'firmware/build/host/vigil-node');
const SPEC = defaultFeatureSpec(48000); // the QEMU board: 48 kHz, 2 axes, window 1024, hop 512, 32 bands
const ROWS = 48000;
const WINDOWS = Math.floor((ROWS - SPEC.windowLen) / SPEC.hop) + 1; // 92
const AFTER_ROWS = 12000; // the healthy stream sent after the fault: 22 windows
const AFTER_WINDOWS = Math.floor((AFTER_ROWS - SPEC.windowLen) / SPEC.hop) + 1;

/** The tolerances the C tests use (firmware/test/dsp_tolerances.h), read from that header. */
function tolerances(): Record<string, number> {
  const text = readFileSync(join(ROOT, 'firmware/test/dsp_tolerances.h'), 'utf8');
  const t: Record<string, number> = {};
  for (const m of text.matchAll(/#define TOL_(\w+) ([0-9.e+-]+)/g)) t[m[1]] = Number(m[2]);
  return t;
}
const TOL = tolerances();

/** The built-in model's bytes, from the generated C array the firmware links. */
function defaultModel(): Int8Autoencoder {
  const c = readFileSync(join(ROOT, 'firmware/src/nn/default_model.c'), 'utf8');
  const body = c.slice(c.indexOf('= {') + 3, c.indexOf('};'));
  const bytes = Uint8Array.from(body.match(/0x[0-9a-f]{2}/g)!.map((h) => parseInt(h, 16)));
  return readModelBlob(bytes);
}

function decodeStream(bytes: Uint8Array): Frame[] {
  const frames: Frame[] = [];
  new Deframer((f) => frames.push(f)).push(bytes);
  return frames;
}

/** SAMPLES_IN frames for rows [0, rows) of two channels, from frame index 0 (a new stream). */
function samplesIn(channels: Float32Array[], rows: number, seq0: number): Uint8Array[] {
  const per = samplesInMaxFrames(2);
  const out: Uint8Array[] = [];
  for (let i = 0, seq = seq0; i < rows; i += per, seq++) {
    const n = Math.min(per, rows - i);
    const s = new Float32Array(2 * n);
    for (let j = 0; j < n; j++) {
      s[2 * j] = channels[0][i + j];
      s[2 * j + 1] = channels[1][i + j];
    }
    out.push(encodeFrame(MSG_SAMPLES_IN, seq & 0xffff, encodeSamplesIn({ firstFrame: i, axisCount: 2, samples: s })));
  }
  return out;
}

/** One emulated node: QEMU, its socat bridge, and the app's serial link. */
class QemuNode {
  qemu?: ChildProcess;
  socat?: ChildProcess;
  link?: ByteLink;
  frames: Frame[] = [];
  log = '';

  async start(): Promise<void> {
    const port = await freePort();
    this.qemu = spawn('qemu-system-arm', [
      '-M', 'netduinoplus2', '-display', 'none', '-monitor', 'none',
      // wait=on: the machine does not start until socat connects, so no byte is lost.
      '-serial', `tcp:127.0.0.1:${port},server=on,wait=on`,
      '-kernel', ELF,
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.qemu.stdout!.on('data', (d) => (this.log += d));
    this.qemu.stderr!.on('data', (d) => (this.log += d));
    await waitFor('QEMU to listen', 10_000, () => (/waiting for connection/.test(this.log) ? true : this.qemu!.exitCode !== null ? (() => { throw new Error(`QEMU exited: ${this.log}`); })() : undefined));
    const dir = mkdtempSync(join(tmpdir(), 'vigil-qemu-'));
    const tty = join(dir, 'qemu-tty');
    this.socat = spawn('socat', [`pty,link=${tty},rawer,wait-slave`, `tcp:127.0.0.1:${port}`], { stdio: 'ignore' });
    await waitFor('the socat pty', 10_000, () => (existsSync(tty) ? true : undefined));
    this.link = await openSerialLink(tty);
    const d = new Deframer((f) => this.frames.push(f));
    this.link.onData((c) => d.push(c));
  }

  /** HELLO_REQ until the HELLO with that seq comes back (the first host bytes on a pty can lag). */
  async handshake(seq: number): Promise<Frame | undefined> {
    await this.link!.write(Uint8Array.of(0));
    return new Promise<Frame | undefined>((resolve) => {
      const timer = setInterval(() => void this.link!.write(encodeFrame(MSG_HELLO_REQ, seq)), 500);
      void this.link!.write(encodeFrame(MSG_HELLO_REQ, seq));
      waitFor('the HELLO reply', 8000, () => this.frames.find((f) => f.type === MSG_HELLO && f.seq === seq))
        .then(resolve, () => resolve(undefined))
        .finally(() => clearInterval(timer));
    });
  }

  async send(frames: Uint8Array[]): Promise<void> {
    for (const f of frames) await this.link!.write(f);
  }

  features(): Features[] {
    return this.frames.filter((f) => f.type === MSG_FEATURES).map((f) => decodeFeatures(f.payload));
  }

  events(): AnomalyEvent[] {
    return this.frames.filter((f) => f.type === MSG_EVENT).map((f) => decodeEvent(f.payload));
  }

  async stop(): Promise<void> {
    await this.link?.close().catch(() => {});
    this.socat?.kill();
    this.qemu?.kill();
  }
}

/** Worst error of node FEATURES against TS windows, by field (relative; absolute for log bands). */
function compareFeatures(node: Features[], ts: WindowFeatures[]): Record<string, number> {
  const worst: Record<string, number> = { rms: 0, peak: 0, crest: 0, kurtosis: 0, velocity: 0, logBands: 0 };
  expect(node.length).toBe(ts.length);
  node.forEach((f, k) => {
    expect(f.windowIndex).toBe(k);
    expect(f.tUs).toBe(ts[k].tUs);
    expect(f.fieldsPerAxis).toBe(5);
    for (let a = 0; a < 2; a++) {
      const n = f.axes[a];
      const r = ts[k].axes[a];
      worst.rms = Math.max(worst.rms, relErr(n.rms!, r.rms));
      worst.peak = Math.max(worst.peak, relErr(n.peak!, r.peak));
      worst.crest = Math.max(worst.crest, relErr(n.crest!, r.crest));
      worst.kurtosis = Math.max(worst.kurtosis, relErr(n.kurtosis!, r.kurtosis));
      worst.velocity = Math.max(worst.velocity, relErr(n.velocityRmsMmS!, r.velocityRmsMmS));
      for (let b = 0; b < 32; b++) worst.logBands = Math.max(worst.logBands, Math.abs(f.logBands![a][b] - ts[k].logBands[a * 32 + b]));
    }
  });
  return worst;
}

function expectWithin(worst: Record<string, number>): void {
  expect(worst.rms).toBeLessThanOrEqual(TOL.RMS_REL);
  expect(worst.peak).toBeLessThanOrEqual(TOL.PEAK_REL);
  expect(worst.crest).toBeLessThanOrEqual(TOL.CREST_REL);
  expect(worst.kurtosis).toBeLessThanOrEqual(TOL.KURTOSIS_REL);
  expect(worst.velocity).toBeLessThanOrEqual(TOL.VELOCITY_REL);
  expect(worst.logBands).toBeLessThanOrEqual(TOL.LOG_BANDS_ABS);
}

/** sum of squares of the TS int8 model on a FEATURES frame's own band energies. */
function tsSumsq(model: Int8Autoencoder, f: Features): number {
  const x = new Float32Array(64);
  model.axes.forEach((axis, a) => x.set(f.logBands![axis], a * 32));
  return runInt8(model, x).sumsq;
}

describe('emulated STM32F405 node in QEMU, fed the CWRU recordings over SAMPLES_IN', () => {
  const normalNode = new QemuNode();
  const faultNode = new QemuNode();
  const normal = readCsvColumns(NORMAL_CSV);
  const fault = readCsvColumns(FAULT_CSV);
  const model = defaultModel();
  let normalHello: Frame | undefined;
  let faultHello: Frame | undefined;

  beforeAll(async () => {
    makeFirmware('arm');
    makeFirmware('host');
    await Promise.all([normalNode.start(), faultNode.start()]);
    [normalHello, faultHello] = await Promise.all([normalNode.handshake(0x4242), faultNode.handshake(0x4243)]);
    // Both replays at once; the node paces them (USART flow control), nothing is dropped.
    await Promise.all([
      normalNode.send(samplesIn(normal.columns, ROWS, 0)),
      faultNode.send([...samplesIn(fault.columns, ROWS, 0), ...samplesIn(normal.columns, AFTER_ROWS, 1000)]),
    ]);
    await Promise.all([
      waitFor(`${WINDOWS} FEATURES from the healthy replay`, 120_000, () => (normalNode.features().length >= WINDOWS ? true : undefined)),
      waitFor(`${WINDOWS + AFTER_WINDOWS} FEATURES from the fault replay`, 120_000, () => (faultNode.features().length >= WINDOWS + AFTER_WINDOWS ? true : undefined)),
    ]);
  }, 240_000);

  afterAll(async () => {
    await Promise.all([normalNode.stop(), faultNode.stop()]);
  });

  it('boots, says HELLO as the QEMU board, and answers HELLO_REQ with the same sequence number', () => {
    expect(normalHello, 'a HELLO echoing seq 0x4242').toBeDefined();
    expect(faultHello, 'a HELLO echoing seq 0x4243').toBeDefined();
    const hello = decodeHello(normalHello!.payload);
    expect(hello).toMatchObject({ board: 1, axisCount: 2, windowLen: 1024, hop: 512, sampleRateHz: 48000, channels: ['DE_accel', 'FE_accel'] });
  });

  it('sends FEATURES equal to the TypeScript features on the same samples, within the C tests\' tolerances', () => {
    const tsNormal = extractFeatures(normal.columns, SPEC);
    const tsFault = extractFeatures(fault.columns, SPEC);
    const wNormal = compareFeatures(normalNode.features(), tsNormal);
    const wFault = compareFeatures(faultNode.features().slice(0, WINDOWS), tsFault);
    console.log('QEMU node vs TypeScript, worst errors (normal):', wNormal, '(fault):', wFault, 'bounds:', TOL);
    expectWithin(wNormal);
    expectWithin(wFault);
  });

  it('scores each window with the int8 model exactly as the TypeScript reference does on the same bands', () => {
    for (const node of [normalNode, faultNode]) {
      for (const f of node.features()) {
        const sumsq = tsSumsq(model, f);
        // The node sends sumsq * s_in^2 / D in float32 (docs/model-format.md §1): invert it.
        const nodeSumsq = Math.round((f.anomalyScore! * 64) / (model.inputScale * model.inputScale));
        expect(nodeSumsq, `window ${f.windowIndex}`).toBe(sumsq);
      }
    }
  });

  it('computes the same features as the host build (the virtual node) on the same samples', () => {
    const host = spawnSync(HOST_NODE, ['--csv', NORMAL_CSV, '--rate', '48000', '--columns', 'DE_accel,FE_accel', '--out', '-'], { maxBuffer: 1 << 26 });
    expect(host.status, host.stderr?.toString()).toBe(0);
    const hostFeatures = decodeStream(host.stdout).filter((f) => f.type === MSG_FEATURES).map((f) => decodeFeatures(f.payload));
    const qemuFeatures = normalNode.features();
    expect(hostFeatures).toHaveLength(WINDOWS);
    let worstScore = 0;
    let exactRms = 0;
    qemuFeatures.forEach((q, k) => {
      const h = hostFeatures[k];
      expect(q.windowIndex).toBe(h.windowIndex);
      expect(q.tUs).toBe(h.tUs);
      for (let a = 0; a < 2; a++) {
        // The RMS is the same float32 operations on both (no FMA in it): equal to the bit.
        expect(q.axes[a].rms).toBe(h.axes[a].rms);
        exactRms++;
        expect(relErr(q.axes[a].kurtosis!, h.axes[a].kurtosis!)).toBeLessThan(TOL.KURTOSIS_REL);
        expect(relErr(q.axes[a].velocityRmsMmS!, h.axes[a].velocityRmsMmS!)).toBeLessThan(TOL.VELOCITY_REL);
        for (let b = 0; b < 32; b++) expect(Math.abs(q.logBands![a][b] - h.logBands![a][b])).toBeLessThan(TOL.LOG_BANDS_ABS);
      }
      // The scores come from each build's own bands, which differ in the last bits (VFMA on the
      // Cortex-M4F); an input that sits on a quantisation boundary may round differently. Each is
      // exact for its own bands (previous test); between builds they stay within a few percent.
      worstScore = Math.max(worstScore, relErr(q.anomalyScore!, h.anomalyScore!));
    });
    console.log(`QEMU vs host build: ${exactRms} RMS values bit-equal; worst anomaly-score difference ${(worstScore * 100).toFixed(3)} %`);
    expect(worstScore).toBeLessThan(0.05);
  });

  it('raises no EVENT on the healthy recording, and on the fault exactly the alarms the k-of-n rule predicts', () => {
    const threshold = model.detector.thresholdSumsq;
    const { debounceK: k, debounceN: n } = model.detector;
    // healthy
    const normalOver = normalNode.features().map((f) => tsSumsq(model, f) > threshold);
    expect(debounceAlarms(normalOver, k, n)).toEqual([]);
    expect(normalNode.events()).toEqual([]);
    // fault, then the healthy stream that restarts the windows
    const faultFeatures = faultNode.features().slice(0, WINDOWS);
    const over = faultFeatures.map((f) => tsSumsq(model, f) > threshold);
    const onsets = debounceAlarms(over, k, n);
    const events = faultNode.events();
    const started = events.filter((e) => e.state === 1);
    console.log(`fault: ${over.filter(Boolean).length}/${WINDOWS} windows over the threshold; alarms at windows ${onsets.join(', ')}; EVENTs:`, events);
    expect(onsets.length).toBeGreaterThan(0);
    expect(started.map((e) => e.endWindow)).toEqual(onsets);
    const first = started[0];
    expect(first).toMatchObject({ debounceK: k, debounceN: n, modelVersion: model.modelVersion });
    expect(first.startTUs).toBe(Math.floor(((first.startWindow * 512 + 1024) * 1e6) / 48000));
    expect(first.peakScore).toBeGreaterThan(first.threshold);
    // The new stream (first_frame 0) closes the open event; the healthy windows raise none.
    const ended = events.filter((e) => e.state === 0);
    expect(ended.length).toBe(started.length);
    expect(ended[ended.length - 1].eventId).toBe(started[started.length - 1].eventId);
    const after = faultNode.features().slice(WINDOWS);
    expect(after).toHaveLength(AFTER_WINDOWS);
    expect(after[0].windowIndex).toBe(0);
    expect(debounceAlarms(after.map((f) => tsSumsq(model, f) > threshold), k, n)).toEqual([]);
  });
});
