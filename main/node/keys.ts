/**
 * The app's pairing keys (docs/protocol.md 3.6, 6.2): one JSON file in the app's data folder,
 * readable by the user only (mode 0600, folder 0700), written atomically (a temporary file in the
 * same folder, fsync, rename), keyed by the node's uid.
 *
 * A node may hold more than one key here for a moment: nodes.pair stores the new key BEFORE it
 * sends PAIR (so a node that stored it but whose ACK was lost is not locked out), next to the key
 * the node had. Whichever key the node's HELLO names by key_id is the one used; once a HELLO
 * confirms a key, the others are forgotten (`confirm`).
 */
import { createHash } from 'node:crypto';
import { chmodSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
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

interface KeyFile {
  version: 1;
  nodes: Record<string, { name?: string; keys: StoredKey[] }>;
}

const UID_RE = /^[0-9a-f]{24}$/;

export class KeyStore {
  private data: KeyFile = { version: 1, nodes: {} };

  /** `dir` undefined: keys live in memory only (tests, or a host that has no data folder). */
  constructor(readonly dir?: string) {
    if (dir) this.load();
  }

  get file(): string | undefined {
    return this.dir ? join(this.dir, KEY_FILE) : undefined;
  }

  /** The key whose key_id is `keyId` for node `uid`, if the app holds it. */
  find(uid: string, keyId: string): Uint8Array | undefined {
    const k = this.data.nodes[uid]?.keys.find((s) => s.keyId === keyId);
    return k ? Uint8Array.from(Buffer.from(k.key, 'hex')) : undefined;
  }

  /** Adds a key for `uid` (kept next to any it has until one is confirmed); persists at once. */
  add(uid: string, key: Uint8Array, name?: string): string {
    if (!UID_RE.test(uid)) throw new Error(`not a node uid: ${uid}`);
    if (key.length !== 32) throw new Error('a pairing key is 32 bytes');
    const keyId = keyIdHex(key);
    const entry = (this.data.nodes[uid] ??= { keys: [] });
    entry.keys = entry.keys.filter((k) => k.keyId !== keyId);
    entry.keys.push({ key: Buffer.from(key).toString('hex'), keyId, addedAtMs: Date.now() });
    if (name) entry.name = name;
    this.save();
    return keyId;
  }

  /** The node's HELLO shows `keyId`: forget its other keys (persists when something changed). */
  confirm(uid: string, keyId: string): void {
    const entry = this.data.nodes[uid];
    if (!entry || !entry.keys.some((k) => k.keyId === keyId) || entry.keys.length === 1) return;
    entry.keys = entry.keys.filter((k) => k.keyId === keyId);
    this.save();
  }

  /** Removes one key (a PAIR the node refused), or every key of the node. */
  remove(uid: string, keyId?: string): void {
    const entry = this.data.nodes[uid];
    if (!entry) return;
    entry.keys = keyId === undefined ? [] : entry.keys.filter((k) => k.keyId !== keyId);
    if (entry.keys.length === 0) delete this.data.nodes[uid];
    this.save();
  }

  private load(): void {
    const f = this.file!;
    if (!existsSync(f)) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(f, 'utf8'));
    } catch (e) {
      throw new Error(`The pairing key file ${f} is not valid JSON (${(e as Error).message}); move it away to start with no keys`);
    }
    const p = parsed as Partial<KeyFile>;
    if (p?.version !== 1 || typeof p.nodes !== 'object' || p.nodes === null) {
      throw new Error(`The pairing key file ${f} has an unknown layout; move it away to start with no keys`);
    }
    const nodes: KeyFile['nodes'] = {};
    for (const [uid, entry] of Object.entries(p.nodes)) {
      if (!UID_RE.test(uid) || !Array.isArray(entry?.keys)) continue;
      const keys = entry.keys.filter(
        (k) => typeof k?.key === 'string' && /^[0-9a-f]{64}$/.test(k.key) && keyIdHex(Buffer.from(k.key, 'hex')) === k.keyId,
      );
      if (keys.length) nodes[uid] = { ...(typeof entry.name === 'string' ? { name: entry.name } : {}), keys };
    }
    this.data = { version: 1, nodes };
  }

  private save(): void {
    if (!this.dir) return;
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const f = this.file!;
    const tmp = `${f}.${process.pid}.${Date.now()}.tmp`;
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      writeSync(fd, JSON.stringify(this.data, null, 2) + '\n');
      fsyncSync(fd);
    } catch (e) {
      closeSync(fd);
      unlinkSync(tmp);
      throw e;
    }
    closeSync(fd);
    chmodSync(tmp, 0o600); // whatever the umask
    renameSync(tmp, f);
  }
}
