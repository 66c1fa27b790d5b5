/**
 * Files the app is opened with: a `.vigil` dataset bundle or a `.vgm` model double-clicked in a
 * file manager (electron-builder.yml's file associations), named on the command line, or handed to
 * a running app by a second start or macOS `open-file`. No `electron` import: the Electron shell
 * (main/electron/fileOpening.ts) and the browser-mode host (main/cli/host.ts) both feed it paths.
 *
 * `openedPathsFromArgv` finds the paths among a command line's arguments; `checkOpenedFile` decides
 * whether a path is a file the app may open; `OpenedFiles` keeps the accepted ones by a random id,
 * announces each ('file.opened', models/api/contract.ts) and serves their bytes in pieces
 * ('files.read') to the page, which never names a path itself.
 */
import { randomBytes } from 'node:crypto';
import { open, realpath, stat } from 'node:fs/promises';
import { basename, extname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ApiError,
  DEMO_RECORDINGS,
  OPENED_FILE_CHUNK_BYTES,
  OPENED_FILE_EXTENSIONS,
  OPENED_FILE_MAX_BYTES,
  type OpenedFile,
  type OpenedFileChunk,
  type OpenedFileKind,
  type OpenedFileNotice,
} from '../../models/api/contract';
import { BUNDLE_MAGIC } from '../../models/dataset/bundle';
import { MODEL_MAGIC } from '../../models/nn/modelFile';

export interface ArgvOptions {
  /**
   * True when the first argument after the executable that is not a switch is the app itself
   * (`electron main.cjs FILE`: Electron's `process.defaultApp`); false for a packaged app
   * (`vigil FILE`) and for the browser-mode host (its argv here starts after the script).
   */
  appPathArg: boolean;
  /** The folder relative paths are relative to (the second start's working directory). */
  cwd: string;
  /** Arguments before the first one looked at (1: the executable; 0 for an argv that has none). */
  skip?: number;
}

/** The app's own options that take a value (the value is not a file). */
const OPTIONS_WITH_VALUE: Record<string, (next: string) => boolean> = {
  '--demo': (next) => (DEMO_RECORDINGS as readonly string[]).includes(next),
  '--port': (next) => /^\d+$/.test(next),
  '--token': (next) => !next.startsWith('-'),
};

/**
 * The file paths on a command line, absolute. Switches are not files: Electron's and Chromium's
 * (`--no-sandbox`, `--enable-logging=file`, which Electron may add to a second start's argv), the
 * app's own (`--demo NAME`, `--port N`) and macOS's `-psn_0_1234`; after `--` every argument is a
 * path, even one that starts with `-`. A `file://` URL (a Linux desktop entry's `%U`) becomes its
 * path; a relative path is resolved against `cwd`. Each path is given once.
 */
export function openedPathsFromArgv(argv: readonly string[], o: ArgvOptions): string[] {
  const out: string[] = [];
  let appPathSeen = !o.appPathArg;
  let onlyPaths = false;
  for (let i = o.skip ?? 1; i < argv.length; i++) {
    const a = argv[i];
    if (!onlyPaths) {
      if (a === '--') {
        onlyPaths = true;
        continue;
      }
      if (a.startsWith('-')) {
        const takes = OPTIONS_WITH_VALUE[a];
        if (takes && i + 1 < argv.length && takes(argv[i + 1])) i++;
        continue;
      }
      if (!appPathSeen) {
        appPathSeen = true;
        continue;
      }
    }
    if (a.length === 0) continue;
    let p = a;
    if (/^file:\/\//i.test(a)) {
      try {
        p = fileURLToPath(a);
      } catch {
        // Not a local file URL (file://host/...): left as it is, the check refuses it in words.
      }
    }
    const abs = isAbsolute(p) ? p : resolve(o.cwd, p);
    if (!out.includes(abs)) out.push(abs);
  }
  return out;
}

export type FileCheck = { ok: true; path: string; name: string; kind: OpenedFileKind; bytes: number; mtimeMs: number } | { ok: false; name: string; error: string };

const MAGIC: Record<OpenedFileKind, string> = { bundle: BUNDLE_MAGIC, model: MODEL_MAGIC };
const WORDS: Record<OpenedFileKind, string> = { bundle: 'a Vigil dataset bundle', model: 'a Vigil model' };
const EXTENSIONS = Object.keys(OPENED_FILE_EXTENSIONS).join(' or ');

function sizeWords(n: number): string {
  return n >= 1024 * 1024 * 1024 ? `${(n / 1024 ** 3).toFixed(1)} GiB` : n >= 1024 * 1024 ? `${(n / 1024 ** 2).toFixed(1)} MiB` : `${(n / 1024).toFixed(0)} KiB`;
}

function kindOf(path: string): OpenedFileKind | undefined {
  return OPENED_FILE_EXTENSIONS[extname(path).toLowerCase()];
}

/**
 * Whether the app may open `path`: it exists, is a regular file (also behind a symlink, whose
 * target must carry the extension too), is a `.vigil` or `.vgm` file no larger than its limit
 * (OPENED_FILE_MAX_BYTES), is not empty, can be read, and starts as a Vigil file of its kind does.
 * The refusal says why in plain words.
 */
export async function checkOpenedFile(path: string): Promise<FileCheck> {
  const name = basename(path) || path;
  const refuse = (error: string): FileCheck => ({ ok: false, name, error });
  const kind = kindOf(path);
  if (!kind) return refuse(`Vigil opens dataset bundles (.vigil) and models (.vgm); "${name}" is neither.`);
  let real: string;
  try {
    real = await realpath(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return refuse(`"${name}" does not exist (${path}).`);
    if (code === 'EACCES') return refuse(`Vigil may not read "${name}" (permission denied).`);
    return refuse(`"${name}" cannot be opened: ${(e as Error).message}.`);
  }
  const st = await stat(real).catch(() => null);
  if (!st) return refuse(`"${name}" does not exist (${path}).`);
  if (st.isDirectory()) return refuse(`"${name}" is a folder, not a file.`);
  if (!st.isFile()) return refuse(`"${name}" is not a regular file (a device, a pipe or a socket).`);
  if (kindOf(real) !== kind) return refuse(`"${name}" points to ${real}, which is not a ${EXTENSIONS} file.`);
  if (st.size === 0) return refuse(`"${name}" is empty.`);
  const max = OPENED_FILE_MAX_BYTES[kind];
  if (st.size > max) return refuse(`"${name}" is ${sizeWords(st.size)}; Vigil opens ${kind === 'bundle' ? 'bundles' : 'models'} of at most ${sizeWords(max)}.`);
  let head: Buffer;
  try {
    const fh = await open(real, 'r');
    try {
      head = Buffer.alloc(8);
      const { bytesRead } = await fh.read(head, 0, 8, 0);
      head = head.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') return refuse(`Vigil may not read "${name}" (permission denied).`);
    return refuse(`"${name}" cannot be read: ${(e as Error).message}.`);
  }
  if (head.toString('latin1', 0, MAGIC[kind].length) !== MAGIC[kind]) return refuse(`"${name}" is not ${WORDS[kind]}: it does not start with "${MAGIC[kind]}" (a damaged file, or another program's).`);
  return { ok: true, path: real, name, kind, bytes: st.size, mtimeMs: st.mtimeMs };
}

interface Held {
  notice: OpenedFileNotice;
  /** Where an accepted file is, and how it was when checked (a changed file is not read). */
  path?: string;
  mtimeMs?: number;
}

/** At most this many files wait to be read; the oldest is dropped past it. */
const MAX_HELD = 16;

export class OpenedFiles {
  private readonly held = new Map<string, Held>();

  /** `announce` sends 'file.opened' to the page(s). */
  constructor(private readonly announce: (notice: OpenedFileNotice) => void = () => {}) {}

  /** Checks each path, keeps the accepted ones, announces every one (accepted or refused). */
  async open(paths: readonly string[]): Promise<OpenedFileNotice[]> {
    const out: OpenedFileNotice[] = [];
    for (const p of paths) {
      const c = await checkOpenedFile(p);
      const id = randomBytes(16).toString('hex');
      const notice: OpenedFileNotice = c.ok ? { id, name: c.name, kind: c.kind, bytes: c.bytes } : { id, name: c.name, error: c.error };
      this.held.set(id, { notice, ...(c.ok ? { path: c.path, mtimeMs: c.mtimeMs } : {}) });
      while (this.held.size > MAX_HELD) this.held.delete(this.held.keys().next().value!);
      out.push(notice);
      this.announce(notice);
    }
    return out;
  }

  /** 'files.opened': what the page has not read yet; a refusal is listed once. */
  pending(): OpenedFileNotice[] {
    const out: OpenedFileNotice[] = [];
    for (const [id, h] of this.held) {
      out.push(h.notice);
      if ('error' in h.notice) this.held.delete(id);
    }
    return out;
  }

  /** 'files.read': the piece of an accepted file from `offset`; the last piece forgets the file. */
  async read(id: string, offset: number): Promise<OpenedFileChunk> {
    const h = this.held.get(id);
    if (!h || !h.path || 'error' in h.notice) throw new ApiError('not-found', 'That opened file is no longer waiting to be read: open it again.');
    const f = h.notice as OpenedFile;
    if (offset > f.bytes) throw new ApiError('bad-request', `files.read: "offset" must be at most ${f.bytes}, the size of "${f.name}"`);
    const st = await stat(h.path).catch(() => null);
    if (!st || !st.isFile() || st.size !== f.bytes || st.mtimeMs !== h.mtimeMs) {
      this.held.delete(id);
      throw new ApiError('not-found', `"${f.name}" changed or was removed since it was opened: open it again.`);
    }
    const len = Math.min(OPENED_FILE_CHUNK_BYTES, f.bytes - offset);
    const buf = Buffer.alloc(len);
    const fh = await open(h.path, 'r');
    try {
      let got = 0;
      while (got < len) {
        const { bytesRead } = await fh.read(buf, got, len - got, offset + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      if (got !== len) throw new ApiError('not-found', `"${f.name}" was cut short while it was read: open it again.`);
    } finally {
      await fh.close();
    }
    const done = offset + len >= f.bytes;
    if (done) this.held.delete(id);
    return { data: buf.toString('base64'), offset, total: f.bytes, done };
  }
}
