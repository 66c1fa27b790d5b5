/**
 * Edge Impulse's data acquisition format, JSON or CBOR encoding (docs/storage.md "Edge Impulse"): one
 * sample = `{protected: {ver, alg, iat}, signature, payload: {device_name, device_type, interval_ms,
 * sensors: [{name, units}], values: [[...], ...]}}`. An import turns a sample into the CSV text the
 * one recording path reads (header of sensor names, one row per instant, values in g), so a sample
 * is checked, imported and trained exactly like a CSV recording; an export writes recording columns
 * (in g) as a sample, unsigned (`alg: "none"`) or signed with an HMAC key (`HS256`, the signature
 * computed over the encoded sample with 64 zero characters in its place, as Edge Impulse checks it).
 * The CBOR encoding is the same document as a CBOR map (RFC 8949), read and written with cbor-x
 * (pure JS, no Node APIs); which encoding a file holds is told by its content, not its name.
 */
import { Decoder, Encoder } from 'cbor-x';
import { equalBytes, hmacSha256, toHex } from '../crypto/sha256';
import { STANDARD_GRAVITY } from '../features/spec';
import { utf8Decode, utf8Encode } from '../protocol/utf8';

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
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new EdgeImpulseError(`${label}: is not valid JSON`);
  }
  return sampleFromDocument(doc, label);
}

const cborDecoder = new Decoder({ mapsAsObjects: true, useRecords: false });
const cborEncoder = new Encoder({ mapsAsObjects: true, useRecords: false, variableMapSize: true });

/** Whether the bytes are the JSON encoding (first non-blank byte `{`); anything else is read as CBOR. */
export function isEdgeImpulseJson(bytes: Uint8Array): boolean {
  for (const b of bytes) {
    if (b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d || b === 0xef || b === 0xbb || b === 0xbf) continue; // blanks, UTF-8 BOM
    return b === 0x7b;
  }
  return false;
}

/** Decodes a data acquisition sample in CBOR into its document (the JSON's structure). */
function decodeCbor(bytes: Uint8Array, label: string): unknown {
  try {
    return cborDecoder.decode(bytes);
  } catch (e) {
    throw new EdgeImpulseError(`${label}: is neither JSON nor valid CBOR (${String((e as Error).message).split('\n')[0]})`);
  }
}

/** Parses a data acquisition CBOR sample; accelerations come back in g. */
export function parseEdgeImpulseCbor(bytes: Uint8Array, label = 'the Edge Impulse sample'): EdgeImpulseSample {
  return sampleFromDocument(decodeCbor(bytes, label), label);
}

/** Parses a sample in either encoding, told apart by content. */
export function parseEdgeImpulseSample(bytes: Uint8Array, label = 'the Edge Impulse sample'): EdgeImpulseSample {
  if (bytes.length === 0) throw new EdgeImpulseError(`${label}: is empty`);
  if (isEdgeImpulseJson(bytes)) return parseEdgeImpulseJson(utf8Decode(bytes), label);
  return parseEdgeImpulseCbor(bytes, label);
}

function sampleFromDocument(doc: unknown, label: string): EdgeImpulseSample {
  const fail = (what: string): never => {
    throw new EdgeImpulseError(`${label}: ${what}`);
  };
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
  if (!Array.isArray(values) && ArrayBuffer.isView(values) && named.length === 1) return fail('"values" is a typed array; write one value per row');
  if (!Array.isArray(values) || values.length === 0) return fail('"values" holds no samples');
  const columns = named.map(() => new Float32Array(values.length));
  const scale = named.map((s) => (MS2_UNITS.test(s.units) ? 1 / STANDARD_GRAVITY : 1));
  values.forEach((row: unknown, r) => {
    const list = ArrayBuffer.isView(row) ? Array.from(row as unknown as ArrayLike<number>) : row; // a CBOR typed array (RFC 8746)
    const cells = Array.isArray(list) ? list : named.length === 1 ? [list] : null;
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

/** The sample document with a zero signature (64 zero characters). */
function exportDocument(e: EdgeImpulseExport) {
  if (e.names.length !== e.columns.length || e.columns.length < 1) throw new EdgeImpulseError('an export needs one name per column and at least one column');
  if (!(e.sampleRateHz > 0)) throw new EdgeImpulseError(`sample rate ${e.sampleRateHz} Hz is not a positive number`);
  const n = e.columns[0].length;
  if (e.columns.some((c) => c.length !== n)) throw new EdgeImpulseError('every column must have the same length');
  const k = e.unitsMs2 ? STANDARD_GRAVITY : 1;
  const values: number[][] = [];
  for (let r = 0; r < n; r++) values.push(e.columns.map((c) => Math.fround(c[r]) * k));
  return {
    protected: { ver: 'v1', alg: e.hmacKey ? 'HS256' : 'none', iat: e.issuedAt ?? 0 },
    signature: ZERO_SIGNATURE,
    payload: {
      device_name: e.deviceName,
      device_type: e.deviceType ?? 'VIGIL_NODE',
      interval_ms: 1000 / e.sampleRateHz,
      sensors: e.names.map((name) => ({ name, units: e.unitsMs2 ? 'm/s2' : 'g' })),
      values,
    },
  };
}

const ZERO_SIGNATURE = '0'.repeat(64);

/** Writes recording columns as a data acquisition JSON sample. */
export function writeEdgeImpulseJson(e: EdgeImpulseExport): string {
  const unsigned = JSON.stringify(exportDocument(e));
  if (!e.hmacKey) return unsigned;
  const signature = toHex(hmacSha256(e.hmacKey, utf8Encode(unsigned)));
  return unsigned.replace(`"signature":"${ZERO_SIGNATURE}"`, `"signature":"${signature}"`);
}

/**
 * Writes recording columns as a data acquisition CBOR sample: the JSON's document as a CBOR map,
 * numbers as CBOR integers or float64. Signed like the JSON: HMAC-SHA256 of the encoded bytes with
 * the 64 zero characters as the signature, then written over those characters (same length).
 */
export function writeEdgeImpulseCbor(e: EdgeImpulseExport): Uint8Array {
  const bytes = Uint8Array.from(cborEncoder.encode(exportDocument(e)));
  if (!e.hmacKey) return bytes;
  const at = findSignatureText(bytes, ZERO_SIGNATURE);
  if (at < 0) throw new EdgeImpulseError('internal: the zero signature is not in the encoded sample');
  const signature = toHex(hmacSha256(e.hmacKey, bytes));
  bytes.set(utf8Encode(signature), at);
  return bytes;
}

/**
 * Where the signature's 64 characters sit in an encoded sample: in JSON after `"signature":"`,
 * in CBOR after the text key "signature" and the header of a 64-byte text string (0x78 0x40).
 */
function findSignatureText(bytes: Uint8Array, signature: string): number {
  const sig = utf8Encode(signature);
  const json = utf8Encode('"signature":"');
  const cbor = Uint8Array.from([0x69, ...utf8Encode('signature'), 0x78, 0x40]);
  for (const prefix of [json, cbor]) {
    outer: for (let i = 0; i + prefix.length + sig.length <= bytes.length; i++) {
      for (let j = 0; j < prefix.length; j++) if (bytes[i + j] !== prefix[j]) continue outer;
      const at = i + prefix.length;
      for (let j = 0; j < sig.length; j++) if (bytes[at + j] !== sig[j]) continue outer;
      return at;
    }
  }
  return -1;
}

/**
 * Checks an HS256 sample (either encoding) against a key: the HMAC-SHA256 of the bytes with the
 * signature replaced by 64 zero characters must equal the signature. Returns why not, or null.
 */
export function checkEdgeImpulseSignature(bytes: Uint8Array, key: Uint8Array, label = 'the Edge Impulse sample'): string | null {
  const doc = (isEdgeImpulseJson(bytes) ? parseJsonDoc(bytes, label) : decodeCbor(bytes, label)) as { protected?: { alg?: unknown }; signature?: unknown };
  const alg = doc?.protected?.alg;
  if (alg !== 'HS256') return `${label} is not signed with HS256 (protected.alg is ${JSON.stringify(alg ?? null)})`;
  const sig = doc.signature;
  if (typeof sig !== 'string' || !/^[0-9a-f]{64}$/i.test(sig)) return `${label}: its signature is not 64 hex digits`;
  const at = findSignatureText(bytes, sig);
  if (at < 0) return `${label}: cannot find its signature in the file`;
  const zeroed = Uint8Array.from(bytes);
  zeroed.set(utf8Encode(ZERO_SIGNATURE), at);
  return equalBytes(hmacSha256(key, zeroed), fromHex(sig)) ? null : `${label}: the HS256 signature does not match this key`;
}

function parseJsonDoc(bytes: Uint8Array, label: string): unknown {
  try {
    return JSON.parse(utf8Decode(bytes));
  } catch {
    throw new EdgeImpulseError(`${label}: is not valid JSON`);
  }
}

function fromHex(h: string): Uint8Array {
  return Uint8Array.from({ length: h.length / 2 }, (_, i) => parseInt(h.slice(2 * i, 2 * i + 2), 16));
}
