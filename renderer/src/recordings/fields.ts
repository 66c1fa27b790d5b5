/** Names and units of the per-axis feature fields, as the charts show them (names: recordings.field.*). */
import { formatFixed } from '../format';
import { t } from '../i18n';

export const FIELD_INFO: Record<string, { unit: string; digits: number }> = {
  rms: { unit: 'g', digits: 3 },
  peak: { unit: 'g', digits: 3 },
  crest: { unit: '', digits: 2 },
  kurtosis: { unit: '', digits: 2 },
  velocityRmsMmS: { unit: 'mm/s', digits: 2 },
  /** A node field (one per window, FeatureLayout.nodeFields). */
  anomalyScore: { unit: '', digits: 3 },
};

export function fieldInfo(field: string): { name: string; unit: string; digits: number } {
  const f = FIELD_INFO[field];
  return f ? { name: t(`recordings.field.${field}`), ...f } : { name: field, unit: '', digits: 3 };
}

export function formatValue(field: string, v: number | null | undefined): string {
  if (v == null || !Number.isFinite(v)) return '—';
  const f = fieldInfo(field);
  return `${formatFixed(v, f.digits)}${f.unit ? ` ${f.unit}` : ''}`;
}
