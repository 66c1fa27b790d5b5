/**
 * A staged model rollout: a canary node first, the rest only after the canary's node confirms the
 * model (docs/protocol.md 3.14: confirm_after healthy windows on trial). A canary that is refused,
 * reverts or fails holds the rest back. Pure: the page feeds it the latest progress of each node.
 */
import type { ModelProgress, ModelUpdateState } from '../../../models/api/contract';
import { t } from '../i18n';

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
      return notStarted.length > 0 ? { kind: 'held', reason: t('deploy.held', { canary: plan.canary, state: c.state, message: c.message ? `: ${c.message}` : '' }) } : { kind: 'done' };
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

const UPDATE_STATES: ModelUpdateState[] = ['sending', 'committing', 'trial', 'confirmed', 'refused', 'reverted', 'rolled-back', 'failed'];

/** The words the page shows for a state (deploy.state.*), read at render time so they follow the language. */
export const STATE_WORDS = Object.defineProperties(
  {} as Record<ModelUpdateState, string>,
  Object.fromEntries(UPDATE_STATES.map((s) => [s, { get: () => t(`deploy.state.${s}`), enumerable: true }])),
);
