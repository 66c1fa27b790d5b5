import { useCallback, useState } from 'react';
import { DEMO_RECORDINGS, type DemoRecording } from '../../../models/api/contract';
import type { VigilClient } from '../api/types';
import { demoRecordingLabel } from '../demo';
import { t } from '../i18n';
import { useAction } from './hooks';
import { navigate } from './route';

/** Starts a demo node replaying a shipped recording, then shows it on the Live page. */
export function DemoStarter({ client, prominent = true }: { client: VigilClient; prominent?: boolean }) {
  const [recording, setRecording] = useState<DemoRecording>(DEMO_RECORDINGS[0]);
  const run = useCallback((rec: DemoRecording) => client.invoke('demo.start', { recording: rec }), [client]);
  const action = useAction(run);

  const start = async () => {
    const node = await action.start(recording);
    if (node) navigate('live');
  };

  return (
    <div className={prominent ? 'demo-starter prominent' : 'demo-starter'}>
      <label>
        {t('app.demo.recording')}
        <select value={recording} onChange={(e) => setRecording(e.target.value as DemoRecording)} disabled={action.busy}>
          {DEMO_RECORDINGS.map((r) => (
            <option key={r} value={r}>
              {demoRecordingLabel(r)}
            </option>
          ))}
        </select>
      </label>
      <button type="button" className="primary" data-testid="start-demo" onClick={start} disabled={action.busy}>
        {action.busy ? t('app.demo.starting') : t('app.demo.start')}
      </button>
      {action.error && (
        <p className="error" role="alert">
          {t('app.demo.failed', { error: action.error })}
        </p>
      )}
    </div>
  );
}
