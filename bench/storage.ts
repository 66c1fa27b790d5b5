/**
 * storage: the technician's data in IndexedDB, measured in headless Chromium (real IndexedDB, not a
 * Node fake). bench/storage-page.ts, bundled by Vite into bench-output/storage-page, runs the app's
 * own storage code:
 *  - feature_rows_per_s: one node-day of a 2-axis node (48 kHz, hop 512: 93.75 windows/s; RMS and
 *    velocity RMS per axis and the anomaly score, no band energies;
 *    8.1 million rows) through the LiveRecorder, flushed in batches of 10,000 frames;
 *  - feature_rows_per_s_5s_flush: one hour at the recorder's real cadence (a flush every 5 s);
 *  - query_ms: that node-day as the day view reads it (per-second min/mean/max, 86,400 buckets);
 *    query_full_day_ms: every one of its 8.1 million windows; query_full_hour_ms: one hour of them;
 *  - import_s: ../shared/data/femto/Bearing1_2_acc.csv (38 MB) through the import dialog's
 *    ImportJob: streamed parse and features in the worker, then one transaction;
 *  - the size of a node-day: the typed arrays stored (chunks packed: models/dataset/chunkCodec.ts;
 *    feature_bytes_per_window), and the growth of the browser's usage;
 *  - stored_mb_per_node_day_compacted: that node-day after retention at the default policy (every
 *    window kept 24 h, around events with 10 min either side and under labels; per-second summaries
 *    30 days), with three alarms, one labelled, and a 10-minute label: two days later, then 40.
 *  - a default node (send_bands on, as every shipped board): the node-day above sends no band
 *    energies; a node that does (32 per axis, real values from CWRU recordings) writes the stretches
 *    of the same day around its alarms and labels through the same recorder: its stored bytes a
 *    window, and the band bytes its kept minutes hold after the same retention run, give the
 *    `_with_bands` figures, measured on the stored layout (models/dataset/bandCodec.ts);
 *  - the feature values of that compacted day (models/dataset/valueCodec.ts): their stored bytes a
 *    value, a window and a second, checked bit for bit against what the day held before the run,
 *    and deflate-raw of the same columns for comparison; the node-day's RMS and velocity RMS are
 *    real (every CWRU recording and FEMTO through models/features, in turn), the score noise;
 *    query_coded_day_ms: the day view once the day's summaries are coded;
 *  - band_*_{cwru,femto}: how finely band energies need storing and how the stored form keeps them,
 *    on real recordings (CWRU, FEMTO through models/features); bands_deflate_ratio_*: the same bands
 *    compressed losslessly with the browser's CompressionStream (bench/bandPlanes.ts), for comparison.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../test/helpers/browser';
import { BAND_MAX_ERROR, BAND_STEP } from '../models/dataset/bandCodec';
import { DEFAULT_RULES, OUTSIDE_LABELS_LEVEL_BOUND } from '../renderer/src/db/retention';
import type { BenchResult } from './run';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'bench-output', 'storage-page');
/** ../shared/data beside the checkout; VIGIL_SHARED_DATA names another place (a git worktree sits one folder deeper). */
const SHARED = process.env.VIGIL_SHARED_DATA ? resolve(process.env.VIGIL_SHARED_DATA) : resolve(ROOT, '..', 'shared', 'data');
const FEMTO = join(SHARED, 'femto', 'Bearing1_2_acc.csv');
const CWRU = join(SHARED, 'cwru', 'normal_0hp_1797rpm_48k.csv');
/** Two faulty bearings of the same rig, for the band compression figures (their spectra differ from normal). */
const CWRU_FAULTS = ['inner_race_007mil_0hp_1797rpm_DE48.csv', 'outer_race_at6oclock_014mil_0hp_1797rpm_DE48.csv'].map((f) => join(SHARED, 'cwru', f));
const MIME: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };

async function buildPage(): Promise<void> {
  const src = mkdtempSync(join(tmpdir(), 'vigil-bench-src-'));
  writeFileSync(join(src, 'index.html'), '<!doctype html><html><head><meta charset="utf-8"><title>bench</title></head><body><input type="file" id="file"><script type="module" src="./entry.ts"></script></body></html>');
  writeFileSync(join(src, 'entry.ts'), `import ${JSON.stringify(join(ROOT, 'bench', 'storage-page.ts'))};\n`);
  const { build } = await import('vite');
  await build({ root: src, base: './', logLevel: 'warn', build: { outDir: OUT, emptyOutDir: true, modulePreload: { polyfill: false } } });
  rmSync(src, { recursive: true, force: true });
}

function serve(dir: string): Promise<{ url: string; close: () => void }> {
  const root = resolve(dir);
  const server = createServer((req, res) => {
    const rel = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = normalize(join(root, rel === '/' ? 'index.html' : rel));
    if (!file.startsWith(root + sep) || !existsSync(file) || !statSync(file).isFile()) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, close: () => server.close() })));
}

const round = (x: number, d = 0) => Number(x.toFixed(d));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function storageBench(): Promise<BenchResult> {
  mkdirSync(OUT, { recursive: true });
  await buildPage();
  const server = await serve(OUT);
  const profile = mkdtempSync(join(tmpdir(), 'vigil-bench-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
  const notes: string[] = [];
  const figures: BenchResult['figures'] = {};
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url);
    await page.waitForFunction(() => document.title === 'vigil-bench-ready', undefined, { timeout: 30_000 });

    // The RMS and velocity RMS of every node below are real: the windows of every CWRU recording and of FEMTO Bearing1_2 through models/features, in
    // turn (noise without them). More windows than a minute holds, so no chunk or summary row repeats itself (deflate would find the repeat).
    const cwruDir = dirname(CWRU);
    const cwruFiles = existsSync(cwruDir) ? [CWRU, ...readdirSync(cwruDir).filter((f) => f.endsWith('.csv') && f !== 'manifest.csv' && join(cwruDir, f) !== CWRU).sort().map((f) => join(cwruDir, f))] : [];
    const featureFiles = [...cwruFiles, FEMTO].filter((f) => existsSync(f));
    let featureWindows = 0;
    for (const f of featureFiles) {
      await page.setInputFiles('#file', f);
      featureWindows = await page.evaluate(() => window.vigilBench.featuresOfFile());
    }
    figures.feature_source_windows = featureWindows;
    if (featureFiles.length > 0 && featureWindows <= 5625) notes.push(`CHECK: the feature source has ${featureWindows} windows, fewer than a minute of the node (5,625): a chunk repeats them, which deflate finds and the value coder does not.`);
    if (featureFiles.length === 0) notes.push(`ABSENT: the CWRU and FEMTO recordings are not in ${SHARED}: the node-day's RMS and velocity RMS are synthetic noise, which no lossless coder shrinks, so the *_compacted value figures understate the coding.`);

    const before = await page.evaluate(() => window.vigilBench.usage());
    const day = await page.evaluate(() => window.vigilBench.writeStream('00000000000000000000da01', 86_400, 10_000));
    const after = await page.evaluate(() => window.vigilBench.usage());
    figures.node_day_rows = day.rows;
    figures.feature_rows_per_s = Math.round(day.rows / (day.ms / 1000));
    figures.write_node_day_s = round(day.ms / 1000, 2);
    const live = await page.evaluate(() => window.vigilBench.writeStream('00000000000000000000aa02', 3_600, 469));
    figures.feature_rows_per_s_5s_flush = Math.round(live.rows / (live.ms / 1000));
    const sum: number[] = [];
    let buckets = 0;
    for (let i = 0; i < 5; i++) {
      const q = await page.evaluate(() => window.vigilBench.queryDay('00000000000000000000da01', 'summary'));
      sum.push(q.ms);
      buckets = q.rows;
    }
    figures.query_ms = round(median(sum), 1);
    figures.query_buckets = buckets;
    const hour: number[] = [];
    for (let i = 0; i < 3; i++) hour.push((await page.evaluate(() => window.vigilBench.queryDay('00000000000000000000da01', 'full-hour'))).ms);
    figures.query_full_hour_ms = round(median(hour), 1);
    const full = await page.evaluate(() => window.vigilBench.queryDay('00000000000000000000da01', 'full'));
    // The last windows end a few ms after midnight: they belong to the next day.
    if (full.rows < day.rows - 3) throw new Error(`full-day query returned ${full.rows} rows, wrote ${day.rows}`);
    figures.query_full_day_ms = round(full.ms, 0);
    figures.stored_mb_per_node_day = round((day.featureBytes + day.summaryBytes) / 1e6, 1);
    figures.features_mb_per_node_day = round(day.featureBytes / 1e6, 1);
    // Chunks are stored packed (models/dataset/chunkCodec.ts): 20 bytes a window here (five f32
    // values; window index, time and speed as runs), 32 before.
    figures.feature_bytes_per_window = round(day.featureBytes / day.rows, 2);
    figures.summaries_mb_per_node_day = round(day.summaryBytes / 1e6, 2);
    figures.usage_growth_mb_per_node_day = round((after - before) / 1e6, 1);

    if (existsSync(FEMTO)) {
      await page.setInputFiles('#file', FEMTO);
      const imp = await page.evaluate(() => window.vigilBench.importFile());
      figures.import_s = round(imp.ms / 1000, 2);
      figures.import_parse_s = round(imp.parseMs / 1000, 2);
      figures.import_save_s = round(imp.saveMs / 1000, 2);
      figures.import_mb = round(imp.bytes / 1e6, 1);
      figures.import_windows = imp.windows;
      figures.import_gaps = imp.gaps;
      figures.import_mb_per_s = round(imp.bytes / 1e6 / (imp.ms / 1000), 1);
    } else {
      figures.import_s = null;
      notes.push(`ABSENT: ${FEMTO} is not on this machine, so import_s was not measured (it needs ../shared/data, or VIGIL_SHARED_DATA).`);
    }
    if (existsSync(CWRU)) {
      await page.setInputFiles('#file', CWRU);
      const imp = await page.evaluate(() => window.vigilBench.importFile());
      figures.import_cwru_5s_s = round(imp.ms / 1000, 2);
    }
    // Band energies of real recordings, computed in the page by models/features as a node computes
    // them: how finely they need storing (window-to-window change, a node model's int8 input step),
    // how the stored form keeps them (largest error, bytes a value), and lossless deflate for comparison.
    const bandSets: [string, string[]][] = [
      ['cwru', [CWRU, ...CWRU_FAULTS]],
      ['femto', [FEMTO]],
    ];
    let exact = true;
    let maxAbsError = 0;
    for (const [set, files] of bandSets) {
      const present = files.filter((f) => existsSync(f));
      if (present.length < files.length) {
        notes.push(`ABSENT: ${files.filter((f) => !existsSync(f)).join(', ')} not on this machine: the ${set} band figures are ${present.length ? 'from the files present' : 'null'}.`);
      }
      const total = { windows: 0, raw: 0, plain: 0, planes: 0, xor: 0, delta: 0, values: 0, coded: 0, imported: 0, importedValues: 0, maxErr: 0 };
      const w2wMin: number[] = [];
      const stepMin: number[] = [];
      const stepMedian: number[] = [];
      for (const f of present) {
        await page.setInputFiles('#file', f);
        if (f !== CWRU && f !== FEMTO) await page.evaluate(() => window.vigilBench.importFile());
        // The CWRU windows (48 kHz, as the benchmark's node) are the band source of the banded node below.
        const m = await page.evaluate((src) => window.vigilBench.bandsOfFile(src), set === 'cwru');
        const name = f.slice(f.lastIndexOf(sep) + 1);
        const imp = await page.evaluate((n) => window.vigilBench.importedBandBytes(n), name);
        exact &&= m.deflate.exact;
        total.windows += m.windows;
        total.raw += m.deflate.rawBytes;
        total.plain += m.deflate.compressedBytes.plain;
        total.planes += m.deflate.compressedBytes.planes;
        total.xor += m.deflate.compressedBytes['xor-planes'];
        total.delta += m.deflate.compressedBytes['delta-planes'];
        total.values += m.values;
        total.coded += m.codedBytes;
        total.imported += imp.storedBytes;
        total.importedValues += imp.values;
        total.maxErr = Math.max(total.maxErr, m.maxAbsError);
        w2wMin.push(m.w2wMin);
        stepMin.push(m.int8StepMin);
        stepMedian.push(m.int8StepMedian);
      }
      const ratio = (x: number) => (total.raw > 0 ? round(x / total.raw, 3) : null);
      figures[`bands_windows_${set}`] = total.windows;
      figures[`bands_deflate_ratio_plain_${set}`] = ratio(total.plain);
      figures[`bands_deflate_ratio_planes_${set}`] = ratio(total.planes);
      figures[`bands_deflate_ratio_xor_planes_${set}`] = ratio(total.xor);
      figures[`bands_deflate_ratio_delta_planes_${set}`] = ratio(total.delta);
      const any = present.length > 0;
      figures[`band_window_to_window_median_min_${set}`] = any ? round(Math.min(...w2wMin), 4) : null;
      figures[`band_int8_input_step_min_${set}`] = any ? round(Math.min(...stepMin), 4) : null;
      figures[`band_int8_input_step_median_${set}`] = any ? round(median(stepMedian), 4) : null;
      figures[`band_max_abs_error_${set}`] = any ? total.maxErr : null;
      figures[`band_bytes_per_value_coded_${set}`] = total.values > 0 ? round(total.coded / total.values, 3) : null;
      figures[`band_bytes_per_value_stored_${set}`] = total.importedValues > 0 ? round(total.imported / total.importedValues, 3) : null;
      maxAbsError = Math.max(maxAbsError, total.maxErr);
    }
    // Every deflate form gave back every band value bit for bit (1), or not (0: a bug in bandPlanes.ts).
    figures.bands_round_trip_exact = exact ? 1 : 0;
    figures.band_quantization_step = BAND_STEP;
    figures.band_max_abs_error_bound = BAND_MAX_ERROR;
    figures.band_max_abs_error = maxAbsError;

    // A default node (send_bands on), written after the figures above so they are measured as before:
    // the stretches of a day around what the compacted day keeps (its three alarms and two labels,
    // with more than the event margin either side), with real band energies (the CWRU windows above
    // in turn), same recorder, same batches. Its bytes are what a default node stores.
    const spans = await page.evaluate(() => window.vigilBench.markedSpans());
    const banded = await page.evaluate((sp) => window.vigilBench.writeStream('00000000000000000000bb03', 86_400, 10_000, true, sp), spans);
    figures.banded_windows_written = banded.rows;
    figures.feature_bytes_per_window_with_bands = round(banded.featureBytes / banded.rows, 2);
    const bandBytesPerWindow = banded.featureBytes / banded.rows - day.featureBytes / day.rows;
    figures.band_bytes_per_window = round(bandBytesPerWindow, 2);
    figures.band_bytes_per_value_stored = round(bandBytesPerWindow / 64, 3);
    // The same day from a default node: its bands, as stored, on every window (the banded day itself is not written whole).
    figures.stored_mb_per_node_day_with_bands = round((day.featureBytes + day.rows * bandBytesPerWindow + day.summaryBytes) / 1e6, 1);
    // The day's alarms and labels on the banded node too: the compaction below runs over the whole database.
    await page.evaluate(() => window.vigilBench.markDay('00000000000000000000bb03'));
    // What the day holds now, as every reader reads it, to check the compacted day against (the minutes around its alarms and labels, every summary).
    await page.evaluate((sp) => window.vigilBench.rememberValues('00000000000000000000da01', sp), spans);
    // Last: it deletes most of the node-day the queries above read.
    const c2 = await page.evaluate(() => window.vigilBench.compactDay('00000000000000000000da01', 2));
    figures.stored_mb_per_node_day_compacted = round((c2.featureBytes + c2.summaryBytes) / 1e6, 1);
    // The feature values the compacted day keeps, as stored (coded without loss, models/dataset/valueCodec.ts), checked bit for bit against what was read before.
    const vc = await page.evaluate(() => window.vigilBench.checkValues('00000000000000000000da01'));
    figures.compacted_features_mb = round(c2.featureBytes / 1e6, 2);
    figures.compacted_summaries_mb = round(c2.summaryBytes / 1e6, 2);
    figures.feature_bytes_per_value_compacted = vc.values > 0 ? round(vc.storedBytes / vc.values, 3) : null;
    figures.feature_bytes_per_window_compacted = vc.keptWindows > 0 ? round(vc.chunkBytes / vc.keptWindows, 2) : null;
    figures.summary_bytes_per_second_compacted = round(c2.summaryBytes / 86_400, 2);
    figures.compacted_value_chunks_coded = vc.codedChunks;
    // Every kept value as retention promises it: bit for bit under labels, RMS and velocity within OUTSIDE_LABELS_LEVEL_BOUND elsewhere, the rest bit for bit.
    figures.feature_values_round_trip_exact = vc.exact ? 1 : 0;
    figures.feature_values_max_rel_error_compacted = vc.maxRelError;
    figures.feature_values_max_rel_error_bound = OUTSIDE_LABELS_LEVEL_BOUND;
    figures.feature_values_labelled_exact = vc.labelledExact ? 1 : 0;
    figures.feature_values_labelled_rows_checked = vc.labelledRows;
    if (!vc.exact) notes.push(`CHECK: the compacted day does not read back what it held, as retention promises it: ${vc.problems.join('; ')}`);
    const vRatio = (x: number) => (vc.deflate.rawBytes > 0 ? round(x / vc.deflate.rawBytes, 3) : null);
    figures.values_deflate_ratio_plain_compacted = vRatio(vc.deflate.compressedBytes.plain);
    figures.values_deflate_ratio_planes_compacted = vRatio(vc.deflate.compressedBytes.planes);
    figures.values_deflate_ratio_xor_planes_compacted = vRatio(vc.deflate.compressedBytes['xor-planes']);
    figures.values_deflate_ratio_delta_planes_compacted = vRatio(vc.deflate.compressedBytes['delta-planes']);
    figures.values_coded_ratio_compacted = vc.values > 0 ? round(vc.storedBytes / (vc.values * 4), 3) : null;
    const sRatio = (x: number) => (vc.summaryDeflate.rawBytes > 0 ? round(x / vc.summaryDeflate.rawBytes, 3) : null);
    figures.summary_values_deflate_ratio_plain = sRatio(vc.summaryDeflate.compressedBytes.plain);
    figures.summary_values_deflate_ratio_planes = sRatio(vc.summaryDeflate.compressedBytes.planes);
    figures.summary_values_deflate_ratio_xor_planes = sRatio(vc.summaryDeflate.compressedBytes['xor-planes']);
    figures.summary_values_deflate_ratio_delta_planes = sRatio(vc.summaryDeflate.compressedBytes['delta-planes']);
    figures.summary_values_coded_ratio = sRatio(vc.summaryCodedBytes);
    figures.values_deflate_round_trip_exact = vc.deflate.exact && vc.summaryDeflate.exact ? 1 : 0;
    // The day view of that day now: its 1,440 per-second summaries are stored coded and decoded as they are read (query_ms read them plain).
    const coded: number[] = [];
    for (let i = 0; i < 5; i++) coded.push((await page.evaluate(() => window.vigilBench.queryDay('00000000000000000000da01', 'summary'))).ms);
    figures.query_coded_day_ms = round(median(coded), 1);
    figures.compacted_chunks_kept = c2.chunksLeft;
    figures.compact_node_day_s = round(c2.ms / 1000, 2);
    figures.compacted_windows_kept = c2.windowsLeft;
    // Measured on the banded node after the same run: the minutes it keeps (the same as the day's) and the band energies they keep, as stored.
    const bandedLeft = await page.evaluate(() => window.vigilBench.kept('00000000000000000000bb03'));
    if (bandedLeft.windowsLeft !== c2.windowsLeft) notes.push(`CHECK: the banded node keeps ${bandedLeft.windowsLeft} windows, the day ${c2.windowsLeft}: the spans written do not cover what the day keeps`);
    figures.banded_hour_compacted_windows_kept = bandedLeft.windowsLeft;
    figures.banded_hour_compacted_bytes_per_kept_window = bandedLeft.windowsLeft > 0 ? round(bandedLeft.chunkBytes / bandedLeft.windowsLeft, 2) : null;
    figures.band_margin_minutes = DEFAULT_RULES.bandMarginMinutes;
    figures.compacted_band_minutes_kept = bandedLeft.bandChunks;
    figures.compacted_band_windows_kept = bandedLeft.bandWindows;
    figures.compacted_band_mb = round(bandedLeft.bandBytes / 1e6, 2);
    // The compacted day of a default node: the day's features and summaries plus the band energies its kept minutes keep.
    figures.stored_mb_per_node_day_compacted_with_bands = round((c2.featureBytes + c2.summaryBytes + bandedLeft.bandBytes) / 1e6, 1);
    // How many whole minutes of every window with their bands (as stored) fit in 20 MB beside the compacted day's summaries.
    // Features as the kept minutes store them now (values coded), bands as the banded node stores them.
    const keptChunkBytesPerMinute = ((vc.keptWindows > 0 ? vc.chunkBytes / vc.keptWindows : day.featureBytes / day.rows) + bandBytesPerWindow) * 93.75 * 60;
    figures.kept_minutes_within_20_mb_with_bands = round(Math.max(0, (20e6 - c2.summaryBytes) / keptChunkBytesPerMinute), 1);
    const c40 = await page.evaluate(() => window.vigilBench.compactDay('00000000000000000000da01', 40));
    figures.stored_mb_per_node_day_compacted_40_days = round((c40.featureBytes + c40.summaryBytes) / 1e6, 1);
    const bandedLeft40 = await page.evaluate(() => window.vigilBench.kept('00000000000000000000bb03'));
    figures.stored_mb_per_node_day_compacted_40_days_with_bands = round((c40.featureBytes + c40.summaryBytes + bandedLeft40.bandBytes) / 1e6, 1);
    const sumAfter = await page.evaluate(() => window.vigilBench.queryDay('00000000000000000000da01', 'summary'));
    figures.query_compacted_day_buckets = sumAfter.rows;
    figures.query_compacted_day_ms = round(sumAfter.ms, 1);
    if (errors.length > 0) throw new Error(`bench page errors: ${errors.join('; ')}`);
    const version = context.browser()?.version() ?? 'Chromium';
    notes.push(
      `headless ${version}, real IndexedDB in a fresh profile; node-day = 86,400 s x 93.75 windows/s (2 axes: RMS and velocity RMS per axis and the anomaly score, as the firmware sends them, stored since the trends read them; no band energies), recorder flushes every 10,000 frames; the 5 s figure is one hour at the live cadence`,
      'query_ms reads the per-second summaries (what the day view draws); query_full_day_ms reads every window of the day, which no view needs at once',
      'usage_growth_mb is navigator.storage.estimate() before and after the node-day (LevelDB + blob files; Chromium compacts lazily)',
      'WHICH NODE: stored_mb_per_node_day, stored_mb_per_node_day_compacted(_40_days), feature_bytes_per_window are for a node that sends NO band energies (send_bands off). A shipped board sends them by default: the *_with_bands figures are that default node, measured on the stored layout (bands quantized to 2^-11 and Rice-coded, models/dataset/bandCodec.ts): a banded node writes the stretches of the same day around its alarms and labels (banded_windows_written) with real band energies (the CWRU windows, in turn), through the same recorder; band_bytes_per_window is its stored bytes a window less the day\'s; the compacted figures add the band bytes its kept minutes still hold after the same retention run (compacted_band_mb: under labels and within band_margin_minutes of an alarm) to the day\'s features and summaries. stored_mb_per_node_day_with_bands puts band_bytes_per_window on every window of the day (the banded day itself is not written whole)',
      'band_*_{cwru,femto}: band energies computed in the page by models/features from the real recordings (cwru: normal + inner race 0.007 in + outer race 0.014 in, ~5 s each; femto: Bearing1_2, 0.1 s snapshots every 10 s): window_to_window_median_min = the smallest, over the bands, median |change| from one window to the next; int8_input_step = the step a node model trained on them quantizes a band\'s input with (std x input scale, models/nn/quantize.ts); max_abs_error = largest |stored - computed|; bytes_per_value_coded = coded as stored, a chunk per minute; bytes_per_value_stored = the chunks the import stored',
      'feature values of the compacted day (a node without bands): the kept minutes\' scalar values and every summary are stored coded (models/dataset/valueCodec.ts; under labels without loss, elsewhere RMS and velocity RMS within 2^-14); feature_bytes_per_value_compacted = their stored bytes / values (4 as float32), feature_bytes_per_window_compacted = the kept chunks\' bytes a window, summary_bytes_per_second_compacted = the day\'s summary bytes (per-second and per-minute rows) / 86,400; feature_values_round_trip_exact = every kept chunk, per-second and per-minute row read back against what the day held before the run as retention promises it (OUTSIDE_LABELS_LEVEL_BOUND: bit for bit under labels, feature_values_labelled_exact; elsewhere RMS and velocity RMS within 2^-14 relative, feature_values_max_rel_error_compacted the largest seen; the score, times, counts and special values bit for bit). RMS and velocity RMS are real (feature_source_windows windows of the CWRU recordings and FEMTO Bearing1_2 through models/features, in turn: more than a minute holds, so no chunk or summary repeats itself), the anomaly score is noise (no model runs here)',
      'query_coded_day_ms: the day view of the node-day after the 2-day run (86,400 buckets, per-second summaries stored coded and decoded as read), beside query_ms (the same read before, plain)',
      'values_deflate_ratio_*_compacted: the kept chunks\' float32 values compressed losslessly by CompressionStream deflate-raw in the forms of bandPlanes.ts, against values_coded_ratio_compacted (the value coder, stored); summary_values_*: the same for the min, mean and max of the first 240 per-second summaries',
      'bands_deflate_ratio_*: compressed bytes / float32 bytes of the same band energies (one chunk per minute, as the import stores them), lossless, CompressionStream deflate-raw; plain = bytes as stored, planes = byte planes, xor/delta_planes = bits XOR / minus the previous window of the same band, then planes. For comparison: the stored layout quantizes and Rice-codes instead',
    );
  } finally {
    await context.close();
    server.close();
    rmSync(profile, { recursive: true, force: true });
  }
  return {
    name: 'storage',
    figures,
    targets: {
      feature_rows_per_s: '>= 100,000',
      query_ms: '<= 200 ms for one node-day',
      import_s: '<= 10 s for the 38 MB FEMTO CSV',
      stored_mb_per_node_day: 'reported',
      stored_mb_per_node_day_compacted: '<= 20 MB at the default retention policy (this figure: a node without bands)',
      stored_mb_per_node_day_with_bands: 'reported (a default node: bands on)',
      stored_mb_per_node_day_compacted_with_bands: '<= 20 MB at the default retention policy (a default node: bands on)',
      kept_minutes_within_20_mb_with_bands: 'reported (81 minutes kept whole here)',
      bands_round_trip_exact: '1',
      feature_values_round_trip_exact: '1 (bit for bit under labels, levels within the bound elsewhere)',
      feature_values_max_rel_error_compacted: `<= ${OUTSIDE_LABELS_LEVEL_BOUND} (2^-14)`,
      feature_values_labelled_exact: '1',
      band_max_abs_error: `<= ${BAND_MAX_ERROR} (half the quantization step)`,
      band_bytes_per_value_stored: 'reported (4 as float32)',
    },
    notes,
  };
}
