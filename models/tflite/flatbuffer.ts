/**
 * The FlatBuffers binary encoding (https://flatbuffers.dev/internals/), the part a TFLite model
 * needs: tables of scalars and references, vectors of scalars, of tables and strings. A small
 * hand-written writer and a bounds-checked reader instead of the `flatbuffers` package: the
 * package's reader trusts its input (a hostile file reads out of range), and without `flatc` its
 * generated schema code would be hand-written anyway (docs/tflite.md says why).
 *
 * The writer lays objects out front to back: a table is written with its vtable just before it
 * and its children after it, so every uoffset points forward as the format requires, and every
 * scalar sits at an offset from the buffer start that is a multiple of its size (the alignment
 * the FlatBuffers verifier in LiteRT checks).
 */
import { utf8Decode, utf8Encode } from '../protocol/utf8';

export class FlatBufferError extends Error {
  override name = 'FlatBufferError';
}

// ---- writing ----

export type ScalarType = 'u8' | 'i8' | 'bool' | 'i32' | 'u32';
export type FbField = { type: ScalarType; value: number } | { type: 'ref'; value: FbNode };
export type FbNode =
  | { kind: 'table'; fields: (FbField | undefined)[] }
  | { kind: 'vector'; elem: 'u8' | 'i32' | 'f32' | 'i64'; data: ArrayLike<number>; align?: number }
  | { kind: 'tables'; items: FbNode[] }
  | { kind: 'string'; value: string };

const SIZE: Record<ScalarType | 'f32' | 'i64', number> = { u8: 1, i8: 1, bool: 1, i32: 4, u32: 4, f32: 4, i64: 8 };

export type FbFields = (FbField | undefined)[];
export const table = (fields: FbFields): FbNode => ({ kind: 'table', fields });
export const ref = (value: FbNode): FbField => ({ type: 'ref', value });
export const scalar = (type: ScalarType, value: number): FbField => ({ type, value });

class Out {
  bytes = new Uint8Array(1024);
  view = new DataView(this.bytes.buffer);
  len = 0;
  reserve(n: number): number {
    if (this.len + n > this.bytes.length) {
      const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.len + n));
      grown.set(this.bytes.subarray(0, this.len));
      this.bytes = grown;
      this.view = new DataView(grown.buffer);
    }
    const at = this.len;
    this.len += n;
    return at;
  }
  /** Pads with zeros until (len + ahead) is a multiple of align. */
  alignFor(align: number, ahead = 0): void {
    while ((this.len + ahead) % align !== 0) this.reserve(1);
  }
}

/** Serialises a root table with a 4-byte file identifier (TFLite: "TFL3"). */
export function writeFlatBuffer(root: FbNode, fileIdentifier: string): Uint8Array {
  if (root.kind !== 'table') throw new FlatBufferError('the root must be a table');
  if (fileIdentifier.length !== 4) throw new FlatBufferError('a file identifier is 4 characters');
  const out = new Out();
  out.reserve(8);
  for (let i = 0; i < 4; i++) out.bytes[4 + i] = fileIdentifier.charCodeAt(i);
  const rootAt = writeNode(out, root);
  out.view.setUint32(0, rootAt, true);
  return out.bytes.slice(0, out.len);
}

/** Writes a node and its children; returns the node's position (table start, or vector length word). */
function writeNode(out: Out, node: FbNode): number {
  switch (node.kind) {
    case 'string': {
      const utf8 = utf8Encode(node.value);
      out.alignFor(4);
      const at = out.reserve(4 + utf8.length + 1);
      out.view.setUint32(at, utf8.length, true);
      out.bytes.set(utf8, at + 4);
      return at;
    }
    case 'vector': {
      const size = SIZE[node.elem];
      out.alignFor(Math.max(4, size, node.align ?? 1), 4);
      const at = out.reserve(4 + size * node.data.length);
      out.view.setUint32(at, node.data.length, true);
      for (let i = 0; i < node.data.length; i++) {
        const p = at + 4 + i * size;
        const v = node.data[i];
        if (node.elem === 'u8') out.view.setUint8(p, v);
        else if (node.elem === 'i32') out.view.setInt32(p, v, true);
        else if (node.elem === 'f32') out.view.setFloat32(p, v, true);
        else out.view.setBigInt64(p, BigInt(v), true);
      }
      return at;
    }
    case 'tables': {
      out.alignFor(4);
      const at = out.reserve(4 + 4 * node.items.length);
      out.view.setUint32(at, node.items.length, true);
      node.items.forEach((item, i) => {
        const slot = at + 4 + 4 * i;
        const child = writeNode(out, item);
        out.view.setUint32(slot, child - slot, true);
      });
      return at;
    }
    case 'table': {
      // Field placement inside the table: 4-byte fields first, then bytes; the table starts 4-aligned.
      const present = node.fields.map((f, i) => ({ f, i })).filter((x): x is { f: FbField; i: number } => x.f !== undefined);
      const size = (f: FbField) => (f.type === 'ref' ? 4 : SIZE[f.type]);
      present.sort((a, b) => size(b.f) - size(a.f) || a.i - b.i);
      const offsets = new Map<number, number>();
      let tableSize = 4;
      for (const { f, i } of present) {
        offsets.set(i, tableSize);
        tableSize += size(f);
      }
      tableSize = (tableSize + 3) & ~3;
      const nslots = node.fields.length;
      const vtableSize = 4 + 2 * nslots;
      out.alignFor(4, vtableSize); // the table after the vtable lands 4-aligned
      const vt = out.reserve(vtableSize);
      out.view.setUint16(vt, vtableSize, true);
      out.view.setUint16(vt + 2, tableSize, true);
      for (let i = 0; i < nslots; i++) out.view.setUint16(vt + 4 + 2 * i, offsets.get(i) ?? 0, true);
      const at = out.reserve(tableSize);
      out.view.setInt32(at, at - vt, true); // vtable = table - soffset
      for (const { f, i } of present) {
        const p = at + (offsets.get(i) as number);
        if (f.type === 'u8' || f.type === 'bool') out.view.setUint8(p, f.value);
        else if (f.type === 'i8') out.view.setInt8(p, f.value);
        else if (f.type === 'i32') out.view.setInt32(p, f.value, true);
        else if (f.type === 'u32') out.view.setUint32(p, f.value, true);
      }
      for (const { f, i } of present) {
        if (f.type !== 'ref') continue;
        const p = at + (offsets.get(i) as number);
        const child = writeNode(out, f.value);
        out.view.setUint32(p, child - p, true);
      }
      return at;
    }
  }
}

// ---- reading (every access bounded by the buffer) ----

export class FbReader {
  private readonly view: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  private need(pos: number, n: number, what: string): void {
    if (!Number.isInteger(pos) || pos < 0 || pos + n > this.bytes.length) throw new FlatBufferError(`${what} lies outside the file (byte ${pos}, file of ${this.bytes.length} bytes)`);
  }
  u8(pos: number, what = 'a value'): number {
    this.need(pos, 1, what);
    return this.view.getUint8(pos);
  }
  i8(pos: number, what = 'a value'): number {
    this.need(pos, 1, what);
    return this.view.getInt8(pos);
  }
  u16(pos: number, what = 'a value'): number {
    this.need(pos, 2, what);
    return this.view.getUint16(pos, true);
  }
  i32(pos: number, what = 'a value'): number {
    this.need(pos, 4, what);
    return this.view.getInt32(pos, true);
  }
  u32(pos: number, what = 'a value'): number {
    this.need(pos, 4, what);
    return this.view.getUint32(pos, true);
  }
  f32(pos: number, what = 'a value'): number {
    this.need(pos, 4, what);
    return this.view.getFloat32(pos, true);
  }
  i64(pos: number, what = 'a value'): number {
    this.need(pos, 8, what);
    return Number(this.view.getBigInt64(pos, true));
  }
  /** The root table's position. */
  root(): number {
    return this.u32(0, 'the root offset');
  }
  fileIdentifier(): string {
    this.need(4, 4, 'the file identifier');
    return String.fromCharCode(...this.bytes.subarray(4, 8));
  }
  /** Position of field `slot` of the table at `t`, or 0 when absent. */
  field(t: number, slot: number, what: string): number {
    const vt = t - this.i32(t, what);
    const vtSize = this.u16(vt, `the vtable of ${what}`);
    if (vtSize < 4 || vtSize % 2) throw new FlatBufferError(`the vtable of ${what} is malformed`);
    if (4 + 2 * slot >= vtSize) return 0;
    const off = this.u16(vt + 4 + 2 * slot, `the vtable of ${what}`);
    return off === 0 ? 0 : t + off;
  }
  /** Follows the uoffset stored at `pos`. */
  deref(pos: number, what: string): number {
    return pos + this.u32(pos, what);
  }
  scalarField(t: number, slot: number, kind: 'u8' | 'i8' | 'i32' | 'u32', def: number, what: string): number {
    const p = this.field(t, slot, what);
    if (!p) return def;
    return kind === 'u8' ? this.u8(p, what) : kind === 'i8' ? this.i8(p, what) : kind === 'i32' ? this.i32(p, what) : this.u32(p, what);
  }
  /** A referenced table/vector/string field: its position, or 0 when absent. */
  refField(t: number, slot: number, what: string): number {
    const p = this.field(t, slot, what);
    return p ? this.deref(p, what) : 0;
  }
  /** Length and element start of the vector at `v` (element size `size` for the bounds check). */
  vector(v: number, size: number, what: string): { length: number; start: number } {
    const length = this.u32(v, what);
    this.need(v + 4, length * size, what);
    return { length, start: v + 4 };
  }
  string(s: number, what: string): string {
    const { length, start } = this.vector(s, 1, what);
    return utf8Decode(this.bytes.subarray(start, start + length));
  }
  /** Table positions of a vector of tables. */
  tables(v: number, what: string): number[] {
    const { length, start } = this.vector(v, 4, what);
    return Array.from({ length }, (_, i) => this.deref(start + 4 * i, what));
  }
}
