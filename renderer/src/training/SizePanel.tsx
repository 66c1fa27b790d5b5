/**
 * The size search on the Training page (docs/training.md, "The best model that fits a node"): the
 * technician picks a node, or the default node budget; the budget is derived from what that node
 * says in its HELLO (models/size/nodeBudget.ts) and shown figure by figure with where each comes
 * from; the search runs in the page's worker (sizeJob.ts) with progress and cancel; the trade-off
 * table shows every candidate and which was chosen and why. The chosen model then appears as a
 * trained one does (the verdict, Keep, Deploy), handled by TrainingPage.
 */
import { useMemo, useState } from 'react';
import type { NodeInfo } from '../../../models/api/contract';
import { budgetForNode, defaultNodeBudget, type DerivedBudget, type NodeFacts } from '../../../models/size/nodeBudget';
import type { SizeStep } from '../../../models/size/search';
import { formatCount, formatFixed } from '../format';
import { t } from '../i18n';
import { say, sayError } from '../msg';
import type { SizeParams, SizeRow, SizeTable } from './protocol';

export const DEFAULT_NODE = 'default';

/** The node facts in a HELLO, or null for a node that has not said hello yet. */
export function nodeFactsOf(n: NodeInfo): NodeFacts | null {
  const h = n.hello;
  if (!h) return null;
  return { name: h.name || h.uid, board: h.board, axisCount: h.axisCount, sampleRateHz: h.sampleRateHz, windowLen: h.windowLen, hop: h.hop };
}

/** The budget for the picked node (or the default), or the reason there is none. */
export function derivedBudgetFor(pick: string, nodes: NodeInfo[]): { derived: DerivedBudget } | { error: string } {
  if (pick === DEFAULT_NODE) return { derived: defaultNodeBudget() };
  const n = nodes.find((x) => x.path === pick);
  const facts = n ? nodeFactsOf(n) : null;
  if (!facts) return { derived: defaultNodeBudget() };
  try {
    return { derived: budgetForNode(facts) };
  } catch (e) {
    return { error: sayError(e) };
  }
}

/** "16,24,32" as whole numbers that are multiples of 4 (4..256), else null. */
export function parseWidths(text: string): number[] | null {
  const xs = text.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  return xs.length > 0 && xs.every((x) => Number.isInteger(x) && x >= 4 && x <= 256 && x % 4 === 0) ? xs : null;
}

/** "0,0.25,0.5" as fractions in [0, 1), else null. */
export function parseFractions(text: string): number[] | null {
  const xs = text.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  return xs.length > 0 && xs.every((x) => Number.isFinite(x) && x >= 0 && x < 1) ? xs : null;
}

const pct = (x: number | null) => (x === null ? '—' : `${formatFixed(x * 100, x > 0 && x < 0.01 ? 2 : 1)} %`);

function modelName(r: SizeRow): string {
  const extra: string[] = [];
  if (r.prune > 0) extra.push(t('size.pruned', { pct: pct(r.zeroBlocks) }));
  if (r.distilled) extra.push(t('size.distilled'));
  return [r.widths.join('-'), ...extra].join(' · ');
}

export interface SizePanelProps {
  nodes: NodeInfo[];
  /** Another job runs in the worker (training, a data check, a search). */
  busy: boolean;
  searching: boolean;
  canSearch: boolean;
  step: SizeStep | null;
  table: SizeTable | null;
  onSearch: (derived: DerivedBudget, params: Omit<SizeParams, 'alarmsPerDay' | 'debounceK' | 'debounceN' | 'seed'>) => void;
  onCancel: () => void;
  onError: (text: string) => void;
  /** The page's status line while this panel's job runs (reading, the chosen model's training and int8 size). */
  status: string;
}

export function SizePanel({ nodes, busy, searching, canSearch, step, table, onSearch, onCancel, onError, status }: SizePanelProps) {
  const [pick, setPick] = useState(DEFAULT_NODE);
  const [widths, setWidths] = useState('16,24,32,48,64');
  const [bottlenecks, setBottlenecks] = useState('4,8,16');
  const [prune, setPrune] = useState('0,0.25,0.5');
  const [distill, setDistill] = useState(true);
  const [epochs, setEpochs] = useState(150);
  const [detection, setDetection] = useState(99);
  const withHello = nodes.filter((n) => n.hello);
  const budget = useMemo(() => derivedBudgetFor(pick, nodes), [pick, nodes]);

  function search(): void {
    if ('error' in budget) return onError(budget.error);
    const w = parseWidths(widths);
    if (!w) return onError(t('size.badList', { what: t('size.widths') }));
    const b = parseWidths(bottlenecks);
    if (!b) return onError(t('size.badList', { what: t('size.bottlenecks') }));
    const p = parseFractions(prune);
    if (!p) return onError(t('size.badPrune'));
    if (!(detection > 0 && detection <= 100)) return onError(t('size.badDetection'));
    onSearch(budget.derived, { widths: w, bottlenecks: b, prune: p, distill, epochs: Math.max(1, Math.round(epochs)), detectionTarget: detection / 100 });
  }

  const chosen = table && table.chosen >= 0 ? table.rows[table.chosen] : null;
  const ref = table && table.reference >= 0 ? table.rows[table.reference] : null;
  const detPct = table ? `${formatFixed(table.detectionTarget * 100, 0)} %` : '';

  return (
    <section className="panel" aria-labelledby="size-title" data-testid="size-panel">
      <h3 id="size-title">{t('size.title')}</h3>
      <p className="small muted">{t('size.explain')}</p>
      <div className="form-row">
        <label>
          {t('size.node')}{' '}
          <select value={pick} disabled={busy} onChange={(e) => setPick(e.target.value)} data-testid="size-node">
            <option value={DEFAULT_NODE}>{t('size.defaultNode')}</option>
            {withHello.map((n) => (
              <option key={n.path} value={n.path}>
                {t('size.nodeOption', { name: n.hello!.name || n.hello!.uid, board: n.hello!.board, axes: n.hello!.axisCount })}
              </option>
            ))}
          </select>
        </label>
      </div>
      {'error' in budget ? (
        <p className="error" data-testid="size-budget-error">
          {budget.error}
        </p>
      ) : (
        <div data-testid="size-budget" data-flash={budget.derived.budget.flashBytes} data-ram={budget.derived.budget.ramBytes} data-insn={budget.derived.budget.insn}>
          <strong>{t('size.budgetTitle')}</strong>
          <ul className="small">
            {budget.derived.lines.map((m, i) => (
              <li key={i}>{say(m)}</li>
            ))}
          </ul>
        </div>
      )}
      <details data-testid="size-settings">
        <summary>{t('size.settings')}</summary>
        <div className="form-row">
          <label>
            {t('size.widths')} <input value={widths} size={14} disabled={busy} onChange={(e) => setWidths(e.target.value)} data-testid="size-widths" />
          </label>
          <label>
            {t('size.bottlenecks')} <input value={bottlenecks} size={8} disabled={busy} onChange={(e) => setBottlenecks(e.target.value)} data-testid="size-bottlenecks" />
          </label>
          <label>
            {t('size.prune')} <input value={prune} size={10} disabled={busy} onChange={(e) => setPrune(e.target.value)} data-testid="size-prune" />
          </label>
          <label>
            <input type="checkbox" checked={distill} disabled={busy} onChange={(e) => setDistill(e.target.checked)} data-testid="size-distill" /> {t('size.distil')}
          </label>
          <label>
            {t('size.epochs')} <input type="number" value={epochs} min={1} max={5000} disabled={busy} onChange={(e) => setEpochs(Number(e.target.value))} data-testid="size-epochs" />
          </label>
          <label>
            {t('size.detectionTarget')} <input type="number" value={detection} min={1} max={100} step="any" disabled={busy} onChange={(e) => setDetection(Number(e.target.value))} />
          </label>
        </div>
      </details>
      <div className="form-row">
        <button type="button" className="primary" onClick={search} disabled={busy || !canSearch || 'error' in budget} data-testid="size-search">
          {t('size.searchButton')}
        </button>
        <button type="button" onClick={onCancel} disabled={!searching} data-testid="size-cancel">
          {t('common.cancel')}
        </button>
        <progress max={step?.total ?? 1} value={searching ? (step?.done ?? 0) : table ? (step?.total ?? 1) : 0} data-testid="size-progress" />
      </div>
      {searching && step && (
        <p className="small" data-testid="size-step" aria-live="polite">
          {t(`size.step.${step.kind}`, { name: step.name, done: step.done, total: step.total })}
        </p>
      )}
      <p className="small" data-testid="size-status" aria-live="polite">
        {status}
      </p>
      {table && (
        <>
          <table className="eval-table size-table" data-testid="size-table">
            <thead>
              <tr>
                <th>{t('size.col.model')}</th>
                <th>{t('size.col.bytes')}</th>
                <th>{t('size.col.insn')}</th>
                <th>{t('size.col.faAtDetection', { pct: detPct })}</th>
                <th>{t('size.col.faAtThreshold')}</th>
                <th>{t('size.col.detectionMin')}</th>
                <th>{t('size.col.fits')}</th>
              </tr>
            </thead>
            <tbody>
              {table.rows.map((r, i) => (
                <tr key={i} data-testid={`size-row-${i}`} data-model={r.name} data-chosen={i === table.chosen ? 'yes' : undefined} className={i === table.chosen ? 'chosen' : undefined}>
                  <th scope="row" className="mono">
                    {modelName(r)}
                    {i === table.chosen && <span className="badge">{t('size.chosenMark')}</span>}
                    {i === table.reference && <span className="badge muted">{t('size.referenceMark')}</span>}
                  </th>
                  <td>{formatCount(r.bytes)}</td>
                  <td>{formatCount(r.insn)}</td>
                  <td>{r.trained ? pct(r.falseAlarmAtDetection) : '—'}</td>
                  <td>{r.trained ? pct(r.falseAlarmRate) : '—'}</td>
                  <td>{r.trained ? pct(r.detectionRateMin) : '—'}</td>
                  <td>
                    {r.fits ? t('size.fitsYes') : t('size.over', { what: r.over.map((o) => t(`size.overWhat.${o}`)).join(', ') })}
                    {!r.trained && <span className="muted"> ({r.error ? t('size.cannotInt8') : t('size.notTrained')})</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="small muted">{t('size.searched', { count: table.rows.filter((r) => r.trained).length, seconds: formatFixed(table.seconds, 0) })}</p>
          {chosen && (
            <p data-testid="size-why">
              {t('size.why', { name: chosen.name, det: detPct, fa: pct(chosen.falseAlarmAtDetection ?? chosen.falseAlarmRate) })}
              {ref && ref !== chosen && (
                <>
                  {' '}
                  {t('size.vsReference', {
                    ref: ref.name,
                    bytes: formatCount(chosen.bytes),
                    refBytes: formatCount(ref.bytes),
                    insn: formatCount(chosen.insn),
                    refInsn: formatCount(ref.insn),
                    fa: pct(chosen.falseAlarmAtDetection),
                    refFa: pct(ref.falseAlarmAtDetection),
                  })}
                </>
              )}
            </p>
          )}
          {table.rows.some((r) => r.prune > 0) && <p className="small muted">{t('size.prunedNote')}</p>}
        </>
      )}
    </section>
  );
}
