/**
 * CONFIG_GET / CONFIG / CONFIG_SET of protocol 1.1 (docs/protocol.md §3.8): the TLV list, its
 * mapping to named settings and the node's checks. The C twin is firmware/src/proto/msg.c.
 */
import { PayloadError } from './messages';
import { CONFIG_NAME_MAX, HOP_MAX, LEARN_WINDOWS_MAX, LEARN_WINDOWS_MIN, isRangeG, isShaftHz } from './bounds';
import { MAX_PAYLOAD } from './frame';
import { utf8Decode, utf8Encode } from './utf8';
import { MSG_CONFIG_SET, NACK_BAD_PAYLOAD, NACK_OUT_OF_RANGE, NACK_READ_ONLY, NACK_UNKNOWN_KEY, CONFIG_KEY_NAME, CONFIG_KEY_RANGE_G, CONFIG_KEY_HOP, CONFIG_KEY_SHAFT_HZ, CONFIG_KEY_SEND_BANDS, CONFIG_KEY_AXIS_COUNT, CONFIG_KEY_WINDOW_LEN, CONFIG_KEY_SAMPLE_RATE_HZ, CONFIG_KEY_SLOW_MACHINE, CONFIG_KEY_LEARN_WINDOWS, CONFIG_KEYS, PayloadRangeError, view, checkInt, tooShort } from './linkCommon';
import { type Nack } from './linkMessages';
// ---------------------------------------------------------------------------------------------
// CONFIG / CONFIG_SET

export interface ConfigEntry {
  key: number;
  value: Uint8Array;
}
/** The writable settings, by name (configToEntries). */
export interface ConfigChanges {
  name?: string;
  rangeG?: number;
  hop?: number;
  shaftHz?: number;
  sendBands?: boolean;
  /** Velocity RMS over 2-1000 Hz (machines below 600 rpm) instead of 10-1000 Hz (CONFIG key 9). */
  slowMachine?: boolean;
  /** Starts the node's own learning period of this many windows (it forgets its model; protocol 1.3). */
  learnWindows?: number;
}
/** Every known setting, by name; the keys the payload lacked are absent. */
export interface ConfigValues extends ConfigChanges {
  axisCount?: number;
  windowLen?: number;
  sampleRateHz?: number;
}

export function encodeConfigEntries(entries: ConfigEntry[]): Uint8Array {
  if (entries.length > 0xff) throw new PayloadError('CONFIG carries at most 255 entries');
  let n = 1;
  for (const e of entries) {
    checkInt('CONFIG key', e.key, 0, 0xff);
    if (e.value.length > 0xff) throw new PayloadError(`CONFIG value of key ${e.key} is longer than 255 bytes`);
    n += 2 + e.value.length;
  }
  if (n > MAX_PAYLOAD) throw new PayloadError(`CONFIG payload would be ${n} bytes, more than ${MAX_PAYLOAD}`);
  const p = new Uint8Array(n);
  p[0] = entries.length;
  let o = 1;
  for (const e of entries) {
    p[o] = e.key;
    p[o + 1] = e.value.length;
    p.set(e.value, o + 2);
    o += 2 + e.value.length;
  }
  return p;
}

/**
 * Decodes CONFIG / CONFIG_SET entries. A payload that ends inside an entry, a repeated key, or a
 * known key whose `len` is not its size (1 to 32 for the name) is a PayloadError (BAD_PAYLOAD).
 * Unknown keys are kept (a newer node's CONFIG may carry them); values are not range-checked here.
 */
export function decodeConfigEntries(p: Uint8Array): ConfigEntry[] {
  if (p.length < 1) tooShort('CONFIG', p.length, 1);
  const count = p[0];
  const out: ConfigEntry[] = [];
  const seen = new Set<number>();
  let o = 1;
  for (let i = 0; i < count; i++) {
    if (o + 2 > p.length) throw new PayloadError(`CONFIG ends inside entry ${i + 1} of ${count}`);
    const key = p[o];
    const len = p[o + 1];
    if (o + 2 + len > p.length) throw new PayloadError(`CONFIG value of key ${key} overruns the payload`);
    if (seen.has(key)) throw new PayloadError(`CONFIG key ${key} appears twice`);
    seen.add(key);
    const k = CONFIG_KEYS[key];
    if (k && (k.size === 0 ? len < 1 || len > CONFIG_NAME_MAX : len !== k.size)) {
      throw new PayloadError(`CONFIG value of key ${key} (${k.name}) is ${len} bytes, ${k.size === 0 ? `1 to ${CONFIG_NAME_MAX}` : k.size} expected`);
    }
    out.push({ key, value: p.slice(o + 2, o + 2 + len) });
    o += 2 + len;
  }
  return out;
}

const outOfRange = (key: number, what: string): never => {
  throw new PayloadRangeError(`${what} is out of range`, NACK_OUT_OF_RANGE, key);
};

function checkValue(key: number, v: number | string, windowLen?: number): void {
  switch (key) {
    case CONFIG_KEY_NAME: {
      const n = utf8Encode(v as string).length;
      if (n < 1 || n > CONFIG_NAME_MAX) throw new PayloadError(`the node name must be 1 to ${CONFIG_NAME_MAX} bytes of UTF-8, not ${n}`);
      return;
    }
    case CONFIG_KEY_RANGE_G:
      if (!isRangeG(v)) outOfRange(key, `range_g ${v} (2, 4, 8 or 16)`);
      return;
    case CONFIG_KEY_HOP:
      if (!Number.isInteger(v) || (v as number) < 1 || (v as number) > HOP_MAX || (windowLen !== undefined && (v as number) > windowLen)) {
        outOfRange(key, `hop ${v} (1 to ${windowLen ?? 'window_len'})`);
      }
      return;
    case CONFIG_KEY_SHAFT_HZ: {
      if (!isShaftHz(v as number)) outOfRange(key, `shaft_hz ${v} (0, or 0.1 to 1000 Hz)`);
      return;
    }
    case CONFIG_KEY_SEND_BANDS:
      if (v !== 0 && v !== 1) outOfRange(key, `send_bands ${v} (0 or 1)`);
      return;
    case CONFIG_KEY_SLOW_MACHINE:
      if (v !== 0 && v !== 1) outOfRange(key, `slow_machine ${v} (0 or 1)`);
      return;
    case CONFIG_KEY_LEARN_WINDOWS:
      if (!Number.isInteger(v) || (v as number) < LEARN_WINDOWS_MIN || (v as number) > LEARN_WINDOWS_MAX) {
        outOfRange(key, `learn_windows ${v} (${LEARN_WINDOWS_MIN} to ${LEARN_WINDOWS_MAX} windows)`);
      }
      return;
  }
}

/** Entries for a CONFIG_SET, in key order; throws PayloadError for a value out of its range. */
export function configToEntries(changes: ConfigChanges): ConfigEntry[] {
  const out: ConfigEntry[] = [];
  if (changes.name !== undefined) {
    checkValue(CONFIG_KEY_NAME, changes.name);
    out.push({ key: CONFIG_KEY_NAME, value: utf8Encode(changes.name) });
  }
  if (changes.rangeG !== undefined) {
    checkValue(CONFIG_KEY_RANGE_G, changes.rangeG);
    out.push({ key: CONFIG_KEY_RANGE_G, value: Uint8Array.of(changes.rangeG) });
  }
  if (changes.hop !== undefined) {
    checkValue(CONFIG_KEY_HOP, changes.hop);
    out.push({ key: CONFIG_KEY_HOP, value: Uint8Array.of(changes.hop & 0xff, changes.hop >> 8) });
  }
  if (changes.shaftHz !== undefined) {
    checkValue(CONFIG_KEY_SHAFT_HZ, changes.shaftHz);
    const v = new Uint8Array(4);
    view(v).setFloat32(0, changes.shaftHz, true);
    out.push({ key: CONFIG_KEY_SHAFT_HZ, value: v });
  }
  if (changes.sendBands !== undefined) out.push({ key: CONFIG_KEY_SEND_BANDS, value: Uint8Array.of(changes.sendBands ? 1 : 0) });
  if (changes.slowMachine !== undefined) out.push({ key: CONFIG_KEY_SLOW_MACHINE, value: Uint8Array.of(changes.slowMachine ? 1 : 0) });
  if (changes.learnWindows !== undefined) {
    checkValue(CONFIG_KEY_LEARN_WINDOWS, changes.learnWindows);
    const v = new Uint8Array(4);
    view(v).setUint32(0, changes.learnWindows, true);
    out.push({ key: CONFIG_KEY_LEARN_WINDOWS, value: v });
  }
  return out;
}

/** Reads a known key's value (its length already checked by decodeConfigEntries). */
function entryValue(e: ConfigEntry): number | string {
  const dv = view(e.value);
  switch (e.key) {
    case CONFIG_KEY_NAME:
      return utf8Decode(e.value);
    case CONFIG_KEY_HOP:
    case CONFIG_KEY_WINDOW_LEN:
      return dv.getUint16(0, true);
    case CONFIG_KEY_SHAFT_HZ:
      return dv.getFloat32(0, true);
    case CONFIG_KEY_SAMPLE_RATE_HZ:
    case CONFIG_KEY_LEARN_WINDOWS:
      return dv.getUint32(0, true);
    default:
      return e.value[0];
  }
}

/**
 * The settings of a CONFIG, by name (partial when keys are missing; unknown keys ignored). A value
 * the spec calls out of range is a PayloadRangeError; a wrong size a PayloadError.
 */
export function entriesToConfig(entries: ConfigEntry[]): ConfigValues {
  const out: ConfigValues = {};
  const wl = entries.find((e) => e.key === CONFIG_KEY_WINDOW_LEN);
  for (const e of entries) {
    const k = CONFIG_KEYS[e.key];
    if (!k) continue;
    if (k.size === 0 ? e.value.length < 1 || e.value.length > CONFIG_NAME_MAX : e.value.length !== k.size) {
      throw new PayloadError(`CONFIG value of key ${e.key} (${k.name}) has the wrong size`);
    }
    const v = entryValue(e);
    checkValue(e.key, v, wl && wl.value.length === 2 ? (entryValue(wl) as number) : undefined);
    switch (e.key) {
      case CONFIG_KEY_NAME:
        out.name = v as string;
        break;
      case CONFIG_KEY_RANGE_G:
        out.rangeG = v as number;
        break;
      case CONFIG_KEY_HOP:
        out.hop = v as number;
        break;
      case CONFIG_KEY_SHAFT_HZ:
        out.shaftHz = v as number;
        break;
      case CONFIG_KEY_SEND_BANDS:
        out.sendBands = v === 1;
        break;
      case CONFIG_KEY_AXIS_COUNT:
        out.axisCount = v as number;
        break;
      case CONFIG_KEY_WINDOW_LEN:
        out.windowLen = v as number;
        break;
      case CONFIG_KEY_SAMPLE_RATE_HZ:
        out.sampleRateHz = v as number;
        break;
      case CONFIG_KEY_SLOW_MACHINE:
        out.slowMachine = v === 1;
        break;
      case CONFIG_KEY_LEARN_WINDOWS:
        out.learnWindows = v as number;
        break;
    }
  }
  return out;
}

/**
 * How a node answers a CONFIG_SET payload (section 3.7), for virtual nodes and the shared vectors:
 * null when every entry is acceptable, else the NACK. First the payload must decode (BAD_PAYLOAD,
 * detail 0: overrun, repeated key, wrong size); then the first bad entry in payload order decides:
 * UNKNOWN_KEY, READ_ONLY, or OUT_OF_RANGE, with its key as detail.
 */
export function checkConfigSet(p: Uint8Array, windowLen: number): Nack | null {
  let entries: ConfigEntry[];
  try {
    entries = decodeConfigEntries(p);
  } catch {
    return { reqType: MSG_CONFIG_SET, reason: NACK_BAD_PAYLOAD, detail: 0 };
  }
  for (const e of entries) {
    const k = CONFIG_KEYS[e.key];
    if (!k) return { reqType: MSG_CONFIG_SET, reason: NACK_UNKNOWN_KEY, detail: e.key };
    if (!k.writable) return { reqType: MSG_CONFIG_SET, reason: NACK_READ_ONLY, detail: e.key };
    try {
      checkValue(e.key, entryValue(e), windowLen);
    } catch (err) {
      if (err instanceof PayloadRangeError) return { reqType: MSG_CONFIG_SET, reason: err.reason, detail: err.detail };
      return { reqType: MSG_CONFIG_SET, reason: NACK_BAD_PAYLOAD, detail: 0 };
    }
  }
  return null;
}

