/**
 * Small pure helpers that turn API values into the words and numbers shown on screen. Numbers and
 * dates go through Intl with the interface language (decimal comma in Spanish); words come from
 * the catalogue (models/i18n/locales/{lang}/common.json).
 */
import type { LinkStats, NodeInfo, NodeStatus } from '../../models/api/contract';
import { lang, t } from './i18n';

/**
 * Frames the receiver dropped: every counter of the "Receiver rules" table in docs/protocol.md
 * (oversize, badCobs, badLength, badCrc, badVersion) plus badPayload from the session layer.
 * unknownType is left out on purpose: such frames are valid and ignored for forward compatibility.
 */
export function linkErrorCount(s: LinkStats): number {
  return s.badCobs + s.badCrc + s.badLength + s.badVersion + s.badPayload + s.oversize;
}

export function linkErrorBreakdown(s: LinkStats): string {
  return t('common.linkErrors', { ...s });
}

/** The node's state in words; getters, so a language change shows at the next render. */
export const STATUS_LABEL: Record<NodeStatus, string> = {
  get connecting() {
    return t('common.status.connecting');
  },
  get online() {
    return t('common.status.online');
  },
  get reconnecting() {
    return t('common.status.reconnecting');
  },
  get offline() {
    return t('common.status.offline');
  },
  get error() {
    return t('common.status.error');
  },
};

/** How the app reaches the node, in a technician's words. */
export function linkLabel(n: NodeInfo): string {
  return n.link === 'ble' ? t('common.link.ble') : n.link === 'gateway' ? t('common.link.gateway') : t('common.link.cable');
}

const numberFormats = new Map<string, Intl.NumberFormat>();
/** A number in the interface language: `max` decimals at most, `min` at least. */
export function formatNumber(x: number, max = 2, min = 0): string {
  if (!Number.isFinite(x)) return '—';
  const key = `${lang()}:${min}:${max}`;
  let f = numberFormats.get(key);
  if (!f) numberFormats.set(key, (f = new Intl.NumberFormat(lang(), { minimumFractionDigits: min, maximumFractionDigits: max })));
  return f.format(x);
}

/** A number with exactly `digits` decimals ("0,840" in Spanish). */
export function formatFixed(x: number, digits: number): string {
  return formatNumber(x, digits, digits);
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
  const a = Math.abs(ms);
  return `${a < 10 ? formatFixed(ms, 2) : a < 100 ? formatFixed(ms, 1) : formatNumber(Math.round(ms), 0)} ms`;
}

/** "Bearing DE" when the node said its name, else the port path. */
export function nodeTitle(n: NodeInfo): string {
  return n.hello?.name?.trim() || n.path;
}

export function formatHz(hz: number): string {
  return hz >= 1000 ? `${formatNumber(hz / 1000, 3)} kHz` : `${formatNumber(hz, 2)} Hz`;
}

export function formatCount(n: number): string {
  return formatNumber(n, 0);
}

/** RMS in g with a fixed three decimals so the readouts do not jump around. */
export function formatG(g: number): string {
  return Number.isFinite(g) ? `${formatFixed(g, 3)} g` : '—';
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
  return `${formatNumber(v, v < 10 ? 2 : 1)} ${units[u]}`;
}

/** A duration in words: "1.0 s", "12 min 5 s", "3 h 20 min", "2 d 4 h" (SI symbols in every language). */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  const s = ms / 1000;
  if (s < 60) return `${formatFixed(s, s < 10 ? 1 : 0)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s - m * 60)} s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m - h * 60} min`;
  const d = Math.floor(h / 24);
  return `${d} d ${h - d * 24} h`;
}

const dateTimeFormats = new Map<string, Intl.DateTimeFormat>();
function dateFormat(kind: 'dateTime' | 'date' | 'dateTimeMs' | 'timeMs'): Intl.DateTimeFormat {
  const key = `${lang()}:${kind}`;
  let f = dateTimeFormats.get(key);
  if (!f) {
    const opts: Intl.DateTimeFormatOptions = kind === 'timeMs' ? {} : { year: 'numeric', month: 'short', day: 'numeric' };
    if (kind !== 'date') Object.assign(opts, { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
    if (kind === 'dateTimeMs' || kind === 'timeMs') opts.fractionalSecondDigits = 3;
    dateTimeFormats.set(key, (f = new Intl.DateTimeFormat(lang(), opts)));
  }
  return f;
}

/** Local date and time in the interface language: "May 2, 2024, 14:03:07", "2 may 2024, 14:03:07". */
export function formatDateTime(ms: number): string {
  return Number.isFinite(ms) ? dateFormat('dateTime').format(ms) : '—';
}

/** Local date and time to the millisecond, with the language's decimal mark: "8 mar 2026, 08:00:00,200". */
export function formatDateTimeMs(ms: number): string {
  return Number.isFinite(ms) ? dateFormat('dateTimeMs').format(ms) : '—';
}

/** Local time of day to the millisecond: "08:00:00,200" in Spanish, "08:00:00.200" in English. */
export function formatTimeMs(ms: number): string {
  return Number.isFinite(ms) ? dateFormat('timeMs').format(ms) : '—';
}

/** Local date in the interface language: "May 2, 2024", "2 may 2024". */
export function formatDate(ms: number): string {
  return Number.isFinite(ms) ? dateFormat('date').format(ms) : '—';
}

/** A precise local timestamp, "2024-05-02 14:03:07" (clock offsets; the same in every language, as ISO 8601). */
export function formatStamp(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  const d = new Date(ms);
  const p = (x: number) => String(x).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
