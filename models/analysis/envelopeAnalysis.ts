/**
 * The analyst's envelope of one snapshot channel, as one call: what the app's envelope view shows
 * and what the maintenance report prints, so the two cannot differ (docs/analysis.md, "Envelope
 * spectrum"). It only puts together the pieces of ./bandSelect.ts and ./markers.ts:
 *
 *  1. the band: chosen from the signal (selectEnvelopeBand) unless one is given (both it and the
 *     spectrum cepstrum pre-whitened with `whiten`, the view's checkbox; off by default);
 *  2. the envelope spectrum averaged over segments of about a second (averagedEnvelopeSpectrum);
 *  3. "the envelope peak": the highest line from max(2 Hz, 2 bins) to the low-pass, away from the
 *     shaft harmonics (envelopePeak), and the marker it sits at within one bin (matchPeak, among
 *     the defect frequencies' fundamentals and the shaft harmonics);
 *  4. how far each defect frequency's line stands above the envelope spectrum's median
 *     (lineAboveFloorDb; "stands out" at STANDS_OUT_DB or more).
 */
import { averagedEnvelopeSpectrum, envelopePeak, lineAboveFloorDb, selectEnvelopeBand, STANDS_OUT_DB, type AveragedEnvelope } from './bandSelect';
import type { DefectFactors } from './bearings';
import type { EnvelopeMethod } from './envelope';
import { markerPositions, matchPeak, type Marker, type MarkerKind } from './markers';

export interface EnvelopeAnalysisOptions {
  lowPassHz: number;
  method?: EnvelopeMethod;
  /** Cepstrum pre-whitening of each segment before the band choice and the envelope (default false; docs/analysis.md). */
  whiten?: boolean;
  /** The band-pass as entered; null (or absent): chosen from the signal. */
  bandHz?: [number, number] | null;
  /** Shaft speed, Hz; 0 when unknown (no markers, no shaft lines left out). */
  shaftHz: number;
  /** The bearing's defect factors; null: shaft markers only. */
  factors: DefectFactors | null;
  /** Shaft harmonics marked (default 10). */
  shaftHarmonics?: number;
}

export interface EnvelopeAnalysis {
  spectrum: AveragedEnvelope;
  /** Samples per averaged segment. */
  segmentLen: number;
  bandHz: [number, number];
  /** True when the band was chosen from the signal. */
  bandChosen: boolean;
  /** How far the chosen band's highest non-shaft line stands above its floor, dB; null when entered or when no candidate band fitted. */
  chosenSnrDb: number | null;
  /** The markers up to the low-pass (shaft harmonics, defect frequencies and their harmonics). */
  markers: Marker[];
  /** Where the peak search starts: max(2 Hz, 2 bins). */
  fromHz: number;
  peak: { hz: number; value: number; floor: number; aboveFloorDb: number; marker: { kind: MarkerKind; label: string } | null; offsetBins: number } | null;
  /** Each defect frequency's fundamental under the low-pass: its line over the floor. */
  defectLines: { kind: MarkerKind; label: string; hz: number; aboveFloorDb: number; standsOut: boolean }[];
}

export function analyseEnvelope(samples: ArrayLike<number> & { length: number }, sampleRateHz: number, o: EnvelopeAnalysisOptions): EnvelopeAnalysis {
  const lowPassHz = o.lowPassHz;
  const whiten = o.whiten === true;
  const chosen = o.bandHz ? null : selectEnvelopeBand(samples, sampleRateHz, { lowPassHz, shaftHz: o.shaftHz, whiten });
  const bandHz: [number, number] = chosen ? chosen.bandHz : o.bandHz!;
  const spectrum = averagedEnvelopeSpectrum(samples, sampleRateHz, { bandHz, lowPassHz, method: o.method, whiten });
  const markers = markerPositions(o.shaftHz, o.factors, { shaftHarmonics: o.shaftHarmonics, maxHz: Math.min(sampleRateHz / 2, lowPassHz) });
  const binHz = spectrum.binHz;
  const y = spectrum.amplitude;
  // Above the first bins: what is left of the envelope's mean lives there.
  const fromHz = Math.max(2 * binHz, 2);
  const p = envelopePeak(y, binHz, { fromHz, toHz: lowPassHz, shaftHz: o.shaftHz });
  let peak: EnvelopeAnalysis['peak'] = null;
  if (p) {
    const m = matchPeak(p.hz, binHz, markers.filter((x) => x.harmonic === 1 || x.kind === 'shaft'));
    peak = { hz: p.hz, value: p.value, floor: p.floor, aboveFloorDb: p.aboveFloorDb, marker: m.marker ? { kind: m.marker.kind, label: m.marker.label } : null, offsetBins: m.offsetBins };
  }
  const defectLines = markers
    .filter((m) => m.kind !== 'shaft' && m.harmonic === 1)
    .map((m) => {
      const db = lineAboveFloorDb(y, binHz, m.hz, fromHz, lowPassHz);
      return { kind: m.kind, label: m.label, hz: m.hz, aboveFloorDb: db, standsOut: db >= STANDS_OUT_DB };
    });
  return {
    spectrum,
    segmentLen: Math.round(sampleRateHz / binHz),
    bandHz,
    bandChosen: chosen !== null,
    chosenSnrDb: chosen && Number.isFinite(chosen.snrDb) ? chosen.snrDb : null,
    markers,
    fromHz,
    peak,
    defectLines,
  };
}
