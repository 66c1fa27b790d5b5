/** Shown on every page while live recording is stopped (the disk is full, or writing failed). */
import { useSyncExternalStore } from 'react';
import { formatDateTime } from '../format';
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
      <strong>{st.reason === 'quota' ? `Storage is full: live recording stopped at ${formatDateTime(st.sinceMs)}.` : `Live recording stopped at ${formatDateTime(st.sinceMs)}.`}</strong>
      <p>{st.message}</p>
      <p>
        <a href="#/storage">Go to Storage</a> to see what uses the space.{' '}
        <button type="button" onClick={() => void recorder.resume()}>
          Resume recording
        </button>
      </p>
    </div>
  );
}
