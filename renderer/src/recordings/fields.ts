/** Names and units of the per-axis feature fields, as the charts show them. */
export const FIELD_INFO: Record<string, { name: string; unit: string; digits: number }> = {
  rms: { name: 'RMS', unit: 'g', digits: 3 },
  peak: { name: 'Peak', unit: 'g', digits: 3 },
  crest: { name: 'Crest factor', unit: '', digits: 2 },
  kurtosis: { name: 'Kurtosis', unit: '', digits: 2 },
  velocityRmsMmS: { name: 'Velocity RMS (10–1000 Hz)', unit: 'mm/s', digits: 2 },
};

export function fieldInfo(field: string) {
  return FIELD_INFO[field] ?? { name: field, unit: '', digits: 3 };
}

export function formatValue(field: string, v: number | null | undefined): string {
  if (v == null || !Number.isFinite(v)) return '—';
  const f = fieldInfo(field);
  return `${v.toFixed(f.digits)}${f.unit ? ` ${f.unit}` : ''}`;
}
