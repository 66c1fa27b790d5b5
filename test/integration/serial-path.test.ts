// nodes.connect opens only serial ports and the app's own kind of pseudo-terminals
// (main/transport/serialPath.ts): not a regular file, not another device, not another program's
// terminal. The socat ptys the QEMU tests use must still open.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NodeManager } from '../../main/node/manager';
import { waitFor } from '../helpers/wait';
import { ROOT } from '../helpers/firmware';

const dir = mkdtempSync(join(tmpdir(), 'vigil-serialpath-'));
const children: ChildProcess[] = [];
const manager = new NodeManager({ root: ROOT, helloTimeoutMs: 1500 });

afterAll(async () => {
  await manager.shutdown();
  for (const c of children) c.kill();
});

/** A pty that is a shell's controlling terminal, as another terminal window's is; its slave path. */
async function someonesTerminal(): Promise<string> {
  const py = 'import os,pty,sys,time\npid,fd=pty.fork()\nif pid==0:\n  print(os.ttyname(0),flush=True);time.sleep(60)\nelse:\n  sys.stdout.write(os.read(fd,100).decode());sys.stdout.flush();os.waitpid(pid,0)\n';
  const c = spawn('python3', ['-c', py], { stdio: ['ignore', 'pipe', 'ignore'] });
  children.push(c);
  let out = '';
  c.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  return waitFor('the terminal name', 5000, () => out.match(/\/dev\/pts\/\d+/)?.[0]);
}

describe('nodes.connect checks the path', () => {
  it('refuses a regular file, also behind a symlink', async () => {
    const file = join(dir, 'notes.txt');
    writeFileSync(file, 'hello');
    const link = join(dir, 'tty-looking');
    symlinkSync(file, link);
    await expect(manager.connect(file)).rejects.toThrow(/is not a serial port/);
    await expect(manager.connect(link)).rejects.toThrow(/is not a serial port/);
  });

  it('refuses a character device that is not a serial port', async () => {
    await expect(manager.connect('/dev/null')).rejects.toThrow(/is not a serial port/);
  });

  it("refuses another program's terminal", async () => {
    const tty = await someonesTerminal();
    await expect(manager.connect(tty)).rejects.toThrow(/terminal of another program/);
    expect(manager.listNodes()).toHaveLength(0);
  });

  it('still opens a socat pseudo-terminal by its link (how the QEMU node is reached)', async () => {
    const link = join(dir, 'qemu-tty');
    const socat = spawn('socat', [`pty,link=${link},rawer`, 'EXEC:cat'], { stdio: 'ignore' });
    children.push(socat);
    await waitFor('the socat pty', 5000, () => (existsSync(link) ? true : undefined));
    // It opens; it is not a node, so the handshake is what fails.
    await expect(manager.connect(link)).rejects.toThrow(/No answer from the node/);
  });
});
