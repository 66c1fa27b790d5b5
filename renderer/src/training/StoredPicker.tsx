/**
 * The Training page's first source: what was recorded and labelled on this laptop. The technician
 * picks the node the model is for (its feature spec decides), which nodes' recordings to use (or
 * an asset, which picks its nodes), a time span, and whether unlabelled time counts as normal.
 */
import { useEffect, useState } from 'react';
import type { VigilDb } from '../db/db';
import type { AssetRow, NodeRow } from '../db/types';
import type { StoredQuery } from './stored';
import { t } from '../i18n';

export interface RecordedNode {
  id: string;
  name: string;
  assetId: string | null;
  firstMs: number;
  lastMs: number;
  sessions: number;
}

/** The nodes that recorded something, with the span of their recordings. */
export async function recordedNodes(db: VigilDb): Promise<{ nodes: RecordedNode[]; assets: AssetRow[] }> {
  const sessions = (await db.sessions.toArray()).filter((s) => s.windowCount > 0);
  const rows = new Map<string, NodeRow>((await db.nodes.toArray()).map((n) => [n.id, n]));
  const by = new Map<string, RecordedNode>();
  for (const s of sessions) {
    const n = by.get(s.nodeId) ?? { id: s.nodeId, name: rows.get(s.nodeId)?.name ?? s.nodeId, assetId: rows.get(s.nodeId)?.assetId ?? null, firstMs: Infinity, lastMs: -Infinity, sessions: 0 };
    n.firstMs = Math.min(n.firstMs, s.startMs);
    n.lastMs = Math.max(n.lastMs, s.endMs);
    n.sessions++;
    by.set(s.nodeId, n);
  }
  return { nodes: [...by.values()].sort((a, b) => b.lastMs - a.lastMs), assets: await db.assets.toArray() };
}

const pad = (n: number) => String(n).padStart(2, '0');
/** A datetime-local value (local time, to the second). */
export function localInput(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** The whole recorded span of the picked nodes, to the second. */
export function spanOf(nodes: RecordedNode[], ids: string[]): { fromMs: number; toMs: number } {
  const picked = nodes.filter((n) => ids.includes(n.id));
  return { fromMs: Math.floor(Math.min(...picked.map((n) => n.firstMs)) / 1000) * 1000, toMs: Math.ceil(Math.max(...picked.map((n) => n.lastMs)) / 1000) * 1000 };
}

/** One <option> per node or asset, by name. */
export function NameOptions({ items }: { items: { id: string; name: string }[] }) {
  return (
    <>
      {items.map((n) => (
        <option key={n.id} value={n.id}>
          {n.name}
        </option>
      ))}
    </>
  );
}

export function StoredPicker({ db, query, onChange, disabled }: { db: VigilDb; query: StoredQuery | null; onChange: (q: StoredQuery | null, nodeName: string) => void; disabled: boolean }) {
  const [nodes, setNodes] = useState<RecordedNode[] | null>(null);
  const [assets, setAssets] = useState<AssetRow[]>([]);
  const [error, setError] = useState<string | null>(null);
  const nameOf = (id: string) => nodes?.find((n) => n.id === id)?.name ?? id;

  const load = () =>
    recordedNodes(db).then(
      (r) => {
        setNodes(r.nodes);
        setAssets(r.assets.filter((a) => r.nodes.some((n) => n.assetId === a.id)));
        const keep = query && r.nodes.some((n) => n.id === query.targetNodeId) ? query : null;
        const target = keep?.targetNodeId ?? r.nodes[0]?.id;
        if (!target) return onChange(null, '');
        const ids = keep?.nodeIds ?? [target];
        onChange({ targetNodeId: target, nodeIds: ids, unlabelledAsNormal: keep?.unlabelledAsNormal ?? false, ...spanOf(r.nodes, ids) }, r.nodes.find((n) => n.id === target)!.name);
      },
      (e: Error) => setError(t('training.picker.readFailed', { error: e.message })),
    );
  useEffect(() => {
    void load();
    // Loaded once when the page opens; "Reload recordings" picks up what was recorded since.
  }, []);

  if (error) return <p className="error">{error}</p>;
  if (!nodes) return <p className="muted">{t('training.picker.reading')}</p>;
  if (nodes.length === 0 || !query)
    return <p className="empty">{t('training.picker.nothing')}</p>;

  const set = (patch: Partial<StoredQuery>) => {
    const q = { ...query, ...patch };
    onChange(q, nameOf(q.targetNodeId));
  };
  const setNodesUsed = (ids: string[]) => set({ nodeIds: ids, ...spanOf(nodes, ids) });
  return (
    <div data-testid="stored-picker">
      <div className="form-row">
        <label>
          {t('training.picker.modelFor')}{' '}
          <select
            value={query.targetNodeId}
            disabled={disabled}
            data-testid="target-node"
            onChange={(e) => {
              const ids = [e.target.value, ...query.nodeIds.filter((i) => i !== e.target.value)];
              onChange({ ...query, targetNodeId: e.target.value, nodeIds: ids, ...spanOf(nodes, ids) }, nameOf(e.target.value));
            }}
          >
            <NameOptions items={nodes} />
          </select>
        </label>
        {assets.length > 0 && (
          <label>
            {t('training.picker.orAsset')}{' '}
            <select value="" disabled={disabled} onChange={(e) => e.target.value && setNodesUsed([query.targetNodeId, ...nodes.filter((n) => n.assetId === e.target.value && n.id !== query.targetNodeId).map((n) => n.id)])}>
              <option value="">—</option>
              <NameOptions items={assets} />
            </select>
          </label>
        )}
        <button type="button" disabled={disabled} onClick={() => void load()}>
          {t('training.picker.reload')}
        </button>
      </div>
      <div className="form-row">
        <span>{t('training.picker.useOf')}</span>
        {nodes.map((n) => (
          <label key={n.id}>
            <input
              type="checkbox"
              data-testid={`use-node-${n.name}`}
              checked={query.nodeIds.includes(n.id)}
              disabled={disabled || n.id === query.targetNodeId}
              onChange={(e) => setNodesUsed(e.target.checked ? [...query.nodeIds, n.id] : query.nodeIds.filter((i) => i !== n.id))}
            />{' '}
            {n.name}
          </label>
        ))}
      </div>
      <div className="form-row">
        <label>
          {t('training.picker.from')} <input type="datetime-local" step={1} value={localInput(query.fromMs)} disabled={disabled} data-testid="span-from" onChange={(e) => e.target.value && set({ fromMs: new Date(e.target.value).getTime() })} />
        </label>
        <label>
          {t('training.picker.to')} <input type="datetime-local" step={1} value={localInput(query.toMs)} disabled={disabled} data-testid="span-to" onChange={(e) => e.target.value && set({ toMs: new Date(e.target.value).getTime() })} />
        </label>
        <label>
          <input type="checkbox" checked={query.unlabelledAsNormal} disabled={disabled} data-testid="unlabelled-normal" onChange={(e) => set({ unlabelledAsNormal: e.target.checked })} />{' '}
          {t('training.picker.unlabelledNormal')}
        </label>
      </div>
    </div>
  );
}
