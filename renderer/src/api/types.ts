import type { VigilApi } from '../../../models/api/contract';

/**
 * 'connecting': first attempt in progress; 'open': requests go straight out;
 * 'reconnecting': the link dropped (or never came up) and the client is retrying.
 */
export type ConnectionState = 'connecting' | 'open' | 'reconnecting';

export interface ConnectionStatus {
  state: ConnectionState;
  /** A plain-words hint about why the link is down, when the client knows one. */
  problem?: string;
}

/** The VigilApi plus the link state the UI shows in its banner. */
export interface VigilClient extends VigilApi {
  connection(): ConnectionStatus;
  onConnection(listener: (s: ConnectionStatus) => void): () => void;
}
