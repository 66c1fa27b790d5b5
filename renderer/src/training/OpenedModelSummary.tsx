/**
 * What an opened model file is (renderer/src/db/modelImport.ts plans it): its version, layers,
 * inputs and features, detector and lineage, said in the interface language when shown (numbers and
 * the training date through format.ts). Names in the file (channels, labels, the tool) are data.
 */
import type { ModelImportPlan } from '../db/modelImport';
import { formatCount, formatDateTime } from '../format';
import { t } from '../i18n';

/** The file's creation time in the interface language; a date that does not parse is shown as written. */
function trainedOn(createdAt: string): string {
  const ms = Date.parse(createdAt);
  return Number.isFinite(ms) ? formatDateTime(ms) : createdAt;
}

export function OpenedModelSummary({ plan: p }: { plan: ModelImportPlan }) {
  const l = p.app?.lineage;
  const s = p.model.spec;
  const channels = l?.channels?.length ? l.channels : p.model.axes.map((a) => t('files.model.nodeAxis', { axis: a }));
  // Plain integers, as the spec is written everywhere else ("48000 Hz, window 1024").
  const spec = t('files.model.spec', { rate: String(s.sampleRateHz), window: String(s.windowLen), hop: String(s.hop), bands: String(s.bandEdges.length - 1) });
  return (
    <ul className="small" data-testid="opened-model-summary">
      <li data-testid="opened-model-version">
        {t('files.panel.version', { version: p.fileVersion })}
        {p.storeAs !== p.fileVersion ? t('files.panel.storedAs', { storeAs: p.storeAs, highest: p.storeAs - 1 }) : ''}
      </li>
      <li>{t('files.panel.architecture', { architecture: p.architecture, channels: channels.join(' + '), spec })}</li>
      <li>{t('files.panel.detector', { threshold: formatCount(p.model.detector.thresholdSumsq), k: p.model.detector.debounceK, n: p.model.detector.debounceN })}</li>
      {l && <li>{t('files.panel.lineage', { count: l.data.length, n: formatCount(l.data.length), tool: l.tool, date: trainedOn(l.createdAt), labels: l.labels.join(', ') })}</li>}
    </ul>
  );
}
