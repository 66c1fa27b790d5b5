/**
 * Golden vectors for the speed-aware detector in node form (docs/model-format.md §2.9): the
 * TypeScript twin (models/detect/speedNode.ts) run on windows at known speeds, written as C data
 * for firmware/test/test_speed.c, which runs firmware/src/nn/speed.c on the same windows and must
 * give the same state at every window and the same score within 1e-5 relative (they come out
 * bit-equal: both sides compute the same binary32 operations in the same order).
 * test/unit/models/speed-node.test.ts replays them in TypeScript and fails when the committed
 * header differs from what this prints. Run: npx tsx scripts/gen-speed-vectors.ts
 *
 * Four cases, two per weight format (section byte +7):
 *  - `blob`: the nn vectors' 64-32-8-32-64 model (scripts/gen-nn-vectors.ts) with a speed section
 *    (header flag bit 8) for two trained speeds, 800 and 1400 rpm, written as a whole signed blob
 *    so the C reader's checks run on it; the windows are the demo recording's, their spectrum
 *    moved with log rpm as a machine's would. int16 W (format 0, the first form: still read).
 *  - `small`: a 6-feature section alone, three trained speeds (800, 1000, 1400 rpm: the interval
 *    search and the leave-one-knot-out scale), synthetic windows. int16 W.
 *  - `blob8`, `small8`: the same stories with int8 W (format 1, what vigil train --speeds writes):
 *    64 features (a multiple of 4: the M4's SXTB16 order of the residual) and 6 (not one: the
 *    plain order), on their own windows.
 * Each story: windows at trained speeds, between them, a fault (extra energy in one band), a speed
 * outside the span, an unknown speed (0), a change of speed (the EMA restarts). No window's score
 * may lie within 1e-4 relative of the threshold (the generator refuses), so float rounding on
 * either side cannot flip a decision.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatorStamp, OUT_ROOT } from './generated';
import { vectorModel, TEST_KEY } from './gen-nn-vectors';
import { gaussianNoise } from './gen-baseline-vectors';
import { fitNodeSpeedDetector, NodeSpeedScorer, type NodeSpeedDetector, type SpeedWeightFormat } from '../models/detect/speedNode';
import { writeModelBlob } from '../models/nn/modelFile';
import { writeSpeedSection } from '../models/nn/speedSection';
import { speedSectionSize } from '../models/detect/speedNode';

export const GENERATOR = generatorStamp(import.meta.url);
export const HEADER_PATH = join(OUT_ROOT, 'test', 'vectors', 'speed_vectors.h');
const STATES = { healthy: 0, over: 1, 'unseen-condition': 2 } as const;

export interface SpeedStep {
  restart: boolean;
  rpm: number;
  x: Float32Array;
  state: number;
  score: number;
}

export interface SpeedCase {
  name: string;
  model: NodeSpeedDetector;
  /** The whole signed blob (blob case) or the section alone (small case). */
  bytes: Uint8Array;
  steps: SpeedStep[];
}

/** A window of a machine at `rpm`: the base spectrum moved by slope_b ln(rpm / 1000) plus a bend, noise, a fault. */
function machine(base: (k: number) => ArrayLike<number>, dim: number, seed: number) {
  const gauss = gaussianNoise(seed);
  const slope = Float64Array.from({ length: dim }, (_, b) => 0.3 + 0.6 * Math.sin(1.7 * b));
  const bend = Float64Array.from({ length: dim }, (_, b) => 0.4 * Math.cos(0.9 * b));
  let k = 0;
  return (rpm: number, extra = 0, faultBand = 3) => {
    const l = Math.log(rpm / 1000);
    const x0 = base(k++);
    return Float32Array.from({ length: dim }, (_, b) => x0[b] + slope[b] * l + bend[b] * l * l + 0.05 * gauss() + (b === faultBand ? extra : 0));
  };
}

type Plan = [rpm: number, windows: number, extra: number, restart: boolean][];

function story(model: NodeSpeedDetector, gen: (rpm: number, extra?: number) => Float32Array, plan: Plan): SpeedStep[] {
  const sc = new NodeSpeedScorer(model);
  const out: SpeedStep[] = [];
  for (const [rpm, n, extra, restart] of plan)
    for (let w = 0; w < n; w++) {
      const r = w === 0 && restart;
      if (r) sc.restart();
      const x = gen(rpm || 1000, extra);
      const s = sc.step(x, rpm);
      if (Number.isFinite(s.score) && Math.abs(s.score - model.threshold) < 1e-4 * model.threshold) throw new Error(`window ${out.length}: score within 1e-4 of the threshold; pick another seed`);
      out.push({ restart: r, rpm, x, state: STATES[s.state], score: s.score });
    }
  return out;
}

function fit(gen: (rpm: number) => Float32Array, speeds: number[], n: number, weights: SpeedWeightFormat) {
  const train = speeds.map((rpm) => ({ rpm, rows: Array.from({ length: n }, () => gen(rpm)) }));
  const val = speeds.map((rpm) => ({ rpm, rows: Array.from({ length: n >> 1 }, () => gen(rpm)) }));
  // The vectors check the scorer, bit for bit, not the threshold policy: the threshold comes from
  // the validation stretch as when they were first generated ('separate'), so they stay unchanged.
  return fitNodeSpeedDetector(train, val, { weights, validation: 'separate' }).node;
}

const PLAN: Plan = [
  [800, 30, 0, true],
  [1400, 30, 0, false], // a change of speed: the EMA restarts by itself
  [1100, 30, 0, false],
  [1100, 30, 0.6, true],
  [1000, 20, 0, true],
  [1800, 6, 0, false],
  [0, 4, 0, false],
  [1180, 20, 2, true],
  [790, 12, 0, true],
];

function cases(weights: SpeedWeightFormat, seeds: [number, number, number], suffix: string): SpeedCase[] {
  const { q, normal } = vectorModel();
  const gBlob = machine((k) => normal[k % normal.length], 64, seeds[0]);
  const blobModel = fit(gBlob, [800, 1400], 120, weights);
  const blob = writeModelBlob({ ...q, speed: blobModel }, TEST_KEY);
  const gauss = gaussianNoise(seeds[1]);
  const gSmall = machine(() => Float64Array.from({ length: 6 }, (_, b) => -4 + 0.3 * b + 0.1 * gauss()), 6, seeds[2]);
  const smallModel = fit(gSmall, [800, 1000, 1400], 200, weights);
  const section = new Uint8Array(speedSectionSize(6, 3, weights));
  writeSpeedSection(smallModel, section, 0, (what) => {
    throw new Error(what);
  });
  return [
    // half as long for the 64-feature case: the header stays a reasonable size
    { name: `blob${suffix}`, model: blobModel, bytes: blob, steps: story(blobModel, gBlob, PLAN.map(([r, n, e, s]) => [r, Math.max(4, n >> 1), e, s])) },
    { name: `small${suffix}`, model: smallModel, bytes: section, steps: story(smallModel, gSmall, PLAN) },
  ];
}

export function speedVectors(): SpeedCase[] {
  return [...cases('i16', [777, 4242, 99], ''), ...cases('i8', [778, 4243, 98], '8')];
}

const f32 = (x: number) => (Number.isNaN(x) ? 'NAN' : `${Math.fround(x).toPrecision(9)}f`);

function bytesC(b: Uint8Array): string[] {
  const lines: string[] = [];
  for (let i = 0; i < b.length; i += 24) lines.push('    ' + Array.from(b.subarray(i, i + 24), (x) => `0x${x.toString(16).padStart(2, '0')},`).join(''));
  return lines;
}

export function renderSpeedHeader(cases: SpeedCase[]): string {
  const lines = [
    `/* Generated by ${GENERATOR} from models/detect/speedNode.ts. Do not edit: run npm run generate. */`,
    '#ifndef SPEED_VECTORS_H',
    '#define SPEED_VECTORS_H',
    '#include <math.h>',
    '#include <stdint.h>',
    'typedef struct { uint8_t restart; float rpm; const float *x; uint8_t state; float score; } sv_step_t;',
  ];
  for (const c of cases) {
    const N = c.name.toUpperCase();
    const D = c.model.dim;
    lines.push(`#define SV_${N}_DIM ${D}u`, `#define SV_${N}_LEN ${c.bytes.length}u`, `#define SV_${N}_STEPS ${c.steps.length}u`, `#define SV_${N}_THRESHOLD ${f32(c.model.threshold)}`);
    lines.push(`static const uint8_t sv_${c.name}_bytes[SV_${N}_LEN] __attribute__((aligned(4))) = {`, ...bytesC(c.bytes), '};');
    lines.push(`static const float sv_${c.name}_x[SV_${N}_STEPS][SV_${N}_DIM] = {`, ...c.steps.map((s) => `    {${Array.from(s.x, f32).join(', ')}},`), '};');
    lines.push(`static const sv_step_t sv_${c.name}_steps[SV_${N}_STEPS] = {`, ...c.steps.map((s, i) => `    {${s.restart ? 1 : 0}, ${f32(s.rpm)}, sv_${c.name}_x[${i}], ${s.state}, ${f32(s.score)}},`), '};');
  }
  lines.push('#endif /* SPEED_VECTORS_H */', '');
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(HEADER_PATH, renderSpeedHeader(speedVectors()));
  console.log(`wrote ${HEADER_PATH}`);
}
