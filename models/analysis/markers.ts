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
