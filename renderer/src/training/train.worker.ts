/**
 * The training worker: reads the stored recordings and labels (or the picked CSV files), trains the
 * autoencoder with TensorFlow.js on the wasm backend, evaluates it beside the node's current model
 * and the two baselines, quantizes it to int8 and builds the .vgm file and the technician's verdict. Everything
 * heavy runs here, so the page stays responsive; progress is posted after every epoch, and a
 * cancel message is honoured between epochs.
 *
 * The .wasm binaries are emitted by Vite next to the bundle (`?url` imports), so they load from
 * the app itself, offline; the page's CSP allows them with 'wasm-unsafe-eval'.
 */
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import { defaultFeatureSpec, featureSpecKey, type FeatureSpec } from '../../../models/features/spec';
import { readVgmFile } from '../../../models/nn/modelFile';
import type { Int8Autoencoder } from '../../../models/nn/types';
import { evaluate } from '../../../models/eval/report';
import { perRecordingForModel } from '../../../models/eval/perRecording';
import { rateForAlarmsPerDay } from '../../../models/eval/threshold';
import { verdictOf } from '../../../models/eval/verdict';
import type { TrainResult } from '../../../models/train/autoencoder';
import { useBackend } from '../../../models/train/backend';
import { NORMAL_LABEL, prepareData, type PreparedData, type RecordingInput } from '../../../models/train/dataset';
import { heldOutMsgs, UNLABELLED_LABEL, type LineageInput } from '../../../models/train/lineage';
import { packageModel, quantizeDetector, trainModel, type DetectorOptions } from '../../../models/train/pipeline';
import { featureSpecOf, prepareRuns, runsForLineage } from '../../../models/train/stored';
import { openDb } from '../db/db';
import { setLanguage, t } from '../i18n';
import { say } from '../msg';
import { readFileColumns } from './csv';
import type { DataReport, FromWorker, ToWorker, TrainingSource } from './protocol';
import { refusalText, scanStored, type StoredQuery } from './stored';
import { msgOf } from '../../../models/i18n/msg';
import { runSizeSearch, type SizeMsg } from './sizeJob';

type TrainMsg = Extract<ToWorker, { type: 'train' }>;

let cancelled = false;

const SPLIT = { testFraction: 0.4, valFraction: 0.25 };

function post(msg: FromWorker, transfer: Transferable[] = []): void {
  self.postMessage(msg, { transfer });
}

/** Lets queued messages (cancel) run between epochs. */
const yieldToMessages = () => new Promise<void>((r) => setTimeout(r, 0));

/** The windows to train and evaluate on, whichever the source, with what the lineage records. */
interface Dataset {
  prepared: PreparedData;
  spec: FeatureSpec;
  channels: string[];
  recordings: LineageInput['recordings'];
}

async function scan(query: StoredQuery, nodeName: string) {
  const s = await scanStored(openDb(), query);
  const report: DataReport = { specMsg: s.specMsg, classes: s.classes, canTrain: s.canTrain, refusal: refusalText(s, nodeName), leftOut: s.assembled.leftOut };
  post({ type: 'data', report });
  return s;
}

async function storedDataset(query: StoredQuery, nodeName: string): Promise<Dataset> {
  post({ type: 'status', text: t('training.w.reading') });
  const s = await scan(query, nodeName);
  const refusal = refusalText(s, nodeName);
  if (refusal) throw new Error(refusal);
  if (!s.canTrain) throw new Error(t('training.w.notEnough', { why: say(s.classes[0].sayMsg) }));
  return { prepared: prepareRuns(s.assembled.runs, s.spec, SPLIT), spec: featureSpecOf(s.spec), channels: s.spec.channels, recordings: runsForLineage(s.assembled.runs, s.spec) };
}

async function fileDataset(source: Extract<TrainingSource, { kind: 'files' }>): Promise<Dataset | null> {
  const spec = defaultFeatureSpec(source.sampleRateHz);
  const recordings: RecordingInput[] = [];
  const lineage: Dataset['recordings'] = [];
  for (const f of source.files) {
    if (f.role === 'exclude') continue;
    post({ type: 'status', text: t('training.w.readingFile', { file: f.file.name }) });
    // Unlabelled windows the technician chose to treat as normal train like normal ones.
    const label = f.role === 'anomaly' ? f.label : NORMAL_LABEL;
    const channels = (await readFileColumns(f.file, f.file.name, source.channels)).columns;
    recordings.push({ name: f.file.name, label, channels });
    lineage.push({ name: f.file.name, label: f.role === 'unlabelled' ? UNLABELLED_LABEL : label, samples: channels[0].length });
    if (cancelled) return null;
  }
  if (!recordings.some((r) => r.label === NORMAL_LABEL)) throw new Error(t('training.w.noNormal'));
  post({ type: 'status', text: t('training.w.features') });
  return { prepared: prepareData(recordings, spec, SPLIT), spec, channels: source.channels, recordings: lineage };
}

/** The job's data, the node's current model and the TensorFlow.js backend, or null when cancelled while reading. */
async function setUp(msg: TrainMsg | SizeMsg): Promise<{ data: Dataset; current: Int8Autoencoder | undefined } | null> {
  cancelled = false;
  const data = msg.source.kind === 'stored' ? await storedDataset(msg.source.query, msg.source.nodeName) : await fileDataset(msg.source);
  if (!data) return null;
  const { prepared } = data;
  if (prepared.train.rows.length < 2 || prepared.val.rows.length < 2) {
    throw new Error(t('training.w.tooLittle', { train: prepared.train.rows.length, val: prepared.val.rows.length }));
  }
  let current: Int8Autoencoder | undefined;
  if (msg.current) {
    try {
      current = readVgmFile(msg.current).model;
    } catch {
      current = undefined;
    }
  }
  post({ type: 'status', text: t('training.w.tf') });
  // tfjs wants an entry for all three binaries. The threaded one is never loaded (useBackend turns
  // threads off), so it points at the SIMD file rather than shipping a third, unused binary.
  await useBackend('wasm', { 'tfjs-backend-wasm.wasm': wasmUrl, 'tfjs-backend-wasm-simd.wasm': wasmSimdUrl, 'tfjs-backend-wasm-threaded-simd.wasm': wasmSimdUrl });
  return { data, current };
}

async function train(msg: TrainMsg): Promise<void> {
  const ready = await setUp(msg);
  if (!ready) return post({ type: 'cancelled' });
  const { data, current } = ready;
  const { prepared, spec } = data;
  const axes = data.channels.map((_, i) => i);
  const training = await trainModel(prepared, spec, axes, {
    hidden: msg.params.hidden,
    epochs: msg.params.epochs,
    seed: msg.params.seed,
    onEpoch: async (p) => {
      post({ type: 'progress', epoch: p.epoch, epochs: p.epochs, loss: p.loss, valLoss: p.valLoss, bestEpoch: p.bestEpoch });
      await yieldToMessages();
      return !cancelled;
    },
  });
  if (training.cancelled) return post({ type: 'cancelled' });
  const targetRate = rateForAlarmsPerDay(msg.params.alarmsPerDay, msg.params.debounceK, msg.params.debounceN, spec.sampleRateHz, spec.hop);
  finishModel({ ...msg, ...msg.params, tool: 'Vigil app (Training page)' }, data, training, current, targetRate);
}

/** The size search (sizeJob.ts); the chosen model then goes the way of a trained one. */
async function size(msg: SizeMsg): Promise<void> {
  const ready = await setUp(msg);
  if (!ready) return post({ type: 'cancelled' });
  const { data, current } = ready;
  const found = await runSizeSearch(msg, data, post, async () => {
    await yieldToMessages();
    return !cancelled;
  });
  if (!found) return;
  const d = found.chosen.detector!;
  post({ type: 'status', text: t('size.making') });
  const p = msg.params;
  finishModel({ ...msg, hidden: found.chosen.widths.slice(1, -1), epochs: p.epochs, seed: p.seed, debounceK: p.debounceK, debounceN: p.debounceN, tool: 'Vigil app (Training page, size search)' }, data, d.training, current, found.targetRate);
}

/** What the model was made with, for its lineage and file. */
interface ModelJob {
  hidden: number[];
  epochs: number;
  seed: number;
  debounceK: number;
  debounceN: number;
  modelVersion: number;
  parentVersion: number | null;
  tool: string;
}

/** Evaluates a trained model beside the node's, posts 'trained', then quantizes (posts 'quantized'). */
function finishModel(job: ModelJob, data: Dataset, training: TrainResult, current: Int8Autoencoder | undefined, targetRate: number): void {
  const { prepared, spec } = data;
  post({ type: 'status', text: t('training.w.evaluating') });
  const report = evaluate({ spec, ...prepared }, { float: training.model, current }, { targetRate, debounceK: job.debounceK, debounceN: job.debounceN });
  post({
    type: 'trained',
    report,
    notes: heldOutMsgs(prepared, SPLIT),
    epochsRun: training.epochsRun,
    bestEpoch: training.bestEpoch,
    stoppedEarly: training.stoppedEarly,
    seconds: training.seconds,
    backend: training.backend,
    targetRate,
  });
  quantize(job, data, training, current, targetRate);
}

/** Quantizes to int8 (what the node runs), evaluates it beside the node's model, and builds the file and the verdict. */
function quantize(job: ModelJob, data: Dataset, training: TrainResult, current: Int8Autoencoder | undefined, targetRate: number): void {
  const t0 = performance.now();
  const { prepared, spec } = data;
  const options: DetectorOptions = { hidden: job.hidden, epochs: job.epochs, seed: job.seed, targetRate, debounceK: job.debounceK, debounceN: job.debounceN, modelVersion: job.modelVersion };
  const trained = { training, float: training.model, ...quantizeDetector(training.model, prepared, options) };
  const { report, summary, lineage, blob, file } = packageModel({
    tool: job.tool,
    createdAt: new Date().toISOString(),
    channels: data.channels,
    spec,
    recordings: data.recordings,
    prepared,
    split: SPLIT,
    options,
    trained,
    parentVersion: job.parentVersion,
    current,
    keepScores: true,
  });
  report.perRecording = perRecordingForModel(prepared, trained.int8, targetRate);
  const verdict = verdictOf(report, { testNormal: prepared.testNormal, anomalies: prepared.anomalies, sampleRateHz: spec.sampleRateHz, hop: spec.hop });
  post(
    { type: 'quantized', report, summary, verdict, file, blobBytes: blob.length, lineage, seconds: (performance.now() - t0) / 1000, channels: data.channels, specKey: featureSpecKey(spec) },
    [file.buffer],
  );
}

self.onmessage = (e: MessageEvent<ToWorker>) => {
  const msg = e.data;
  if (msg.type === 'cancel') {
    cancelled = true;
    return;
  }
  if (msg.type === 'lang') return setLanguage(msg.lang);
  const job = msg.type === 'train' ? train(msg) : msg.type === 'size' ? size(msg) : scan(msg.query, msg.nodeName);
  job.catch((err: Error) => {
    const m = msgOf(err);
    post({ type: 'error', message: err.message || String(err), ...(m ? { say: m } : {}) });
  });
};
