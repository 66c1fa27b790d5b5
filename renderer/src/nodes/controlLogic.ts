/** The checks behind the node controls (pure, so they are unit-tested without a DOM). */
import type { NodeConfig, NodeConfigChanges } from '../../../models/api/contract';
import { CONFIG_NAME_MAX, isRangeG, isShaftHz, SHAFT_HZ_MAX } from '../../../models/protocol/bounds';

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
    if (n < 1 || n > CONFIG_NAME_MAX) return { problem: `Name: 1 to ${CONFIG_NAME_MAX} bytes (this one is ${n}).` };
    out.name = name;
  }
  const range = Number(d.rangeG);
  if (range !== c.rangeG) {
    if (!isRangeG(range)) return { problem: 'Range: ±2, 4, 8 or 16 g.' };
    out.rangeG = range;
  }
  const hop = Number(d.hop);
  if (hop !== c.hop) {
    if (!Number.isInteger(hop) || hop < 1 || hop > c.windowLen) return { problem: `Hop: a whole number of samples from 1 to the window length, ${c.windowLen}.` };
    out.hop = hop;
  }
  const shaft = d.shaftHz.trim() === '' ? NaN : Number(d.shaftHz);
  if (!(Math.abs(shaft - c.shaftHz) <= 1e-6 * Math.max(1, Math.abs(c.shaftHz)))) {
    if (!Number.isFinite(shaft) || !isShaftHz(shaft)) return { problem: `Shaft speed: 0 (unknown) or 0.1 to ${SHAFT_HZ_MAX} Hz.` };
    out.shaftHz = shaft;
  }
  if (d.sendBands !== c.sendBands) out.sendBands = d.sendBands;
  if (c.slowMachine !== undefined && d.slowMachine !== undefined && d.slowMachine !== c.slowMachine) out.slowMachine = d.slowMachine;
  return { changes: out };
}

/** NACK reasons as the node names them (docs/protocol.md 3.5), in the words the technician reads. */
const NACK_WORDS: [RegExp, string][] = [
  [/OUT_OF_RANGE/, 'a value is outside its range'],
  [/READ_ONLY/, 'that setting cannot be changed'],
  [/UNKNOWN_KEY/, 'the node has no such setting (older firmware)'],
  [/NOT_PAIRED/, 'the node is not paired: pair it over the cable'],
  [/AUTH_FAILED/, "the node did not accept this workstation's key: pair it again over the cable"],
  [/AUTH_REQUIRED/, 'over Bluetooth LE this must be signed with the pairing key'],
  [/STORAGE/, 'the node could not store the change (it is in effect until the node restarts)'],
  [/UNSUPPORTED/, 'the node cannot do this'],
  [/UNKNOWN_TYPE/, 'the firmware is too old for this'],
];

export function plainRefusal(message: string): string {
  for (const [re, words] of NACK_WORDS) if (re.test(message) && !message.includes(words)) return `${message} (${words})`;
  return message;
}

/** Raw waveform bytes per second on the wire at decimation d (RAW_BLOCK: 2 bytes a sample, ~1.6 % framing). */
export function rawBytesPerSecond(sampleRateHz: number, axes: number, d: number): number {
  return ((sampleRateHz / d) * axes * 2 * 1038) / 1022;
}
