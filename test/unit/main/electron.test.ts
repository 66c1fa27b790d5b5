// The Electron shell, tested at the one boundary this machine cannot reach: the Electron binary.
// `electron` is replaced by a THIN FAKE (vi.mock below) that records what the shell asks of it;
// everything else (the API service, validation, the IPC handler) is the real code.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { ApiService } from '../../../main/api/service';
import { startHost, type RunningHost } from '../../../main/host/server';
import { BlePicker } from '../../../main/electron/blePicker';
import { CONTENT_SECURITY_POLICY } from '../../../main/host/csp';
import { isDocumentationLink, permissionAllowed } from '../../../main/electron/guards';
import { handleInvoke } from '../../../main/electron/ipc';
import { NodeManager } from '../../../main/node/manager';
import { bridgeClient, type PreloadBridge } from '../../../renderer/src/api/bridge';
import type { VigilClient } from '../../../renderer/src/api/types';
import { WsClient, type SocketLike } from '../../../renderer/src/api/wsClient';

const fake = vi.hoisted(() => {
  const state = {
    exposed: {} as Record<string, unknown>,
    invokeCalls: [] as unknown[][],
    invokeReply: { ok: true, result: [] } as unknown,
    /** When set, ipcRenderer.invoke answers through it (the real IPC handler) instead of invokeReply. */
    invokeHandler: undefined as undefined | ((...a: unknown[]) => Promise<unknown>),
    rendererListeners: new Map<string, (...a: unknown[]) => void>(),
    windows: [] as { options: Record<string, unknown>; loaded?: string; handlers: Record<string, unknown>; winHandlers: Record<string, unknown> }[],
    sent: [] as unknown[][],
    ipcHandlers: new Map<string, (...a: unknown[]) => unknown>(),
    ready: undefined as undefined | (() => void),
    headers: undefined as undefined | ((d: unknown, cb: (r: unknown) => void) => void),
    permission: undefined as undefined | ((...a: unknown[]) => void),
    permissionCheck: undefined as undefined | ((...a: unknown[]) => boolean),
    paths: [] as string[],
    userData: '',
    appHandlers: new Map<string, (...a: unknown[]) => void>(),
    singleInstance: true,
    quits: 0,
    focused: [] as string[],
    /** Message boxes the shell showed, and the button the fake technician presses. */
    asked: [] as { buttons?: string[]; message?: string }[],
    answer: 1,
    protocols: new Map<string, (req: { url: string }) => Promise<Response>>(),
    fetched: [] as string[],
    opened: [] as string[],
  };
  class BrowserWindow {
    webContents: Record<string, unknown>;
    constructor(options: Record<string, unknown>) {
      const w = { options, handlers: {} as Record<string, unknown>, winHandlers: {} as Record<string, unknown>, loaded: undefined as string | undefined };
      state.windows.push(w);
      this.webContents = {
        setWindowOpenHandler: (h: unknown) => (w.handlers.open = h),
        on: (ev: string, h: unknown) => (w.handlers[ev] = h),
        send: (...a: unknown[]) => state.sent.push(a),
      };
      (this as unknown as { on: (ev: string, h: unknown) => void }).on = (ev: string, h: unknown) => (w.winHandlers[ev] = h);
      (this as unknown as { loadURL: (u: string) => Promise<void> }).loadURL = async (u: string) => {
        w.loaded = u;
      };
      // As in Electron: every new web contents is announced app-wide.
      state.appHandlers.get('web-contents-created')?.({}, this.webContents);
    }
    isMinimized() {
      return true;
    }
    restore() {
      state.focused.push('restore');
    }
    focus() {
      state.focused.push('focus');
    }
    isDestroyed() {
      return false;
    }
  }
  const electron = {
    contextBridge: { exposeInMainWorld: (key: string, api: unknown) => (state.exposed[key] = api) },
    ipcRenderer: {
      invoke: async (...a: unknown[]) => {
        state.invokeCalls.push(a);
        return state.invokeHandler ? state.invokeHandler(...a) : state.invokeReply;
      },
      on: (ch: string, l: (...a: unknown[]) => void) => state.rendererListeners.set(ch, l),
    },
    app: {
      whenReady: () => new Promise<void>((r) => (state.ready = r)),
      on: (ev: string, h: (...a: unknown[]) => void) => state.appHandlers.set(ev, h),
      quit: () => state.quits++,
      requestSingleInstanceLock: () => state.singleInstance,
      getLocale: () => 'es-ES',
      getPath: (name: string) => {
        state.paths.push(name);
        return state.userData;
      },
    },
    BrowserWindow,
    dialog: {
      showMessageBoxSync: (_w: unknown, o: { buttons?: string[]; message?: string }) => {
        state.asked.push(o);
        return state.answer;
      },
    },
    ipcMain: { handle: (ch: string, h: (...a: unknown[]) => unknown) => state.ipcHandlers.set(ch, h) },
    protocol: { registerSchemesAsPrivileged: () => {}, handle: (scheme: string, h: (req: { url: string }) => Promise<Response>) => state.protocols.set(scheme, h) },
    session: {
      defaultSession: {
        webRequest: { onHeadersReceived: (h: (d: unknown, cb: (r: unknown) => void) => void) => (state.headers = h) },
        setPermissionRequestHandler: (h: (...a: unknown[]) => void) => (state.permission = h),
        setPermissionCheckHandler: (h: (...a: unknown[]) => boolean) => (state.permissionCheck = h),
      },
    },
    shell: { openExternal: async (url: string) => state.opened.push(url) },
    net: {
      fetch: async (url: string) => {
        state.fetched.push(url);
        return new Response('<!doctype html>', { headers: { 'content-type': 'text/html' } });
      },
    },
  };
  return { state, electron };
});
vi.mock('electron', () => ({ ...fake.electron, default: fake.electron }));

describe('IPC handler (main/electron/ipc.ts)', () => {
  const service = new ApiService(new NodeManager({ root: process.cwd() }));
  const mainFrame = { url: 'app://vigil/index.html#/nodes' };
  it('answers our own top-level page', async () => {
    expect(await handleInvoke(service, { senderFrame: mainFrame, sender: { mainFrame } }, 'nodes.list', {})).toEqual({ ok: true, result: [] });
  });
  it('refuses sub-frames and foreign pages', async () => {
    const sub = { url: 'app://vigil/index.html' };
    expect((await handleInvoke(service, { senderFrame: sub, sender: { mainFrame } }, 'nodes.list', {})).ok).toBe(false);
    const foreign = { url: 'https://example.com/' };
    expect((await handleInvoke(service, { senderFrame: foreign, sender: { mainFrame: foreign } }, 'nodes.list', {})).ok).toBe(false);
    expect((await handleInvoke(service, { senderFrame: null, sender: { mainFrame } }, 'nodes.list', {})).ok).toBe(false);
  });
  it('validates arguments like the WebSocket host does', async () => {
    const r = await handleInvoke(service, { senderFrame: mainFrame, sender: { mainFrame } }, 'nodes.connect', { path: '/etc/passwd' });
    expect(r).toEqual({ ok: false, error: { code: 'bad-request', message: expect.stringContaining('not a serial port path') } });
  });
  it('report.pdf: only a report page is printed, by the shell; browser mode says to use the browser\'s print', async () => {
    const ev = { senderFrame: mainFrame, sender: { mainFrame } };
    const printed: string[] = [];
    const printPdf = async (html: string) => (printed.push(html), new Uint8Array([0x25, 0x50, 0x44, 0x46]));
    expect(await handleInvoke(service, ev, 'report.pdf', { html: '<!doctype html><p>x</p>' }, { printPdf })).toEqual({ ok: true, result: { pdfBase64: 'JVBERg==' } });
    for (const bad of [{ html: 'https://example.com/' }, { html: 42 }, { html: '<!doctype html>', file: '/tmp/x' }, {}]) {
      expect(await handleInvoke(service, ev, 'report.pdf', bad, { printPdf })).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    }
    expect(await handleInvoke(service, ev, 'report.pdf', { html: `<!doctype html>${'x'.repeat(8 * 1024 * 1024)}` }, { printPdf })).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(printed).toHaveLength(1);
    expect(await handleInvoke(service, ev, 'report.pdf', { html: '<!doctype html>' })).toMatchObject({ ok: false, error: { code: 'unsupported', message: expect.stringContaining('Save as PDF') } });
  });
});

describe('preload (main/electron/preload.ts)', () => {
  beforeEach(async () => {
    fake.state.invokeCalls.length = 0;
    await import('../../../main/electron/preload');
  });
  it('exposes only invoke and on, as window.vigil', () => {
    expect(Object.keys(fake.state.exposed)).toEqual(['vigil']);
    expect(Object.keys(fake.state.exposed.vigil as object).sort()).toEqual(['invoke', 'on']);
  });
  it('forwards only the contract channels and hands on replies with their error code', async () => {
    const api = fake.state.exposed.vigil as PreloadBridge;
    await expect(api.invoke('fs.readFile', { path: '/etc/passwd' })).resolves.toEqual({
      ok: false,
      error: { code: 'bad-request', message: 'unknown request channel "fs.readFile"' },
    });
    expect(fake.state.invokeCalls).toHaveLength(0);
    fake.state.invokeReply = { ok: true, result: ['x'] };
    await expect(api.invoke('nodes.list', {})).resolves.toEqual({ ok: true, result: ['x'] });
    expect(fake.state.invokeCalls).toEqual([['vigil:invoke', 'nodes.list', {}]]);
    fake.state.invokeReply = { ok: false, error: { code: 'not-found', message: 'No node is connected on /dev/ttyX' } };
    await expect(bridgeClient(api).invoke('nodes.disconnect', { path: '/dev/ttyX' })).rejects.toMatchObject({
      name: 'RequestError',
      code: 'not-found',
      message: 'No node is connected on /dev/ttyX',
    });
    expect(() => api.on('anything', () => {})).toThrow(/unknown event/);
    const got: unknown[] = [];
    const off = api.on('node.removed', (p: unknown) => got.push(p));
    fake.state.rendererListeners.get('vigil:event')!({}, 'node.removed', { path: '/dev/a' });
    off();
    fake.state.rendererListeners.get('vigil:event')!({}, 'node.removed', { path: '/dev/b' });
    expect(got).toEqual([{ path: '/dev/a' }]);
  });
});

describe('errors keep their code on both transports (preload bridge and WebSocket)', () => {
  // The same failing requests, through the renderer's two clients to the same real ApiService.
  const FAILING: [channel: string, args: unknown, code: string, words: RegExp][] = [
    ['fs.readFile', { path: '/etc/passwd' }, 'bad-request', /^unknown request channel "fs\.readFile"$/],
    ['nodes.connect', { path: '/etc/passwd' }, 'bad-request', /"\/etc\/passwd" is not a serial port path/],
    ['nodes.config.set', { path: '/dev/ttyX', changes: { rangeG: 3 } }, 'bad-request', /"rangeG" must be 2, 4, 8 or 16/],
    ['nodes.connect', { path: '/dev/ttyVIGIL-NO-SUCH-PORT' }, 'not-found', /does not exist/],
    ['nodes.disconnect', { path: '/dev/ttyX' }, 'not-found', /^No node is connected on \/dev\/ttyX$/],
    ['demo.stop', { path: '/dev/ttyX' }, 'not-found', /^No demo node runs on \/dev\/ttyX$/],
    ['ble.rx', { path: 'ble:AAAA', data: 'AAAA' }, 'not-found', /^No Bluetooth LE node is open on ble:AAAA$/],
  ];
  const manager = new NodeManager({ root: process.cwd() });
  const service = new ApiService(manager);
  let host: RunningHost;
  let ws: WsClient;
  let ipc: VigilClient;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-static-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Vigil</title>');
    host = await startHost({ service, staticDir: dir });
    const origin = `http://127.0.0.1:${host.port}`;
    ws = new WsClient({
      url: () => `ws://127.0.0.1:${host.port}/api?token=${host.token}`,
      createSocket: (url) => new WebSocket(url, { origin }) as unknown as SocketLike,
    });
    await import('../../../main/electron/preload');
    const mainFrame = { url: 'app://vigil/index.html#/nodes' };
    fake.state.invokeHandler = (_ch, channel, args) => handleInvoke(service, { senderFrame: mainFrame, sender: { mainFrame } }, channel, args);
    ipc = bridgeClient(fake.state.exposed.vigil as PreloadBridge);
  });
  afterAll(async () => {
    fake.state.invokeHandler = undefined;
    ws.dispose();
    await host.close();
    await manager.shutdown();
  });

  it.each(FAILING)('%s %j fails with %s on both', async (channel, args, code, words) => {
    const failure = async (client: VigilClient) => {
      const err = await (client.invoke as (c: string, a: unknown) => Promise<unknown>)(channel, args).then(
        () => {
          throw new Error(`${channel} succeeded`);
        },
        (e: unknown) => e,
      );
      return { name: (err as Error).name, code: (err as { code?: unknown }).code, message: (err as Error).message };
    };
    const viaIpc = await failure(ipc);
    const viaWs = await failure(ws);
    expect(viaIpc).toEqual(viaWs);
    expect(viaIpc.name).toBe('RequestError');
    expect(viaIpc.code).toBe(code);
    expect(viaIpc.message).toMatch(words);
  });
});

describe('main window (main/electron/main.ts)', () => {
  it('isolates and sandboxes the renderer, sets the CSP and denies navigation and permissions', async () => {
    // The pairing keys go to Electron's userData folder (VIGIL_DATA_DIR wins when set).
    fake.state.userData = mkdtempSync(join(tmpdir(), 'vigil-userdata-'));
    const envDir = process.env.VIGIL_DATA_DIR;
    delete process.env.VIGIL_DATA_DIR;
    await import('../../../main/electron/main');
    if (envDir !== undefined) process.env.VIGIL_DATA_DIR = envDir;
    expect(fake.state.paths).toContain('userData');
    fake.state.ready!();
    await vi.waitFor(() => expect(fake.state.windows[0]?.loaded).toBeDefined());
    const w = fake.state.windows[0];
    expect(w.options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true });
    expect(String((w.options.webPreferences as { preload: string }).preload)).toMatch(/preload\.cjs$/);
    expect(w.loaded).toMatch(/^app:\/\/vigil\//);
    expect(fake.state.ipcHandlers.has('vigil:invoke')).toBe(true);
    let headers: Record<string, string[]> = {};
    fake.state.headers!({ responseHeaders: {} }, (r) => (headers = (r as { responseHeaders: Record<string, string[]> }).responseHeaders));
    expect(headers['Content-Security-Policy'][0]).toContain("script-src 'self'");
    let allowed: boolean | undefined;
    fake.state.permission!({}, 'media', (ok: boolean) => (allowed = ok));
    expect(allowed).toBe(false);
    let prevented = false;
    (w.handlers['will-navigate'] as (e: unknown, u: string) => void)({ preventDefault: () => (prevented = true) }, 'https://evil.example/');
    expect(prevented).toBe(true);
    expect((w.handlers.open as (d: { url: string }) => { action: string })({ url: 'https://example.com' })).toEqual({ action: 'deny' });
    // An unsaved label: the page asked before unloading; the shell asks the technician (system language).
    const unload = w.handlers['will-prevent-unload'] as (e: { preventDefault(): void }) => void;
    let left = 0;
    fake.state.answer = 1;
    unload({ preventDefault: () => left++ });
    expect(left).toBe(0); // keep editing: the page stays
    expect(fake.state.asked[0]).toMatchObject({ message: 'Esta etiqueta no está guardada', buttons: ['Descartar y salir', 'Seguir editando'] });
    fake.state.answer = 0;
    unload({ preventDefault: () => left++ });
    expect(left).toBe(1); // discard and leave: the unload goes on
  });
});

describe('Bluetooth device picker (main/electron/main.ts, blePicker.ts)', () => {
  const mainFrame = { url: 'app://vigil/index.html#/nodes' };
  const ev = { senderFrame: mainFrame, sender: { mainFrame } };

  it('turns select-bluetooth-device into ble.devices, follows the growing list, and answers with the chosen device', async () => {
    await import('../../../main/electron/main');
    fake.state.ready!();
    await vi.waitFor(() => expect(fake.state.windows[0]?.loaded).toBeDefined());
    const w = fake.state.windows[0];
    const select = w.handlers['select-bluetooth-device'] as (e: unknown, d: unknown[], cb: (id: string) => void) => void;
    expect(select).toBeTypeOf('function');
    fake.state.sent.length = 0;
    let prevented = 0;
    const chosen: string[] = [];
    const e = { preventDefault: () => prevented++ };
    select(e, [{ deviceId: 'AAAA', deviceName: 'Pump 3 DE' }], (id) => chosen.push(`old:${id}`));
    select(e, [{ deviceId: 'AAAA', deviceName: 'Pump 3 DE' }, { deviceId: 'BBBB', deviceName: '' }], (id) => chosen.push(id));
    expect(prevented).toBe(2);
    const events = fake.state.sent.filter((a) => a[0] === 'vigil:event' && a[1] === 'ble.devices').map((a) => a[2] as { requestId: string; devices: unknown[] });
    expect(events).toHaveLength(2);
    expect(events[0].requestId).toBe(events[1].requestId);
    expect(events[1].devices).toEqual([
      { deviceId: 'AAAA', name: 'Pump 3 DE' },
      { deviceId: 'BBBB', name: 'Unnamed device' },
    ]);
    const invoke = fake.state.ipcHandlers.get('vigil:invoke')!;
    // Validated like every request.
    expect(await invoke(ev, 'ble.select', { requestId: events[0].requestId, deviceId: 'no spaces allowed' })).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(await invoke(ev, 'ble.select', { requestId: 'other', deviceId: 'AAAA' })).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect(await invoke(ev, 'ble.select', { requestId: events[0].requestId, deviceId: 'CCCC' })).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect(await invoke(ev, 'ble.select', { requestId: events[0].requestId, deviceId: 'BBBB' })).toEqual({ ok: true, result: { ok: true } });
    expect(chosen).toEqual(['BBBB']); // the newest callback, once
    // A second answer to a closed list is refused in plain words.
    expect(await invoke(ev, 'ble.select', { requestId: events[0].requestId, deviceId: null })).toMatchObject({ ok: false, error: { message: expect.stringContaining('no longer open') } });
    // The next requestDevice() is a new request; closing the window cancels it.
    select(e, [], (id) => chosen.push(`second:${id}`));
    (w.winHandlers.closed as () => void)();
    expect(chosen).toEqual(['BBBB', 'second:']);
  });

  it('cancels when nobody chose in time, and on Cancel (null)', () => {
    const timers: (() => void)[] = [];
    const sent: unknown[] = [];
    const picker = new BlePicker({ send: (p) => sent.push(p), setTimeout: (cb) => timers.push(cb), clearTimeout: () => {}, newId: () => 'r1' });
    const got: string[] = [];
    picker.offer([{ deviceId: 'AAAA', deviceName: 'n' }], (id) => got.push(id));
    timers[0]();
    expect(got).toEqual(['']);
    expect(picker.current).toBeNull();
    picker.offer([{ deviceId: 'AAAA', deviceName: 'n' }], (id) => got.push(id));
    expect(picker.select('r1', null)).toEqual({ ok: true });
    expect(got).toEqual(['', '']);
    expect(sent).toHaveLength(2);
  });

  it('has no picker to answer outside the shell', async () => {
    const service = new ApiService(new NodeManager({ root: process.cwd() }));
    expect(await handleInvoke(service, ev, 'ble.select', { requestId: 'x', deviceId: null })).toMatchObject({ ok: false, error: { code: 'not-found' } });
  });
});

describe('shell hardening (main/electron/main.ts, guards.ts, appProtocol.ts)', () => {
  async function started() {
    await import('../../../main/electron/main');
    fake.state.ready!();
    await vi.waitFor(() => expect(fake.state.windows[0]?.loaded).toBeDefined());
    return fake.state.windows[0];
  }
  type Nav = (e: { preventDefault(): void }, url?: string) => void;

  it('opens no external page but the documentation links, from the window or any other web contents', async () => {
    const w = await started();
    fake.state.opened.length = 0;
    expect((w.handlers.open as (d: { url: string }) => unknown)({ url: 'https://example.com/' })).toEqual({ action: 'deny' });
    let prevented = 0;
    (w.handlers['will-navigate'] as Nav)({ preventDefault: () => prevented++ }, 'https://example.com/');
    (w.handlers['will-redirect'] as Nav)({ preventDefault: () => prevented++ }, 'http://127.0.0.1:1/');
    (w.handlers['will-navigate'] as Nav)({ preventDefault: () => prevented++ }, 'app://vigil/index.html#/live');
    expect(prevented).toBe(2);
    expect(fake.state.opened).toEqual([]);
    // Any other web contents (a webview, a window a page tried to open) gets the same rules.
    const other: Record<string, unknown> = {};
    fake.state.appHandlers.get('web-contents-created')!({}, { setWindowOpenHandler: (h: unknown) => (other.open = h), on: (ev: string, h: unknown) => (other[ev] = h) });
    expect((other.open as (d: { url: string }) => unknown)({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    (other['will-navigate'] as Nav)({ preventDefault: () => prevented++ }, 'file:///etc/passwd');
    (other['will-attach-webview'] as Nav)({ preventDefault: () => prevented++ });
    expect(prevented).toBe(4);
    expect(fake.state.opened).toEqual([]);
    // Only an exact https documentation URL opens.
    const docs = ['https://docs.example.org/vigil/pairing'];
    expect(isDocumentationLink('https://docs.example.org/vigil/pairing', docs)).toBe(true);
    for (const url of ['https://docs.example.org/vigil/pairing/../../x', 'https://docs.example.org/vigil/pairing2', 'http://docs.example.org/vigil/pairing', 'https://user@docs.example.org/vigil/pairing', 'https://docs.example.org.evil/vigil/pairing', 'not a url']) {
      expect(isDocumentationLink(url, docs), url).toBe(false);
    }
  });

  it('denies every permission check and request, beside the device picker', async () => {
    await started();
    expect(fake.state.permissionCheck).toBeTypeOf('function');
    for (const perm of ['media', 'notifications', 'clipboard-read', 'serial', 'hid', 'usb', 'geolocation', 'openExternal', 'unknown']) {
      expect(fake.state.permissionCheck!(null, perm, 'app://vigil', {}), perm).toBe(false);
      let granted: boolean | undefined;
      fake.state.permission!(null, perm, (ok: boolean) => (granted = ok), { requestingUrl: 'app://vigil/index.html' });
      expect(granted, perm).toBe(false);
    }
    // A permission the renderer needed would go to our own page only.
    expect(permissionAllowed('x', 'app://vigil', ['x'])).toBe(true);
    expect(permissionAllowed('x', 'app://vigilant', ['x'])).toBe(false);
    expect(permissionAllowed('x', 'https://evil.example', ['x'])).toBe(false);
  });

  it('serves app:// with the CSP on every response, and answers a bad path with 400', async () => {
    await started();
    const handle = fake.state.protocols.get('app')!;
    expect(handle).toBeTypeOf('function');
    fake.state.fetched.length = 0;
    const page = await handle({ url: 'app://vigil/' });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(page.headers.get('content-type')).toBe('text/html');
    expect(fake.state.fetched).toEqual([expect.stringMatching(/^file:\/\/.*\/dist\/renderer\/index\.html$/)]);
    for (const [url, status] of [
      ['app://vigil/%ff', 400],
      ['app://vigil/a%00.js', 400],
      ['app://other/index.html', 404],
    ] as const) {
      const r = await handle({ url });
      expect(r.status, url).toBe(status);
      expect(r.headers.get('content-security-policy'), url).toBe(CONTENT_SECURITY_POLICY);
    }
    expect(fake.state.fetched).toHaveLength(1);
  });

  it('is a single instance: a second one focuses the first and quits before opening the data folder', async () => {
    await started();
    fake.state.focused.length = 0;
    fake.state.appHandlers.get('second-instance')!({}, ['vigil'], '/');
    expect(fake.state.focused).toEqual(['restore', 'focus']);

    vi.resetModules();
    fake.state.singleInstance = false;
    fake.state.quits = 0;
    fake.state.paths.length = 0;
    fake.state.ipcHandlers.clear();
    fake.state.appHandlers.clear();
    await import('../../../main/electron/main');
    expect(fake.state.quits).toBe(1);
    expect(fake.state.paths).toEqual([]); // the keys and data folder were not opened
    expect(fake.state.ipcHandlers.size).toBe(0);
    expect(fake.state.appHandlers.size).toBe(0);
    fake.state.singleInstance = true;
  });
});
