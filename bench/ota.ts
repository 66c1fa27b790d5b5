/**
 * ota: the model transfer (docs/protocol.md 3.14) through the app's API on the virtual node.
 *
 *  - goodput_ratio_115200 / _921600: model bytes per second over the link's capacity on a serial
 *    link limited to that baud rate. The rate is enforced in TypeScript in front of the virtual
 *    node's pty (RateLimitedLink below, given to the NodeManager as its link opener): each write
 *    leaves, in order, no earlier than its 10 bits per byte (8N1) allow after the previous one, and
 *    the node's bytes come in at the same rate (a 4 KiB receive buffer; more is lost, as on a UART).
 *    Capacity = baud / 10 bytes per second, app to node: the most any protocol could move over
 *    the wire, framing and start/stop bits aside. The time runs from the deploy request to the
 *    moment the manager reports the COMMIT's ACK (state 'trial'), so BEGIN and COMMIT, the
 *    framing and the last round trip count against it. The node's stream is turned off first: at
 *    115200 baud its features alone would fill the link. Median of 5 updates (a fresh version
 *    each, after the previous one is confirmed).
 *  - goodput_ratio_ble: the same over the Bluetooth LE chain (test/helpers/bleChain.ts: the fake
 *    GATT, the renderer's NusLink, the relay, SECURE), ATT MTU 247 (244-byte writes: a 251-byte
 *    LE data packet, the data length extension's largest) and 60 kB/s each way. Capacity = those
 *    60 kB/s of ATT payload, app to node: the fake charges air time per written byte (ATT and
 *    link-layer headers are inside that figure, as a throughput measured on a real link would be).
 *    The node's stream is off on that link too; goodput_ratio_ble_streaming is the same with the
 *    FEATURES stream a BLE link starts with left on (the node's replies queue behind it).
 *  - The notes give, per update, the framing ratio: model bytes over every byte the app wrote
 *    to the node during the update (BEGIN, chunk frames, COMMIT) — the ceiling of goodput_ratio.
 *  - resume_overhead_bytes: on the 921600 baud link, the cable pulled (SIGUSR1) in the middle of a
 *    transfer: chunk data bytes that reached the node's pty beyond the image's size. Target: at
 *    most one window of chunks.
 *  - power_cut_points_tested / power_cut_failures: the cmocka transfer test
 *    (firmware/test/test_transfer.c) cuts power at every flash write of whole updates and boots
 *    again; its printed line "N cut points ..." gives N, its failure count the failures.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiService } from '../main/api/service';
import { NodeManager } from '../main/node/manager';
import { startVirtualNode, type VirtualNode } from '../main/node/virtualNode';
import type { ByteLink } from '../main/transport/byteLink';
import { openSerialLink } from '../main/transport/serial';
import type { ApiEvents, ModelProgress } from '../models/api/contract';
import { Deframer } from '../models/protocol/index';
import { decodeModelChunk, MSG_MODEL_CHUNK } from '../models/protocol/transfer';
import { connectOverFakeGatt } from '../test/helpers/bleChain';
import { defaultModelBlob, modelFileWithVersion, toBase64 } from '../test/helpers/modelImage';
import { waitFor } from '../test/helpers/wait';
import type { BenchResult } from './run';

const ROOT = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const WINDOW = 8;
const RUNS = 5;
const BLE_MTU = 247;
const BLE_BYTES_PER_S = 60_000;

/** Counts of what reached the node through every link the manager opened. */
interface WireCount {
  chunkDataBytes: number;
  /** Every byte the app wrote to the node. */
  txBytes: number;
}

/** A serial link paced at `baud` (8N1) each way; see the header. */
class RateLimitedLink implements ByteLink {
  private txFreeAt = 0;
  private rxFreeAt = 0;
  private rxQueued = 0;
  private readonly deframer: Deframer;
  constructor(
    private readonly inner: ByteLink,
    private readonly baud: number,
    private readonly count: WireCount,
  ) {
    this.deframer = new Deframer((f) => {
      if (f.type === MSG_MODEL_CHUNK) count.chunkDataBytes += decodeModelChunk(f.payload).data.length;
    });
  }
  get path(): string {
    return this.inner.path;
  }
  private due(freeAt: number, bytes: number): number {
    return Math.max(performance.now(), freeAt) + (bytes * 10 * 1000) / this.baud;
  }
  write(bytes: Uint8Array): Promise<void> {
    this.count.txBytes += bytes.length;
    this.txFreeAt = this.due(this.txFreeAt, bytes.length);
    const copy = bytes.slice();
    return new Promise((resolve, reject) => {
      setTimeout(() => {
        this.deframer.push(copy);
        this.inner.write(copy).then(resolve, reject);
      }, this.txFreeAt - performance.now());
    });
  }
  close(): Promise<void> {
    return this.inner.close();
  }
  onData(listener: (chunk: Uint8Array) => void): void {
    this.inner.onData((chunk) => {
      if (this.rxQueued + chunk.length > 4096) return; // the receive buffer is full: lost
      this.rxQueued += chunk.length;
      this.rxFreeAt = this.due(this.rxFreeAt, chunk.length);
      setTimeout(() => {
        this.rxQueued -= chunk.length;
        listener(chunk);
      }, this.rxFreeAt - performance.now());
    });
  }
  onClose(listener: (error?: Error) => void): void {
    this.inner.onClose(listener);
  }
}

interface Rig {
  manager: NodeManager;
  service: ApiService;
  vn: VirtualNode;
  progress: ModelProgress[];
  count: WireCount;
  dir: string;
  version: number;
  stop(): Promise<void>;
}

async function rig(baud: number | null): Promise<Rig> {
  const dir = mkdtempSync('/dev/shm/vigil-bench-ota-');
  const count: WireCount = { chunkDataBytes: 0, txBytes: 0 };
  const manager = new NodeManager({
    root: ROOT,
    batchMs: 50,
    helloTimeoutMs: 10_000,
    dataDir: join(dir, 'data'),
    modelTransfer: { window: WINDOW },
    ...(baud ? { openLink: async (p: string) => new RateLimitedLink(await openSerialLink(p), baud, count) } : {}),
  });
  const service = new ApiService(manager);
  const progress: ModelProgress[] = [];
  manager.subscribe((e, p) => e === 'node.model' && progress.push(p as ApiEvents['node.model']));
  const vn = await startVirtualNode({ root: ROOT, recording: 'cwru-normal', name: 'bench-ota', link: join(dir, 'wired'), bleLink: join(dir, 'ble'), store: join(dir, 'store'), unplugMs: 300 });
  const info = await manager.connect(vn.path);
  await service.handle('nodes.stream', { path: vn.path, features: false, raw: false, rawDecimation: 1 });
  await service.handle('nodes.pair', { path: vn.path, name: 'bench-ota' });
  return {
    manager,
    service,
    vn,
    progress,
    count,
    dir,
    version: info.hello!.info!.modelVersion,
    async stop() {
      await manager.shutdown();
      await vn.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const OVER = new Set(['confirmed', 'refused', 'reverted', 'rolled-back', 'failed']);

/** One update of version `r.version + 1`: seconds from the request to the COMMIT's ACK; waits for the confirmation. */
async function update(
  r: Rig,
  path: string,
  base: Uint8Array,
  txBytes: () => number,
  onProgress?: (p: ModelProgress) => void,
  allowNoTrial = false,
): Promise<{ seconds: number; size: number; end: ModelProgress; written: number; trialSeen: boolean }> {
  const version = ++r.version;
  const since = r.progress.length;
  // The moment the manager reports the COMMIT's ACK (a poll of r.progress would add its period).
  let trialAt = 0;
  let written = 0;
  const tx0 = txBytes();
  const off = r.manager.subscribe((e, payload) => {
    const p = payload as ModelProgress;
    if (e !== 'node.model' || p.path !== path) return;
    if ((p.state === 'trial' || OVER.has(p.state)) && !trialAt) {
      trialAt = performance.now();
      written = txBytes() - tx0;
    }
    onProgress?.(p);
  });
  const t0 = performance.now();
  const started = (await r.service.handle('nodes.model.deploy', { path, model: toBase64(modelFileWithVersion(base, version)) })) as ModelProgress;
  const trial = await waitFor('the COMMIT ACK', 120_000, () => r.progress.slice(since).find((p) => p.path === path && (p.state === 'trial' || OVER.has(p.state))));
  const seconds = ((trialAt || performance.now()) - t0) / 1000;
  const end = await waitFor('the end of the trial', 60_000, () => r.progress.slice(since).find((p) => p.path === path && OVER.has(p.state)));
  off();
  const trialSeen = trial.state === 'trial';
  if ((!trialSeen && !allowNoTrial) || end.state !== 'confirmed') throw new Error(`the update to version ${version} ended ${end.state}: ${end.message ?? ''}`);
  return { seconds, size: started.total, end, written, trialSeen };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (x: number, d = 3) => Number(x.toFixed(d));

async function serialGoodput(baud: number, base: Uint8Array, notes: string[]): Promise<number> {
  const r = await rig(baud);
  try {
    const runs = [];
    for (let i = 0; i < RUNS; i++) runs.push(await update(r, r.vn.path, base, () => r.count.txBytes));
    const ratios = runs.map((x) => x.size / x.seconds / (baud / 10));
    notes.push(
      `serial ${baud} baud (capacity ${baud / 10} B/s app to node: 8N1 spends 10 bits a byte): ${runs[0].size} model bytes in ${runs.map((x) => x.seconds.toFixed(3)).join(', ')} s; ratios ${ratios.map((x) => x.toFixed(3)).join(', ')}; ${runs[0].written} bytes written to the node, framing ratio ${(runs[0].size / runs[0].written).toFixed(3)}`,
    );
    return round(median(ratios));
  } finally {
    await r.stop();
  }
}

/** The BLE goodput with the node's FEATURES stream off on that link (as on the serial links), and with it on. */
async function bleGoodput(base: Uint8Array, notes: string[]): Promise<{ quiet: number; streaming: number }> {
  const r = await rig(null);
  const chain = await connectOverFakeGatt(r.service, r.manager, r.vn.blePath!, { mtu: BLE_MTU, bytesPerSecond: BLE_BYTES_PER_S, bridgeBufferBytes: 65_536 });
  const series = async (what: string) => {
    const received0 = chain.fake.stats.notifiedBytes;
    const t0 = performance.now();
    const runs = [];
    for (let i = 0; i < RUNS; i++) runs.push(await update(r, chain.path, base, () => chain.fake.stats.writtenBytes));
    const nodeToApp = ((chain.fake.stats.notifiedBytes - received0) * 1000) / (performance.now() - t0);
    const ratios = runs.map((x) => x.size / x.seconds / BLE_BYTES_PER_S);
    notes.push(
      `BLE fake GATT, ${what} (ATT MTU ${BLE_MTU}, ${BLE_BYTES_PER_S} B/s of ATT payload each way = the capacity; BEGIN and COMMIT in SECURE, chunks in the clear): ${runs[0].size} model bytes in ${runs.map((x) => x.seconds.toFixed(3)).join(', ')} s; ratios ${ratios.map((x) => x.toFixed(3)).join(', ')}; ${runs[0].written} bytes written to the node, framing ratio ${(runs[0].size / runs[0].written).toFixed(3)}; largest write ${chain.fake.stats.largestWrite} B; node to app ${Math.round(nodeToApp)} B/s`,
    );
    return round(median(ratios));
  };
  try {
    // A BLE link starts streaming FEATURES (section 4.1): the node's replies queue behind them.
    const streaming = await series('FEATURES streaming on the same link');
    await r.service.handle('nodes.stream', { path: chain.path, features: false, raw: false, rawDecimation: 1 });
    const quiet = await series('stream off');
    return { quiet, streaming };
  } finally {
    await chain.close();
    await r.stop();
  }
}

async function resumeOverhead(base: Uint8Array, notes: string[]): Promise<number> {
  const baud = 921_600;
  const r = await rig(baud);
  try {
    let pulled = -1;
    let u: Awaited<ReturnType<typeof update>> | undefined;
    // The whole image and the COMMIT leave the app at once (one window): when the node is slow to
    // act on the signal (a loaded machine) it may take them all before the cable is out, confirm
    // the model, and nothing is resumed. That try is not a measurement: the next one is.
    for (let attempt = 1; attempt <= 3 && !u?.trialSeen; attempt++) {
      if (u) notes.push(`resume: try ${attempt - 1} not counted: the node took the whole image before the cable was out`);
      r.count.chunkDataBytes = 0;
      pulled = -1;
      u = await update(
        r,
        r.vn.path,
        base,
        () => r.count.txBytes,
        (p) => {
          if (pulled < 0 && p.state === 'sending' && p.sent >= 4 * 1020) {
            pulled = p.sent;
            r.vn.process.kill('SIGUSR1');
          }
        },
        true,
      );
    }
    if (!u?.trialSeen) throw new Error('the cable was pulled too late in 3 tries: no resume measured');
    if (u.end.resumes !== 1) throw new Error(`the transfer resumed ${u.end.resumes} times, 1 expected`);
    const over = r.count.chunkDataBytes - u.size;
    notes.push(`resume: ${baud} baud, window ${WINDOW} × 1020 B, cable pulled when the node held ${pulled} of ${u.size} bytes; ${r.count.chunkDataBytes} chunk bytes reached the node's pty in all`);
    return over;
  } finally {
    await r.stop();
  }
}

function powerCuts(notes: string[]): { points: number | string; failures: number | string } {
  const bin = join(ROOT, 'firmware', 'build', 'test', 'test_transfer');
  const make = spawnSync('make', ['-C', join(ROOT, 'firmware'), 'build/test/test_transfer'], { encoding: 'utf8' });
  if (make.status !== 0) return { points: `not measured: make failed (${make.stderr.trim().split('\n').at(-1)})`, failures: 'not measured' };
  const run = spawnSync(bin, [], { encoding: 'utf8' });
  const out = `${run.stdout}${run.stderr}`;
  const m = /(\d+) cut points/.exec(out);
  notes.push(`power cuts: ${m ? m[0] : 'no "cut points" line'}; ${bin} exited ${run.status}`);
  return { points: m ? Number(m[1]) : 'not measured: no "cut points" line', failures: run.status ?? 'killed' };
}

export async function otaBench(): Promise<BenchResult> {
  const notes: string[] = [];
  const base = defaultModelBlob(ROOT);
  const cuts = powerCuts(notes);
  const figures: BenchResult['figures'] = {
    goodput_ratio_115200: await serialGoodput(115_200, base, notes),
    goodput_ratio_921600: await serialGoodput(921_600, base, notes),
    ...(await bleGoodput(base, notes).then((b) => ({ goodput_ratio_ble: b.quiet, goodput_ratio_ble_streaming: b.streaming }))),
    resume_overhead_bytes: await resumeOverhead(base, notes),
    resume_window_bytes: WINDOW * 1020,
    power_cut_points_tested: cuts.points,
    power_cut_failures: cuts.failures,
  };
  const targets: BenchResult['targets'] = {
    goodput_ratio_115200: '>= 0.90',
    goodput_ratio_921600: '>= 0.90',
    goodput_ratio_ble: '>= 0.90',
    goodput_ratio_ble_streaming: 'reported (FEATURES stream on during the transfer)',
    resume_overhead_bytes: `<= one window of chunks (${WINDOW * 1020} bytes)`,
    power_cut_points_tested: 'reported (every flash write of whole updates)',
    power_cut_failures: '0',
  };
  return { name: 'ota', figures, targets, notes };
}
