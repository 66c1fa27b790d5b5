/**
 * The Electron shell. The renderer runs sandboxed with context isolation and no Node; it reaches
 * main/ only through the preload's `window.vigil` (invoke + on), whose channels are the API
 * contract's. Every request is validated by ApiService.handle and must come from our own page.
 */
import { app, BrowserWindow, ipcMain, protocol, session, shell, net } from 'electron';
import { join, normalize, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ApiService } from '../api/service';
import { BlePicker } from './blePicker';
import { APP_ORIGIN, handleInvoke } from './ipc';
import { DEMO_RECORDINGS, type DemoRecording } from '../../models/api/contract';
import { CONTENT_SECURITY_POLICY } from '../host/csp';
import { NodeManager } from '../node/manager';

// The bundle lives in dist/electron/; the project root is two levels up.
const ROOT = resolve(__dirname, '..', '..');
const RENDERER_DIR = join(ROOT, 'dist', 'renderer');

protocol.registerSchemesAsPrivileged([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

// Pairing keys live in the app's own data folder (0600 file, main/node/keys.ts).
const manager = new NodeManager({ root: ROOT, dataDir: process.env.VIGIL_DATA_DIR || app.getPath('userData') });
const service = new ApiService(manager);
let win: BrowserWindow | null = null;

// navigator.bluetooth.requestDevice(): Electron has no chooser; the renderer's dialog is the picker.
const picker = new BlePicker({
  send: (payload) => {
    if (win && !win.isDestroyed()) win.webContents.send('vigil:event', 'ble.devices', payload);
  },
});

function demoFromArgs(): DemoRecording | undefined {
  const i = process.argv.indexOf('--demo');
  if (i < 0) return undefined;
  const next = process.argv[i + 1];
  return next && (DEMO_RECORDINGS as readonly string[]).includes(next) ? (next as DemoRecording) : 'cwru-normal';
}

async function createWindow(): Promise<void> {
  protocol.handle('app', (req) => {
    const url = new URL(req.url);
    const rel = decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname);
    const file = normalize(join(RENDERER_DIR, rel));
    if (url.host !== 'vigil' || !file.startsWith(RENDERER_DIR + sep)) return new Response('Not found', { status: 404 });
    return net.fetch(pathToFileURL(file).toString());
  });
  session.defaultSession.webRequest.onHeadersReceived((details, cb) => {
    cb({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });
  // No permission (camera, notifications, ...) is ever needed.
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));

  win = new BrowserWindow({
    width: 1280,
    height: 820,
    title: 'Vigil',
    webPreferences: {
      preload: join(__dirname, 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  });
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  win.webContents.on('will-navigate', (e, url) => {
    if (!url.startsWith(APP_ORIGIN + '/')) e.preventDefault();
  });
  win.webContents.on('select-bluetooth-device', (e, devices, callback) => {
    e.preventDefault();
    picker.offer(devices, callback);
  });
  win.on('closed', () => picker.cancelAll());
  await win.loadURL(`${APP_ORIGIN}/index.html#/nodes`);
}

ipcMain.handle('vigil:invoke', (event, channel: unknown, args: unknown) => handleInvoke(service, event, channel, args, { picker }));

manager.subscribe((event, payload) => {
  if (win && !win.isDestroyed()) win.webContents.send('vigil:event', event, payload);
});

app.whenReady().then(async () => {
  await createWindow();
  const demo = demoFromArgs();
  if (demo) await manager.startDemo(demo).catch((e: Error) => console.error(`vigil: the demo node did not start: ${e.message}`));
});

app.on('window-all-closed', () => {
  void manager.shutdown().finally(() => app.quit());
});
