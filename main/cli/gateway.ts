/**
 * `vigil gateway`: the headless plant gateway (docs/gateway.md). The same NodeManager as the app
 * owns serial and virtual nodes; main/gateway/gateway.ts publishes them to an MQTT broker as
 * Sparkplug B. Runs until SIGINT or SIGTERM, then sends DDEATH and NDEATH and leaves.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO_RECORDINGS, type DemoRecording } from '../../models/api/contract';
import { isTimeOrIndexColumn, rateFromFileName } from '../../models/dataset/formats';
import { checkSparkplugId } from '../../models/gateway/sparkplug';
import { readCsvHeader } from './csvColumns';
import { Gateway } from '../gateway/gateway';
import { defaultDataDir } from '../node/keys';
import { NodeManager } from '../node/manager';
import { sourceReaderEntry } from '../transport/readerEntry';
import { startVirtualNode, type VirtualNode } from '../node/virtualNode';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export class GatewayUsageError extends Error {
  override name = 'GatewayUsageError';
}

export interface GatewayFlags {
  broker: string;
  ca?: string;
  user?: string;
  passwordFile?: string;
  group: string;
  edge: string;
  nodes: string[];
  /** A demo recording, or a CSV file of one's own with its sample rate. */
  virtual: (DemoRecording | { csv: string; rateHz: number })[];
  bufferDir?: string;
  bufferMaxMb: number;
  /** The window history's bound for gap fill (main/gateway/history.ts). */
  historyMaxMb: number;
}

export const GATEWAY_USAGE = `vigil gateway --broker mqtts://HOST:PORT --group G --edge E [--ca CA.pem] [--user U --password-file F]
              [--node /dev/ttyACM0]... [--virtual cwru-normal|cwru-inner-race|FILE.csv[@RATE]]... [--buffer-dir DIR] [--buffer-max-mb 64] [--history-max-mb 256]`;

export function parseGatewayArgs(argv: string[]): GatewayFlags {
  const f: Partial<GatewayFlags> & Pick<GatewayFlags, 'nodes' | 'virtual'> = { nodes: [], virtual: [], bufferMaxMb: 64, historyMaxMb: 256 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new GatewayUsageError(`${a} needs a value`);
      return v;
    };
    if (a === '--broker') f.broker = value();
    else if (a === '--ca') f.ca = value();
    else if (a === '--user') f.user = value();
    else if (a === '--password-file') f.passwordFile = value();
    else if (a === '--group') f.group = value();
    else if (a === '--edge') f.edge = value();
    else if (a === '--node') f.nodes.push(value());
    else if (a === '--virtual') {
      const v = value();
      if ((DEMO_RECORDINGS as readonly string[]).includes(v)) f.virtual.push(v as DemoRecording);
      else {
        const m = /^(.+?\.csv)(?:@(\d+))?$/i.exec(v);
        if (!m) throw new GatewayUsageError(`--virtual: "${v}" is neither a demo recording (${DEMO_RECORDINGS.join(', ')}) nor a FILE.csv[@RATE]`);
        if (!existsSync(m[1])) throw new GatewayUsageError(`--virtual: cannot read ${m[1]}: no such file`);
        const rateHz = m[2] ? Number(m[2]) : rateFromFileName(basename(m[1]));
        if (!rateHz || rateHz < 1000 || rateHz > 200_000) throw new GatewayUsageError(`--virtual: give the sample rate of ${m[1]} as ${m[1]}@HZ (1000 to 200000)`);
        f.virtual.push({ csv: m[1], rateHz });
      }
    } else if (a === '--buffer-dir') f.bufferDir = value();
    else if (a === '--buffer-max-mb') {
      const n = Number(value());
      if (!(n >= 0.01 && n <= 65536)) throw new GatewayUsageError('--buffer-max-mb needs a number from 0.01 to 65536');
      f.bufferMaxMb = n;
    } else if (a === '--history-max-mb') {
      const n = Number(value());
      if (!(n >= 0.0625 && n <= 1_048_576)) throw new GatewayUsageError('--history-max-mb needs a number from 0.0625 to 1048576');
      f.historyMaxMb = n;
    } else if (a === '--json') {
      // No result to print: the gateway runs until stopped.
    } else throw new GatewayUsageError(`unknown option ${a} (usage: ${GATEWAY_USAGE})`);
  }
  if (!f.broker) throw new GatewayUsageError(`--broker is required (usage: ${GATEWAY_USAGE})`);
  if (!/^(mqtts?|wss?):\/\/[^/]+/.test(f.broker)) throw new GatewayUsageError(`--broker "${f.broker}" must be an mqtt://, mqtts://, ws:// or wss:// URL`);
  if (!f.group || !f.edge) throw new GatewayUsageError('--group and --edge are required (the Sparkplug group id and this gateway\'s edge node id)');
  try {
    checkSparkplugId('--group', f.group);
    checkSparkplugId('--edge', f.edge);
  } catch (e) {
    throw new GatewayUsageError((e as Error).message);
  }
  if (f.nodes.length + f.virtual.length === 0) throw new GatewayUsageError('give at least one --node PATH or --virtual RECORDING');
  for (const file of [f.ca, f.passwordFile]) if (file !== undefined && !existsSync(file)) throw new GatewayUsageError(`cannot read ${file}: no such file`);
  if (f.passwordFile && !f.user) throw new GatewayUsageError('--password-file needs --user');
  return f as GatewayFlags;
}

/** Runs the gateway until `stop` resolves (default: SIGINT or SIGTERM). */
export async function runGateway(flags: GatewayFlags, log: (line: string) => void, stop?: Promise<void>): Promise<void> {
  // Listened for from the start: a SIGTERM while the nodes are still starting stops in order too
  // (registered only once they had started, it killed the process in that gap, exit code null).
  const stopped =
    stop ??
    new Promise<void>((res) => {
      process.once('SIGINT', () => res());
      process.once('SIGTERM', () => res());
    });
  const manager = new NodeManager({ root: ROOT, dataDir: defaultDataDir(), serialReader: sourceReaderEntry() });
  const gateway = new Gateway(manager, {
    broker: flags.broker,
    ...(flags.ca ? { ca: readFileSync(flags.ca) } : {}),
    ...(flags.user !== undefined ? { username: flags.user } : {}),
    ...(flags.passwordFile ? { password: readFileSync(flags.passwordFile, 'utf8').replace(/\r?\n$/, '') } : {}),
    group: flags.group,
    edge: flags.edge,
    ...(flags.bufferDir ? { bufferDir: flags.bufferDir } : {}),
    bufferMaxBytes: Math.round(flags.bufferMaxMb * 1024 * 1024),
    historyMaxBytes: Math.round(flags.historyMaxMb * 1024 * 1024),
    log: (line) => log(`vigil gateway: ${line}`),
    commands: manager,
  });
  gateway.start();
  /** Virtual nodes replaying a CSV of one's own (the manager owns the demo ones). */
  const own: VirtualNode[] = [];
  try {
    for (const path of flags.nodes) {
      const info = await manager.connect(path);
      log(`vigil gateway: node ${info.hello?.name ?? '?'} (${info.hello?.uid ?? 'no HELLO'}) on ${path}`);
    }
    for (const [i, rec] of flags.virtual.entries()) {
      const name = `${flags.edge}-v${i + 1}`;
      let info;
      if (typeof rec === 'string') info = await manager.startDemo(rec, name);
      else {
        const columns = (await readCsvHeader(rec.csv)).filter((h) => !isTimeOrIndexColumn(h)).slice(0, 3);
        if (columns.length === 0) throw new GatewayUsageError(`--virtual: ${rec.csv} has no sensor column`);
        const vn = await startVirtualNode({ root: ROOT, recording: 'cwru-normal', csv: { file: resolve(rec.csv), rateHz: rec.rateHz, columns, label: basename(rec.csv), shaftHz: 0 }, name });
        own.push(vn);
        info = await manager.connect(vn.path, true);
      }
      log(`vigil gateway: virtual node ${info.hello?.name ?? '?'} (${info.hello?.uid ?? 'no HELLO'}) on ${info.path}`);
    }
    log(`vigil gateway: ${manager.listNodes().length} node(s) publishing to ${flags.broker} as spBv1.0/${flags.group}/+/${flags.edge}`);
    await stopped;
  } finally {
    await gateway.stop();
    await manager.shutdown();
    for (const vn of own) await vn.stop();
    log('vigil gateway: stopped');
  }
}
