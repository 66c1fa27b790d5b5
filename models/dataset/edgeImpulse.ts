/**
 * Edge Impulse's data acquisition format, JSON encoding (docs/storage.md "Edge Impulse"): one
 * sample = `{protected: {ver, alg, iat}, signature, payload: {device_name, device_type, interval_ms,
 * sensors: [{name, units}], values: [[...], ...]}}`. An import turns a sample into the CSV text the
 * one recording path reads (header of sensor names, one row per instant, values in g), so a sample
 * is checked, imported and trained exactly like a CSV recording; an export writes recording columns
 * (in g) as a sample, unsigned (`alg: "none"`) or signed with an HMAC key (`HS256`, the signature
 * computed over the JSON with 64 zero characters in its place, as Edge Impulse checks it).
 */
import { hmacSha256, toHex } from '../crypto/sha256';
import { STANDARD_GRAVITY } from '../features/spec';
import { utf8Encode } from '../protocol/utf8';

export class EdgeImpulseError extends Error {
  override name = 'EdgeImpulseError';
}

export interface EdgeImpulseSample {
  deviceName: string;
  deviceType: string;
  sampleRateHz: number;
  sensors: { name: string; units: string }[];
  /** One column per sensor, in g when the units were g or m/s2. */
  columns: Float32Array[];
}

const G_UNITS = /^g$/i;
const MS2_UNITS = /^(m\/s2|m\/s\^2|m\/s²|ms-2|m s-2)$/i;

/** Parses a data acquisition JSON sample; accelerations come back in g. */
export function parseEdgeImpulseJson(text: string, label = 'the Edge Impulse sample'): EdgeImpulseSample {
  const fail = (what: string): never => {
    throw new EdgeImpulseError(`${label}: ${what}`);
  };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return fail('is not valid JSON');
  }
  const payload = (doc as { payload?: unknown })?.payload as Record<string, unknown> | undefined;
  if (typeof payload !== 'object' || payload === null) return fail('has no "payload" object: it is not an Edge Impulse data acquisition sample');
  const interval = payload.interval_ms;
  if (typeof interval !== 'number' || !(interval > 0) || !Number.isFinite(interval)) fail(`"interval_ms" is ${JSON.stringify(interval)}; it must be a positive number of milliseconds`);
  const sensors = payload.sensors;
  if (!Array.isArray(sensors) || sensors.length < 1) return fail('"sensors" must list at least one sensor');
  const named = sensors.map((s: unknown, i) => {
    const { name, units } = (s ?? {}) as { name?: unknown; units?: unknown };
    if (typeof name !== 'string' || name.trim() === '') fail(`sensor ${i + 1} has no name`);
    if (typeof units !== 'string') fail(`sensor "${String(name)}" has no units`);
    if (!G_UNITS.test(units as string) && !MS2_UNITS.test(units as string)) fail(`sensor "${String(name)}" is in "${String(units)}"; Vigil reads accelerations in g or m/s2`);
    if (/[",\r\n]/.test(name as string)) fail(`sensor name "${String(name)}" holds a comma, quote or line break`);
    return { name: (name as string).trim(), units: units as string };
  });
  if (new Set(named.map((s) => s.name)).size !== named.length) fail('two sensors have the same name');
  const values = payload.values;
  if (!Array.isArray(values) || values.length === 0) return fail('"values" holds no samples');
  const columns = named.map(() => new Float32Array(values.length));
  const scale = named.map((s) => (MS2_UNITS.test(s.units) ? 1 / STANDARD_GRAVITY : 1));
  values.forEach((row: unknown, r) => {
    const cells = Array.isArray(row) ? row : named.length === 1 ? [row] : null;
    if (!cells || cells.length !== named.length) fail(`value row ${r + 1} has ${Array.isArray(row) ? row.length : 1} values; every row needs ${named.length} (one per sensor)`);
    cells!.forEach((v: unknown, c: number) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) fail(`value row ${r + 1}, sensor "${named[c].name}" is ${JSON.stringify(v)}, not a number`);
      columns[c][r] = (v as number) * scale[c];
    });
  });
  return {
    deviceName: typeof payload.device_name === 'string' ? payload.device_name : '',
    deviceType: typeof payload.device_type === 'string' ? payload.device_type : '',
    sampleRateHz: 1000 / (interval as number),
    sensors: named,
    columns,
  };
}

/** The sample as the CSV text the recording path reads: a header of sensor names, values in g. */
export function edgeImpulseToCsv(sample: EdgeImpulseSample): string {
  const lines = [sample.sensors.map((s) => s.name).join(',')];
  const n = sample.columns[0].length;
  for (let r = 0; r < n; r++) lines.push(sample.columns.map((c) => String(c[r])).join(','));
  return lines.join('\n') + '\n';
}

export interface EdgeImpulseExport {
  deviceName: string;
  deviceType?: string;
  sampleRateHz: number;
  /** Column names and values in g. */
  names: string[];
  columns: ArrayLike<number>[];
  /** Write m/s2 (Edge Impulse's usual accelerometer unit) instead of g. */
  unitsMs2?: boolean;
  /** HMAC key for an HS256 signature; without one the sample is unsigned (alg "none"). */
  hmacKey?: Uint8Array;
  /** Seconds since 1970 for protected.iat (default 0: reproducible files). */
  issuedAt?: number;
}

/** Writes recording columns as a data acquisition JSON sample. */
export function writeEdgeImpulseJson(e: EdgeImpulseExport): string {
  if (e.names.length !== e.columns.length || e.columns.length < 1) throw new EdgeImpulseError('an export needs one name per column and at least one column');
  if (!(e.sampleRateHz > 0)) throw new EdgeImpulseError(`sample rate ${e.sampleRateHz} Hz is not a positive number`);
  const n = e.columns[0].length;
  if (e.columns.some((c) => c.length !== n)) throw new EdgeImpulseError('every column must have the same length');
  const k = e.unitsMs2 ? STANDARD_GRAVITY : 1;
  const values: number[][] = [];
  for (let r = 0; r < n; r++) values.push(e.columns.map((c) => Math.fround(c[r]) * k));
  const doc = {
    protected: { ver: 'v1', alg: e.hmacKey ? 'HS256' : 'none', iat: e.issuedAt ?? 0 },
    signature: '0'.repeat(64),
    payload: {
      device_name: e.deviceName,
      device_type: e.deviceType ?? 'VIGIL_NODE',
      interval_ms: 1000 / e.sampleRateHz,
      sensors: e.names.map((name) => ({ name, units: e.unitsMs2 ? 'm/s2' : 'g' })),
      values,
    },
  };
  const unsigned = JSON.stringify(doc);
  if (!e.hmacKey) return unsigned;
  const signature = toHex(hmacSha256(e.hmacKey, utf8Encode(unsigned)));
  return unsigned.replace(`"signature":"${'0'.repeat(64)}"`, `"signature":"${signature}"`);
}
