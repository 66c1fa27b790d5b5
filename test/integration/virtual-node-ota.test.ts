// A model update through the virtual node (firmware/boards/host, the pty node with a file-backed
// store): the app's ModelSender over the real serialport stack, the trial confirmed by the replayed
// recording's windows, and the confirmed model still running after a restart (the store file and
// the identity record beside it survive; an update that was never confirmed would not).
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CAP_MODEL_UPDATE, encodePair, FEATURES_NO_MODEL_SCORE, MSG_ACK, MSG_FEATURES, MSG_PAIR, decodeFeatures } from '../../models/protocol/index';
import { TRANSFER_IDLE, TRANSFER_TRIAL } from '../../models/protocol/transfer';
import { ModelSender } from '../../main/ota/sender';
import { startVirtualNode, type VirtualNode } from '../../main/node/virtualNode';
import { makeFirmware, ROOT } from '../helpers/firmware';
import { builtinModelAs, NodeWire } from '../helpers/transferPort';
import { waitFor } from '../helpers/wait';

const KEY = new Uint8Array(randomBytes(32));
const MODEL_SOURCE_SLOT0 = 2;

describe('virtual node: a model update survives a restart once confirmed', () => {
  const dir = mkdtempSync(existsSync('/dev/shm') ? '/dev/shm/vigil-ota-' : join(tmpdir(), 'vigil-ota-'));
  let vn: VirtualNode | undefined;
  let wire: NodeWire | undefined;

  const boot = async () => {
    vn = await startVirtualNode({ root: ROOT, recording: 'cwru-normal', link: join(dir, 'wired'), store: join(dir, 'store.bin') });
    wire = await NodeWire.open(vn.path);
  };
  const shutdown = async () => {
    await wire?.close();
    await vn?.stop();
  };

  beforeAll(async () => {
    makeFirmware('host');
    await boot();
  }, 30_000);
  afterAll(async () => {
    await shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  it('updates, confirms, and boots the new model after a restart', async () => {
    const h = await wire!.hello();
    expect(h.info!.capabilities & CAP_MODEL_UPDATE).toBe(CAP_MODEL_UPDATE);
    expect((await wire!.request(MSG_PAIR, encodePair({ key: KEY, name: 'ota-node' }))).type).toBe(MSG_ACK);
    const o = await wire!.run(new ModelSender(builtinModelAs(2, KEY), wire!, { key: KEY, chunk: 1020, window: 4, timeoutMs: 2000 }));
    expect(o).toMatchObject({ ok: true });
    expect(await wire!.status()).toMatchObject({ runningVersion: 2 });
    const st = await wire!.statusUntil('the trial to be confirmed', 30_000, (s) => s.state === TRANSFER_IDLE);
    expect(st.state).not.toBe(TRANSFER_TRIAL);
    // Scores of the new model: finite, never the "no model" value.
    const n = wire!.frames.length;
    const f = await waitFor('a FEATURES frame', 10_000, () => wire!.frames.slice(n).find((x) => x.type === MSG_FEATURES));
    expect(decodeFeatures(f.payload).anomalyScore).not.toBe(FEATURES_NO_MODEL_SCORE);

    await shutdown();
    await boot();
    const again = await wire!.hello();
    expect(again.info).toMatchObject({ paired: 1, modelVersion: 2, modelSource: MODEL_SOURCE_SLOT0 + 0 });
    expect(again.info!.slots[0].state).toBe(3); // confirmed
  }, 90_000);
});
