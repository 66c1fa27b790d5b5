/**
 * The interface language: chosen on the Settings panel, remembered on this laptop, and the
 * system's language (navigator.languages) until someone chooses. One i18next instance per
 * language (models/i18n); components read it through `useI18n()` and re-render when it changes.
 * Code outside React (charts, formatters) reads the current one through `t()` and `lang()`;
 * the App remounts its pages on a change, so charts pick up the new locale too (docs/i18n.md).
 */
import { useSyncExternalStore } from 'react';
import type { LabelKind } from '../../models/dataset/labels';
import { isLang, makeI18n, pickLang, type I18n, type Lang } from '../../models/i18n';

const KEY = 'vigil.language';
const listeners = new Set<() => void>();

function storedLang(): Lang | null {
  try {
    const v = localStorage.getItem(KEY);
    return isLang(v) ? v : null;
  } catch {
    return null;
  }
}

export function systemLang(): Lang {
  return pickLang(typeof navigator === 'undefined' ? [] : navigator.languages?.length ? navigator.languages : [navigator.language]);
}

let current: I18n = makeI18n(storedLang() ?? systemLang());
if (typeof document !== 'undefined') document.documentElement.lang = current.lang;

/** The language shown now. */
export function lang(): Lang {
  return current.lang;
}

/** Translates with the current language (for code outside components). */
export const t: I18n['t'] = ((...args: Parameters<I18n['t']>) => current.t(...args)) as I18n['t'];

/** Whether the technician chose a language, or Vigil follows the system's. */
export function languageChosen(): boolean {
  return storedLang() !== null;
}

/** Switches the interface language; `null` follows the system's language again. */
export function setLanguage(l: Lang | null): void {
  try {
    if (l) localStorage.setItem(KEY, l);
    else localStorage.removeItem(KEY);
  } catch {
    // Private mode or a full disk: the choice lasts until the page is reloaded.
  }
  const next = l ?? systemLang();
  if (next !== current.lang) {
    current = makeI18n(next);
    if (typeof document !== 'undefined') document.documentElement.lang = next;
  }
  for (const cb of listeners) cb();
}

export function useI18n(): I18n {
  return useSyncExternalStore(
    (cb) => {
      listeners.add(cb);
      return () => listeners.delete(cb);
    },
    () => current,
  );
}

/** A label kind in the interface language (the report's catalogue names them: report.label.*). */
export function labelName(kind: LabelKind): string {
  return t(`report.label.${kind}`);
}
