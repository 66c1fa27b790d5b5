// Mosquitto on loopback for the gateway tests and bench: the shipped configuration
// (packaging/mosquitto/) with its /etc/mosquitto/vigil/ paths moved to a temporary folder, a test CA
// and a server certificate for localhost made with openssl, and users in a password file.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, connect as tcpConnect } from 'node:net';
import { join } from 'node:path';
import { ROOT } from './firmware';

export type MosquittoCheck = { available: true } | { available: false; reason: string };

/** Whether mosquitto, mosquitto_passwd and openssl are installed. */
export function findMosquitto(): MosquittoCheck {
  for (const [bin, args] of [
    ['mosquitto', ['-h']],
    ['mosquitto_passwd', ['-h']],
    ['openssl', ['version']],
  ] as const) {
    const r = spawnSync(bin, args, { encoding: 'utf8' });
    if (r.error) return { available: false, reason: `${bin} is not installed (scripts/setup-system.sh installs mosquitto)` };
  }
  return { available: true };
}

function run(cmd: string, args: string[], cwd: string): void {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr || r.stdout || r.error?.message}`);
}

/** A test CA (ca.crt) and a server certificate for localhost and 127.0.0.1 signed by it, in dir. */
export function makeTestCa(dir: string): void {
  run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=Vigil test CA', '-keyout', 'ca.key', '-out', 'ca.crt'], dir);
  run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', 'server.key', '-out', 'server.csr'], dir);
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  run('openssl', ['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'san.ext', '-out', 'server.crt'], dir);
}

/** The password file with these users (mosquitto_passwd hashes them). */
export function makePasswords(dir: string, users: Record<string, string>): void {
  let first = true;
  for (const [user, password] of Object.entries(users)) {
    run('mosquitto_passwd', [...(first ? ['-c'] : []), '-b', 'passwords', user, password], dir);
    first = false;
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** The shipped vigil.conf with its folder and port replaced; written to dir/vigil.conf. */
export function writeShippedConfig(dir: string, port: number): string {
  mkdirSync(join(dir, 'data'), { recursive: true });
  const conf = readFileSync(join(ROOT, 'packaging', 'mosquitto', 'vigil.conf'), 'utf8')
    .replaceAll('/etc/mosquitto/vigil/', `${dir}/`)
    .replace(/^listener 8883$/m, `listener ${port} 127.0.0.1`);
  if (!conf.includes(`listener ${port} 127.0.0.1`)) throw new Error('packaging/mosquitto/vigil.conf has no "listener 8883" line');
  writeFileSync(join(dir, 'vigil.acl'), readFileSync(join(ROOT, 'packaging', 'mosquitto', 'vigil.acl')));
  const file = join(dir, 'vigil.conf');
  writeFileSync(file, conf);
  // Started as root, Mosquitto drops to the mosquitto user (Debian's package creates it), which
  // must read the keys and the password file and write the persistence folder.
  if (process.getuid?.() === 0) run('chown', ['-R', 'mosquitto:', dir], dir);
  return file;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = tcpConnect(port, '127.0.0.1');
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

export class Mosquitto {
  private proc: ChildProcess | null = null;
  log = '';
  constructor(
    readonly conf: string,
    readonly port: number,
  ) {}

  /** Starts the broker and waits until its port accepts connections. */
  async start(timeoutMs = 10_000): Promise<void> {
    const p = spawn('mosquitto', ['-c', this.conf], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = p;
    p.stderr!.setEncoding('utf8');
    p.stderr!.on('data', (d: string) => {
      this.log = (this.log + d).slice(-20_000);
    });
    const t0 = Date.now();
    while (Date.now() - t0 < timeoutMs) {
      if (p.exitCode !== null) throw new Error(`mosquitto exited (code ${p.exitCode}): ${this.log.trim()}`);
      if (await portOpen(this.port)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`mosquitto did not listen on ${this.port} within ${timeoutMs} ms: ${this.log.trim()}`);
  }

  /** SIGTERM (Mosquitto saves its persistence file) and waits for the exit. */
  stop(): Promise<void> {
    const p = this.proc;
    this.proc = null;
    if (!p || p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const kill = setTimeout(() => p.kill('SIGKILL'), 5000);
      p.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      p.kill('SIGTERM');
    });
  }
}
