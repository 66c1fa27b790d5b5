/**
 * The model registry view: every version with its lineage and metrics. Deploying needs an explicit
 * confirmation that names what is replaced; nothing is deployed from a single click.
 */
import { useState } from 'react';
import type { RegistryEntry } from './registry';

const pct = (x: number | null | undefined) => (x === null || x === undefined || Number.isNaN(x) ? '—' : `${(x * 100).toFixed(2)}%`);
const num = (x: number | null | undefined) => (x === null || x === undefined || Number.isNaN(x) ? '—' : x.toFixed(3));

function download(e: RegistryEntry): void {
  const url = URL.createObjectURL(new Blob([e.file as BlobPart], { type: 'application/octet-stream' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = `vigil-model-v${e.version}.vgm`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function RegistryPanel({ entries, onDeploy }: { entries: RegistryEntry[]; onDeploy: (version: number) => Promise<void> }) {
  const [confirming, setConfirming] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const deployed = entries.find((e) => e.status === 'deployed');
  return (
    <section className="panel" aria-labelledby="registry-title" data-testid="model-registry">
      <h3 id="registry-title">Model registry</h3>
      {entries.length === 0 ? (
        <p className="empty">No model yet. Until one is deployed, the node runs its factory default model (v1, trained on the 1-second demo recording).</p>
      ) : (
        <div className="table-scroll">
          <table className="eval-table">
            <thead>
              <tr>
                <th>version</th>
                <th>created</th>
                <th>model</th>
                <th>data and labels</th>
                <th>AUC float / int8 (lowest)</th>
                <th>false alarms</th>
                <th>status</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => (
                <tr key={e.version} data-testid={`registry-v${e.version}`}>
                  <th scope="row">v{e.version}</th>
                  <td className="small">{new Date(e.createdMs).toLocaleString()}</td>
                  <td className="small">
                    {e.architecture}, {e.channels.join(' + ')}, {e.blobBytes} bytes
                    <br />
                    seed {String(e.lineage.params.seed)}, {e.lineage.training.epochsRun} epochs{e.lineage.parentVersion ? `, after v${e.lineage.parentVersion}` : ''}
                  </td>
                  <td className="small">
                    {e.lineage.data.map((d) => (
                      <div key={d.name}>
                        {d.name} — {d.label}: {d.use}
                      </div>
                    ))}
                  </td>
                  <td>
                    {num(e.summary.auc_min)} / {num(e.summary.auc_int8_min)}
                  </td>
                  <td>{pct(e.summary.false_alarm_rate)}</td>
                  <td>
                    <span className={`badge status-${e.status}`}>{e.status}</span>
                  </td>
                  <td>
                    <button type="button" onClick={() => download(e)}>
                      Download
                    </button>{' '}
                    {e.status !== 'deployed' && (
                      <button type="button" onClick={() => setConfirming(e.version)} data-testid={`deploy-v${e.version}`}>
                        Deploy…
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {confirming !== null && (
        <div className="confirm" role="dialog" aria-labelledby="confirm-title" data-testid="deploy-confirm">
          <h4 id="confirm-title">Deploy model v{confirming}?</h4>
          <p>
            It replaces {deployed ? `v${deployed.version}` : 'the factory default model (v1)'} as the node's model. Check the evaluation first: its false
            alarms on held-out normal data, and whether it beats the RMS and Mahalanobis baselines. Sending it to a node over the link arrives with the
            OTA update; until then, download the .vgm file.
          </p>
          {error && (
            <p className="error" role="alert">
              {error}
            </p>
          )}
          <button
            type="button"
            data-testid="deploy-confirm-yes"
            onClick={() => {
              onDeploy(confirming).then(
                () => setConfirming(null),
                (e: Error) => setError(e.message),
              );
            }}
          >
            Yes, deploy v{confirming}
          </button>{' '}
          <button type="button" onClick={() => setConfirming(null)}>
            Cancel
          </button>
        </div>
      )}
    </section>
  );
}
