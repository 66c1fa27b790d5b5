// The interface's translations: every key in both languages with the same placeholders, the
// request error codes, the system-language default, and numbers and dates in Spanish.
import { afterEach, describe, expect, it } from 'vitest';
import { API_ERROR_CODES } from '../../../models/api/contract';
import { CATALOGUES, keyPaths, LANGUAGES, makeI18n, pickLang } from '../../../models/i18n';
import { errorText, plainMessage, RequestError } from '../../../renderer/src/api/errors';
import { formatBytes, formatDateTime, formatFixed, formatG, formatHz, formatUsAsMs } from '../../../renderer/src/format';
import { lang, setLanguage } from '../../../renderer/src/i18n';

const value = (o: Record<string, unknown>, path: string) => path.split('.').reduce<unknown>((x, k) => (x as Record<string, unknown>)[k], o) as string;
const placeholders = (s: string) => [...s.matchAll(/\{\{\s*([\w.]+)[^}]*\}\}/g)].map((m) => m[1]).sort();

describe('interface catalogues', () => {
  const en = keyPaths(CATALOGUES.en);

  it('have every key in every language, none empty', () => {
    expect(en.length).toBeGreaterThan(500);
    for (const l of LANGUAGES) {
      const keys = keyPaths(CATALOGUES[l]);
      expect({ lang: l, missing: en.filter((k) => !keys.includes(k)), extra: keys.filter((k) => !en.includes(k)) }).toEqual({ lang: l, missing: [], extra: [] });
      for (const k of keys) expect(value(CATALOGUES[l], k).trim(), `${l}: ${k}`).not.toBe('');
    }
  });

  it('use the same placeholders in every language', () => {
    const wrong = LANGUAGES.flatMap((l) => en.filter((k) => placeholders(value(CATALOGUES[l], k)).join() !== placeholders(value(CATALOGUES.en, k)).join()).map((k) => `${l}: ${k}`));
    expect(wrong).toEqual([]);
  });

  it('can fail: a key missing in Spanish is found', () => {
    const es = structuredClone(CATALOGUES.es) as { nodes: Record<string, unknown> };
    delete es.nodes.title;
    expect(en.filter((k) => !keyPaths(es).includes(k))).toEqual(['nodes.title']);
  });

  it('translate plurals by count', () => {
    expect(makeI18n('en').t('live.windowGaps', { count: 1, n: '1' })).toBe('1 measurement missing');
    expect(makeI18n('es').t('live.windowGaps', { count: 3, n: '3' })).toBe('3 mediciones perdidas');
  });
});

describe('interface language', () => {
  afterEach(() => setLanguage('en'));

  it('defaults to the first system language Vigil speaks', () => {
    expect(pickLang(['es-MX', 'en-US'])).toBe('es');
    expect(pickLang(['de-DE', 'es_ES'])).toBe('es');
    expect(pickLang(['fr-FR', 'de'])).toBe('en');
    expect(pickLang([])).toBe('en');
  });

  it('shows every API error code as a sentence in Spanish, keeping the host detail', () => {
    setLanguage('es');
    expect(lang()).toBe('es');
    for (const code of API_ERROR_CODES) {
      const text = errorText(code, 'detalle');
      expect(text, code).toMatch(/ \(detalle\)$/);
      expect(text, code).not.toBe(makeI18n('en').t(`errors.code.${code}`) + ' (detalle)');
    }
    expect(plainMessage(new RequestError('port-busy', '/dev/ttyUSB0 is busy'))).toBe('Otro programa está usando el puerto. (/dev/ttyUSB0 is busy)');
    setLanguage('en');
    expect(plainMessage(new RequestError('port-busy', '/dev/ttyUSB0 is busy'))).toBe('/dev/ttyUSB0 is busy');
    expect(errorText('timeout', '')).toBe('No answer in time.');
  });

  it('formats numbers, units and dates in the chosen language', () => {
    setLanguage('es');
    expect(formatFixed(1234.5, 2)).toBe('1234,50');
    expect(formatFixed(12345.5, 1)).toBe('12.345,5');
    expect(formatG(0.8412)).toBe('0,841 g');
    expect(formatHz(25_600)).toBe('25,6 kHz');
    expect(formatBytes(38_200_000)).toBe('38,2 MB');
    expect(formatUsAsMs(840)).toBe('0,84 ms');
    expect(formatDateTime(new Date(2026, 2, 1, 14, 3, 7).getTime())).toMatch(/^1 mar 2026, 14:03:07$/);
    setLanguage('en');
    expect(formatFixed(1234.5, 2)).toBe('1,234.50');
    expect(formatG(0.8412)).toBe('0.841 g');
    expect(formatDateTime(new Date(2026, 2, 1, 14, 3, 7).getTime())).toMatch(/^Mar 1, 2026, 14:03:07$/);
  });
});
