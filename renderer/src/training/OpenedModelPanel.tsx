/**
 * A model file the app was opened with (app/openedFiles.ts): what it is, and a button that adds it
 * to the model store (renderer/src/db/modelImport.ts). Nothing is stored before the technician says so.
 */
import { useEffect, useRef, useState } from 'react';
import { openedFileInbox } from '../app/openedFiles';
import { applyModelImport, planModelImport, type ModelImportPlan } from '../db/modelImport';
import { technicianName } from '../labels/technician';
import { useStorage } from '../storage/services';

type State = { kind: 'plan'; plan: ModelImportPlan } | { kind: 'message'; text: string; error: boolean } | null;

export function OpenedModelPanel({ onAdded }: { onAdded: () => Promise<void> }) {
  const { db } = useStorage();
  const [state, setState] = useState<State>(null);
  const [busy, setBusy] = useState(false);

  // A model waiting for Add or Cancel (or being read): another opened one waits its turn.
  const held = useRef(false);
  const hold = (on: boolean) => {
    held.current = on;
    openedFileInbox.setShowing('model', on);
  };

  useEffect(() => {
    const take = () => {
      if (held.current) return;
      const f = openedFileInbox.take('model');
      if (!f) return;
      hold(true);
      planModelImport(db, f.bytes, f.name).then(
        (plan) => {
          if (plan.existing) {
            setState({ kind: 'message', text: `${f.name} is in the model store already, as ${plan.existing.name}.`, error: false });
            hold(false);
          } else setState({ kind: 'plan', plan });
        },
        (e: Error) => {
          setState({ kind: 'message', text: `${f.name} is not a model Vigil can use: ${e.message}.`, error: true });
          hold(false);
        },
      );
    };
    take();
    const off = openedFileInbox.subscribe(take);
    return () => {
      off();
      hold(false);
    };
    // Once per database: hold only uses a ref.
  }, [db]);

  if (!state) return null;
  if (state.kind === 'message') {
    return (
      <section className="panel" aria-label="Opened model" data-testid="opened-model">
        <p className={state.error ? 'error' : 'success'} role={state.error ? 'alert' : 'status'} data-testid="opened-model-message">
          {state.text}
        </p>
        <button type="button" onClick={() => setState(null)}>
          Close
        </button>
      </section>
    );
  }
  const p = state.plan;
  const l = p.app?.lineage;
  const add = async () => {
    setBusy(true);
    try {
      const row = await applyModelImport(db, p, technicianName() || 'Vigil');
      await onAdded();
      setState({ kind: 'message', text: `Added ${p.fileName} to the model store as ${row.name}. Deploy it from the Models list at the foot of this page.`, error: false });
    } catch (e) {
      setState({ kind: 'message', text: `${p.fileName} was not added: ${(e as Error).message}`, error: true });
    } finally {
      setBusy(false);
      hold(false);
    }
  };
  return (
    <section className="panel" aria-labelledby="opened-model-title" data-testid="opened-model">
      <h3 id="opened-model-title">Add the model {p.fileName}?</h3>
      <ul className="small">
        <li data-testid="opened-model-version">
          model v{p.fileVersion}
          {p.storeAs !== p.fileVersion ? `, stored here as v${p.storeAs} (this laptop has given out versions up to v${p.storeAs - 1}; a node refuses a model older than the one it runs)` : ''}
        </li>
        <li>
          autoencoder {p.architecture} on {p.channels.join(' + ')}; features {p.specWords}
        </li>
        <li>
          threshold {p.model.detector.thresholdSumsq} (sum of squares), debounce {p.model.detector.debounceK} of {p.model.detector.debounceN}; self-test passes
        </li>
        {l && (
          <li>
            trained by {l.tool} on {l.createdAt} from {l.data.length} recording{l.data.length === 1 ? '' : 's'} ({l.labels.join(', ')})
          </li>
        )}
      </ul>
      <div className="button-row">
        <button type="button" className="primary" data-testid="opened-model-add" disabled={busy} onClick={() => void add()}>
          Add to the model store as v{p.storeAs}
        </button>
        <button type="button" disabled={busy} onClick={() => (setState(null), hold(false))}>
          Cancel
        </button>
      </div>
    </section>
  );
}
