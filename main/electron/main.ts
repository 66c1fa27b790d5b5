/**
 * The Electron shell. The renderer runs sandboxed with context isolation and no Node; it reaches
 * main/ only through the preload's `window.vigil` (invoke + on), whose channels are the API
 * contract's. Every request is validated by ApiService.handle and must come from our own page.
 * One instance at a time; every web contents is held to main/electron/guards.ts; the app://
 * scheme serves only the built renderer, with the CSP (main/electron/appProtocol.ts).
 */
import { app, BrowserWindow, dialog, ipcMain, protocol, session, shell, net } from 'electron';
import { join, resolve } from 'node:path';
import { ApiService } from '../api/service';
import { appProtocolHandler } from './appProtocol';
import { BlePicker } from './blePicker';
import { FileOpening } from './fileOpening';
import { printReportPdf } from './printPdf';
import { guardContents, permissionAllowed } from './guards';
import { leaveDespiteUnsaved } from './unloadQuestion';
import { APP_ORIGIN, handleInvoke } from './ipc';
import { DEMO_RECORDINGS, type DemoRecording } from '../../models/api/contract';
import { CONTENT_SECURITY_POLICY } from '../host/csp';
import { NodeManager } from '../node/manager';

// The bundle lives in dist/electron/; the app folder (the project root, or app.asar when
// packaged) is two levels up. Packaged, the virtual node binary and data/demo sit beside app.asar
// in the resources folder at the same relative paths (electron-builder.yml, extraResources).
const APP_DIR = resolve(__dirname, '..', '..');
const RENDERER_DIR = join(APP_DIR, 'dist', 'renderer');
const ROOT = app.isPackaged ? process.resourcesPath : APP_DIR;

// Two instances would share the pairing keys and the recordings: a second one hands over to the
// first (which comes to the front) and quits before it opens anything.
if (app.requestSingleInstanceLock()) startShell();
else app.quit();

function startShell(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

  // Pairing keys live in the app's own data folder (0600 file, main/node/keys.ts).
  const manager = new NodeManager({
    root: ROOT,
    dataDir: process.env.VIGIL_DATA_DIR || app.getPath('userData'),
    // Serial ports are read in a thread of their own (main/transport/serialThread.ts), bundled beside main.cjs.
    serialReader: { file: join(__dirname, 'serialWorker.cjs') },
  });
  const service = new ApiService(manager);
  let win: BrowserWindow | null = null;
  // Files the app is opened with (main/electron/fileOpening.ts). npm start runs Electron from the
  // project folder: a relative path on its command line is relative to where npm was run.
  const opening = new FileOpening(service.files, { defaultApp: Boolean(process.defaultApp), log: (l) => console.error(l) });
  const launchDir = (!app.isPackaged && process.env.INIT_CWD) || process.cwd();
  const report = (e: Error) => console.error(`vigil: could not open a file: ${e.message}`);

  // navigator.bluetooth.requestDevice(): Electron has no chooser; the renderer's dialog is the picker.
  const picker = new BlePicker({
    send: (payload) => {
      if (win && !win.isDestroyed()) win.webContents.send('vigil:event', 'ble.devices', payload);
    },
  });

  // Every web contents, the main window's and any other, gets the same rules (main/electron/guards.ts).
  app.on('web-contents-created', (_e, contents) => guardContents(contents, (url) => shell.openExternal(url)));

  // A second start hands its command line over (its files open here) and quits.
  app.on('second-instance', (_e, argv, workingDirectory) => {
    void opening.fromArgv(argv, workingDirectory).catch(report);
    if (!win || win.isDestroyed()) return;
    if (win.isMinimized()) win.restore();
    win.focus();
  });
  // macOS: Finder and the Dock open files through this event, possibly before 'ready'.
  app.on('open-file', (e, path) => {
    e.preventDefault();
    void opening.openFile(path).catch(report);
    if (win && !win.isDestroyed()) win.focus();
  });

  async function createWindow(): Promise<void> {
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
        webviewTag: false,
      },
    });
    win.webContents.on('select-bluetooth-device', (e, devices, callback) => {
      e.preventDefault();
      picker.offer(devices, callback);
    });
    // An unsaved label: the page asked before unloading; Electron shows nothing, so ask here.
    win.webContents.on('will-prevent-unload', (e) => {
      if (win && leaveDespiteUnsaved((o) => dialog.showMessageBoxSync(win!, o), app.getLocale())) e.preventDefault();
    });
    win.on('closed', () => picker.cancelAll());
    await win.loadURL(`${APP_ORIGIN}/index.html#/nodes`);
  }

  ipcMain.handle('vigil:invoke', (event, channel: unknown, args: unknown) => handleInvoke(service, event, channel, args, { picker, printPdf: printReportPdf }));

  // Structured clone: node.raw's samples (Float32Array) arrive in the renderer as a Float32Array, not JSON numbers.
  service.subscribe((event, payload) => {
    if (win && !win.isDestroyed()) win.webContents.send('vigil:event', event, payload);
  });

  app.whenReady().then(async () => {
    // The app's own pages, each response with the CSP (main/electron/appProtocol.ts); the header
    // hook covers whatever else the session loads.
    protocol.handle('app', appProtocolHandler(RENDERER_DIR, (fileUrl) => net.fetch(fileUrl)));
    session.defaultSession.webRequest.onHeadersReceived((details, cb) => {
      cb({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
    });
    // No permission (camera, notifications, ...) is needed: checks and requests are both denied.
    session.defaultSession.setPermissionCheckHandler((_wc, permission, origin) => permissionAllowed(permission, origin));
    session.defaultSession.setPermissionRequestHandler((_wc, permission, cb, details) => cb(permissionAllowed(permission, details?.requestingUrl)));
    await createWindow();
    await opening.fromArgv(process.argv, launchDir).catch(report);
    const demo = demoFromArgs();
    if (demo) await manager.startDemo(demo).catch((e: Error) => console.error(`vigil: the demo node did not start: ${e.message}`));
  });

  app.on('window-all-closed', () => {
    void manager.shutdown().finally(() => app.quit());
  });
}

function demoFromArgs(): DemoRecording | undefined {
  const i = process.argv.indexOf('--demo');
  if (i < 0) return undefined;
  const next = process.argv[i + 1];
  return next && (DEMO_RECORDINGS as readonly string[]).includes(next) ? (next as DemoRecording) : 'cwru-normal';
}
