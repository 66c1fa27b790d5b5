/** Small pure helpers that turn API values into the words and numbers shown on screen. */
import type { LinkStats, NodeInfo, NodeStatus } from '../../models/api/contract';

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
  reconnecting: 'Reconnecting',
  offline: 'Offline',
  error: 'Error',
};

/** How the app reaches the node, in a technician's words. */
export function linkLabel(n: NodeInfo): string {
  return n.link === 'ble' ? 'Bluetooth LE' : 'Cable';
}

/** Local time of day, "14:03:07". */
export function formatTime(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  const d = new Date(ms);
  const p = (x: number) => String(x).padStart(2, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** Microseconds as ms with sensible precision: "0.84 ms", "12.3 ms", "1,204 ms". */
export function formatUsAsMs(us: number): string {
  if (!Number.isFinite(us)) return '—';
  const ms = us / 1000;
  return `${Math.abs(ms) < 10 ? ms.toFixed(2) : Math.abs(ms) < 100 ? ms.toFixed(1) : Math.round(ms).toLocaleString('en')} ms`;
}

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

/** Bytes as a technician reads them: "38.2 MB" (decimal units, as disks are sold). */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '—';
  if (n < 1000) return `${Math.round(n)} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n / 1000;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v.toLocaleString('en', { maximumFractionDigits: v < 10 ? 2 : 1 })} ${units[u]}`;
}

/** A duration in words: "1.0 s", "12 min 5 s", "3 h 20 min", "2 d 4 h". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s - m * 60)} s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m - h * 60} min`;
  const d = Math.floor(h / 24);
  return `${d} d ${h - d * 24} h`;
}

/** Local date and time, "2024-05-02 14:03:07". */
export function formatDateTime(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  const d = new Date(ms);
  const p = (x: number) => String(x).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
