/** The data a node lost, said plainly: the latest loss, and on the Nodes page the earlier ones kept. */
import type { NodeInfo } from '../../../models/api/contract';
import { t } from '../i18n';
import { lossSentence } from './dataLoss';

export function DataLossNote({ node, all = false }: { node: NodeInfo; all?: boolean }) {
  const list = node.losses ?? [];
  if (list.length === 0) return null;
  const latest = list[list.length - 1];
  const earlier = list.slice(0, -1).reverse();
  return (
    <div className="warn-box" role="status" data-testid="data-loss" data-cause={latest.cause} data-windows={latest.windows}>
      <p>{lossSentence(latest, node.hello)}</p>
      {all && earlier.length > 0 && (
        <details>
          <summary>{t('nodes.loss.earlier', { count: earlier.length })}</summary>
          <ul className="small">
            {earlier.map((l) => (
              <li key={`${l.atMs}-${l.cause}`}>{lossSentence(l, node.hello)}</li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}
