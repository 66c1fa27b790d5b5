/** How the app names the demo recordings the host ships (DEMO_RECORDINGS in models/api/contract.ts). */
import type { DemoRecording } from '../../models/api/contract';
import { t } from './i18n';

/** The recording's name in the interface language (app.demo.rec.*). */
export function demoRecordingLabel(r: DemoRecording): string {
  return t(`app.demo.rec.${r}`);
}
