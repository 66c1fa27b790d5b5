/**
 * The rows a maintenance report reads, from the database: the asset's nodes, sessions, feature
 * chunks, the per-second and per-minute summaries (where retention compacted the chunks away),
 * raw snapshots, events, labels, models and deployments, in the same shape as a decoded bundle
 * (models/report/model.ts ReportTables), so the app and `vigil report` build one model; and the
 * Fleet tree's items of the asset's nodes (a machine's speed and bearing for the envelope; bundles
 * carry no tree). Only the asset's rows are read, chunks only of sessions that overlap the period,
 * summaries only of the period (indexed ranges on [nodeId+startMs]).
 */
import type { ReportTables } from '../../../models/report/model';
import { unpackChunk } from '../../../models/dataset/chunkCodec';
import type { VigilDb } from '../db/db';

export async function reportRows(db: VigilDb, assetId: string, fromMs: number, toMs: number): Promise<ReportTables> {
  const asset = await db.assets.get(assetId);
  const nodes = await db.nodes.where('assetId').equals(assetId).toArray();
  const bySession = await db.sessions.where('assetId').equals(assetId).toArray();
  const nodeIds = [...new Set([...nodes.map((n) => n.id), ...bySession.map((s) => s.nodeId)])];
  // A node that recorded for the asset without being placed on it still has its name in the report.
  const sessionNodes = (await db.nodes.bulkGet(nodeIds.filter((id) => !nodes.some((n) => n.id === id)))).filter((n) => n !== undefined);
  const byNode = nodeIds.length ? await db.sessions.where('nodeId').anyOf(nodeIds).toArray() : [];
  const sessions = [...new Map([...bySession, ...byNode].map((s) => [s.id, s])).values()].filter((s) => s.startMs <= toMs && s.endMs >= fromMs);
  const sessionIds = sessions.map((s) => s.id);
  const any = <T>(p: Promise<T[]>, ids: string[]) => (ids.length ? p : Promise.resolve([] as T[]));
  const [featureChunks, rawSnapshots, events, labels, models, deployments] = await Promise.all([
    any(db.featureChunks.where('sessionId').anyOf(sessionIds).toArray(), sessionIds),
    any(db.rawSnapshots.where('sessionId').anyOf(sessionIds).toArray(), sessionIds),
    any(db.events.where('nodeId').anyOf(nodeIds).toArray(), nodeIds),
    any(db.labels.where('nodeId').anyOf(nodeIds).toArray(), nodeIds),
    any(db.models.where('nodeId').anyOf(nodeIds).toArray(), nodeIds),
    any(db.deployments.where('nodeId').anyOf(nodeIds).toArray(), nodeIds),
  ]);
  // Summaries start at most a minute (per-second rows) or an hour (per-minute rows) before their last window.
  const inPeriod = <T extends { sessionId: string; endMs: number }>(table: VigilDb['featureSummaries'] | VigilDb['featureMinutes'], spanMs: number) =>
    Promise.all(nodeIds.map((n) => table.where('[nodeId+startMs]').between([n, fromMs - spanMs], [n, toMs], true, true).toArray() as unknown as Promise<T[]>)).then((l) =>
      l.flat().filter((r) => r.endMs >= fromMs && sessionIds.includes(r.sessionId)),
    );
  const [featureSummaries, featureMinutes] = await Promise.all([inPeriod(db.featureSummaries, 60_000), inPeriod(db.featureMinutes, 3_600_000)]);
  const points = nodeIds.length ? await db.fleetItems.where('nodeId').anyOf(nodeIds).toArray() : [];
  const machines = (await db.fleetItems.bulkGet([...new Set(points.map((p) => p.parentId).filter((id): id is string => id !== null))])).filter((m) => m !== undefined);
  const deployedModels = await db.models.bulkGet([...new Set(deployments.map((d) => d.modelId))]);
  const allModels = [...new Map([...models, ...deployedModels.filter((m) => m !== undefined)].map((m) => [m.id, m])).values()];
  const t = new Map<string, Record<string, unknown>[]>();
  const put = (name: string, rows: object[]) => t.set(name, rows as Record<string, unknown>[]);
  put('assets', asset ? [asset] : []);
  put('nodes', [...nodes, ...sessionNodes]);
  put('sessions', sessions);
  put('featureChunks', featureChunks.map(unpackChunk));
  put('featureSummaries', featureSummaries);
  put('featureMinutes', featureMinutes);
  put('fleetItems', [...points, ...machines]);
  put('rawSnapshots', rawSnapshots);
  put('events', events);
  put('labels', labels);
  put('models', allModels);
  put('deployments', deployments);
  return t;
}
