/** Shown on every page while live recording is stopped (the disk is full, or writing failed). */
import { useSyncExternalStore } from 'react';
import { formatDateTime } from '../format';
import { t } from '../i18n';
import { useStorage } from './services';

export function RecorderBanner() {
  const { recorder } = useStorage();
  const st = useSyncExternalStore(
    (cb) => recorder.onState(cb),
    () => recorder.state,
  );
  if (st.kind !== 'stopped') return null;
  return (
    <div className="banner banner-err" role="alert" data-testid="recorder-banner">
      <strong>{t(st.reason === 'quota' ? 'app.recorder.quota' : 'app.recorder.stopped', { time: formatDateTime(st.sinceMs) })}</strong>
      <p>{st.message}</p>
      <p>
        <a href="#/storage">{t('app.recorder.goStorage')}</a>
        {t('app.recorder.seeSpace')}{' '}
        <button type="button" onClick={() => void recorder.resume()}>
          {t('app.recorder.resume')}
        </button>
      </p>
    </div>
  );
}
