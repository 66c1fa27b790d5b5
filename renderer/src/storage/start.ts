/**
 * Opens the database and starts recording: every `node.features` batch goes to the recorder, and
 * so do node EVENTs and RAW_BLOCKs (raw snapshots); node updates tell it which node is on which
 * port, retention runs at start and every six hours.
 */
import type { VigilClient } from '../api/types';
import { openDb } from '../db/db';
import { closeInterruptedSessions } from '../db/recordings';
import { applyRetention, loadRules } from '../db/retention';
import { UndoStack } from '../labels/undo';
import { LiveRecorder } from '../record/recorder';
import type { StorageServices } from './services';

const RETENTION_EVERY_MS = 6 * 3600_000;

export function startStorage(client: VigilClient): StorageServices {
  const db = openDb();
  const recorder = new LiveRecorder({
    db,
    requestNodes: () => {
      client.invoke('nodes.list', {}).then(
        (list) => list.forEach((n) => recorder.setNode(n)),
        () => {},
      );
    },
  });
  // One recording window per laptop: the first window takes the lock and keeps it while open;
  // another window records only once the first one closes.
  if (navigator.locks) {
    recorder.setActive(false);
    void navigator.locks.request('vigil-live-recorder', () => {
      recorder.setActive(true);
      return new Promise<void>(() => {});
    });
  }
  client.on('node.updated', (n) => recorder.setNode(n));
  client.on('node.removed', ({ path }) => recorder.nodeGone(path));
  client.on('node.features', (batch) => recorder.ingest(batch));
  client.on('node.event', (e) => recorder.ingestEvent(e));
  // Raw samples feed the raw snapshots (a scheduled one, and one around every event that starts).
  client.on('node.raw', (batch) => recorder.ingestRaw(batch));
  // Write what is buffered when the page goes away (best effort: a crash loses at most a few seconds).
  addEventListener('pagehide', () => void recorder.flush());
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') void recorder.flush();
  });

  const retention = () =>
    loadRules(db)
      .then((rules) => applyRetention(db, rules))
      .catch((e) => console.warn('Vigil: retention did not run:', e));
  void closeInterruptedSessions(db)
    .catch(() => 0)
    .then(retention);
  setInterval(retention, RETENTION_EVERY_MS);
  return { db, recorder, undo: new UndoStack() };
}
