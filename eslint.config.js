// Lint, and the layering rules between the rooms (see docs/architecture.md):
//   models/   pure TypeScript: imports nothing of the project, no Node, no DOM-only packages
//   main/     Node: may import models/
//   renderer/ browser: may import models/ (the API contract is models/api), nothing of main/
//   main/electron/preload.ts: may import only electron and models/api
import tseslint from 'typescript-eslint';

const NODE_BUILTINS = ['assert', 'buffer', 'child_process', 'crypto', 'events', 'fs', 'fs/promises', 'http', 'https', 'net', 'os', 'path', 'process', 'readline', 'stream', 'tls', 'url', 'util', 'worker_threads', 'zlib'];
const nodeBuiltinPatterns = [{ group: ['node:*'], message: 'bad layering: this room runs outside Node' }];
const nodeBuiltinPaths = NODE_BUILTINS.map((name) => ({ name, message: 'bad layering: this room runs outside Node' }));

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'firmware/build/**', 'test-output/**', 'bench-output/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
    },
  },
  {
    files: ['models/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeBuiltinPaths,
            { name: 'electron', message: 'bad layering: models/ is pure TypeScript' },
            { name: 'serialport', message: 'bad layering: models/ is pure TypeScript' },
            { name: 'react', message: 'bad layering: models/ is pure TypeScript' },
            { name: 'dexie', message: 'bad layering: models/ is pure TypeScript' },
          ],
          patterns: [
            ...nodeBuiltinPatterns,
            { group: ['**/main/**', '**/renderer/**', '**/test/**', '**/scripts/**', '**/bench/**', '**/firmware/**'], message: 'bad layering: models/ imports nothing of the project' },
          ],
        },
      ],
    },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    ignores: ['renderer/vite.config.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeBuiltinPaths,
            { name: 'electron', message: 'bad layering: the renderer reaches main/ only through the preload API' },
            { name: 'serialport', message: 'bad layering: serial ports belong to main/' },
          ],
          patterns: [
            ...nodeBuiltinPatterns,
            { group: ['**/main/**'], message: 'bad layering: the renderer reaches main/ only through the API in models/api' },
            { group: ['**/test/**', '**/scripts/**', '**/bench/**', '**/firmware/**'], message: 'bad layering: the renderer ships; it may not import tests or tools' },
          ],
        },
      ],
    },
  },
  {
    files: ['main/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'react', message: 'bad layering: main/ has no UI' }],
          patterns: [{ group: ['**/renderer/**', '**/test/**', '**/bench/**', '**/scripts/**'], message: 'bad layering: main/ may import only models/' }],
        },
      ],
    },
  },
  {
    // The sandboxed preload is bundled on its own (scripts/build.mjs): only Electron and the API's channel names.
    files: ['main/electron/preload.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^(?!electron$)(?!(\\./|(\\.\\./)+)models/api/[a-z]+$)', message: 'bad layering: the preload may import only electron and models/api' }] },
      ],
    },
  },
);
