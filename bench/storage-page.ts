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
import { applyRetention, DEFAULT_RULES, levelColumns, OUTSIDE_LABELS_LEVEL_BOUND } from '../renderer/src/db/retention';
import { LiveRecorder } from '../renderer/src/record/recorder';
import { unpackChunk, unpackChunkFeatures, valueFormsFor, type PackedFeatureChunk } from '../models/dataset/chunkCodec';
import { summarizeMinutes, type FeatureMinuteSummary, type FeatureSummary } from '../models/dataset/columns';
import { encodeValues } from '../models/dataset/valueCodec';
import { BAND_MAX_ERROR, encodeBands, decodeBands } from '../models/dataset/bandCodec';
import { defaultFeatureSpec, extractFeatures } from '../models/features/index';
import { activationParams } from '../models/nn/quantize';
import { bandPrecision, measureBands, type BandPrecision } from './bandPlanes';

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

/** Real band energies (float32 as a node computes them) that a banded node's frames carry, window after window, cycled. */
const bandSource: Float32Array[] = [];
/** Real RMS and velocity RMS of both axes ([rms0, velocity0, rms1, velocity1], as models/features computes them) that every node's frames carry, cycled; empty without the recordings (then noise). */
const featureSource: Float32Array[] = [];

/** Adds the windows of the CSV in the file input to the feature source: RMS and velocity RMS per axis, computed here by models/features as a node computes them. */
async function featuresOfFile(): Promise<number> {
  const { bursts, rate } = await samplesOf();
  const spec = defaultFeatureSpec(rate);
  for (const b of bursts) for (const w of extractFeatures(b, spec)) featureSource.push(Float32Array.of(w.axes[0].rms, w.axes[0].velocityRmsMmS, w.axes[1].rms, w.axes[1].velocityRmsMmS));
  return featureSource.length;
}

/**
 * Streams `seconds` of a 2-axis node at 48 kHz, hop 512 (93.75 windows/s) through the LiveRecorder,
 * flushing every `flushEvery` frames; returns the time spent (ingest + IndexedDB writes). With
 * `bands`, each frame also carries 32 log band energies per axis, as a shipped node sends them
 * (send_bands on by default): a default node. Their values are real: the windows of `bandSource`
 * (CWRU recordings at 48 kHz through models/features, as a node computes them) in turn, since their
 * stored size depends on them. The RMS and velocity RMS are real too when the recordings are there
 * (`featureSource`, the same CWRU windows in turn; noise otherwise, which no lossless coder
 * shrinks); the anomaly score is noise (no model runs here). With `spans` ([from, to) seconds after DAY0), only the windows in
 * them are sent (the rest is a gap, as when a node is off).
 */
async function writeStream(uid: string, seconds: number, flushEvery: number, bands = false, spans?: [number, number][]): Promise<{ rows: number; ms: number; featureBytes: number; summaryBytes: number }> {
  if (bands && bandSource.length === 0) throw new Error('no band source: call loadBandSource first');
  const d = bench();
  let now = DAY0;
  const rec = new LiveRecorder({ db: d, now: () => now, setInterval: () => 0, clearInterval: () => {} });
  const path = `/dev/bench-${uid}`;
  rec.setNode(benchNode(uid, path));
  const total = Math.round(seconds * 93.75);
  const windows = spans ? spans.flatMap(([a, b]) => Array.from({ length: Math.round((b - a) * 93.75) }, (_, k) => Math.round(a * 93.75) + k)) : null;
  const count = windows ? windows.length : total;
  let seed = 12345;
  const noise = () => ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) * 0.01;
  const t0 = performance.now();
  for (let i = 0; i < count; ) {
    const frames = [];
    for (let k = 0; k < flushEvery && i < count; k++, i++) {
      const wi = windows ? windows[i] : i;
      // As the firmware sends them: RMS, velocity RMS per axis and the anomaly score (stored since the trends read them).
      const src = bands ? bandSource[i % bandSource.length] : null;
      const logBands = src ? [0, 1].map((a) => Array.from(src.subarray(a * 32, (a + 1) * 32))) : undefined;
      const f = featureSource.length > 0 ? featureSource[i % featureSource.length] : null;
      const rmsG = f ? [f[0], f[2]] : [0.05 + noise(), 0.07 + noise()];
      const velocityMmS = f ? [f[1], f[3]] : [0.25 + noise(), 0.3 + noise()];
      frames.push({ windowIndex: wi, tUs: Math.floor(((wi * 512 + 1024) * 1e6) / 48000), shaftHz: 29.95, rmsG, velocityMmS, anomalyScore: 0.5 + noise(), logBands });
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
  return { rows: count, ms, featureBytes: s.bytes.features, summaryBytes: s.bytes.summaries };
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
  await markDay(uid);
  const s = (await d.sessions.where('nodeId').equals(uid).toArray())[0];
  const t0 = performance.now();
  const result = await applyRetention(d, DEFAULT_RULES, DAY0 + (1 + daysLater) * 86_400_000);
  const ms = performance.now() - t0;
  const after = (await d.sessions.get(s.id))!;
  const left = await d.featureChunks.where('sessionId').equals(s.id).toArray();
  return { ms, featureBytes: after.bytes.features, summaryBytes: after.bytes.summaries, chunksLeft: left.length, windowsLeft: left.reduce((n, c) => n + c.count, 0), result };
}

/** The day's events and labels of compactDay on node `uid` (its one session): three alarms, one labelled, and a 10-minute label. */
async function markDay(uid: string): Promise<void> {
  const d = bench();
  const s = (await d.sessions.where('nodeId').equals(uid).toArray())[0];
  const H = 3_600_000;
  const M = 60_000;
  const ev = (k: number, startMs: number, lenMs: number) => ({ id: `${s.id}:event:${k}`, nodeId: uid, sessionId: s.id, startMs, endMs: startMs + lenMs, kind: 'anomaly alarm', score: 2, message: '', createdMs: startMs, updatedMs: startMs });
  const events = [ev(1, DAY0 + 3 * H, 2 * M), ev(2, DAY0 + 11.5 * H, 5 * M), ev(3, DAY0 + 19 * H, 30_000)];
  await d.events.bulkPut(events);
  const label = (id: string, startMs: number, endMs: number, kind: 'outer-race' | 'normal') => ({ id, nodeId: uid, sessionId: s.id, eventId: null, assetId: null, startMs, endMs, label: kind, notes: '', author: 'bench', createdMs: startMs, updatedMs: startMs, deletedMs: null });
  await d.labels.bulkPut([label(`${uid}-l1`, events[1].startMs, events[1].endMs, 'outer-race'), label(`${uid}-l2`, DAY0 + 7 * H, DAY0 + 7 * H + 10 * M, 'normal')]);
}

/** Seconds after DAY0 around what markDay puts on a day, a little wider than the event margin: what a banded node must write for its compacted day to be measured. */
const MARKED_SPANS: [number, number][] = [
  [3 * 3600 - 11 * 60, 3 * 3600 + 13 * 60],
  [7 * 3600 - 60, 7 * 3600 + 11 * 60],
  [11.5 * 3600 - 11 * 60, 11.5 * 3600 + 16 * 60],
  [19 * 3600 - 11 * 60, 19 * 3600 + 11.5 * 60],
];

/** An anomaly alarm on node `uid` (its one session) `afterMs` after DAY0, so retention keeps the windows around it. */
async function addEvent(uid: string, k: number, afterMs: number, lenMs: number): Promise<void> {
  const d = bench();
  const startMs = DAY0 + afterMs;
  const s = (await d.sessions.where('nodeId').equals(uid).toArray())[0];
  await d.events.put({ id: `${s.id}:event:${k}`, nodeId: uid, sessionId: s.id, startMs, endMs: startMs + lenMs, kind: 'anomaly alarm', score: 2, message: '', createdMs: startMs, updatedMs: startMs });
}

/** The bytes a stored chunk spends on band energies: coded (bandBits and kept values) or float32 (chunks stored before). */
const bandBytesOf = (c: PackedFeatureChunk) => (c.bandBits?.byteLength ?? 0) + (c.bandExceptions?.byteLength ?? 0) + (c.bands?.byteLength ?? 0);

/** What node `uid`'s session holds now: its bytes, the windows in its chunks, and the band energies among them, as stored. */
async function kept(uid: string): Promise<{ featureBytes: number; summaryBytes: number; windowsLeft: number; chunkBytes: number; bandBytes: number; bandWindows: number; bandChunks: number }> {
  const d = bench();
  const s = (await d.sessions.where('nodeId').equals(uid).toArray())[0];
  const left = (await d.featureChunks.where('sessionId').equals(s.id).toArray()) as PackedFeatureChunk[];
  const banded = left.filter((c) => bandBytesOf(c) > 0);
  return {
    featureBytes: s.bytes.features,
    summaryBytes: s.bytes.summaries,
    windowsLeft: left.reduce((n, c) => n + c.count, 0),
    chunkBytes: left.reduce((n, c) => n + c.bytes, 0),
    bandBytes: banded.reduce((n, c) => n + bandBytesOf(c), 0),
    bandWindows: banded.reduce((n, c) => n + c.count, 0),
    bandChunks: banded.length,
  };
}

/** Float32 samples of the CSV in the file input: CWRU (two axes, one burst) or FEMTO (a snapshot column, two axes, a burst per snapshot). */
async function samplesOf(): Promise<{ bursts: Float32Array[][]; rate: number }> {
  const input = document.getElementById('file') as HTMLInputElement;
  const file = input.files![0];
  const lines = (await file.text()).trim().split(/\r?\n/);
  const head = lines[0].split(',');
  const snap = head[0] === 'snapshot';
  const cols = snap ? [1, 2] : [0, 1];
  const bursts = new Map<string, number[][]>();
  for (let i = 1; i < lines.length; i++) {
    const p = lines[i].split(',');
    const k = snap ? p[0] : '';
    let b = bursts.get(k);
    if (!b) bursts.set(k, (b = [[], []]));
    b[0].push(Number(p[cols[0]]));
    b[1].push(Number(p[cols[1]]));
  }
  return { bursts: [...bursts.values()].map((b) => b.map((x) => Float32Array.from(x))), rate: snap ? 25_600 : 48_000 };
}

/**
 * The band energies of the CSV in the file input, computed here by models/features as a node
 * computes them (float32, before any storing): how finely they need to be stored (bandPrecision),
 * and how the stored form (models/dataset/bandCodec.ts) keeps them: the largest error and the bytes
 * a value, coded in chunks of one minute of the file's windows as the import stores them. With
 * `source`, its windows are added to the band source of banded nodes.
 */
async function bandsOfFile(source: boolean): Promise<BandPrecision & { values: number; maxAbsError: number; codedBytes: number; deflate: Awaited<ReturnType<typeof measureBands>> }> {
  const { bursts, rate } = await samplesOf();
  const spec = defaultFeatureSpec(rate);
  const windows: Float32Array[] = [];
  const series: number[] = [];
  bursts.forEach((b, k) => {
    for (const w of extractFeatures(b, spec)) {
      windows.push(w.logBands);
      series.push(k);
    }
  });
  if (source) bandSource.push(...windows);
  const p = bandPrecision(windows, series, (lo, hi) => activationParams(lo, hi).scale);
  // As stored: a chunk per minute of node time (windows of a FEMTO minute: its ~6 snapshots).
  const perMinute = Math.round((60 * rate) / spec.hop);
  let maxAbsError = 0;
  let codedBytes = 0;
  let values = 0;
  const chunks: { bands: Float32Array; count: number }[] = [];
  for (let a = 0; a < windows.length; ) {
    const minute = Math.floor(series[a] * (bursts.length > 1 ? 10 / 60 : 0));
    let z = a;
    while (z < windows.length && z - a < perMinute && Math.floor(series[z] * (bursts.length > 1 ? 10 / 60 : 0)) === minute) z++;
    const n = z - a;
    const d = windows[a].length;
    const col = new Float32Array(n * d);
    for (let t = 0; t < n; t++) for (let c = 0; c < d; c++) col[c * n + t] = windows[a + t][c];
    chunks.push({ bands: col, count: n });
    const coded = encodeBands(col, n);
    const back = decodeBands(coded, n);
    for (let i = 0; i < col.length; i++) maxAbsError = Math.max(maxAbsError, Math.abs(back[i] - col[i]));
    codedBytes += coded.bits.byteLength + (coded.exceptions?.byteLength ?? 0);
    values += col.length;
    a = z;
  }
  if (maxAbsError > BAND_MAX_ERROR) throw new Error(`a stored band value is ${maxAbsError} from the one computed: more than the bound ${BAND_MAX_ERROR}`);
  // Lossless deflate of the same float32 chunks (bandPlanes.ts), for comparison.
  return { ...p, values, maxAbsError, codedBytes, deflate: await measureBands(chunks) };
}

/** The band energies of the recording imported from file `name` as the import stored them: bytes and values. */
async function importedBandBytes(name: string): Promise<{ storedBytes: number; values: number }> {
  const d = bench();
  const s = (await d.sessions.toArray()).find((x) => x.name === name);
  if (!s) throw new Error(`no imported recording named ${name}`);
  const rows = (await d.featureChunks.where('sessionId').equals(s.id).toArray()) as PackedFeatureChunk[];
  return { storedBytes: rows.reduce((n, c) => n + bandBytesOf(c), 0), values: rows.reduce((n, c) => n + unpackChunk(c).bands!.length, 0) };
}

/** What node `uid` held before a compaction, read as every reader reads it: the scalar values of its chunks in `spans`, and every per-second summary. */
let remembered: { chunks: Map<string, Float32Array>; seconds: Map<string, FeatureSummary> } | null = null;

async function rememberValues(uid: string, spans: [number, number][]): Promise<{ chunks: number; seconds: number }> {
  const d = bench();
  const s = (await d.sessions.where('nodeId').equals(uid).toArray())[0];
  const chunks = new Map<string, Float32Array>();
  for (const [a, b] of spans) {
    const rows = await d.featureChunks
      .where('[nodeId+startMs]')
      .between([uid, DAY0 + a * 1000 - 60_000], [uid, DAY0 + b * 1000], true, true)
      .toArray();
    for (const c of rows) chunks.set(c.id, unpackChunkFeatures(c).values.slice());
  }
  const seconds = new Map((await d.featureSummaries.where('sessionId').equals(s.id).toArray()).map((r) => [r.id, r]));
  remembered = { chunks, seconds };
  return { chunks: chunks.size, seconds: seconds.size };
}

const sameBits = (a: ArrayBufferView, b: ArrayBufferView) => {
  const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  return x.length === y.length && x.every((v, i) => v === y[i]);
};

/**
 * `stored` against `written` (series of `len`, column-major), as retention promises: the series in
 * `levels` (RMS, velocity RMS) within OUTSIDE_LABELS_LEVEL_BOUND on their positive normal values and
 * bit for bit on every other value; every other series bit for bit. `levels` empty: all bit for bit.
 */
function againstWritten(stored: Float32Array, written: Float32Array, len: number, levels: number[]): { maxRel: number; ok: boolean } {
  if (stored.length !== written.length) return { maxRel: Infinity, ok: false };
  const sb = new Uint32Array(stored.buffer, stored.byteOffset, stored.length);
  const wb = new Uint32Array(written.buffer, written.byteOffset, written.length);
  let maxRel = 0;
  let ok = true;
  for (let i = 0; i < wb.length; i++) {
    if (levels.includes(Math.floor(i / len)) && wb[i] >= 0x00800000 && wb[i] < 0x7f800000) {
      const rel = Math.abs(stored[i] - written[i]) / written[i];
      maxRel = Math.max(maxRel, rel);
      if (!(rel <= OUTSIDE_LABELS_LEVEL_BOUND)) ok = false;
    } else if (sb[i] !== wb[i]) ok = false;
  }
  return { maxRel, ok };
}

/** A summary row against the one written: times and counts bit for bit, min/mean/max as againstWritten. */
function summaryAgainst(r: FeatureSummary | FeatureMinuteSummary, w: FeatureSummary | FeatureMinuteSummary, levels: number[]): { maxRel: number; ok: boolean } {
  let maxRel = 0;
  let ok = sameBits(r.tUsOffset, w.tUsOffset) && sameBits(r.windows, w.windows);
  for (const k of ['min', 'mean', 'max'] as const) {
    const x = againstWritten(r[k], w[k], w.buckets, levels);
    maxRel = Math.max(maxRel, x.maxRel);
    ok &&= x.ok;
  }
  return { maxRel, ok };
}

/**
 * After a compaction, node `uid`'s stored values against what `rememberValues` read before, as
 * retention promises them (renderer/src/db/retention.ts, OUTSIDE_LABELS_LEVEL_BOUND): every kept
 * chunk's scalar values, every per-second summary and every per-minute row (against the per-minute
 * summary of the seconds read before) bit for bit where a label is on them, elsewhere the levels
 * within the bound and everything else bit for bit; the largest relative error of a level outside
 * labels; the stored forms of the kept chunks' values; and, for comparison, lossless deflate of the
 * same float32 values (bench/bandPlanes.ts), of the kept chunks and of the first 240 per-second
 * summaries' min, mean and max, beside the value coder on the same columns.
 */
async function checkValues(uid: string): Promise<{ exact: boolean; problems: string[]; maxRelError: number; labelledExact: boolean; labelledRows: number; keptChunks: number; keptWindows: number; chunkBytes: number; values: number; storedBytes: number; codedChunks: number; secondsChecked: number; minutesChecked: number; deflate: Awaited<ReturnType<typeof measureBands>>; summaryDeflate: Awaited<ReturnType<typeof measureBands>>; summaryCodedBytes: number }> {
  if (!remembered) throw new Error('rememberValues first');
  const d = bench();
  const s = (await d.sessions.where('nodeId').equals(uid).toArray())[0];
  const levels = levelColumns(s);
  const labels = (await d.labels.where('nodeId').equals(uid).toArray()).filter((l) => l.deletedMs === null);
  const labelled = (from: number, to: number) => labels.some((l) => l.startMs <= to && l.endMs >= from);
  const problems: string[] = [];
  let maxRelError = 0;
  let labelledExact = true;
  let labelledRows = 0;
  /** One row's check: bit for bit under a label, within the bound elsewhere. */
  const check = (what: string, underLabel: boolean, r: { maxRel: number; ok: boolean }) => {
    if (underLabel) {
      labelledRows++;
      if (!r.ok) {
        labelledExact = false;
        problems.push(`${what} (labelled) does not read back bit for bit`);
      }
      return;
    }
    maxRelError = Math.max(maxRelError, r.maxRel);
    if (!r.ok) problems.push(`${what} reads other values than the bound allows`);
  };
  const left = await d.featureChunks.where('sessionId').equals(s.id).toArray();
  let values = 0;
  let storedBytes = 0;
  let codedChunks = 0;
  const originals: { bands: Float32Array; count: number }[] = [];
  for (const c of left) {
    const before = remembered.chunks.get(c.id);
    if (!before) problems.push(`chunk ${c.id} was not read before`);
    else {
      const under = labelled(c.startMs, c.endMs);
      check(`chunk ${c.id}`, under, againstWritten(unpackChunkFeatures(c).values, before, c.count, under ? [] : levels));
      originals.push({ bands: before, count: c.count });
    }
    const f = valueFormsFor(c);
    values += f.values;
    storedBytes += f.storedBytes;
    if (f.form === 'coded') codedChunks++;
  }
  const seconds = await d.featureSummaries.where('sessionId').equals(s.id).toArray();
  for (const r of seconds) {
    const before = remembered.seconds.get(r.id);
    if (!before) problems.push(`summary ${r.id} was not read before`);
    else {
      const under = labelled(r.startMs, r.endMs);
      check(`summary ${r.id}`, under, summaryAgainst(r, before, under ? [] : levels));
    }
  }
  const minutes = await d.featureMinutes.where('sessionId').equals(s.id).toArray();
  for (const m of minutes) {
    const secs = [...remembered.seconds.values()].filter((r) => Math.floor(r.chunkIndex / 60) === m.hourIndex);
    const want = summarizeMinutes(secs);
    const under = labelled(m.startMs, m.endMs);
    check(`per-minute row ${m.id}`, under, summaryAgainst(m, want, under ? [] : levels));
  }
  // The same columns compressed losslessly by the browser's deflate, for comparison with the value coder.
  const deflate = await measureBands(originals);
  const sample = [...remembered.seconds.values()].sort((a, b) => a.chunkIndex - b.chunkIndex).slice(0, 240);
  const cols = sample.map((r) => {
    const all = new Float32Array(r.min.length * 3);
    all.set(r.min, 0);
    all.set(r.mean, r.min.length);
    all.set(r.max, 2 * r.min.length);
    return { bands: all, count: r.buckets };
  });
  const summaryDeflate = await measureBands(cols);
  const summaryCodedBytes = cols.reduce((n, c) => n + encodeValues(c.bands, c.count).byteLength, 0);
  return {
    exact: problems.length === 0,
    problems: problems.slice(0, 5),
    maxRelError,
    labelledExact: labelledExact && labelledRows > 0,
    labelledRows,
    keptChunks: left.length,
    keptWindows: left.reduce((n, c) => n + c.count, 0),
    chunkBytes: left.reduce((n, c) => n + c.bytes, 0),
    values,
    storedBytes,
    codedChunks,
    secondsChecked: seconds.length,
    minutesChecked: minutes.length,
    deflate,
    summaryDeflate,
    summaryCodedBytes,
  };
}

async function usage(): Promise<number> {
  return (await navigator.storage.estimate()).usage ?? NaN;
}

declare global {
  interface Window {
    vigilBench: {
      writeStream: typeof writeStream;
      queryDay: typeof queryDay;
      importFile: typeof importFile;
      usage: typeof usage;
      compactDay: typeof compactDay;
      markDay: typeof markDay;
      markedSpans: () => [number, number][];
      importedBandBytes: typeof importedBandBytes;
      bandsOfFile: typeof bandsOfFile;
      addEvent: typeof addEvent;
      kept: typeof kept;
      featuresOfFile: typeof featuresOfFile;
      rememberValues: typeof rememberValues;
      checkValues: typeof checkValues;
    };
  }
}

window.vigilBench = { writeStream, queryDay, importFile, usage, compactDay, markDay, markedSpans: () => MARKED_SPANS, importedBandBytes, bandsOfFile, addEvent, kept, featuresOfFile, rememberValues, checkValues };
document.title = 'vigil-bench-ready';
