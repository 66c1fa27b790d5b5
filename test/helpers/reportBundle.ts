// A small dataset bundle for the maintenance report tests, made from the shipped demo recordings
// (data/demo): one asset, one node, five one-second sessions over ten days (three healthy, two with
// the seeded inner-race fault) with features from models/features, two events (one labelled with
// notes and a raw snapshot, one open) and the label.
import { join } from 'node:path';
import { encodeBundle } from '../../models/dataset/bundle';
import { chunkRanges, EXTRACTOR_FIELDS, FeatureColumnsBuilder, packChunk, summarize, summarizeMinutes, type FeatureLayout, type FeatureSummary } from '../../models/dataset/columns';
import { defaultFeatureSpec, extractFeatures } from '../../models/features';
import { concatBytes } from './bytes';
import { ROOT } from './firmware';
import { readCsvColumns } from './recording';

export const DAY = 86_400_000;
export const T0 = Date.UTC(2026, 2, 1, 8, 0, 0);
export const ASSET = 'Cooling pump P-101';
export const NODE = '0123456789abcdef01234567';

/**
 * `compacted`: as the retention policy leaves it — days 0 and 2 with their per-second summaries and
 * no feature chunk, day 4 with only its per-minute row.
 */
export function demoBundle(o: { compacted?: boolean } = {}): Uint8Array {
  const normal = readCsvColumns(join(ROOT, 'data/demo/cwru_normal_0hp_1797rpm_48k_1s.csv')).columns[0];
  const fault = readCsvColumns(join(ROOT, 'data/demo/cwru_inner_race_007mil_0hp_1797rpm_48k_1s.csv')).columns[0];
  const spec = defaultFeatureSpec(48000);
  const layout: FeatureLayout = { axisCount: 1, fields: EXTRACTOR_FIELDS, bandCount: spec.bandEdges.length - 1 };
  const files = { normal: 'cwru_normal_0hp_1797rpm_48k_1s.csv', fault: 'cwru_inner_race_007mil_0hp_1797rpm_48k_1s.csv' };
  const days: [number, Float32Array][] = [[0, normal], [2, normal], [4, normal], [7, fault], [9, fault]];
  const sessions: object[] = [];
  const chunks: object[] = [];
  const summaries: object[] = [];
  for (const [d, x] of days) {
    const id = `session-day${d}`;
    const t0Ms = T0 + d * DAY;
    const b = new FeatureColumnsBuilder(layout);
    const windows = extractFeatures([x], spec);
    for (const w of windows) b.pushWindow(w, w.windowIndex, w.tUs);
    for (const [s, e] of chunkRanges(b.tUs, 0, b.length)) {
      const c = packChunk(b, s, e, { sessionId: id, nodeId: NODE, t0Ms });
      chunks.push(c);
      summaries.push(summarize(c));
    }
    sessions.push({
      id, nodeId: NODE, assetId: 'asset-1', kind: 'import', name: `day ${d}`, startMs: t0Ms + b.tUs[0] / 1000, endMs: t0Ms + b.tUs[b.length - 1] / 1000, t0Ms,
      sampleRateHz: 48000, windowLen: spec.windowLen, hop: spec.hop, channels: ['DE_accel'], layout, specKey: '', windowCount: b.length, gapWindows: 0,
      status: 'complete', bytes: { features: 0, summaries: 0, raw: 0 }, createdMs: t0Ms, updatedMs: t0Ms,
      // Imported from the CWRU demo files: the report finds the speed in the file's name and CWRU's bearing, as the envelope view does.
      source: {
        fileName: x === fault ? files.fault : files.normal, bytes: 0, hash: '',
        settings: { format: 'cwru', sampleRateHz: 48000, segmentSpacingS: null, channels: ['DE_accel'], mapping: { delimiter: ',', decimalComma: false, skipLines: 0, hasHeader: true, columnCount: 2, axisColumns: [0], segmentColumn: null, scale: 1 } },
      },
    });
  }
  let minutes: object[] = [];
  if (o.compacted) {
    const day = (r: object, ds: number[]) => ds.some((d) => (r as { id: string }).id.startsWith(`session-day${d}:`));
    const day4 = summaries.filter((r) => day(r, [4])) as FeatureSummary[];
    minutes = [summarizeMinutes(day4)];
    chunks.splice(0, chunks.length, ...chunks.filter((c) => !day(c, [0, 2, 4])));
    summaries.splice(0, summaries.length, ...summaries.filter((r) => !day(r, [4])));
  }
  const evAt = T0 + 7 * DAY + 200;
  const tables = [
    { table: 'assets', rows: [{ id: 'asset-1', name: ASSET, location: 'Plant North, hall 2', notes: '', createdMs: T0, updatedMs: T0 }] },
    { table: 'nodes', rows: [{ id: NODE, name: 'P-101 drive end', kind: 'node', assetId: 'asset-1', board: 'vigil-f405', firmware: '0.1.0', channels: ['DE_accel'], sampleRateHz: 48000, createdMs: T0, updatedMs: T0 }] },
    { table: 'sessions', rows: sessions },
    { table: 'featureChunks', rows: chunks },
    { table: 'featureSummaries', rows: summaries },
    { table: 'featureMinutes', rows: minutes },
    {
      table: 'rawSnapshots',
      rows: [{ id: 'snap-1', sessionId: 'session-day7', nodeId: NODE, startMs: evAt, tUs: 0, sampleRateHz: 48000, axisCount: 1, count: 32768, samples: fault.slice(0, 32768), reason: 'event', eventId: 'event-1', bytes: 32768 * 4 }],
    },
    {
      table: 'events',
      rows: [
        { id: 'event-1', nodeId: NODE, sessionId: 'session-day7', startMs: evAt, endMs: evAt + 600, kind: 'anomaly alarm', score: 3.25, message: '', createdMs: evAt, updatedMs: evAt },
        { id: 'event-2', nodeId: NODE, sessionId: 'session-day9', startMs: T0 + 9 * DAY + 300, endMs: T0 + 9 * DAY + 700, kind: 'anomaly alarm', score: 4.5, message: '', createdMs: evAt, updatedMs: evAt },
      ],
    },
    {
      table: 'labels',
      rows: [{ id: 'label-1', nodeId: NODE, sessionId: 'session-day7', eventId: 'event-1', assetId: 'asset-1', startMs: evAt, endMs: evAt + 600, label: 'inner-race', notes: 'Grinding noise at the drive end; grease purged.', author: 'A. Ortega', createdMs: evAt, updatedMs: evAt, deletedMs: null }],
    },
    { table: 'gaps', rows: [] },
    { table: 'models', rows: [] },
    { table: 'deployments', rows: [] },
  ];
  return concatBytes(encodeBundle(tables, { createdMs: T0 + 10 * DAY, createdBy: 'test', schemaVersion: 2 }));
}
