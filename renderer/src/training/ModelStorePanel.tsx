/**
 * The model store (renderer/src/db/models.ts): every model with what it was trained on, the
 * verdict it had, and where it was deployed. Deploying hands the model to the Deploy page
 * (renderer/src/deploy/DeployPage.tsx), where the technician picks the nodes and a canary and the
 * model travels over the link; the deployments listed here are the ones that page recorded.
 */
import type { DeploymentRow, ModelRow } from '../db/types';
import { formatDateTime } from '../format';
import { t } from '../i18n';
import { dataUseMsg, UNLABELLED_LABEL } from '../../../models/train/lineage';
import { say } from '../msg';

/** A recording's use in the lineage, in the page's language when Vigil wrote it. */
const useWords = (use: string): string => {
  const m = dataUseMsg(use);
  return m ? say(m) : use;
};

function download(m: ModelRow): void {
  if (!m.blob) return;
  const url = URL.createObjectURL(new Blob([m.blob as BlobPart], { type: 'application/octet-stream' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = `vigil-model-${m.name}.vgm`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** A lineage's label in the interface language: the word for a file without one is the app's, other labels are data. */
const labelWords = (label: string) => (label === UNLABELLED_LABEL ? t('training.store.unlabelled') : label);

const STATES = ['requested', 'sending', 'trial', 'confirmed', 'failed', 'rolled-back', 'cancelled', 'marked'];
const stateWord = (s: string) => (STATES.includes(s) ? t(`training.state.${s}`) : s);

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
  const nodeName = (id: string) => nodes.find((n) => n.id === id)?.name ?? (id || t('training.store.unknownNode'));
  const ofModel = (m: ModelRow) => deployments.filter((d) => d.modelId === m.id).sort((a, b) => b.createdMs - a.createdMs);
  return (
    <section className="panel" aria-labelledby="store-title" data-testid="model-store">
      <h3 id="store-title">{t('training.store.title')}</h3>
      {models.length === 0 ? (
        <p className="empty">{t('training.store.none')}</p>
      ) : (
        <table className="eval-table models">
          <thead>
            <tr>
              <th>{t('training.store.col.model')}</th>
              <th>{t('training.store.col.verdict')}</th>
              <th>{t('training.store.col.deployments')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {models.map((m) => (
              <tr key={m.id} data-testid={`model-${m.name}`}>
                <th scope="row">
                  {m.name}
                  <div className="small muted">{formatDateTime(m.createdMs)}</div>
                  {m.nodeId && <div className="small">{t('training.store.for', { node: nodeName(m.nodeId) })}</div>}
                  {m.note && <div className="small muted">{m.note}</div>}
                </th>
                <td className="small">
                  {m.verdictMsg ? (
                    say(m.verdictMsg)
                  ) : m.verdict ? (
                    // A model stored before verdicts were kept as keys: the English sentence it was saved with.
                    <span lang="en" translate="no">
                      {m.verdict}
                    </span>
                  ) : (
                    '—'
                  )}
                  {m.lineage && (
                    <details>
                      <summary>{t('training.store.trainedOn')}</summary>
                      {m.lineage.data.map((d) => (
                        <div key={d.name}>
                          {d.name} — {labelWords(d.label)}: {useWords(d.use)}
                        </div>
                      ))}
                      <div>
                        {t('training.store.lineage', {
                          arch: m.architecture,
                          channels: m.channels.join(' + '),
                          bytes: m.blobBytes,
                          seed: String(m.lineage.params.seed),
                          epochs: m.lineage.training.epochsRun,
                          parent: m.lineage.parentVersion ? t('training.store.after', { version: m.lineage.parentVersion }) : '',
                        })}
                      </div>
                    </details>
                  )}
                </td>
                <td className="small" data-testid={`deployments-${m.name}`}>
                  {ofModel(m).length === 0
                    ? t('training.store.notDeployed')
                    : ofModel(m).map((d) => (
                        <div key={d.id}>
                          {t('training.store.deployment', { node: nodeName(d.nodeId), state: stateWord(d.status), when: formatDateTime(d.createdMs), actor: d.actor })}
                          {d.message ? ` — ${d.message}` : ''}
                        </div>
                      ))}
                </td>
                <td>
                  <button type="button" onClick={() => download(m)} disabled={!m.blob}>
                    {t('training.store.download')}
                  </button>{' '}
                  <button type="button" onClick={() => onDeploy(m)} disabled={!m.blob} data-testid={`deploy-${m.name}`}>
                    {t('training.store.deploy')}
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
