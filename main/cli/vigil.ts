/**
 * vigil: train, evaluate and inspect node models, print maintenance reports and the features of a recording, from the command line, on the same models/ code
 * as the app (docs/model-format.md, models/train, models/eval).
 *
 *   vigil train --data MANIFEST.csv --out MODEL.vgm [--channel NAME[,NAME]] [--seed N] [--speeds RPM[,RPM]] [--node-axes N] [--json]
 *   vigil eval --model MODEL.vgm --data MANIFEST.csv [--channel NAME] [--json]
 *   vigil size --data MANIFEST.csv [--budget flash=BYTES,ram=BYTES,insn=N] [--out MODEL.vgm] [--json]   (docs/size.md)
 *   vigil inspect MODEL.vgm [--json]
 *   vigil export --model MODEL.vgm --tflite OUT.tflite          (docs/tflite.md)
 *   vigil import --tflite IN.tflite --spec SPEC --out MODEL.vgm
 *   vigil edge-impulse export|import ...                        (docs/storage.md)
 *   vigil report --bundle FILE.vigil --asset NAME --from DATE --to DATE [--lang en|es] --out FILE.pdf
 *   vigil features --data RECORDING.csv [--channel NAME[,NAME]] [--fs HZ] [--window N --hop N] [--json]
 *   vigil power --rate HZ --hop N --axes N --stream MODE --link wired|ble   (docs/power.md)
 *   vigil gateway --broker mqtts://HOST:PORT --group G --edge E ...   (docs/gateway.md)
 *
 * Progress goes to stderr; results to stdout; with --json the last stdout line is one JSON object.
 * Errors are one line on stderr and exit status 2.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { defaultFeatureSpec, type FeatureSpec } from '../../models/features/spec';
import { checkAppSection, floatModelFromJson } from '../../models/nn/appSection';
import { runInt8, sumsqToScore } from '../../models/nn/int8';
import { ModelFormatError, readVgmFile, UNPAIRED_KEY, verifyModelTag, writeModelBlob, writeVgmFile } from '../../models/nn/modelFile';
import { withRounding } from '../../models/nn/quantize';
import { exportTflite } from '../../models/tflite/export';
import { importTflite, TfliteImportError } from '../../models/tflite/import';
import { featureSpecHash } from '../../models/nn/specHash';
import { toHex } from '../../models/crypto/sha256';
import { evaluate, summarize, type CliSummary, type EvaluationReport } from '../../models/eval/report';
import { perRecordingForModel, speedGroupsFromSplit, type PerRecordingReport } from '../../models/eval/perRecording';
import { fitNodeSpeedDetector, NODE_MODEL_SLOT_BYTES, speedSectionSize, type NodeSpeedDetector } from '../../models/detect/speedNode';
import type { ValidationScheme } from '../../models/detect/speedDetector';
import { TrainError } from '../../models/train/autoencoder';
import { prepareData, type SplitFractions } from '../../models/train/dataset';
import { heldOutNotice } from '../../models/train/lineage';
import { NoTrainingDataError, packageModel, trainDetector, type DetectorOptions } from '../../models/train/pipeline';
import { SizeBudgetError } from '../../models/size/search';
import { CsvReadError, readCsvColumns, readCsvHeader, readEdgeImpulseSample } from './csvColumns';
import { checkEdgeImpulseSignature, edgeImpulseToCsv, writeEdgeImpulseCbor, writeEdgeImpulseJson } from '../../models/dataset/edgeImpulse';
import { chooseChannels, loadRecordings, manifestNodeAxes, NODE_AXES_MAX } from './data';
import { speedStepBudget } from '../../models/size/speedCost';
import { BENCH_AXES } from '../../models/size/nodeBudget';
import { ManifestError, readManifest, type Manifest } from './manifest';
import { useNodeBackend } from './tfBackend';
import { ReportUsageError, runReport, type ReportFlags } from './report';
import { PdfError } from './pdf';
import { BundleError } from '../../models/dataset/bundle';
import { ReportError } from '../../models/report/model';
import { computeFeatures, FeaturesUsageError } from './features';
import { POWER_FLAGS, PowerUsageError, powerTable, runPower } from './power';
import { GATEWAY_USAGE, GatewayUsageError, parseGatewayArgs, runGateway } from './gateway';
import { fmt, intFlag, parseFlags, roundingFlag, SPLIT, UsageError, type Flags, type Out } from './flags';
import { cmdSize } from './size';

export { UsageError };


const HELP = `vigil — train, evaluate and inspect Vigil node models (offline)

usage:
  vigil train --data MANIFEST.csv --out MODEL.vgm [--channel NAME[,NAME]] [--seed N] [--speeds RPM[,RPM]] [--node-axes N] [--json]
              [--epochs N] [--hidden 32,8,32] [--target-rate 0.001] [--model-version N] [--backend wasm|cpu]
              [--rounding double|single]
  vigil eval --model MODEL.vgm --data MANIFEST.csv [--channel NAME[,NAME]] [--speeds RPM[,RPM]] [--json]
  vigil size --data MANIFEST.csv [--budget flash=BYTES,ram=BYTES,insn=N] [--channel NAME[,NAME]] [--seed N]
             [--epochs N] [--target-rate 0.001] [--detection-target 0.99] [--widths 16,24,32,48,64]
             [--bottlenecks 4,8,16] [--prune 0,0.25,0.5] [--no-distill] [--out MODEL.vgm] [--json]
  vigil inspect MODEL.vgm [--json]
  vigil export --model MODEL.vgm --tflite OUT.tflite [--rounding single|double] [--json]
  vigil import --tflite IN.tflite --spec RATE[,WINDOW,HOP,BANDS] | --spec MODEL.vgm --out MODEL.vgm
              [--axes 0,1] [--rounding single|double] [--threshold-sumsq N] [--model-version N] [--json]
  vigil edge-impulse export --csv REC.csv --rate HZ --out SAMPLE.json|.cbor [--format json|cbor] [--channel A,B] [--units g|m/s2]
              [--hmac-key HEX] [--device NAME] [--json]
  vigil edge-impulse import --sample SAMPLE.json|.cbor --out REC.csv [--hmac-key HEX] [--json]
  vigil report --bundle FILE.vigil --asset NAME --from DATE --to DATE [--lang en|es] --out FILE.pdf
              [--site TEXT] [--technician NAME] [--recommendations TEXT | --recommendations-file FILE]
              [--events-csv FILE] [--measurements-csv FILE] [--json-out FILE] [--json]
  vigil features --data RECORDING.csv [--channel NAME[,NAME]] [--fs HZ] [--window N --hop N] [--json]
  ${GATEWAY_USAGE}
  vigil power --rate HZ --hop N --axes N --stream features|raw|both|off [--decimation D] [--bands]
              --link wired|ble [--battery-mah N] [--json]

size searches for the best model that fits a node (docs/size.md): hidden widths 16-64 and
bottlenecks 4-16, 2x4-block magnitude pruning of 0, 25 and 50 %, and students distilled from a
64-16-64 teacher; each is trained (--epochs, default 150, early stop), quantized and measured on the
held-out windows, and costed: flash = the model blob's bytes, RAM = run scratch + 12 bytes per
channel, instructions per window from a fit to QEMU measurements. It prints the trade-off table and
picks, inside the budget, the fewest false alarms at the detection target (every fault class at least
--detection-target of its windows detected), then the smallest blob. --budget defaults to the
STM32F405 node's: flash=16352 (its model slot), ram=5620 (at most 176 channels), insn=19191 (150,000
per window less the features); a partial --budget takes the rest from it. --out writes the chosen model.

power estimates a node's average current, power and battery life (docs/power.md) from measured
instruction counts, datasheet currents and named assumptions; --battery-mah defaults to 2600.

gateway publishes serial and virtual nodes to an MQTT broker as Sparkplug B until stopped (docs/gateway.md).

features prints the node's features of a CSV recording (docs/features.md), computed as the app's
import computes them: with --json one JSON object per window (JSON Lines), else a table. --fs
defaults to what the import would guess (a time column, the file name); --window 1024 --hop 512 by
default (--hop defaults to half of --window).

report prints the maintenance report of one asset from a dataset bundle (docs/report.md); DATE is
YYYY-MM-DD (UTC; --to includes its day) or an ISO 8601 time. It needs Chromium (VIGIL_CHROMIUM).
A manifest is a CSV with at least the columns file,label,sample_rate_hz (file paths relative to the
manifest). Rows labelled "normal" are training material; any other label is an anomaly class and is
never trained on. Optional columns rpm and load (or load_hp) give each recording's operating
condition. train holds out the last 40% of each normal recording for evaluation; eval reports per
held-out recording and per condition the node model and the speed-aware detector (fitted on the
normal recordings' training windows when they carry rpm; --speeds fits it at those rpm only and
tests the other speeds, docs/detection.md); train --speeds also writes that detector, in the form
a node runs, into the model file (a speed section with int8 weights, docs/model-format.md 2.9),
with layers 8,2,8 unless --hidden says otherwise (the node scores with the section); it refuses a
speed-aware model whose step would not fit the instructions per window the node has left after its
features (a node of --node-axes axes, 3 by default: the STM32F405's; over all 3 of its axes it
fits). The channel defaults to DE_accel when the recordings have it (CWRU: the drive-end
accelerometer), else the first column. In a recording of at most 3 sensor columns a channel is the
node axis of its column's place (channels 1 and 3 of x,y,z are node axes 0 and 2). --rounding chooses the requantization: double (TFLite's classic form, the default) or
single (current LiteRT's); export writes the int8 graph as a TensorFlow Lite file and import reads
one back (FULLY_CONNECTED int8 layers only; docs/tflite.md). edge-impulse converts recordings to and
from Edge Impulse data acquisition JSON or CBOR (told apart by content); a manifest may also list
.json or .cbor samples directly (their interval_ms must give its sample rate). Errors: one line, exit status 2.`;


async function cmdTrain(argv: string[], out: Out): Promise<CliSummary & Record<string, unknown>> {
  const { flags, positional } = parseFlags(argv, {
    data: 'value', out: 'value', channel: 'value', seed: 'value', json: 'bool', epochs: 'value', hidden: 'value',
    'target-rate': 'value', 'model-version': 'value', backend: 'value', rounding: 'value', speeds: 'value', 'node-axes': 'value',
  });
  if (positional.length) throw new UsageError(`unexpected argument "${positional[0]}"`);
  if (typeof flags.data !== 'string') throw new UsageError('train needs --data MANIFEST.csv');
  const nodeAxes = intFlag(flags, 'node-axes', 1, NODE_AXES_MAX) ?? BENCH_AXES;
  if (typeof flags.out !== 'string') throw new UsageError('train needs --out MODEL.vgm');
  const seed = intFlag(flags, 'seed', 0, 2 ** 32 - 1) ?? 1;
  const epochs = intFlag(flags, 'epochs', 1, 100000);
  const modelVersion = intFlag(flags, 'model-version', 1, 2 ** 32 - 1) ?? 1;
  const hiddenFlag = typeof flags.hidden === 'string' ? flags.hidden.split(',').map((s) => Number(s)) : undefined;
  if (hiddenFlag && hiddenFlag.some((h) => !Number.isInteger(h) || h < 1 || h > 1024)) throw new UsageError('--hidden takes widths like 32,8,32');
  // With --speeds the node scores with the speed section, not the layers (docs/detection.md §2.1):
  // small layers, unless asked for, so that the whole file fits a node's model slot.
  const hidden = hiddenFlag ?? (flags.speeds !== undefined ? SPEED_MODEL_HIDDEN : undefined);
  const targetRate = flags['target-rate'] === undefined ? 0.001 : Number(flags['target-rate']);
  if (!(targetRate > 0 && targetRate < 0.5)) throw new UsageError('--target-rate needs a fraction between 0 and 0.5 (0.001 = 0.1% of windows)');
  const backend = flags.backend ?? 'wasm';
  if (backend !== 'wasm' && backend !== 'cpu') throw new UsageError('--backend is wasm or cpu');
  const rounding = roundingFlag(flags);

  const manifest = readManifest(flags.data, { needNormal: true });
  const fitSpeeds = speedsFlag(flags, manifest);
  const channels = await chooseChannels(manifest, flags.channel as string | undefined);
  const spec = defaultFeatureSpec(manifest.sampleRateHz);
  const axes = await manifestNodeAxes(manifest, channels);
  checkNodeAxes(channels, axes, nodeAxes);
  if (fitSpeeds) checkSpeedStepBudget(channels, axes.length * (spec.bandEdges.length - 1), nodeAxes);
  out.progress(`reading ${manifest.rows.length} recordings (channel ${channels.join(', ')}, ${manifest.sampleRateHz} Hz)`);
  const recordings = await loadRecordings(manifest, channels);
  const prepared = prepareData(recordings, spec, SPLIT);
  for (const line of heldOutNotice(prepared, SPLIT)) out.log(line);
  out.log(`windows: ${prepared.train.rows.length} train, ${prepared.val.rows.length} validation, ${prepared.testNormal.rows.length} held-out normal, ${[...prepared.anomalies].map(([k, v]) => `${v.rows.length} ${k}`).join(', ') || 'no anomaly'}`);

  await useNodeBackend(backend);
  const options: DetectorOptions = {
    seed,
    ...(epochs ? { epochs } : {}),
    ...(hidden ? { hidden } : {}),
    targetRate,
    modelVersion,
    ...(rounding ? { rounding } : {}),
    onEpoch: (p) => {
      if (p.epoch % 25 === 0 || p.epoch === 1) out.progress(`epoch ${p.epoch}: loss ${p.loss.toFixed(4)}, validation ${fmt(p.valLoss)}`);
    },
  };
  const trained = await trainDetector(prepared, spec, axes, options);
  const t = trained.training;
  out.log(`trained ${[channels.length * 32, ...(hidden ?? [32, 8, 32]), channels.length * 32].join('-')} on ${t.backend} in ${t.seconds.toFixed(1)} s: ${t.epochsRun} epochs, best ${t.bestEpoch}${t.stoppedEarly ? ' (early stop)' : ''}`);
  out.log(`quantized to int8 in ${trained.quantizeSeconds.toFixed(2)} s; threshold ${trained.int8.detector.thresholdSumsq} (sum of squares) for ${targetRate * 100}% false alarms per window, debounce ${trained.int8.detector.debounceK} of ${trained.int8.detector.debounceN}`);

  if (fitSpeeds) trained.int8 = { ...trained.int8, speed: speedSection(prepared, manifest, fitSpeeds, targetRate, out) };
  const { report, summary, blob, file } = packageModel({
    tool: 'vigil train',
    createdAt: new Date().toISOString(),
    channels,
    spec,
    recordings: recordings.map((r) => ({ name: r.name, label: r.label, samples: r.channels[0].length })),
    prepared,
    split: SPLIT,
    options,
    trained,
  });
  if (fitSpeeds && blob.length > NODE_MODEL_SLOT_BYTES) {
    throw new UsageError(`--speeds: the model with its speed section is ${blob.length} bytes, more than the node's ${NODE_MODEL_SLOT_BYTES}-byte model slot; train at fewer speeds, on fewer channels, or with smaller --hidden layers`);
  }
  try {
    writeFileSync(flags.out, file);
  } catch (e) {
    throw new UsageError(`cannot write ${flags.out}: ${(e as Error).message}`);
  }
  printReport(report, out);
  out.log(`wrote ${flags.out}: model version ${modelVersion}, ${blob.length} bytes for the node (+ ${file.length - blob.length} bytes of app section), reading node axes ${axes.join(', ')} (${channels.join(', ')})`);
  return { ...summary, model: flags.out, model_bytes: blob.length, seed, epochs_run: t.epochsRun, train_s: t.seconds, backend: t.backend, held_out: heldOutNotice(prepared, SPLIT) };
}


const AXIS_WORDS = ['no', 'one', 'two', 'three'];

/** The model reads node axes `axes` (data.ts nodeAxesOf): each must be one the node has. */
function checkNodeAxes(channels: string[], axes: number[], nodeAxes: number): void {
  if (channels.length > nodeAxes) throw new UsageError(`--channel ${channels.join(',')}: a model over ${channels.length} channels needs a node with ${channels.length} axes; the node it is for has ${nodeAxes} (--node-axes)`);
  const beyond = axes.findIndex((a) => a >= nodeAxes);
  if (beyond >= 0) throw new UsageError(`--channel ${channels.join(',')}: ${channels[beyond]} is node axis ${axes[beyond]} (its column's place in the recording), and the node it is for has axes 0 to ${nodeAxes - 1} (--node-axes ${nodeAxes})`);
}

/**
 * The node scores with the speed section in place of the layers, so its step must fit the
 * instructions the node has left per window after its features (models/size/speedCost.ts, from the
 * firmware bench; docs/detection.md §2.1). Refused before training, saying which way to go.
 */
export function checkSpeedStepBudget(channels: string[], dim: number, nodeAxes: number): void {
  const b = speedStepBudget(dim, nodeAxes);
  if (b.fits) return;
  let fitting = 0;
  for (let k = channels.length - 1; k >= 1 && !fitting; k--) if (speedStepBudget((dim / channels.length) * k, nodeAxes).fits) fitting = k;
  const n = (x: number) => x.toLocaleString('en-US');
  const way = fitting
    ? `train it on ${AXIS_WORDS[fitting]} of the node's axes (--channel with ${AXIS_WORDS[fitting]} of ${channels.join(', ')})`
    : 'no speed-aware model fits this node';
  throw new UsageError(
    `--speeds: a speed-aware model over ${channels.length} ${channels.length === 1 ? 'axis' : 'axes'} costs about ${n(b.insn)} instructions per window, over the ${n(b.left)} a ${nodeAxes}-axis node has left after its features; ${way}`,
  );
}

/**
 * The layers `train --speeds` writes when --hidden is not given. The node never runs them beside a
 * speed section; they stay because the format and every reader expect layers, and the laptop
 * still evaluates them. 64-8-2-8-64 beside a two-speed int8 section is 9,268 B for two axes:
 * inside the emulated node's 10,208-byte slot as well as the STM32F405's 16,352 (64-16-4-16-64
 * would be 10,388 B, over the emulated node's). docs/detection.md §2.1.
 */
const SPEED_MODEL_HIDDEN = [8, 2, 8];

/**
 * --speeds at train: the speed-aware detector in node form (docs/detection.md §2.1), fitted on the
 * normal recordings at those rpm (their training and validation windows), for the model file's
 * speed section (docs/model-format.md §2.9). Refused in words when it would not fit the node.
 */
function speedSection(prepared: ReturnType<typeof prepareData>, manifest: Manifest, speeds: number[], targetRate: number, out: Out): NodeSpeedDetector {
  const conditions = new Map(manifest.rows.map((r) => [r.file, { ...(r.rpm !== undefined ? { rpm: r.rpm } : {}) }]));
  const groups = speedGroupsFromSplit({ train: prepared.train, val: prepared.val, conditions, fitSpeeds: speeds });
  if (typeof groups === 'string') throw new UsageError(`--speeds: ${groups}`);
  let fit;
  try {
    fit = fitNodeSpeedDetector(groups.train, groups.val, { targetRate });
  } catch (e) {
    throw new UsageError(`--speeds: ${(e as Error).message}`);
  }
  const bytes = speedSectionSize(fit.node.dim, fit.node.knots.length, fit.node.weights);
  out.log(`speed-aware section: trained at ${fit.node.knots.map((k) => k.rpm).join(', ')} rpm, threshold ${fit.node.threshold.toPrecision(4)} (the node form's own, ${thresholdScoresInWords(fit.laptop.validation)}), ${bytes} bytes`);
  return fit.node;
}

function printReport(r: EvaluationReport, out: Out): void {
  const anomalies = Object.entries(r.windows).filter(([k]) => !['train', 'validation', 'normal_test'].includes(k));
  out.log(`evaluation on ${r.windows.normal_test} held-out normal windows and ${anomalies.length ? anomalies.map(([k, v]) => `${v} ${k}`).join(', ') : 'no labelled anomaly'}:`);
  const pctOf = (x: number, d: number) => (Number.isNaN(x) ? '—' : `${(x * 100).toFixed(d)}%`);
  out.log(`  ${'detector'.padEnd(28)} ${'AUC min'.padStart(8)} ${'false alarms'.padStart(13)} ${'detect min'.padStart(11)} ${'alarms/day'.padStart(11)}`);
  for (const d of r.detectors) {
    if (d.unavailable) {
      out.log(`  ${d.name.padEnd(28)} not comparable: ${d.unavailable}`);
      continue;
    }
    out.log(`  ${d.name.padEnd(28)} ${fmt(d.aucMin).padStart(8)} ${pctOf(d.falseAlarmRate, 2).padStart(13)} ${pctOf(d.detectionMin, 1).padStart(11)} ${d.falseAlarmsPerDay.toPrecision(2).padStart(11)}`);
  }
}

/** Reads a model file and checks its app section (models/nn/appSection.ts) before anything reads it. */
function readModel(path: string) {
  if (!existsSync(path)) throw new UsageError(`model file ${path} does not exist`);
  if (statSync(path).isDirectory()) throw new UsageError(`${path} is a folder, not a model file`);
  const bytes = new Uint8Array(readFileSync(path));
  const file = readVgmFile<unknown>(bytes);
  const app: unknown = file.app;
  checkAppSection(app);
  return { ...file, app };
}

/** Where a fitted speed-aware threshold's scores came from, in words (docs/detection.md §3.4). */
function thresholdScoresInWords(v: ValidationScheme | undefined): string {
  if (v === 'leave-one-recording-out') return 'set on each normal recording scored by a model of the others';
  if (v === 'cross-fit') return 'set on out-of-fold scores within each recording';
  return 'set on the validation windows: two normal recordings at every speed would let it see one recording to the next';
}

/** --speeds 800,1200: the rpm the speed-aware detector is fitted at; each must be a normal recording's rpm. */
function speedsFlag(f: Flags, manifest: Manifest): number[] | undefined {
  const v = f.speeds;
  if (v === undefined) return undefined;
  const list = typeof v === 'string' ? v.split(',').map((x) => x.trim()) : [];
  const speeds = list.map(Number);
  if (!list.length || list.some((x) => !/^[0-9.]+$/.test(x)) || speeds.some((x) => !(x > 0) || !Number.isFinite(x))) throw new UsageError('--speeds takes shaft speeds in rpm, like 800,1200');
  const have = new Set(manifest.rows.filter((r) => r.label === 'normal' && r.rpm !== undefined).map((r) => r.rpm));
  const missing = speeds.filter((x) => !have.has(x));
  if (missing.length) throw new UsageError(`--speeds ${missing.join(', ')}: no normal recording in the manifest has that rpm (${have.size ? `they have ${[...have].sort((a, b) => a! - b!).join(', ')}` : 'none has an rpm column value'})`);
  return speeds;
}

/** The per-recording table of `vigil eval` (node model beside the speed-aware detector). */
function printPerRecording(r: PerRecordingReport, out: Out): void {
  const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
  const cell = (d: PerRecordingReport['per_recording'][number]['node'] | null) => (d ? `${(d.state === 'unseen condition' ? '—' : pct(d.flagged)).padStart(8)} ${String(d.alarms).padStart(6)} ${d.state.padEnd(16)}` : `${'n/a'.padStart(8)} ${''.padStart(6)} ${''.padEnd(16)}`);
  out.log(`per recording (target ${pct(r.target_rate)} of windows per healthy recording; alarms = ${r.debounce.k}-of-${r.debounce.n} onsets):`);
  out.log(
    r.speed_aware_unavailable
      ? `  speed-aware detector not evaluated: ${r.speed_aware_unavailable}`
      : `  speed-aware detector trained at ${r.speed_aware_knots.join(', ')} rpm, threshold ${r.speed_aware_threshold?.toPrecision(4)}${r.speed_aware_source === 'model file' ? " (the model file's speed section, scored as the node scores it)" : r.speed_aware_threshold_scores ? ` (${thresholdScoresInWords(r.speed_aware_threshold_scores)})` : ''}`,
  );
  out.log(`  ${'recording'.padEnd(36)} ${'label'.padEnd(18)} ${'rpm'.padStart(6)} ${'load'.padStart(5)} ${'windows'.padStart(7)} | ${'node'.padStart(8)} ${'alarms'.padStart(6)} ${'state'.padEnd(16)} | ${'speed'.padStart(8)} ${'alarms'.padStart(6)} state`);
  for (const x of r.per_recording) {
    out.log(`  ${x.recording.padEnd(36)} ${x.label.padEnd(18)} ${String(x.rpm ?? '—').padStart(6)} ${String(x.load ?? '—').padStart(5)} ${String(x.node.windows).padStart(7)} | ${cell(x.node)} | ${cell(x.speed_aware).trimEnd()}`);
  }
}

async function cmdEval(argv: string[], out: Out): Promise<CliSummary & Pick<PerRecordingReport, 'per_recording' | 'per_condition'> & { speed_aware: Omit<PerRecordingReport, 'per_recording' | 'per_condition'> }> {
  const { flags, positional } = parseFlags(argv, { model: 'value', data: 'value', channel: 'value', json: 'bool', 'target-rate': 'value', speeds: 'value' });
  if (positional.length) throw new UsageError(`unexpected argument "${positional[0]}"`);
  if (typeof flags.model !== 'string') throw new UsageError('eval needs --model MODEL.vgm');
  if (typeof flags.data !== 'string') throw new UsageError('eval needs --data MANIFEST.csv');
  const { model, app } = readModel(flags.model);
  const manifest = readManifest(flags.data, { needNormal: true });
  const fitSpeeds = speedsFlag(flags, manifest);
  if (Math.fround(manifest.sampleRateHz) !== model.spec.sampleRateHz) {
    throw new UsageError(`the model was built for ${model.spec.sampleRateHz} Hz features; the manifest's recordings are ${manifest.sampleRateHz} Hz`);
  }
  const channels = await chooseChannels(manifest, (flags.channel as string | undefined) ?? app?.lineage?.channels?.join(','));
  if (channels.length !== model.axes.length) throw new UsageError(`the model takes ${model.axes.length} channel(s); --channel gives ${channels.length} (${channels.join(', ')})`);
  const targetRate = flags['target-rate'] === undefined ? (app?.lineage?.threshold?.targetRate ?? 0.001) : Number(flags['target-rate']);
  if (!(targetRate > 0 && targetRate < 0.5)) throw new UsageError('--target-rate needs a fraction between 0 and 0.5');
  out.progress(`reading ${manifest.rows.length} recordings (channel ${channels.join(', ')})`);
  const recordings = await loadRecordings(manifest, channels);
  const split: SplitFractions = {
    testFraction: Number(app?.lineage?.params?.testFraction ?? SPLIT.testFraction),
    valFraction: Number(app?.lineage?.params?.valFraction ?? SPLIT.valFraction),
  };
  const prepared = prepareData(recordings, model.spec, split);
  for (const line of heldOutNotice(prepared, split)) out.log(line);
  const float = app?.float ? floatModelFromJson(app.float, model.spec) : undefined;
  if (!float) out.log('note: the model file carries no float model (app section), so only int8 figures are reported');
  const report = evaluate({ spec: model.spec, ...prepared }, { float, int8: model }, { targetRate, debounceK: model.detector.debounceK, debounceN: model.detector.debounceN, keepScores: false });
  printReport(report, out);
  const conditions = new Map(manifest.rows.map((r) => [r.file, { ...(r.rpm !== undefined ? { rpm: r.rpm } : {}), ...(r.load !== undefined ? { load: r.load } : {}) }]));
  const per = perRecordingForModel(prepared, model, targetRate, conditions, fitSpeeds);
  printPerRecording(per, out);
  const { per_recording, per_condition, ...speedAware } = per;
  return { ...summarize(report, model.detector.thresholdSumsq), per_recording, per_condition, speed_aware: speedAware };
}

function cmdInspect(argv: string[], out: Out): Record<string, unknown> {
  const { positional } = parseFlags(argv, { json: 'bool' });
  if (positional.length !== 1) throw new UsageError('inspect needs one model file: vigil inspect MODEL.vgm');
  const path = positional[0];
  const { model, blob, app } = readModel(path);
  // Files on disk carry the unpaired key's tag (docs/model-format.md 2.7); the app signs for a node
  // only when it pushes, and never writes that blob to a file. Another tag is a changed file.
  if (!verifyModelTag(blob, UNPAIRED_KEY)) {
    throw new ModelFormatError('the model\'s tag does not match the unpaired key that model files carry: the file was changed after it was written (a damaged or edited file)');
  }
  const D = model.mean.length;
  const st = runInt8(model, model.selfTest.input);
  const selfTestOk = st.sumsq === model.selfTest.sumsq && st.qIn.every((v, i) => v === model.selfTest.qIn[i]) && st.layers[st.layers.length - 1].every((v, i) => v === model.selfTest.qOut[i]);
  const arch = [D, ...model.layers.map((l) => l.outDim)].join('-');
  const s = model.spec;
  const info = {
    file: basename(path),
    format_version: 1,
    model_version: model.modelVersion,
    bytes: blob.length,
    app_section: app !== undefined,
    architecture: arch,
    activations: model.layers.map((l) => l.activation),
    weights: model.layers.reduce((n, l) => n + l.inDim * l.outDim, 0),
    feature_spec: { sample_rate_hz: s.sampleRateHz, window_len: s.windowLen, hop: s.hop, segment_len: s.segmentLen, bands: s.bandEdges.length - 1, velocity_band_hz: s.velocityBandHz },
    feature_spec_sha256: toHex(featureSpecHash(s)),
    axes: model.axes,
    channels: app?.lineage?.channels ?? null,
    input: { scale: model.inputScale, zero_point: model.inputZeroPoint },
    rounding: model.rounding ?? 'double',
    threshold_sumsq: model.detector.thresholdSumsq,
    threshold: sumsqToScore(model, model.detector.thresholdSumsq),
    debounce: `${model.detector.debounceK} of ${model.detector.debounceN}`,
    self_test: selfTestOk ? 'passes' : 'FAILS',
    crc: 'ok',
    tag: 'unpaired key (file on disk; the app re-signs it for a node)',
    lineage: app?.lineage ? { tool: app.lineage.tool, created: app.lineage.createdAt, labels: app.lineage.labels, data: app.lineage.data.map((d) => `${d.name} (${d.label}): ${d.use}`), params: app.lineage.params } : null,
    metrics: app?.metrics ?? null,
    speed_section: model.speed ? { speeds_rpm: model.speed.knots.map((k) => k.rpm), threshold: model.speed.threshold, smoothing: model.speed.smoothing, warmup: model.speed.warmup, span_tolerance: model.speed.spanTolerance, interpolation_scale: model.speed.interpolationScale, weights: model.speed.weights, bytes: speedSectionSize(model.speed.dim, model.speed.knots.length, model.speed.weights) } : null,
  };
  out.log(`${info.file}: Vigil model v${info.model_version}, format 1, ${info.bytes} bytes${info.app_section ? ' (+ app section)' : ''}`);
  out.log(`  autoencoder ${arch} (${info.activations.join(', ')}), ${info.weights} int8 weights`);
  out.log(`  features: ${s.sampleRateHz} Hz, window ${s.windowLen}, hop ${s.hop}, ${info.feature_spec.bands} log bands per axis; spec SHA-256 ${info.feature_spec_sha256.slice(0, 16)}…`);
  out.log(`  input: node axes ${model.axes.join(', ')}${info.channels ? ` (${info.channels.join(', ')})` : ''}; scale ${model.inputScale.toPrecision(4)}, zero point ${model.inputZeroPoint}`);
  out.log(`  requantization: ${info.rounding} rounding${info.rounding === 'single' ? ' (current LiteRT)' : " (TFLite's classic form)"}`);
  out.log(`  threshold: sum of squares > ${info.threshold_sumsq} (score ${info.threshold.toPrecision(4)}), debounce ${info.debounce}`);
  out.log(`  self-test ${info.self_test}; CRC ok; tag: ${info.tag}`);
  if (info.speed_section) out.log(`  speed-aware detector (the node scores with it, not the layers): trained at ${info.speed_section.speeds_rpm.join(', ')} rpm, threshold ${info.speed_section.threshold.toPrecision(4)}, ${info.speed_section.weights === 'i8' ? 'int8' : 'int16'} weights, ${info.speed_section.bytes} bytes`);
  if (info.lineage) {
    out.log(`  lineage: ${info.lineage.tool}, ${info.lineage.created}; labels ${info.lineage.labels.join(', ')}`);
    for (const d of info.lineage.data) out.log(`    ${d}`);
  }
  if (app?.metrics) out.log(`  metrics: AUC min ${fmt(app.metrics.aucMin)} (int8 ${fmt(app.metrics.aucInt8Min)}), false alarms ${fmt(app.metrics.falseAlarmRate * 100, 2)}% of held-out normal windows`);
  if (!selfTestOk) throw new ModelFormatError('the self-test vector does not reproduce: the model is inconsistent');
  return info;
}

async function cmdFeatures(argv: string[], out: Out, io: { stdout: (s: string) => void }, json: boolean): Promise<undefined> {
  const { flags, positional } = parseFlags(argv, { data: 'value', channel: 'value', fs: 'value', window: 'value', hop: 'value', json: 'bool' });
  if (positional.length) throw new UsageError(`unexpected argument "${positional[0]}"`);
  if (typeof flags.data !== 'string') throw new UsageError('features needs --data RECORDING.csv');
  let channels: string[] | undefined;
  if (typeof flags.channel === 'string') {
    channels = flags.channel.split(',').map((c) => c.trim()).filter(Boolean);
    if (channels.length < 1 || channels.length > 3 || new Set(channels).size !== channels.length) throw new UsageError(`--channel takes 1 to 3 different column names, got "${flags.channel}"`);
  }
  let fs: number | undefined;
  if (flags.fs !== undefined) {
    fs = Number(flags.fs);
    if (typeof flags.fs !== 'string' || !Number.isFinite(fs)) throw new UsageError(`--fs needs a sample rate in Hz, got "${String(flags.fs)}"`);
  }
  const r = await computeFeatures({ data: flags.data, channels, fs, windowLen: intFlag(flags, 'window', 1, 1 << 20), hop: intFlag(flags, 'hop', 1, 1 << 20) });
  out.progress(`${basename(flags.data)}: ${r.samples} samples of ${r.channels.join(', ')} at ${r.sampleRateHz} Hz (${r.rateSource}), ${r.segments > 1 ? `${r.segments} segments, ` : ''}window ${r.windowLen}, hop ${r.hop}: ${r.windows.length} windows`);
  if (json) {
    for (const w of r.windows) io.stdout(JSON.stringify(w));
    return undefined;
  }
  const cols = r.channels.flatMap((c) => [`${c} rms g`, 'peak g', 'crest', 'kurtosis', 'vel mm/s']);
  io.stdout(['window', 't s', ...cols].map((c) => c.padStart(10)).join(' '));
  for (const w of r.windows) {
    const cells = [String(w.window), (w.t_us / 1e6).toFixed(6), ...w.axes.flatMap((a) => [a.rms_g, a.peak_g, a.crest, a.kurtosis, a.velocity_rms_mm_s].map((x) => x.toPrecision(5)))];
    io.stdout(cells.map((c, i) => c.padStart(Math.max(10, cols[i - 2]?.length ?? 0))).join(' '));
  }
  return undefined;
}

function cmdExport(argv: string[], out: Out): Record<string, unknown> {
  const { flags, positional } = parseFlags(argv, { model: 'value', tflite: 'value', rounding: 'value', json: 'bool' });
  if (positional.length) throw new UsageError(`unexpected argument "${positional[0]}"`);
  if (typeof flags.model !== 'string') throw new UsageError('export needs --model MODEL.vgm');
  if (typeof flags.tflite !== 'string') throw new UsageError('export needs --tflite OUT.tflite');
  const rounding = roundingFlag(flags);
  let { model } = readModel(flags.model);
  if (rounding && rounding !== (model.rounding ?? 'double')) model = withRounding(model, rounding);
  const bytes = exportTflite(model);
  try {
    writeFileSync(flags.tflite, bytes);
  } catch (e) {
    throw new UsageError(`cannot write ${flags.tflite}: ${(e as Error).message}`);
  }
  const mode = model.rounding ?? 'double';
  const arch = [model.mean.length, ...model.layers.map((l) => l.outDim)].join('-');
  out.log(`wrote ${flags.tflite}: ${bytes.length} bytes, ${model.layers.length} FULLY_CONNECTED int8 layers (${arch}), input scale ${model.inputScale.toPrecision(4)}, zero point ${model.inputZeroPoint}`);
  if (mode === 'double') out.log("note: this model requantizes with double rounding; LiteRT rounds once, so some outputs can differ by one step. Export with --rounding single (and deploy that model) for outputs equal to the node's.");
  return { tflite: flags.tflite, bytes: bytes.length, layers: model.layers.length, architecture: arch, rounding: mode };
}

/** --spec: RATE[,WINDOW,HOP,BANDS] (docs/features.md defaults) or a .vgm whose features and axes to use. */
function specFlag(v: string): { spec: FeatureSpec; axes?: number[] } {
  if (!/^[\d.,]+$/.test(v)) {
    if (!existsSync(v)) throw new UsageError(`--spec takes RATE[,WINDOW,HOP,BANDS] (like 48000 or 48000,1024,512,32) or a .vgm model file; ${v} is neither`);
    const { model } = readModel(v);
    return { spec: model.spec, axes: model.axes };
  }
  const parts = v.split(',').map((s) => Number(s));
  if (parts.length > 4 || parts.some((n) => !Number.isFinite(n) || n <= 0)) throw new UsageError('--spec takes RATE[,WINDOW,HOP,BANDS], like 48000 or 48000,1024,512,32');
  const [rate, window = 1024, hop = 512, bands = 32] = parts;
  return { spec: defaultFeatureSpec(rate, window, hop, bands) };
}

function cmdImport(argv: string[], out: Out): Record<string, unknown> {
  const { flags, positional } = parseFlags(argv, { tflite: 'value', spec: 'value', out: 'value', axes: 'value', rounding: 'value', 'threshold-sumsq': 'value', 'model-version': 'value', json: 'bool' });
  if (positional.length) throw new UsageError(`unexpected argument "${positional[0]}"`);
  if (typeof flags.tflite !== 'string') throw new UsageError('import needs --tflite IN.tflite');
  if (typeof flags.spec !== 'string') throw new UsageError('import needs --spec RATE[,WINDOW,HOP,BANDS] or --spec MODEL.vgm: the features the node computes');
  if (typeof flags.out !== 'string') throw new UsageError('import needs --out MODEL.vgm');
  if (!existsSync(flags.tflite)) throw new UsageError(`${flags.tflite} does not exist`);
  const { spec, axes: specAxes } = specFlag(flags.spec);
  let axes = specAxes;
  if (typeof flags.axes === 'string') {
    axes = flags.axes.split(',').map((s) => Number(s));
    if (axes.some((a) => !Number.isInteger(a) || a < 0 || a > 2)) throw new UsageError('--axes takes node axes 0..2, like 0,1');
  }
  const rounding = roundingFlag(flags);
  const thresholdSumsq = intFlag(flags, 'threshold-sumsq', 0, 0xffffffff);
  const modelVersion = intFlag(flags, 'model-version', 1, 0xffffffff);
  const { model, metadata, notes } = importTflite(readFileSync(flags.tflite), {
    spec,
    ...(axes ? { axes } : {}),
    ...(rounding ? { rounding } : {}),
    ...(thresholdSumsq !== undefined ? { thresholdSumsq } : {}),
    ...(modelVersion !== undefined ? { modelVersion } : {}),
  });
  const blob = writeModelBlob(model);
  try {
    writeFileSync(flags.out, writeVgmFile(blob));
  } catch (e) {
    throw new UsageError(`cannot write ${flags.out}: ${(e as Error).message}`);
  }
  const arch = [model.mean.length, ...model.layers.map((l) => l.outDim)].join('-');
  out.log(`wrote ${flags.out}: ${arch} (${model.layers.map((l) => l.activation).join(', ')}), ${blob.length} bytes for the node, ${model.rounding} rounding, axes ${model.axes.join(', ')}${metadata ? ' (standardisation and threshold from the Vigil metadata)' : ''}`);
  for (const n of notes) out.log(`note: ${n}`);
  return { out: flags.out, architecture: arch, bytes: blob.length, rounding: model.rounding, axes: model.axes, vigil_metadata: metadata !== undefined, threshold_sumsq: model.detector.thresholdSumsq, notes };
}

/** Edge Impulse data acquisition JSON or CBOR (docs/storage.md): a CSV recording out, a sample back in as CSV. */
async function cmdEdgeImpulse(argv: string[], out: Out): Promise<Record<string, unknown>> {
  const [sub, ...rest] = argv;
  if (sub === 'export') {
    const { flags, positional } = parseFlags(rest, { csv: 'value', rate: 'value', out: 'value', channel: 'value', units: 'value', 'hmac-key': 'value', device: 'value', format: 'value', json: 'bool' });
    if (positional.length) throw new UsageError(`unexpected argument "${positional[0]}"`);
    for (const k of ['csv', 'rate', 'out']) if (typeof flags[k] !== 'string') throw new UsageError(`edge-impulse export needs --${k}`);
    const csvPath = flags.csv as string;
    const outPath = flags.out as string;
    const rate = Number(flags.rate);
    if (!(rate > 0) || !Number.isFinite(rate)) throw new UsageError('--rate needs the sample rate in Hz, like 48000');
    const units = flags.units ?? 'g';
    if (units !== 'g' && units !== 'm/s2') throw new UsageError('--units is g or m/s2');
    const format = flags.format ?? (/\.cbor$/i.test(outPath) ? 'cbor' : 'json');
    if (format !== 'json' && format !== 'cbor') throw new UsageError('--format is json or cbor');
    const hmacKey = hexKey(flags['hmac-key']);
    const header = await readCsvHeader(csvPath, basename(csvPath));
    const names = typeof flags.channel === 'string' ? flags.channel.split(',').map((s) => s.trim()) : header.filter((h) => !/^(snapshot|segment|burst|time|t|t_s|t_us|timestamp|index|sample)$/i.test(h));
    const csv = await readCsvColumns(csvPath, names, { label: basename(csvPath) });
    const e = { deviceName: typeof flags.device === 'string' ? flags.device : basename(csvPath), sampleRateHz: rate, names, columns: csv.columns, unitsMs2: units === 'm/s2', hmacKey };
    const encoded = format === 'cbor' ? writeEdgeImpulseCbor(e) : writeEdgeImpulseJson(e);
    try {
      writeFileSync(outPath, encoded);
    } catch (e) {
      throw new UsageError(`cannot write ${outPath}: ${(e as Error).message}`);
    }
    out.log(`wrote ${outPath}: ${csv.rows} samples of ${names.join(', ')} at ${rate} Hz in ${units} as ${format.toUpperCase()}, ${hmacKey ? 'signed (HS256)' : 'unsigned (alg none)'}`);
    return { out: outPath, samples: csv.rows, sensors: names, sample_rate_hz: rate, units, signed: !!hmacKey, format };
  }
  if (sub === 'import') {
    const { flags, positional } = parseFlags(rest, { sample: 'value', out: 'value', 'hmac-key': 'value', json: 'bool' });
    if (positional.length) throw new UsageError(`unexpected argument "${positional[0]}"`);
    if (typeof flags.sample !== 'string') throw new UsageError('edge-impulse import needs --sample SAMPLE.json');
    if (typeof flags.out !== 'string') throw new UsageError('edge-impulse import needs --out RECORDING.csv');
    const hmacKey = hexKey(flags['hmac-key']);
    const sample = readEdgeImpulseSample(flags.sample, basename(flags.sample));
    if (hmacKey) {
      const why = checkEdgeImpulseSignature(new Uint8Array(readFileSync(flags.sample)), hmacKey, basename(flags.sample));
      if (why) throw new UsageError(why);
    }
    try {
      writeFileSync(flags.out, edgeImpulseToCsv(sample));
    } catch (e) {
      throw new UsageError(`cannot write ${flags.out}: ${(e as Error).message}`);
    }
    const n = sample.columns[0].length;
    out.log(`wrote ${flags.out}: ${n} rows of ${sample.sensors.map((s) => s.name).join(', ')} in g; sample rate ${sample.sampleRateHz.toPrecision(6)} Hz (give it as sample_rate_hz in a manifest)`);
    return { out: flags.out, samples: n, sensors: sample.sensors.map((s) => s.name), sample_rate_hz: sample.sampleRateHz, device_name: sample.deviceName, ...(hmacKey ? { signature_checked: true } : {}) };
  }
  throw new UsageError('edge-impulse takes export or import (see vigil --help)');
}

function hexKey(v: unknown): Uint8Array | undefined {
  if (typeof v !== 'string') return undefined;
  if (!/^([0-9a-f]{2})+$/i.test(v)) throw new UsageError('--hmac-key takes the key as hex digits');
  return Uint8Array.from(Buffer.from(v, 'hex'));
}

async function cmdReport(argv: string[], out: Out): Promise<Record<string, unknown>> {
  const { flags, positional } = parseFlags(argv, {
    bundle: 'value', asset: 'value', from: 'value', to: 'value', out: 'value', lang: 'value', site: 'value', technician: 'value',
    recommendations: 'value', 'recommendations-file': 'value', 'events-csv': 'value', 'measurements-csv': 'value', 'json-out': 'value', json: 'bool',
  });
  if (positional.length) throw new UsageError(`unexpected argument "${positional[0]}"`);
  for (const k of ['bundle', 'asset', 'from', 'to', 'out']) if (typeof flags[k] !== 'string') throw new UsageError(`report needs --${k}`);
  const { 'json-out': jsonOut, json: _json, ...rest } = flags;
  const r = await runReport({ ...(rest as unknown as ReportFlags), ...(typeof jsonOut === 'string' ? { json: jsonOut } : {}) });
  out.log(`wrote ${flags.out}: ${r.pages ?? '?'} pages, ${r.events} events, ${r.windows} measured windows`);
  return { out: flags.out, ...r };
}

function cmdPower(argv: string[], out: Out): unknown {
  const { flags, positional } = parseFlags(argv, POWER_FLAGS);
  if (positional.length) throw new UsageError(`unexpected argument "${positional[0]}"`);
  const r = runPower(flags);
  for (const line of powerTable(r)) out.log(line);
  return r;
}

/** Runs the CLI; returns the exit status. Exported for the tests. */
export async function main(argv: string[], io: { stdout: (s: string) => void; stderr: (s: string) => void } = { stdout: (s) => process.stdout.write(s + '\n'), stderr: (s) => process.stderr.write(s + '\n') }): Promise<number> {
  const [cmd, ...rest] = argv;
  const json = rest.includes('--json');
  const out: Out = { log: json ? io.stderr : io.stdout, progress: io.stderr };
  try {
    if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
      io.stdout(HELP);
      return cmd ? 0 : 2;
    }
    let result: unknown;
    if (cmd === 'train') result = await cmdTrain(rest, out);
    else if (cmd === 'eval') result = await cmdEval(rest, out);
    else if (cmd === 'size') result = await cmdSize(rest, out);
    else if (cmd === 'inspect') result = cmdInspect(rest, out);
    else if (cmd === 'report') result = await cmdReport(rest, out);
    else if (cmd === 'features') result = await cmdFeatures(rest, out, io, json);
    else if (cmd === 'export') result = cmdExport(rest, out);
    else if (cmd === 'import') result = cmdImport(rest, out);
    else if (cmd === 'edge-impulse') result = await cmdEdgeImpulse(rest, out);
    else if (cmd === 'power') result = cmdPower(rest, out);
    else if (cmd === 'gateway') await runGateway(parseGatewayArgs(rest), io.stderr);
    else throw new UsageError(`unknown command "${cmd}" (train, eval, size, inspect, export, import, edge-impulse, report, features, power, gateway; see vigil --help)`);
    if (json && result !== undefined) io.stdout(JSON.stringify(result));
    return 0;
  } catch (e) {
    const err = e as Error;
    const expected = [UsageError, ManifestError, CsvReadError, ModelFormatError, NoTrainingDataError, TrainError, RangeError, ReportUsageError, ReportError, BundleError, PdfError, FeaturesUsageError, TfliteImportError, PowerUsageError, GatewayUsageError, SizeBudgetError].some((c) => err instanceof c);
    io.stderr(`vigil: ${expected ? err.message : `internal error: ${err.stack ?? err.message}`}`.split('\n')[0]);
    return expected ? 2 : 1;
  }
}
