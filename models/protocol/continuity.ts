/**
 * Stream continuity: whether a numbered item of a node's stream (a FEATURES window_index, a
 * RAW_BLOCK first_frame) follows the one before, comes after some that never arrived, repeats the
 * one before, or starts the stream over (node restart, hop or decimation change). One rule for the
 * session's link counters (main/node/session.ts) and the renderer's views of the same stream.
 *
 * Indices are u32 on the wire (docs/protocol.md section 3) and wrap: after 0xFFFFFFFF comes 0.
 * An index above the expected one is a continuation with the items between missed. One below it
 * is the stream going back (restarted, or the same item again: duplicate), unless counting on from
 * the expected index across the wraparound reaches it within WRAP_SLACK: then it is a continuation
 * too. The slack is small so that a node that ran long and restarted is not read as a huge gap.
 */

export type ContinuityStep =
  | { readonly kind: 'first' }
  | { readonly kind: 'next' }
  | { readonly kind: 'missed'; readonly missed: number }
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'restarted' };

const FIRST: ContinuityStep = { kind: 'first' };
const NEXT: ContinuityStep = { kind: 'next' };
const DUPLICATE: ContinuityStep = { kind: 'duplicate' };
const RESTARTED: ContinuityStep = { kind: 'restarted' };
/** 2^24: about 350 s of raw frames at 48 kHz, 2 days of windows at 94 per second. */
export const WRAP_SLACK = 2 ** 24;

export class StreamContinuity {
  private expectedNext: number | undefined;
  private lastFirst = 0;

  /** The index expected next; undefined before the first item and after `reset()`. */
  get expected(): number | undefined {
    return this.expectedNext;
  }

  /**
   * Takes the next item: `first` is its index, `span` how many indices it covers (1 for a window;
   * frame_count · decimation for a raw block). The item always becomes the stream's newest.
   */
  observe(first: number, span = 1): ContinuityStep {
    const step = this.peek(first);
    this.expectedNext = (first + span) >>> 0;
    this.lastFirst = first;
    return step;
  }

  /** What `observe(first)` would say, without taking the item. */
  peek(first: number): ContinuityStep {
    const expected = this.expectedNext;
    if (expected === undefined) return FIRST;
    if (first === expected) return NEXT;
    if (first > expected) return { kind: 'missed', missed: first - expected };
    const acrossWrap = (first - expected) >>> 0;
    if (acrossWrap < WRAP_SLACK) return { kind: 'missed', missed: acrossWrap };
    return first === this.lastFirst ? DUPLICATE : RESTARTED;
  }

  /** Forgets the stream: the next item is a first one (a new node, a stream switched on again). */
  reset(): void {
    this.expectedNext = undefined;
  }
}
