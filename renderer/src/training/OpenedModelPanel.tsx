/**
 * A model file the app was opened with (app/openedFiles.ts): what it is, and a button that adds it
 * to the model store (renderer/src/db/modelImport.ts). Nothing is stored before the technician says so.
 */
import { useState } from 'react';
import { useOpenedFile } from '../app/useOpenedFile';
import { applyModelImport, planModelImport, type ModelImportPlan } from '../db/modelImport';
import { t } from '../i18n';
import { technicianName } from '../labels/technician';
import { useStorage } from '../storage/services';
import { sayError } from '../msg';
import { OpenedModelSummary } from './OpenedModelSummary';

type State = { kind: 'plan'; plan: ModelImportPlan } | { kind: 'message'; text: string; error: boolean } | null;

export function OpenedModelPanel({ onAdded }: { onAdded: () => Promise<void> }) {
  const { db } = useStorage();
  const [state, setState] = useState<State>(null);
  const [busy, setBusy] = useState(false);

  // A model waiting for Add or Cancel (or being read): another opened one waits its turn, and it
  // goes back to the inbox if the page goes first (app/useOpenedFile.ts).
  const hold = useOpenedFile('model', (f) => {
    planModelImport(db, f.bytes, f.name).then(
      (plan) => {
        if (plan.existing) {
          setState({ kind: 'message', text: t('files.model.already', { file: f.name, name: plan.existing.name }), error: false });
          hold(false);
        } else setState({ kind: 'plan', plan });
      },
      (e: Error) => {
        setState({ kind: 'message', text: t('files.model.unusable', { file: f.name, error: sayError(e) }), error: true });
        hold(false);
      },
    );
  });

  if (!state) return null;
  if (state.kind === 'message') {
    return (
      <section className="panel" aria-label={t('files.panel.label')} data-testid="opened-model">
        <p className={state.error ? 'error' : 'success'} role={state.error ? 'alert' : 'status'} data-testid="opened-model-message">
          {state.text}
        </p>
        <button type="button" onClick={() => setState(null)}>
          {t('files.panel.close')}
        </button>
      </section>
    );
  }
  const p = state.plan;
  const add = async () => {
    setBusy(true);
    try {
      const row = await applyModelImport(db, p, technicianName() || 'Vigil');
      await onAdded();
      setState({ kind: 'message', text: t('files.panel.added', { file: p.fileName, name: row.name }), error: false });
    } catch (e) {
      setState({ kind: 'message', text: t('files.panel.notAdded', { file: p.fileName, error: sayError(e) }), error: true });
    } finally {
      setBusy(false);
      hold(false);
    }
  };
  return (
    <section className="panel" aria-labelledby="opened-model-title" data-testid="opened-model">
      <h3 id="opened-model-title">{t('files.panel.title', { file: p.fileName })}</h3>
      <OpenedModelSummary plan={p} />
      <div className="button-row">
        <button type="button" className="primary" data-testid="opened-model-add" disabled={busy} onClick={() => void add()}>
          {t('files.panel.add', { storeAs: p.storeAs })}
        </button>
        <button type="button" disabled={busy} onClick={() => (setState(null), hold(false))}>
          {t('common.cancel')}
        </button>
      </div>
    </section>
  );
}
