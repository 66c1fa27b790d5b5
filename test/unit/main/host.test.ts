import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ApiError, validateRequest } from '../../../models/api/contract';
import { ApiService } from '../../../main/api/service';
import { startHost, type RunningHost } from '../../../main/host/server';
import { NodeManager } from '../../../main/node/manager';
import { rawExchange, statusOf, upgradeRequest, wsFrame } from '../../helpers/rawSocket';

describe('API argument validation', () => {
  it('accepts well-formed requests', () => {
    expect(validateRequest('nodes.connect', { path: '/dev/ttyACM0' }).args).toEqual({ path: '/dev/ttyACM0' });
    expect(validateRequest('demo.start', { recording: 'cwru-inner-race' }).args).toEqual({ recording: 'cwru-inner-race' });
    expect(validateRequest('nodes.list', undefined).args).toEqual({});
    expect(validateRequest('ble.open', { deviceId: 'AAAA' }).args).toEqual({ deviceId: 'AAAA' });
  });
  it('refuses everything else with a plain-words ApiError', () => {
    const bad: [unknown, unknown][] = [
      ['fs.read', {}],
      [42, {}],
      ['nodes.connect', { path: '/etc/passwd' }],
      ['nodes.connect', { path: '/dev/../etc/passwd' }],
      ['nodes.connect', { path: 7 }],
      ['nodes.connect', {}],
      ['nodes.connect', { path: '/dev/ttyUSB0', extra: 1 }],
      ['nodes.list', []],
      ['demo.start', { recording: 'rm -rf /' }],
      ['ports.list', { x: 1 }],
      ['ble.open', { deviceId: 'AAAA', name: 'pump-7' }],
    ];
    for (const [c, a] of bad) {
      expect(() => validateRequest(c, a), JSON.stringify([c, a])).toThrow(ApiError);
    }
  });
});

function get(port: number, path: string, host = `127.0.0.1:${port}`): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function connectWs(url: string, origin: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { origin });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

describe('browser-mode host', () => {
  let host: RunningHost;
  let manager: NodeManager;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-static-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Vigil</title>');
    manager = new NodeManager({ root: process.cwd() });
    host = await startHost({ service: new ApiService(manager), staticDir: dir });
  });
  afterAll(async () => {
    await host.close();
    await manager.shutdown();
  });

  it('listens on 127.0.0.1 with a long random token in the URL', () => {
    expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{32}$/);
  });
  it('serves the page with a strict CSP, and nothing outside its folder', async () => {
    const r = await get(host.port, '/');
    expect(r.status).toBe(200);
    expect(String(r.headers['content-security-policy'])).toContain("script-src 'self'");
    expect((await get(host.port, '/../package.json')).status).toBe(404);
    expect((await get(host.port, '/%2e%2e/package.json')).status).toBe(404);
  });
  it('refuses a request whose Host header is not this server (DNS rebinding)', async () => {
    expect((await get(host.port, '/', `evil.example:${host.port}`)).status).toBe(421);
  });
  it('refuses API connections without the token or from another origin', async () => {
    const origin = `http://127.0.0.1:${host.port}`;
    await expect(connectWs(`ws://127.0.0.1:${host.port}/api`, origin)).rejects.toThrow('HTTP 401');
    await expect(connectWs(`ws://127.0.0.1:${host.port}/api?token=wrong`, origin)).rejects.toThrow('HTTP 401');
    await expect(connectWs(`ws://127.0.0.1:${host.port}/api?token=${host.token}`, 'http://evil.example')).rejects.toThrow('HTTP 403');
  });
  it('answers requests with the token, and reports bad arguments in plain words', async () => {
    const ws = await connectWs(`ws://127.0.0.1:${host.port}/api?token=${host.token}`, `http://127.0.0.1:${host.port}`);
    const call = (id: number, channel: string, args: unknown) =>
      new Promise<{ ok: boolean; result?: unknown; error?: { code: string; message: string } }>((resolve) => {
        const onMsg = (d: WebSocket.RawData) => {
          const m = JSON.parse(d.toString());
          if (m.type === 'response' && m.id === id) {
            ws.off('message', onMsg);
            resolve(m);
          }
        };
        ws.on('message', onMsg);
        ws.send(JSON.stringify({ type: 'request', id, channel, args }));
      });
    expect(await call(1, 'nodes.list', {})).toEqual({ type: 'response', id: 1, ok: true, result: [] });
    const bad = await call(2, 'nodes.connect', { path: '/etc/shadow' });
    expect(bad.ok).toBe(false);
    expect(bad.error?.code).toBe('bad-request');
    expect(bad.error?.message).toContain('not a serial port path');
    const missing = await call(3, 'nodes.connect', { path: '/dev/ttyVIGIL-absent' });
    expect(missing.ok).toBe(false);
    expect(missing.error?.message).toMatch(/does not exist|Could not open/);
    ws.close();
  });
});

describe('browser-mode host under hostile input (it must answer, never exit)', () => {
  let host: RunningHost;
  let manager: NodeManager;
  const logged: string[] = [];
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-static-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Vigil</title>');
    manager = new NodeManager({ root: process.cwd() });
    host = await startHost({ service: new ApiService(manager), staticDir: dir, log: (l) => logged.push(l) });
  });
  afterAll(async () => {
    await host.close();
    await manager.shutdown();
  });
  const self = () => `127.0.0.1:${host.port}`;
  const api = () => `/api?token=${host.token}`;
  async function stillServing(): Promise<void> {
    expect((await get(host.port, '/')).status).toBe(200);
    const ws = await connectWs(`ws://${self()}${api()}`, `http://${self()}`);
    const reply = await new Promise<string>((resolve) => {
      ws.once('message', (d) => resolve(d.toString()));
      ws.send(JSON.stringify({ type: 'request', id: 7, channel: 'nodes.list', args: {} }));
    });
    expect(JSON.parse(reply)).toEqual({ type: 'response', id: 7, ok: true, result: [] });
    ws.close();
  }

  it('answers a bad percent-escape in a page path with 400', async () => {
    for (const path of ['/%ff', '/%', '/a%zz', '/%c0%af', '/index.html%00']) {
      expect((await get(host.port, path)).status, path).toBe(400);
    }
    await stillServing();
  });
  it('answers a request target that is not a path with 400', async () => {
    expect(statusOf(await rawExchange(host.port, [`GET * HTTP/1.1\r\nHost: ${self()}\r\nConnection: close\r\n\r\n`]))).toBe(400);
    expect(statusOf(await rawExchange(host.port, [`GET http://${self()}/ HTTP/1.1\r\nHost: ${self()}\r\nConnection: close\r\n\r\n`]))).toBe(400);
    await stillServing();
  });
  it('refuses an API upgrade with an invalid Host header, and a token with a bad percent-escape', async () => {
    expect(statusOf(await rawExchange(host.port, [upgradeRequest(api(), '[', `http://${self()}`)]))).toBe(400);
    expect(statusOf(await rawExchange(host.port, [upgradeRequest(api(), `evil.example:${host.port}`, `http://${self()}`)]))).toBe(421);
    expect(statusOf(await rawExchange(host.port, [upgradeRequest('/api?token=%ff', self(), `http://${self()}`)]))).toBe(401);
    expect(statusOf(await rawExchange(host.port, [`GET / HTTP/1.1\r\nHost: [\r\nConnection: close\r\n\r\n`]))).toBe(400);
    await stillServing();
  });
  it('answers the message null with a plain-words refusal', async () => {
    const out = (await rawExchange(host.port, [upgradeRequest(api(), self(), `http://${self()}`), wsFrame(1, Buffer.from('null'))], 500)).toString('latin1');
    expect(out).toMatch(/^HTTP\/1\.1 101/);
    expect(out).toContain('Expected {type:\\"request\\", id:number, channel, args}');
    await stillServing();
  });
  it('closes a connection that sends a message over 64 KiB or a malformed frame', async () => {
    const open = upgradeRequest(api(), self(), `http://${self()}`);
    const closeCode = (b: Buffer) => {
      const i = b.indexOf('\r\n\r\n') + 4;
      // The server's close frame: 0x88, a length, then the status code.
      return b[i] === 0x88 ? b.readUInt16BE(i + 2) : 0;
    };
    expect(closeCode(await rawExchange(host.port, [open, wsFrame(1, Buffer.alloc(64 * 1024 + 1, 0x20))]))).toBe(1009);
    expect(closeCode(await rawExchange(host.port, [open, wsFrame(1, Buffer.from('{}'), { masked: false })]))).toBe(1002);
    expect(closeCode(await rawExchange(host.port, [open, wsFrame(1, Buffer.from('{}'), { rsv: 2 })]))).toBe(1002);
    expect(closeCode(await rawExchange(host.port, [open, wsFrame(1, Buffer.from([0xff, 0xfe]))]))).toBe(1007);
    // Each was logged as a closed connection, and the process is still here to log it.
    expect(logged.filter((l) => l.startsWith('closed an API connection')).map((l) => l.replace(/^.*: /, ''))).toEqual([
      expect.stringMatching(/Max payload size exceeded/),
      expect.stringMatching(/MASK must be set/),
      expect.stringMatching(/RSV2 and RSV3 must be clear/),
      expect.stringMatching(/invalid UTF-8/),
    ]);
    await stillServing();
  });
});
