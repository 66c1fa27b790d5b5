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
import { formatCount, formatDateTime } from '../format';
import { t } from '../i18n';
import { technicianName } from '../labels/technician';
import { useStorage } from '../storage/services';
import type { VigilDb } from '../db/db';
import { listModels } from '../db/models';
import { dbDeploymentLog, previousVersion, type DeploymentLog, type DeploymentRecord } from './history';
import { isEnded, nextRolloutStep, STATE_WORDS, type RolloutPlan } from './rollout';
import { sayError } from '../msg';

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
            .map((r) => ({ version: r.version, label: t('deploy.versionLabel', { version: r.version, note: r.note ? ` — ${r.note}` : '', when: formatDateTime(r.createdMs) }), file: r.blob, nodeId: r.nodeId })),
        ),
      )
      .catch((e: unknown) => setError(t('deploy.readFailed', { error: e instanceof Error ? e.message : String(e) })));
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
      setNote(t('deploy.ended'));
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
    setNote(canary ? t('deploy.canaryFirst', { node: nodeName(byPath.get(canary), canary) }) : null);
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
      add({ version: vgm.model.modelVersion, label: t('deploy.fileLabel', { version: vgm.model.modelVersion, file: f.name }), file: bytes });
      setVersion(vgm.model.modelVersion);
    } catch (e) {
      setError(t('deploy.notModel', { file: f.name, error: sayError(e) }));
    }
  };

  const toggle = (path: string) => setChosen((c) => (c.includes(path) ? c.filter((x) => x !== path) : [...c, path]));
  const rows = [...new Set([...chosen, ...progress.keys()])];

  return (
    <section className="page deploy-page" aria-labelledby="deploy-title">
      <h2 id="deploy-title">{t('deploy.title')}</h2>
      {modelsError && <p className="error">{modelsError}</p>}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="deploy-form">
        <label>
          {t('deploy.model')}{' '}
          <select aria-label={t('deploy.model')} value={model?.version ?? ''} onChange={(e) => setVersion(Number(e.target.value))}>
            {models.length === 0 && <option value="">{t('deploy.noStored')}</option>}
            {models.map((m) => (
              <option key={m.version} value={m.version}>
                {m.label}
              </option>
            ))}
          </select>
        </label>{' '}
        <label>
          {t('deploy.openFile')}{' '}
          <input type="file" accept=".vgm" aria-label={t('deploy.openFileLabel')} onChange={(e) => e.target.files?.[0] && void openFile(e.target.files[0])} />
        </label>
        <fieldset>
          <legend>{t('deploy.nodes')}</legend>
          {updatable.length === 0 && <p>{t('deploy.noNode')}</p>}
          {updatable.map((n) => (
            <label key={n.path} className="deploy-node">
              <input type="checkbox" data-testid="deploy-node" data-path={n.path} checked={chosen.includes(n.path)} onChange={() => toggle(n.path)} /> {nodeName(n, n.path)}{' '}
              <span className="muted">{t('deploy.runsModel', { version: n.hello?.info?.modelVersion ?? '?' })}</span>
            </label>
          ))}
        </fieldset>
        <label>
          {t('deploy.canary')}{' '}
          <select aria-label={t('deploy.canary')} data-testid="deploy-canary" value={canary} onChange={(e) => setCanary(e.target.value)}>
            <option value="">{t('deploy.noCanary')}</option>
            {chosen.map((p) => (
              <option key={p} value={p}>
                {nodeName(byPath.get(p), p)}
              </option>
            ))}
          </select>
        </label>{' '}
        <button type="button" data-testid="deploy-start" disabled={!model || chosen.length === 0 || plan !== null} onClick={deploy}>
          {t('deploy.deploy', { what: model ? t('deploy.version', { version: model.version }) : '' })}
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
              <th>{t('deploy.col.node')}</th>
              <th>{t('deploy.col.progress')}</th>
              <th>{t('deploy.col.state')}</th>
              <th>{t('deploy.col.runs')}</th>
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
                    {p && p.total > 0 && <progress max={p.total} value={p.sent} aria-label={t('deploy.progressLabel', { node: nodeName(n, path) })} />}{' '}
                    {p && p.total > 0 ? t('deploy.bytes', { sent: formatCount(p.sent), total: formatCount(p.total) }) : ''}
                    {p && p.resumes > 0 ? t('deploy.resumed', { n: p.resumes }) : ''}
                  </td>
                  <td className={`state-${p?.state ?? 'waiting'}`}>
                    {p
                      ? t(p.kind === 'rollback' ? 'deploy.rollbackLine' : 'deploy.stateLine', { version: p.version, state: STATE_WORDS[p.state] })
                      : plan?.canary && plan.canary !== path
                        ? t('deploy.waitCanary')
                        : t('deploy.waiting')}
                    {p?.message && (
                      <div className="message" translate="no">
                        {p.message}
                      </div>
                    )}
                  </td>
                  <td>{running !== undefined ? t('deploy.modelN', { version: running }) : '—'}</td>
                  <td>
                    {n && back !== null && (!p || isEnded(p.state)) && (
                      <button type="button" data-testid="rollback" onClick={() => rollback(n, back)}>
                        {toFactory ? t('deploy.rollBackFactory', { version: back }) : t('deploy.rollBack', { version: back })}
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}

      <h3>{t('deploy.history')}</h3>
      {history.length === 0 ? (
        <p>{t('deploy.noHistory')}</p>
      ) : (
        <table className="data-table deploy-history" data-testid="deploy-history">
          <thead>
            <tr>
              <th>{t('deploy.col.when')}</th>
              <th>{t('deploy.col.who')}</th>
              <th>{t('deploy.col.node')}</th>
              <th>{t('deploy.col.model')}</th>
              <th>{t('deploy.col.outcome')}</th>
              <th>{t('deploy.col.says')}</th>
            </tr>
          </thead>
          <tbody>
            {history.map((r) => (
              <tr key={r.id}>
                <td>{formatDateTime(r.createdMs)}</td>
                <td translate="no">{r.actor}</td>
                <td translate="no">{r.nodeName}</td>
                <td>
                  {r.kind === 'rollback' ? t('deploy.rollbackTo', { version: r.modelVersion }) : t('deploy.version', { version: r.modelVersion })}
                </td>
                <td>
                  {STATE_WORDS[r.status] ?? r.status}
                  {r.message ? `: ${r.message}` : ''}
                </td>
                <td>{r.runningVersion !== null ? t('deploy.modelN', { version: r.runningVersion }) : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
