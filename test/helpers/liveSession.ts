/**
 * A live recording stored as the recorder stores it, for the retention tests (fake-indexeddb): the
 * builder's windows cut into one-minute chunks, packed (models/dataset/chunkCodec.ts), with their
 * per-second summaries and the session row that counts their bytes.
 */
import { packChunkRow } from '../../models/dataset/chunkCodec';
import { packChunk, summarize, type FeatureChunk, type FeatureColumnsBuilder, type FeatureSummary } from '../../models/dataset/columns';
import type { VigilDb } from '../../renderer/src/db/db';
import type { SessionRow } from '../../renderer/src/db/types';

export interface StoredLive {
  session: SessionRow;
  /** The minutes as written, unpacked. */
  full: FeatureChunk[];
  sums: FeatureSummary[];
}

/** Stores the `total` windows of `b` (at `rate` windows a second from `t0Ms`, `hours` long) as session `id` of `nodeId`. */
export async function storeLiveSession(
  db: VigilDb,
  b: FeatureColumnsBuilder,
  o: { id: string; nodeId: string; t0Ms: number; hours: number; rate: number; layout: SessionRow['layout'] },
): Promise<StoredLive> {
  const { id, nodeId, t0Ms, hours, rate, layout } = o;
  const total = hours * 3600 * rate;
  const full: FeatureChunk[] = [];
  for (let s = 0; s < total; s += 60 * rate) full.push(packChunk(b, s, s + 60 * rate, { sessionId: id, nodeId, t0Ms }));
  const chunks = full.map((c) => packChunkRow(c));
  const sums = full.map(summarize);
  const session: SessionRow = {
    id, nodeId, assetId: null, kind: 'live', name: id, startMs: t0Ms, endMs: t0Ms + hours * 3_600_000 - 1000 / rate, t0Ms, sampleRateHz: 48000, windowLen: 1024, hop: 512,
    channels: ['X', 'Y'], layout, specKey: '', windowCount: total, gapWindows: 0, status: 'complete', source: null,
    bytes: { features: chunks.reduce((a, c) => a + c.bytes, 0), summaries: sums.reduce((a, c) => a + c.bytes, 0), raw: 0 }, createdMs: t0Ms, updatedMs: t0Ms,
  };
  await db.sessions.put(session);
  await db.featureChunks.bulkPut(chunks);
  await db.featureSummaries.bulkPut(sums);
  return { session, full, sums };
}
