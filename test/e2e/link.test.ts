// The "done when" over Bluetooth LE, end to end in headless Chromium: the emulated STM32F405
// node (QEMU, test/helpers/qemu.ts) with its wired link through socat and its USART2 - the BLE
// bridge's side - carried by the FAKE GATT (test/helpers/fakeGatt.ts) injected into the page as
// navigator.bluetooth, with an ATT MTU of 185 and 60 kB/s each way. The same scenario runs on the
// virtual node (the firmware's host build: its --ble-link pty carries the BLE link's bytes), which
// samples at the recording's real rate. The technician pairs the node
// over the cable, connects it over Bluetooth LE in the UI, changes its configuration over BLE (a
// SECURE command), turns raw on and sees the waveform; the link drops and comes back: the UI shows
// "reconnecting", then "online", and the recorder stores a 'link-lost' gap.
import { mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ByteLink } from '../../main/transport/byteLink';
import { openSerialLink } from '../../main/transport/serial';
import { startVirtualNode, type VirtualNode } from '../../main/node/virtualNode';
import { openPage, startBrowserHost, type BrowserHost } from '../helpers/browser';
import { installFakeBluetoothInPage, socketPipe, type FakeBluetoothInPage, type NodePipe } from '../helpers/fakeGatt';
import { makeFirmware, ROOT } from '../helpers/firmware';
import { QemuHarness } from '../helpers/qemu';
import { readCsvColumns } from '../helpers/recording';

const SHOTS = join(ROOT, 'test-output', 'e2e');
const DEVICE_ID = 'UWVtdU5vZGVVU0FSVDI=';
const BLE_PATH = `ble:${DEVICE_ID}`;

/** USART2 exists once QEMU accepted it (after the app opened the wired pty): bytes wait until then. */
function lazyPipe(get: () => NodePipe | undefined): NodePipe {
  const listeners: ((b: Uint8Array) => void)[] = [];
  let bound: NodePipe | undefined;
  const bind = () => {
    if (bound) return bound;
    bound = get();
    if (bound) bound.onData((b) => listeners.forEach((l) => l(b)));
    return bound;
  };
  const timer = setInterval(() => bind() && clearInterval(timer), 50);
  timer.unref();
  return {
    write: (b) => bind()?.write(b),
    onData: (l) => listeners.push(l),
  };
}

/** Where the node comes from: its wired pty path, and its BLE link's bytes once they flow. */
interface NodeSource {
  start(dir: string): Promise<{ wiredPath: string; ble: NodePipe }>;
  /** The app opened the wired link (QEMU starts its other serials only then). */
  connected(): Promise<void>;
  stop(): Promise<void>;
  /** What a test waits for the slow emulated node. */
  slow: boolean;
}

function qemuSource(): NodeSource {
  const rec = readCsvColumns(join(ROOT, 'data/demo/cwru_normal_0hp_1797rpm_48k_1s.csv'));
  const qemu = new QemuHarness({ feed: rec.columns });
  return {
    slow: true,
    async start() {
      makeFirmware('arm');
      await qemu.start();
      return { wiredPath: realpathSync(qemu.tty), ble: lazyPipe(() => (qemu.ble ? socketPipe(qemu.ble) : undefined)) };
    },
    connected: () => qemu.connected(),
    stop: () => qemu.stop(),
  };
}

function virtualNodeSource(): NodeSource {
  let vn: VirtualNode | undefined;
  let link: ByteLink | undefined;
  return {
    slow: false,
    async start(dir) {
      vn = await startVirtualNode({ root: ROOT, recording: 'cwru-normal', name: 'vnode-ble', bleLink: join(dir, 'ble-tty'), store: join(dir, 'store') });
      link = await openSerialLink(vn.blePath!);
      return { wiredPath: vn.path, ble: link };
    },
    connected: async () => {},
    async stop() {
      await link?.close().catch(() => {});
      await vn?.stop();
    },
  };
}

function bleScenario(label: string, source: NodeSource, shot: string) {
describe(`${label} over Bluetooth LE (fake GATT) in the UI: pair, connect, configure, raw, drop and restore`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-e2e-ble-'));
  let host: BrowserHost;
  let context: BrowserContext;
  let page: Page;
  let fake: FakeBluetoothInPage;
  let wiredPath = '';
  const problems: string[] = [];
  const card = (path: string) => page.locator(`[data-testid="node-card"][data-path="${path}"]`);

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    process.env.VIGIL_DATA_DIR = join(dir, 'data');
    const [h, node] = await Promise.all([startBrowserHost(), source.start(dir)]);
    host = h;
    wiredPath = node.wiredPath; // /dev/pts/N: what a technician would type
    ({ context, page } = await openPage(problems, { profile: join(dir, 'chromium') }));
    fake = await installFakeBluetoothInPage(
      page,
      { mtu: 185, bytesPerSecond: 60_000, deviceId: DEVICE_ID, name: 'qemu-pump (fake GATT)' },
      node.ble,
    );
  }, 90_000);

  afterAll(async () => {
    await context?.close();
    host?.child.kill('SIGTERM');
    await source.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('pairs the node over the cable first', async () => {
    await page.goto(host.url);
    await page.getByTestId('connect-path').fill(wiredPath);
    await page.getByTestId('connect-path').press('Enter');
    await expect.poll(() => card(wiredPath).getAttribute('data-status'), { timeout: 30_000 }).toBe('online');
    await source.connected();
    await card(wiredPath).getByTestId('pair-open').click();
    await card(wiredPath).getByTestId('pair-name').fill('qemu-pump');
    await card(wiredPath).getByTestId('pair-confirm').click();
    await expect.poll(() => card(wiredPath).getByTestId('pair-state').textContent(), { timeout: 15_000 }).toMatch(/^Paired — key held by this workstation/);
  }, 60_000);

  it('connects it over Bluetooth LE from the Nodes page', async () => {
    const button = page.getByTestId('ble-connect');
    expect(await button.isDisabled()).toBe(false);
    await button.click();
    const ble = card(BLE_PATH);
    await expect.poll(() => ble.getAttribute('data-status'), { timeout: 30_000 }).toBe('online');
    expect(await ble.getByTestId('link-kind').textContent()).toBe('Bluetooth LE');
    await expect.poll(() => ble.getByTestId('pair-state').textContent(), { timeout: 10_000 }).toMatch(/^Paired — key held by this workstation/);
    expect(await ble.getByTestId('pair-open').isDisabled()).toBe(true); // pairing is over the cable only
  }, 60_000);

  it('changes the configuration over Bluetooth LE (a signed command)', async () => {
    const cfg = card(BLE_PATH).getByTestId('config-section');
    await expect.poll(() => cfg.getByTestId('config-shaft').count(), { timeout: 15_000 }).toBe(1);
    await cfg.getByTestId('config-shaft').fill('24.5');
    await cfg.getByTestId('config-bands').uncheck(); // as the form advises over Bluetooth LE
    await cfg.getByTestId('config-apply').click();
    await expect.poll(() => cfg.getByTestId('config-saved').textContent(), { timeout: 15_000 }).toMatch(/Stored on the node/);
    // The same node seen over the cable has the new value.
    const wired = card(wiredPath).getByTestId('config-section');
    await wired.getByTestId('config-read').click();
    await expect.poll(() => wired.getByTestId('config-shaft').inputValue(), { timeout: 10_000 }).toBe('24.5');
  }, 60_000);

  it('turns raw on over Bluetooth LE and shows the waveform', async () => {
    const st = card(BLE_PATH).getByTestId('stream-section');
    await st.getByTestId('stream-raw').check();
    // The emulated node samples far slower than real time: every raw sample; the virtual node: 1 in 8.
    const d = source.slow ? 1 : 8;
    await st.getByTestId('stream-decimation').fill(String(d));
    await st.getByTestId('stream-apply').click();
    await expect.poll(() => st.getByTestId('stream-current').textContent(), { timeout: 15_000 }).toBe(`Now: features + raw 1 in ${d}`);
    await page.screenshot({ path: join(SHOTS, `${shot}-nodes.png`), fullPage: true });
    await page.locator('a[href="#/live"]').click();
    const raw = page.locator(`[data-testid="live-card"][data-path="${BLE_PATH}"] [data-testid="raw-chart"]`);
    await expect.poll(async () => Number(await raw.getAttribute('data-points')), { timeout: 40_000, interval: 250 }).toBeGreaterThanOrEqual(source.slow ? 250 : 1000);
    await page.screenshot({ path: join(SHOTS, `${shot}-live-raw.png`), fullPage: true });
    const stats = await fake.stats();
    expect(stats.maxConcurrentWrites).toBe(1);
    expect(stats.largestNotification).toBe(182);
    expect(stats.refusedWrites).toBe(0);
  }, 90_000);

  it('shows reconnecting when the link drops, online when it is back, and records the gap as link-lost', async () => {
    await page.locator('a[href="#/nodes"]').click();
    await fake.drop();
    await expect.poll(() => card(BLE_PATH).getAttribute('data-status'), { timeout: 10_000 }).toBe('reconnecting');
    await expect.poll(() => card(BLE_PATH).getByTestId('reconnecting').textContent(), { timeout: 10_000 }).toMatch(/^Link lost at \d\d:\d\d:\d\d .* reconnecting/);
    await page.screenshot({ path: join(SHOTS, `${shot}-reconnecting.png`), fullPage: true });
    await page.waitForTimeout(source.slow ? 8000 : 1500); // the node keeps sampling: windows go by while the link is down
    await fake.restore();
    await expect.poll(() => card(BLE_PATH).getAttribute('data-status'), { timeout: 20_000 }).toBe('online');
    await expect.poll(async () => Number(await card(BLE_PATH).locator('[data-counter="reconnects"] dd').textContent()), { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
    // The recorder writes every 5 s: the gap row appears in IndexedDB with reason 'link-lost'.
    const linkLostGaps = () =>
      page.evaluate(
        () =>
          new Promise<number>((resolve, reject) => {
            const req = indexedDB.open('vigil');
            req.onerror = () => reject(req.error);
            req.onsuccess = () => {
              const all = req.result.transaction('gaps').objectStore('gaps').getAll();
              all.onsuccess = () => resolve((all.result as { reason: string }[]).filter((g) => g.reason === 'link-lost').length);
              all.onerror = () => reject(all.error);
            };
          }),
      );
    await expect.poll(linkLostGaps, { timeout: source.slow ? 40_000 : 20_000, interval: 500 }).toBeGreaterThanOrEqual(1);
    await page.screenshot({ path: join(SHOTS, `${shot}-back-online.png`), fullPage: true });
  }, 120_000);

  it('takes the Bluetooth node over again after a page reload (the devices granted before)', async () => {
    await page.reload();
    await expect.poll(() => card(BLE_PATH).getAttribute('data-status'), { timeout: 20_000 }).toBe('online');
    const frames = async () => Number((await card(BLE_PATH).locator('[data-counter="frames"] dd').textContent())!.replace(/,/g, ''));
    const f0 = await frames();
    await expect.poll(frames, { timeout: source.slow ? 40_000 : 10_000 }).toBeGreaterThan(f0);
  }, 60_000);

  it('raised no console error and no CSP violation', () => {
    expect(problems).toEqual([]);
  });
});
}

bleScenario('a QEMU node', qemuSource(), 'ble-qemu');
bleScenario('the virtual node', virtualNodeSource(), 'ble-vnode');
