// A recording killed mid-write loses at most the last flush (about 5 s): the demo node streams, the
// page records for a while, then its browser is killed (SIGKILL: no pagehide, no last flush). The
// page is opened again on the same profile and the stored rows are counted against the time.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPage, startBrowserHost, type BrowserHost } from '../helpers/browser';

/** The demo node's nominal window rate: 48 kHz, hop 512 (for the log line). */
const WINDOWS_PER_S = 48000 / 512;
/** The recorder writes every 5 s (renderer/src/record/recorder.ts); allow for one write in progress. */
const FLUSH_MS = 5000;
const SLACK_MS = 1500;

interface Stored {
  sessions: { id: string; startMs: number; endMs: number; windowCount: number; status: string }[];
  chunks: { sessionId: string; count: number; windowIndex: number[] }[];
}

/** The pid of the Chromium started on `profile` (its main process: no --type= flag). */
function browserPid(profile: string): number {
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let cmd: string[];
    try {
      cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (cmd.includes(`--user-data-dir=${profile}`) && !cmd.some((a) => a.startsWith('--type='))) return Number(d);
  }
  throw new Error(`no Chromium runs on ${profile}`);
}

/** Reads the recording's rows straight from IndexedDB (no app code involved). */
function readStored(page: Page): Promise<Stored> {
  return page.evaluate(
    () =>
      new Promise<Stored>((resolve, reject) => {
        const open = indexedDB.open('vigil');
        let absent = false;
        // Not created by the app yet: do not create it here (the app would then meet an empty one).
        open.onupgradeneeded = () => {
          absent = true;
          open.transaction!.abort();
        };
        open.onerror = () => (absent ? resolve({ sessions: [], chunks: [] }) : reject(open.error));
        open.onsuccess = () => {
          const db = open.result;
          const tx = db.transaction(['sessions', 'featureChunks'], 'readonly');
          const s = tx.objectStore('sessions').getAll();
          const c = tx.objectStore('featureChunks').getAll();
          tx.oncomplete = () => {
            resolve({
              sessions: s.result.map((r) => ({ id: r.id, startMs: r.startMs, endMs: r.endMs, windowCount: r.windowCount, status: r.status })),
              chunks: c.result.map((r) => {
                // A packed chunk (docs/storage.md) keeps its window indices as runs: [row, index] at
                // row 0 and wherever the index is not the previous + 1. Decoded here, not by app code.
                let windowIndex: number[];
                if (r.windowIndex) windowIndex = Array.from(r.windowIndex as Uint32Array);
                else {
                  const runs = r.windowRuns as Uint32Array;
                  windowIndex = [];
                  for (let k = 0; k < runs.length; k += 2) {
                    const end = k + 2 < runs.length ? runs[k + 2] : (r.count as number);
                    for (let i = runs[k]; i < end; i++) windowIndex.push(runs[k + 1] + (i - runs[k]));
                  }
                }
                return { sessionId: r.sessionId, count: r.count, windowIndex };
              }),
            });
            db.close();
          };
        };
      }),
  );
}

describe('a recording killed mid-write', () => {
  let host: BrowserHost;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];
  const profile = mkdtempSync(join(tmpdir(), 'vigil-crash-'));

  beforeAll(async () => {
    host = await startBrowserHost('cwru-normal');
    ({ context, page } = await openPage(problems, { profile }));
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    host?.child.kill('SIGTERM');
  });

  it('loses at most the last flush', { timeout: 90_000 }, async () => {
    await page.goto(host.url + '#/live');
    // Recording: the first write lands within a few seconds.
    await expect.poll(async () => (await readStored(page)).sessions.length, { timeout: 20_000, interval: 250 }).toBe(1);
    await new Promise((r) => setTimeout(r, 12_000));
    // Kill the browser (SIGKILL): nothing runs after this in the page, not even pagehide.
    const killedAt = Date.now();
    process.kill(browserPid(profile), 'SIGKILL');
    void context.close().catch(() => {}); // the old connection is gone; do not wait on it
    await new Promise((r) => setTimeout(r, 500));
    ({ context, page } = await openPage(problems, { profile }));
    await page.goto(host.url + '#/recordings');
    const stored = await readStored(page);
    const first = stored.sessions.reduce((a, s) => (s.startMs < a.startMs ? s : a));
    const chunks = stored.chunks.filter((c) => c.sessionId === first.id);
    const rows = chunks.reduce((n, c) => n + c.count, 0);
    const recordedMs = killedAt - first.startMs;
    const storedMs = first.endMs - first.startMs;
    // The rate the node really ran at (a loaded machine runs the demo node below its nominal rate).
    const rate = rows / (storedMs / 1000);
    const lostMs = killedAt - first.endMs;
    console.log(
      `recorded ${(recordedMs / 1000).toFixed(1)} s before the kill: ${rows} windows stored over ${(storedMs / 1000).toFixed(1)} s (${rate.toFixed(1)}/s, nominal ${WINDOWS_PER_S}/s); ` +
        `the last stored window is ${(lostMs / 1000).toFixed(1)} s before the kill, about ${Math.round((lostMs / 1000) * rate)} windows lost`,
    );
    // Every stored window is there once, with no hole but what the link may have lost on a loaded
    // machine, and the session row agrees with its chunks.
    const indexes = chunks.flatMap((c) => c.windowIndex).sort((a, b) => a - b);
    expect(new Set(indexes).size).toBe(indexes.length);
    expect(rows).toBeGreaterThanOrEqual(0.95 * (indexes.at(-1)! - indexes[0] + 1));
    expect(first.windowCount).toBe(rows);
    // What was lost is at most the last flush.
    expect(recordedMs).toBeGreaterThan(10_000);
    expect(storedMs).toBeGreaterThan(recordedMs - FLUSH_MS - SLACK_MS - 1000); // the first window comes within a second
    expect(lostMs).toBeLessThanOrEqual(FLUSH_MS + SLACK_MS);
  });

  it('raised no console error', () => {
    expect(problems.filter((p) => !/crash|Target closed|has been closed/i.test(p))).toEqual([]);
  });
});
