/**
 * vigil report: the maintenance report of one asset from an exported dataset bundle, without the
 * app. Builds the same model and HTML as the app's report page (models/report) and prints it with
 * headless Chromium (./pdf.ts).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { decodeBundle } from '../../models/dataset/bundle';
import { isLang, makeI18n } from '../../models/i18n';
import { eventsCsv, measurementsCsv, reportJson } from '../../models/report/cmms';
import { renderReportHtml } from '../../models/report/html';
import { buildReport } from '../../models/report/model';
import { htmlToPdf } from './pdf';

export class ReportUsageError extends Error {
  override name = 'ReportUsageError';
}

/** YYYY-MM-DD (a whole UTC day: --to includes its day) or a full ISO 8601 time. */
export function parseDate(v: string, flag: string, endOfDay: boolean): number {
  const day = /^\d{4}-\d{2}-\d{2}$/.test(v);
  const ms = Date.parse(day ? `${v}T00:00:00Z` : v);
  if (!/^\d{4}-\d{2}-\d{2}/.test(v) || Number.isNaN(ms)) throw new ReportUsageError(`--${flag} needs a date like 2026-03-01 or 2026-03-01T08:00:00Z, not "${v}"`);
  return day && endOfDay ? ms + 86_400_000 - 1 : ms;
}

export interface ReportFlags {
  bundle: string;
  asset: string;
  from: string;
  to: string;
  out: string;
  lang?: string;
  site?: string;
  technician?: string;
  recommendations?: string;
  'recommendations-file'?: string;
  'events-csv'?: string;
  'measurements-csv'?: string;
  json?: string;
}

export async function runReport(f: ReportFlags, nowMs = Date.now()): Promise<{ pages: number | null; events: number; windows: number }> {
  const lang = f.lang ?? 'en';
  if (!isLang(lang)) throw new ReportUsageError(`--lang is en or es, not "${lang}"`);
  const fromMs = parseDate(f.from, 'from', false);
  const toMs = parseDate(f.to, 'to', true);
  if (toMs <= fromMs) throw new ReportUsageError('--to must come after --from');
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(f.bundle));
  } catch (e) {
    throw new ReportUsageError(`cannot read the bundle ${f.bundle}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  const { tables } = decodeBundle(bytes);
  let recommendations = f.recommendations;
  if (f['recommendations-file']) {
    try {
      recommendations = readFileSync(f['recommendations-file'], 'utf8');
    } catch (e) {
      throw new ReportUsageError(`cannot read ${f['recommendations-file']}: ${(e as Error).message}`);
    }
  }
  const model = buildReport(tables, { asset: f.asset, fromMs, toMs, generatedMs: nowMs, site: f.site, technician: f.technician, recommendations });
  const html = renderReportHtml(model, makeI18n(lang));
  const pdf = await htmlToPdf(html);
  const write = (path: string, data: string | Uint8Array) => {
    try {
      writeFileSync(path, data);
    } catch (e) {
      throw new ReportUsageError(`cannot write ${path}: ${(e as Error).message}`);
    }
  };
  write(f.out, pdf);
  if (f['events-csv']) write(f['events-csv'], eventsCsv(model));
  if (f['measurements-csv']) write(f['measurements-csv'], measurementsCsv(model));
  if (f.json) write(f.json, reportJson(model));
  const pages = new TextDecoder('latin1').decode(pdf).match(/\/Type\s*\/Page[^s]/g)?.length ?? null;
  return { pages, events: model.events.length, windows: model.windows };
}
