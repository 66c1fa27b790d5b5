/**
 * The app's pairing keys (docs/protocol.md 3.6, 6.2): one JSON file in the app's data folder,
 * readable by the user only (mode 0600, folder 0700), written atomically (a temporary file in the
 * same folder, fsync, rename), keyed by the node's uid.
 *
 * A node may hold more than one key here for a moment: nodes.pair stores the new key BEFORE it
 * sends PAIR (so a node that stored it but whose ACK was lost is not locked out), next to the key
 * the node had. Whichever key the node's HELLO names by key_id is the one used; once a HELLO
 * confirms a key, the others are forgotten (`confirm`).
 *
 * The file is shared: two running instances (the Electron app and a browser-mode host) each merge
 * it on write, taking the file's version of every node they did not change themselves, so neither
 * loses the other's keys. Entries this version cannot read (another layout, a damaged key) are
 * written back as they were. A file readable by others is set back to 0600, and a file that is not
 * JSON is set aside as `node-keys.json.corrupt-<time>`; both are said on the console and kept in
 * `warnings`.
 */
import { createHash } from 'node:crypto';
import { chmodSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const KEY_FILE = 'node-keys.json';

/** `$VIGIL_DATA_DIR`, else ~/.config/vigil: where the browser-mode host and the CLI keep their data. */
export function defaultDataDir(): string {
  return process.env.VIGIL_DATA_DIR || join(homedir(), '.config', 'vigil');
}

/** First 4 bytes of SHA-256(key), 8 hex digits: the HELLO INFO key_id. */
export function keyIdHex(key: Uint8Array): string {
  return createHash('sha256').update(key).digest().subarray(0, 4).toString('hex');
}

interface StoredKey {
  key: string; // 64 hex digits
  keyId: string; // 8 hex digits
  addedAtMs: number;
}

interface NodeKeys {
  name?: string;
  keys: StoredKey[];
  /** The node last showed a key this workstation does not hold: another one paired it since. */
  rePaired?: { keyId: string; seenAtMs: number };
}

/** A known node re-paired by another workstation (see `KeyStore.noteHello`). */
export interface RePairNotice {
  uid: string;
  name?: string;
  /** The key id the node shows now. */
  keyId: string;
  /** The key ids this workstation holds for it. */
  ourKeyIds: string[];
  seenAtMs: number;
  message: string;
}

type RawNodes = Record<string, unknown>;

const UID_RE = /^[0-9a-f]{24}$/;
const KEY_ID_RE = /^[0-9a-f]{8}$/;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function readableKey(k: unknown): k is StoredKey {
  return isObject(k) && typeof k.key === 'string' && /^[0-9a-f]{64}$/.test(k.key) && keyIdHex(Buffer.from(k.key, 'hex')) === k.keyId && typeof k.addedAtMs === 'number';
}

/** The entry's keys this version reads; undefined when the entry itself is not readable. */
function readEntry(uid: string, raw: unknown): NodeKeys | undefined {
  if (!UID_RE.test(uid) || !isObject(raw) || !Array.isArray(raw.keys)) return undefined;
  const keys = raw.keys.filter(readableKey);
  if (keys.length === 0) return undefined;
  const entry: NodeKeys = { keys };
  if (typeof raw.name === 'string') entry.name = raw.name;
  const r = raw.rePaired;
  if (isObject(r) && typeof r.keyId === 'string' && KEY_ID_RE.test(r.keyId) && typeof r.seenAtMs === 'number') entry.rePaired = { keyId: r.keyId, seenAtMs: r.seenAtMs };
  return entry;
}

export class KeyStore {
  private nodes: Record<string, NodeKeys> = {};
  /** The file as last read (other top-level fields, every node entry as written). */
  private raw: { top: Record<string, unknown>; nodes: RawNodes } = { top: {}, nodes: {} };
  /** Nodes changed here since the last save: only these override the file's version. */
  private touched = new Set<string>();
  private seen: { mtimeMs: number; size: number } | undefined;
  /** What went wrong with the file, in words, for the console and the app. */
  readonly warnings: string[] = [];

  /** `dir` undefined: keys live in memory only (tests, or a host that has no data folder). */
  constructor(readonly dir?: string) {
    if (dir) this.load();
  }

  get file(): string | undefined {
    return this.dir ? join(this.dir, KEY_FILE) : undefined;
  }

  /** The key whose key_id is `keyId` for node `uid`, if the app holds it (another instance's too). */
  find(uid: string, keyId: string): Uint8Array | undefined {
    let k = this.nodes[uid]?.keys.find((s) => s.keyId === keyId);
    if (!k && this.changedOnDisk()) {
      this.load();
      k = this.nodes[uid]?.keys.find((s) => s.keyId === keyId);
    }
    return k ? Uint8Array.from(Buffer.from(k.key, 'hex')) : undefined;
  }

  /** Adds a key for `uid` (kept next to any it has until one is confirmed); persists at once. */
  add(uid: string, key: Uint8Array, name?: string): string {
    if (!UID_RE.test(uid)) throw new Error(`not a node uid: ${uid}`);
    if (key.length !== 32) throw new Error('a pairing key is 32 bytes');
    const keyId = keyIdHex(key);
    const entry = (this.nodes[uid] ??= { keys: [] });
    entry.keys = entry.keys.filter((k) => k.keyId !== keyId);
    entry.keys.push({ key: Buffer.from(key).toString('hex'), keyId, addedAtMs: Date.now() });
    if (name) entry.name = name;
    delete entry.rePaired;
    this.save(uid);
    return keyId;
  }

  /** The node's HELLO shows `keyId`: forget its other keys (persists when something changed). */
  confirm(uid: string, keyId: string): void {
    const entry = this.nodes[uid];
    if (!entry || !entry.keys.some((k) => k.keyId === keyId) || (entry.keys.length === 1 && !entry.rePaired)) return;
    entry.keys = entry.keys.filter((k) => k.keyId === keyId);
    delete entry.rePaired;
    this.save(uid);
  }

  /** Removes one key (a PAIR the node refused), or every key of the node. */
  remove(uid: string, keyId?: string): void {
    const entry = this.nodes[uid];
    if (!entry) return;
    entry.keys = keyId === undefined ? [] : entry.keys.filter((k) => k.keyId !== keyId);
    if (entry.keys.length === 0) delete this.nodes[uid];
    this.save(uid);
  }

  /**
   * A paired node's HELLO names `keyId`. When this workstation holds keys for the node but not that
   * one, another workstation paired it over the cable since: recorded (persisted) and returned, so
   * the Nodes page can say so. Undefined when the key is ours or the node was never paired here.
   */
  noteHello(uid: string, keyId: string): RePairNotice | undefined {
    const entry = this.nodes[uid];
    if (!entry || entry.keys.some((k) => k.keyId === keyId)) return undefined;
    if (entry.rePaired?.keyId !== keyId) {
      entry.rePaired = { keyId, seenAtMs: Date.now() };
      this.save(uid);
    }
    return this.rePaired(uid);
  }

  /** The recorded re-pair of `uid` by another workstation, if any. */
  rePaired(uid: string): RePairNotice | undefined {
    const entry = this.nodes[uid];
    if (!entry?.rePaired) return undefined;
    const who = entry.name ? `Node ${entry.name}` : `Node ${uid}`;
    return {
      uid,
      ...(entry.name ? { name: entry.name } : {}),
      keyId: entry.rePaired.keyId,
      ourKeyIds: entry.keys.map((k) => k.keyId),
      seenAtMs: entry.rePaired.seenAtMs,
      message: `${who} now shows key ${entry.rePaired.keyId}, not the one this workstation gave it: this node was re-paired by another workstation; by design anyone with the cable can re-pair it. Pair it again over the cable to use it from here.`,
    };
  }

  private warn(text: string): void {
    this.warnings.push(text);
    console.warn(`Vigil: ${text}`);
  }

  private changedOnDisk(): boolean {
    if (!this.dir) return false;
    try {
      const st = statSync(this.file!);
      return !this.seen || st.mtimeMs !== this.seen.mtimeMs || st.size !== this.seen.size;
    } catch {
      return this.seen !== undefined;
    }
  }

  /** Reads the file as it is now: repairs its mode, sets a corrupt one aside. */
  private readDisk(): { top: Record<string, unknown>; nodes: RawNodes } {
    const f = this.file!;
    if (!existsSync(f)) {
      this.seen = undefined;
      return { top: {}, nodes: {} };
    }
    const st = statSync(f);
    if ((st.mode & 0o077) !== 0) {
      const was = (st.mode & 0o777).toString(8).padStart(4, '0');
      try {
        chmodSync(f, 0o600);
        this.warn(`The pairing key file ${f} was readable by other users (mode ${was}); it is now 0600 (owner only). Anyone who read it could have signed commands to your nodes: re-pair them over the cable if that may have happened.`);
      } catch (e) {
        this.warn(`The pairing key file ${f} is readable by other users (mode ${was}) and could not be set to 0600 (${(e as Error).message}): set it to owner-only yourself.`);
      }
    }
    this.seen = { mtimeMs: st.mtimeMs, size: st.size };
    const text = readFileSync(f, 'utf8');
    let parsed: unknown;
    let problem = '';
    try {
      parsed = JSON.parse(text);
      if (!isObject(parsed) || parsed.version !== 1 || !isObject(parsed.nodes)) problem = 'it has an unknown layout';
    } catch (e) {
      problem = `it is not valid JSON (${(e as Error).message})`;
    }
    if (problem) {
      const aside = `${f}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      renameSync(f, aside);
      this.seen = undefined;
      this.warn(`The pairing key file was not readable: ${problem}. It was set aside as ${aside} and Vigil starts with no pairing keys; pair your nodes again over the cable (or restore the keys from that file).`);
      return { top: {}, nodes: {} };
    }
    const p = parsed as { nodes: RawNodes } & Record<string, unknown>;
    return { top: p, nodes: p.nodes };
  }

  private load(): void {
    this.raw = this.readDisk();
    const nodes: Record<string, NodeKeys> = {};
    for (const [uid, entry] of Object.entries(this.raw.nodes)) {
      const e = readEntry(uid, entry);
      if (e) nodes[uid] = e;
    }
    this.nodes = nodes;
    this.touched.clear();
  }

  /** Merges `uid`'s change into the file as it is now (other nodes as the file has them), then writes. */
  private save(uid: string): void {
    if (!this.dir) return;
    this.touched.add(uid);
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const disk = this.readDisk();
    const nodes: RawNodes = { ...disk.nodes };
    for (const t of this.touched) {
      const ours = this.nodes[t];
      if (!ours) {
        delete nodes[t];
        continue;
      }
      const before = isObject(disk.nodes[t]) ? (disk.nodes[t] as Record<string, unknown>) : isObject(this.raw.nodes[t]) ? (this.raw.nodes[t] as Record<string, unknown>) : {};
      // Keys of this node that this version cannot read stay in the file.
      const unreadable = Array.isArray(before.keys) ? before.keys.filter((k) => !readableKey(k)) : [];
      const rest = { ...before };
      delete rest.rePaired;
      nodes[t] = { ...rest, ...ours, keys: [...ours.keys, ...unreadable] };
    }
    const f = this.file!;
    const tmp = `${f}.${process.pid}.${Date.now()}.tmp`;
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      writeSync(fd, JSON.stringify({ ...disk.top, version: 1, nodes }, null, 2) + '\n');
      fsyncSync(fd);
    } catch (e) {
      closeSync(fd);
      unlinkSync(tmp);
      throw e;
    }
    closeSync(fd);
    chmodSync(tmp, 0o600); // whatever the umask
    renameSync(tmp, f);
    this.load();
  }
}
