// Model files for the model transfer tests: the app's default model (the node's built-in one, see
// renderer/public/models/default.vgm) as another version, as the .vgm bytes the API takes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from '../../models/protocol';
import { readVgmFile, writeVgmFile } from '../../models/nn/modelFile';

export function defaultModelBlob(root: string): Uint8Array {
  return readVgmFile(new Uint8Array(readFileSync(join(root, 'renderer', 'public', 'models', 'default.vgm')))).blob;
}

/** The blob as `version` with its CRC made right (the session signs it for the node). */
export function modelFileWithVersion(blob: Uint8Array, version: number): Uint8Array {
  const b = blob.slice();
  const v = new DataView(b.buffer);
  v.setUint32(12, version, true);
  const crcOffset = v.getUint32(44, true);
  v.setUint32(crcOffset, crc32(b, 0, crcOffset), true);
  return writeVgmFile(b);
}

export const toBase64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');
