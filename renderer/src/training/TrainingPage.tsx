/**
 * Training page: pick labelled recordings, train the autoencoder in a Web Worker
 * (progress, loss curve, cancel), compare it with the node's current model and two plain
 * baselines on the same held-out windows, quantize it to int8, and keep it in the registry.
 * Deploying needs the technician's confirmation (RegistryPanel).
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { EvaluationReport } from '../../../models/eval/report';
import { readVgmFile } from '../../../models/nn/modelFile';
import { LossChart, ScorePlot } from './charts';
import { headerOf, isManifestHeader, parseManifest } from './csv';
import { EvalTable } from './EvalTable';
import type { EpochPoint, FileRole, FromWorker, PickedFile, ToWorker } from './protocol';
import { ModelRegistry, type RegistryEntry } from './registry';
import { RegistryPanel } from './RegistryPanel';
import './training.css';

type Phase = 'idle' | 'training' | 'trained' | 'quantizing' | 'quantized';

interface Quantized {
  report: EvaluationReport;
  file: Uint8Array;
  blobBytes: number;
  summary: Extract<FromWorker, { type: 'quantized' }>['summary'];
  lineage: Extract<FromWorker, { type: 'quantized' }>['lineage'];
  version: number;
}

const registry = new ModelRegistry();

async function currentModelFile(deployed: RegistryEntry | undefined): Promise<{ file: Uint8Array; version: number; name: string } | null> {
  if (deployed) return { file: deployed.file, version: deployed.version, name: `v${deployed.version} (deployed)` };
  try {
    const r = await fetch('./models/default.vgm');
    if (!r.ok) return null;
    const file = new Uint8Array(await r.arrayBuffer());
    return { file, version: readVgmFile(file).model.modelVersion, name: 'factory default v1' };
  } catch {
    return null;
  }
}

export function TrainingPage() {
  const [files, setFiles] = useState<PickedFile[]>([]);
  const [header, setHeader] = useState<string[]>([]);
  const [channels, setChannels] = useState<string[]>([]);
  const [rate, setRate] = useState(48000);
  const [hidden, setHidden] = useState('32,8,32');
  const [epochs, setEpochs] = useState(300);
  const [seed, setSeed] = useState(1);
  const [alarmsPerDay, setAlarmsPerDay] = useState(1);
  const [phase, setPhase] = useState<Phase>('idle');
  const [status, setStatus] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [points, setPoints] = useState<EpochPoint[]>([]);
  const [progress, setProgress] = useState({ epoch: 0, epochs: 1, bestEpoch: 0 });
  const [trained, setTrained] = useState<Extract<FromWorker, { type: 'trained' }> | null>(null);
  const [quantized, setQuantized] = useState<Quantized | null>(null);
  const [plotDetector, setPlotDetector] = useState('float');
  const [entries, setEntries] = useState<RegistryEntry[]>([]);
  const [saved, setSaved] = useState<number | null>(null);
  const worker = useRef<Worker | null>(null);
  const pending = useRef<{ version: number } | null>(null);

  const refresh = useCallback(() => registry.list().then(setEntries, (e: Error) => setError(`The model registry could not be read: ${e.message}`)), []);
  useEffect(() => {
    void refresh();
    return () => worker.current?.terminate();
  }, [refresh]);

  const onMessage = useCallback((m: FromWorker) => {
    if (m.type === 'status') setStatus(m.text);
    else if (m.type === 'progress') {
      setProgress({ epoch: m.epoch, epochs: m.epochs, bestEpoch: m.bestEpoch });
      setPoints((p) => [...p, { epoch: m.epoch, loss: m.loss, valLoss: m.valLoss }]);
      setStatus(`Epoch ${m.epoch} of at most ${m.epochs}: loss ${m.loss.toFixed(4)}${m.valLoss !== null ? `, validation ${m.valLoss.toFixed(4)}` : ''}`);
    } else if (m.type === 'trained') {
      setTrained(m);
      setPhase('trained');
      setStatus(`Trained in ${m.seconds.toFixed(1)} s on ${m.backend}: ${m.epochsRun} epochs, best ${m.bestEpoch}${m.stoppedEarly ? ' (stopped early: validation loss no longer improved)' : ''}.`);
    } else if (m.type === 'quantized') {
      setQuantized({ report: m.report, file: m.file, blobBytes: m.blobBytes, summary: m.summary, lineage: m.lineage, version: pending.current?.version ?? 0 });
      setPhase('quantized');
      setPlotDetector('int8');
      setStatus(`Quantized to int8 in ${m.seconds.toFixed(2)} s: ${m.blobBytes} bytes for the node.`);
    } else if (m.type === 'cancelled') {
      setPhase('idle');
      setStatus('Training cancelled. Nothing was saved.');
    } else if (m.type === 'error') {
      setError(m.message);
      setPhase((p) => (p === 'quantizing' ? 'trained' : 'idle'));
    }
  }, []);

  async function pick(list: FileList | null): Promise<void> {
    if (!list || list.length === 0) return;
    setError(null);
    const all = Array.from(list);
    let manifest: ReturnType<typeof parseManifest> | null = null;
    const recs: File[] = [];
    let firstHeader: string[] = [];
    for (const f of all) {
      const head = headerOf(await f.slice(0, 4096).text());
      if (isManifestHeader(head)) {
        try {
          manifest = parseManifest(f.name, await f.text());
        } catch (e) {
          setError((e as Error).message);
          return;
        }
      } else {
        recs.push(f);
        if (firstHeader.length === 0) firstHeader = head;
      }
    }
    if (recs.length === 0) return setError('No recording among the picked files (a manifest alone names files: pick them too).');
    const picked: PickedFile[] = recs.map((file) => {
      const m = manifest?.find((e) => e.file.split('/').pop() === file.name);
      if (m) return { file, role: m.label === 'normal' ? 'normal' : 'anomaly', label: m.label === 'normal' ? '' : m.label };
      const guess = /normal|healthy/i.test(file.name) ? 'normal' : 'unlabelled';
      return { file, role: guess as FileRole, label: '' };
    });
    if (manifest?.length) setRate(manifest[0].sampleRateHz);
    setFiles(picked);
    setHeader(firstHeader);
    setChannels(firstHeader.slice(0, 3));
    setTrained(null);
    setQuantized(null);
  }

  async function train(): Promise<void> {
    setError(null);
    const h = hidden.split(',').map((s) => Number(s.trim()));
    if (h.some((x) => !Number.isInteger(x) || x < 1 || x > 256)) return setError('Hidden layer sizes are whole numbers from 1 to 256, e.g. 32,8,32.');
    if (channels.length === 0) return setError('Choose at least one channel.');
    const bad = files.find((f) => f.role === 'anomaly' && !/^[A-Za-z0-9_.-]+$/.test(f.label));
    if (bad) return setError(`Give the anomaly in ${bad.file.name} a label (letters, digits, _ . -).`);
    const deployed = await registry.deployed();
    const current = await currentModelFile(deployed);
    const version = Math.max(await registry.nextVersion(), (current?.version ?? 1) + 1);
    pending.current = { version };
    worker.current?.terminate();
    const w = new Worker(new URL('./train.worker.ts', import.meta.url), { type: 'module', name: 'vigil-train' });
    w.onmessage = (e: MessageEvent<FromWorker>) => onMessage(e.data);
    w.onerror = (e) => {
      setError(`The training worker failed: ${e.message || 'unknown error'}`);
      setPhase('idle');
    };
    worker.current = w;
    setPoints([]);
    setTrained(null);
    setQuantized(null);
    setSaved(null);
    setPhase('training');
    setPlotDetector('float');
    setStatus('Starting…');
    const msg: ToWorker = {
      type: 'train',
      files,
      channels,
      sampleRateHz: rate,
      params: { hidden: h, epochs, seed, alarmsPerDay, debounceK: 3, debounceN: 5 },
      current: current?.file ?? null,
      modelVersion: version,
      parentVersion: current?.version ?? null,
    };
    w.postMessage(msg);
  }

  async function save(): Promise<void> {
    if (!quantized) return;
    const m = readVgmFile(quantized.file).model;
    try {
      await registry.add({
        version: quantized.version,
        createdMs: Date.now(),
        file: quantized.file,
        blobBytes: quantized.blobBytes,
        architecture: [m.mean.length, ...m.layers.map((l) => l.outDim)].join('-'),
        channels,
        lineage: quantized.lineage,
        summary: quantized.summary,
        note: '',
      });
      setSaved(quantized.version);
      await refresh();
    } catch (e) {
      setError((e as Error).message);
    }
  }

  const report = quantized?.report ?? trained?.report ?? null;
  const plot = useMemo(() => {
    const d = report?.detectors.find((x) => x.id === plotDetector && !x.unavailable);
    if (!d?.scores) return null;
    return { groups: { 'held-out normal': d.scores.testNormal, ...d.scores.anomalies }, threshold: d.threshold };
  }, [report, plotDetector]);
  const busy = phase === 'training' || phase === 'quantizing';
  const roleOf = (i: number, role: FileRole) => setFiles((fs) => fs.map((f, k) => (k === i ? { ...f, role } : f)));
  const labelOf = (i: number, label: string) => setFiles((fs) => fs.map((f, k) => (k === i ? { ...f, label } : f)));

  return (
    <div data-testid="training-page" className="page training">
      <div className="page-head">
        <h2>Training</h2>
      </div>
      {error && (
        <p className="error" role="alert" data-testid="training-error">
          {error}
        </p>
      )}

      <section className="panel" aria-labelledby="data-title">
        <h3 id="data-title">1. Data</h3>
        <p className="small muted">
          Pick CSV recordings (a header of channel names, one row per sample, in g), and optionally a manifest (file,label,sample_rate_hz) naming their
          labels. Normal and unlabelled-as-normal recordings train the model (their last 40% is held out for evaluation); anomalies are only ever
          evaluated.
        </p>
        <input type="file" accept=".csv,text/csv" multiple data-testid="training-files" disabled={busy} onChange={(e) => void pick(e.target.files)} />
        {files.length > 0 && (
          <>
            <table className="eval-table files">
              <thead>
                <tr>
                  <th>file</th>
                  <th>use as</th>
                  <th>anomaly label</th>
                </tr>
              </thead>
              <tbody>
                {files.map((f, i) => (
                  <tr key={f.file.name}>
                    <td className="mono">{f.file.name}</td>
                    <td>
                      <select value={f.role} disabled={busy} onChange={(e) => roleOf(i, e.target.value as FileRole)} data-testid={`role-${i}`}>
                        <option value="normal">normal (train)</option>
                        <option value="unlabelled">unlabelled: treat as normal (train)</option>
                        <option value="anomaly">anomaly (evaluate only)</option>
                        <option value="exclude">exclude</option>
                      </select>
                    </td>
                    <td>
                      {f.role === 'anomaly' && (
                        <input value={f.label} placeholder="e.g. inner_race" disabled={busy} onChange={(e) => labelOf(i, e.target.value)} data-testid={`label-${i}`} />
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            <div className="form-row">
              <span>Channels (node axes, in order):</span>
              {header.map((c) => (
                <label key={c}>
                  <input
                    type="checkbox"
                    checked={channels.includes(c)}
                    disabled={busy || (!channels.includes(c) && channels.length >= 3)}
                    onChange={(e) => setChannels((cs) => (e.target.checked ? header.filter((h) => cs.includes(h) || h === c) : cs.filter((x) => x !== c)))}
                  />{' '}
                  {c}
                </label>
              ))}
              <label>
                Sample rate (Hz) <input type="number" value={rate} min={100} max={1000000} disabled={busy} onChange={(e) => setRate(Number(e.target.value))} />
              </label>
            </div>
          </>
        )}
      </section>

      <section className="panel" aria-labelledby="train-title">
        <h3 id="train-title">2. Train</h3>
        <div className="form-row">
          <label>
            Hidden layers <input value={hidden} size={10} disabled={busy} onChange={(e) => setHidden(e.target.value)} data-testid="hidden" />
          </label>
          <label>
            Max epochs <input type="number" value={epochs} min={1} max={5000} disabled={busy} onChange={(e) => setEpochs(Number(e.target.value))} data-testid="epochs" />
          </label>
          <label>
            Seed <input type="number" value={seed} min={0} disabled={busy} onChange={(e) => setSeed(Number(e.target.value))} />
          </label>
          <label>
            Target false alarms per day{' '}
            <input type="number" value={alarmsPerDay} min={0.001} step="any" disabled={busy} onChange={(e) => setAlarmsPerDay(Number(e.target.value))} />
          </label>
          <span className="small muted">debounce: 3 of 5 windows</span>
        </div>
        <div className="form-row">
          <button type="button" onClick={() => void train()} disabled={busy || files.length === 0} data-testid="train-button">
            Train
          </button>
          <button type="button" onClick={() => worker.current?.postMessage({ type: 'cancel' } satisfies ToWorker)} disabled={phase !== 'training'} data-testid="cancel-button">
            Cancel
          </button>
          <progress max={progress.epochs} value={phase === 'training' ? progress.epoch : phase === 'idle' ? 0 : progress.epochs} data-testid="train-progress" />
          <span className="small" data-testid="train-status" aria-live="polite">
            {status}
          </span>
        </div>
        <LossChart points={points} />
      </section>

      {report && (
        <section className="panel" aria-labelledby="eval-title" data-testid="evaluation">
          <h3 id="eval-title">3. Evaluation on held-out data{quantized ? ' (with the int8 model)' : ''}</h3>
          {trained?.notes.map((n) => (
            <p key={n} className="small muted">
              {n}
            </p>
          ))}
          <p className="small">
            Thresholds are chosen on validation windows only, for {trained ? (trained.targetRate * 100).toPrecision(2) : '—'}% of windows over the
            threshold (the rate that gives {alarmsPerDay} false alarm(s) per day after 3-of-5 debounce).
          </p>
          <EvalTable report={report} />
          <div className="form-row">
            <label>
              Score distributions of{' '}
              <select value={plotDetector} onChange={(e) => setPlotDetector(e.target.value)}>
                {report.detectors
                  .filter((d) => !d.unavailable)
                  .map((d) => (
                    <option key={d.id} value={d.id}>
                      {d.name}
                    </option>
                  ))}
              </select>
            </label>
          </div>
          {plot && <ScorePlot groups={plot.groups} threshold={plot.threshold} />}
          {!quantized && (
            <button type="button" disabled={phase !== 'trained'} onClick={() => (setPhase('quantizing'), worker.current?.postMessage({ type: 'quantize' } satisfies ToWorker))} data-testid="quantize-button">
              Quantize to int8
            </button>
          )}
        </section>
      )}

      {quantized && (
        <section className="panel" aria-labelledby="q-title" data-testid="quantized">
          <h3 id="q-title">4. The int8 model (v{quantized.version})</h3>
          <p>
            {quantized.blobBytes} bytes for the node; lowest AUC float <strong>{quantized.summary.auc_min?.toFixed(4) ?? '—'}</strong>, int8{' '}
            <strong data-testid="auc-int8">{quantized.summary.auc_int8_min?.toFixed(4) ?? '—'}</strong>; false alarms on held-out normal windows{' '}
            {((quantized.summary.false_alarm_rate ?? NaN) * 100).toFixed(2)}%.
          </p>
          {saved === quantized.version ? (
            <p data-testid="saved-note">Saved to the registry as v{saved}. Deploy it from the registry below after comparing.</p>
          ) : (
            <button type="button" onClick={() => void save()} data-testid="save-button">
              Add v{quantized.version} to the registry
            </button>
          )}
        </section>
      )}

      <RegistryPanel
        entries={entries}
        onDeploy={async (v) => {
          await registry.markDeployed(v);
          await refresh();
        }}
      />
    </div>
  );
}
