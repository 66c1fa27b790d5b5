/**
 * Deploy: send a stored model to nodes, a canary first (renderer/src/deploy/rollout.ts), with a
 * progress bar and the state of each node, a rollback to the model before, and the deployment
 * history (renderer/src/deploy/history.ts). What a node runs comes from its HELLO INFO, never from
 * what the app hoped for. The Training page hands a model over as #/deploy/<version>: that model is
 * chosen, and the nodes it was trained for are ticked when they can take it.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { ModelProgress, NodeInfo } from '../../../models/api/contract';
import { readVgmFile } from '../../../models/nn/modelFile';
import { plainMessage } from '../api/errors';
import type { VigilClient } from '../api/types';
import type { NodesState } from '../app/hooks';
import { bytesToBase64 } from '../ble/base64';
import { technicianName } from '../labels/technician';
import { useStorage } from '../storage/services';
import type { VigilDb } from '../db/db';
import { listModels } from '../db/models';
import { dbDeploymentLog, previousVersion, type DeploymentLog, type DeploymentRecord } from './history';
import { isEnded, nextRolloutStep, STATE_WORDS, type RolloutPlan } from './rollout';

interface DeployableModel {
  version: number;
  label: string;
  file: Uint8Array;
  /** The node (HELLO uid) the model was trained for, when it came from the model store. */
  nodeId?: string | null;
}

function canUpdate(n: NodeInfo): boolean {
  const i = n.hello?.info;
  return n.status === 'online' && i !== undefined && i.capabilities.includes('model-update') && i.paired && i.keyKnown;
}

const nodeName = (n: NodeInfo | undefined, path: string): string => n?.hello?.name || path;

/** Models the page offers: the model store's (renderer/src/db/models.ts), and files the technician opened here. */
function useModels(db: VigilDb): { models: DeployableModel[]; add(m: DeployableModel): void; error: string | null } {
  const [stored, setStored] = useState<DeployableModel[]>([]);
  const [opened, setOpened] = useState<DeployableModel[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    listModels(db)
      .then((rows) =>
        setStored(
          rows
            .filter((r): r is typeof r & { blob: Uint8Array } => r.blob !== null)
            .map((r) => ({ version: r.version, label: `version ${r.version}${r.note ? ` — ${r.note}` : ''} (${new Date(r.createdMs).toLocaleString()})`, file: r.blob, nodeId: r.nodeId })),
        ),
      )
      .catch((e: unknown) => setError(`Could not read the stored models: ${e instanceof Error ? e.message : String(e)}`));
  }, [db]);
  const add = useCallback((m: DeployableModel) => setOpened((o) => [...o.filter((x) => x.version !== m.version), m]), []);
  const models = useMemo(() => [...opened, ...stored.filter((s) => !opened.some((o) => o.version === s.version))].sort((a, b) => b.version - a.version), [opened, stored]);
  return { models, add, error };
}

/** The factory model's version, read from the model the app ships (the virtual node's built-in one). */
function useFactoryVersion(): number | null {
  const [v, setV] = useState<number | null>(null);
  useEffect(() => {
    fetch('./models/default.vgm')
      .then((r) => (r.ok ? r.arrayBuffer() : Promise.reject(new Error(String(r.status)))))
      .then((b) => setV(readVgmFile(new Uint8Array(b)).model.modelVersion))
      .catch(() => setV(null));
  }, []);
  return v;
}

export function DeployPage({ client, nodes, preselect = null }: { client: VigilClient; nodes: NodesState; preselect?: string | null }) {
  const { db } = useStorage();
  const log: DeploymentLog = useMemo(() => dbDeploymentLog(db), [db]);
  const { models, add, error: modelsError } = useModels(db);
  const factoryVersion = useFactoryVersion();
  const [version, setVersion] = useState<number | null>(null);
  const [chosen, setChosen] = useState<string[]>([]);
  const [canary, setCanary] = useState<string>('');
  const [plan, setPlan] = useState<RolloutPlan | null>(null);
  const [started, setStarted] = useState<ReadonlySet<string>>(new Set());
  const [progress, setProgress] = useState<ReadonlyMap<string, ModelProgress>>(new Map());
  const [history, setHistory] = useState<DeploymentRecord[]>([]);
  const [note, setNote] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const byPath = useMemo(() => new Map(nodes.nodes.map((n) => [n.path, n])), [nodes.nodes]);
  const byPathRef = useRef(byPath);
  byPathRef.current = byPath;
  const updatable = nodes.nodes.filter(canUpdate);
  const model = models.find((m) => m.version === version) ?? models[0];

  // A model handed over by the Training page (#/deploy/<version>): choose it, and tick the node it
  // was trained for once that node can take a model (it may still be connecting).
  const handedOver = preselect !== null && /^\d+$/.test(preselect) ? Number(preselect) : null;
  useEffect(() => {
    if (handedOver !== null) setVersion(handedOver);
  }, [handedOver]);
  const handedModel = models.find((m) => m.version === handedOver);
  const handedNode = updatable.find((n) => handedModel?.nodeId && n.hello?.uid === handedModel.nodeId)?.path;
  const ticked = useRef(false);
  useEffect(() => {
    if (!handedNode || ticked.current) return;
    ticked.current = true;
    setChosen((c) => (c.includes(handedNode) ? c : [...c, handedNode]));
  }, [handedNode]);

  const reloadHistory = useCallback(() => void log.list().then(setHistory).catch(() => {}), [log]);
  useEffect(reloadHistory, [reloadHistory]);

  // Progress events: kept by node, and each change of state written to the history.
  useEffect(() => {
    const lastState = new Map<string, string>();
    return client.on('node.model', (p) => {
      setProgress((m) => new Map(m).set(p.path, p));
      const key = `${p.path}|${p.startedMs}`;
      if (lastState.get(key) === p.state) return;
      lastState.set(key, p.state);
      const n = byPathRef.current.get(p.path);
      void log
        .save({
          id: key,
          kind: p.kind,
          nodeId: n?.hello?.uid ?? p.path,
          nodeName: nodeName(n, p.path),
          modelVersion: p.version,
          actor: technicianName() || 'Vigil',
          status: p.state,
          message: p.message ?? '',
          runningVersion: p.runningVersion ?? null,
          createdMs: p.startedMs,
          updatedMs: p.updatedMs,
        })
        .then(reloadHistory)
        .catch(() => {});
    });
  }, [client, log, reloadHistory]);

  // The staged rollout: start what the plan allows next.
  useEffect(() => {
    if (!plan || !model) return;
    const step = nextRolloutStep(plan, started, progress);
    if (step.kind === 'held') setNote(step.reason);
    if (step.kind === 'done') {
      setNote('The rollout has ended.');
      setPlan(null);
    }
    if (step.kind !== 'start') return;
    setStarted((s) => new Set([...s, ...step.paths]));
    // Only the node's blob travels: a trained model's app section (lineage, evaluation) can pass
    // the host's message limit and stays on this laptop.
    const blob = bytesToBase64(readVgmFile(model.file).blob);
    for (const path of step.paths) {
      client.invoke('nodes.model.deploy', { path, model: blob }).then(
        (p) => setProgress((m) => new Map(m).set(path, p)),
        (e: unknown) => {
          const now = Date.now();
          setProgress((m) => new Map(m).set(path, { path, kind: 'deploy', state: 'refused', version: model.version, sent: 0, total: model.file.length, resumes: 0, startedMs: now, updatedMs: now, message: plainMessage(e) }));
        },
      );
    }
  }, [plan, started, progress, model, client]);

  const deploy = () => {
    if (!model || chosen.length === 0) return;
    setError(null);
    setNote(canary ? `Canary first: ${nodeName(byPath.get(canary), canary)}; the others follow when it confirms.` : null);
    setStarted(new Set());
    setPlan({ canary: canary && chosen.includes(canary) ? canary : null, nodes: [...chosen] });
  };

  const rollback = (n: NodeInfo, to: number) => {
    setError(null);
    client.invoke('nodes.model.rollback', { path: n.path, version: to }).then(
      (p) => setProgress((m) => new Map(m).set(n.path, p)),
      (e: unknown) => setError(plainMessage(e)),
    );
  };

  const openFile = async (f: File) => {
    setError(null);
    try {
      const bytes = new Uint8Array(await f.arrayBuffer());
      const vgm = readVgmFile(bytes);
      add({ version: vgm.model.modelVersion, label: `version ${vgm.model.modelVersion} — ${f.name}`, file: bytes });
      setVersion(vgm.model.modelVersion);
    } catch (e) {
      setError(`${f.name} is not a model file: ${e instanceof Error ? e.message : String(e)}`);
    }
  };

  const toggle = (path: string) => setChosen((c) => (c.includes(path) ? c.filter((x) => x !== path) : [...c, path]));
  const rows = [...new Set([...chosen, ...progress.keys()])];

  return (
    <section className="page deploy-page" aria-labelledby="deploy-title">
      <h2 id="deploy-title">Deploy a model</h2>
      {modelsError && <p className="error">{modelsError}</p>}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="deploy-form">
        <label>
          Model{' '}
          <select aria-label="Model" value={model?.version ?? ''} onChange={(e) => setVersion(Number(e.target.value))}>
            {models.length === 0 && <option value="">no stored model: open a file</option>}
            {models.map((m) => (
              <option key={m.version} value={m.version}>
                {m.label}
              </option>
            ))}
          </select>
        </label>{' '}
        <label>
          Open a model file (.vgm){' '}
          <input type="file" accept=".vgm" aria-label="Open a model file" onChange={(e) => e.target.files?.[0] && void openFile(e.target.files[0])} />
        </label>
        <fieldset>
          <legend>Nodes</legend>
          {updatable.length === 0 && <p>No node can take a model now: connect a node with model updates and pair it over the cable.</p>}
          {updatable.map((n) => (
            <label key={n.path} className="deploy-node">
              <input type="checkbox" data-testid="deploy-node" data-path={n.path} checked={chosen.includes(n.path)} onChange={() => toggle(n.path)} /> {nodeName(n, n.path)}{' '}
              <span className="muted">runs model {n.hello?.info?.modelVersion ?? '?'}</span>
            </label>
          ))}
        </fieldset>
        <label>
          Canary{' '}
          <select aria-label="Canary" data-testid="deploy-canary" value={canary} onChange={(e) => setCanary(e.target.value)}>
            <option value="">none: all at once</option>
            {chosen.map((p) => (
              <option key={p} value={p}>
                {nodeName(byPath.get(p), p)}
              </option>
            ))}
          </select>
        </label>{' '}
        <button type="button" data-testid="deploy-start" disabled={!model || chosen.length === 0 || plan !== null} onClick={deploy}>
          Deploy {model ? `version ${model.version}` : ''}
        </button>
      </div>
      {note && (
        <p className="note" data-testid="deploy-note">
          {note}
        </p>
      )}

      {rows.length > 0 && (
        <table className="data-table deploy-progress">
          <thead>
            <tr>
              <th>Node</th>
              <th>Progress</th>
              <th>State</th>
              <th>Runs</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {rows.map((path) => {
              const n = byPath.get(path);
              const p = progress.get(path);
              const running = n?.hello?.info?.modelVersion;
              const fromSlot = /^slot/.test(n?.hello?.info?.modelSource ?? '');
              // Back to the model deployed before; with none, from a stored model back to the factory one.
              const deployedBefore = n && running !== undefined ? previousVersion(history, n.hello?.uid ?? path, running) : null;
              const toFactory = deployedBefore === null && running !== undefined && fromSlot && factoryVersion !== null && factoryVersion < running;
              const back = toFactory ? factoryVersion : deployedBefore;
              return (
                <tr key={path} data-testid="deploy-row" data-path={path} data-state={p?.state ?? 'waiting'}>
                  <td>{nodeName(n, path)}</td>
                  <td>
                    {p && p.total > 0 && <progress max={p.total} value={p.sent} aria-label={`${nodeName(n, path)} progress`} />}{' '}
                    {p && p.total > 0 ? `${p.sent} / ${p.total} bytes` : ''}
                    {p && p.resumes > 0 ? ` (resumed ${p.resumes}×)` : ''}
                  </td>
                  <td className={`state-${p?.state ?? 'waiting'}`}>
                    {p ? `${p.kind === 'rollback' ? 'rollback to ' : ''}version ${p.version}: ${STATE_WORDS[p.state]}` : plan?.canary && plan.canary !== path ? 'waiting for the canary' : 'waiting'}
                    {p?.message && <div className="message">{p.message}</div>}
                  </td>
                  <td>{running !== undefined ? `model ${running}` : '—'}</td>
                  <td>
                    {n && back !== null && (!p || isEnded(p.state)) && (
                      <button type="button" data-testid="rollback" onClick={() => rollback(n, back)}>
                        {toFactory ? `Roll back to the factory model (version ${back})` : `Roll back to version ${back}`}
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}

      <h3>History</h3>
      {history.length === 0 ? (
        <p>No deployment yet.</p>
      ) : (
        <table className="data-table deploy-history" data-testid="deploy-history">
          <thead>
            <tr>
              <th>When</th>
              <th>Who</th>
              <th>Node</th>
              <th>Model</th>
              <th>Outcome</th>
              <th>Node says it runs</th>
            </tr>
          </thead>
          <tbody>
            {history.map((r) => (
              <tr key={r.id}>
                <td>{new Date(r.createdMs).toLocaleString()}</td>
                <td>{r.actor}</td>
                <td>{r.nodeName}</td>
                <td>
                  {r.kind === 'rollback' ? 'rollback to ' : ''}version {r.modelVersion}
                </td>
                <td>
                  {STATE_WORDS[r.status] ?? r.status}
                  {r.message ? `: ${r.message}` : ''}
                </td>
                <td>{r.runningVersion !== null ? `model ${r.runningVersion}` : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
