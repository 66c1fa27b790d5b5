/**
 * What the speed section's step costs a node per window (docs/detection.md §2.1), and whether it
 * fits the instructions the node has left after its features (models/size/nodeBudget.ts
 * insnBudgetFor). The one place these figures live: `vigil train --speeds` refuses a speed-aware
 * model over budget with them, and a unit test holds them to the firmware bench's JSON.
 *
 * One nn_speed_step (firmware/src/nn/speed.c) with int8 W (weight format 1, what `vigil train
 * --speeds` writes) is modelled as
 *   insn = c0 + cD * D + cProd * D²
 * where cProd = 20/16 is the kernel's (firmware/src/nn/speed_m4.S): 16 int8 × int16 products per 19
 * instructions (two rows per pass over q: an LDM of four q words, two LDMs of weights, eight SXTB16,
 * eight SMLAD) and a loop branch and count every two such blocks; c0 and cD (the EMA, the
 * interpolated mean, the residual's rounding, the D divisions, the row loop) are solved through the
 * two measured points of SPEED_STEP_INSN_MEASURED, so the model reproduces both exactly. D is 32 ×
 * the model's axes (32, 64 or 96); D = 32 was not measured (about 2,400). Two trained speeds (one
 * interval); more speeds add only the interval search, a few instructions each.
 */
import { insnBudgetFor } from './nodeBudget';

/**
 * `npm run bench -- firmware --json`: insn_speed_node_window_i8_64 and insn_speed_node_window_i8_96
 * (QEMU icount, one nn_speed_step, two speeds, the worst of 24 windows), firmware of 2026-12-06 with
 * the step in assembly (test/fixtures/size/bench-firmware-speed-m4-2026-12-06.json).
 */
export const SPEED_STEP_INSN_MEASURED: { dim: number; insn: number; field: string }[] = [
  { dim: 64, insn: 7_160, field: 'insn_speed_node_window_i8_64' },
  { dim: 96, insn: 14_496, field: 'insn_speed_node_window_i8_96' },
];

/** Instructions per product of the int8 kernel: 20 per 16 (see above). */
export const SPEED_STEP_INSN_PER_PRODUCT = 20 / 16;

/** c0 and cD through the two measured points, with the kernel's cProd. */
export function fitSpeedStepInsn(points = SPEED_STEP_INSN_MEASURED, cProd = SPEED_STEP_INSN_PER_PRODUCT): { c0: number; cD: number; cProd: number } {
  const [a, b] = points;
  const restA = a.insn - cProd * a.dim * a.dim;
  const restB = b.insn - cProd * b.dim * b.dim;
  const cD = (restB - restA) / (b.dim - a.dim);
  return { c0: restA - cD * a.dim, cD, cProd };
}

export const SPEED_STEP_INSN_FIT = fitSpeedStepInsn();

/** Instructions of one speed-section step over `dim` features (int8 W), rounded. */
export function speedStepInsnOf(dim: number, fit = SPEED_STEP_INSN_FIT): number {
  return Math.round(fit.c0 + fit.cD * dim + fit.cProd * dim * dim);
}

export interface SpeedStepBudget {
  /** The model's features (32 per axis) and the node's axes. */
  dim: number;
  nodeAxes: number;
  /** Instructions of the step per window. */
  insn: number;
  /** Instructions the node has left per window after its features (for nodeAxes axes). */
  left: number;
  fits: boolean;
}

/**
 * Whether a speed-aware model over `dim` features fits the per-window instruction budget of a node
 * computing features for `nodeAxes` axes: the node scores with the section in place of the layers,
 * so the step must fit what the layers would have had.
 */
export function speedStepBudget(dim: number, nodeAxes: number): SpeedStepBudget {
  const insn = speedStepInsnOf(dim);
  const left = insnBudgetFor(nodeAxes);
  return { dim, nodeAxes, insn, left, fits: insn <= left };
}
