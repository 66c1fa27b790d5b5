// A model update and a rollback through the emulated STM32F405 node (QEMU, test/helpers/qemu.ts):
// the app's ModelSender (main/ota/sender.ts) over the real serialport stack to the node's receiver
// (firmware/src/node/node_ota.c) on its RAM model store, with the recording on the sensor feed so
// the model on trial runs windows. The image is the built-in model re-versioned and signed with the
// pairing key (docs/model-format.md §2.7): small enough for QEMU's ~12 kB/s USART.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CAP_MODEL_UPDATE, encodePair, MSG_ACK, MSG_FEATURES, MSG_PAIR } from '../../models/protocol/index';
import { encodeModelRollback, MSG_MODEL_ROLLBACK, NACK_MODEL_OLDER, TRANSFER_IDLE, TRANSFER_TRIAL } from '../../models/protocol/transfer';
import { ModelSender } from '../../main/ota/sender';
import { makeFirmware, ROOT } from '../helpers/firmware';
import { QemuHarness } from '../helpers/qemu';
import { readCsvColumns } from '../helpers/recording';
import { builtinModelAs, NodeWire } from '../helpers/transferPort';
import { waitFor } from '../helpers/wait';

const REC = readCsvColumns(join(ROOT, 'data/demo/cwru_normal_0hp_1797rpm_48k_1s.csv'));
const KEY = new Uint8Array(randomBytes(32));
const MODEL_SOURCE_BUILTIN = 1;
const MODEL_SOURCE_SLOT0 = 2;

describe('emulated node (QEMU): a model update and a rollback over serial', () => {
  const qemu = new QemuHarness({ feed: REC.columns });
  let wire: NodeWire;

  const send = (img: Uint8Array) => wire.run(new ModelSender(img, wire, { key: KEY, chunk: 240, window: 2, timeoutMs: 2000 }));

  beforeAll(async () => {
    makeFirmware('arm');
    await qemu.start();
    wire = await NodeWire.open(qemu.tty);
    await waitFor('the boot HELLO', 30_000, () => (wire.frames.length > 0 ? true : undefined));
    await qemu.connected();
  }, 60_000);
  afterAll(async () => {
    await wire?.close();
    await qemu.stop();
  });

  it('announces model update and refuses it until paired', async () => {
    const h = await wire.hello();
    expect(h.info!.protocolMinor).toBe(4);
    expect(h.info!.capabilities & CAP_MODEL_UPDATE).toBe(CAP_MODEL_UPDATE);
    expect(h.info).toMatchObject({ modelVersion: 1, modelSource: MODEL_SOURCE_BUILTIN });
    const o = await send(builtinModelAs(2, KEY));
    expect(o.ok).toBe(false);
    expect(o.error).toMatch(/pair/i);
  }, 30_000);

  it('takes a new model after PAIR: it runs on trial, then is confirmed after its healthy windows', async () => {
    const ack = await wire.request(MSG_PAIR, encodePair({ key: KEY, name: 'qemu-ota' }));
    expect(ack.type).toBe(MSG_ACK);
    const o = await send(builtinModelAs(2, KEY));
    expect(o).toMatchObject({ ok: true });
    const trial = await wire.status();
    expect(trial).toMatchObject({ state: TRANSFER_TRIAL, runningVersion: 2 });
    const h = await wire.hello();
    expect(h.info).toMatchObject({ modelVersion: 2, modelSource: MODEL_SOURCE_SLOT0 + 0 });
    // confirm_after healthy windows of the recording (16 by default) at the feed's pace.
    const confirmed = await wire.statusUntil('the trial to be confirmed', 90_000, (st) => st.state === TRANSFER_IDLE);
    expect(confirmed).toMatchObject({ runningVersion: 2, confirmAfter: 16 });
    expect((await wire.hello()).info).toMatchObject({ modelVersion: 2, modelSource: MODEL_SOURCE_SLOT0 + 0, slots: [{ state: 3 }, { state: 0 }] });
  }, 120_000);

  it('refuses an older model and rolls a trial back to the model before it', async () => {
    expect(await send(builtinModelAs(2, KEY))).toMatchObject({ ok: true, alreadyRunning: true });
    const older = await send(builtinModelAs(1, KEY));
    expect(older.ok).toBe(false);
    expect(older.reason).toBe(NACK_MODEL_OLDER);
    expect(await send(builtinModelAs(3, KEY))).toMatchObject({ ok: true });
    expect(await wire.status()).toMatchObject({ state: TRANSFER_TRIAL, runningVersion: 3 });
    expect((await wire.hello()).info).toMatchObject({ modelVersion: 3, modelSource: MODEL_SOURCE_SLOT0 + 1 });
    const r = await wire.transferRequest(MSG_MODEL_ROLLBACK, encodeModelRollback(2));
    expect(r).toMatchObject({ kind: 'ack', reqType: MSG_MODEL_ROLLBACK });
    expect(await wire.status()).toMatchObject({ state: TRANSFER_IDLE, runningVersion: 2 });
    const h = await wire.hello();
    expect(h.info).toMatchObject({ modelVersion: 2, modelSource: MODEL_SOURCE_SLOT0 + 0, slots: [{ state: 3 }, { state: 4 }] });
    // The node keeps streaming with the model it went back to.
    const n = wire.frames.length;
    await waitFor('features after the rollback', 30_000, () => (wire.frames.slice(n).some((f) => f.type === MSG_FEATURES) ? true : undefined));
  }, 120_000);
});
