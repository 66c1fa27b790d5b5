/**
 * frames: how fast the TypeScript side turns wire bytes into decoded messages.
 * A realistic stream (HELLO, then FEATURES frames of 3 axes x 5 fields, with a little garbage every
 * 1000 frames) is pushed through Deframer + decodeFeatures in 4 KiB chunks, as serialport delivers.
 */
import { performance } from 'node:perf_hooks';
import { decodeFeatures, Deframer, encodeFeatures, encodeFrame, MSG_FEATURES, type Frame } from '../models/protocol/index';
import { concatBytes } from '../test/helpers/bytes';
import type { BenchResult } from './run';

function buildStream(frames: number): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let i = 0; i < frames; i++) {
    const values = [0, 1, 2].map((a) => [0.05 + a * 0.01 + (i % 7) * 1e-3, 0.3, 4.1, 3.0, 1.7]);
    const w = encodeFrame(MSG_FEATURES, i & 0xffff, encodeFeatures({ windowIndex: i, tUs: i * 10667, shaftHz: 29.95, values }));
    parts.push(w);
    if (i % 1000 === 999) parts.push(Uint8Array.of(0x13, 0x37, 0x42, 0x00));
  }
  return concatBytes(parts);
}

export async function framesBench(): Promise<BenchResult> {
  const N = 200_000;
  const wire = buildStream(N);
  const CHUNK = 4096;
  let decoded = 0;
  let checksum = 0;
  const onFrame = (f: Frame) => {
    if (f.type === MSG_FEATURES) {
      const m = decodeFeatures(f.payload);
      checksum += m.rms[0];
      decoded++;
    }
  };
  const runOnce = () => {
    const d = new Deframer(onFrame);
    for (let i = 0; i < wire.length; i += CHUNK) d.push(wire.subarray(i, i + CHUNK));
    return d.stats;
  };
  runOnce(); // warm-up (JIT)
  decoded = 0;
  const reps = 5;
  const times: number[] = [];
  let stats = runOnce();
  decoded = 0;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    stats = runOnce();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(reps / 2)] / 1000;
  if (decoded !== N * reps || stats.badCobs + stats.badCrc + stats.badLength === 0) {
    throw new Error(`frames bench: decoded ${decoded} frames, expected ${N * reps}; stats ${JSON.stringify(stats)}`);
  }
  const mb = wire.length / 1e6;
  return {
    name: 'frames',
    figures: {
      wire_mb: Number(mb.toFixed(2)),
      frames: N,
      frame_bytes_avg: Number((wire.length / N).toFixed(1)),
      decode_mb_s: Number((mb / median).toFixed(1)),
      frames_per_s: Math.round(N / median),
      median_s: Number(median.toFixed(4)),
      checksum: Number(checksum.toFixed(3)),
    },
    targets: { decode_mb_s: '>= 100 MB/s', frames_per_s: '>= 940 (10 nodes at 94 windows/s)' },
    notes: [`median of ${reps} runs after one warm-up, 4 KiB chunks, Node ${process.version}`],
  };
}
