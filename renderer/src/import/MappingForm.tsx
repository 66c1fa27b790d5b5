/**
 * The column mapping of a CSV import: which columns are axes, the sample rate, the separator, and
 * where the recording belongs. Shows the first rows as the chosen mapping reads them.
 */
import { STANDARD_GRAVITY } from '../../../models/features/spec';
import { previewWith, type ImportSettings } from '../../../models/dataset/formats';
import { t } from '../i18n';
import { columnNamesSaid } from './columns';
import type { Delimiter } from '../../../models/dataset/csv';

export interface ImportDetails {
  name: string;
  nodeName: string;
  assetName: string;
  /** datetime-local value of the first sample. */
  recordedAt: string;
}

export interface MappingFormProps {
  head: string;
  settings: ImportSettings;
  details: ImportDetails;
  notes: string[];
  assets: string[];
  onSettings(s: ImportSettings): void;
  onDetails(d: ImportDetails): void;
}

const DELIMITERS: { value: Delimiter; label: string }[] = [
  { value: ',', label: 'import.delim.comma' },
  { value: ';', label: 'import.delim.semicolon' },
  { value: '\t', label: 'import.delim.tab' },
];

export function MappingForm({ head, settings, details, notes, assets, onSettings, onDetails }: MappingFormProps) {
  const m = settings.mapping;
  const preview = previewWith(head, m);
  const names = columnNamesSaid(preview);
  const setMapping = (patch: Partial<ImportSettings['mapping']>) => {
    const mapping = { ...m, ...patch };
    const p = previewWith(head, mapping);
    mapping.columnCount = p.columnCount;
    mapping.axisColumns = mapping.axisColumns.filter((c) => c < p.columnCount);
    if (mapping.segmentColumn !== null && mapping.segmentColumn >= p.columnCount) mapping.segmentColumn = null;
    const said = columnNamesSaid(p);
    onSettings({ ...settings, format: 'generic', mapping, channels: mapping.axisColumns.map((c) => said[c]) });
  };
  const toggleAxis = (c: number) => {
    const on = m.axisColumns.includes(c);
    const axisColumns = on ? m.axisColumns.filter((x) => x !== c) : [...m.axisColumns, c].sort((a, b) => a - b);
    onSettings({
      ...settings,
      mapping: { ...m, axisColumns, segmentColumn: m.segmentColumn === c ? null : m.segmentColumn },
      channels: axisColumns.map((i) => names[i]),
    });
  };
  const setSegment = (c: number | null) =>
    onSettings({ ...settings, mapping: { ...m, segmentColumn: c, axisColumns: m.axisColumns.filter((x) => x !== c) }, segmentSpacingS: c === null ? null : (settings.segmentSpacingS ?? 10) });

  return (
    <div className="mapping" data-testid="import-mapping">
      <p className="format-line">
        <strong>{t(`import.format.${settings.format}`)}</strong>
      </p>
      {notes.length > 0 && (
        <ul className="notes">
          {notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      )}
      <div className="form-grid">
        <label>
          {t('import.rate')}
          <input data-testid="import-rate" type="number" min={1} step="any" value={settings.sampleRateHz || ''} onChange={(e) => onSettings({ ...settings, sampleRateHz: Number(e.target.value) })} required />
        </label>
        <label>
          {t('import.valuesIn')}
          <select value={m.scale === 1 ? 'g' : 'ms2'} onChange={(e) => setMapping({ scale: e.target.value === 'g' ? 1 : 1 / STANDARD_GRAVITY })}>
            <option value="g">g</option>
            <option value="ms2">{t('import.ms2')}</option>
          </select>
        </label>
        <label>
          {t('import.separator')}
          <select value={m.delimiter} onChange={(e) => setMapping({ delimiter: e.target.value as Delimiter, decimalComma: e.target.value === ',' ? false : m.decimalComma })}>
            {DELIMITERS.map((d) => (
              <option key={d.label} value={d.value}>
                {t(d.label)}
              </option>
            ))}
          </select>
        </label>
        <label className="check">
          <input type="checkbox" checked={m.decimalComma} disabled={m.delimiter === ','} onChange={(e) => setMapping({ decimalComma: e.target.checked })} />
          {t('import.decimalComma')}
        </label>
        <label className="check">
          <input type="checkbox" checked={m.hasHeader} onChange={(e) => setMapping({ hasHeader: e.target.checked })} />
          {t('import.header')}
        </label>
        <label>
          {t('import.skip')}
          <input type="number" min={0} max={1000} value={m.skipLines} onChange={(e) => setMapping({ skipLines: Math.max(0, Math.floor(Number(e.target.value) || 0)) })} />
        </label>
        {m.segmentColumn !== null && (
          <label>
            {t('import.spacing')}
            <input type="number" min={0.001} step="any" value={settings.segmentSpacingS ?? ''} onChange={(e) => onSettings({ ...settings, segmentSpacingS: Number(e.target.value) || null })} />
          </label>
        )}
      </div>
      <div className="preview-wrap">
        <table className="preview" data-testid="import-preview">
          <thead>
            <tr>
              {names.map((name, c) => (
                <th key={c}>
                  <div translate={preview.unnamed[c] ? undefined : 'no'}>{name}</div>
                  <label className="check small">
                    <input type="checkbox" checked={m.axisColumns.includes(c)} onChange={() => toggleAxis(c)} disabled={!m.axisColumns.includes(c) && m.axisColumns.length >= 3} />
                    {t('import.axis')}
                  </label>
                  <label className="check small" title={t('import.snapshotTitle')}>
                    <input type="checkbox" checked={m.segmentColumn === c} onChange={(e) => setSegment(e.target.checked ? c : null)} />
                    {t('import.snapshot')}
                  </label>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {preview.rows.map((r, i) => (
              <tr key={i}>
                {preview.columnNames.map((_, c) => (
                  <td key={c} className={m.axisColumns.includes(c) ? 'mapped' : undefined}>
                    {r[c] ?? ''}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="form-grid">
        <label>
          {t('import.name')}
          <input data-testid="import-name" value={details.name} maxLength={120} onChange={(e) => onDetails({ ...details, name: e.target.value })} />
        </label>
        <label>
          {t('import.sensor')}
          <input value={details.nodeName} maxLength={80} onChange={(e) => onDetails({ ...details, nodeName: e.target.value })} />
        </label>
        <label>
          {t('import.asset')}
          <input list="import-assets" value={details.assetName} maxLength={80} placeholder={t('import.assetPlaceholder')} onChange={(e) => onDetails({ ...details, assetName: e.target.value })} />
          <datalist id="import-assets">
            {assets.map((a) => (
              <option key={a} value={a} />
            ))}
          </datalist>
        </label>
        <label>
          {t('import.recordedAt')}
          <input type="datetime-local" step={1} value={details.recordedAt} onChange={(e) => onDetails({ ...details, recordedAt: e.target.value })} />
        </label>
      </div>
    </div>
  );
}
