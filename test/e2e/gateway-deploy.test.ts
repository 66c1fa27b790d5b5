// A model deployed to a plant gateway's node from the Deploy page, in Chromium (issue 16 point 1:
// model deployment travels through the gateway, signed with the workstation's pairing key): Mosquitto
// on loopback with the shipped configuration (TLS, a test CA made here, users, ACLs), a virtual node
// paired over its pty by this workstation's data folder, then handed to `vigil gateway --node`; the
// browser-mode host adds the broker on the Nodes page, and the technician deploys a newer model to the
// gateway node on the Deploy page, which shows it confirmed and the model the node now runs, then
// rolls it back.
// Needs mosquitto: under CI (CI set) its absence fails the test; elsewhere it is skipped, saying why.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeManager } from '../../main/node/manager';
import { startVirtualNode, type VirtualNode } from '../../main/node/virtualNode';
import { openPage, startBrowserHost, type BrowserHost } from '../helpers/browser';
import { makeFirmware, ROOT } from '../helpers/firmware';
import { defaultModelBlob, modelFileWithVersion } from '../helpers/modelImage';
import { findMosquitto, freePort, makePasswords, makeTestCa, Mosquitto, writeShippedConfig } from '../helpers/mosquitto';
import { waitFor } from '../helpers/wait';

const mq = findMosquitto();
const inCi = Boolean(process.env.CI);
if (!mq.available && !inCi) console.warn(`test/e2e/gateway-deploy.test.ts skipped: ${mq.reason}`);

const SHOTS = join(ROOT, 'test-output', 'e2e');

describe.skipIf(!mq.available && !inCi)('a model deployed to a gateway\'s node from the Deploy page, in Chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-gw-deploy-e2e-'));
  let broker: Mosquitto;
  let port: number;
  let node: VirtualNode;
  let gateway: ChildProcess;
  let gatewayLog = '';
  let host: BrowserHost;
  let context: BrowserContext;
  let page: Page;
  let running = 0;
  let file = '';
  const problems: string[] = [];

  beforeAll(async () => {
    if (!mq.available) throw new Error(`mosquitto is needed under CI: ${mq.reason}`);
    mkdirSync(SHOTS, { recursive: true });
    makeFirmware('host');
    makeTestCa(dir);
    makePasswords(dir, { gw1: 'gw1-secret', 'ws-office': 'office-secret' });
    writeFileSync(join(dir, 'gw1.password'), 'gw1-secret\n');
    port = await freePort();
    broker = new Mosquitto(writeShippedConfig(dir, port), port);
    await broker.start();
    node = await startVirtualNode({ root: ROOT, recording: 'cwru-normal', name: 'press-7', store: join(dir, 'node.store'), link: join(dir, 'node-tty') });
    // This workstation pairs the node over its cable (the key goes to its data folder), then lets go of it.
    const data = join(dir, 'host-data');
    const office = new NodeManager({ root: ROOT, dataDir: data });
    await office.connect(node.path);
    const paired = await office.pair(node.path, 'press-7');
    running = paired.hello!.info!.modelVersion;
    await office.disconnect(node.path);
    await office.shutdown();
    file = join(dir, `press-model-v${running + 1}.vgm`);
    writeFileSync(file, modelFileWithVersion(defaultModelBlob(ROOT), running + 1));
    gateway = spawn(
      process.execPath,
      [join(ROOT, 'main', 'cli', 'vigil-bin.mjs'), 'gateway', '--broker', `mqtts://localhost:${port}`, '--ca', join(dir, 'ca.crt'), '--user', 'gw1',
        '--password-file', join(dir, 'gw1.password'), '--group', 'plant', '--edge', 'gw1', '--node', node.path],
      { cwd: ROOT, env: { ...process.env, VIGIL_DATA_DIR: join(dir, 'gw-data') }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    gateway.stderr!.setEncoding('utf8');
    gateway.stderr!.on('data', (d: string) => (gatewayLog += d));
    await waitFor('the gateway to publish its node', 30_000, () => (/1 node\(s\) publishing/.test(gatewayLog) ? true : undefined));
    process.env.VIGIL_DATA_DIR = data;
    host = await startBrowserHost();
    ({ context, page } = await openPage(problems, { profile: mkdtempSync(join(tmpdir(), 'vigil-gw-deploy-profile-')), viewport: { width: 1440, height: 900 } }));
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    host?.child.kill('SIGTERM');
    gateway?.kill('SIGKILL');
    await node?.stop();
    await broker?.stop();
  });

  it('adds the gateway; its node arrives paired with a key this workstation holds', async () => {
    await page.goto(host.url.replace(/#.*$/, '') + '#/nodes');
    await page.getByTestId('gateways-section').waitFor({ timeout: 15_000 });
    await page.getByTestId('gateway-url').fill(`mqtts://localhost:${port}`);
    await page.getByTestId('gateway-ca').fill(join(dir, 'ca.crt'));
    await page.getByTestId('gateway-user').fill('ws-office');
    await page.getByTestId('gateway-password').fill('office-secret');
    await page.getByTestId('gateway-add').click();
    const card = page.locator('[data-testid="node-card"]', { hasText: 'press-7' });
    await card.waitFor({ timeout: 30_000 });
    expect(await card.getByTestId('link-kind').textContent()).toBe('Gateway');
    await expect.poll(() => card.getAttribute('data-status'), { timeout: 20_000 }).toBe('online');
  }, 60_000);

  it('deploys a newer model to the gateway node on the Deploy page: confirmed, and the node runs it', async () => {
    await page.locator('nav.sidenav a[href="#/deploy"]').click();
    await page.getByLabel('Open a model file').setInputFiles(file);
    const pick = page.locator('[data-testid="deploy-node"][data-path^="gateway:plant/gw1/"]');
    await pick.waitFor({ timeout: 20_000 });
    await pick.check();
    await page.getByTestId('deploy-start').click();
    const row = page.locator('[data-testid="deploy-row"][data-path^="gateway:plant/gw1/"]');
    await expect
      .poll(() => row.getAttribute('data-state'), { timeout: 120_000 })
      .toBe('confirmed')
      .catch(async (e: Error) => {
        throw new Error(`${e.message}; row: ${await row.textContent().catch(() => '?')}; gateway log: ${gatewayLog.slice(-3000)}; host: ${host.output().slice(-3000)}`);
      });
    await expect.poll(() => row.locator('td').nth(3).textContent(), { timeout: 15_000 }).toBe(`model ${running + 1}`);
    await page.screenshot({ path: join(SHOTS, 'gateway-deploy.png'), fullPage: true });
    expect(gatewayLog).toMatch(/command SECURE MODEL_COMMIT for press-7 from ws-office/);
    // And back, signed through the gateway as well.
    await row.getByTestId('rollback').click();
    await expect.poll(() => row.getAttribute('data-state'), { timeout: 30_000 }).toBe('rolled-back');
    await expect.poll(() => row.locator('td').nth(3).textContent(), { timeout: 15_000 }).toBe(`model ${running}`);
    expect(gatewayLog).toMatch(/command SECURE MODEL_ROLLBACK for press-7 from ws-office/);
    expect(problems).toEqual([]);
  }, 180_000);
});
