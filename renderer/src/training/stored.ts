/**
 * Reads what the technician recorded and labelled (the app's database) for training: the chosen
 * nodes' sessions, feature chunks and labels in a time span, and the spec of the node the model is
 * for. The classes, the spec check and the amounts are models/train/stored.ts.
 */
import { unpackChunk } from '../../../models/dataset/chunkCodec';
import { assembleRuns, dataAmounts, describeSpec, describeSpecMsg, specOfSession, type Assembled, type ClassAmount, type StoredSession, type StoredSpec } from '../../../models/train/stored';
import type { VigilDb } from '../db/db';
import type { Msg } from '../../../models/i18n/msg';
import { t } from '../i18n';
import { say } from '../msg';
import type { SessionRow } from '../db/types';

/** What the technician picked on the Training page. */
export interface StoredQuery {
  /** The node the model is for: its spec decides, and its current model is the comparison. */
  targetNodeId: string;
  /** Every node whose recordings are used (the target among them). */
  nodeIds: string[];
  fromMs: number;
  toMs: number;
  unlabelledAsNormal: boolean;
}

export interface StoredScan {
  spec: StoredSpec;
  /** In English. */
  specText: string;
  specMsg: Msg;
  assembled: Assembled;
  classes: ClassAmount[];
  canTrain: boolean;
}

const CHUNK_MS = 60_000;

function asStored(s: SessionRow): StoredSession {
  return { id: s.id, nodeId: s.nodeId, name: s.name, t0Ms: s.t0Ms, startMs: s.startMs, endMs: s.endMs, fields: s.layout.fields, sampleRateHz: s.sampleRateHz, channels: s.channels, windowLen: s.windowLen, hop: s.hop, bandCount: s.layout.bandCount };
}

/** The spec of the target node: that of its latest session in the span that has band energies. */
export function targetSpec(sessions: SessionRow[], q: StoredQuery, nodeName: string): StoredSpec {
  const own = sessions.filter((s) => s.nodeId === q.targetNodeId && s.startMs <= q.toMs && s.endMs >= q.fromMs).sort((a, b) => b.startMs - a.startMs);
  if (own.length === 0) throw new Error(t('verdict.stored.nothing', { node: nodeName }));
  const withBands = own.find((s) => s.layout.bandCount > 0);
  if (!withBands) throw new Error(t('verdict.stored.noBands', { node: nodeName }));
  return specOfSession(asStored(withBands));
}

/** Reads the picked recordings and labels and sorts their windows into classes. */
export async function scanStored(db: VigilDb, q: StoredQuery): Promise<StoredScan> {
  if (!q.nodeIds.includes(q.targetNodeId)) throw new Error(t('training.stored.target'));
  if (!(q.toMs > q.fromMs)) throw new Error(t('training.stored.span'));
  const node = await db.nodes.get(q.targetNodeId);
  const sessions = (await db.sessions.where('nodeId').anyOf(q.nodeIds).toArray()).filter((s) => s.startMs <= q.toMs && s.endMs >= q.fromMs);
  const spec = targetSpec(sessions, q, node?.name ?? q.targetNodeId);
  const chunks = [];
  for (const nodeId of q.nodeIds) {
    const rows = await db.featureChunks.where('[nodeId+startMs]').between([nodeId, q.fromMs - CHUNK_MS], [nodeId, q.toMs], true, true).toArray();
    chunks.push(...rows.filter((c) => c.endMs >= q.fromMs).map(unpackChunk));
  }
  const labels = (await db.labels.where('nodeId').anyOf(q.nodeIds).toArray()).filter((l) => !l.deletedMs && l.startMs <= q.toMs && l.endMs >= q.fromMs);
  const assembled = assembleRuns({ spec, sessions: sessions.map(asStored), chunks, labels, fromMs: q.fromMs, toMs: q.toMs, unlabelledAsNormal: q.unlabelledAsNormal });
  const amounts = dataAmounts(assembled.runs, spec);
  return { spec, specText: describeSpec(spec), specMsg: describeSpecMsg(spec), assembled, ...amounts };
}

/** The refusal of data recorded under other specs, in words, or null. */
export function refusalText(scan: StoredScan, nodeName: string): string | null {
  if (scan.assembled.refused.length === 0) return null;
  const list = scan.assembled.refused.map((r) => `${r.name}: ${r.whyMsg.map(say).join('; ')}`).join('; ');
  return t('training.stored.refused', { count: scan.assembled.refused.length, node: nodeName, spec: say(scan.specMsg), list });
}
