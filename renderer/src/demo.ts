/**
 * The demo recordings the host ships. A local copy of DEMO_RECORDINGS from main/api/contract.ts,
 * so the renderer imports only types from main/; `satisfies` makes the build fail if they drift.
 */
import type { DemoRecording } from '../../main/api/contract';

export const DEMO_RECORDING_LABELS = {
  'cwru-normal': 'CWRU bearing — healthy (1797 rpm)',
  'cwru-inner-race': 'CWRU bearing — inner-race fault 0.007″',
} as const satisfies Record<DemoRecording, string>;

export const DEMO_RECORDINGS = Object.keys(DEMO_RECORDING_LABELS) as DemoRecording[];
