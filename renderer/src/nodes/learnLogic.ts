/**
 * The technician's learning period (CONFIG key 10, docs/detection.md §4): a time the technician
 * thinks in, turned into the windows the node counts, and back.
 */
import { LEARN_WINDOWS_MAX, LEARN_WINDOWS_MIN } from '../../../models/protocol/bounds';

export type LearnUnit = 'minutes' | 'hours' | 'days';

const SECONDS: Record<LearnUnit, number> = { minutes: 60, hours: 3600, days: 86400 };

/** The problem with a period, as a catalogue key and its values (the caller translates). */
export interface LearnProblem {
  key: 'learn.problem.number' | 'learn.problem.short' | 'learn.problem.long';
  values?: Record<string, number>;
}

/**
 * Windows for `amount` units at the node's rate and hop: a window completes every hop samples, so
 * a period of T seconds holds round(T · rate / hop) windows. Refuses what the node would refuse.
 */
export function learnWindowsFor(amount: string | number, unit: LearnUnit, sampleRateHz: number, hop: number): { windows: number } | { problem: LearnProblem } {
  const a = typeof amount === 'number' ? amount : Number(String(amount).trim().replace(',', '.'));
  if (!Number.isFinite(a) || a <= 0 || String(amount).trim() === '') return { problem: { key: 'learn.problem.number' } };
  const windows = Math.round((a * SECONDS[unit] * sampleRateHz) / hop);
  if (windows < LEARN_WINDOWS_MIN) return { problem: { key: 'learn.problem.short', values: { seconds: Math.ceil((LEARN_WINDOWS_MIN * hop) / sampleRateHz) } } };
  if (windows > LEARN_WINDOWS_MAX) return { problem: { key: 'learn.problem.long', values: { days: Math.floor((LEARN_WINDOWS_MAX * hop) / sampleRateHz / 86400) } } };
  return { windows };
}

/** How long `windows` windows take at the node's rate and hop, in milliseconds. */
export function learnDurationMs(windows: number, sampleRateHz: number, hop: number): number {
  return (windows * hop * 1000) / sampleRateHz;
}
