/**
 * The node's detector state in the technician's language (docs/detection.md §3, docs/protocol.md
 * §3.1): the translated twin of models/api/detector.ts detectorText, which the CLI and tests use.
 */
import type { DetectorStatus } from '../../models/api/contract';
import { t } from './i18n';

/** Words for the state, or null for 'model' and 'unknown' (the caller shows the model's version). */
export function detectorWords(d: DetectorStatus | undefined): string | null {
  switch (d?.kind) {
    case 'learning':
      return t('common.detector.learning', { percent: d.learnPercent });
    case 'baseline':
      return t('common.detector.baseline');
    case 'unseen-condition':
      return t('common.detector.unseen');
    case 'none':
      return t('common.detector.none');
    default:
      return null;
  }
}
