/**
 * Training page: train the node's model from what was recorded and labelled on this laptop (or
 * from picked CSV files), in a Web Worker (progress, loss curve, cancel); then the answer first —
 * is the new model better than the one the node runs, on this machine's held-out data, and by how
 * much — with every detector one click away; keep it in the model store and hand it to the Deploy
 * page, which sends it to the nodes.
 */
import type { NodeInfo } from '../../../models/api/contract';
import type { Msg } from '../../../models/i18n/msg';
import type { DerivedBudget } from '../../../models/size/nodeBudget';
import type { SizeStep } from '../../../models/size/search';
import { useCallback, useEffect, useRef, useState } from 'react';
import { readVgmFile } from '../../../models/nn/modelFile';
import { openDb } from '../db/db';
import { navigate } from '../app/route';
import { confirmedModel } from '../db/deployments';
import { addModel, listModels, nextModelVersion } from '../db/models';
import type { DeploymentRow, ModelRow } from '../db/types';
import { formatFixed } from '../format';
import { lang, t } from '../i18n';
import { say, sayError } from '../msg';
import { technicianName } from '../labels/technician';
import { LossChart } from './charts';
import { badFileReason, headerOf, isManifestHeader, parseManifestText } from './csv';
import { DataReportView } from './DataReportView';
import { ModelStorePanel, type NodeChoice } from './ModelStorePanel';
import { OpenedModelPanel } from './OpenedModelPanel';
import type { DataReport, EpochPoint, FileRole, FromWorker, PickedFile, SizeParams, SizeTable, ToWorker, TrainingSource } from './protocol';
import { SizePanel } from './SizePanel';
import type { StoredQuery } from './stored';
import { recordedNodes, StoredPicker } from './StoredPicker';
import { VerdictPanel } from './VerdictPanel';
import './training.css';

type Phase = 'idle' | 'scanning' | 'training' | 'sizing' | 'quantizing' | 'done';
type Quantized = Extract<FromWorker, { type: 'quantized' }> & { version: number; nodeId: string | null };

const db = openDb();

async function factoryDefault(): Promise<{ file: Uint8Array; version: number } | null> {
  try {
    const r = await fetch('./models/default.vgm');
    if (!r.ok) return null;
    const file = new Uint8Array(await r.arrayBuffer());
    return { file, version: readVgmFile(file).model.modelVersion };
  } catch {
    return null;
  }
}

/** The model the node runs: the last one it confirmed through a deployment, else the factory default. */
async function currentModelOf(nodeId: string | null): Promise<{ file: Uint8Array; version: number } | null> {
  const confirmed = nodeId ? await confirmedModel(db, nodeId) : null;
  if (confirmed?.model.blob) return { file: confirmed.model.blob, version: confirmed.model.version };
  return factoryDefault();
}

export function TrainingPage({ nodes: connected = [] }: { nodes?: NodeInfo[] }) {
  const [sourceKind, setSourceKind] = useState<'stored' | 'files'>('stored');
  const [query, setQuery] = useState<StoredQuery | null>(null);
  const [nodeName, setNodeName] = useState('');
  const [dataReport, setDataReport] = useState<DataReport | null>(null);
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
  const [progress, setProgress] = useState({ epoch: 0, epochs: 1 });
  const [notes, setNotes] = useState<Msg[]>([]);
  const [quantized, setQuantized] = useState<Quantized | null>(null);
  const [models, setModels] = useState<ModelRow[]>([]);
  const [deployments, setDeployments] = useState<DeploymentRow[]>([]);
  const [nodes, setNodes] = useState<NodeChoice[]>([]);
  const [saved, setSaved] = useState<string | null>(null);
  const [sizeStep, setSizeStep] = useState<SizeStep | null>(null);
  const [sizeTable, setSizeTable] = useState<SizeTable | null>(null);
  // Which job the status line belongs to: state for rendering, the ref for the message handler.
  const [jobKind, setJobKind] = useState<'train' | 'size'>('train');
  const jobKindRef = useRef<'train' | 'size'>('train');
  const worker = useRef<Worker | null>(null);
  const pending = useRef<{ version: number; nodeId: string | null }>({ version: 0, nodeId: null });

  const refresh = useCallback(async () => {
    try {
      setModels(await listModels(db));
      setDeployments(await db.deployments.toArray());
      setNodes((await recordedNodes(db)).nodes.map((n) => ({ id: n.id, name: n.name })));
    } catch (e) {
      setError(t('training.storeReadFailed', { error: sayError(e) }));
    }
  }, []);
  useEffect(() => {
    void refresh();
    return () => worker.current?.terminate();
  }, [refresh]);

  const onMessage = useCallback((m: FromWorker) => {
    if (m.type === 'status') setStatus(m.text);
    else if (m.type === 'data') {
      setDataReport(m.report);
      setPhase((p) => (p === 'scanning' ? 'idle' : p));
    } else if (m.type === 'progress') {
      setProgress({ epoch: m.epoch, epochs: m.epochs });
      setPoints((p) => [...p, { epoch: m.epoch, loss: m.loss, valLoss: m.valLoss }]);
      setStatus(t('training.epoch', { epoch: m.epoch, epochs: m.epochs, loss: formatFixed(m.loss, 4), val: m.valLoss !== null ? t('training.validation', { loss: formatFixed(m.valLoss, 4) }) : '' }));
    } else if (m.type === 'trained') {
      setNotes(m.notes);
      setPhase('quantizing');
      setStatus(
        t('training.trained', { seconds: formatFixed(m.seconds, 1), backend: m.backend, epochs: m.epochsRun, best: m.bestEpoch, early: m.stoppedEarly ? t('training.stoppedEarly') : '' }) + t('training.making'),
      );
    } else if (m.type === 'quantized') {
      setQuantized({ ...m, ...pending.current });
      setPhase('done');
      setStatus((s) => (s.endsWith(t('training.making')) ? s.slice(0, -t('training.making').length) : s) + t('training.int8', { bytes: m.blobBytes }));
    } else if (m.type === 'sizeStep') {
      setSizeStep(m.step);
    } else if (m.type === 'sizeTable') {
      setSizeTable(m.table);
      setPhase('quantizing');
    } else if (m.type === 'cancelled') {
      setPhase('idle');
      setStatus(jobKindRef.current === 'size' ? t('size.cancelled') : t('training.cancelled'));
    } else if (m.type === 'error') {
      setError(m.say ? say(m.say) : m.message);
      setStatus('');
      setPhase('idle');
    }
  }, []);

  function startWorker(): Worker {
    worker.current?.terminate();
    const w = new Worker(new URL('./train.worker.ts', import.meta.url), { type: 'module', name: 'vigil-train' });
    w.onmessage = (e: MessageEvent<FromWorker>) => onMessage(e.data);
    w.postMessage({ type: 'lang', lang: lang() } satisfies ToWorker);
    w.onerror = (e) => {
      setError(t('training.workerFailed', { error: e.message || t('training.unknownError') }));
      setPhase('idle');
    };
    worker.current = w;
    return w;
  }

  function check(): void {
    if (!query) return;
    setError(null);
    setDataReport(null);
    jobKindRef.current = 'train';
    setJobKind('train');
    setPhase('scanning');
    startWorker().postMessage({ type: 'scan', query, nodeName } satisfies ToWorker);
  }

  async function pick(list: FileList | null): Promise<void> {
    if (!list || list.length === 0) return;
    setError(null);
    let manifest: ReturnType<typeof parseManifestText>['rows'] | null = null;
    const recs: File[] = [];
    const bad: string[] = [];
    let firstHeader: string[] = [];
    for (const f of Array.from(list)) {
      const head = new Uint8Array(await f.slice(0, 4096).arrayBuffer());
      const why = badFileReason(f.name, f.size, head);
      if (why) {
        bad.push(why);
        continue;
      }
      const cols = headerOf(new TextDecoder().decode(head));
      if (isManifestHeader(cols)) {
        try {
          manifest = parseManifestText(f.name, await f.text()).rows;
        } catch (e) {
          bad.push(sayError(e));
        }
      } else {
        recs.push(f);
        if (firstHeader.length === 0) firstHeader = cols;
      }
    }
    if (bad.length > 0) setError(bad.join(' '));
    if (recs.length === 0) {
      if (bad.length === 0) setError(t('training.noRecording'));
      return;
    }
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
    setQuantized(null);
  }

  /** The data source of step 1, or null having said what is missing. */
  function sourceOf(): { source: TrainingSource; nodeId: string | null } | null {
    const refuse = (text: string) => {
      setError(text);
      return null;
    };
    if (sourceKind === 'stored') {
      if (!query) return refuse(t('training.nothingRecorded'));
      return { source: { kind: 'stored', query, nodeName }, nodeId: query.targetNodeId };
    }
    if (files.length === 0) return refuse(t('training.pickFirst'));
    if (channels.length === 0) return refuse(t('training.oneChannel'));
    const bad = files.find((f) => f.role === 'anomaly' && !/^[A-Za-z0-9_.-]+$/.test(f.label));
    if (bad) return refuse(t('training.giveLabel', { file: bad.file.name }));
    return { source: { kind: 'files', files, channels, sampleRateHz: rate }, nodeId: null };
  }

  /** Clears the last result and picks the new model's version: the node's current model is its parent. */
  async function begin(nodeId: string | null, kind: 'train' | 'size'): Promise<{ file: Uint8Array | null; version: number; parent: number | null }> {
    const current = await currentModelOf(nodeId);
    const version = await nextModelVersion(db, current?.version ?? 1);
    pending.current = { version, nodeId };
    jobKindRef.current = kind;
    setJobKind(kind);
    setPoints([]);
    setQuantized(null);
    setNotes([]);
    setSaved(null);
    setSizeStep(null);
    setSizeTable(null);
    setStatus(t('training.starting'));
    return { file: current?.file ?? null, version, parent: current?.version ?? null };
  }

  async function train(): Promise<void> {
    setError(null);
    const h = hidden.split(',').map((s) => Number(s.trim()));
    if (h.some((x) => !Number.isInteger(x) || x < 1 || x > 256)) return setError(t('training.badHidden'));
    const src = sourceOf();
    if (!src) return;
    const b = await begin(src.nodeId, 'train');
    setPhase('training');
    const msg: ToWorker = {
      type: 'train',
      source: src.source,
      params: { hidden: h, epochs, seed, alarmsPerDay, debounceK: 3, debounceN: 5 },
      current: b.file,
      modelVersion: b.version,
      parentVersion: b.parent,
    };
    startWorker().postMessage(msg);
  }

  async function sizeSearch(derived: DerivedBudget, p: Omit<SizeParams, 'alarmsPerDay' | 'debounceK' | 'debounceN' | 'seed'>): Promise<void> {
    setError(null);
    const src = sourceOf();
    if (!src) return;
    const b = await begin(src.nodeId, 'size');
    setPhase('sizing');
    const msg: ToWorker = {
      type: 'size',
      source: src.source,
      budget: derived.budget,
      node: derived.node,
      params: { ...p, seed, alarmsPerDay, debounceK: 3, debounceN: 5 },
      current: b.file,
      modelVersion: b.version,
      parentVersion: b.parent,
    };
    startWorker().postMessage(msg);
  }

  async function save(): Promise<void> {
    if (!quantized) return;
    const m = readVgmFile(quantized.file).model;
    try {
      const row = await addModel(db, {
        version: quantized.version,
        nodeId: quantized.nodeId,
        kind: 'autoencoder-int8',
        specKey: quantized.specKey,
        blob: quantized.file,
        blobBytes: quantized.blobBytes,
        architecture: [m.mean.length, ...m.layers.map((l) => l.outDim)].join('-'),
        channels: quantized.channels,
        lineage: quantized.lineage,
        summary: quantized.summary,
        verdict: quantized.verdict.headline,
        verdictMsg: quantized.verdict.msg.headline,
        note: '',
        meta: {},
        actor: technicianName(),
      });
      setSaved(row.name);
      await refresh();
    } catch (e) {
      setError(sayError(e));
    }
  }

  const busy = phase === 'training' || phase === 'sizing' || phase === 'quantizing' || phase === 'scanning';
  const roleOf = (i: number, role: FileRole) => setFiles((fs) => fs.map((f, k) => (k === i ? { ...f, role } : f)));
  const labelOf = (i: number, label: string) => setFiles((fs) => fs.map((f, k) => (k === i ? { ...f, label } : f)));
  const canTrain = sourceKind === 'stored' ? query !== null : files.length > 0;

  return (
    <div data-testid="training-page" className="page training">
      <div className="page-head">
        <h2>{t('training.title')}</h2>
      </div>
      {error && (
        <p className="error" role="alert" data-testid="training-error">
          {error}
        </p>
      )}
      <OpenedModelPanel onAdded={refresh} />

      <section className="panel" aria-labelledby="data-title">
        <h3 id="data-title">{t('training.step1')}</h3>
        <div className="form-row" role="radiogroup" aria-label={t('training.trainFrom')}>
          <label>
            <input type="radio" name="source" checked={sourceKind === 'stored'} disabled={busy} onChange={() => setSourceKind('stored')} data-testid="source-stored" />{' '}
            {t('training.fromStored')}
          </label>
          <label>
            <input type="radio" name="source" checked={sourceKind === 'files'} disabled={busy} onChange={() => setSourceKind('files')} data-testid="source-files" /> {t('training.fromFiles')}
          </label>
        </div>
        {sourceKind === 'stored' ? (
          <>
            <p className="small muted">
              {t('training.storedExplain')}
            </p>
            <StoredPicker
              db={db}
              query={query}
              disabled={busy}
              onChange={(q, name) => {
                setQuery(q);
                setNodeName(name);
                setDataReport(null);
              }}
            />
            {query && (
              <div className="form-row">
                <button type="button" onClick={check} disabled={busy} data-testid="check-data">
                  {t('training.check')}
                </button>
              </div>
            )}
            {dataReport && <DataReportView report={dataReport} />}
          </>
        ) : (
          <>
            <p className="small muted">
              {t('training.filesExplain')}
            </p>
            <input type="file" accept=".csv,text/csv" multiple data-testid="training-files" disabled={busy} onChange={(e) => void pick(e.target.files)} />
            {files.length > 0 && (
              <>
                <table className="eval-table files">
                  <thead>
                    <tr>
                      <th>{t('training.col.file')}</th>
                      <th>{t('training.col.useAs')}</th>
                      <th>{t('training.col.anomalyLabel')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {files.map((f, i) => (
                      <tr key={f.file.name}>
                        <td className="mono">{f.file.name}</td>
                        <td>
                          <select value={f.role} disabled={busy} onChange={(e) => roleOf(i, e.target.value as FileRole)} data-testid={`role-${i}`}>
                            <option value="normal">{t('training.role.normal')}</option>
                            <option value="unlabelled">{t('training.role.unlabelled')}</option>
                            <option value="anomaly">{t('training.role.anomaly')}</option>
                            <option value="exclude">{t('training.role.exclude')}</option>
                          </select>
                        </td>
                        <td>
                          {f.role === 'anomaly' && (
                            <input value={f.label} placeholder={t('training.labelPlaceholder')} disabled={busy} onChange={(e) => labelOf(i, e.target.value)} data-testid={`label-${i}`} />
                          )}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                <div className="form-row">
                  <span>{t('training.channels')}</span>
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
                    {t('training.rate')} <input type="number" value={rate} min={100} max={1000000} disabled={busy} onChange={(e) => setRate(Number(e.target.value))} />
                  </label>
                </div>
              </>
            )}
          </>
        )}
      </section>

      <section className="panel" aria-labelledby="train-title">
        <h3 id="train-title">{t('training.step2')}</h3>
        <div className="form-row">
          <label>
            {t('training.alarmsPerDay')}{' '}
            <input type="number" value={alarmsPerDay} min={0.001} step="any" disabled={busy} onChange={(e) => setAlarmsPerDay(Number(e.target.value))} />
          </label>
          <button type="button" className="primary" onClick={() => void train()} disabled={busy || !canTrain} data-testid="train-button">
            {t('training.trainButton')}
          </button>
          <button type="button" onClick={() => worker.current?.postMessage({ type: 'cancel' } satisfies ToWorker)} disabled={phase !== 'training'} data-testid="cancel-button">
            {t('common.cancel')}
          </button>
          <progress max={progress.epochs} value={phase === 'training' ? progress.epoch : phase === 'idle' ? 0 : progress.epochs} data-testid="train-progress" />
        </div>
        <details data-testid="train-settings">
          <summary>{t('training.settings')}</summary>
          <div className="form-row">
            <label>
              {t('training.hidden')} <input value={hidden} size={10} disabled={busy} onChange={(e) => setHidden(e.target.value)} data-testid="hidden" />
            </label>
            <label>
              {t('training.epochs')} <input type="number" value={epochs} min={1} max={5000} disabled={busy} onChange={(e) => setEpochs(Number(e.target.value))} data-testid="epochs" />
            </label>
            <label>
              {t('training.seed')} <input type="number" value={seed} min={0} disabled={busy} onChange={(e) => setSeed(Number(e.target.value))} />
            </label>
            <span className="small muted">{t('training.debounce')}</span>
          </div>
        </details>
        <p className="small" data-testid="train-status" aria-live="polite">
          {jobKind === 'train' ? status : ''}
        </p>
        <LossChart points={points} />
      </section>

      <SizePanel
        nodes={connected}
        busy={busy}
        searching={phase === 'sizing'}
        canSearch={canTrain}
        step={sizeStep}
        table={sizeTable}
        onSearch={(d, p) => void sizeSearch(d, p)}
        onCancel={() => worker.current?.postMessage({ type: 'cancel' } satisfies ToWorker)}
        onError={setError}
        status={jobKind === 'size' ? status : ''}
      />

      {quantized && (
        <VerdictPanel verdict={quantized.verdict} report={quantized.report} notes={notes} version={quantized.version}>
          {saved ? (
            <p data-testid="saved-note">
              {t('training.kept', { name: saved })}{' '}
              <button type="button" className="primary" onClick={() => navigate('deploy', String(quantized.version))} data-testid="deploy-saved">
                {t('training.deploySaved', { name: saved })}
              </button>
            </p>
          ) : (
            <button type="button" className="primary" onClick={() => void save()} data-testid="save-button">
              {t('training.keep', { version: quantized.version })}
            </button>
          )}
        </VerdictPanel>
      )}

      <ModelStorePanel
        models={models}
        deployments={deployments}
        nodes={nodes}
        onDeploy={(m) => navigate('deploy', String(m.version))}
      />
    </div>
  );
}
