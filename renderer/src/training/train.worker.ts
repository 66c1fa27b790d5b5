/**
 * The training worker: reads the picked CSV files, computes the node's features, trains the
 * autoencoder with TensorFlow.js on the wasm backend, evaluates it beside the node's current model
 * and the two baselines, and on request quantizes it to int8 and builds the .vgm file. Everything
 * heavy runs here, so the page stays responsive; progress is posted after every epoch, and a
 * cancel message is honoured between epochs.
 *
 * The .wasm binaries are emitted by Vite next to the bundle (`?url` imports), so they load from
 * the app itself, offline; the page's CSP allows them with 'wasm-unsafe-eval'.
 */
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import { defaultFeatureSpec } from '../../../models/features/spec';
import { readVgmFile } from '../../../models/nn/modelFile';
import type { Int8Autoencoder } from '../../../models/nn/types';
import { evaluate } from '../../../models/eval/report';
import { rateForAlarmsPerDay } from '../../../models/eval/threshold';
import type { TrainResult } from '../../../models/train/autoencoder';
import { useBackend } from '../../../models/train/backend';
import { prepareData, type PreparedData, type RecordingInput } from '../../../models/train/dataset';
import { heldOutNotice } from '../../../models/train/lineage';
import { packageModel, quantizeDetector, trainModel, type DetectorOptions } from '../../../models/train/pipeline';
import { readFileColumns } from './csv';
import type { FromWorker, ToWorker } from './protocol';

let cancelled = false;
let state: {
  msg: Extract<ToWorker, { type: 'train' }>;
  prepared: PreparedData;
  training: TrainResult;
  current: Int8Autoencoder | undefined;
  targetRate: number;
  recordings: { name: string; label: string; samples: number }[];
} | null = null;

const SPLIT = { testFraction: 0.4, valFraction: 0.25 };

function post(msg: FromWorker, transfer: Transferable[] = []): void {
  self.postMessage(msg, { transfer });
}

/** Lets queued messages (cancel) run between epochs. */
const yieldToMessages = () => new Promise<void>((r) => setTimeout(r, 0));

async function train(msg: Extract<ToWorker, { type: 'train' }>): Promise<void> {
  cancelled = false;
  const spec = defaultFeatureSpec(msg.sampleRateHz);
  const recordings: RecordingInput[] = [];
  for (const f of msg.files) {
    if (f.role === 'exclude') continue;
    post({ type: 'status', text: `Reading ${f.file.name}…` });
    // Unlabelled windows the technician chose to treat as normal train like normal ones.
    const label = f.role === 'anomaly' ? f.label : 'normal';
    recordings.push({ name: f.file.name, label, channels: (await readFileColumns(f.file, f.file.name, msg.channels)).columns });
    if (cancelled) return post({ type: 'cancelled' });
  }
  if (!recordings.some((r) => r.label === 'normal')) throw new Error('No file is labelled normal (or unlabelled, treated as normal): there is nothing to train on. Anomalies are never trained on.');
  post({ type: 'status', text: 'Computing features…' });
  const prepared = prepareData(recordings, spec, SPLIT);
  if (prepared.train.rows.length < 2 || prepared.val.rows.length < 2) {
    throw new Error(`Too little normal data: ${prepared.train.rows.length} training and ${prepared.val.rows.length} validation windows (a normal recording of at least half a second at 48 kHz is needed).`);
  }
  let current: Int8Autoencoder | undefined;
  if (msg.current) {
    try {
      current = readVgmFile(msg.current).model;
    } catch {
      current = undefined;
    }
  }
  post({ type: 'status', text: 'Starting TensorFlow.js (wasm)…' });
  // tfjs wants an entry for all three binaries. The threaded one is never loaded (useBackend turns
  // threads off), so it points at the SIMD file rather than shipping a third, unused binary.
  await useBackend('wasm', { 'tfjs-backend-wasm.wasm': wasmUrl, 'tfjs-backend-wasm-simd.wasm': wasmSimdUrl, 'tfjs-backend-wasm-threaded-simd.wasm': wasmSimdUrl });
  const axes = msg.channels.map((_, i) => i);
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
  post({ type: 'status', text: 'Evaluating…' });
  const report = evaluate({ spec, ...prepared }, { float: training.model, current }, { targetRate, debounceK: msg.params.debounceK, debounceN: msg.params.debounceN });
  state = { msg, prepared, training, current, targetRate, recordings: recordings.map((r) => ({ name: r.name, label: r.label, samples: r.channels[0].length })) };
  post({
    type: 'trained',
    report,
    notes: heldOutNotice(prepared, SPLIT),
    epochsRun: training.epochsRun,
    bestEpoch: training.bestEpoch,
    stoppedEarly: training.stoppedEarly,
    seconds: training.seconds,
    backend: training.backend,
    targetRate,
  });
}

function quantize(): void {
  if (!state) throw new Error('Train a model first.');
  const t0 = performance.now();
  const { msg, prepared, training, current, targetRate } = state;
  const options: DetectorOptions = { hidden: msg.params.hidden, epochs: msg.params.epochs, seed: msg.params.seed, targetRate, debounceK: msg.params.debounceK, debounceN: msg.params.debounceN, modelVersion: msg.modelVersion };
  const trained = { training, float: training.model, ...quantizeDetector(training.model, prepared, options) };
  const { report, summary, lineage, blob, file } = packageModel({
    tool: 'Vigil app (Training page)',
    createdAt: new Date().toISOString(),
    channels: msg.channels,
    spec: training.model.spec,
    recordings: state.recordings.map((r, i) => ({ ...r, label: msg.files.filter((f) => f.role !== 'exclude')[i]?.role === 'unlabelled' ? 'unlabelled (treated as normal)' : r.label })),
    prepared,
    split: SPLIT,
    options,
    trained,
    parentVersion: msg.parentVersion,
    current,
    keepScores: true,
  });
  post({ type: 'quantized', report, summary, file, blobBytes: blob.length, lineage, seconds: (performance.now() - t0) / 1000 }, [file.buffer]);
}

self.onmessage = (e: MessageEvent<ToWorker>) => {
  const msg = e.data;
  if (msg.type === 'cancel') {
    cancelled = true;
    return;
  }
  const job = msg.type === 'train' ? train(msg) : Promise.resolve().then(quantize);
  job.catch((err: Error) => post({ type: 'error', message: err.message || String(err) }));
};
