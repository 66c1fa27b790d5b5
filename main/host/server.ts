/**
 * Browser mode: serves the renderer and the typed API (a WebSocket at /api) from this Node process,
 * on 127.0.0.1 only. The API requires the random token printed in the URL; the Host and Origin
 * headers must name this server (so another web page, or a DNS-rebinding trick, cannot reach it).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { CONTENT_SECURITY_POLICY } from './csp';
import { toErrorPayload, type ApiService } from '../api/service';

export const HOST_ADDRESS = '127.0.0.1';
const MAX_MESSAGE_BYTES = 64 * 1024;

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.woff2': 'font/woff2',
};

export interface HostOptions {
  service: ApiService;
  /** The built renderer (dist/renderer). */
  staticDir: string;
  /** 0 picks a free port. */
  port?: number;
  token?: string;
  log?: (line: string) => void;
}

export interface RunningHost {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export async function startHost(opts: HostOptions): Promise<RunningHost> {
  const token = opts.token ?? newToken();
  const log = opts.log ?? (() => {});
  const staticRoot = resolve(opts.staticDir);
  if (!existsSync(join(staticRoot, 'index.html'))) {
    throw new Error(`The renderer is not built (${join(staticRoot, 'index.html')} is missing): run npm run build`);
  }
  let port = 0;
  const allowedHosts = () => [`${HOST_ADDRESS}:${port}`, `localhost:${port}`];
  const allowedOrigins = () => allowedHosts().map((h) => `http://${h}`);

  const server = createServer((req, res) => serveStatic(req, res));

  function serveStatic(req: IncomingMessage, res: ServerResponse): void {
    if (!allowedHosts().includes(req.headers.host ?? '')) {
      res.writeHead(421, { 'content-type': 'text/plain' }).end('Misdirected request');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    let rel = decodeURIComponent(url.pathname);
    if (rel === '/' || rel === '') rel = '/index.html';
    const file = normalize(join(staticRoot, rel));
    if (!file.startsWith(staticRoot + sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
      return;
    }
    res.writeHead(200, {
      'content-type': MIME[extname(file)] ?? 'application/octet-stream',
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  const clients = new Set<WebSocket>();

  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    const given = url.searchParams.get('token') ?? '';
    const refuse = (code: number, why: string) => {
      log(`refused an API connection: ${why}`);
      socket.end(`HTTP/1.1 ${code} ${why}\r\nConnection: close\r\n\r\n`);
    };
    if (url.pathname !== '/api') return refuse(404, 'Not Found');
    if (!allowedHosts().includes(req.headers.host ?? '')) return refuse(421, 'Misdirected Request');
    if (!allowedOrigins().includes(req.headers.origin ?? '')) return refuse(403, 'Forbidden');
    if (!sameToken(given, token)) return refuse(401, 'Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => onClient(ws));
  });

  const unsubscribe = opts.service.manager.subscribe((event, payload) => {
    const msg = JSON.stringify({ type: 'event', event, payload });
    for (const ws of clients) if (ws.readyState === ws.OPEN) ws.send(msg);
  });

  function onClient(ws: WebSocket): void {
    clients.add(ws);
    ws.on('close', () => clients.delete(ws));
    ws.on('message', async (data, isBinary) => {
      let msg: { type?: unknown; id?: unknown; channel?: unknown; args?: unknown };
      try {
        if (isBinary) throw new Error('binary');
        msg = JSON.parse(data.toString());
      } catch {
        ws.send(JSON.stringify({ type: 'response', id: null, ok: false, error: { code: 'bad-request', message: 'Messages must be JSON text' } }));
        return;
      }
      if (msg.type !== 'request' || typeof msg.id !== 'number') {
        ws.send(JSON.stringify({ type: 'response', id: null, ok: false, error: { code: 'bad-request', message: 'Expected {type:"request", id:number, channel, args}' } }));
        return;
      }
      try {
        const result = await opts.service.handle(msg.channel, msg.args);
        ws.send(JSON.stringify({ type: 'response', id: msg.id, ok: true, result }));
      } catch (e) {
        ws.send(JSON.stringify({ type: 'response', id: msg.id, ok: false, error: toErrorPayload(e) }));
      }
    });
  }

  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(opts.port ?? 0, HOST_ADDRESS, () => res());
  });
  port = (server.address() as AddressInfo).port;
  const url = `http://${HOST_ADDRESS}:${port}/?token=${token}`;
  return {
    url,
    port,
    token,
    close: () =>
      new Promise<void>((res) => {
        unsubscribe();
        for (const ws of clients) ws.terminate();
        wss.close();
        server.close(() => res());
        server.closeAllConnections();
      }),
  };
}
