/**
 * The CSV import worker: reads the file as a stream (never the whole text at once), parses it with
 * models/dataset, computes the features with models/features as a node does, and hands the page
 * the finished rows (typed arrays transferred, not copied). The page writes them in one
 * transaction, so nothing reaches the database unless the whole file was good.
 */
import { CsvError, CsvStreamParser } from '../../../models/dataset/csv';
import { RecordingBuilder } from '../../../models/dataset/recording';
import { inEnglish, msg as sentence } from '../../../models/i18n/msg';
import { crc32Update } from '../../../models/protocol/crc32';
import { buildImportRows, transferablesOf } from './buildRows';
import type { FromWorker, ToWorker } from './protocol';

let cancelled = false;

const BINARY = sentence('verdict.import.binary');

function post(msg: FromWorker, transfer: Transferable[] = []): void {
  self.postMessage(msg, { transfer });
}

async function run(msg: Extract<ToWorker, { type: 'start' }>): Promise<void> {
  const t0 = performance.now();
  const { file, settings } = msg;
  try {
    const builder = new RecordingBuilder({ sampleRateHz: settings.sampleRateHz, axisCount: settings.mapping.axisColumns.length, segmentSpacingS: settings.segmentSpacingS });
    const parser = new CsvStreamParser(settings.mapping, builder, { maxRows: msg.limits.maxRows });
    const reader = file.stream().getReader();
    const decoder = new TextDecoder('utf-8');
    let crc = 0;
    let bytes = 0;
    let lastPost = 0;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      if (cancelled) {
        await reader.cancel();
        post({ type: 'cancelled' });
        return;
      }
      if (bytes === 0 && value.subarray(0, 4096).includes(0)) {
        throw new CsvError('not-a-number', 1, BINARY);
      }
      crc = crc32Update(crc, value);
      bytes += value.length;
      parser.push(decoder.decode(value, { stream: true }));
      const now = performance.now();
      if (now - lastPost > 100) {
        lastPost = now;
        post({ type: 'progress', bytes, total: file.size, rows: parser.rows });
      }
    }
    parser.push(decoder.decode());
    parser.end();
    if (cancelled) {
      post({ type: 'cancelled' });
      return;
    }
    const built = builder.finish();
    const rows = buildImportRows(built, { ...msg.meta, bytes, hash: `${crc.toString(16).padStart(8, '0')}-${bytes}` });
    post({ type: 'done', rows, bytes, samples: built.sampleCount, windows: built.features.length, parseMs: performance.now() - t0 }, transferablesOf(rows));
  } catch (e) {
    if (e instanceof CsvError) post({ type: 'error', message: e.message, line: e.line, say: e.msg });
    else {
      // A worker cannot read the language setting: the page says the sentence, the detail stays as thrown.
      const say = sentence('import.failed', { error: e instanceof Error ? e.message : String(e) });
      post({ type: 'error', message: inEnglish(say), line: 0, say });
    }
  }
}

self.onmessage = (e: MessageEvent<ToWorker>) => {
  const msg = e.data;
  if (msg.type === 'cancel') cancelled = true;
  else if (msg.type === 'start') {
    cancelled = false;
    void run(msg);
  }
};
