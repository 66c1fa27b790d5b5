/**
 * The page the storage benchmark (bench/storage.ts) bundles with Vite and runs in headless Chromium:
 * the app's own storage code (LiveRecorder, feature reads, the CSV ImportJob and its worker) on
 * real IndexedDB, exposed as `window.vigilBench`.
 */
import type { NodeInfo } from '../models/api/contract';
import { sniffCsv } from '../models/dataset/formats';
import { openDb, type VigilDb } from '../renderer/src/db/db';
import { readNodeFeatures, readNodeSummaries } from '../renderer/src/db/features';
import { ImportJob } from '../renderer/src/import/importJob';
import { applyRetention, DEFAULT_RULES } from '../renderer/src/db/retention';
import { LiveRecorder } from '../renderer/src/record/recorder';
import { unpackChunk } from '../models/dataset/chunkCodec';
import { measureBands } from './bandPlanes';

const DAY_MS = 86_400_000;
/** 00:00 UTC of an arbitrary day: the node-day the benchmark writes and reads. */
export const DAY0 = Date.UTC(2024, 4, 2);

function benchNode(uid: string, path: string): NodeInfo {
  return {
    path,
    status: 'online',
    demo: false,
    link: 'serial',
    hello: { uid, name: `bench ${uid.slice(-4)}`, board: 'host', firmware: '0.1.0', protocolVersion: 1, axisCount: 2, windowLen: 1024, hop: 512, sampleRateHz: 48000, channels: ['DE', 'FE'] },
    stats: { bytes: 0, frames: 0, badCobs: 0, badCrc: 0, badLength: 0, badVersion: 0, oversize: 0, unknownType: 0, badPayload: 0, missedWindows: 0, rawBlocks: 0, missedRawFrames: 0, retries: 0, failedRequests: 0, nacks: 0, reconnects: 0 },
  };
}

let db: VigilDb | null = null;
const bench = () => (db ??= openDb('vigil-bench'));

/**
 * Streams `seconds` of a 2-axis node at 48 kHz, hop 512 (93.75 windows/s) through the LiveRecorder,
 * flushing every `flushEvery` frames; returns the time spent (ingest + IndexedDB writes). With
 * `bands`, each frame also carries 32 log band energies per axis, as a shipped node sends them
 * (send_bands on by default): a default node. Their values are made up (a spectrum falling with
 * frequency plus noise); their stored size does not depend on them (float32, stored as they are).
 */
async function writeStream(uid: string, seconds: number, flushEvery: number, bands = false): Promise<{ rows: number; ms: number; featureBytes: number; summaryBytes: number }> {
  const d = bench();
  let now = DAY0;
  const rec = new LiveRecorder({ db: d, now: () => now, setInterval: () => 0, clearInterval: () => {} });
  const path = `/dev/bench-${uid}`;
  rec.setNode(benchNode(uid, path));
  const total = Math.round(seconds * 93.75);
  let seed = 12345;
  const noise = () => ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) * 0.01;
  const t0 = performance.now();
  for (let wi = 0; wi < total; ) {
    const frames = [];
    for (let k = 0; k < flushEvery && wi < total; k++, wi++) {
      // As the firmware sends them: RMS, velocity RMS per axis and the anomaly score (stored since the trends read them).
      const logBands = bands ? [0, 1].map((a) => Array.from({ length: 32 }, (_, b) => -4 - a - b / 8 + 20 * noise())) : undefined;
      frames.push({ windowIndex: wi, tUs: Math.floor(((wi * 512 + 1024) * 1e6) / 48000), shaftHz: 29.95, rmsG: [0.05 + noise(), 0.07 + noise()], velocityMmS: [0.25 + noise(), 0.3 + noise()], anomalyScore: 0.5 + noise(), logBands });
    }
    // The recorder anchors node time 0 to the clock at the first frame: put it at DAY0.
    now = DAY0 + frames[0].tUs / 1000;
    rec.ingest({ path, frames });
    await rec.flush();
    if (rec.state.kind === 'stopped') throw new Error(rec.state.message);
  }
  rec.nodeGone(path);
  await rec.flush();
  const ms = performance.now() - t0;
  rec.dispose();
  const s = (await d.sessions.where('nodeId').equals(uid).toArray())[0];
  return { rows: total, ms, featureBytes: s.bytes.features, summaryBytes: s.bytes.summaries };
}

async function queryDay(uid: string, what: 'summary' | 'full' | 'full-hour'): Promise<{ ms: number; rows: number; chunks: number }> {
  const d = bench();
  const t0 = performance.now();
  if (what === 'summary') {
    const s = await readNodeSummaries(d, uid, DAY0, DAY0 + DAY_MS);
    return { ms: performance.now() - t0, rows: s.tMs.length, chunks: s.chunks };
  }
  const to = what === 'full' ? DAY0 + DAY_MS : DAY0 + 3_600_000;
  const f = await readNodeFeatures(d, uid, DAY0, to);
  return { ms: performance.now() - t0, rows: f.tMs.length, chunks: f.chunks };
}

async function importFile(): Promise<{ ms: number; parseMs: number; saveMs: number; windows: number; samples: number; gaps: number; bytes: number }> {
  const input = document.getElementById('file') as HTMLInputElement;
  const file = input.files![0];
  const head = await file.slice(0, 65536).text();
  const { settings } = sniffCsv(head, file.name);
  const d = bench();
  const t0 = performance.now();
  const job = new ImportJob(
    d,
    file,
    settings,
    {
      sessionId: crypto.randomUUID(),
      nodeId: crypto.randomUUID(),
      nodeName: file.name,
      assetId: null,
      newAsset: null,
      name: file.name,
      t0Ms: DAY0,
      fileName: file.name,
      settings,
      nowMs: Date.now(),
    },
    () => {},
    'bench',
  );
  const r = await job.parse();
  const t1 = performance.now();
  await job.save(r.rows);
  const t2 = performance.now();
  return { ms: t2 - t0, parseMs: t1 - t0, saveMs: t2 - t1, windows: r.windows, samples: r.samples, gaps: r.rows.gaps.length, bytes: file.size };
}

/**
 * The node-day `uid` after retention at the default policy, with a realistic few events and labels:
 * three anomaly alarms (2 min, 5 min and 30 s), one labelled (the label on the alarm), and a
 * 10-minute "normal" label elsewhere. `daysLater` after the day: 2 (every window compacted but
 * around those, per-second summaries kept), or 40 (per-second summaries compacted too).
 */
async function compactDay(uid: string, daysLater: number): Promise<{ ms: number; featureBytes: number; summaryBytes: number; chunksLeft: number; windowsLeft: number; result: unknown }> {
  const d = bench();
  const s = (await d.sessions.where('nodeId').equals(uid).toArray())[0];
  const H = 3_600_000;
  const M = 60_000;
  const ev = (k: number, startMs: number, lenMs: number) => ({ id: `${s.id}:event:${k}`, nodeId: uid, sessionId: s.id, startMs, endMs: startMs + lenMs, kind: 'anomaly alarm', score: 2, message: '', createdMs: startMs, updatedMs: startMs });
  const events = [ev(1, DAY0 + 3 * H, 2 * M), ev(2, DAY0 + 11.5 * H, 5 * M), ev(3, DAY0 + 19 * H, 30_000)];
  await d.events.bulkPut(events);
  const label = (id: string, startMs: number, endMs: number, kind: 'outer-race' | 'normal') => ({ id, nodeId: uid, sessionId: s.id, eventId: null, assetId: null, startMs, endMs, label: kind, notes: '', author: 'bench', createdMs: startMs, updatedMs: startMs, deletedMs: null });
  await d.labels.bulkPut([label(`${uid}-l1`, events[1].startMs, events[1].endMs, 'outer-race'), label(`${uid}-l2`, DAY0 + 7 * H, DAY0 + 7 * H + 10 * M, 'normal')]);
  const t0 = performance.now();
  const result = await applyRetention(d, DEFAULT_RULES, DAY0 + (1 + daysLater) * 86_400_000);
  const ms = performance.now() - t0;
  const after = (await d.sessions.get(s.id))!;
  const left = await d.featureChunks.where('sessionId').equals(s.id).toArray();
  return { ms, featureBytes: after.bytes.features, summaryBytes: after.bytes.summaries, chunksLeft: left.length, windowsLeft: left.reduce((n, c) => n + c.count, 0), result };
}

/** An anomaly alarm on node `uid` (its one session) `afterMs` after DAY0, so retention keeps the windows around it. */
async function addEvent(uid: string, k: number, afterMs: number, lenMs: number): Promise<void> {
  const d = bench();
  const startMs = DAY0 + afterMs;
  const s = (await d.sessions.where('nodeId').equals(uid).toArray())[0];
  await d.events.put({ id: `${s.id}:event:${k}`, nodeId: uid, sessionId: s.id, startMs, endMs: startMs + lenMs, kind: 'anomaly alarm', score: 2, message: '', createdMs: startMs, updatedMs: startMs });
}

/** What node `uid`'s session holds now: its bytes and the windows in its chunks. */
async function kept(uid: string): Promise<{ featureBytes: number; summaryBytes: number; windowsLeft: number; chunkBytes: number }> {
  const d = bench();
  const s = (await d.sessions.where('nodeId').equals(uid).toArray())[0];
  const left = await d.featureChunks.where('sessionId').equals(s.id).toArray();
  return { featureBytes: s.bytes.features, summaryBytes: s.bytes.summaries, windowsLeft: left.reduce((n, c) => n + c.count, 0), chunkBytes: left.reduce((n, c) => n + c.bytes, 0) };
}

/**
 * The band energies of the recording imported from file `name` (computed by models/features from
 * its samples, as the import stores them), compressed chunk by chunk in the forms of bandPlanes.ts.
 */
async function measureImportedBands(name: string): Promise<Awaited<ReturnType<typeof measureBands>>> {
  const d = bench();
  const s = (await d.sessions.toArray()).find((x) => x.name === name);
  if (!s) throw new Error(`no imported recording named ${name}`);
  const chunks = (await d.featureChunks.where('sessionId').equals(s.id).toArray()).map(unpackChunk);
  return measureBands(chunks);
}

async function usage(): Promise<number> {
  return (await navigator.storage.estimate()).usage ?? NaN;
}

declare global {
  interface Window {
    vigilBench: { writeStream: typeof writeStream; queryDay: typeof queryDay; importFile: typeof importFile; usage: typeof usage; compactDay: typeof compactDay; measureImportedBands: typeof measureImportedBands; addEvent: typeof addEvent; kept: typeof kept };
  }
}

window.vigilBench = { writeStream, queryDay, importFile, usage, compactDay, measureImportedBands, addEvent, kept };
document.title = 'vigil-bench-ready';
