// What the speed section's step costs a node per window (models/size/speedCost.ts) and the rule
// `vigil train --speeds` enforces with it: the figures held to the firmware bench's JSON, the fit
// through them, and which speed-aware models fit a node's instructions left after its features.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { insnBudgetFor } from '../../../models/size/nodeBudget';
import { NODE_BUDGET } from '../../../models/size/search';
import { fitSpeedStepInsn, SPEED_STEP_INSN_FIT, SPEED_STEP_INSN_MEASURED, speedStepBudget, speedStepInsnOf } from '../../../models/size/speedCost';
import { ROOT } from '../../helpers/firmware';

const bench = JSON.parse(readFileSync(`${ROOT}/test/fixtures/size/bench-firmware-speed-m4-2026-12-06.json`, 'utf8')) as { figures: Record<string, number> };

describe('the speed section step\'s cost per window', () => {
  it('stands on the firmware bench\'s measured figures (int8 W, two speeds)', () => {
    for (const p of SPEED_STEP_INSN_MEASURED) expect(p.insn).toBe(bench.figures[p.field]);
    expect(SPEED_STEP_INSN_MEASURED.map((p) => p.dim)).toEqual([64, 96]);
  });

  it('the fit reproduces both measured points, with the kernel\'s 20 instructions per 16 products', () => {
    for (const p of SPEED_STEP_INSN_MEASURED) expect(speedStepInsnOf(p.dim)).toBe(p.insn);
    expect(SPEED_STEP_INSN_FIT.cProd).toBe(20 / 16);
    expect(SPEED_STEP_INSN_FIT.c0).toBeCloseTo(168, 6);
    expect(SPEED_STEP_INSN_FIT.cD).toBeCloseTo(29.25, 6);
    // another pair of points gives another fit: the fit is not a constant
    const other = fitSpeedStepInsn([{ dim: 64, insn: 11_000, field: '' }, { dim: 96, insn: 14_496, field: '' }]);
    expect(Math.round(other.c0 + other.cD * 64 + other.cProd * 64 * 64)).toBe(11_000);
    // one axis, not measured: between nothing and the two-axis step
    expect(speedStepInsnOf(32)).toBeGreaterThan(0);
    expect(speedStepInsnOf(32)).toBeLessThan(speedStepInsnOf(64));
  });

  it('a 3-axis STM32F405 node runs a speed-aware model over all 3 axes; a wider one is refused', () => {
    expect(insnBudgetFor(3)).toBe(NODE_BUDGET.insn);
    expect(speedStepBudget(96, 3)).toEqual({ dim: 96, nodeAxes: 3, insn: 14_496, left: 19_191, fits: true });
    expect(speedStepBudget(64, 3)).toEqual({ dim: 64, nodeAxes: 3, insn: 7_160, left: 19_191, fits: true });
    expect(speedStepBudget(32, 3).fits).toBe(true);
    // 128 features (a fourth axis, more than a node has) would not fit: the rule still refuses
    expect(speedStepBudget(128, 3)).toMatchObject({ insn: 24_392, left: 19_191, fits: false });
    // a 2-axis node computes features for one axis fewer: more left
    expect(speedStepBudget(64, 2).left).toBe(19_191 + bench.figures.insn_features_axis);
    // the bench's own computed totals say the same
    expect(bench.figures.insn_window_total_speed_node_i8_96).toBeLessThanOrEqual(150_000);
    expect(bench.figures.insn_window_total_speed_node_i8_64).toBeLessThanOrEqual(150_000);
  });
});
