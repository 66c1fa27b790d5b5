// The whole Bluetooth LE chain in Node: the virtual node's BLE pseudo-terminal (its NUS bridge side)
// behind the FAKE GATT (test/helpers/fakeGatt.ts: ATT MTU, throughput cap, drop/restore), the
// renderer's own NusLink (renderer/src/ble/nus.ts) relaying to the app's API (ble.open / ble.rx /
// ble.tx / ble.closed), and the app's NodeManager behind it.
import type { ApiService } from '../../main/api/service';
import type { NodeManager } from '../../main/node/manager';
import { openSerialLink } from '../../main/transport/serial';
import { bleLinkOf, connectBluetoothNode } from '../../renderer/src/ble/nus';
import type { BleBluetooth } from '../../renderer/src/ble/webBluetooth';
import { createFakeBluetooth, type FakeBluetooth, type FakeGattOptions } from './fakeGatt';

export interface BleChain {
  path: string;
  fake: FakeBluetooth;
  close(): Promise<void>;
}

export async function connectOverFakeGatt(service: ApiService, manager: NodeManager, blePty: string, opts: FakeGattOptions): Promise<BleChain> {
  const pty = await openSerialLink(blePty);
  const fake = createFakeBluetooth(opts, { write: (b) => void pty.write(b).catch(() => {}), onData: (l) => pty.onData(l) });
  const api = {
    invoke: (channel: string, args: unknown) => service.handle(channel, args),
    on: (event: string, l: (p: unknown) => void) => manager.subscribe((e, p) => e === event && l(p)),
  } as unknown as Parameters<typeof connectBluetoothNode>[0];
  const info = await connectBluetoothNode(api, fake.bluetooth as unknown as BleBluetooth);
  if (!info) throw new Error('the fake Bluetooth chooser was cancelled');
  const path = info.path;
  return {
    path,
    fake,
    async close() {
      bleLinkOf(path)?.close();
      await manager.disconnect(path).catch(() => {});
      fake.dispose();
      await pty.close();
    },
  };
}
