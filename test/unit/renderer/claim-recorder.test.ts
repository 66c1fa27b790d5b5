// At start a window closes only recordings that are provably dead: those left "recording" when it
// holds the one-recorder lock (no other window records then), or, without Web Locks, those not
// written for a long time. Another open window's recordings stay "recording".
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { VigilDb } from '../../../renderer/src/db/db';
import { closeInterruptedSessions } from '../../../renderer/src/db/recordings';
import type { SessionRow } from '../../../renderer/src/db/types';
import { claimRecorder, STALE_RECORDING_MS } from '../../../renderer/src/storage/start';

let n = 0;
const NOW = Date.UTC(2026, 0, 5, 8, 0, 0);

async function withSessions(...rows: [string, number][]) {
  const db = new VigilDb(`claim-${++n}`);
  for (const [id, updatedMs] of rows) await db.sessions.put({ id, nodeId: 'N', kind: 'live', status: 'recording', startMs: updatedMs, updatedMs } as SessionRow);
  return db;
}
const status = async (db: VigilDb, id: string) => (await db.sessions.get(id))!.status;

/** A lock manager whose lock is held by another window until `release()`. */
function heldLocks() {
  let grant: (() => void) | undefined;
  return {
    locks: {
      request: (_name: string, cb: () => Promise<void>) =>
        new Promise<void>((resolve) => {
          grant = () => void cb().then(resolve);
        }),
    },
    release: () => grant?.(),
  };
}

describe('closing interrupted recordings at start', () => {
  it('leaves a recording another window is still writing', async () => {
    const db = await withSessions(['theirs', NOW - 2000], ['dead', NOW - 2 * STALE_RECORDING_MS]);
    await closeInterruptedSessions(db, { updatedBeforeMs: NOW - STALE_RECORDING_MS });
    expect(await status(db, 'theirs')).toBe('recording');
    expect(await status(db, 'dead')).toBe('complete');
  });

  it('with the recorder lock held elsewhere: closes nothing and does not record; once granted, closes every leftover', async () => {
    const db = await withSessions(['theirs', NOW - 2000]);
    const { locks, release } = heldLocks();
    const active: boolean[] = [];
    let claimed = false;
    void claimRecorder(db, { setActive: (a) => active.push(a) }, locks, () => NOW).then(() => (claimed = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(claimed).toBe(false);
    expect(active).toEqual([false]);
    expect(await status(db, 'theirs')).toBe('recording');
    // The other window closed: its recording is provably over.
    release();
    await expect.poll(() => claimed).toBe(true);
    expect(active).toEqual([false, true]);
    expect(await status(db, 'theirs')).toBe('complete');
  });

  it('without Web Locks: closes only recordings not written for a long time', async () => {
    const db = await withSessions(['theirs', NOW - 2000], ['dead', NOW - 2 * STALE_RECORDING_MS]);
    const active: boolean[] = [];
    await claimRecorder(db, { setActive: (a) => active.push(a) }, undefined, () => NOW);
    expect(await status(db, 'theirs')).toBe('recording');
    expect(await status(db, 'dead')).toBe('complete');
    expect(active).toEqual([]);
  });
});
