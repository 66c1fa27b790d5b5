// A node's own budget for the size search (models/size/nodeBudget.ts, docs/size.md): derived from
// what its HELLO says (board, axes), the rest from the firmware's documented figures, every figure
// with the sentence that says where it comes from; the data checked against the node.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { makeI18n } from '../../../models/i18n';
import { inEnglish, type Msg } from '../../../models/i18n/msg';
import { MEASURED } from '../../../models/power/figures';
import { BOARD_MODEL_SLOT, budgetForNode, dataMismatch, defaultNodeBudget, insnBudgetFor, STORE_TRAILER_BYTES, type NodeFacts } from '../../../models/size/nodeBudget';
import { NODE_BUDGET, SizeBudgetError } from '../../../models/size/search';
import { ROOT } from '../../helpers/firmware';

const node = (o: Partial<NodeFacts> = {}): NodeFacts => ({ name: 'pump-3', board: 'stm32f405', axisCount: 3, sampleRateHz: 26667, windowLen: 1024, hop: 512, ...o });
const define = (file: string, name: string) => {
  const m = new RegExp(`#define\\s+${name}\\s+(\\d+)u?`).exec(readFileSync(`${ROOT}/firmware/${file}`, 'utf8'));
  if (!m) throw new Error(`${name} not found in ${file}`);
  return Number(m[1]);
};
const keys = (lines: Msg[]) => lines.map((l) => l.key);

describe('the budget of a node from its HELLO', () => {
  it('each board slot and the trailer are the firmware sources\' own figures', () => {
    expect(BOARD_MODEL_SLOT.stm32f405.bytes).toBe(define('chip/stm32f4/flash_stm32f4.h', 'FLASH_STM32F4_SLOT_SIZE'));
    expect(BOARD_MODEL_SLOT.qemu.bytes).toBe(define('boards/qemu/main.c', 'QEMU_STORE_SLOT_SIZE'));
    expect(BOARD_MODEL_SLOT.host.bytes).toBe(define('boards/host/flash_file.h', 'FLASH_FILE_SLOT_SIZE'));
    expect(STORE_TRAILER_BYTES).toBe(define('src/store/store.h', 'STORE_TRAILER_LEN'));
  });

  it('a three-axis STM32F405 gets exactly the default node budget', () => {
    const d = budgetForNode(node());
    expect([d.budget.flashBytes, d.budget.ramBytes, d.budget.insn, d.budget.channelsMax]).toEqual([NODE_BUDGET.flashBytes, NODE_BUDGET.ramBytes, NODE_BUDGET.insn, NODE_BUDGET.channelsMax]);
    expect(d.node?.name).toBe('pump-3');
    expect(keys(d.lines)).toEqual(['size.budget.flash.stm32f405', 'size.budget.ram', 'size.budget.insnNode', 'size.budget.notInInfo']);
  });

  it('the QEMU board has a smaller slot; the host board says it stands in for a real node', () => {
    const q = budgetForNode(node({ board: 'qemu' }));
    expect(q.budget.flashBytes).toBe(10_240 - 32);
    expect(inEnglish(q.lines[0])).toMatch(/^Model slot: 10208 bytes \(the node says it is the QEMU board; its firmware gives it a 10240-byte slot/);
    const h = budgetForNode(node({ board: 'host' }));
    expect(h.budget.flashBytes).toBe(16_352);
    expect(keys(h.lines)).toContain('size.budget.hostBoard');
  });

  it('an unknown board is read as the STM32F405, and the sentence says so', () => {
    const u = budgetForNode(node({ board: 'unknown' }));
    expect(u.budget.flashBytes).toBe(16_352);
    expect(inEnglish(u.lines[0])).toMatch(/does not say which board it is, so this is the STM32F405's 16384-byte slot/);
  });

  it('fewer axes leave the features of the others to the model: 40,709 instructions each, measured', () => {
    expect(insnBudgetFor(3)).toBe(NODE_BUDGET.insn);
    expect(insnBudgetFor(2)).toBe(NODE_BUDGET.insn + MEASURED.insnFeaturesAxis);
    expect(budgetForNode(node({ axisCount: 1 })).budget.insn).toBe(NODE_BUDGET.insn + 2 * MEASURED.insnFeaturesAxis);
    expect(inEnglish(budgetForNode(node({ axisCount: 1 })).lines[2])).toMatch(/^Time: 100609 instructions per window for the model: the firmware's budget of 150000 per window less the 49391 .* with the 1 axes this node reports \(features cost 40709/);
  });

  it('refuses an axis count no node has, in words', () => {
    expect(() => budgetForNode(node({ axisCount: 0 }))).toThrow(SizeBudgetError);
    expect(() => budgetForNode(node({ axisCount: 4 }))).toThrow(/pump-3 reports 4 axes; a node computes features for 1 to 3/);
  });

  it('the default budget says what it is made of', () => {
    const d = defaultNodeBudget();
    expect(d.budget).toBe(NODE_BUDGET);
    expect(d.node).toBeNull();
    expect(d.lines.map(inEnglish).join(' ')).toMatch(/16352 bytes .* 5620 bytes and at most 176 output channels .* 19191 instructions per window .* less the 130809 .* with 3 axes/);
  });

  it('checks the data against the node: no more channels than its axes, its sample rate', () => {
    expect(dataMismatch(null, 3, 48000)).toBeNull();
    expect(dataMismatch(node(), 2, 26667)).toBeNull();
    expect(dataMismatch(node({ axisCount: 1 }), 2, 26667)?.key).toBe('size.budget.tooManyAxes');
    expect(inEnglish(dataMismatch(node(), 2, 48000)!)).toBe(
      "pump-3 samples at 26667 Hz and the data at 48000 Hz: a model trained on it would not match that node's features. Use data recorded at the node's rate, or the default node budget.",
    );
  });

  it('every sentence exists in English and Spanish', () => {
    const es = makeI18n('es');
    const all = [...defaultNodeBudget().lines, ...(['stm32f405', 'qemu', 'host', 'unknown'] as const).flatMap((board) => budgetForNode(node({ board })).lines), dataMismatch(node({ axisCount: 1 }), 2, 1)!, dataMismatch(node(), 1, 1)!];
    for (const m of all) {
      expect(es.t(m.key, { node: 'x' }), m.key).not.toBe(m.key);
      expect(inEnglish(m)).not.toContain(m.key);
    }
  });
});
