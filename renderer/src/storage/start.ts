/**
 * Opens the database and starts recording: every `node.features` batch goes to the recorder, and
 * so do node EVENTs and RAW_BLOCKs (raw snapshots); node updates tell it which node is on which
 * port, retention runs at start and every six hours.
 */
import type { VigilClient } from '../api/types';
import { openDb, type VigilDb } from '../db/db';
import { closeInterruptedSessions } from '../db/recordings';
import { applyRetention, loadRules } from '../db/retention';
import { UndoStack } from '../labels/undo';
import { LiveRecorder } from '../record/recorder';
import type { StorageServices } from './services';

const RETENTION_EVERY_MS = 6 * 3600_000;

/**
 * Without Web Locks, a live recording not written for this long is taken as abandoned (a recording
 * window writes every 5 s while its node streams).
 */
export const STALE_RECORDING_MS = 10 * 60_000;

type Locks = { request(name: string, cb: () => Promise<void>): Promise<unknown> };

/**
 * One recording window per laptop: the first window takes the lock and keeps it while open; another
 * window records only once the first one closes. Recordings left "recording" are closed only when
 * provably dead: when this window gets the lock, no other window records, so every one left is;
 * without Web Locks, only those not written for STALE_RECORDING_MS. Resolves once this window
 * records and the leftovers are closed (never, while another window keeps the lock).
 */
export async function claimRecorder(db: VigilDb, recorder: { setActive(active: boolean): void }, locks: Locks | undefined, now: () => number = Date.now): Promise<void> {
  const close = (updatedBeforeMs: number) => closeInterruptedSessions(db, { updatedBeforeMs }).catch(() => 0);
  if (!locks) {
    await close(now() - STALE_RECORDING_MS);
    return;
  }
  recorder.setActive(false);
  await new Promise<void>((claimed) => {
    void locks.request('vigil-live-recorder', async () => {
      await close(Infinity);
      recorder.setActive(true);
      claimed();
      return new Promise<void>(() => {});
    });
  });
}

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
  // Retention runs once this window is the one that records (the others wait for the lock).
  void claimRecorder(db, recorder, navigator.locks).then(retention);
  setInterval(retention, RETENTION_EVERY_MS);
  return { db, recorder, undo: new UndoStack() };
}
