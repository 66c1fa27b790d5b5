/**
 * Data a node's windows did not bring, in a technician's words (NodeInfo.losses, main/node/dataLoss.ts):
 * "The node dropped 120 windows (1.3 s of measurements) at 02:14:05 because the link could not keep
 * up: its send buffer was full. The chart shows a gap there." Pure, so it is tested without a page.
 */
import type { DataLoss, NodeInfo } from '../../../models/api/contract';
import { formatCount, formatFixed, formatTime } from '../format';
import { t } from '../i18n';

/** Seconds of measurements `windows` windows stand for (hop / rate each); null without a HELLO. */
export function lossSeconds(windows: number, hello: NodeInfo['hello']): number | null {
  return hello && hello.sampleRateHz > 0 ? (windows * hello.hop) / hello.sampleRateHz : null;
}

/** One loss as a sentence. */
export function lossSentence(l: DataLoss, hello: NodeInfo['hello']): string {
  const secs = lossSeconds(l.windows, hello);
  const parts: string[] = [];
  if (l.windows > 0) {
    parts.push(
      secs !== null
        ? t('nodes.loss.windowsSeconds', { count: l.windows, n: formatCount(l.windows), seconds: formatFixed(secs, secs < 1 ? 2 : secs < 10 ? 1 : 0) })
        : t('nodes.loss.windows', { count: l.windows, n: formatCount(l.windows) }),
    );
  }
  if (l.rawFrames > 0) parts.push(t('nodes.loss.raw', { count: l.rawFrames, n: formatCount(l.rawFrames) }));
  const what = parts.join(t('nodes.loss.and'));
  const time = formatTime(l.atMs);
  const lasted = l.untilMs - l.atMs > 2000 ? t('nodes.loss.until', { until: formatTime(l.untilMs) }) : '';
  return `${t(`nodes.loss.${l.cause === 'node-buffer' ? 'buffer' : l.cause === 'link-lost' ? 'linkLost' : 'unknown'}`, { what, time, lasted, count: l.windows > 0 ? l.windows : l.rawFrames })} ${t('nodes.loss.gap')}`;
}
