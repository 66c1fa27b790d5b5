// The page's side of opening files (renderer/src/app/openedFiles.ts, renderer/src/db/modelImport.ts):
// files announced by main's real OpenedFiles through the real ApiService are read whole by id, once,
// and handed to their page; a model file goes into the model store, renumbered when its version is
// not new here, never twice.
import 'fake-indexeddb/auto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiService } from '../../../main/api/service';
import { NodeManager } from '../../../main/node/manager';
import type { ApiEvents, EventChannel } from '../../../models/api/contract';
import { OPENED_FILE_CHUNK_BYTES } from '../../../models/api/contract';
import { readVgmFile, UNPAIRED_KEY, verifyModelTag } from '../../../models/nn/modelFile';
import type { ConnectionStatus, VigilClient } from '../../../renderer/src/api/types';
import { OpenedFileInbox, readOpenedFile, startOpenedFiles } from '../../../renderer/src/app/openedFiles';
import { VigilDb } from '../../../renderer/src/db/db';
import { applyModelImport, planModelImport } from '../../../renderer/src/db/modelImport';
import { HIGHEST_MODEL_VERSION_KEY } from '../../../renderer/src/db/schema';
import { ROOT } from '../../helpers/firmware';
import { waitFor } from '../../helpers/wait';

const MODEL = join(ROOT, 'renderer/public/models/default.vgm');
const dir = mkdtempSync(join(tmpdir(), 'vigil-opened-page-'));
const bundle = (name: string, n: number) => {
  const b = new Uint8Array(n);
  b.set(new TextEncoder().encode('VIGILDS1'));
  for (let i = 8; i < n; i++) b[i] = (i * 13) & 0xff;
  const p = join(dir, name);
  writeFileSync(p, b);
  return p;
};

/** A client on the real ApiService, as the preload bridge or the WebSocket gives the page. */
function serviceClient(service: ApiService): VigilClient & { reads: number } {
  const c = {
    reads: 0,
    invoke: async (channel: string, args: unknown) => {
      if (channel === 'files.read') c.reads++;
      // The reply crosses a transport as JSON.
      return JSON.parse(JSON.stringify(await service.handle(channel, args)));
    },
    on: <E extends EventChannel>(event: E, l: (p: ApiEvents[E]) => void) => service.subscribe((e: EventChannel, p: unknown) => void (e === event && l(JSON.parse(JSON.stringify(p))))),
    connection: (): ConnectionStatus => ({ state: 'open' }),
    onConnection: () => () => {},
  };
  return c as unknown as VigilClient & { reads: number };
}

const newService = () => new ApiService(new NodeManager({ root: ROOT, dataDir: mkdtempSync(join(tmpdir(), 'vigil-data-')) }));

describe('reading opened files in the page', () => {
  it('reads a file of several pieces whole, byte for byte', async () => {
    const service = newService();
    const p = bundle('big.vigil', OPENED_FILE_CHUNK_BYTES + 999);
    const [n] = await service.files.open([p]);
    if ('error' in n) throw new Error(n.error);
    const client = serviceClient(service);
    const bytes = await readOpenedFile(client, n);
    expect(client.reads).toBe(2);
    expect(Buffer.from(bytes).equals(readFileSync(p))).toBe(true);
  });

  it('a file opened before the page started is listed, one opened later is announced; each is read once and its page shown', async () => {
    const service = newService();
    const client = serviceClient(service);
    const inbox = new OpenedFileInbox();
    const pages: string[] = [];
    const early = bundle('early.vigil', 500);
    await service.files.open([early]);
    const stop = startOpenedFiles(client, inbox, (r) => pages.push(r));
    await waitFor('the first page', 5000, () => (pages.length === 1 ? true : undefined));
    expect(pages).toEqual(['recordings']);
    const got = inbox.take('bundle')!;
    expect(got.name).toBe('early.vigil');
    expect(Buffer.from(got.bytes).equals(readFileSync(early))).toBe(true);

    await service.files.open([MODEL]);
    await waitFor('the second page', 5000, () => (pages.length === 2 ? true : undefined));
    expect(pages[1]).toBe('training');
    expect(inbox.take('model')?.bytes.length).toBe(readFileSync(MODEL).length);
    expect(inbox.take('model')).toBeUndefined();
    expect(client.reads).toBe(2); // the event and the list named the files; each was read once

    await service.files.open([join(dir, 'missing.vgm')]);
    await waitFor('the refusal', 5000, () => (inbox.statuses.some((l) => l.error) ? true : undefined));
    expect(inbox.statuses.map((l) => l.text)).toEqual([expect.stringMatching(/^Not opened: "missing\.vgm" does not exist/)]);
    stop();
  });
});

describe('a model file into the model store', () => {
  let db: VigilDb | undefined;
  let count = 0;
  afterEach(async () => {
    db?.close();
    db = undefined;
  });
  const open = () => (db = new VigilDb(`vigil-opened-models-${++count}`));
  const file = () => new Uint8Array(readFileSync(MODEL));

  it('keeps the version a new model has, and does not add the same model twice', async () => {
    const d = open();
    const plan = await planModelImport(d, file(), 'default.vgm');
    expect(plan).toMatchObject({ fileVersion: 1, storeAs: 1, existing: null, architecture: '64-32-8-32-64' });
    const row = await applyModelImport(d, plan, 'Ana');
    expect(row).toMatchObject({ name: 'v1', version: 1, nodeId: null, note: 'Opened from default.vgm.' });
    expect(Buffer.from(row.blob!).equals(Buffer.from(file()))).toBe(true);
    const again = await planModelImport(d, file(), 'copy.vgm');
    expect(again.existing?.id).toBe(row.id);
    await expect(applyModelImport(d, again, 'Ana')).rejects.toThrow(/copy\.vgm is in the model store already, as v1/);
  });

  it('renumbers a model whose version this laptop has given out already; the file stays a valid, signed model', async () => {
    const d = open();
    await d.settings.put({ key: HIGHEST_MODEL_VERSION_KEY, value: 7 });
    const plan = await planModelImport(d, file(), 'default.vgm');
    expect(plan).toMatchObject({ fileVersion: 1, storeAs: 8 });
    const row = await applyModelImport(d, plan, 'Ana');
    expect(row.name).toBe('v8');
    expect(row.note).toMatch(/where it is v1; stored as v8/);
    const f = readVgmFile(row.blob!);
    expect(f.model.modelVersion).toBe(8);
    expect(verifyModelTag(f.blob, UNPAIRED_KEY)).toBe(true);
    expect(f.app).toEqual(readVgmFile(file()).app);
    expect(Array.from(f.model.layers[0].weights)).toEqual(Array.from(plan.model.layers[0].weights));
  });

  it('refuses a damaged file and an edited one with the reason', async () => {
    const d = open();
    const damaged = file();
    damaged[100] ^= 0xff;
    await expect(planModelImport(d, damaged, 'x.vgm')).rejects.toThrow(/CRC|checksum|damaged/i);
    await expect(planModelImport(d, new TextEncoder().encode('VGMD but nothing else'), 'y.vgm')).rejects.toThrow();
    expect(await d.models.count()).toBe(0);
  });
});
