// The pairing key file (main/node/keys.ts): permissions repaired, a corrupt file set aside, entries
// the app cannot read kept, two running instances that keep each other's keys, and a node that
// shows a key this workstation does not hold recorded as re-paired elsewhere.
import { chmodSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { KEY_FILE, KeyStore, keyIdHex } from '../../../main/node/keys';

const UID_A = '0123456789abcdef01234567';
const UID_B = 'fedcba9876543210fedcba98';
const key = (b: number) => new Uint8Array(32).fill(b);
const fresh = () => mkdtempSync(join(tmpdir(), 'vigil-keys-'));

afterEach(() => vi.restoreAllMocks());

describe('pairing key file', () => {
  it('repairs a key file readable by others to 0600 and says so', () => {
    const dir = fresh();
    new KeyStore(dir).add(UID_A, key(1));
    chmodSync(join(dir, KEY_FILE), 0o644);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const s = new KeyStore(dir);
    expect(statSync(join(dir, KEY_FILE)).mode & 0o777).toBe(0o600);
    expect(s.warnings.join('\n')).toMatch(/readable by other users.*0600/);
    expect(warn).toHaveBeenCalled();
    expect(s.find(UID_A, keyIdHex(key(1)))).toEqual(key(1));
  });

  it('a corrupt key file does not stop the app: it is set aside and the user is told', () => {
    const dir = fresh();
    writeFileSync(join(dir, KEY_FILE), '{"version":1,"nodes":{', { mode: 0o600 });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    let s: KeyStore | undefined;
    expect(() => (s = new KeyStore(dir))).not.toThrow();
    const aside = readdirSync(dir).filter((f) => f.startsWith(`${KEY_FILE}.corrupt-`));
    expect(aside).toHaveLength(1);
    expect(readFileSync(join(dir, aside[0]), 'utf8')).toBe('{"version":1,"nodes":{');
    expect(s!.warnings.join('\n')).toMatch(new RegExp(`not readable.*${aside[0].replace(/[.]/g, '\\.')}`));
    expect(warn).toHaveBeenCalled();
    s!.add(UID_A, key(2));
    expect(new KeyStore(dir).find(UID_A, keyIdHex(key(2)))).toEqual(key(2));
  });

  it('keeps entries it cannot read when it saves', () => {
    const dir = fresh();
    const odd = { keys: [{ key: 'zz', keyId: 'nothex', addedAtMs: 1 }], note: 'from a newer Vigil' };
    const file = { version: 1, nodes: { 'not-a-uid': odd, [UID_A]: { keys: [{ key: 'ab', keyId: '1', addedAtMs: 2 }] } } };
    writeFileSync(join(dir, KEY_FILE), JSON.stringify(file), { mode: 0o600 });
    new KeyStore(dir).add(UID_B, key(3));
    const back = JSON.parse(readFileSync(join(dir, KEY_FILE), 'utf8'));
    expect(back.nodes['not-a-uid']).toEqual(odd);
    expect(back.nodes[UID_A].keys).toEqual([{ key: 'ab', keyId: '1', addedAtMs: 2 }]);
    expect(back.nodes[UID_B].keys).toHaveLength(1);
  });

  it('two running instances keep each other\'s keys', () => {
    const dir = fresh();
    const one = new KeyStore(dir);
    const two = new KeyStore(dir);
    one.add(UID_A, key(4));
    two.add(UID_B, key(5));
    one.remove(UID_A);
    one.add(UID_A, key(6));
    const back = new KeyStore(dir);
    expect(back.find(UID_B, keyIdHex(key(5)))).toEqual(key(5));
    expect(back.find(UID_A, keyIdHex(key(6)))).toEqual(key(6));
    expect(back.find(UID_A, keyIdHex(key(4)))).toBeUndefined();
    // and one sees the key two stored without a restart
    expect(one.find(UID_B, keyIdHex(key(5)))).toEqual(key(5));
  });

  it('records a known node that shows a key this workstation does not hold (re-paired elsewhere)', () => {
    const dir = fresh();
    const s = new KeyStore(dir);
    s.add(UID_A, key(7));
    expect(s.noteHello(UID_A, keyIdHex(key(7)))).toBeUndefined();
    expect(s.noteHello(UID_B, keyIdHex(key(8)))).toBeUndefined(); // never paired here: nothing to say
    const n = s.noteHello(UID_A, keyIdHex(key(8)));
    expect(n).toMatchObject({ uid: UID_A, keyId: keyIdHex(key(8)), ourKeyIds: [keyIdHex(key(7))] });
    expect(n!.message).toMatch(/re-paired by another workstation; by design anyone with the cable can re-pair it/);
    expect(new KeyStore(dir).rePaired(UID_A)).toMatchObject({ keyId: keyIdHex(key(8)) });
    // pairing it again here clears the note
    s.add(UID_A, key(9));
    s.confirm(UID_A, keyIdHex(key(9)));
    expect(s.rePaired(UID_A)).toBeUndefined();
  });
});
