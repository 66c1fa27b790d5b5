/**
 * Sentences made in models/ as a key and numbers (models/i18n/msg.ts), said in the interface
 * language: words from the catalogue, numbers through format.ts (decimal comma in Spanish).
 */
import { msgOf, renderMsg, type Msg, type MsgWords } from '../../models/i18n/msg';
import { formatNumber } from './format';
import { t } from './i18n';

/** The room's words; numbers arrive already rounded, so up to 6 decimals keeps every digit. */
export function msgWords(): MsgWords {
  return { t: (key, params) => t(key, params), num: (x) => formatNumber(x, 6) };
}

export const say = (m: Msg): string => renderMsg(m, msgWords());

/**
 * An error in the interface language: its sentence when it carries one (models/' errors keep a
 * `msg` beside the English `.message`), otherwise its message as thrown.
 */
export function sayError(e: unknown): string {
  const m = msgOf(e);
  if (m) return say(m);
  return e instanceof Error ? e.message : String(e);
}
