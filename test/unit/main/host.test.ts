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
