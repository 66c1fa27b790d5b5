/**
 * The Training page's data check in the technician's language: the feature spec and each class's
 * amount, from the structured results of models/train/stored.ts (which keeps its English `say`
 * for the CLI). Runs in the page and in the training worker (both have the language).
 */
import type { ClassAmount, StoredSpec } from '../../../models/train/stored';
import { FAULT_MIN_SECONDS, NORMAL_ENOUGH_SECONDS, NORMAL_MIN_SECONDS } from '../../../models/train/stored';
import { lang, t } from '../i18n';

const sig = (x: number, digits: number) => new Intl.NumberFormat(lang(), { maximumSignificantDigits: digits, useGrouping: false }).format(x);

/** "5.8 s", "10 min", "1.5 h" (two significant digits, three for hours), in the language. */
export function durationWords(s: number): string {
  if (s < 60) return `${sig(s, 2)} s`;
  if (s < 3600) return `${sig(s / 60, 2)} min`;
  return `${sig(s / 3600, 3)} h`;
}

/** "48 kHz, 2 axes (DE_accel, FE_accel), windows of 1024 samples every 512, 32 bands per axis". */
export function specWords(s: StoredSpec): string {
  const rate = s.sampleRateHz >= 1000 ? `${sig(s.sampleRateHz / 1000, 4)} kHz` : `${s.sampleRateHz} Hz`;
  return t('verdict.data.spec', { rate, axes: t('verdict.data.axes', { count: s.channels.length }), channels: s.channels.join(', '), window: s.windowLen, hop: s.hop, bands: s.bandCount });
}

const AMOUNT_KEY = { 'too little': 'tooLittle', little: 'little', enough: 'enough' } as const;

/** The badge word of an amount ("too little", "little", "enough"). */
export function amountWord(a: ClassAmount['amount']): string {
  return t(`verdict.data.amount.${AMOUNT_KEY[a]}`);
}

/** The sentence beside a class: how much it has and whether that is enough. */
export function amountSentence(c: ClassAmount): string {
  const time = durationWords(c.seconds);
  const k = AMOUNT_KEY[c.amount];
  if (c.use === 'train') return t(`verdict.data.normal.${k}`, { time, min: durationWords(NORMAL_MIN_SECONDS), enough: durationWords(NORMAL_ENOUGH_SECONDS) });
  return t(`verdict.data.fault.${k}`, { time, periods: t('verdict.data.periods', { count: c.runs }), min: durationWords(FAULT_MIN_SECONDS) });
}
