/**
 * Starts the virtual node: the firmware's host build (firmware/boards/host), which opens a
 * pseudo-terminal and replays a recorded vibration CSV as its sensor at the recording's real rate.
 * To the app it is just another serial port.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { ApiError, type DemoRecording } from '../../models/api/contract';

export interface Recording {
  file: string; // relative to the project root
  rateHz: number;
  columns: string[];
  label: string;
  /** The shaft speed the recording was made at, Hz: the demo node is configured with it on start. */
  shaftHz: number;
}

/** The file behind each demo recording name (DEMO_RECORDINGS in models/api/contract.ts), shipped in data/demo (see data/demo/README.md for their origin). */
export const DEMO_RECORDING_FILES: Record<DemoRecording, Recording> = {
  'cwru-normal': {
    file: 'data/demo/cwru_normal_0hp_1797rpm_48k_1s.csv',
    rateHz: 48000,
    columns: ['DE_accel', 'FE_accel'],
    label: 'CWRU healthy bearing, 1797 rpm',
    shaftHz: 1797 / 60,
  },
  'cwru-inner-race': {
    file: 'data/demo/cwru_inner_race_007mil_0hp_1797rpm_48k_1s.csv',
    rateHz: 48000,
    columns: ['DE_accel', 'FE_accel'],
    label: 'CWRU inner-race fault 0.007 in, 1797 rpm',
    shaftHz: 1797 / 60,
  },
};

export interface VirtualNode {
  /** The pseudo-terminal path the node listens on (the `link` symlink when one was asked for). */
  path: string;
  /** The Bluetooth LE bridge link's pseudo-terminal (the `bleLink` symlink), when asked for. */
  blePath?: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export function hostNodeBinary(root: string): string {
  return join(root, 'firmware', 'build', 'host', 'vigil-node');
}

/** Builds the host firmware if it is not built yet; throws a plain-words error if that fails. */
export function ensureHostNodeBuilt(root: string): string {
  const bin = hostNodeBinary(root);
  if (existsSync(bin)) return bin;
  const r = spawnSync('make', ['-C', join(root, 'firmware'), 'host'], { encoding: 'utf8' });
  if (r.status !== 0 || !existsSync(bin)) {
    const why = r.error ? r.error.message : (r.stderr || r.stdout || '').trim().split('\n').slice(-3).join(' ');
    throw new ApiError('internal', `Could not build the virtual node (make -C firmware host): ${why}. Run scripts/setup.sh first.`);
  }
  return bin;
}

export interface StartOptions {
  root: string;
  recording: DemoRecording;
  /** A recording of one's own to replay instead of the demo one (file relative to root, or absolute). */
  csv?: Recording;
  name?: string;
  /** Replay without real-time pacing (tests only). */
  fast?: boolean;
  startTimeoutMs?: number;
  /** A stable symlink to the wired pty (--link): survives an unplug (SIGUSR1) and its re-creation. */
  link?: string;
  /** A second pty for the Bluetooth LE bridge link (--ble-link). */
  bleLink?: string;
  /** The node's store file (--store): models, and its identity (pairing key, name, settings) next to it. */
  store?: string;
  /** How long SIGUSR1 unplugs the wired pty (--unplug-ms). */
  unplugMs?: number;
  /** A model file (.vgm, signed with the unpaired key) installed into the store before start (--model; needs store). */
  model?: string;
  /** Called for every `VIGIL-NODE PTY` line after the first (the wired pty is back after an unplug). */
  onPtyBack?: (path: string) => void;
}

export function startVirtualNode(opts: StartOptions): Promise<VirtualNode> {
  const rec = opts.csv ?? DEMO_RECORDING_FILES[opts.recording];
  const bin = ensureHostNodeBuilt(opts.root);
  const args = [
    '--csv', resolve(opts.root, rec.file),
    '--rate', String(rec.rateHz),
    '--columns', rec.columns.join(','),
    '--name', opts.name ?? `demo-${opts.recording}`,
    '--loop',
    '--exit-with-parent',
  ];
  if (opts.fast) args.push('--fast');
  if (opts.link) args.push('--link', opts.link);
  if (opts.bleLink) args.push('--ble-link', opts.bleLink);
  if (opts.store) args.push('--store', opts.store);
  if (opts.unplugMs !== undefined) args.push('--unplug-ms', String(opts.unplugMs));
  if (opts.model) args.push('--model', opts.model);
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => {
    stderr = (stderr + d).slice(-2000);
  });

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new ApiError('timeout', `The virtual node did not start within ${(opts.startTimeoutMs ?? 5000) / 1000} s. ${stderr.trim()}`));
    }, opts.startTimeoutMs ?? 5000);
    const lines = createInterface({ input: child.stdout! });
    let pty: string | undefined;
    let blePty: string | undefined;
    let resolved = false;
    lines.on('line', (line) => {
      const m = /^VIGIL-NODE PTY (\S+)$/.exec(line);
      const b = /^VIGIL-NODE BLE-PTY (\S+)$/.exec(line);
      if (m && resolved) opts.onPtyBack?.(opts.link ?? m[1]);
      if (m) pty = m[1];
      if (b) blePty = b[1];
      if (resolved || !pty || (opts.bleLink && !blePty)) return;
      resolved = true;
      clearTimeout(timer);
      const path = opts.link ?? pty;
      resolve({
        path,
        ...(opts.bleLink ? { blePath: opts.bleLink } : {}),
        process: child,
        stop: () =>
          new Promise<void>((res) => {
            if (child.exitCode !== null || child.signalCode !== null) return res();
            const kill = setTimeout(() => child.kill('SIGKILL'), 2000);
            child.once('exit', () => {
              clearTimeout(kill);
              res();
            });
            child.kill('SIGTERM');
          }),
      });
    });
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(new ApiError('internal', `Could not start the virtual node: ${e.message}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new ApiError('internal', `The virtual node exited (code ${code}): ${stderr.trim() || 'no message'}`));
    });
  });
}

/**
 * The virtual node's exit lines: "N rows, N FEATURES sent, N RAW_BLOCK sent, N frames dropped; rx ...",
 * and "N frames offered before the port was opened (its open discarded them unread)": the frames it
 * had sent when the app's port open flushed the pty (the node sees that flush: firmware/boards/host/pty.h; docs/architecture.md).
 * beforeOpen is undefined when the node could not tell exactly (its output buffer held bytes then, or
 * a write was under way) or saw no flush.
 */
export function exitSummary(stderr: string): { featuresSent: number; rawSent: number; dropped: number; beforeOpen?: number; catchUpWaits?: number; catchUpWaitMs?: number } | null {
  const m = /(\d+) FEATURES sent, (\d+) RAW_BLOCK sent, (\d+) frames dropped/.exec(stderr);
  if (!m) return null;
  const b = /(\d+) frames offered before the port was opened/.exec(stderr);
  // The emulator's own lateness (firmware/boards/host/main.c, wait_for_room): how often it waited for the host while catching up.
  const w = /waited (\d+) times for the host to read, (\d+) ms in all/.exec(stderr);
  return {
    featuresSent: Number(m[1]),
    rawSent: Number(m[2]),
    dropped: Number(m[3]),
    ...(b ? { beforeOpen: Number(b[1]) } : {}),
    ...(w ? { catchUpWaits: Number(w[1]), catchUpWaitMs: Number(w[2]) } : {}),
  };
}
