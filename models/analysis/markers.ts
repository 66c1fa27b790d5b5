/**
 * Where an analyst looks on a spectrum or an envelope spectrum: the shaft speed and its harmonics,
 * and the bearing's defect frequencies (and their first harmonics) at the running speed.
 */
import type { DefectFactors } from './bearings';

export type MarkerKind = 'shaft' | 'bpfo' | 'bpfi' | 'bsf' | 'ftf';

export interface Marker {
  kind: MarkerKind;
  /** 1 for the fundamental, 2 for the second harmonic, ... */
  harmonic: number;
  hz: number;
  /** Short label for the chart: "1×", "BPFI", "2×BPFO". */
  label: string;
}

export interface MarkerOptions {
  /** Shaft harmonics 1× .. n× (default 10). */
  shaftHarmonics?: number;
  /** Harmonics of each defect frequency (default 3). */
  defectHarmonics?: number;
  /** Markers above this frequency are left out. */
  maxHz?: number;
}

export function markerPositions(shaftHz: number, factors: DefectFactors | null, o: MarkerOptions = {}): Marker[] {
  if (!(shaftHz > 0) || !Number.isFinite(shaftHz)) return [];
  const maxHz = o.maxHz ?? Infinity;
  const out: Marker[] = [];
  for (let h = 1; h <= (o.shaftHarmonics ?? 10); h++) out.push({ kind: 'shaft', harmonic: h, hz: h * shaftHz, label: `${h}×` });
  if (factors) {
    for (const kind of ['bpfo', 'bpfi', 'bsf', 'ftf'] as const) {
      for (let h = 1; h <= (o.defectHarmonics ?? 3); h++) {
        const name = kind.toUpperCase();
        out.push({ kind, harmonic: h, hz: h * factors[kind] * shaftHz, label: h === 1 ? name : `${h}×${name}` });
      }
    }
  }
  return out.filter((m) => m.hz <= maxHz).sort((a, b) => a.hz - b.hz);
}

export interface PeakMatch {
  /** The marker nearest the peak among the fundamentals of the defect frequencies and 1×..n× shaft. */
  marker: Marker | null;
  /** (peak − marker) / binHz. */
  offsetBins: number;
}

/**
 * Which marker a spectral line sits at: the nearest marker, preferring a defect frequency over a
 * shaft harmonic when both are within `withinBins`. Null when none is that close.
 */
export function matchPeak(peakHz: number, binHz: number, markers: readonly Marker[], withinBins = 1): PeakMatch {
  let best: Marker | null = null;
  for (const m of markers) {
    const d = Math.abs(m.hz - peakHz) / binHz;
    if (d > withinBins) continue;
    if (!best) best = m;
    else {
      const bd = Math.abs(best.hz - peakHz) / binHz;
      const better = (m.kind !== 'shaft') !== (best.kind !== 'shaft') ? m.kind !== 'shaft' : d < bd;
      if (better) best = m;
    }
  }
  return { marker: best, offsetBins: best ? (peakHz - best.hz) / binHz : NaN };
}

/** A speed written in a name, e.g. "cwru_inner_race_0hp_1797rpm_48k" → 1797; null when none. */
export function rpmInText(text: string): number | null {
  const m = /(\d+(?:\.\d+)?)\s*_?rpm/i.exec(text);
  const v = m ? Number(m[1]) : NaN;
  return v >= 6 && v <= 60000 ? v : null;
}
