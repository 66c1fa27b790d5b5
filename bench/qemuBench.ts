/**
 * Runs a QEMU benchmark image (qemu-system-arm -M netduinoplus2 with -icount, so TIM2 counts
 * instructions) and reads its "BENCH name value" lines (and "BENCH_SPREAD name value" as
 * name_spread) until "BENCH end"; "BENCH error" anywhere fails the run. Used by the firmware and
 * nnsize benchmarks.
 */
import { spawn } from 'node:child_process';

export function runQemuBench(elf: string, what: string, timeoutMs = 120_000): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const q = spawn('qemu-system-arm', ['-M', 'netduinoplus2', '-display', 'none', '-monitor', 'none', '-serial', 'stdio', '-icount', 'shift=0,align=off,sleep=off', '-kernel', elf], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const timer = setTimeout(() => {
      q.kill();
      reject(new Error(`${what} did not finish in ${timeoutMs / 1000} s:\n${out}`));
    }, timeoutMs);
    q.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    q.stdout.on('data', (d) => {
      out += d;
      if (!out.includes('BENCH end') && !out.includes('BENCH error')) return;
      clearTimeout(timer);
      q.kill();
      if (/BENCH error/.test(out)) return reject(new Error(`${what} reported an error:\n${out}`));
      const figures: Record<string, number> = {};
      for (const m of out.matchAll(/^BENCH (\w+) (\d+)$/gm)) figures[m[1]] = Number(m[2]);
      for (const m of out.matchAll(/^BENCH_SPREAD (\w+) (\d+)$/gm)) figures[`${m[1]}_spread`] = Number(m[2]);
      resolve(figures);
    });
  });
}
