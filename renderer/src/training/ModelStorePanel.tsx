/**
 * The model store (renderer/src/db/models.ts): every model with what it was trained on, the
 * verdict it had, and where it was deployed. Deploying hands the model to the Deploy page
 * (renderer/src/deploy/DeployPage.tsx), where the technician picks the nodes and a canary and the
 * model travels over the link; the deployments listed here are the ones that page recorded.
 */
import type { DeploymentRow, ModelRow } from '../db/types';

function download(m: ModelRow): void {
  if (!m.blob) return;
  const url = URL.createObjectURL(new Blob([m.blob as BlobPart], { type: 'application/octet-stream' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = `vigil-model-${m.name}.vgm`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

const STATE_WORDS: Record<string, string> = {
  requested: 'waiting to be sent',
  sending: 'being sent',
  trial: 'on trial on the node',
  confirmed: 'running (the node confirmed it)',
  failed: 'failed',
  'rolled-back': 'rolled back by the node',
  cancelled: 'cancelled',
  marked: 'marked deployed (old registry)',
};

export interface NodeChoice {
  id: string;
  name: string;
}

export function ModelStorePanel({
  models,
  deployments,
  nodes,
  onDeploy,
}: {
  models: ModelRow[];
  deployments: DeploymentRow[];
  nodes: NodeChoice[];
  onDeploy: (model: ModelRow) => void;
}) {
  const nodeName = (id: string) => nodes.find((n) => n.id === id)?.name ?? (id || 'a node not recorded');
  const ofModel = (m: ModelRow) => deployments.filter((d) => d.modelId === m.id).sort((a, b) => b.createdMs - a.createdMs);
  return (
    <section className="panel" aria-labelledby="store-title" data-testid="model-store">
      <h3 id="store-title">Models</h3>
      {models.length === 0 ? (
        <p className="empty">No model yet. Until one is deployed, a node runs its factory default model (v1, trained on the 1-second demo recording).</p>
      ) : (
        <table className="eval-table models">
          <thead>
            <tr>
              <th>model</th>
              <th>verdict when trained</th>
              <th>deployments</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {models.map((m) => (
              <tr key={m.id} data-testid={`model-${m.name}`}>
                <th scope="row">
                  {m.name}
                  <div className="small muted">{new Date(m.createdMs).toLocaleString()}</div>
                  {m.nodeId && <div className="small">for {nodeName(m.nodeId)}</div>}
                  {m.note && <div className="small muted">{m.note}</div>}
                </th>
                <td className="small">
                  {m.verdict || '—'}
                  {m.lineage && (
                    <details>
                      <summary>trained on</summary>
                      {m.lineage.data.map((d) => (
                        <div key={d.name}>
                          {d.name} — {d.label}: {d.use}
                        </div>
                      ))}
                      <div>
                        {m.architecture}, {m.channels.join(' + ')}, {m.blobBytes} bytes; seed {String(m.lineage.params.seed)}, {m.lineage.training.epochsRun} epochs
                        {m.lineage.parentVersion ? `, after v${m.lineage.parentVersion}` : ''}
                      </div>
                    </details>
                  )}
                </td>
                <td className="small" data-testid={`deployments-${m.name}`}>
                  {ofModel(m).length === 0
                    ? 'not deployed'
                    : ofModel(m).map((d) => (
                        <div key={d.id}>
                          {nodeName(d.nodeId)}: {STATE_WORDS[d.status] ?? d.status}, {new Date(d.createdMs).toLocaleString()} by {d.actor}
                          {d.message ? ` — ${d.message}` : ''}
                        </div>
                      ))}
                </td>
                <td>
                  <button type="button" onClick={() => download(m)} disabled={!m.blob}>
                    Download
                  </button>{' '}
                  <button type="button" onClick={() => onDeploy(m)} disabled={!m.blob} data-testid={`deploy-${m.name}`}>
                    Deploy…
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
