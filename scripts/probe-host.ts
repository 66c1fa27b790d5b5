// Probe of the browser-mode host (main/host/server.ts) with hostile input over raw sockets:
// malformed request lines, paths, headers, WebSocket upgrades and frames, and peers that reset
// mid-request. The host runs in a child process, as `npm start -- --browser` runs it, so a throw
// that ends it is seen as what it is. After every burst the probe checks that the child is alive,
// serves the page byte for byte, answers an API request, and logged no unexpected error.
//
//   tsx scripts/probe-host.ts --seconds 4        the `probe` step of npm test
//   npm run probe                                120 s (PROBE_SECONDS=N to change)
//   PROBE_SEED=1234 ...                          replays a run (the seed is printed)
//
// Loopback only; bounded in time and in connections per burst; stops by itself (the child exits
// when its stdin closes, so it cannot outlive the probe).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { rawExchange, statusOf, upgradeRequest, wsFrame } from '../test/helpers/rawSocket';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const PAGE = '<!doctype html><title>Vigil probe</title>';
const BURST = 40; // connections per burst
const PER_EXCHANGE_MS = 250;

if (process.argv[2] === '--serve') await serve(process.argv[3]);
else await probe();

/** Child: the real host on a throw-away page folder, with a real API service. */
async function serve(dir: string): Promise<void> {
  const { startHost } = await import('../main/host/server');
  const { ApiService } = await import('../main/api/service');
  const { NodeManager } = await import('../main/node/manager');
  const manager = new NodeManager({ root: ROOT, dataDir: dir });
  const host = await startHost({ service: new ApiService(manager), staticDir: dir, log: (l) => console.error(`host: ${l}`) });
  console.log(JSON.stringify({ port: host.port, token: host.token }));
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
}

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function probe(): Promise<void> {
  const flag = process.argv.indexOf('--seconds');
  const seconds = Number(flag > 0 ? process.argv[flag + 1] : (process.env.PROBE_SECONDS ?? 120));
  if (!(seconds > 0 && seconds <= 3600)) throw new Error('--seconds and PROBE_SECONDS take a number of seconds from 1 to 3600');
  const seed = Number(process.env.PROBE_SEED ?? Math.floor(Math.random() * 2 ** 31));
  const rand = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const int = (n: number) => Math.floor(rand() * n);
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));

  const dir = mkdtempSync(join(tmpdir(), 'vigil-probe-'));
  writeFileSync(join(dir, 'index.html'), PAGE);
  const child = spawn(join(ROOT, 'node_modules', '.bin', 'tsx'), [fileURLToPath(import.meta.url), '--serve', dir], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  const unexpected: string[] = [];
  let exited: string | null = null;
  child.on('exit', (code, signal) => (exited = `exited with ${signal ?? code}`));
  const lastLines: string[] = [];
  createInterface({ input: child.stderr }).on('line', (l) => {
    if (/unexpected error/.test(l)) unexpected.push(l);
    lastLines.push(l);
    if (lastLines.length > 8) lastLines.shift();
  });
  const { port, token } = await new Promise<{ port: number; token: string }>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('the host did not start within 20 s')), 20_000);
    createInterface({ input: child.stdout }).once('line', (l) => {
      clearTimeout(t);
      resolve(JSON.parse(l));
    });
    child.once('exit', () => reject(new Error(`the host ${exited}`)));
  });

  const self = `127.0.0.1:${port}`;
  const origin = `http://${self}`;
  const api = `/api?token=${token}`;
  const methods = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'CONNECT', 'TRACE', 'PATCH', 'BREW', 'get', '', 'G\0T', 'GET GET'];
  const targets = ['/', '/index.html', '*', '', '//', '/%', '/%f', '/%ff', '/%c0%af', '/%2e%2e/%2e%2e/etc/passwd', '/../package.json', '/a%00b', '/\u00e9', '/\ud800', 'http://evil.example/', `http://${self}/`, '?', '/#x', '/?%ff=%ff', '/api', api, `/api?token=${token}%ff`, '/' + 'a'.repeat(9000), '/%'.repeat(200)];
  const hosts = [self, `localhost:${port}`, '[', ']', '[::1', '[::1]:0', ':', '', ' ', 'a b', 'evil.example', `${self}@evil`, '\u00ff', '%', '127.0.0.1:99999', `${self}, ${self}`];
  const versions = ['HTTP/1.1', 'HTTP/1.0', 'HTTP/0.9', 'HTTP/2.0', 'HTTP/1.1x', '', 'FOO/1.1'];
  const extraHeaders = ['Content-Length: 5\r\n', 'Content-Length: -1\r\n', 'Content-Length: 99999999999999999999\r\n', 'Transfer-Encoding: chunked\r\n', 'Transfer-Encoding: chunked\r\nContent-Length: 3\r\n', 'X: \0\r\n', 'NoColon\r\n', ' folded\r\n', `Host: ${self}\r\n`, 'Expect: 100-continue\r\n', 'Connection: Upgrade\r\nUpgrade: h2c\r\n', `X-Long: ${'x'.repeat(20000)}\r\n`];
  const jsonMessages = ['null', '[]', '0', '"x"', '{}', 'true', '{"type":"request"}', '{"type":"request","id":1}', '{"type":"request","id":1,"channel":"nodes.list","args":null}', '{"type":"request","id":1,"channel":"nodes.connect","args":{"path":"/etc/passwd"}}', '{"type":"request","id":1e308,"channel":"__proto__","args":{"__proto__":{"x":1}}}', '{"type":"request","id":-0,"channel":"constructor","args":[]}', `{"type":"request","id":2,"channel":"nodes.list","args":${'['.repeat(5000)}${']'.repeat(5000)}}`, '{"type":"request","id":3,"channel":"ble.select","args":{"requestId":"x","deviceId":null}}', '{', '\ufeff{}'];

  const mutate = (b: Buffer): Buffer => {
    const out = Buffer.from(b);
    for (let i = int(4) + 1; i > 0 && out.length > 0; i--) out[int(out.length)] = int(256);
    return out;
  };
  const httpRequest = (): string => {
    const head = `${pick(methods)} ${pick(targets)} ${pick(versions)}\r\n`;
    let hdr = rand() < 0.85 ? `Host: ${pick(hosts)}\r\n` : '';
    for (let i = int(3); i > 0; i--) hdr += pick(extraHeaders);
    return head + hdr + 'Connection: close\r\n\r\n' + (rand() < 0.3 ? 'hello' : '');
  };
  const upgrade = (): string => {
    const u = upgradeRequest(rand() < 0.7 ? api : pick(targets), rand() < 0.7 ? self : pick(hosts), rand() < 0.8 ? origin : pick(['http://evil.example', '', 'null', origin + '/']));
    return rand() < 0.3 ? u.replace('Sec-WebSocket-Version: 13', pick(['Sec-WebSocket-Version: 8', 'Sec-WebSocket-Version: x', ''])).replace(rand() < 0.5 ? 'dGhlIHNhbXBsZSBub25jZQ==' : '\0', 'short') : u;
  };
  const frame = (): Buffer => {
    switch (int(8)) {
      case 0:
        return wsFrame(1, Buffer.from(pick(jsonMessages)));
      case 1:
        return wsFrame(int(16), bytes(int(200)), { fin: rand() < 0.7, masked: rand() < 0.8, rsv: rand() < 0.2 ? int(8) : 0 });
      case 2:
        return wsFrame(1, Buffer.alloc(64 * 1024 + 1 + int(1000), 0x20));
      case 3:
        return wsFrame(8, Buffer.concat([Buffer.from([int(256), int(256)]), bytes(int(10))]));
      case 4:
        return wsFrame(9, bytes(126 + int(10))); // a control frame too long
      case 5:
        return Buffer.concat([wsFrame(1, Buffer.from('{"ty'), { fin: false }), wsFrame(9, Buffer.alloc(0)), wsFrame(0, Buffer.from('pe":"request","id":5,"channel":"nodes.list","args":{}}'))]);
      case 6:
        return mutate(wsFrame(1, Buffer.from(pick(jsonMessages))));
      default:
        return bytes(1 + int(64));
    }
  };
  const attack = (): (string | Buffer)[] => {
    switch (int(6)) {
      case 0:
        return [httpRequest()];
      case 1:
        return [mutate(Buffer.from(httpRequest(), 'latin1'))];
      case 2:
        return [upgrade()];
      case 3:
        return [upgradeRequest(api, self, origin), ...Array.from({ length: 1 + int(3) }, frame)];
      case 4:
        return [bytes(1 + int(300))];
      default: {
        // Split across writes at a random point.
        const all = Buffer.from(rand() < 0.5 ? httpRequest() : upgrade(), 'latin1');
        const cut = int(all.length);
        return [all.subarray(0, cut), all.subarray(cut)];
      }
    }
  };

  async function healthy(): Promise<string | null> {
    if (exited) return `the host ${exited}`;
    if (unexpected.length) return `the host logged: ${unexpected[0]}`;
    const page = await rawExchange(port, [`GET / HTTP/1.1\r\nHost: ${self}\r\nConnection: close\r\n\r\n`], 3000);
    if (statusOf(page) !== 200 || !page.toString('latin1').includes(PAGE)) {
      await new Promise((r) => setTimeout(r, 300));
      if (exited) return `the host ${exited}`;
      return `GET / answered ${JSON.stringify(page.toString('latin1').slice(0, 120))}`;
    }
    const reply = await new Promise<string>((resolve) => {
      const ws = new WebSocket(`ws://${self}${api}`, { origin });
      const t = setTimeout(() => (ws.terminate(), resolve('no answer within 3 s')), 3000);
      ws.on('error', (e) => (clearTimeout(t), resolve(e.message)));
      ws.on('open', () => ws.send(JSON.stringify({ type: 'request', id: 1, channel: 'nodes.list', args: {} })));
      ws.on('message', (d) => {
        clearTimeout(t);
        ws.close();
        resolve(d.toString());
      });
    });
    return reply === '{"type":"response","id":1,"ok":true,"result":[]}' ? null : `the API answered ${reply}`;
  }

  const t0 = Date.now();
  let bursts = 0;
  let sent = 0;
  let failure: string | null = await healthy();
  while (!failure && Date.now() - t0 < seconds * 1000) {
    await Promise.all(
      Array.from({ length: BURST }, async () => {
        const chunks = attack();
        if (rand() < 0.1) chunks.length = Math.max(1, int(chunks.length)); // hang up early
        await rawExchange(port, chunks, PER_EXCHANGE_MS);
      }),
    );
    sent += BURST;
    bursts++;
    failure = await healthy();
  }
  child.stdin.end();
  await new Promise((r) => (exited ? r(null) : child.once('exit', r)));
  rmSync(dir, { recursive: true, force: true });
  const summary = `probe-host: ${bursts} bursts, ${sent} hostile connections in ${((Date.now() - t0) / 1000).toFixed(1)} s (seed ${seed})`;
  if (failure) {
    console.error(`${summary}\nFAIL after burst ${bursts}: ${failure}\nThe host's last lines:\n${lastLines.join('\n')}\nReplay with PROBE_SEED=${seed}`);
    process.exit(1);
  }
  console.log(`${summary}: the host stayed up and served correctly after every burst`);
}
