// The golden vectors on the emulated Cortex-M4F: firmware/build/qemu/vigil-selftest.elf runs the
// DSP, int8 and frame vectors through the ARM build's own code (the SMLAD dense kernel, the
// assembly FFT and feature pass, the fused CRC + COBS encoder, newlib) and prints one line per
// check over USART1. The host cmocka tests cover the same vectors with the portable C.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeFirmware, ROOT } from '../helpers/firmware';

const ELF = join(ROOT, 'firmware/build/qemu/vigil-selftest.elf');

function runSelftest(): Promise<string> {
  return new Promise((resolve, reject) => {
    const q = spawn('qemu-system-arm', ['-M', 'netduinoplus2', '-display', 'none', '-monitor', 'none', '-serial', 'stdio', '-kernel', ELF], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const timer = setTimeout(() => {
      q.kill();
      reject(new Error(`the self-test did not finish in 60 s:\n${out}`));
    }, 60_000);
    q.stdout.on('data', (d) => {
      out += d;
      if (/SELFTEST end \d+\n/.test(out)) {
        clearTimeout(timer);
        q.kill();
        resolve(out);
      }
    });
    q.on('exit', () => {
      clearTimeout(timer);
      resolve(out);
    });
  });
}

describe('golden vectors on the emulated STM32F405 (the ARM build\'s own kernels)', () => {
  let out = '';
  beforeAll(async () => {
    makeFirmware('arm');
    out = await runSelftest();
    console.log(out);
  }, 90_000);

  it('runs every check and reports none failed', () => {
    expect(out).toMatch(/SELFTEST end 00\n/);
    const lines = out.split('\n').filter((l) => l.startsWith('SELFTEST ') && !l.startsWith('SELFTEST end'));
    expect(lines.length).toBeGreaterThanOrEqual(15);
    for (const l of lines) expect(l, l).toMatch(/ PASS/);
  });

  it('covers the DSP features, the int8 kernels bit for bit, the model reader, the speed section, frames and crypto', () => {
    for (const check of [
      'synthetic_3axis_26667_odd_hop',
      'synthetic_small_window_256',
      'nn_dense_s8_simd_layers',
      'nn_dense_s8_simd_random_layers',
      'nn_run_sumsq_and_decision',
      'nn_mutations_refused',
      'nn_single_rounding',
      'nn_block_sparse_simd_layers',
      'nn_block_sparse_single_rounding',
      'nn_block_sparse_malformed_refused',
      'nn_block_sparse_simd_random_layers',
      'default_model_selftest',
      'frame_vectors',
      'hmac_sha256_rfc4231_case2',
      // the speed section's scorer, both weight formats (int16 SMLALD, int8 SXTB16 + SMLAD)
      'speed_blob_steps',
      'speed_small_steps',
      'speed_blob8_steps',
      'speed_small8_steps',
      // its Cortex-M4 kernels (speed_m4.S) against their C definitions, bit for bit
      'speed_resid_m4_exact',
      'speed_score_m4_exact',
    ]) {
      expect(out, check).toContain(`SELFTEST ${check} PASS`);
    }
  });
});
