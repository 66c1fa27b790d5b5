#!/usr/bin/env node
// Launcher for `npx vigil` (package.json "bin"): runs main/cli/vigil.ts through tsx, so the CLI
// needs no build step after `npm ci`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./vigil.ts');
process.exitCode = await main(process.argv.slice(2));
