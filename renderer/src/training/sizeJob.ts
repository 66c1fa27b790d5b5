/**
 * The size search as the Training page's worker runs it (train.worker.ts; docs/training.md, "The
 * best model that fits a node"): checks the data against the node, refuses a budget no candidate
 * fits in the interface language, runs models/size/search.ts with progress and cancel, and posts
 * the trade-off table. The worker then makes the chosen model the node's int8 model exactly as it
 * does a trained one. Kept apart from the worker (which imports the wasm binaries) so that it can
 * be tested under Node.
 */
import { rateForAlarmsPerDay } from '../../../models/eval/threshold';
import type { FeatureSpec } from '../../../models/features/spec';
import { MsgError, msg, numOf } from '../../../models/i18n/msg';
import { bandCountOf } from '../../../models/nn/types';
import { widthsOf } from '../../../models/size/cost';
import { dataMismatch } from '../../../models/size/nodeBudget';
import { candidateGrid, costOf, sizeSearch, SizeSearchCancelled, type SizeCandidate, type SizeSearchResult } from '../../../models/size/search';
import type { PreparedData } from '../../../models/train/dataset';
import type { FromWorker, SizeTable, ToWorker } from './protocol';

export type SizeMsg = Extract<ToWorker, { type: 'size' }>;

/** Today's default hidden widths (64-32-8-32-64 on two axes), always trained and listed. */
export const REFERENCE_HIDDEN = [32, 8, 32];

/** The table the page shows: every candidate without its model. */
export function sizeTableOf(r: SizeSearchResult): SizeTable {
  return {
    rows: r.candidates.map((c) => ({
      name: c.name,
      widths: c.widths,
      prune: c.prune,
      distilled: c.distilled,
      bytes: c.bytes,
      ramBytes: c.ramBytes,
      insn: c.insn,
      fits: c.fits,
      over: c.over,
      trained: c.trained,
      falseAlarmAtDetection: c.falseAlarmAtDetection,
      falseAlarmRate: c.falseAlarmRate,
      detectionRateMin: c.detectionRateMin,
      zeroBlocks: c.zeroBlocks,
      error: c.error ?? null,
    })),
    chosen: r.chosen,
    reference: r.reference,
    detectionTarget: r.detectionTarget,
    budget: r.budget,
    seconds: r.seconds,
  };
}

/**
 * Runs the search on prepared windows. Posts `sizeStep` before each training and `sizeTable` at
 * the end; returns the chosen candidate and the per-window false-alarm rate its threshold was set
 * for, or null (having posted `cancelled`) when keepGoing said stop. Throws a MsgError for data
 * that cannot run on the node or a budget no candidate fits.
 */
export async function runSizeSearch(
  m: SizeMsg,
  data: { prepared: PreparedData; spec: FeatureSpec; channels: string[] },
  post: (msg: FromWorker) => void,
  keepGoing: () => boolean | Promise<boolean>,
): Promise<{ chosen: SizeCandidate; targetRate: number } | null> {
  const { prepared, spec } = data;
  const bad = dataMismatch(m.node, data.channels.length, spec.sampleRateHz);
  if (bad) throw new MsgError(bad);
  const p = m.params;
  const B = bandCountOf(spec);
  const D = data.channels.length * B;
  const grid = candidateGrid(D, B, { widths: p.widths, bottlenecks: p.bottlenecks, prune: p.prune, referenceHidden: REFERENCE_HIDDEN });
  const costs = grid.map((g) => ({ name: widthsOf(D, g.hidden).join('-'), ...costOf(widthsOf(D, g.hidden), B, m.budget) }));
  if (!costs.some((c) => c.fits)) {
    const s = [...costs].sort((a, b) => a.bytes - b.bytes)[0];
    throw new MsgError(msg('size.noneFits', { name: s.name, bytes: numOf(s.bytes), ram: numOf(s.ramBytes), insn: numOf(s.insn) }));
  }
  const targetRate = rateForAlarmsPerDay(p.alarmsPerDay, p.debounceK, p.debounceN, spec.sampleRateHz, spec.hop);
  try {
    const r = await sizeSearch(prepared, spec, data.channels.map((_, i) => i), m.budget, {
      widths: p.widths,
      bottlenecks: p.bottlenecks,
      prune: p.prune,
      distill: p.distill,
      epochs: p.epochs,
      seed: p.seed,
      targetRate,
      detectionTarget: p.detectionTarget,
      referenceHidden: REFERENCE_HIDDEN,
      onStep: (step) => post({ type: 'sizeStep', step }),
      keepGoing,
    });
    post({ type: 'sizeTable', table: sizeTableOf(r) });
    return { chosen: r.candidates[r.chosen], targetRate };
  } catch (e) {
    if (e instanceof SizeSearchCancelled) {
      post({ type: 'cancelled' });
      return null;
    }
    throw e;
  }
}
