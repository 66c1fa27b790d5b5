/**
 * Translations for every room: one i18next instance per language, strings in catalogue files a
 * translator edits (models/i18n/locales/{lang}/{area}.json, one namespace per area of the app).
 * Numbers, dates and units follow the language through Intl (decimal comma in Spanish). The
 * renderer and the CLI both call `makeI18n`; docs/i18n.md says how to add a screen or a language.
 */
import i18next, { type TFunction } from 'i18next';
import en from './locales/en/index';
import es from './locales/es/index';

export const LANGUAGES = ['en', 'es'] as const;
export type Lang = (typeof LANGUAGES)[number];
export const CATALOGUES: Record<Lang, Record<string, unknown>> = { en, es };

export function isLang(x: unknown): x is Lang {
  return typeof x === 'string' && (LANGUAGES as readonly string[]).includes(x);
}

/**
 * The first of the system's preferred languages ("es-MX", "en-GB", ...) that Vigil speaks, by its
 * primary subtag; English when none is.
 */
export function pickLang(preferred: readonly string[]): Lang {
  for (const p of preferred) {
    const primary = p.toLowerCase().split(/[-_]/)[0];
    if (isLang(primary)) return primary;
  }
  return 'en';
}

export interface I18n {
  lang: Lang;
  t: TFunction;
  /** A number with `digits` decimals, grouped and with the language's decimal mark. */
  num(x: number, digits?: number): string;
  /** A date and time in UTC (the report says "UTC" once; laptops in one plant may differ). */
  dateTime(ms: number): string;
  date(ms: number): string;
}

/** A separate instance per call, so two reports in two languages never share state. */
export function makeI18n(lang: Lang): I18n {
  const inst = i18next.createInstance();
  void inst.init({
    lng: lang,
    fallbackLng: false,
    initAsync: false,
    resources: { en: { translation: en }, es: { translation: es } },
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  const numFmt = new Map<number, Intl.NumberFormat>();
  const dt = new Intl.DateTimeFormat(lang, { timeZone: 'UTC', year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const d = new Intl.DateTimeFormat(lang, { timeZone: 'UTC', year: 'numeric', month: 'short', day: 'numeric' });
  return {
    lang,
    t: inst.t.bind(inst) as TFunction,
    num(x, digits = 2) {
      if (!Number.isFinite(x)) return '—';
      let f = numFmt.get(digits);
      if (!f) numFmt.set(digits, (f = new Intl.NumberFormat(lang, { minimumFractionDigits: digits, maximumFractionDigits: digits })));
      return f.format(x);
    },
    dateTime: (ms) => `${dt.format(ms)} UTC`,
    date: (ms) => d.format(ms),
  };
}

/** Every key path of a catalogue ("report.title", ...), for the completeness test. */
export function keyPaths(o: Record<string, unknown>, prefix = ''): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(o)) {
    const p = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object') out.push(...keyPaths(v as Record<string, unknown>, p));
    else out.push(p);
  }
  return out.sort();
}
