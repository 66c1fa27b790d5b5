import type { NodeInfo } from '../../../models/api/contract';
import { formatBytes, formatCount, linkErrorBreakdown, linkErrorCount } from '../format';
import { t } from '../i18n';

/** The link's counters as a technician checks them: anything above zero besides traffic is flagged. */
export function LinkCounters({ node }: { node: NodeInfo }) {
  const s = node.stats;
  const errors = linkErrorCount(s);
  const rows: { label: string; value: string; warn: boolean; title?: string; id: string }[] = [
    { id: 'frames', label: t('nodes.counter.frames'), value: formatCount(s.frames), warn: false },
    { id: 'bytes', label: t('nodes.counter.bytes'), value: formatBytes(s.bytes), warn: false },
    { id: 'errors', label: t('nodes.counter.errors'), value: formatCount(errors), warn: errors > 0, title: linkErrorBreakdown(s) },
    { id: 'missed-windows', label: t('nodes.counter.missedWindows'), value: formatCount(s.missedWindows), warn: s.missedWindows > 0, title: t('nodes.counter.missedWindowsTitle') },
    { id: 'raw-blocks', label: t('nodes.counter.rawBlocks'), value: formatCount(s.rawBlocks ?? 0), warn: false },
    { id: 'missed-raw', label: t('nodes.counter.missedRaw'), value: formatCount(s.missedRawFrames ?? 0), warn: (s.missedRawFrames ?? 0) > 0, title: t('nodes.counter.missedRawTitle') },
    { id: 'retries', label: t('nodes.counter.retries'), value: formatCount(s.retries ?? 0), warn: (s.retries ?? 0) > 0, title: t('nodes.counter.retriesTitle') },
    { id: 'failed', label: t('nodes.counter.failed'), value: formatCount(s.failedRequests ?? 0), warn: (s.failedRequests ?? 0) > 0, title: t('nodes.counter.failedTitle') },
    { id: 'nacks', label: t('nodes.counter.nacks'), value: formatCount(s.nacks ?? 0), warn: (s.nacks ?? 0) > 0, title: t('nodes.counter.nacksTitle') },
    { id: 'reconnects', label: t('nodes.counter.reconnects'), value: formatCount(s.reconnects ?? 0), warn: (s.reconnects ?? 0) > 0, title: t('nodes.counter.reconnectsTitle') },
  ];
  return (
    <dl className="counters" aria-label={t('nodes.counter.label')} data-testid="link-counters">
      {rows.map((r) => (
        <div key={r.id} className={r.warn ? 'counter warn' : 'counter'} title={r.title} data-counter={r.id}>
          <dt>{r.label}</dt>
          <dd>{r.value}</dd>
        </div>
      ))}
    </dl>
  );
}
