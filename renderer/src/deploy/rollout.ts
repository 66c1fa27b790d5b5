/**
 * A staged model rollout: a canary node first, the rest only after the canary's node confirms the
 * model (docs/protocol.md 3.14: confirm_after healthy windows on trial). A canary that is refused,
 * reverts or fails holds the rest back. Pure: the page feeds it the latest progress of each node.
 */
import type { ModelProgress, ModelUpdateState } from '../../../models/api/contract';

export interface RolloutPlan {
  /** The node that goes first; null sends to every node at once. */
  canary: string | null;
  nodes: string[];
}

export type RolloutDecision =
  | { kind: 'start'; paths: string[] }
  | { kind: 'wait' }
  | { kind: 'held'; reason: string }
  | { kind: 'done' };

const ENDED: ReadonlySet<ModelUpdateState> = new Set(['confirmed', 'refused', 'reverted', 'rolled-back', 'failed']);

export function isEnded(state: ModelUpdateState): boolean {
  return ENDED.has(state);
}

/** What to do next, given the nodes already started and the latest progress by node path. */
export function nextRolloutStep(plan: RolloutPlan, started: ReadonlySet<string>, progress: ReadonlyMap<string, ModelProgress>): RolloutDecision {
  const notStarted = plan.nodes.filter((p) => !started.has(p));
  if (plan.canary !== null && plan.nodes.includes(plan.canary)) {
    if (!started.has(plan.canary)) return { kind: 'start', paths: [plan.canary] };
    const c = progress.get(plan.canary);
    if (!c || !isEnded(c.state)) return { kind: 'wait' };
    if (c.state !== 'confirmed') {
      return notStarted.length > 0 ? { kind: 'held', reason: `the canary ${plan.canary} did not confirm the model (${c.state}${c.message ? `: ${c.message}` : ''}); the other nodes were not updated` } : { kind: 'done' };
    }
  }
  if (notStarted.length > 0) return { kind: 'start', paths: notStarted };
  return plan.nodes.every((p) => {
    const s = progress.get(p);
    return s !== undefined && isEnded(s.state);
  })
    ? { kind: 'done' }
    : { kind: 'wait' };
}

/** The words the page shows for a state. */
export const STATE_WORDS: Record<ModelUpdateState, string> = {
  sending: 'sending',
  committing: 'committing',
  trial: 'on trial',
  confirmed: 'confirmed',
  refused: 'refused',
  reverted: 'reverted',
  'rolled-back': 'rolled back',
  failed: 'failed',
};
