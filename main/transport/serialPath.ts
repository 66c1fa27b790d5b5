/**
 * Which paths `nodes.connect` may open (docs/architecture.md, Security): a page or a careless typo
 * must not point the app at a regular file, another device, or another program's terminal (the
 * app would write HELLO_REQ into someone's shell). The rule, after resolving symlinks:
 *
 * 1. the path must be a character device;
 * 2. it is a serial port `SerialPort.list()` reports (USB-CDC, UART bridges), or
 * 3. it is a pseudo-terminal slave (/dev/pts/N, macOS /dev/ttysN) that no process has as its
 *    controlling terminal. A terminal window's pty is its shell's controlling terminal; the
 *    virtual node's pty and a socat `pty,link=PATH` bridge to QEMU are nobody's, so they open.
 *    The controlling-terminal check reads /proc; where there is none (macOS) only rules 1-3's
 *    first parts apply.
 */
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { ApiError } from '../../models/api/contract';
import { listSerialPorts } from './serial';

const PTY_SLAVE = /^\/dev\/(pts\/\d+|ttys\d+)$/;

/** Resolves `path` and refuses it in plain words unless it may be opened as a node's port. */
export async function checkSerialPath(path: string): Promise<string> {
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    throw new ApiError('not-found', `Port ${path} does not exist (unplugged?)`);
  }
  const st = statSync(real);
  const shown = real === path ? path : `${path} (${real})`;
  if (!st.isCharacterDevice()) throw new ApiError('bad-request', `${shown} is not a serial port: it is not a device`);
  if (PTY_SLAVE.test(real)) {
    const owner = controllingProcess(st.rdev);
    if (owner) throw new ApiError('bad-request', `${shown} is the terminal of another program (${owner}), not a node: Vigil will not write to it`);
    return real;
  }
  const ports = await listSerialPorts().catch(() => []);
  if (ports.some((p) => samePath(p.path, real))) return real;
  throw new ApiError('bad-request', `${shown} is not a serial port this computer reports (nor a node's pseudo-terminal)`);
}

function samePath(a: string, real: string): boolean {
  try {
    return realpathSync(a) === real;
  } catch {
    return false;
  }
}

/** "name (pid N)" of a process whose controlling terminal is device `rdev`; undefined when none or no /proc. */
function controllingProcess(rdev: number): string | undefined {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return undefined;
  }
  for (const pid of pids) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    // pid (comm) state ppid pgrp session tty_nr ...; comm may hold spaces and parentheses.
    const close = stat.lastIndexOf(')');
    const fields = stat.slice(close + 2).split(' ');
    if (Number(fields[4]) === rdev) return `${stat.slice(stat.indexOf('(') + 1, close)}, pid ${pid}`;
  }
  return undefined;
}
