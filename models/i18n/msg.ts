/**
 * A sentence made in models/ as data, so each room says it in its own language: a catalogue key and
 * its parameters. Numbers stay numbers until a room renders them with its own formatter (the CLI
 * in plain English digits, the renderer through renderer/src/format.ts); a parameter may itself
 * be a sentence, or a list of them joined with commas.
 */
import { makeI18n, type I18n } from './index';

/** A number to be formatted by the room; `sig` rounds it to that many significant digits first. */
export interface MsgNum {
  num: number;
  sig?: number;
}
export type MsgParam = string | MsgNum | Msg | Msg[];
export interface Msg {
  key: string;
  params?: Record<string, MsgParam>;
  /** The plural count (i18next's `count`), passed as a raw number. */
  count?: number;
}

export interface MsgWords {
  t: (key: string, params?: Record<string, unknown>) => string;
  /** A number already rounded as asked, in the room's language. */
  num: (x: number) => string;
}

export const msg = (key: string, params?: Record<string, MsgParam>, count?: number): Msg => (count === undefined ? { key, params } : { key, params, count });
export const numOf = (num: number, sig?: number): MsgNum => (sig === undefined ? { num } : { num, sig });

const isMsg = (p: MsgParam): p is Msg => typeof p === 'object' && !Array.isArray(p) && 'key' in p;

export function renderMsg(m: Msg, w: MsgWords): string {
  const params: Record<string, unknown> = {};
  for (const [k, p] of Object.entries(m.params ?? {})) {
    if (typeof p === 'string') params[k] = p;
    else if (Array.isArray(p)) params[k] = p.map((x) => renderMsg(x, w)).join(', ');
    else if (isMsg(p)) params[k] = renderMsg(p, w);
    else params[k] = w.num(p.sig === undefined ? p.num : Number(p.num.toPrecision(p.sig)));
  }
  if (m.count !== undefined) params.count = m.count;
  return w.t(m.key, params);
}

let english: I18n | null = null;
/** English with plain digits ("1200", "0.05"), as the CLI and the stored records have always said it. */
export function englishWords(): MsgWords {
  english ??= makeI18n('en');
  return { t: (key, params) => english!.t(key, params) as string, num: (x) => String(x) };
}

export const inEnglish = (m: Msg): string => renderMsg(m, englishWords());

/** A sentence that is only text (a message from outside Vigil's catalogue), said as written. */
export const plainMsg = (text: string): Msg => msg('problems.plain', { text });

const isMsgValue = (x: unknown): x is Msg => typeof x === 'object' && x !== null && !Array.isArray(x) && typeof (x as Msg).key === 'string';

/** The sentence an error carries as data (`BundleError.msg`, `CsvError.msg`, …), if it carries one. */
export function msgOf(e: unknown): Msg | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const m = (e as { msg?: unknown }).msg;
  return isMsgValue(m) ? m : undefined;
}

/**
 * An error whose sentence is data: `msg` (a catalogue key and its parameters) for the app to say
 * in its language, `message` the same in English for the CLI and logs. A plain string still works
 * (said as written in every language).
 */
export class MsgError extends Error {
  readonly msg: Msg;
  constructor(m: Msg | string) {
    super(typeof m === 'string' ? m : inEnglish(m));
    this.msg = typeof m === 'string' ? plainMsg(m) : m;
  }
}
