/**
 * Where the serial reader thread's code is when Vigil runs from its TypeScript sources (npm start's
 * browser-mode host, the vigil CLI's gateway, the tests): serialWorker.ts, loaded through tsx's API
 * (a worker's execArgv cannot carry `--import tsx` on Node 20). The desktop app runs the bundled
 * dist/electron/serialWorker.cjs instead (main/electron/main.ts), so this file is never part of its
 * bundle.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ReaderEntry } from './serialThread';

export function sourceReaderEntry(): ReaderEntry {
  // tsx's ESM API as its package.json exports it to `import` (require.resolve would give the CommonJS one).
  const pkg = createRequire(import.meta.url).resolve('tsx/package.json');
  const exported = (JSON.parse(readFileSync(pkg, 'utf8')) as { exports: Record<string, { import: { default: string } }> }).exports['./esm/api'].import.default;
  const api = pathToFileURL(join(dirname(pkg), exported)).href;
  const file = new URL('./serialWorker.ts', import.meta.url).href;
  return { file: `import(${JSON.stringify(api)}).then((tsx) => tsx.tsImport(${JSON.stringify(file)}, ${JSON.stringify(file)}));`, eval: true };
}
