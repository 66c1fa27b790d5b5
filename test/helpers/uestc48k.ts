// The shipped UESTC excerpts (data/uestc/README.md, 20 kHz, one channel) as the QEMU node takes them:
// resampled to the emulated board's 48 kHz and sent as SAMPLES_IN with the one channel on both axes.
// Shared by the QEMU acceptance tests (qemu-learn, qemu-speed).
import { join } from 'node:path';
import { encodeFrame, encodeSamplesIn, MSG_SAMPLES_IN, samplesInMaxFrames } from '../../models/protocol/index';
import { ROOT } from './firmware';
import { readCsvColumns } from './recording';

const DATA = join(ROOT, 'data/uestc');

/** 20 kHz -> 48 kHz by linear interpolation: output sample i is the recording at t = i / 2.4. */
export function to48k(x: Float32Array): Float32Array {
  const n = Math.floor((x.length - 1) * 2.4) + 1;
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const t = i / 2.4;
    const k = Math.floor(t);
    y[i] = k + 1 < x.length ? x[k] + (t - k) * (x[k + 1] - x[k]) : x[k];
  }
  return y;
}

/** A shipped UESTC excerpt's channel at 48 kHz. */
export const uestcAt48k = (file: string): Float32Array => to48k(readCsvColumns(join(DATA, file)).columns[0]);

/** SAMPLES_IN frames of one channel on both axes, a new stream from frame 0. */
export function samplesIn(x: Float32Array, seq0: number): Uint8Array[] {
  const per = samplesInMaxFrames(2);
  const out: Uint8Array[] = [];
  for (let i = 0, seq = seq0; i < x.length; i += per, seq++) {
    const n = Math.min(per, x.length - i);
    const s = new Float32Array(2 * n);
    for (let j = 0; j < n; j++) s[2 * j] = s[2 * j + 1] = x[i + j];
    out.push(encodeFrame(MSG_SAMPLES_IN, seq & 0xffff, encodeSamplesIn({ firstFrame: i, axisCount: 2, samples: s })));
  }
  return out;
}
