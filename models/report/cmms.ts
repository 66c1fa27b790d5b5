/**
 * Events and measurements of a report as files a CMMS imports (columns and reasons: docs/report.md,
 * "CMMS export"). Machine-readable on purpose: UTC ISO 8601 times, a dot as decimal mark, the
 * stable label code beside its English name, whatever language the PDF was printed in.
 */
import { csvCell, LABEL_NAMES } from '../dataset/labels';
import { zoneOf, type ReportModel } from './model';

export const EVENT_CSV_HEADER = ['event_id', 'asset_id', 'asset_name', 'node_id', 'start_utc', 'end_utc', 'kind', 'score', 'status', 'labels', 'label_names', 'notes', 'technician'];
/** `windows`: how many measured windows the row stands for (1: one window; more: the mean of a per-second or per-minute summary where the windows were compacted). */
export const MEASUREMENT_CSV_HEADER = ['asset_id', 'asset_name', 'timestamp_utc', 'velocity_rms_mm_s', 'iso_zone', 'windows'];

const iso = (ms: number) => new Date(ms).toISOString();
const rows = (header: string[], body: (string | number)[][]) => [header, ...body].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';

export function eventsCsv(m: ReportModel): string {
  return rows(
    EVENT_CSV_HEADER,
    m.events.map((e) => [
      e.id,
      m.asset.id,
      m.asset.name,
      e.nodeId,
      iso(e.startMs),
      iso(e.endMs),
      e.kind,
      e.score ?? '',
      e.labels.length ? 'labelled' : 'open',
      e.labels.map((l) => l.label).join(';'),
      e.labels.map((l) => LABEL_NAMES[l.label]).join(';'),
      e.labels.map((l) => l.notes).filter(Boolean).join(' | '),
      [...new Set(e.labels.map((l) => l.author).filter(Boolean))].join(';'),
    ]),
  );
}

/**
 * One row per measured window (velocity RMS, axis 0), or per summary bucket where retention kept
 * only the per-second or per-minute means: the meter reading a CMMS trends.
 */
export function measurementsCsv(m: ReportModel): string {
  return rows(MEASUREMENT_CSV_HEADER, m.velocity.map((p) => [m.asset.id, m.asset.name, iso(p.tMs), Number(p.v.toFixed(4)), zoneOf(p.v) ?? '', p.n ?? 1]));
}

/** The same content as one JSON document. */
export function reportJson(m: ReportModel): string {
  const { velocity, spectra, events, ...rest } = m;
  return JSON.stringify({
    ...rest,
    measurements: velocity.map((p) => ({ timestampUtc: iso(p.tMs), velocityRmsMmS: p.v, isoZone: zoneOf(p.v), windows: p.n ?? 1, meanOverS: (p.lenMs ?? 0) / 1000 })),
    spectra,
    events: events.map(({ envelope, ...e }) => ({ ...e, startUtc: iso(e.startMs), endUtc: iso(e.endMs), envelope: envelope ? { ...envelope, amplitude: Array.from(envelope.amplitude) } : null })),
  });
}
