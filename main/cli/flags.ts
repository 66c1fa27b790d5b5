/** What the vigil subcommands share: their flag parser, the usage error, the training split, the output channel. */
import type { Rounding } from '../../models/nn/types';
import type { SplitFractions } from '../../models/train/dataset';

export class UsageError extends Error {
  override name = 'UsageError';
}

export type Flags = Record<string, string | true>;

export function parseFlags(argv: string[], known: Record<string, 'value' | 'bool'>): { flags: Flags; positional: string[] } {
  const flags: Flags = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const [name, inline] = a.slice(2).split(/=(.*)/s, 2);
    const kind = known[name];
    if (!kind) throw new UsageError(`unknown option --${name} (see vigil --help)`);
    if (kind === 'bool') flags[name] = true;
    else {
      const v = inline ?? argv[++i];
      if (v === undefined || (inline === undefined && v.startsWith('--'))) throw new UsageError(`--${name} needs a value`);
      flags[name] = v;
    }
  }
  return { flags, positional };
}

export function intFlag(f: Flags, name: string, lo: number, hi: number): number | undefined {
  const v = f[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || !/^-?\d+$/.test(v) || n < lo || n > hi) throw new UsageError(`--${name} needs a whole number from ${lo} to ${hi}`);
  return n;
}

export function roundingFlag(f: Flags): Rounding | undefined {
  const v = f.rounding;
  if (v === undefined) return undefined;
  if (v !== 'single' && v !== 'double') throw new UsageError("--rounding is single (current LiteRT) or double (TFLite's classic form)");
  return v;
}

export const SPLIT: SplitFractions = { testFraction: 0.4, valFraction: 0.25 };

export interface Out {
  log: (s: string) => void;
  progress: (s: string) => void;
}

export const fmt = (x: number | null | undefined, d = 4) => (x === null || x === undefined || Number.isNaN(x) ? '—' : x.toFixed(d));
