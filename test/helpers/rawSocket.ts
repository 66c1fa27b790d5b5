// Raw TCP exchanges with a local server (node:net, loopback only): what a hostile local process or
// web page can send that an HTTP or WebSocket client library would refuse to. Used by the host's
// unit tests and by scripts/probe-host.ts.
import { connect } from 'node:net';

/** Writes `chunks` to 127.0.0.1:port and returns what came back by the time the peer closed, or after `ms`. */
export function rawExchange(port: number, chunks: (string | Buffer)[], ms = 1000): Promise<Buffer> {
  return new Promise((resolve) => {
    const got: Buffer[] = [];
    const sock = connect({ host: '127.0.0.1', port });
    const done = () => {
      clearTimeout(timer);
      sock.destroy();
      resolve(Buffer.concat(got));
    };
    const timer = setTimeout(done, ms);
    sock.on('data', (d) => got.push(d));
    sock.on('error', done);
    sock.on('close', done);
    sock.on('connect', () => {
      for (const c of chunks) if (!sock.destroyed) sock.write(c);
    });
  });
}

/** The status code of the first HTTP response line in `buf`, or 0 if there is none. */
export function statusOf(buf: Buffer): number {
  const m = /^HTTP\/1\.1 (\d{3})/.exec(buf.toString('latin1'));
  return m ? Number(m[1]) : 0;
}

/** A WebSocket upgrade request for `path` with the given Host and Origin headers. */
export function upgradeRequest(path: string, host: string, origin: string): string {
  return (
    `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nOrigin: ${origin}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n'
  );
}

/** One client-to-server WebSocket frame (masked unless `masked` is false). */
export function wsFrame(opcode: number, payload: Buffer, opts: { fin?: boolean; masked?: boolean; rsv?: number } = {}): Buffer {
  const { fin = true, masked = true, rsv = 0 } = opts;
  const len = payload.length;
  const head: number[] = [(fin ? 0x80 : 0) | ((rsv & 7) << 4) | (opcode & 0x0f)];
  const maskBit = masked ? 0x80 : 0;
  if (len < 126) head.push(maskBit | len);
  else if (len < 65536) head.push(maskBit | 126, len >> 8, len & 0xff);
  else {
    head.push(maskBit | 127, 0, 0, 0, 0);
    head.push((len >>> 24) & 0xff, (len >>> 16) & 0xff, (len >>> 8) & 0xff, len & 0xff);
  }
  if (!masked) return Buffer.concat([Buffer.from(head), payload]);
  const key = Buffer.from([0x12, 0x34, 0x56, 0x78]);
  const body = Buffer.from(payload.map((b, i) => b ^ key[i % 4]));
  return Buffer.concat([Buffer.from(head), key, body]);
}
