/**
 * The dataset bundle: one file that carries a technician's recordings, features, labels and events
 * from one laptop to another without a network. Format (docs/storage.md, "Dataset bundle"), all
 * integers little-endian:
 *
 *   offset 0   8 bytes  magic "VIGILDS1"
 *          8   u32      manifest length M
 *          12  u32      CRC-32 of the manifest bytes
 *          16  M bytes  manifest, UTF-8 JSON (BundleManifest)
 *          ..           zero padding to a multiple of 8
 *          D   sections, at the offsets the manifest gives (relative to D)
 *
 * A section holds the rows of one table: UTF-8 JSON (an array of records) then, 8-byte aligned,
 * a binary heap. A typed array inside a record is written as {"$ta":"f32","o":offset,"n":length}
 * (offset into the heap). Every section carries its CRC-32, so a damaged file is refused before
 * anything is written to the database.
 */
import { crc32, crc32Update } from '../protocol/crc32';
import { utf8Decode, utf8Encode } from '../protocol/utf8';
import { inEnglish, msg, plainMsg, type Msg } from '../i18n/msg';

/** UTF-8 text codec. models/ has no TextEncoder; callers in a browser pass the native one (faster). */
export interface TextCodec {
  encode(s: string): Uint8Array;
  decode(b: Uint8Array): string;
}
const PLAIN_CODEC: TextCodec = { encode: utf8Encode, decode: utf8Decode };

export const BUNDLE_MAGIC = 'VIGILDS1';
export const BUNDLE_VERSION = 1;

export interface BundleSection {
  table: string;
  count: number;
  offset: number;
  length: number;
  jsonLength: number;
  crc32: number;
}

export interface BundleManifest {
  format: 'vigil-dataset';
  version: number;
  createdMs: number;
  createdBy: string;
  /** The database schema version the rows were read from. */
  schemaVersion: number;
  counts: Record<string, number>;
  sections: BundleSection[];
  /** Anything else worth saying (the app version, the filter used). */
  meta: Record<string, string | number>;
}

/**
 * A bundle that cannot be read or imported. `msg` is the sentence as a catalogue key
 * (`problems.bundle.*`), which the app says in its language; `message` is the same in English
 * (the CLI, logs).
 */
export class BundleError extends Error {
  readonly msg: Msg;
  constructor(m: Msg | string) {
    super(typeof m === 'string' ? m : inEnglish(m));
    this.msg = typeof m === 'string' ? plainMsg(m) : m;
    this.name = 'BundleError';
  }
}

const fail = (key: string, params?: Record<string, string>): BundleError => new BundleError(msg(`problems.bundle.${key}`, params));

type TA = Float32Array | Float64Array | Uint32Array | Int32Array | Uint16Array | Int16Array | Uint8Array | Int8Array;
const TA_KINDS: Record<string, { ctor: { new (n: number): TA; BYTES_PER_ELEMENT: number } }> = {
  f32: { ctor: Float32Array },
  f64: { ctor: Float64Array },
  u32: { ctor: Uint32Array },
  i32: { ctor: Int32Array },
  u16: { ctor: Uint16Array },
  i16: { ctor: Int16Array },
  u8: { ctor: Uint8Array },
  i8: { ctor: Int8Array },
};

function kindOf(v: unknown): string | null {
  if (v instanceof Float32Array) return 'f32';
  if (v instanceof Float64Array) return 'f64';
  if (v instanceof Uint32Array) return 'u32';
  if (v instanceof Int32Array) return 'i32';
  if (v instanceof Uint16Array) return 'u16';
  if (v instanceof Int16Array) return 'i16';
  if (v instanceof Uint8Array) return 'u8';
  if (v instanceof Int8Array) return 'i8';
  return null;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function pad8(n: number): number {
  return (n + 7) & ~7;
}

/** Encodes one table's rows: returns the section's parts and byte length. */
function encodeSection(rows: readonly object[], codec: TextCodec): { parts: Uint8Array[]; jsonLength: number; length: number; crc: number } {
  const heap: Uint8Array[] = [];
  let heapLen = 0;
  const replacer = function (this: unknown, _key: string, value: unknown): unknown {
    const kind = kindOf(value);
    if (kind === null) {
      if (typeof value === 'number' && !Number.isFinite(value)) return { $num: String(value) };
      return value;
    }
    const ta = value as TA;
    const bytes = new Uint8Array(ta.buffer, ta.byteOffset, ta.byteLength);
    const o = heapLen;
    heap.push(bytes);
    heapLen += bytes.byteLength;
    const padded = pad8(heapLen);
    if (padded > heapLen) {
      heap.push(new Uint8Array(padded - heapLen));
      heapLen = padded;
    }
    return { $ta: kind, o, n: ta.length };
  };
  const json = codec.encode(JSON.stringify(rows, replacer));
  const jsonPadded = pad8(json.length);
  const parts = [json];
  if (jsonPadded > json.length) parts.push(new Uint8Array(jsonPadded - json.length));
  parts.push(...heap);
  let crc = 0;
  for (const p of parts) crc = crc32Update(crc, p);
  return { parts, jsonLength: json.length, length: jsonPadded + heapLen, crc };
}

export interface BundleTable {
  table: string;
  rows: readonly object[];
}

/** Builds a bundle; returns its parts in order (hand them to `new Blob(parts)`). */
export function encodeBundle(
  tables: BundleTable[],
  info: { createdMs: number; createdBy: string; schemaVersion: number; meta?: Record<string, string | number> },
  codec: TextCodec = PLAIN_CODEC,
): Uint8Array[] {
  if (!LITTLE_ENDIAN) throw fail('bigEndian');
  const sections: BundleSection[] = [];
  const body: Uint8Array[] = [];
  let offset = 0;
  const counts: Record<string, number> = {};
  for (const t of tables) {
    const s = encodeSection(t.rows, codec);
    sections.push({ table: t.table, count: t.rows.length, offset, length: s.length, jsonLength: s.jsonLength, crc32: s.crc });
    counts[t.table] = (counts[t.table] ?? 0) + t.rows.length;
    body.push(...s.parts);
    offset += s.length;
  }
  const manifest: BundleManifest = {
    format: 'vigil-dataset',
    version: BUNDLE_VERSION,
    createdMs: info.createdMs,
    createdBy: info.createdBy,
    schemaVersion: info.schemaVersion,
    counts,
    sections,
    meta: info.meta ?? {},
  };
  const mBytes = codec.encode(JSON.stringify(manifest));
  const head = new Uint8Array(pad8(16 + mBytes.length));
  for (let i = 0; i < 8; i++) head[i] = BUNDLE_MAGIC.charCodeAt(i);
  const dv = new DataView(head.buffer);
  dv.setUint32(8, mBytes.length, true);
  dv.setUint32(12, crc32(mBytes), true);
  head.set(mBytes, 16);
  return [head, ...body];
}

/** Reads just the manifest (to show what a bundle holds before importing it). */
export function readBundleManifest(bytes: Uint8Array, codec: TextCodec = PLAIN_CODEC): { manifest: BundleManifest; dataStart: number } {
  if (bytes.length < 16) throw fail('tooShort');
  for (let i = 0; i < 8; i++) {
    if (bytes[i] !== BUNDLE_MAGIC.charCodeAt(i)) throw fail('badMagic', { magic: BUNDLE_MAGIC });
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const mLen = dv.getUint32(8, true);
  if (16 + mLen > bytes.length) throw fail('tocCut');
  const mBytes = bytes.subarray(16, 16 + mLen);
  if (crc32(mBytes) !== dv.getUint32(12, true)) throw fail('tocChecksum');
  let manifest: BundleManifest;
  try {
    manifest = JSON.parse(codec.decode(mBytes)) as BundleManifest;
  } catch {
    throw fail('tocUnreadable');
  }
  if (typeof manifest !== 'object' || manifest === null || manifest.format !== 'vigil-dataset') throw fail('notBundle');
  if (typeof manifest.version !== 'number') throw fail('noVersion');
  if (manifest.version > BUNDLE_VERSION) throw fail('newer', { version: String(manifest.version) });
  checkManifest(manifest);
  return { manifest, dataStart: pad8(16 + mLen) };
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Every field the reader and the import use, so a foreign or edited manifest fails here, in words. */
function checkManifest(m: BundleManifest): void {
  const bad = (what: string, params?: Record<string, string>): never => {
    throw fail(`toc.${what}`, params);
  };
  if (typeof m.createdMs !== 'number' || !Number.isFinite(m.createdMs) || Number.isNaN(new Date(m.createdMs).getTime())) bad('noDate');
  if (m.createdBy !== undefined && typeof m.createdBy !== 'string') bad('author');
  if (!Array.isArray(m.sections)) bad('noSections');
  m.sections.forEach((s, i) => {
    if (typeof s !== 'object' || s === null || typeof s.table !== 'string' || s.table === '') bad('unnamed', { n: String(i + 1) });
    for (const k of ['count', 'offset', 'length', 'jsonLength', 'crc32'] as const) if (!isCount(s[k])) bad('field', { table: s.table, field: k });
  });
  if (m.counts !== undefined && (typeof m.counts !== 'object' || m.counts === null)) bad('counts');
  if (m.meta !== undefined && (typeof m.meta !== 'object' || m.meta === null)) bad('notes');
}

/** Decodes every section (CRC-checked). Typed arrays are copies, never views into `bytes`. */
export function decodeBundle(bytes: Uint8Array, codec: TextCodec = PLAIN_CODEC): { manifest: BundleManifest; tables: Map<string, Record<string, unknown>[]> } {
  const { manifest, dataStart } = readBundleManifest(bytes, codec);
  const tables = new Map<string, Record<string, unknown>[]>();
  for (const s of manifest.sections) {
    const start = dataStart + s.offset;
    if (start + s.length > bytes.length || s.jsonLength > s.length) throw fail('sectionCut', { table: s.table });
    if (crc32(bytes, start, start + s.length) !== s.crc32) throw fail('sectionChecksum', { table: s.table });
    const heapStart = start + pad8(s.jsonLength);
    const heapEnd = start + s.length;
    const reviver = (_key: string, value: unknown): unknown => {
      if (value && typeof value === 'object' && !Array.isArray(value)) {
        const v = value as { $ta?: string; o?: number; n?: number; $num?: string };
        if (typeof v.$ta === 'string') {
          const kind = TA_KINDS[v.$ta];
          if (!kind || !Number.isInteger(v.o) || !Number.isInteger(v.n) || v.o! < 0 || v.n! < 0) throw fail('badArray', { table: s.table });
          const from = heapStart + v.o!;
          const len = v.n! * kind.ctor.BYTES_PER_ELEMENT;
          if (from + len > heapEnd) throw fail('arrayPastEnd', { table: s.table });
          const out = new kind.ctor(v.n!);
          new Uint8Array(out.buffer).set(bytes.subarray(from, from + len));
          return out;
        }
        if (typeof v.$num === 'string' && Object.keys(v).length === 1) return Number(v.$num);
      }
      return value;
    };
    let rows: unknown;
    try {
      rows = JSON.parse(codec.decode(bytes.subarray(start, start + s.jsonLength)), reviver);
    } catch (e) {
      if (e instanceof BundleError) throw e;
      throw fail('sectionUnreadable', { table: s.table });
    }
    if (!Array.isArray(rows) || rows.length !== s.count) throw fail('rowCount', { table: s.table });
    const list = tables.get(s.table) ?? [];
    for (const r of rows) list.push(r as Record<string, unknown>);
    tables.set(s.table, list);
  }
  return { manifest, tables };
}
