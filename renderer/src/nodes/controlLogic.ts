/** The checks behind the node controls (pure, so they are unit-tested without a DOM). */
import type { NodeConfig, NodeConfigChanges } from '../../../models/api/contract';
import { CONFIG_NAME_MAX, isRangeG, isShaftHz, SHAFT_HZ_MAX } from '../../../models/protocol/bounds';
import { t } from '../i18n';

export const utf8Len = (s: string) => new TextEncoder().encode(s).length;

export interface ConfigDraft {
  name: string;
  rangeG: string;
  hop: string;
  shaftHz: string;
  sendBands: boolean;
  /** CONFIG key 9; undefined when the node's firmware has no such setting. */
  slowMachine?: boolean;
}

/** The changed fields, or the first problem in plain words. */
export function configChanges(c: NodeConfig, d: ConfigDraft): { changes: NodeConfigChanges } | { problem: string } {
  const out: NodeConfigChanges = {};
  const name = d.name.trim();
  if (name !== c.name) {
    const n = utf8Len(name);
    if (n < 1 || n > CONFIG_NAME_MAX) return { problem: t('nodes.logic.name', { max: CONFIG_NAME_MAX, n }) };
    out.name = name;
  }
  const range = Number(d.rangeG);
  if (range !== c.rangeG) {
    if (!isRangeG(range)) return { problem: t('nodes.logic.range') };
    out.rangeG = range;
  }
  const hop = Number(d.hop);
  if (hop !== c.hop) {
    if (!Number.isInteger(hop) || hop < 1 || hop > c.windowLen) return { problem: t('nodes.logic.hop', { max: c.windowLen }) };
    out.hop = hop;
  }
  const shaft = d.shaftHz.trim() === '' ? NaN : Number(d.shaftHz);
  if (!(Math.abs(shaft - c.shaftHz) <= 1e-6 * Math.max(1, Math.abs(c.shaftHz)))) {
    if (!Number.isFinite(shaft) || !isShaftHz(shaft)) return { problem: t('nodes.logic.shaft', { max: SHAFT_HZ_MAX }) };
    out.shaftHz = shaft;
  }
  if (d.sendBands !== c.sendBands) out.sendBands = d.sendBands;
  if (c.slowMachine !== undefined && d.slowMachine !== undefined && d.slowMachine !== c.slowMachine) out.slowMachine = d.slowMachine;
  return { changes: out };
}

/** NACK reasons as the node names them (docs/protocol.md 3.5), in the words the technician reads. */
const NACK_CODES = ['OUT_OF_RANGE', 'READ_ONLY', 'UNKNOWN_KEY', 'NOT_PAIRED', 'AUTH_FAILED', 'AUTH_REQUIRED', 'STORAGE', 'UNSUPPORTED', 'UNKNOWN_TYPE'] as const;

export function plainRefusal(message: string): string {
  for (const code of NACK_CODES) {
    const words = t(`nodes.nack.${code}`);
    if (message.includes(code) && !message.includes(words)) return `${message} (${words})`;
  }
  return message;
}

/** Raw waveform bytes per second on the wire at decimation d (RAW_BLOCK: 2 bytes a sample, ~1.6 % framing). */
export function rawBytesPerSecond(sampleRateHz: number, axes: number, d: number): number {
  return ((sampleRateHz / d) * axes * 2 * 1038) / 1022;
}
