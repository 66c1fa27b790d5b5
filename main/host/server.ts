/**
 * Browser mode: serves the renderer and the typed API (a WebSocket at /api) from this Node process,
 * on 127.0.0.1 only. The API requires the random token printed in the URL; the Host and Origin
 * headers must name this server (so another web page, or a DNS-rebinding trick, cannot reach it).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve } from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { CONTENT_SECURITY_POLICY } from './csp';
import { resolveStaticPath, splitTarget } from './staticPath';
import type { RawBatch } from '../../models/api/contract';
import { encodeRawBatch } from '../../models/api/rawWire';
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

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
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

  const allowedHostStatus = (host: string | undefined): 0 | 400 | 421 => {
    if (allowedHosts().includes(host ?? '')) return 0;
    // A Host that is not even a host name (say "[") is malformed; a well-formed foreign one is misdirected.
    return host && /^[A-Za-z0-9.:[\]-]+$/.test(host) && URL.canParse(`http://${host}/`) ? 421 : 400;
  };

  /** Runs one listener so that no input can end the process: an unexpected error is logged, that connection dropped. */
  function guarded(what: string, run: () => void, drop: () => void): void {
    try {
      run();
    } catch (e) {
      log(`unexpected error in ${what} (the host keeps serving): ${(e as Error)?.stack ?? String(e)}`);
      try {
        drop();
      } catch {
        // The connection is already gone.
      }
    }
  }

  const server = createServer((req, res) =>
    guarded(
      'a page request',
      () => serveStatic(req, res),
      () => (res.headersSent ? res.destroy() : res.writeHead(500, { 'content-type': 'text/plain' }).end('Internal error')),
    ),
  );

  function serveStatic(req: IncomingMessage, res: ServerResponse): void {
    const hostStatus = allowedHostStatus(req.headers.host);
    if (hostStatus) {
      res.writeHead(hostStatus, { 'content-type': 'text/plain' }).end(hostStatus === 400 ? 'Bad request: malformed Host header' : 'Misdirected request');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const found = resolveStaticPath(staticRoot, splitTarget(req.url ?? '').path);
    if (!found.ok) {
      res.writeHead(found.status, { 'content-type': 'text/plain' }).end(found.status === 400 ? `Bad request: ${found.why}` : 'Not found');
      return;
    }
    const { file } = found;
    if (!isFile(file)) {
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
    else
      createReadStream(file)
        .on('error', (e) => {
          log(`could not read ${file}: ${e.message}`);
          res.destroy();
        })
        .pipe(res);
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  const clients = new Set<WebSocket>();

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Node drops its own error listener from an upgraded socket: without this, a reset peer ends the process.
    socket.on('error', () => socket.destroy());
    guarded(
      'an API upgrade',
      () => upgrade(req, socket, head),
      () => socket.destroy(),
    );
  });

  function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const refuse = (code: number, why: string) => {
      log(`refused an API connection: ${why}`);
      socket.end(`HTTP/1.1 ${code} ${why}\r\nConnection: close\r\n\r\n`);
    };
    const hostStatus = allowedHostStatus(req.headers.host);
    if (hostStatus) return refuse(hostStatus, hostStatus === 400 ? 'Bad Request' : 'Misdirected Request');
    const { path, query } = splitTarget(req.url ?? '');
    if (path !== '/api') return refuse(404, 'Not Found');
    if (!allowedOrigins().includes(req.headers.origin ?? '')) return refuse(403, 'Forbidden');
    if (!sameToken(query.get('token') ?? '', token)) return refuse(401, 'Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => onClient(ws));
  }

  const unsubscribe = opts.service.subscribe((event, payload) => {
    // Raw samples go as one binary frame (models/api/rawWire.ts); every other message is JSON text.
    const msg = event === 'node.raw' ? encodeRawBatch(payload as RawBatch) : JSON.stringify({ type: 'event', event, payload });
    for (const ws of clients) if (ws.readyState === ws.OPEN) ws.send(msg, { binary: typeof msg !== 'string' });
  });

  function onClient(ws: WebSocket): void {
    clients.add(ws);
    ws.on('close', () => clients.delete(ws));
    // A message over 64 KiB or a malformed frame: ws has already sent the close frame; only log it.
    // Binary is one way: the host sends raw frames, a client's binary message is refused in onMessage.
    ws.on('error', (e) => log(`closed an API connection: ${e.message}`));
    ws.on('message', (data, isBinary) => {
      onMessage(ws, data.toString(), isBinary).catch((e: Error) => log(`unexpected error answering an API message (the host keeps serving): ${e?.stack ?? String(e)}`));
    });
  }

  async function onMessage(ws: WebSocket, text: string, isBinary: boolean): Promise<void> {
    let msg: { type?: unknown; id?: unknown; channel?: unknown; args?: unknown } | null;
    try {
      if (isBinary) throw new Error('binary');
      msg = JSON.parse(text);
    } catch {
      ws.send(JSON.stringify({ type: 'response', id: null, ok: false, error: { code: 'bad-request', message: 'Messages must be JSON text' } }));
      return;
    }
    if (typeof msg !== 'object' || msg === null || msg.type !== 'request' || typeof msg.id !== 'number') {
      ws.send(JSON.stringify({ type: 'response', id: null, ok: false, error: { code: 'bad-request', message: 'Expected {type:"request", id:number, channel, args}' } }));
      return;
    }
    try {
      const result = await opts.service.handle(msg.channel, msg.args);
      ws.send(JSON.stringify({ type: 'response', id: msg.id, ok: true, result }));
    } catch (e) {
      ws.send(JSON.stringify({ type: 'response', id: msg.id, ok: false, error: toErrorPayload(e) }));
    }
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
