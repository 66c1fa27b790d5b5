/**
 * Browser-mode entry: `npm start` runs this when the Electron binary is not available.
 * Usage: tsx main/cli/host.ts [--demo [cwru-normal|cwru-inner-race]] [--port N] [--no-open] [FILE.vigil | FILE.vgm ...]
 * Prints one line `Vigil (browser mode): <url>` once the server listens. Files named on the command
 * line are offered to the page as the desktop app offers the files it is opened with
 * (main/files/openedFiles.ts): it opens the bundle import preview or the model import.
 */
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO_RECORDINGS, type DemoRecording } from '../../models/api/contract';
import { ApiService } from '../api/service';
import { openedPathsFromArgv } from '../files/openedFiles';
import { startHost } from '../host/server';
import { defaultDataDir } from '../node/keys';
import { NodeManager } from '../node/manager';
import { sourceReaderEntry } from '../transport/readerEntry';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

interface CliOptions {
  demo?: DemoRecording;
  port: number;
  open: boolean;
  token?: string;
  /** Files to open, as given (relative to where npm start was run). */
  files: string[];
}

function usage(msg: string): never {
  console.error(`vigil: ${msg}`);
  console.error('usage: npm start -- [--demo [cwru-normal|cwru-inner-race]] [--port N] [--no-open] [--browser] [FILE.vigil | FILE.vgm ...]');
  process.exit(2);
}

export function parseArgs(argv: string[]): CliOptions {
  const o: CliOptions = { port: 0, open: true, files: [] };
  let onlyFiles = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (onlyFiles || !a.startsWith('-')) o.files.push(a);
    else if (a === '--') onlyFiles = true;
    else if (a === '--demo') {
      const next = argv[i + 1];
      if (next && !next.startsWith('--')) {
        if (!(DEMO_RECORDINGS as readonly string[]).includes(next)) usage(`unknown demo recording "${next}" (choose ${DEMO_RECORDINGS.join(' or ')})`);
        o.demo = next as DemoRecording;
        i++;
      } else o.demo = 'cwru-normal';
    } else if (a === '--port') {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 0 || n > 65535) usage('--port needs a number from 0 to 65535');
      o.port = n;
    } else if (a === '--no-open') o.open = false;
    else if (a === '--token') {
      const t = argv[++i];
      if (!t || !/^[A-Za-z0-9_-]{16,128}$/.test(t)) usage('--token needs 16 to 128 URL-safe characters');
      o.token = t;
    } else if (a === '--browser') {
      // Consumed by scripts/start.mjs; harmless here.
    } else usage(`unknown option ${a}`);
  }
  return o;
}

function openBrowser(url: string): void {
  if (!process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return;
  const child = spawn('xdg-open', [url], { stdio: 'ignore', detached: true });
  child.on('error', () => {});
  child.unref();
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const manager = new NodeManager({ root: ROOT, dataDir: defaultDataDir(), serialReader: sourceReaderEntry() });
  const service = new ApiService(manager);
  const host = await startHost({ service, staticDir: join(ROOT, 'dist', 'renderer'), port: o.port, token: o.token, log: (l) => console.error(`vigil: ${l}`) });
  console.log(`Vigil (browser mode): ${host.url}`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await manager.shutdown();
    await host.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  if (o.files.length > 0) {
    // npm start runs this from the project folder; INIT_CWD is where npm was run.
    const paths = openedPathsFromArgv(['--', ...o.files], { appPathArg: false, cwd: process.env.INIT_CWD || process.cwd(), skip: 0 });
    for (const n of await service.files.open(paths)) {
      if ('error' in n) console.error(`vigil: not opened: ${n.error}`);
      else console.log(`Opening ${n.name} (${n.kind === 'bundle' ? 'dataset bundle' : 'model'}) in the page`);
    }
  }
  if (o.demo) {
    try {
      const info = await manager.startDemo(o.demo);
      console.log(`Demo node "${info.hello?.name}" streaming on ${info.path}`);
    } catch (e) {
      console.error(`vigil: the demo node did not start: ${(e as Error).message}`);
    }
  }
  if (o.open) openBrowser(host.url);
}

main().catch((e: Error) => {
  console.error(`vigil: ${e.message}`);
  process.exit(1);
});
