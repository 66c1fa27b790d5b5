/**
 * Benchmark entry point: npm run bench -- NAME [--json] [--seconds N (ingest)]
 * Each benchmark prints its figures with the target beside them; with --json the last line printed
 * is one JSON object. Benchmarks are never run by `npm test` (speed is measured here, not asserted
 * in timed tests). List them with `npm run bench -- --list`.
 */
import { firmwareBench } from './firmware';
import { framesBench } from './frames';
import { linkBench } from './link';
import { otaBench } from './ota';
import { storageBench } from './storage';

export interface BenchResult {
  name: string;
  figures: Record<string, number | string | null>;
  targets: Record<string, string>;
  notes?: string[];
}

const BENCHES: Record<string, { describe: string; run: () => Promise<BenchResult> }> = {
  frames: { describe: 'TypeScript deframe + decode throughput (MB/s of wire bytes)', run: framesBench },
  link: { describe: 'link protocol 1.1: TS and C decode MB/s, RAW_BLOCK wire efficiency, C fuzzing executions', run: linkBench },
  ota: { describe: 'model transfer: goodput on 115200 / 921600 baud and BLE, resume overhead, power cuts', run: otaBench },
  firmware: { describe: 'STM32F405 node: instructions per window (QEMU icount), flash, RAM', run: firmwareBench },
  velocity: { describe: 'velocity RMS on a tone sweep (10 Hz - 1 kHz, every rate and window) against the true value', run: () => import('./velocity').then((m) => m.velocityBench()) },
  storage: { describe: 'IndexedDB in headless Chromium: feature writes, node-day query, FEMTO CSV import', run: storageBench },
  detection: { describe: 'speed-aware detection: UESTC unseen speeds, weak faults, CWRU, FEMTO early warning', run: () => import('./detection').then((m) => m.detectionBench()) },
  modellab: { describe: 'TFLite interop: LiteRT output equal to the node\'s (tflite_bitexact), in both rounding modes', run: () => import('./modellab').then((m) => m.modellabBench()) },
  envelope: { describe: 'envelope spectrum on CWRU: the highest line at BPFI (inner race) or BPFO (outer race), within one bin', run: () => import('./envelope').then((m) => m.envelopeBench()) },
  gateway: { describe: 'plant gateway: N nodes through Mosquitto (TLS) to two workstations, one broker restart: loss, latency, CPU, RSS', run: () => import('./gateway').then((m) => m.gatewayBench()) },
  ingest: { describe: 'browser-mode app in Chromium: 16 feature nodes + 2 raw 3-axis nodes, Fleet page + one node analysis: drops, fps, latency, CPU (--seconds N, default 60; --view all: every Live card)', run: () => import('./ingest').then((m) => m.ingestBench()) },
  training: { describe: 'autoencoder training (wasm/cpu), int8 quantization, CWRU and FEMTO detection quality', run: () => import('./training').then((m) => m.trainingBench()) },
};

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const json = argv.includes('--json');
  // Options that take a value (ingest's --seconds N): the value is not a benchmark name.
  const valueOptions = new Set(['--seconds', '--feature-nodes', '--raw-nodes', '--view', '--profile']);
  const names = argv.filter((a, i) => !a.startsWith('--') && !valueOptions.has(argv[i - 1]));
  if (argv.includes('--list') || names.length === 0) {
    console.log('usage: npm run bench -- NAME [--json] [--seconds N]\n\nbenchmarks:');
    for (const [n, b] of Object.entries(BENCHES)) console.log(`  ${n.padEnd(10)} ${b.describe}`);
    process.exit(names.length === 0 && !argv.includes('--list') ? 2 : 0);
  }
  const results: BenchResult[] = [];
  for (const n of names) {
    const b = BENCHES[n];
    if (!b) {
      console.error(`bench: unknown benchmark "${n}" (known: ${Object.keys(BENCHES).join(', ')})`);
      process.exit(2);
    }
    const r = await b.run();
    results.push(r);
    console.log(`\n== ${r.name} ==`);
    for (const [k, v] of Object.entries(r.figures)) {
      const t = r.targets[k];
      console.log(`  ${k.padEnd(28)} ${String(v).padStart(14)}${t ? `   target ${t}` : ''}`);
    }
    for (const note of r.notes ?? []) console.log(`  note: ${note}`);
  }
  if (json) {
    const out = results.length === 1 ? results[0] : { results };
    console.log(JSON.stringify(out));
  }
}

main().catch((e: Error) => {
  console.error(`bench: ${e.stack ?? e.message}`);
  process.exit(1);
});
