import { describe, expect, it } from 'vitest';
import { concatBytes } from '../../../helpers/bytes';
import { BundleError, decodeBundle, encodeBundle, readBundleManifest } from '../../../../models/dataset/bundle';
import { csvCell, labelForKey, LABEL_KEYS, LABEL_KINDS, labelsToCsv } from '../../../../models/dataset/labels';

const info = { createdMs: 1_700_000_000_000, createdBy: 'Ana Lima', schemaVersion: 2 };

describe('dataset bundle', () => {
  const chunk = {
    id: 's:0',
    count: 3,
    windowIndex: Uint32Array.from([0, 1, 5]),
    values: Float32Array.from([0.1, NaN, -3]),
    bands: null,
    t: Float64Array.from([1.5]),
    tiny: Uint16Array.from([7]), // odd byte lengths keep later arrays aligned
    after: Float64Array.from([2.25, -1]),
  };
  const label = { id: 'L1', notes: 'Bearing "DE" → noisy, see\nphoto', score: Infinity, nan: NaN };

  it('round-trips rows with typed arrays, text and non-finite numbers', () => {
    const bytes = concatBytes(encodeBundle([{ table: 'featureChunks', rows: [chunk] }, { table: 'labels', rows: [label] }, { table: 'events', rows: [] }], info));
    const { manifest, tables } = decodeBundle(bytes);
    expect(manifest.counts).toEqual({ featureChunks: 1, labels: 1, events: 0 });
    expect(manifest.createdBy).toBe('Ana Lima');
    const c = tables.get('featureChunks')![0];
    expect(c.windowIndex).toEqual(chunk.windowIndex);
    expect(c.values).toBeInstanceOf(Float32Array);
    expect(Array.from(c.values as Float32Array)).toEqual([Math.fround(0.1), NaN, -3]);
    expect(c.after).toEqual(chunk.after);
    expect(c.tiny).toEqual(chunk.tiny);
    expect(c.bands).toBeNull();
    // Copies, not views into the file: storing a view would store the whole file with it.
    expect((c.values as Float32Array).buffer.byteLength).toBe(12);
    expect(tables.get('labels')![0]).toEqual(label);
    expect(tables.get('events')).toEqual([]);
  });

  it('encodes the same rows to the same bytes', () => {
    const a = concatBytes(encodeBundle([{ table: 'labels', rows: [label] }], info));
    const b = concatBytes(encodeBundle([{ table: 'labels', rows: [label] }], info));
    expect(a).toEqual(b);
    expect(new TextDecoder().decode(a.subarray(0, 8))).toBe('VIGILDS1');
  });

  it('refuses damaged, cut or foreign files in plain words', () => {
    const good = concatBytes(encodeBundle([{ table: 'featureChunks', rows: [chunk] }], info));
    const flipped = good.slice();
    flipped[flipped.length - 3] ^= 0x40;
    expect(() => decodeBundle(flipped)).toThrow('The bundle is damaged: the "featureChunks" section does not match its checksum.');
    expect(() => decodeBundle(good.subarray(0, good.length - 8))).toThrow('The bundle is cut short: the "featureChunks" section is incomplete.');
    const head = good.slice();
    head[20] ^= 1;
    expect(() => decodeBundle(head)).toThrow(/table of contents does not match/);
    expect(() => decodeBundle(new TextEncoder().encode('DE_accel,FE_accel\n1,2\n'))).toThrow(BundleError);
    expect(() => decodeBundle(new Uint8Array(3))).toThrow('This file is too short to be a Vigil dataset bundle.');
    expect(readBundleManifest(good).manifest.counts.featureChunks).toBe(1);
  });
});

describe('labels', () => {
  it('gives every label its own shortcut key', () => {
    const keys = LABEL_KINDS.map((k) => LABEL_KEYS[k]);
    expect(new Set(keys).size).toBe(LABEL_KINDS.length);
    expect(labelForKey('I')).toBe('inner-race');
    expect(labelForKey('q')).toBeNull();
  });

  it('writes a CSV that spreadsheets read safely', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('=SUM(A1)')).toBe("'=SUM(A1)");
    expect(csvCell(-1.5)).toBe('-1.5');
    const csv = labelsToCsv([
      { id: 'L1', node: 'Pump 3 DE', asset: 'Pump 3', recording: 'r.csv', startMs: 0, endMs: 1500, label: 'inner-race', notes: 'line1\nline2', author: 'Ana', createdMs: 0, updatedMs: 0 },
    ]);
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe('id,node,asset,recording,start_utc,end_utc,duration_s,label,label_name,notes,technician,created_utc,updated_utc');
    expect(lines[1]).toBe('L1,Pump 3 DE,Pump 3,r.csv,1970-01-01T00:00:00.000Z,1970-01-01T00:00:01.500Z,1.5,inner-race,Bearing inner race,"line1\nline2",Ana,1970-01-01T00:00:00.000Z,1970-01-01T00:00:00.000Z');
  });
});
