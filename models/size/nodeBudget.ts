/**
 * A node's budget for its model, derived from what the node says about itself in its HELLO (and
 * INFO block), for the size search on the Training page (docs/size.md, "A node's own budget").
 *
 * HELLO/INFO (docs/protocol.md §3.1) tells the board, the axes the node computes features for, its
 * sample rate, window and hop; it carries no memory or time limit. So:
 *  - flash: the model slot of the board the node names (each board's store, in its firmware source),
 *    less the store's 32-byte trailer;
 *  - RAM: not in INFO, and the same firmware on every board: the node's reserved channel and
 *    scratch RAM (NODE_BUDGET, models/size/search.ts);
 *  - instructions: not in INFO; the firmware's window budget of 150,000 less what the rest of the
 *    window costs, with the features counted for the axes the node reports (40,709 per axis,
 *    measured) instead of the bench's three.
 * Every figure comes with a sentence (a Msg, `size.budget.*`) that says where it comes from.
 */
import { msg, numOf, type Msg } from '../i18n/msg';
import { MEASURED } from '../power/figures';
import { NODE_BUDGET, NODE_INSN_INFERENCE_MEASURED, NODE_INSN_WINDOW_TARGET, SizeBudgetError, type SizeBudget } from './search';

export type Board = 'host' | 'qemu' | 'stm32f405' | 'unknown';

/** What the budget is derived from: the node's HELLO (models/api/contract.ts NodeInfo.hello). */
export interface NodeFacts {
  name: string;
  board: Board;
  axisCount: number;
  sampleRateHz: number;
  windowLen: number;
  hop: number;
}

/** The store's trailer after a blob in a slot (firmware/src/store/store.h STORE_TRAILER_LEN). */
export const STORE_TRAILER_BYTES = 32;

/** Each board's model slot, as its firmware defines it. */
export const BOARD_MODEL_SLOT: Record<Exclude<Board, 'unknown'>, { bytes: number; source: string }> = {
  stm32f405: { bytes: 16_384, source: 'firmware/chip/stm32f4/flash_stm32f4.h FLASH_STM32F4_SLOT_SIZE' },
  qemu: { bytes: 10_240, source: 'firmware/boards/qemu/main.c QEMU_STORE_SLOT_SIZE' },
  host: { bytes: 16_384, source: 'firmware/boards/host/flash_file.h FLASH_FILE_SLOT_SIZE' },
};

/** The axes the firmware bench computes features for (MEASURED.insnWindowTotal is for 3). */
export const BENCH_AXES = 3;

export interface DerivedBudget {
  budget: SizeBudget;
  /** One sentence per figure: its value and where it comes from. */
  lines: Msg[];
  /** The node's axes and features, for checking the data against them (null for the default budget). */
  node: NodeFacts | null;
}

/** Instructions left for the model per window on a node computing features for `axes` axes. */
export function insnBudgetFor(axes: number): number {
  const restAtBench = MEASURED.insnWindowTotal - NODE_INSN_INFERENCE_MEASURED;
  return NODE_INSN_WINDOW_TARGET - (restAtBench - (BENCH_AXES - axes) * MEASURED.insnFeaturesAxis);
}

const ramLine = (): Msg => msg('size.budget.ram', { bytes: numOf(NODE_BUDGET.ramBytes), channels: numOf(NODE_BUDGET.channelsMax!) });

/** The STM32F405 node's budget as the firmware documents it (the default, and the CLI's). */
export function defaultNodeBudget(): DerivedBudget {
  return {
    budget: NODE_BUDGET,
    node: null,
    lines: [
      msg('size.budget.flashDefault', { bytes: numOf(NODE_BUDGET.flashBytes), slot: numOf(BOARD_MODEL_SLOT.stm32f405.bytes) }),
      ramLine(),
      msg('size.budget.insnDefault', { insn: numOf(NODE_BUDGET.insn), target: numOf(NODE_INSN_WINDOW_TARGET), rest: numOf(NODE_INSN_WINDOW_TARGET - NODE_BUDGET.insn), axes: numOf(BENCH_AXES) }),
    ],
  };
}

/** The budget of the node that sent this HELLO. Throws SizeBudgetError when its axis count is not 1 to 3. */
export function budgetForNode(f: NodeFacts): DerivedBudget {
  if (!Number.isInteger(f.axisCount) || f.axisCount < 1 || f.axisCount > BENCH_AXES) {
    throw new SizeBudgetError(`${f.name} reports ${f.axisCount} axes; a node computes features for 1 to ${BENCH_AXES}`);
  }
  const lines: Msg[] = [];
  let slot: number;
  if (f.board === 'unknown') {
    slot = BOARD_MODEL_SLOT.stm32f405.bytes;
    lines.push(msg('size.budget.flashUnknownBoard', { bytes: numOf(slot - STORE_TRAILER_BYTES), slot: numOf(slot) }));
  } else {
    slot = BOARD_MODEL_SLOT[f.board].bytes;
    lines.push(msg(`size.budget.flash.${f.board}`, { bytes: numOf(slot - STORE_TRAILER_BYTES), slot: numOf(slot) }));
  }
  lines.push(ramLine());
  const insn = insnBudgetFor(f.axisCount);
  lines.push(
    msg('size.budget.insnNode', {
      insn: numOf(insn),
      target: numOf(NODE_INSN_WINDOW_TARGET),
      rest: numOf(NODE_INSN_WINDOW_TARGET - insn),
      axes: numOf(f.axisCount),
      perAxis: numOf(MEASURED.insnFeaturesAxis),
    }),
  );
  lines.push(msg('size.budget.notInInfo'));
  if (f.board === 'host') lines.push(msg('size.budget.hostBoard'));
  return {
    budget: {
      flashBytes: slot - STORE_TRAILER_BYTES,
      ramBytes: NODE_BUDGET.ramBytes,
      insn,
      channelsMax: NODE_BUDGET.channelsMax,
      source: `${f.name} (${f.board}, ${f.axisCount} axes): model slot from ${f.board === 'unknown' ? 'the STM32F405 (board unknown)' : BOARD_MODEL_SLOT[f.board].source}; RAM from the firmware; ${NODE_INSN_WINDOW_TARGET} insn per window less the rest of the window for ${f.axisCount} axes`,
    },
    lines,
    node: f,
  };
}

/**
 * Whether a model trained on this data can run on the node: the data's channels must be at most
 * the node's axes and its sample rate the node's. Returns the reason it cannot (a Msg), else null.
 */
export function dataMismatch(node: NodeFacts | null, dataAxes: number, dataRateHz: number): Msg | null {
  if (!node) return null;
  if (dataAxes > node.axisCount) return msg('size.budget.tooManyAxes', { node: node.name, axes: numOf(node.axisCount), data: numOf(dataAxes) });
  if (Math.abs(dataRateHz - node.sampleRateHz) > 1e-6 * node.sampleRateHz) return msg('size.budget.otherRate', { node: node.name, rate: numOf(node.sampleRateHz), data: numOf(dataRateHz) });
  return null;
}
