/**
 * The maintenance report page: choose an asset, a period and a language, write recommendations,
 * see the report, save it as PDF (the desktop app prints it with Electron's printToPDF through
 * the 'report.pdf' request; in browser mode the browser's own print), and export events and
 * measurements for a CMMS. The report itself comes from models/report, as in `vigil report`.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { isLang, LANGUAGES, makeI18n, type Lang } from '../../../models/i18n';
import { eventsCsv, measurementsCsv, reportJson } from '../../../models/report/cmms';
import { renderReportHtml, reportBody, reportCss } from '../../../models/report/html';
import { buildReport, type ReportModel } from '../../../models/report/model';
import { RequestError } from '../api/errors';
import { lang as interfaceLang, t } from '../i18n';
import type { VigilClient } from '../api/types';
import { downloadBlob } from '../storage/download';
import { useLiveQuery, useStorage } from '../storage/services';
import { reportRows } from './rows';
import { sayError } from '../msg';

const DAY = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const LANGUAGE_NAMES: Record<Lang, string> = { en: 'English', es: 'Español' };

function base64ToBytes(b64: string): Uint8Array {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/**
 * Shows the report inside a shadow root, its CSS as a constructed stylesheet: the app's CSP
 * (style-src 'self') refuses inline <style>, not CSSOM. Printing in browser mode puts the same
 * CSS on the document with a rule that hides the app around the report.
 */
function Preview({ model, lang }: { model: ReportModel; lang: Lang }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const i = makeI18n(lang);
    const root = el.shadowRoot ?? el.attachShadow({ mode: 'open' });
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(reportCss(model, i).replace(/@page[\s\S]*?\}\s*\}/, ''));
    root.adoptedStyleSheets = [sheet];
    root.innerHTML = reportBody(model, i);
    const print = new CSSStyleSheet();
    print.replaceSync(`${reportCss(model, i)}\n@media print { body * { visibility: hidden; } .report-print, .report-print * { visibility: visible; } .report-print { position: absolute; left: 0; top: 0; width: 100%; } }`);
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, print];
    // Leaving the page (or a new report) takes its print rules away again.
    return () => {
      document.adoptedStyleSheets = document.adoptedStyleSheets.filter((s) => s !== print);
    };
  }, [model, lang]);
  return <div ref={host} className="report-print report-preview" data-testid="report-preview" lang={lang} />;
}

export function ReportPage({ client }: { client: VigilClient }) {
  const { db } = useStorage();
  const assets = useLiveQuery(() => db.assets.toArray(), [db], []);
  const [assetId, setAssetId] = useState('');
  const [from, setFrom] = useState(isoDay(Date.now() - 30 * DAY));
  const [to, setTo] = useState(isoDay(Date.now()));
  const [lang, setLang] = useState<Lang>(interfaceLang());
  const [site, setSite] = useState('');
  const [technician, setTechnician] = useState('');
  const [recommendations, setRecommendations] = useState('');
  const [model, setModel] = useState<ReportModel | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const shown = useMemo(() => (model ? { ...model, recommendations, technician, site: site || model.asset.location } : null), [model, recommendations, technician, site]);

  async function build() {
    setError(null);
    const fromMs = Date.parse(`${from}T00:00:00Z`);
    const toMs = Date.parse(`${to}T00:00:00Z`) + DAY - 1;
    if (!assetId) return setError(t('reportPage.chooseAsset'));
    if (Number.isNaN(fromMs) || Number.isNaN(toMs) || toMs <= fromMs) return setError(t('reportPage.badPeriod'));
    setBusy(true);
    try {
      const rows = await reportRows(db, assetId, fromMs, toMs);
      setModel(buildReport(rows, { asset: assetId, fromMs, toMs, generatedMs: Date.now() }));
    } catch (e) {
      setError(sayError(e));
    } finally {
      setBusy(false);
    }
  }

  const fileBase = shown ? `vigil-report-${shown.asset.name.replace(/[^\w-]+/g, '_')}-${from}_${to}` : 'vigil-report';

  async function savePdf() {
    if (!shown) return;
    setError(null);
    setBusy(true);
    try {
      const r = await client.invoke('report.pdf', { html: renderReportHtml({ ...shown, generatedMs: Date.now() }, makeI18n(lang)) });
      downloadBlob(new Blob([base64ToBytes(r.pdfBase64) as BlobPart], { type: 'application/pdf' }), `${fileBase}-${lang}.pdf`);
    } catch (e) {
      // Browser mode: the host has no printer of its own; the browser prints the same page.
      if (e instanceof RequestError && e.code === 'unsupported') window.print();
      else setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  }

  const text = (s: string, name: string, type: string) => downloadBlob(new Blob([s], { type }), name);

  return (
    <section className="page report-page" data-testid="report-page">
      <h2>{t('reportPage.title')}</h2>
      <form className="report-form" onSubmit={(e) => (e.preventDefault(), void build())}>
        <label>
          {t('reportPage.asset')}{' '}
          <select data-testid="report-asset" value={assetId} onChange={(e) => setAssetId(e.target.value)}>
            <option value="">{t('reportPage.choose')}</option>
            {assets.value.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
          </select>
        </label>{' '}
        <label>
          {t('reportPage.from')} <input data-testid="report-from" type="date" value={from} onChange={(e) => setFrom(e.target.value)} />
        </label>{' '}
        <label>
          {t('reportPage.to')} <input data-testid="report-to" type="date" value={to} onChange={(e) => setTo(e.target.value)} />
        </label>{' '}
        <label>
          {t('reportPage.language')}{' '}
          <select data-testid="report-lang" value={lang} onChange={(e) => isLang(e.target.value) && setLang(e.target.value)}>
            {LANGUAGES.map((l) => (
              <option key={l} value={l} lang={l}>
                {LANGUAGE_NAMES[l]}
              </option>
            ))}
          </select>
        </label>{' '}
        <button type="submit" data-testid="report-build" disabled={busy}>
          {t('reportPage.build')}
        </button>
        <div>
          <label>
            {t('reportPage.site')} <input value={site} onChange={(e) => setSite(e.target.value)} placeholder={t('reportPage.sitePlaceholder')} />
          </label>{' '}
          <label>
            {t('reportPage.technician')} <input value={technician} onChange={(e) => setTechnician(e.target.value)} />
          </label>
        </div>
        <label className="report-rec">
          {t('reportPage.recommendations')}
          <textarea rows={4} value={recommendations} onChange={(e) => setRecommendations(e.target.value)} />
        </label>
      </form>
      {error && (
        <p role="alert" className="error" data-testid="report-error">
          {error}
        </p>
      )}
      {shown && (
        <>
          <div className="report-actions">
            <button type="button" onClick={() => void savePdf()} disabled={busy}>
              {t('reportPage.savePdf')}
            </button>{' '}
            <button type="button" onClick={() => text(eventsCsv(shown), `${fileBase}-events.csv`, 'text/csv')}>
              {t('reportPage.eventsCsv')}
            </button>{' '}
            <button type="button" onClick={() => text(measurementsCsv(shown), `${fileBase}-measurements.csv`, 'text/csv')}>
              {t('reportPage.measurementsCsv')}
            </button>{' '}
            <button type="button" onClick={() => text(reportJson(shown), `${fileBase}.json`, 'application/json')}>
              {t('reportPage.json')}
            </button>
          </div>
          <Preview model={shown} lang={lang} />
        </>
      )}
    </section>
  );
}
