/**
 * Selects the TensorFlow.js backend for training. models/ stays free of Node and DOM APIs: the
 * caller says where the wasm binaries are (a folder path in Node, URLs in the browser build).
 *
 * Threads are off: threaded wasm breaks in minified builds (measured on this project's build machines) and a single
 * thread keeps results bit-for-bit reproducible.
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

export type BackendName = 'wasm' | 'cpu';

/** Where the three tfjs-backend-wasm .wasm files are: a folder prefix, or one URL per file name. */
export type WasmLocation = string | Partial<Record<'tfjs-backend-wasm.wasm' | 'tfjs-backend-wasm-simd.wasm' | 'tfjs-backend-wasm-threaded-simd.wasm', string>>;

export async function useBackend(name: BackendName, wasm?: WasmLocation): Promise<string> {
  if (name === 'wasm') {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    if (wasm !== undefined) setWasmPaths(wasm as string);
  }
  if (!(await tf.setBackend(name))) throw new Error(`the ${name} backend of TensorFlow.js could not start`);
  await tf.ready();
  return tf.getBackend();
}
