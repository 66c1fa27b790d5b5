import type { NodeInfo } from '../../../models/api/contract';
import { formatBytes, formatCount, linkErrorBreakdown, linkErrorCount } from '../format';

/** The link's counters as a technician checks them: anything above zero besides traffic is flagged. */
export function LinkCounters({ node }: { node: NodeInfo }) {
  const s = node.stats;
  const errors = linkErrorCount(s);
  const rows: { label: string; value: string; warn: boolean; title?: string; id: string }[] = [
    { id: 'frames', label: 'Frames', value: formatCount(s.frames), warn: false },
    { id: 'bytes', label: 'Received', value: formatBytes(s.bytes), warn: false },
    { id: 'errors', label: 'Frame errors', value: formatCount(errors), warn: errors > 0, title: linkErrorBreakdown(s) },
    { id: 'missed-windows', label: 'Missed windows', value: formatCount(s.missedWindows), warn: s.missedWindows > 0, title: 'FEATURES windows that never arrived (gaps)' },
    { id: 'raw-blocks', label: 'Raw blocks', value: formatCount(s.rawBlocks ?? 0), warn: false },
    { id: 'missed-raw', label: 'Missed raw frames', value: formatCount(s.missedRawFrames ?? 0), warn: (s.missedRawFrames ?? 0) > 0, title: 'Input sample frames lost between raw blocks' },
    { id: 'retries', label: 'Retries', value: formatCount(s.retries ?? 0), warn: (s.retries ?? 0) > 0, title: 'Requests sent again after no answer in time' },
    { id: 'failed', label: 'Failed requests', value: formatCount(s.failedRequests ?? 0), warn: (s.failedRequests ?? 0) > 0, title: 'Requests that got no answer after every attempt' },
    { id: 'nacks', label: 'Refused (NACK)', value: formatCount(s.nacks ?? 0), warn: (s.nacks ?? 0) > 0, title: 'Requests the node refused' },
    { id: 'reconnects', label: 'Reconnects', value: formatCount(s.reconnects ?? 0), warn: (s.reconnects ?? 0) > 0, title: 'Times the link was lost and came back' },
  ];
  return (
    <dl className="counters" aria-label="Link counters" data-testid="link-counters">
      {rows.map((r) => (
        <div key={r.id} className={r.warn ? 'counter warn' : 'counter'} title={r.title} data-counter={r.id}>
          <dt>{r.label}</dt>
          <dd>{r.value}</dd>
        </div>
      ))}
    </dl>
  );
}
