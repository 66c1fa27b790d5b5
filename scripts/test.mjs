#!/usr/bin/env node
// npm test: every check the project has, in order, on this machine's real parts.
//   typecheck (each room with its own libs) -> lint (with the room import rules) -> unit tests
//   (Vitest) -> a short probe of the browser-mode host with hostile input -> firmware host tests
//   (cmocka) -> a short libFuzzer run -> firmware ARM build -> integration tests (virtual node over
//   a pty, QEMU node) -> renderer build -> end-to-end test in Chromium.
// Prints a per-step table and a closing line "Summary: N passed, N failed" counting test cases.
// `npm test -- --only unit,firmware` runs a subset (step names as in the table).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'test-output');
mkdirSync(out, { recursive: true });
const bin = (name) => join(root, 'node_modules', '.bin', name);

const onlyArg = process.argv.indexOf('--only');
const only = onlyArg > 0 ? process.argv[onlyArg + 1].split(',') : null;

const vitest = (name, dirs, extra = []) => ({
  name,
  cmd: bin('vitest'),
  args: ['run', ...dirs, ...extra, '--reporter=default', '--reporter=json', `--outputFile.json=${join(out, `vitest-${name}.json`)}`],
  count: () => {
    const f = join(out, `vitest-${name}.json`);
    if (!existsSync(f)) return null;
    const j = JSON.parse(readFileSync(f, 'utf8'));
    return { passed: j.numPassedTests, failed: j.numFailedTests + (j.numFailedTestSuites && !j.numFailedTests ? j.numFailedTestSuites : 0) };
  },
});

const cmockaCount = (text) => {
  let passed = 0;
  let failed = 0;
  for (const m of text.matchAll(/\[  PASSED  \] (\d+) test/g)) passed += Number(m[1]);
  for (const m of text.matchAll(/\[  FAILED  \] (\d+) test/g)) failed += Number(m[1]);
  return { passed, failed };
};

const steps = [
  { name: 'typecheck', cmd: bin('tsc'), args: ['-p', 'models/tsconfig.json'], more: [['-p', 'main/tsconfig.json'], ['-p', 'renderer/tsconfig.json'], ['-p', 'tsconfig.json']] },
  { name: 'lint', cmd: bin('eslint'), args: ['--max-warnings', '0', '.'] },
  vitest('unit', ['test/unit']),
  // The browser-mode host in a child process under hostile raw-socket input for 4 s; `npm run probe` runs long.
  { name: 'probe', cmd: bin('tsx'), args: [join(root, 'scripts/probe-host.ts'), '--seconds', '4'] },
  { name: 'firmware', cmd: 'make', args: ['-C', 'firmware', 'test'], parse: cmockaCount },
  // A bounded libFuzzer run of the node's receive path (firmware/test/fuzz); `npm run fuzz` runs long.
  { name: 'fuzz', cmd: 'make', args: ['-C', 'firmware', 'fuzz-short'] },
  // Builds both firmware images up front, so test files never race to build them.
  { name: 'arm', cmd: 'make', args: ['-C', 'firmware', 'arm', 'host'] },
  // One file at a time: they start real processes (nodes, QEMU, Chromium) on a 2-core machine.
  vitest('integration', ['test/integration'], ['--no-file-parallelism']),
  { name: 'build', cmd: process.execPath, args: [join(root, 'scripts/build.mjs'), 'renderer', 'electron'] },
  // electron-builder --dir against a stand-in Electron runtime: the archive holds what the app needs and nothing else.
  { name: 'package', cmd: process.execPath, args: [join(root, 'scripts/package-check.mjs')] },
  vitest('e2e', ['test/e2e'], ['--no-file-parallelism']),
];

const results = [];
let passed = 0;
let failed = 0;
for (const step of steps) {
  if (only && !only.includes(step.name)) continue;
  console.log(`\n=== ${step.name} ===`);
  const t0 = Date.now();
  if (step.count) rmSync(join(out, `vitest-${step.name}.json`), { force: true });
  let ok = true;
  let text = '';
  for (const args of [step.args, ...(step.more ?? [])]) {
    const r = spawnSync(step.cmd, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 28 });
    process.stdout.write(r.stdout ?? '');
    process.stderr.write(r.stderr ?? '');
    text += (r.stdout ?? '') + (r.stderr ?? '');
    if (r.status !== 0) {
      ok = false;
      if (r.error) console.error(`${step.name}: ${r.error.message}`);
      break;
    }
  }
  const c = step.count ? step.count() : step.parse ? step.parse(text) : null;
  if (c) {
    passed += c.passed;
    failed += c.failed;
  } else if (ok) passed += 1;
  if (!ok && (!c || c.failed === 0)) failed += 1;
  results.push({ name: step.name, ok, s: ((Date.now() - t0) / 1000).toFixed(1), c });
}

console.log('\n=== results ===');
for (const r of results) console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${r.name.padEnd(12)} ${r.s.padStart(6)} s${r.c ? `  (${r.c.passed} passed, ${r.c.failed} failed)` : ''}`);
console.log(`Summary: ${passed} passed, ${failed} failed`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
