/**
 * firmware: what one window costs the STM32F405 node, in instructions, and what the image costs in
 * flash and RAM.
 *
 * Instructions: firmware/build/qemu/vigil-bench.elf (boards/qemu/bench_main.c: the node's kernels,
 * built with the STM32F405 flags) runs in qemu-system-arm -M netduinoplus2 with
 * `-icount shift=0,align=off,sleep=off`, where one instruction is 1 ns of virtual time and TIM2
 * (clocked at 1 GHz) therefore counts instructions; it prints `BENCH name value` lines. Run twice:
 * the figures must be identical (they are deterministic under icount).
 *
 * Sizes: firmware/build/stm32f405/vigil-node.elf (the sensor-node image: IIS3DWB driver, flash
 * model store, the speed-aware scorer, no built-in model) through arm-none-eabi-size, against the
 * code region its memory.ld gives it (flash sectors 0-3); RAM = .data + .bss + the deepest
 * stack, computed from GCC's call graph with stack sizes (-fcallgraph-info=su, the .ci files next
 * to the objects) plus the assembly kernels' push lists, plus the deepest interrupt handler and an
 * FPU exception frame on top.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchResult } from './run';
import { runQemuBench } from './qemuBench';
import { measureInsn } from './nnsize';
import { readVgmFile, writeModelBlob } from '../models/nn/modelFile';
import { pruneInt8Blocks } from '../models/size/prune';

const ROOT = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const FW = join(ROOT, 'firmware');
const BENCH_ELF = join(FW, 'build/qemu/vigil-bench.elf');
const NODE_ELF = join(FW, 'build/stm32f405/vigil-node.elf');
const QEMU_NODE_ELF = join(FW, 'build/qemu/vigil-node.elf');
const STM32_OBJ = join(FW, 'build/stm32f405/obj');
const NODE_MEMORY_LD = join(FW, 'boards/stm32f405/memory.ld');

const CLOCK_HZ = 168e6; // STM32F405 at full speed
const ODR_HZ = 26667; // IIS3DWB
const HOP = 512;
const EXCEPTION_FRAME = 104; // ARMv7-M extended (FPU) frame: 26 words (ARMv7-M ARM §B1.5.7)
const LIB_FRAME = 64; // newlib/libgcc leaf functions without call-graph data (memcpy, memset): assumed

/**
 * The protocol version the node's image speaks, "major.minor", read from the C the image is built
 * from (firmware/src/proto/msg.h: MSG_PROTOCOL_VERSION, MSG_PROTOCOL_MINOR), so the note cannot
 * fall behind the firmware.
 */
export function firmwareProtocolVersion(msgH = readFileSync(join(FW, 'src/proto/msg.h'), 'utf8')): string {
  const define = (name: string) => {
    const m = new RegExp(`^#define\\s+${name}\\s+(\\d+)u?\\b`, 'm').exec(msgH);
    if (!m) throw new Error(`firmware/src/proto/msg.h defines no ${name}`);
    return Number(m[1]);
  };
  return `${define('MSG_PROTOCOL_VERSION')}.${define('MSG_PROTOCOL_MINOR')}`;
}

function run(cmd: string, args: string[], cwd = ROOT): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** "+6.6 %": how much more a is than b. */
function pct(a: number, b: number): string {
  return `${a >= b ? '+' : ''}${(((a - b) / b) * 100).toFixed(1)} %`;
}

function sizes(elf: string): { text: number; data: number; bss: number } {
  const [, line] = run('arm-none-eabi-size', [elf]).trim().split('\n');
  const [text, data, bss] = line.trim().split(/\s+/).map(Number);
  return { text, data, bss };
}

/**
 * The sensor node's code region in bytes: the FLASH line of its linker memory map
 * (firmware/boards/stm32f405/memory.ld, `LENGTH = 64K`), so the figure cannot drift from the link.
 */
export function codeRegionBytes(memoryLd = readFileSync(NODE_MEMORY_LD, 'utf8')): number {
  const m = /^\s*FLASH\s*\([^)]*\)\s*:\s*ORIGIN\s*=\s*0x[0-9a-fA-F]+\s*,\s*LENGTH\s*=\s*(\d+)\s*([KM]?)/m.exec(memoryLd);
  if (!m) throw new Error('firmware/boards/stm32f405/memory.ld has no FLASH region');
  return Number(m[1]) * (m[2] === 'K' ? 1024 : m[2] === 'M' ? 1 << 20 : 1);
}

/** Whether an image links a function (arm-none-eabi-nm lists it as a text symbol). */
function hasFunction(elf: string, name: string): boolean {
  return run('arm-none-eabi-nm', [elf]).split('\n').some((l) => /^[0-9a-f]+ [Tt] /.test(l) && l.endsWith(` ${name}`));
}

function walk(dir: string, ext: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, ext, out);
    else if (name.endsWith(ext)) out.push(p);
  }
  return out;
}

interface CallGraph {
  frame: Map<string, number>;
  edges: Map<string, { to: string; site: string }[]>;
  dynamic: string[];
}

/** Parses GCC's .ci files (VCG): node titles, their static stack bytes, and the call edges. */
function callGraph(): CallGraph {
  const frame = new Map<string, number>();
  const edges = new Map<string, { to: string; site: string }[]>();
  const dynamic: string[] = [];
  for (const f of walk(STM32_OBJ, '.ci')) {
    const text = readFileSync(f, 'utf8');
    for (const m of text.matchAll(/node: \{ title: "([^"]+)" label: "[^"]*\\n(\d+) bytes \((\w+)\)/g)) {
      frame.set(m[1], Number(m[2]));
      if (m[3] !== 'static') dynamic.push(m[1]);
    }
    for (const m of text.matchAll(/edge: \{ sourcename: "([^"]+)" targetname: "([^"]+)"(?: label: "([^"]*)")?/g)) {
      if (!edges.has(m[1])) edges.set(m[1], []);
      edges.get(m[1])!.push({ to: m[2], site: m[3] ?? '' });
    }
  }
  // The assembly kernels: their frames from the push / vpush / sub sp lists.
  for (const s of walk(join(FW, 'src'), '.S')) {
    const text = readFileSync(s, 'utf8');
    const names = [...text.matchAll(/^\s*\.global (\w+)/gm)].map((m) => m[1]);
    // functions a macro defines (`.global \name`), one per instance line `MACRO fn_name, ...`
    for (const m of text.matchAll(/\.macro (\w+)[^\n]*\n(?:(?!\.endm)[\s\S])*?\.global \\name/g)) {
      for (const inst of text.matchAll(new RegExp(`^\\s*${m[1]}\\s+(\\w+)`, 'gm'))) names.push(inst[1]);
    }
    for (const fn of names) {
      frame.set(fn, asmFrame(text, fn));
      edges.set(fn, []);
    }
  }
  return { frame, edges, dynamic };
}

/** Bytes a hand-written function pushes: its push/vpush register lists and sub sp immediates,
 * read from its own body, or from the macro body when the function is a macro instance
 * (`PAIRS nn_dense_pairs_m4, 0`). */
function asmFrame(text: string, name: string): number {
  const count = (list: string) =>
    list.split(',').reduce((n, r) => {
      const range = /[rs](\d+)\s*-\s*[rs](\d+)/.exec(r);
      return n + (range ? Number(range[2]) - Number(range[1]) + 1 : 1);
    }, 0);
  const frameOf = (body: string) => {
    let bytes = 0;
    for (const m of body.matchAll(/^\s*push\s+\{([^}]*)\}/gm)) bytes += 4 * count(m[1]);
    for (const m of body.matchAll(/^\s*vpush\s+\{([^}]*)\}/gm)) bytes += 4 * count(m[1]);
    for (const m of body.matchAll(/^\s*sub\s+sp, sp, #(\d+)/gm)) bytes += Number(m[1]);
    return bytes;
  };
  const label = text.search(new RegExp(`^${name}:`, 'm'));
  if (label >= 0) return frameOf(text.slice(label, text.indexOf('.size', label)));
  for (const m of text.matchAll(/\.macro (\w+)[\s\S]*?\.endm/g)) {
    if (new RegExp(`^\\s*${m[1]}\\s+${name}\\b`, 'm').test(text)) return frameOf(m[0]);
  }
  throw new Error(`no body found for the assembly function ${name}`);
}

/*
 * Where the indirect calls of the STM32F405 image go (function pointers set by the boards):
 * node_send -> the link write callback; the node's board services (uptime, random bytes, storing
 * the identity record in its flash sector); the store -> the flash driver and the node's acceptance
 * test; the IIS3DWB driver -> the SPI bus. Any other indirect call is charged the worst of all.
 */
const INDIRECT: Record<string, string[]> = {
  'src/node/': ['usart_write_cb', 'uptime_cb', 'random_cb', 'save_identity_cb'],
  'src/store/store.c': ['f4_erase', 'f4_program', 'f4_read', 'node_accept_model'],
  'src/sensor/iis3dwb.c': ['spi1_xfer'],
};

function deepest(g: CallGraph): { entry: Record<string, number>; unknown: Set<string>; path: string[] } {
  // A title is "file:name" for local functions; link-time optimisation (the node core) adds
  // ".lto_priv.N" to local copies, and its call edges may name another copy than the title's.
  const shortOf = (t: string) => (t.includes(':') ? t.slice(t.lastIndexOf(':') + 1) : t).replace(/\.lto_priv\.\d+$/, '');
  const byShort = new Map<string, string[]>();
  for (const t of g.frame.keys()) {
    const short = shortOf(t);
    if (!byShort.has(short)) byShort.set(short, []);
    byShort.get(short)!.push(t);
  }
  const resolve = (name: string): string[] => (g.frame.has(name) ? [name] : byShort.get(shortOf(name).replace(/\.(isra|part|constprop)\.\d+$/, '')) ?? [name]);
  const allIndirect = Object.values(INDIRECT).flat();
  const unknown = new Set<string>();
  const memo = new Map<string, { bytes: number; path: string[] }>();
  const visiting = new Set<string>();
  const depth = (fn: string): { bytes: number; path: string[] } => {
    if (memo.has(fn)) return memo.get(fn)!;
    if (visiting.has(fn)) throw new Error(`recursion through ${fn}: no static stack bound`);
    visiting.add(fn);
    let own = g.frame.get(fn);
    if (own === undefined) {
      unknown.add(fn);
      own = LIB_FRAME;
    }
    let best = { bytes: 0, path: [] as string[] };
    for (const e of g.edges.get(fn) ?? []) {
      let targets: string[];
      if (e.to === '__indirect_call') {
        const file = Object.keys(INDIRECT).find((f) => fn.startsWith(f) || e.site.startsWith(f));
        targets = (file ? INDIRECT[file] : allIndirect).flatMap(resolve);
      } else {
        targets = resolve(e.to);
      }
      for (const t of targets) {
        const d = depth(t);
        if (d.bytes > best.bytes) best = d;
      }
    }
    visiting.delete(fn);
    const r = { bytes: own + best.bytes, path: [fn, ...best.path] };
    memo.set(fn, r);
    return r;
  };
  const entry: Record<string, number> = {};
  let path: string[] = [];
  for (const root of ['Reset_Handler', 'USART1_IRQHandler', 'EXTI0_IRQHandler', 'Default_Handler']) {
    const t = resolve(root).find((x) => g.frame.has(x));
    if (!t) continue;
    const d = depth(t);
    entry[root] = d.bytes;
    if (root === 'Reset_Handler') path = d.path;
  }
  return { entry, unknown, path };
}

/**
 * Skipping pruned blocks (docs/model-format.md 2.4.1): the default 64-32-8-32-64 model with 25 % and
 * 50 % of every layer's 2x4 weight blocks pruned (smallest L1 first, models/size/prune.ts
 * pruneInt8Blocks), each stored dense (every block multiplied) and block-sparse (the kernel skips the
 * pruned blocks), timed by the nnsize image (bench/nnsize.ts: nn_net_run on the self-test input, the
 * node's kernels) beside the unpruned model in the same harness.
 */
async function sparseFigures() {
  const model = readVgmFile(readFileSync(join(ROOT, 'renderer/public/models/default.vgm'))).model;
  const p25 = pruneInt8Blocks(model, 0.25);
  const p50 = pruneInt8Blocks(model, 0.5);
  const blobs = [writeModelBlob(model), writeModelBlob(p25, undefined, { storage: 'dense' }), writeModelBlob(p25), writeModelBlob(p50, undefined, { storage: 'dense' }), writeModelBlob(p50)];
  const m = await measureInsn(blobs);
  return {
    insn_inference_dense_nnsize: m[0].insn,
    insn_inference_pruned25_dense: m[1].insn,
    insn_inference_sparse25: m[2].insn,
    insn_inference_pruned50_dense: m[3].insn,
    insn_inference_sparse50: m[4].insn,
    model_bytes_dense: blobs[0].length,
    model_bytes_sparse25: blobs[2].length,
    model_bytes_sparse50: blobs[4].length,
    sparse_selftest_on_target: m.every((x) => x.selftest) ? 'yes' : 'NO',
  };
}

export async function firmwareBench(): Promise<BenchResult> {
  run('make', ['-s', '-C', FW, 'arm']);
  const a = await runQemuBench(BENCH_ELF, 'the benchmark image');
  const b = await runQemuBench(BENCH_ELF, 'the benchmark image');
  const repeatable = JSON.stringify(a) === JSON.stringify(b);
  const sp = await sparseFigures();

  const node = sizes(NODE_ELF);
  const qemuNode = sizes(QEMU_NODE_ELF);
  const g = callGraph();
  const { entry, unknown, path } = deepest(g);
  const isr = Math.max(entry.USART1_IRQHandler ?? 0, entry.EXTI0_IRQHandler ?? 0, entry.Default_Handler ?? 0);
  const stack = entry.Reset_Handler + EXCEPTION_FRAME + isr;
  const flash = node.text + node.data;
  const region = codeRegionBytes();
  const ram = node.data + node.bss + stack;
  const hopSeconds = HOP / ODR_HZ;
  const duty = a.insn_window_total / CLOCK_HZ / hopSeconds;

  return {
    name: 'firmware',
    figures: {
      flash_bytes: flash,
      ram_bytes: ram,
      // The code region the image is linked into (flash sectors 0-3) and what is left of it.
      flash_region_bytes: region,
      flash_headroom_bytes: region - flash,
      // The speed-aware scorer (nn/speed.c) is linked into the sensor-node image.
      node_speed_scorer: hasFunction(NODE_ELF, 'nn_speed_step') ? 'yes' : 'NO',
      insn_fft_1024: a.insn_fft_1024,
      insn_features_window: a.insn_features_window,
      insn_inference: a.insn_inference,
      insn_window_total: a.insn_window_total,
      duty_cycle: Number(duty.toFixed(4)),
      insn_features_axis: a.insn_features_axis,
      insn_dense_layers: a.insn_dense_layers,
      insn_features_frame: a.insn_features_frame,
      insn_intake_511_frames: a.insn_intake_511_frames,
      insn_window_total_spread: a.insn_window_total_spread ?? 0,
      // The node's own baseline (docs/detection.md §3): one baseline_step on 3 x 32 bands per
      // phase, and the whole node per hop detecting with its learned baseline instead of a model.
      insn_baseline_learn_window: a.insn_baseline_learn_window,
      insn_baseline_calibrate_window: a.insn_baseline_calibrate_window,
      insn_baseline_detect_window: a.insn_baseline_detect_window,
      insn_window_total_baseline: a.insn_window_total_baseline,
      baseline_state_bytes: a.baseline_state_bytes,
      // The speed-aware detector in node form (firmware/src/nn/speed.c): one nn_speed_step with two
      // trained speeds, measured; the per-hop totals put it in place of the autoencoder's
      // inference (insn_window_total - insn_inference + step): computed from the parts, not timed
      // as one hop (the bench node's spec has no speed model to load).
      insn_speed_node_window_96: a.insn_speed_node_window_96,
      insn_speed_node_window_64: a.insn_speed_node_window_64,
      insn_window_total_speed_node_96: a.insn_window_total - a.insn_inference + a.insn_speed_node_window_96,
      insn_window_total_speed_node_64: a.insn_window_total - a.insn_inference + a.insn_speed_node_window_64,
      speed_node_section_bytes_96: a.speed_node_section_bytes_96,
      speed_node_state_bytes: a.speed_node_state_bytes,
      // The same with int8 W (weight format 1, what vigil train --speeds writes): SXTB16 + SMLAD.
      insn_speed_node_window_i8_96: a.insn_speed_node_window_i8_96,
      insn_speed_node_window_i8_64: a.insn_speed_node_window_i8_64,
      insn_window_total_speed_node_i8_96: a.insn_window_total - a.insn_inference + a.insn_speed_node_window_i8_96,
      insn_window_total_speed_node_i8_64: a.insn_window_total - a.insn_inference + a.insn_speed_node_window_i8_64,
      speed_node_section_bytes_i8_96: a.speed_node_section_bytes_i8_96,
      speed_node_section_bytes_i8_64: a.speed_node_section_bytes_i8_64,
      // Operator fusion (issue 17): the four layers with the fused reference C, the unfused passes
      // (firmware/src/nn/dense_unfused.c, bench image only), pass 1 of those alone, and the SIMD kernel;
      // then the same on the shapes 64-16-4-16-64. The image checks all three outputs are identical.
      insn_dense_fused_ref: a.insn_dense_fused_ref,
      insn_dense_unfused_ref: a.insn_dense_unfused_ref,
      insn_dense_unfused_mac_ref: a.insn_dense_unfused_mac_ref,
      insn_dense_fused_simd: a.insn_dense_fused_simd,
      dense_unfused_scratch_bytes: a.dense_unfused_scratch_bytes,
      insn_dense_small_fused_ref: a.insn_dense_small_fused_ref,
      insn_dense_small_unfused_ref: a.insn_dense_small_unfused_ref,
      insn_dense_small_unfused_mac_ref: a.insn_dense_small_unfused_mac_ref,
      insn_dense_small_fused_simd: a.insn_dense_small_fused_simd,
      window_ms_at_168mhz: Number(((a.insn_window_total / CLOCK_HZ) * 1e3).toFixed(3)),
      data_bytes: node.data,
      bss_bytes: node.bss,
      stack_static_bytes: stack,
      stack_bench_high_water_bytes: a.stack_high_water_bytes,
      features_wire_bytes: a.features_wire_bytes,
      qemu_image_flash_bytes: qemuNode.text + qemuNode.data,
      repeatable: repeatable ? 'yes' : 'NO',
      // Skipping pruned blocks (block-sparse layers): the default model pruned 25 / 50 %, dense vs block-sparse.
      ...sp,
    },
    targets: {
      flash_bytes: '<= 40960 (40 KB, set when the image carried the 7,980-byte CWRU default model, which this node refuses and no longer carries: see the notes)',
      ram_bytes: '<= 32768 (32 KB: data + bss + deepest stack)',
      flash_headroom_bytes: '>= 0 (the link fails otherwise): flash_region_bytes less flash_bytes',
      node_speed_scorer: 'yes (the STM32F405 image runs a model with a speed section)',
      insn_fft_1024: 'beat CMSIS-DSP arm_rfft_fast_f32: 44,682 (54,936 with Hann + |X|^2)',
      insn_window_total: '<= 150,000 (about 5 % duty cycle)',
      insn_window_total_baseline: '<= 150,000 (the node learning or detecting with its own baseline)',
      insn_window_total_speed_node_96: '<= 150,000 (computed: the node with the speed-aware detector, 3 axes, in place of the autoencoder)',
      insn_window_total_speed_node_64: '<= 150,000 (computed, 2 axes)',
      insn_window_total_speed_node_i8_96: '<= 150,000 (computed, 3 axes, int8 W)',
      insn_window_total_speed_node_i8_64: '<= 150,000 (computed, 2 axes, int8 W)',
      insn_inference: '<= 16,000 for 64-32-8-32-64 (CMSIS-NN arm_fully_connected_s8: 16,000)',
      insn_inference_sparse50: 'below insn_inference_pruned50_dense (the same weights, every block multiplied)',
      duty_cycle: `window at ${CLOCK_HZ / 1e6} MHz per hop of ${HOP} samples at ${ODR_HZ} Hz`,
    },
    notes: [
      `instruction counts from TIM2 under qemu-system-arm -icount shift=0,align=off,sleep=off (1 instruction = 1 ns); two runs ${repeatable ? 'identical' : 'DIFFERENT'}`,
      'insn_window_total: the node per hop of 512 new samples on 3 axes: intake (de-interleave), features of 3 axes, the 64-32-8-32-64 model, k-of-n detector, the 480-byte FEATURES frame (encode, CRC-32, COBS); the frame goes to a sink (the board hands it to the UART)',
      'insn_baseline_*_window: one baseline_step (nn/baseline.c) on 3 x 32 log bands, the largest while learning, calibrating, detecting; insn_window_total_baseline: insn_window_total with the learned baseline in place of the model (the node runs one or the other)',
      'insn_speed_node_window_96/_64: one nn_speed_step (nn/speed.c, the speed-aware detector in node form, docs/detection.md 2.1) with two trained speeds on 96 and 64 features, the worst of 24 windows, int16 W (weight format 0) and, in the _i8_ fields, int8 W (format 1, SXTB16 + SMLAD); insn_window_total_speed_node_*: insn_window_total - insn_inference + that (computed); the STM32F405 image carries it (node_speed_scorer)',
      'insn_fft_1024: the 1024-point real FFT to the power spectrum (split and |Y|^2 included); insn_features_window: 3 axes x (statistics, Hann, FFT, Welch PSD, velocity RMS, 32 log bands)',
      'insn_inference: input standardisation and quantisation of 64 features + 4 dense int8 layers + squared error; insn_dense_layers: the 4 layers alone (what the CMSIS-NN figure covers)',
      `operator fusion: insn_dense_fused_ref (nn_dense_s8_ref: multiply-accumulate, bias, requantize, ReLU in one pass per output) against insn_dense_unfused_ref (firmware/src/nn/dense_unfused.c, in the benchmark image and tests only: the same inner loop into ${a.dense_unfused_scratch_bytes} bytes of int32 scratch, then bias, requantize and clamp as three more passes over it), both plain C on the 4 layers of 64-32-8-32-64: unfused costs ${a.insn_dense_unfused_ref - a.insn_dense_fused_ref} more (${pct(a.insn_dense_unfused_ref, a.insn_dense_fused_ref)}); insn_dense_unfused_mac_ref is pass 1 alone, so the epilogue is ${a.insn_dense_fused_ref - a.insn_dense_unfused_mac_ref} fused and ${a.insn_dense_unfused_ref - a.insn_dense_unfused_mac_ref} unfused; insn_dense_fused_simd is the node's kernel in the same harness. insn_dense_small_*: the same on the shapes 64-16-4-16-64 (the default layers' leading weights, a timing of the shapes, not a trained model): ${pct(a.insn_dense_small_unfused_ref, a.insn_dense_small_fused_ref)}. The image checks the three kernels' outputs are identical on every layer`,
      `skipping pruned blocks: the default model with half of every layer's 2x4 weight blocks pruned runs ${sp.insn_inference_sparse50} instructions stored block-sparse against ${sp.insn_inference_pruned50_dense} stored dense (${pct(sp.insn_inference_sparse50, sp.insn_inference_pruned50_dense)}; unpruned ${sp.insn_inference_dense_nnsize} in the same harness) in ${sp.model_bytes_sparse50} bytes instead of ${sp.model_bytes_dense}; a quarter pruned: ${sp.insn_inference_sparse25} against ${sp.insn_inference_pruned25_dense} (${pct(sp.insn_inference_sparse25, sp.insn_inference_pruned25_dense)}), ${sp.model_bytes_sparse25} bytes. The skipping loop costs 15 instructions per stored block and 11 per row pair against 13 per block dense (models/size/cost.ts INSN_SPARSE_FIT); timed by the nnsize image on each model's self-test input, each model's self-test passing on the target: ${sp.sparse_selftest_on_target}`,
      'duty_cycle counts one instruction per cycle; on silicon VLDM/VSTM/SMLAL take more than one cycle and flash wait states add (ART accelerator), so expect somewhat more',
      `flash and RAM: ${relative(ROOT, NODE_ELF)} (IIS3DWB on SPI1, flash model store, the speed-aware scorer, protocol ${firmwareProtocolVersion()} with wired and BLE links; linked into flash sectors 0-3, ${region} bytes, ${region - flash} left; no built-in model: the CWRU default is for 48 kHz / 2 axes and this node samples 3 axes at 26.7 kHz, so it would refuse it — with it the image would be ${flash + 7980} bytes, over the 40 KB target; instead the node learns its own baseline, whose code, record store and wiring the image carries); the QEMU image (RAM model store, 4 KB receive ring) is ${qemuNode.text + qemuNode.data} bytes of flash`,
      `deepest stack ${entry.Reset_Handler} bytes from Reset_Handler (${path.map((p) => p.replace(/^.*:/, '')).join(' > ')}) + ${EXCEPTION_FRAME} (FPU exception frame) + ${isr} (deepest interrupt handler); library functions without call-graph data counted as ${LIB_FRAME} bytes each: ${[...unknown].join(', ') || 'none'}`,
      'anchors: CMSIS-DSP arm_rfft_fast_f32 N=1024 44,682 insn (54,936 with Hann + magnitude); CMSIS-NN arm_fully_connected_s8 64-32-8-32-64 16,000; a CMSIS-based pipeline ~165,000 for 3 PSD frames before statistics or inference; Edge Impulse spectral block + small NN 17 ms at 80 MHz (~1.36 M cycles), 42.5 KB flash, 6.4 KB RAM; MLPerf Tiny dense autoencoder 7.6 ms at 120 MHz (~912,000 cycles)',
    ],
  };
}
