/** How the app names the demo recordings the host ships (DEMO_RECORDINGS in models/api/contract.ts). */
import type { DemoRecording } from '../../models/api/contract';

export const DEMO_RECORDING_LABELS: Record<DemoRecording, string> = {
  'cwru-normal': 'CWRU bearing — healthy (1797 rpm)',
  'cwru-inner-race': 'CWRU bearing — inner-race fault 0.007″',
};
