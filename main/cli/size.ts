/** vigil size: the best model that fits a node's budget (docs/size.md; the search in models/size). */
import { writeFileSync } from 'node:fs';
import { defaultFeatureSpec } from '../../models/features/spec';
import { archName, INSN_FIT, INSN_SPARSE_FIT } from '../../models/size/cost';
import { candidateJson, NODE_BUDGET, parseBudget, sizeSearch, tradeoffTable } from '../../models/size/search';
import { prepareData } from '../../models/train/dataset';
import { packageModel } from '../../models/train/pipeline';
import { chooseChannels, loadRecordings, manifestNodeAxes } from './data';
import { fmt, intFlag, parseFlags, SPLIT, UsageError, type Out } from './flags';
import { readManifest } from './manifest';
import { useNodeBackend } from './tfBackend';

export async function cmdSize(argv: string[], out: Out): Promise<Record<string, unknown>> {
  const { flags, positional } = parseFlags(argv, {
    data: 'value', budget: 'value', channel: 'value', seed: 'value', epochs: 'value', 'target-rate': 'value', 'detection-target': 'value',
    'no-distill': 'bool', out: 'value', json: 'bool', backend: 'value', widths: 'value', bottlenecks: 'value', prune: 'value',
  });
  if (positional.length) throw new UsageError(`unexpected argument "${positional[0]}"`);
  if (typeof flags.data !== 'string') throw new UsageError('size needs --data MANIFEST.csv');
  const budget = typeof flags.budget === 'string' ? parseBudget(flags.budget) : NODE_BUDGET;
  const seed = intFlag(flags, 'seed', 0, 2 ** 32 - 1) ?? 1;
  const epochs = intFlag(flags, 'epochs', 1, 100000);
  const targetRate = flags['target-rate'] === undefined ? 0.001 : Number(flags['target-rate']);
  if (!(targetRate > 0 && targetRate < 0.5)) throw new UsageError('--target-rate needs a fraction between 0 and 0.5 (0.001 = 0.1% of windows)');
  const detectionTarget = flags['detection-target'] === undefined ? 0.99 : Number(flags['detection-target']);
  if (!(detectionTarget > 0 && detectionTarget <= 1)) throw new UsageError('--detection-target needs a fraction in (0, 1], like 0.99');
  const backend = flags.backend ?? 'wasm';
  if (backend !== 'wasm' && backend !== 'cpu') throw new UsageError('--backend is wasm or cpu');
  const list = (name: string, ok: (x: number) => boolean, what: string): number[] | undefined => {
    const v = flags[name];
    if (v === undefined) return undefined;
    const xs = typeof v === 'string' ? v.split(',').map((x) => Number(x.trim())) : [];
    if (!xs.length || xs.some((x) => !ok(x))) throw new UsageError(`--${name} takes ${what}`);
    return xs;
  };
  const widthOk = (x: number) => Number.isInteger(x) && x >= 4 && x <= 256 && x % 4 === 0;
  const widths = list('widths', widthOk, 'widths that are multiples of 4, like 16,24,32');
  const bottlenecks = list('bottlenecks', widthOk, 'widths that are multiples of 4, like 4,8,16');
  const prune = list('prune', (x) => x >= 0 && x < 1, 'fractions in [0, 1), like 0,0.25,0.5');

  const manifest = readManifest(flags.data, { needNormal: true });
  const channels = await chooseChannels(manifest, flags.channel as string | undefined);
  const spec = defaultFeatureSpec(manifest.sampleRateHz);
  out.progress(`reading ${manifest.rows.length} recordings (channel ${channels.join(', ')}, ${manifest.sampleRateHz} Hz)`);
  const recordings = await loadRecordings(manifest, channels);
  const prepared = prepareData(recordings, spec, SPLIT);
  out.log(`windows: ${prepared.train.rows.length} train, ${prepared.val.rows.length} validation, ${prepared.testNormal.rows.length} held-out normal, ${[...prepared.anomalies].map(([k, v]) => `${v.rows.length} ${k}`).join(', ') || 'no anomaly'}`);
  out.log(`budget: flash ${budget.flashBytes} B, RAM ${budget.ramBytes} B${budget.channelsMax !== undefined ? ` (at most ${budget.channelsMax} channels)` : ''}, ${budget.insn} instructions per window (${budget.source})`);
  await useNodeBackend(backend);
  const axes = await manifestNodeAxes(manifest, channels);
  const r = await sizeSearch(prepared, spec, axes, budget, {
    seed,
    ...(epochs ? { epochs } : {}),
    targetRate,
    detectionTarget,
    distill: !flags['no-distill'],
    ...(widths ? { widths } : {}),
    ...(bottlenecks ? { bottlenecks } : {}),
    ...(prune ? { prune } : {}),
    onProgress: (m) => out.progress(m),
  });
  for (const line of tradeoffTable(r)) out.log(line);
  const chosen = r.candidates[r.chosen];
  const ref = r.reference >= 0 ? r.candidates[r.reference] : undefined;
  out.log(`dense*: instructions if every layer were stored dense (a node whose firmware predates block-sparse storage); insn counts the blocks the node's kernel skips in block-sparse layers`);
  out.log(
    `insn = ${INSN_FIT.c0} + ${INSN_FIT.cD} D + ${INSN_FIT.cH} (sum of hidden widths) + ${INSN_FIT.cMac} MACs, and per block-sparse layer ` +
      `${INSN_SPARSE_FIT.cBlocks} per block + ${INSN_SPARSE_FIT.cStored} per stored block + ${INSN_SPARSE_FIT.cPairs} per row pair + ${INSN_SPARSE_FIT.cLayer}, fitted to QEMU measurements (docs/size.md)`,
  );
  out.log(`chose ${chosen.name}: ${chosen.bytes} bytes, ${chosen.insn} instructions per window, false alarms ${fmt((chosen.falseAlarmAtDetection ?? NaN) * 100, 2)}% at ${detectionTarget * 100}% detection; searched in ${r.seconds.toFixed(1)} s`);
  let wrote: string | undefined;
  if (typeof flags.out === 'string' && chosen.detector) {
    const { file } = packageModel({
      tool: 'vigil size',
      createdAt: new Date().toISOString(),
      channels,
      spec,
      recordings: recordings.map((x) => ({ name: x.name, label: x.label, samples: x.channels[0].length })),
      prepared,
      split: SPLIT,
      options: { seed, hidden: chosen.widths.slice(1, -1), targetRate },
      trained: chosen.detector,
    });
    try {
      writeFileSync(flags.out, file);
    } catch (e) {
      throw new UsageError(`cannot write ${flags.out}: ${(e as Error).message}`);
    }
    wrote = flags.out;
    out.log(`wrote ${flags.out}: ${chosen.name}, ${chosen.bytes} bytes for the node`);
  }
  return {
    budget: { flash: budget.flashBytes, ram: budget.ramBytes, insn: budget.insn, channels_max: budget.channelsMax ?? null, source: budget.source },
    detection_target: detectionTarget,
    target_rate: targetRate,
    epochs: r.epochs,
    fine_tune_epochs: r.fineTuneEpochs,
    teacher: r.teacher ? archName(r.teacher.widths) : null,
    insn_model: {
      ...INSN_FIT,
      form: 'c0 + cD*D + cH*sum(hidden) + cMac*MACs, plus per block-sparse layer sparse.cBlocks*blocks + sparse.cStored*stored + sparse.cPairs*pairs + sparse.cLayer',
      sparse: INSN_SPARSE_FIT,
    },
    size_search_s: Number(r.seconds.toFixed(2)),
    chosen: candidateJson(chosen),
    reference: ref ? candidateJson(ref) : null,
    candidates: r.candidates.map(candidateJson),
    ...(wrote ? { out: wrote } : {}),
  };
}
