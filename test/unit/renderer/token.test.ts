import { describe, expect, it } from 'vitest';
import { socketUrl, takeToken } from '../../../renderer/src/api/token';

function memoryStorage(initial: Record<string, string> = {}) {
  const data = new Map(Object.entries(initial));
  return { getItem: (k: string) => data.get(k) ?? null, setItem: (k: string, v: string) => void data.set(k, v), data };
}

describe('takeToken', () => {
  it('moves the token from the address bar into session storage', () => {
    const storage = memoryStorage();
    const replaced: string[] = [];
    const token = takeToken({ href: 'http://127.0.0.1:5170/?token=abc123&x=1#/live', storage, replaceUrl: (u) => replaced.push(u) });
    expect(token).toBe('abc123');
    expect(storage.data.get('vigil.token')).toBe('abc123');
    expect(replaced).toEqual(['/?x=1#/live']);
  });

  it('uses the stored token after a reload, without touching the URL', () => {
    const storage = memoryStorage({ 'vigil.token': 'kept' });
    const replaced: string[] = [];
    expect(takeToken({ href: 'http://127.0.0.1:5170/#/nodes', storage, replaceUrl: (u) => replaced.push(u) })).toBe('kept');
    expect(replaced).toEqual([]);
  });

  it('returns null when there is no token anywhere', () => {
    expect(takeToken({ href: 'http://127.0.0.1:5170/', storage: memoryStorage(), replaceUrl: () => {} })).toBeNull();
  });
});

describe('socketUrl', () => {
  it('points at /api on the page host, with the token escaped', () => {
    expect(socketUrl('http://127.0.0.1:5170/#/live', 'a b&c')).toBe('ws://127.0.0.1:5170/api?token=a%20b%26c');
    expect(socketUrl('https://vigil.local/', 't')).toBe('wss://vigil.local/api?token=t');
    expect(socketUrl('http://localhost:1/', null)).toBe('ws://localhost:1/api');
  });
});
