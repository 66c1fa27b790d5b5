/** Model updates of a node as the UI follows them (docs/protocol.md 3.14). Part of the API contract (re-exported by contract.ts). */

/**
 * Where a model update of one node stands (docs/protocol.md 3.14, 6.4). 'trial' is committed and
 * running on trial; 'confirmed' / 'reverted' is what the node then reported; 'refused' carries the
 * node's refusal in plain words; 'failed' a link that never came back or a node that stopped answering.
 */
export type ModelUpdateState = 'sending' | 'committing' | 'trial' | 'confirmed' | 'refused' | 'reverted' | 'rolled-back' | 'failed';

export interface ModelProgress {
  path: string;
  /** 'deploy' sends a model; 'rollback' returns to an older confirmed one. */
  kind: 'deploy' | 'rollback';
  state: ModelUpdateState;
  /** The model version asked for. */
  version: number;
  /** Bytes the node holds (its highest contiguous offset) and the model's size. */
  sent: number;
  total: number;
  /** Plain words for 'refused' and 'failed'. */
  message?: string;
  /** The version the node says it runs (HELLO INFO / MODEL_STATUS), once it said so. */
  runningVersion?: number;
  /** Times the link dropped and the transfer resumed from the node's offset. */
  resumes: number;
  startedMs: number;
  updatedMs: number;
}
