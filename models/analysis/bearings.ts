/**
 * Rolling-bearing defect frequencies, as multiples of the shaft speed (inner ring turning, outer
 * ring fixed). From the geometry — z rolling elements of diameter d on a pitch diameter D, contact
 * angle φ — with r = (d / D) cos φ (Randall and Antoni, "Rolling element bearing diagnostics — A
 * tutorial", MSSP 25 (2011), eqs. 1–4):
 *   FTF  = (1 − r) / 2           cage (fundamental train)
 *   BPFO = z (1 − r) / 2         ball pass, outer race
 *   BPFI = z (1 + r) / 2         ball pass, inner race
 *   BSF  = D / (2 d) (1 − r²)    ball spin (once per ball turn; a ball defect strikes twice: 2 × BSF)
 */
import { inEnglish, msg, numOf, type Msg } from '../i18n/msg';

export interface BearingGeometry {
  /** Number of rolling elements. */
  balls: number;
  /** Rolling-element diameter and pitch diameter, the same unit (mm or in). */
  ballDiameter: number;
  pitchDiameter: number;
  /** Contact angle, degrees (0 for a deep-groove ball bearing under radial load). */
  contactAngleDeg: number;
}

/** Defect frequencies per 1 Hz of shaft speed (orders). */
export interface DefectFactors {
  bpfo: number;
  bpfi: number;
  bsf: number;
  ftf: number;
}

export interface BearingEntry {
  id: string;
  /** The name in English (the CLI, files); `words` is the same as a catalogue key, for the app. */
  name: string;
  words: Msg;
  factors: DefectFactors;
  geometry: BearingGeometry | null;
  /** Where the factors or the geometry come from, in words a reader can check. */
  source: string;
}

/** A bearing geometry that cannot be; `msg` says why in the app's language (`problems.bearing.*`). */
export class BearingGeometryError extends RangeError {
  override name = 'BearingGeometryError';
  constructor(readonly msg: Msg) {
    super(inEnglish(msg));
  }
}

export function defectFactors(g: BearingGeometry): DefectFactors {
  const { balls, ballDiameter: d, pitchDiameter: D, contactAngleDeg } = g;
  const bad = (key: string, params?: Record<string, ReturnType<typeof numOf>>) => new BearingGeometryError(msg(`problems.bearing.${key}`, params));
  if (!Number.isInteger(balls) || balls < 3 || balls > 200) throw bad('count', { balls: numOf(balls) });
  if (!(d > 0) || !(D > 0) || !Number.isFinite(d) || !Number.isFinite(D)) throw bad('diameters');
  if (!(d < D)) throw bad('ballSize', { ball: numOf(d), pitch: numOf(D) });
  if (!(contactAngleDeg >= 0 && contactAngleDeg < 90)) throw bad('angle', { angle: numOf(contactAngleDeg) });
  const r = (d / D) * Math.cos((contactAngleDeg * Math.PI) / 180);
  return {
    ftf: (1 - r) / 2,
    bpfo: (balls * (1 - r)) / 2,
    bpfi: (balls * (1 + r)) / 2,
    bsf: (D / (2 * d)) * (1 - r * r),
  };
}

const CWRU = 'Case Western Reserve University Bearing Data Center, "Bearing information" (bearing geometry and defect frequencies, multiples of running speed)';

function fromGeometry(id: string, words: Msg, geometry: BearingGeometry, source: string): BearingEntry {
  return { id, name: inEnglish(words), words, factors: defectFactors(geometry), geometry, source };
}

/** "SKF 6205-2RS (deep groove ball, 9 balls)": the model number stays, the words are translated. */
const deepGroove = (model: string, balls: number, sizeMm?: number): Msg =>
  sizeMm === undefined ? msg('problems.bearing.balls', { model, balls: numOf(balls) }) : msg('problems.bearing.ballsSized', { model, balls: numOf(balls), size: numOf(sizeMm) });

/** A small built-in table of common bearings. */
export const BEARINGS: readonly BearingEntry[] = [
  {
    id: 'skf-6205-2rs',
    name: inEnglish(deepGroove('SKF 6205-2RS', 9)),
    words: deepGroove('SKF 6205-2RS', 9),
    // The published factors (CWRU drive-end bearing); its "rolling element" 4.7135 is 2 × BSF.
    factors: { bpfi: 5.4152, bpfo: 3.5848, bsf: 2.3568, ftf: 0.39828 },
    geometry: { balls: 9, ballDiameter: 0.3126, pitchDiameter: 1.537, contactAngleDeg: 0 },
    source: `${CWRU}: drive-end bearing, inches`,
  },
  {
    id: 'skf-6203-2rs',
    name: inEnglish(deepGroove('SKF 6203-2RS', 8)),
    words: deepGroove('SKF 6203-2RS', 8),
    // CWRU's fan-end bearing: inner 4.9469, outer 3.0530, cage 0.3817, rolling element 3.9874 (= 2 × BSF).
    factors: { bpfi: 4.9469, bpfo: 3.053, bsf: 1.9937, ftf: 0.3817 },
    geometry: { balls: 8, ballDiameter: 0.2656, pitchDiameter: 1.122, contactAngleDeg: 0 },
    source: `${CWRU}: fan-end bearing, inches`,
  },
  fromGeometry(
    'rexnord-za-2115',
    msg('problems.bearing.doubleRow', { model: 'Rexnord ZA-2115', rollers: numOf(16) }),
    { balls: 16, ballDiameter: 0.331, pitchDiameter: 2.815, contactAngleDeg: 15.17 },
    'Geometry of the NASA IMS run-to-failure rig (H. Qiu, J. Lee, J. Lin, G. Yu, "Wavelet filter-based weak signature detection method and its application on rolling element bearing prognostics", J. Sound and Vibration 289 (2006) 1066–1090), inches',
  ),
  fromGeometry(
    '6204',
    deepGroove('6204', 8, 7.938),
    { balls: 8, ballDiameter: 7.938, pitchDiameter: 33.5, contactAngleDeg: 0 },
    'Computed from typical geometry: 8 balls of 5/16 in, pitch diameter the mean of bore 20 mm and outside diameter 47 mm. Check against the maker\'s figures for a given brand.',
  ),
  fromGeometry(
    '6206',
    deepGroove('6206', 9, 9.525),
    { balls: 9, ballDiameter: 9.525, pitchDiameter: 46, contactAngleDeg: 0 },
    'Computed from typical geometry: 9 balls of 3/8 in, pitch diameter the mean of bore 30 mm and outside diameter 62 mm. Check against the maker\'s figures for a given brand.',
  ),
];

export function findBearing(id: string): BearingEntry | undefined {
  return BEARINGS.find((b) => b.id === id);
}
