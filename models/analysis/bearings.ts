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
  name: string;
  factors: DefectFactors;
  geometry: BearingGeometry | null;
  /** Where the factors or the geometry come from, in words a reader can check. */
  source: string;
}

export function defectFactors(g: BearingGeometry): DefectFactors {
  const { balls, ballDiameter: d, pitchDiameter: D, contactAngleDeg } = g;
  if (!Number.isInteger(balls) || balls < 3 || balls > 200) throw new RangeError(`a bearing has a whole number of rolling elements from 3 to 200 (got ${balls})`);
  if (!(d > 0) || !(D > 0) || !Number.isFinite(d) || !Number.isFinite(D)) throw new RangeError('the ball and pitch diameters must be positive numbers');
  if (!(d < D)) throw new RangeError(`the ball diameter (${d}) must be smaller than the pitch diameter (${D})`);
  if (!(contactAngleDeg >= 0 && contactAngleDeg < 90)) throw new RangeError(`the contact angle must be from 0 to under 90 degrees (got ${contactAngleDeg})`);
  const r = (d / D) * Math.cos((contactAngleDeg * Math.PI) / 180);
  return {
    ftf: (1 - r) / 2,
    bpfo: (balls * (1 - r)) / 2,
    bpfi: (balls * (1 + r)) / 2,
    bsf: (D / (2 * d)) * (1 - r * r),
  };
}

const CWRU = 'Case Western Reserve University Bearing Data Center, "Bearing information" (bearing geometry and defect frequencies, multiples of running speed)';

function fromGeometry(id: string, name: string, geometry: BearingGeometry, source: string): BearingEntry {
  return { id, name, factors: defectFactors(geometry), geometry, source };
}

/** A small built-in table of common bearings. */
export const BEARINGS: readonly BearingEntry[] = [
  {
    id: 'skf-6205-2rs',
    name: 'SKF 6205-2RS (deep groove ball, 9 balls)',
    // The published factors (CWRU drive-end bearing); its "rolling element" 4.7135 is 2 × BSF.
    factors: { bpfi: 5.4152, bpfo: 3.5848, bsf: 2.3568, ftf: 0.39828 },
    geometry: { balls: 9, ballDiameter: 0.3126, pitchDiameter: 1.537, contactAngleDeg: 0 },
    source: `${CWRU}: drive-end bearing, inches`,
  },
  {
    id: 'skf-6203-2rs',
    name: 'SKF 6203-2RS (deep groove ball, 8 balls)',
    // CWRU's fan-end bearing: inner 4.9469, outer 3.0530, cage 0.3817, rolling element 3.9874 (= 2 × BSF).
    factors: { bpfi: 4.9469, bpfo: 3.053, bsf: 1.9937, ftf: 0.3817 },
    geometry: { balls: 8, ballDiameter: 0.2656, pitchDiameter: 1.122, contactAngleDeg: 0 },
    source: `${CWRU}: fan-end bearing, inches`,
  },
  fromGeometry(
    'rexnord-za-2115',
    'Rexnord ZA-2115 (double row, 16 rollers per row)',
    { balls: 16, ballDiameter: 0.331, pitchDiameter: 2.815, contactAngleDeg: 15.17 },
    'Geometry of the NASA IMS run-to-failure rig (H. Qiu, J. Lee, J. Lin, G. Yu, "Wavelet filter-based weak signature detection method and its application on rolling element bearing prognostics", J. Sound and Vibration 289 (2006) 1066–1090), inches',
  ),
  fromGeometry(
    '6204',
    '6204 (deep groove ball, 8 × 7.938 mm balls)',
    { balls: 8, ballDiameter: 7.938, pitchDiameter: 33.5, contactAngleDeg: 0 },
    'Computed from typical geometry: 8 balls of 5/16 in, pitch diameter the mean of bore 20 mm and outside diameter 47 mm. Check against the maker\'s figures for a given brand.',
  ),
  fromGeometry(
    '6206',
    '6206 (deep groove ball, 9 × 9.525 mm balls)',
    { balls: 9, ballDiameter: 9.525, pitchDiameter: 46, contactAngleDeg: 0 },
    'Computed from typical geometry: 9 balls of 3/8 in, pitch diameter the mean of bore 30 mm and outside diameter 62 mm. Check against the maker\'s figures for a given brand.',
  ),
];

export function findBearing(id: string): BearingEntry | undefined {
  return BEARINGS.find((b) => b.id === id);
}
