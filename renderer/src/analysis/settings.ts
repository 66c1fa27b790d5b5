/**
 * The analyst's choices for a snapshot view, and what they give: the bearing's defect factors, the
 * shaft speed, the envelope settings. Pure, so it is tested without a page.
 */
import { BEARINGS, defectFactors, findBearing, type BearingGeometry, type DefectFactors } from '../../../models/analysis/bearings';
import { defaultEnvelopeOptions, type EnvelopeMethod, type EnvelopeOptions } from '../../../models/analysis/envelope';
import { formatNumber } from '../format';
import { t } from '../i18n';
import { say, sayError } from '../msg';

export interface ViewSettings {
  axis: number;
  /** As typed: revolutions per minute. */
  rpm: string;
  /** A BEARINGS id, 'custom' (geometry below) or 'none'. */
  bearing: string;
  geometry: { balls: string; ballDiameter: string; pitchDiameter: string; contactAngleDeg: string };
  /** The band-pass chosen from the snapshot (models/analysis/bandSelect.ts) rather than typed. */
  bandAuto: boolean;
  bandLo: string;
  bandHi: string;
  lowPass: string;
  method: EnvelopeMethod;
  /** Cepstrum pre-whitening before the band-pass (models/analysis/envelope.ts cepstrumPrewhiten); off by default. */
  whiten: boolean;
  harmonics: string;
}

export function defaultSettings(sampleRateHz: number, rpm: number | null, bearing: string): ViewSettings {
  const e = defaultEnvelopeOptions(sampleRateHz);
  return {
    axis: 0,
    rpm: rpm ? String(rpm) : '',
    bearing,
    geometry: { balls: '9', ballDiameter: '7.94', pitchDiameter: '39.04', contactAngleDeg: '0' },
    bandAuto: true,
    bandLo: String(e.bandHz[0]),
    bandHi: String(e.bandHz[1]),
    lowPass: String(e.lowPassHz),
    method: e.method ?? 'hilbert',
    whiten: false,
    harmonics: '10',
  };
}

export interface Resolved {
  shaftHz: number;
  factors: DefectFactors | null;
  envelope: EnvelopeOptions;
  /** True when the band is to be chosen from the snapshot (envelope.bandHz is then only a fallback). */
  bandAuto: boolean;
  harmonics: number;
  /** Plain-words problems with what was typed (the charts still draw what they can). */
  problems: string[];
}

const num = (s: string) => (s.trim() === '' ? NaN : Number(s));

export function resolveSettings(s: ViewSettings, sampleRateHz: number): Resolved {
  const problems: string[] = [];
  const rpm = num(s.rpm);
  let shaftHz = 0;
  if (s.rpm.trim() === '') problems.push(t('analysis.problem.noSpeed'));
  else if (!(rpm > 0 && rpm <= 60000)) problems.push(t('analysis.problem.speed', { max: formatNumber(60000), value: s.rpm }));
  else shaftHz = rpm / 60;
  let factors: DefectFactors | null = null;
  if (s.bearing === 'custom') {
    const g: BearingGeometry = {
      balls: num(s.geometry.balls),
      ballDiameter: num(s.geometry.ballDiameter),
      pitchDiameter: num(s.geometry.pitchDiameter),
      contactAngleDeg: num(s.geometry.contactAngleDeg),
    };
    try {
      factors = defectFactors(g);
    } catch (e) {
      problems.push(t('analysis.problem.geometry', { error: sayError(e) }));
    }
  } else if (s.bearing !== 'none') {
    factors = findBearing(s.bearing)?.factors ?? null;
  }
  const fallback = defaultEnvelopeOptions(sampleRateHz);
  let envelope: EnvelopeOptions = { ...fallback, method: s.method, ...(s.whiten ? { whiten: true } : {}) };
  const lo = num(s.bandLo);
  const hi = num(s.bandHi);
  const lp = num(s.lowPass);
  const nyq = sampleRateHz / 2;
  if (s.bandAuto) {
    // The band is chosen from the snapshot; what is typed is not read.
  } else if (!(lo >= 0 && hi > lo && hi <= nyq)) problems.push(t('analysis.problem.band', { nyquist: formatNumber(nyq), lo: formatNumber(fallback.bandHz[0]), hi: formatNumber(fallback.bandHz[1]) }));
  else envelope = { ...envelope, bandHz: [lo, hi] };
  if (!(lp > 0 && lp <= nyq)) problems.push(t('analysis.problem.lowPass', { nyquist: formatNumber(nyq), lowPass: formatNumber(fallback.lowPassHz) }));
  else envelope = { ...envelope, lowPassHz: lp };
  const h = num(s.harmonics);
  const harmonics = Number.isInteger(h) && h >= 1 && h <= 50 ? h : 10;
  if (harmonics !== h) problems.push(t('analysis.problem.harmonics', { min: formatNumber(1), max: formatNumber(50), fallback: formatNumber(10) }));
  return { shaftHz, factors, envelope, bandAuto: s.bandAuto, harmonics, problems };
}

/** The bearing a view starts with: the one chosen for this node before, or CWRU's drive-end bearing for a CWRU file. */
export function initialBearing(saved: string | null, isCwru: boolean): string {
  if (saved && (saved === 'none' || saved === 'custom' || BEARINGS.some((b) => b.id === saved))) return saved;
  return isCwru ? 'skf-6205-2rs' : 'none';
}

/** A built-in bearing's name in the page's language ("SKF 6205-2RS (rígido de bolas, 9 bolas)"), or null. */
export function bearingWords(id: string): string | null {
  const b = findBearing(id);
  return b ? say(b.words) : null;
}
