import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CsvError, CsvStreamParser, type CsvMapping } from '../../../../models/dataset/csv';
import { sniffCsv } from '../../../../models/dataset/formats';
import { makeI18n } from '../../../../models/i18n';
import { renderMsg, type MsgWords } from '../../../../models/i18n/msg';
import { ROOT } from '../../../helpers/firmware';
import { readCsvColumns } from '../../../helpers/recording';

const BASE: CsvMapping = { delimiter: ',', decimalComma: false, skipLines: 0, hasHeader: true, columnCount: 2, axisColumns: [0, 1], segmentColumn: null, scale: 1 };

function collect(m: CsvMapping, pieces: string[]) {
  const segments: { key: string; line: number; rows: number[][] }[] = [];
  const p = new CsvStreamParser(m, {
    segment: (key, line) => segments.push({ key, line, rows: m.axisColumns.map(() => []) }),
    samples: (axes, n) => {
      const s = segments[segments.length - 1];
      axes.forEach((a, i) => s.rows[i].push(...Array.from(a.subarray(0, n))));
    },
  });
  for (const x of pieces) p.push(x);
  p.end();
  return { segments, parser: p };
}

function errorOf(m: CsvMapping, text: string): CsvError {
  try {
    collect(m, [text]);
  } catch (e) {
    if (e instanceof CsvError) return e;
    throw e;
  }
  throw new Error('no error');
}

describe('CsvStreamParser', () => {
  it('reads the shipped CWRU excerpt the same in any piece size, as float32', () => {
    const path = join(ROOT, 'data/demo/cwru_normal_0hp_1797rpm_48k_1s.csv');
    const text = readFileSync(path, 'utf8');
    const ref = readCsvColumns(path);
    for (const size of [1, 7, 4096, 1 << 20]) {
      const pieces: string[] = [];
      // Size 1 on the whole file would be slow; cut the first 3000 characters finely, the rest coarsely.
      const fine = size === 1 ? 3000 : 0;
      for (let i = 0; i < fine; i++) pieces.push(text[i]);
      for (let i = fine; i < text.length; i += size === 1 ? 65536 : size) pieces.push(text.slice(i, i + (size === 1 ? 65536 : size)));
      const { segments, parser } = collect(BASE, pieces);
      expect(parser.header).toEqual(['DE_accel', 'FE_accel']);
      expect(segments.length).toBe(1);
      expect(segments[0].rows[0].length).toBe(48000);
      expect(Float32Array.from(segments[0].rows[0])).toEqual(ref.columns[0]);
      expect(Float32Array.from(segments[0].rows[1])).toEqual(ref.columns[1]);
    }
  });

  it('handles CRLF, a BOM, quotes, blank lines and a last line without a break', () => {
    const { segments } = collect(BASE, ['\ufeff"a","b"\r\n1,2\r\n\r\n"3", 4.5e-1\r\n-.5,+6']);
    expect(segments[0].rows).toEqual([
      [1, 3, -0.5],
      [2, Math.fround(0.45), 6],
    ]);
  });

  it('starts a new segment where the segment column changes (FEMTO snapshots)', () => {
    const m: CsvMapping = { ...BASE, columnCount: 3, axisColumns: [1, 2], segmentColumn: 0 };
    const { segments } = collect(m, ['snapshot,h,v\n1,0.1,0.2\n1,0.3,0.4\n2,0.5,0.6\n', '2,0.7,0.8\n3,0.9,1.0\n']);
    expect(segments.map((s) => [s.key, s.line])).toEqual([
      ['1', 2],
      ['2', 4],
      ['3', 6],
    ]);
    expect(segments[1].rows[0]).toEqual([Math.fround(0.5), Math.fround(0.7)]);
  });

  it('reads semicolons with decimal commas, skipped title lines and a unit scale', () => {
    const m: CsvMapping = { ...BASE, delimiter: ';', decimalComma: true, skipLines: 1, scale: 0.5 };
    const { segments } = collect(m, ['Pump 3, 2024\nx;y\n1,5;2\n']);
    expect(segments[0].rows).toEqual([[0.75], [1]]);
  });

  it('names the line and column of a bad value', () => {
    const cases: [string, string, number, RegExp][] = [
      ['a,b\n1,2\n3\n', 'column-count', 3, /^Line 3 has 1 value; every row needs 2\.$/],
      ['a,b\n1,2\n3,4,5\n', 'column-count', 3, /^Line 3 has 3 values/],
      ['a,b\n1,2\n1,abc\n', 'not-a-number', 3, /^Line 3, column 2 \(b\): "abc" is not a number\.$/],
      ['a,b\n1,NaN\n', 'not-finite', 2, /^Line 2, column 2 \(b\) is "NaN" \(not a number\): a measurement is missing there\.$/],
      ['a,b\n1,-inf\n', 'not-finite', 2, /^Line 2, column 2 \(b\) is "-inf", not a measurement\.$/],
      ['a,b\n1,\n', 'empty-value', 2, /^Line 2, column 2 \(b\) is empty/],
      ['a,b\n1,1e39\n', 'out-of-range', 2, /too large/],
      ['a,b\n0x10,1\n', 'not-a-number', 2, /"0x10" is not a number/],
      ['a,b,c\n1,2\n', 'column-count', 1, /^The header on line 1 has 3 columns; 2 were expected\.$/],
    ];
    for (const [text, problem, line, msg] of cases) {
      const e = errorOf(BASE, text);
      expect([e.problem, e.line], text).toEqual([problem, line]);
      expect(e.message).toMatch(msg);
    }
  });

  it('refuses empty files, header-only files, endless lines and too many rows', () => {
    expect(errorOf(BASE, '').message).toBe('The file is empty.');
    expect(errorOf(BASE, 'a,b\n\n').message).toBe('The file has a header but no rows of measurements.');
    const long = errorOf(BASE, 'a,b\n' + '1'.repeat(20_000));
    expect([long.problem, long.line]).toEqual(['line-too-long', 2]);
    const p = new CsvStreamParser(BASE, { segment: () => {}, samples: () => {} }, { maxRows: 2 });
    expect(() => p.push('a,b\n1,2\n3,4\n5,6\n')).toThrow(/^Line 4: the file has more than 2 rows/);
  });

  it('refuses a mapping that cannot work, in plain words', () => {
    expect(() => new CsvStreamParser({ ...BASE, axisColumns: [] }, { segment: () => {}, samples: () => {} })).toThrow('Choose one to three columns to import as axes.');
    expect(() => new CsvStreamParser({ ...BASE, axisColumns: [0, 2] }, { segment: () => {}, samples: () => {} })).toThrow('Column 3 does not exist (the file has 2).');
    expect(() => new CsvStreamParser({ ...BASE, decimalComma: true }, { segment: () => {}, samples: () => {} })).toThrow(/decimal comma/);
  });
});

describe('sniffCsv', () => {
  it('recognises the CWRU and FEMTO files', () => {
    const cwru = sniffCsv('DE_accel,FE_accel\n0.05,0.14\n0.08,0.09\n', 'normal_0hp_1797rpm_48k.csv');
    expect(cwru.settings.format).toBe('cwru');
    expect(cwru.settings.sampleRateHz).toBe(48000);
    expect(cwru.settings.mapping.axisColumns).toEqual([0, 1]);
    expect(sniffCsv('DE_accel,FE_accel\n1,2\n3,4\n', 'x_DE12.csv').settings.sampleRateHz).toBe(12000);
    const femto = sniffCsv('snapshot,horiz_accel_g,vert_accel_g\n1,0.050,-0.253\n1,0.165,-0.140\n', 'Bearing1_2_acc.csv');
    expect(femto.settings).toMatchObject({ format: 'femto', sampleRateHz: 25600, segmentSpacingS: 10, channels: ['horizontal', 'vertical'] });
    expect(femto.settings.mapping).toMatchObject({ axisColumns: [1, 2], segmentColumn: 0, columnCount: 3 });
  });

  it('guesses a mapping and the rate from a time column for other CSVs', () => {
    const head = 'Logger 7\ntime;x;y;z\n0,0000;0,1;0,2;0,3\n0,0001;0,1;0,2;0,3\n0,0002;0,1;0,2;0,3\n0,0003;0,1;0,2;0,3\n0,00';
    const p = sniffCsv(head, 'pump.csv');
    expect(p.settings.format).toBe('generic');
    expect(p.settings.mapping).toMatchObject({ delimiter: ';', decimalComma: true, skipLines: 1, hasHeader: true, columnCount: 4, axisColumns: [1, 2, 3] });
    expect(p.settings.sampleRateHz).toBe(10000);
    expect(p.columnNames).toEqual(['time', 'x', 'y', 'z']);
    const bare = sniffCsv('0.1,0.2\n0.3,0.4\n', 'a.csv');
    expect(bare.settings.mapping.hasHeader).toBe(false);
    expect(bare.columnNames).toEqual(['Column 1', 'Column 2']);
    expect(bare.settings.sampleRateHz).toBe(0);
  });

  it('notes what it guessed in English and, from the same keys, in Spanish with a decimal comma', () => {
    const es = makeI18n('es');
    const nf = new Intl.NumberFormat('es', { maximumFractionDigits: 6 });
    const words: MsgWords = { t: (key, params) => es.t(key, params) as string, num: (x) => nf.format(x) };
    const head = 'Logger 7\ntime;x;y;z\n0,0000;0,1;0,2;0,3\n0,0001;0,1;0,2;0,3\n0,0002;0,1;0,2;0,3\n0,0003;0,1;0,2;0,3\n0,00';
    const p = sniffCsv(head, 'pump.csv');
    expect(p.notes).toEqual(['The first line is not part of the table and will be skipped.', 'Sample rate 10000 Hz, from the spacing of the "time" column; check it.', 'Numbers use a decimal comma.']);
    expect(p.noteMsgs.map((m) => renderMsg(m, words))).toEqual([
      'La primera línea no forma parte de la tabla y se omitirá.',
      'Frecuencia de muestreo 10.000 Hz, según el espaciado de la columna "time"; compruébela.',
      'Los números usan coma decimal.',
    ]);
    const others = [
      sniffCsv('a\nb\nDE_accel,FE_accel\n1,2\n3,4\n', 'x.csv'),
      sniffCsv('snapshot,horiz_accel_g,vert_accel_g\n1,0.050,-0.253\n1,0.165,-0.140\n', 'Bearing1_2_acc.csv'),
      sniffCsv('x,y\nfoo,bar\nbaz,qux\n', 'pump_25.6k.csv'),
      sniffCsv('0.1,0.2\n0.3,0.4\n', 'a.csv'),
    ];
    expect(others[1].notes[0]).toBe('FEMTO-ST PRONOSTIA recording: snapshots of 2560 samples at 25.6 kHz, one every 10 s, values in g.');
    const spanish = others.flatMap((o) => o.noteMsgs.map((m) => renderMsg(m, words)));
    expect(spanish).toContain('Grabación FEMTO-ST PRONOSTIA: capturas de 2560 muestras a 25,6 kHz, una cada 10 s, valores en g.');
    expect(spanish.length).toBe(others.reduce((n, o) => n + o.notes.length, 0));
    for (const s of spanish) expect(s).not.toMatch(/\b(the|file|sample rate|check it|column|recording|values in)\b|verdict\./i);
  });
});
