/** Small pure helpers that turn API values into the words and numbers shown on screen. */
import type { LinkStats, NodeInfo, NodeStatus } from '../../main/api/contract';

/**
 * Frames the receiver dropped: every counter of the "Receiver rules" table in docs/protocol.md
 * (oversize, badCobs, badLength, badCrc, badVersion) plus badPayload from the session layer.
 * unknownType is left out on purpose: such frames are valid and ignored for forward compatibility.
 */
export function linkErrorCount(s: LinkStats): number {
  return s.badCobs + s.badCrc + s.badLength + s.badVersion + s.badPayload + s.oversize;
}

export function linkErrorBreakdown(s: LinkStats): string {
  return (
    `Bad COBS ${s.badCobs}, bad CRC ${s.badCrc}, bad length ${s.badLength}, bad version ${s.badVersion}, ` +
    `bad payload ${s.badPayload}, oversize ${s.oversize}; unknown type (ignored) ${s.unknownType}`
  );
}

export const STATUS_LABEL: Record<NodeStatus, string> = {
  connecting: 'Connecting',
  online: 'Online',
  offline: 'Offline',
  error: 'Error',
};

/** "Bearing DE" when the node said its name, else the port path. */
export function nodeTitle(n: NodeInfo): string {
  return n.hello?.name?.trim() || n.path;
}

export function formatHz(hz: number): string {
  return hz >= 1000 ? `${(hz / 1000).toLocaleString('en', { maximumFractionDigits: 3 })} kHz` : `${hz} Hz`;
}

export function formatCount(n: number): string {
  return n.toLocaleString('en');
}

/** RMS in g with a fixed three decimals so the readouts do not jump around. */
export function formatG(g: number): string {
  return Number.isFinite(g) ? `${g.toFixed(3)} g` : '—';
}
