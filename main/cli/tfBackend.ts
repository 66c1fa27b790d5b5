/**
 * TensorFlow.js backend set-up in Node: the wasm backend loads its .wasm files from
 * node_modules/@tensorflow/tfjs-backend-wasm/dist (offline). models/ stays free of Node APIs; the
 * path is found here and passed in.
 */
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { useBackend, type BackendName } from '../../models/train/backend';

export function wasmDir(): string {
  const req = createRequire(import.meta.url);
  return join(dirname(req.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + sep;
}

export async function useNodeBackend(name: BackendName): Promise<string> {
  return useBackend(name, name === 'wasm' ? wasmDir() : undefined);
}
