// Opening files with the app (main/files/openedFiles.ts, main/electron/fileOpening.ts): which
// arguments of a command line are files, which files the app may open, and how they reach the page
// (announced, listed, read in pieces by id), on real files in a temporary folder.
import { spawnSync } from 'node:child_process';
import { appendFileSync, chmodSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ApiService } from '../../../main/api/service';
import { FileOpening } from '../../../main/electron/fileOpening';
import { checkOpenedFile, OpenedFiles, openedPathsFromArgv } from '../../../main/files/openedFiles';
import { NodeManager } from '../../../main/node/manager';
import { OPENED_FILE_CHUNK_BYTES, validateOpenedFileNotice, validateRequest, type OpenedFileNotice } from '../../../models/api/contract';
import { ROOT } from '../../helpers/firmware';

const dir = mkdtempSync(join(tmpdir(), 'vigil-opened-'));
chmodSync(dir, 0o755); // the permission test reads it as another user
const put = (name: string, bytes: Uint8Array | string) => {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
};
const bundleBytes = (n: number) => {
  const b = new Uint8Array(n);
  b.set(new TextEncoder().encode('VIGILDS1'));
  for (let i = 8; i < n; i++) b[i] = (i * 7) & 0xff;
  return b;
};
const BUNDLE = put('site.vigil', bundleBytes(1000));
const MODEL = join(ROOT, 'renderer/public/models/default.vgm');

describe('openedPathsFromArgv: the files on a command line', () => {
  it('packaged: everything after the executable that is not a switch, relative paths from the working directory', () => {
    expect(openedPathsFromArgv(['/opt/Vigil/vigil', '--no-sandbox', 'site.vigil', '/data/m.vgm', '../x/b.vigil'], { appPathArg: false, cwd: '/home/ana/work' })).toEqual([
      '/home/ana/work/site.vigil',
      '/data/m.vgm',
      '/home/ana/x/b.vigil',
    ]);
  });

  it('started as `electron main.cjs …`: the app path is not a file, nor is --demo NAME', () => {
    const argv = ['/usr/bin/electron', '--enable-logging', 'dist/electron/main.cjs', '--demo', 'cwru-inner-race', 'a.vigil'];
    expect(openedPathsFromArgv(argv, { appPathArg: true, cwd: '/w' })).toEqual(['/w/a.vigil']);
    // --demo without a recording name: the next argument is a file after all.
    expect(openedPathsFromArgv(['electron', 'main.cjs', '--demo', 'b.vgm'], { appPathArg: true, cwd: '/w' })).toEqual(['/w/b.vgm']);
  });

  it("a second start's argv with Chromium's switches added, macOS's -psn_ and --port N", () => {
    const argv = ['C:/Vigil/Vigil.exe', 'x.vgm', '--allow-file-access-from-files', '--original-process-start-time=13371337', '-psn_0_12345', '--port', '8080'];
    expect(openedPathsFromArgv(argv, { appPathArg: false, cwd: '/tmp/w' })).toEqual(['/tmp/w/x.vgm']);
  });

  it('after -- every argument is a path, even one that starts with a dash', () => {
    expect(openedPathsFromArgv(['vigil', '--', '-odd.vigil', '--demo'], { appPathArg: false, cwd: '/w' })).toEqual(['/w/-odd.vigil', '/w/--demo']);
  });

  it('a file:// URL (a desktop entry\'s %U) is its path; each path once; nothing on an empty line', () => {
    const url = pathToFileURL('/tmp/a b/site.vigil').href;
    expect(openedPathsFromArgv(['vigil', url, '/tmp/a b/site.vigil', ''], { appPathArg: false, cwd: '/w' })).toEqual(['/tmp/a b/site.vigil']);
    expect(openedPathsFromArgv(['vigil'], { appPathArg: false, cwd: '/w' })).toEqual([]);
    expect(openedPathsFromArgv(['a.vigil'], { appPathArg: false, cwd: '/w', skip: 0 })).toEqual(['/w/a.vigil']);
  });
});

describe('checkOpenedFile: what the app opens, and why not', () => {
  it('accepts a bundle and a model with their kind and size', async () => {
    expect(await checkOpenedFile(BUNDLE)).toMatchObject({ ok: true, kind: 'bundle', bytes: 1000, name: 'site.vigil' });
    expect(await checkOpenedFile(MODEL)).toMatchObject({ ok: true, kind: 'model', name: 'default.vgm', bytes: readFileSync(MODEL).length });
    const upper = put('UPPER.VIGIL', bundleBytes(20));
    expect(await checkOpenedFile(upper)).toMatchObject({ ok: true, kind: 'bundle' });
  });

  it('follows a symlink to a bundle, and refuses one that points at a file of another kind', async () => {
    const link = join(dir, 'link.vigil');
    symlinkSync(BUNDLE, link);
    expect(await checkOpenedFile(link)).toMatchObject({ ok: true, path: BUNDLE, name: 'link.vigil' });
    const sneaky = join(dir, 'passwd.vigil');
    symlinkSync('/etc/passwd', sneaky);
    expect(await checkOpenedFile(sneaky)).toMatchObject({ ok: false, error: expect.stringMatching(/"passwd\.vigil" points to \/etc\/passwd, which is not a \.vigil or \.vgm file/) });
  });

  const refusals: [string, () => string, RegExp][] = [
    ['a wrong extension', () => put('notes.txt', 'VIGILDS1'), /Vigil opens dataset bundles \(\.vigil\) and models \(\.vgm\); "notes\.txt" is neither/],
    ['no extension', () => put('site', 'VIGILDS1'), /"site" is neither/],
    ['a missing file', () => join(dir, 'gone.vigil'), /"gone\.vigil" does not exist/],
    ['a missing folder', () => join(dir, 'nope', 'x.vgm'), /"x\.vgm" does not exist/],
    ['a folder', () => (mkdirSync(join(dir, 'folder.vigil')), join(dir, 'folder.vigil')), /"folder\.vigil" is a folder, not a file/],
    ['a pipe', () => (spawnSync('mkfifo', [join(dir, 'pipe.vgm')]), join(dir, 'pipe.vgm')), /"pipe\.vgm" is not a regular file/],
    ['an empty file', () => put('empty.vgm', ''), /"empty\.vgm" is empty/],
    ['a model over the size a node can take', () => put('huge.vgm', new Uint8Array(300 * 1024).fill(0x56)), /"huge\.vgm" is 300 KiB; Vigil opens models of at most 256 KiB/],
    ['a file of another program', () => put('photo.vigil', 'JFIF....'), /"photo\.vigil" is not a Vigil dataset bundle: it does not start with "VIGILDS1"/],
    ['a bundle named as a model', () => put('swapped.vgm', bundleBytes(100)), /"swapped\.vgm" is not a Vigil model: it does not start with "VGMD"/],
  ];
  for (const [name, path, msg] of refusals) {
    it(`refuses ${name}`, async () => {
      const c = await checkOpenedFile(path());
      expect(c.ok).toBe(false);
      expect(!c.ok && c.error).toMatch(msg);
    });
  }

  it('refuses a file the user may not read (checked as an unprivileged user)', () => {
    const p = put('secret.vigil', bundleBytes(64));
    chmodSync(p, 0o000);
    const tsx = createRequire(import.meta.url).resolve('tsx');
    const script = `import { checkOpenedFile } from ${JSON.stringify(join(ROOT, 'main/files/openedFiles.ts'))}; console.log(JSON.stringify(await checkOpenedFile(${JSON.stringify(p)})));`;
    const asRoot = process.getuid?.() === 0;
    const r = spawnSync(process.execPath, ['--import', tsx, '--input-type=module', '-e', script], {
      encoding: 'utf8',
      env: { ...process.env, HOME: dir },
      ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
    });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout.trim().split('\n').at(-1)!)).toMatchObject({ ok: false, error: 'Vigil may not read "secret.vigil" (permission denied).' });
  });
});

describe('OpenedFiles: announced, listed, read in pieces by id', () => {
  it('announces each file, lists what the page has not read, and a refusal once', async () => {
    const heard: OpenedFileNotice[] = [];
    const files = new OpenedFiles((n) => heard.push(n));
    const notices = await files.open([BUNDLE, join(dir, 'nothing.vgm')]);
    expect(heard).toEqual(notices);
    expect(notices[0]).toMatchObject({ name: 'site.vigil', kind: 'bundle', bytes: 1000 });
    expect(notices[1]).toMatchObject({ name: 'nothing.vgm', error: expect.stringMatching(/does not exist/) });
    for (const n of notices) expect(validateOpenedFileNotice(n)).toEqual(n); // what the page checks
    expect(files.pending()).toEqual(notices);
    expect(files.pending()).toEqual([notices[0]]); // the refusal was listed once; the bundle waits to be read
    const c = await files.read(notices[0].id, 0);
    expect(c).toMatchObject({ offset: 0, total: 1000, done: true });
    expect(Buffer.from(c.data, 'base64')).toEqual(Buffer.from(readFileSync(BUNDLE)));
    expect(files.pending()).toEqual([]);
    await expect(files.read(notices[0].id, 0)).rejects.toMatchObject({ code: 'not-found', message: expect.stringMatching(/no longer waiting.*open it again/) });
  });

  it('reads a file larger than one piece in order, byte for byte', async () => {
    const big = put('big.vigil', bundleBytes(2 * OPENED_FILE_CHUNK_BYTES + 12345));
    const files = new OpenedFiles();
    const [n] = await files.open([big]);
    const parts: Buffer[] = [];
    let offset = 0;
    for (;;) {
      const c = await files.read(n.id, offset);
      parts.push(Buffer.from(c.data, 'base64'));
      offset += parts.at(-1)!.length;
      if (c.done) break;
    }
    expect(parts).toHaveLength(3);
    expect(Buffer.concat(parts).equals(readFileSync(big))).toBe(true);
  });

  it('refuses to read a file that changed since it was checked, and an offset past its end', async () => {
    const p = put('changing.vigil', bundleBytes(100));
    const files = new OpenedFiles();
    const [n] = await files.open([p]);
    await expect(files.read(n.id, 101)).rejects.toMatchObject({ code: 'bad-request' });
    appendFileSync(p, 'more');
    await expect(files.read(n.id, 0)).rejects.toMatchObject({ code: 'not-found', message: '"changing.vigil" changed or was removed since it was opened: open it again.' });
  });

  it('through the API: the arguments are checked, and every subscriber hears file.opened', async () => {
    const service = new ApiService(new NodeManager({ root: ROOT, dataDir: mkdtempSync(join(tmpdir(), 'vigil-data-')) }));
    const heard: [string, unknown][] = [];
    const off = service.subscribe((e, p) => heard.push([e, p]));
    const [n] = await service.files.open([MODEL]);
    expect(heard).toEqual([['file.opened', n]]);
    expect(await service.handle('files.opened', {})).toEqual([n]);
    await expect(service.handle('files.read', { id: '../../etc/passwd', offset: 0 })).rejects.toMatchObject({ code: 'bad-request' });
    await expect(service.handle('files.read', { id: n.id, offset: -1 })).rejects.toMatchObject({ code: 'bad-request' });
    await expect(service.handle('files.read', { id: n.id, offset: 0, path: '/etc/passwd' })).rejects.toMatchObject({ code: 'bad-request', message: 'files.read: unexpected argument "path"' });
    const c = (await service.handle('files.read', { id: n.id, offset: 0 })) as { data: string; done: boolean };
    expect(c.done).toBe(true);
    expect(Buffer.from(c.data, 'base64').equals(readFileSync(MODEL))).toBe(true);
    off();
    await service.files.open([MODEL]);
    expect(heard).toHaveLength(1);
  });
});

describe('the contract: file.opened is checked where the page receives it', () => {
  const id = 'a'.repeat(32);
  it('accepts a file and a refusal', () => {
    expect(validateOpenedFileNotice({ id, name: 'site.vigil', kind: 'bundle', bytes: 10 })).toEqual({ id, name: 'site.vigil', kind: 'bundle', bytes: 10 });
    expect(validateOpenedFileNotice({ id, name: 'x.txt', error: 'no' })).toEqual({ id, name: 'x.txt', error: 'no' });
  });
  const bad: [string, unknown, RegExp][] = [
    ['not an object', 'site.vigil', /must be an object/],
    ['a path for a name', { id, name: '/etc/site.vigil', kind: 'bundle', bytes: 1 }, /"name" must be a file name/],
    ['a short id', { id: 'abc', name: 'a.vigil', kind: 'bundle', bytes: 1 }, /"id" must be 32 hex digits/],
    ['an unknown kind', { id, name: 'a.exe', kind: 'program', bytes: 1 }, /"kind" must be "bundle" or "model"/],
    ['a model over its limit', { id, name: 'a.vgm', kind: 'model', bytes: 300 * 1024 }, /"bytes" must be a whole number from 1 to 262144/],
    ['an extra key', { id, name: 'a.vgm', kind: 'model', bytes: 1, path: '/x' }, /unexpected argument "path"/],
  ];
  for (const [name, x, msg] of bad) it(`refuses ${name}`, () => expect(() => validateOpenedFileNotice(x)).toThrow(msg));
  it('files.read takes an id and an offset only', () => {
    expect(validateRequest('files.read', { id, offset: 0 })).toEqual({ channel: 'files.read', args: { id, offset: 0 } });
    expect(() => validateRequest('files.read', { id: id.toUpperCase(), offset: 0 })).toThrow(/"id" must be the 32 hex digits/);
    expect(() => validateRequest('files.opened', { path: '/x' })).toThrow(/unexpected argument/);
  });
});

describe('FileOpening: the Electron shell\'s three ways in', () => {
  it('the first start, a second start (its own working directory) and macOS open-file all reach OpenedFiles; refusals are logged', async () => {
    const heard: OpenedFileNotice[] = [];
    const logged: string[] = [];
    const opening = new FileOpening(new OpenedFiles((n) => heard.push(n)), { defaultApp: true, log: (l) => logged.push(l) });
    await opening.fromArgv(['/usr/bin/electron', join(ROOT, 'dist/electron/main.cjs'), '--no-sandbox'], '/');
    expect(heard).toEqual([]);
    await opening.fromArgv(['/usr/bin/electron', 'main.cjs', 'site.vigil', 'notes.txt'], dir);
    expect(heard.map((n) => n.name)).toEqual(['site.vigil', 'notes.txt']);
    expect(heard[0]).toMatchObject({ kind: 'bundle' });
    expect(logged).toEqual(['vigil: not opened: Vigil opens dataset bundles (.vigil) and models (.vgm); "notes.txt" is neither.']);
    await opening.openFile(MODEL);
    expect(heard.at(-1)).toMatchObject({ name: 'default.vgm', kind: 'model' });
  });
});
