/**
 * One CSV reader: a file gets the same verdict through the import (sniffCsv's mapping into
 * CsvStreamParser) and through the training path, read from disk by the CLI (Node stream) and
 * from a picked file by the Training page (TextDecoderStream).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CsvError, CsvStreamParser } from '../../../../models/dataset/csv';
import { sniffCsv } from '../../../../models/dataset/formats';
import { readCsvColumns } from '../../../../main/cli/csvColumns';
import { readFileColumns } from '../../../../renderer/src/training/csv';
import { ROOT } from '../../../helpers/firmware';

type Bytes = Uint8Array<ArrayBuffer>;
type Verdict = { ok: true; columns: number[][] } | { ok: false; message: string };

const CHANNELS = ['DE_accel', 'FE_accel'];

/** The import: sniff the head, take its mapping (the CWRU columns when it finds them), parse in small pieces. */
function viaImport(bytes: Bytes): Verdict {
  const text = new TextDecoder().decode(bytes);
  const mapping = sniffCsv(text.slice(0, 4096), 'recording.csv').settings.mapping;
  const m = mapping.axisColumns.length > 0 ? mapping : { ...mapping, axisColumns: [0] };
  const columns: number[][] = m.axisColumns.map(() => []);
  try {
    const p = new CsvStreamParser(m, { segment: () => {}, samples: (axes, n) => axes.forEach((a, k) => columns[k].push(...a.subarray(0, n))) });
    for (let i = 0; i < text.length; i += 7) p.push(text.slice(i, i + 7));
    p.end();
    return { ok: true, columns };
  } catch (e) {
    if (e instanceof CsvError) return { ok: false, message: e.message };
    throw e;
  }
}

const dir = mkdtempSync(join(tmpdir(), 'vigil-csv-paths-'));

async function viaCli(name: string, bytes: Bytes): Promise<Verdict> {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  try {
    const r = await readCsvColumns(path, CHANNELS, { label: name });
    return { ok: true, columns: r.columns.map((c) => Array.from(c)) };
  } catch (e) {
    return { ok: false, message: (e as Error).message.replace(`${name}: `, '') };
  }
}

async function viaTrainingPage(name: string, bytes: Bytes): Promise<Verdict> {
  try {
    const r = await readFileColumns(new Blob([bytes]), name, CHANNELS);
    return { ok: true, columns: r.columns.map((c) => Array.from(c)) };
  } catch (e) {
    return { ok: false, message: (e as Error).message.replace(`${name}: `, '') };
  }
}

const utf8 = (s: string): Bytes => new TextEncoder().encode(s) as Bytes;
/** Bytes 0..255 except the line feed and the comma, repeated past the longest line a CSV may have. */
const junk = Uint8Array.from({ length: 20_000 }, (_, i) => [...Array(256).keys()].filter((b) => b !== 10 && b !== 44)[(i * 7) % 254]);

const FILES: [string, Bytes, boolean][] = [
  ['the shipped CWRU excerpt', Uint8Array.from(readFileSync(join(ROOT, 'data/demo/cwru_normal_0hp_1797rpm_48k_1s.csv'))), true],
  ['CRLF, a BOM, quotes, a blank line, no final break', utf8('\ufeffDE_accel,"FE_accel"\r\n1,2\r\n\r\n"3", 4.5e-1\r\n-.5,+6'), true],
  ['empty file', utf8(''), false],
  ['only blank lines', utf8('\n\r\n\n'), false],
  ['header only', utf8('DE_accel,FE_accel\n'), false],
  ['a ragged row', utf8('DE_accel,FE_accel\n0.1,0.2\n0.3\n0.4,0.5\n0.6,0.7\n'), false],
  ['a word among the numbers', utf8('DE_accel,FE_accel\n0.1,0.2\nx,0.3\n0.4,0.5\n'), false],
  ['NaN', utf8('DE_accel,FE_accel\n0.1,0.2\n0.3,NaN\n0.4,0.5\n'), false],
  ['a hexadecimal number', utf8('DE_accel,FE_accel\n0.1,0.2\n0x10,0.3\n0.4,0.5\n'), false],
  ['an empty cell', utf8('DE_accel,FE_accel\n0.1,0.2\n,0.3\n0.4,0.5\n'), false],
  ['binary junk', junk, false],
];

describe('the import and the training path read CSV files alike', () => {
  for (const [name, bytes, good] of FILES) {
    it(name, async () => {
      const imported = viaImport(bytes);
      expect(imported.ok).toBe(good);
      const file = `${name.replace(/\W+/g, '_')}.csv`;
      expect(await viaCli(file, bytes)).toEqual(imported);
      expect(await viaTrainingPage(file, bytes)).toEqual(imported);
    });
  }

  it('the training path names a missing channel', async () => {
    const bytes = utf8('time,DE_accel\n0,0.1\n1,0.2\n');
    expect(await viaCli('one.csv', bytes)).toEqual({ ok: false, message: 'The file has no column "FE_accel" (its columns: time, DE_accel).' });
    expect(await viaTrainingPage('one.csv', bytes)).toEqual({ ok: false, message: 'The file has no column "FE_accel" (its columns: time, DE_accel).' });
  });
});
