/**
 * Files in the API: the largest model file the app sends, and the files the app is opened with
 * (main/files/openedFiles.ts, renderer/src/app/openedFiles.ts). Part of the API contract
 * (models/api/contract.ts re-exports it).
 */
import { ApiError } from './errors';

/** The largest model file the app sends (the node's slot holds less; it refuses with TOO_LARGE). */
export const MODEL_FILE_MAX_BYTES = 256 * 1024;

/**
 * A file the app was opened with: a path on its command line (first start, or a second start that
 * hands over to the running app) or macOS `open-file`. Main checks it (main/files/openedFiles.ts:
 * it exists, is a regular file with one of these extensions and a Vigil header, is not too large,
 * and can be read) and announces it with 'file.opened'; the page reads it with 'files.read' by its
 * id, never by a path, and opens the bundle import preview or the model import.
 */
export type OpenedFileKind = 'bundle' | 'model';

/** The extensions a file the app is opened with may have (electron-builder.yml's fileAssociations). */
export const OPENED_FILE_EXTENSIONS: Readonly<Record<string, OpenedFileKind>> = { '.vigil': 'bundle', '.vgm': 'model' };

/**
 * The largest file of each kind the app opens. A model the app could not send to a node is of no
 * use (MODEL_FILE_MAX_BYTES); a bundle is held in the page's memory whole while it is previewed and
 * imported (and decoded beside itself), so 1 GiB is the most a laptop's page can take.
 */
export const OPENED_FILE_MAX_BYTES: Readonly<Record<OpenedFileKind, number>> = { bundle: 1024 * 1024 * 1024, model: MODEL_FILE_MAX_BYTES };

/** Bytes per 'files.read' answer (base64 makes it a third larger on the wire). */
export const OPENED_FILE_CHUNK_BYTES = 4 * 1024 * 1024;

/** A checked file, ready to be read. `name` is the file's own name, without its folder. */
export interface OpenedFile {
  id: string;
  name: string;
  kind: OpenedFileKind;
  bytes: number;
}

/** A file main refused, with the reason in plain words. */
export interface RefusedFile {
  id: string;
  name: string;
  error: string;
}

export type OpenedFileNotice = OpenedFile | RefusedFile;

/** One piece of an opened file: `data` is base64 of bytes [offset, offset + decoded length). */
export interface OpenedFileChunk {
  data: string;
  offset: number;
  total: number;
  /** True on the last piece; main forgets the file then. */
  done: boolean;
}

const MAX_NAME_LEN = 256;

function onlyKeys(x: Record<string, unknown>, allowed: readonly string[]): void {
  for (const k of Object.keys(x)) if (!allowed.includes(k)) throw new ApiError('bad-request', `file.opened: unexpected argument "${k}"`);
}

/** The id main gives an opened file: 128 random bits as hex. */
export const OPENED_FILE_ID_RE = /^[0-9a-f]{32}$/;

/**
 * Checks a 'file.opened' payload before the page acts on it (it crosses the WebSocket in browser
 * mode): an id main made, a name without a folder, a known kind and a size within its limit, or a
 * refusal in words. Throws ApiError('bad-request') naming what is wrong.
 */
export function validateOpenedFileNotice(raw: unknown): OpenedFileNotice {
  const bad = (what: string): never => {
    throw new ApiError('bad-request', `file.opened: ${what}`);
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return bad('the payload must be an object');
  const x = raw as Record<string, unknown>;
  if (typeof x.id !== 'string' || !OPENED_FILE_ID_RE.test(x.id)) bad('"id" must be 32 hex digits');
  if (typeof x.name !== 'string' || x.name.length === 0 || x.name.length > MAX_NAME_LEN || /[/\\\u0000-\u001f]/.test(x.name)) bad('"name" must be a file name of 1 to 256 characters, without a folder');
  if ('error' in x) {
    onlyKeys(x, ['id', 'name', 'error']);
    if (typeof x.error !== 'string' || x.error.length === 0 || x.error.length > 1000) bad('"error" must be a sentence of at most 1000 characters');
    return { id: x.id as string, name: x.name as string, error: x.error as string };
  }
  onlyKeys(x, ['id', 'name', 'kind', 'bytes']);
  if (x.kind !== 'bundle' && x.kind !== 'model') return bad('"kind" must be "bundle" or "model"');
  const kind: OpenedFileKind = x.kind;
  if (typeof x.bytes !== 'number' || !Number.isInteger(x.bytes) || x.bytes < 1 || x.bytes > OPENED_FILE_MAX_BYTES[kind]) bad(`"bytes" must be a whole number from 1 to ${OPENED_FILE_MAX_BYTES[kind]}`);
  return { id: x.id as string, name: x.name as string, kind, bytes: x.bytes as number };
}
