#!/usr/bin/env python3
"""Prototype behind docs/analysis.md "Methods from the literature, tried on CWRU": envelope-spectrum
methods on the CWRU inner- and outer-race files, design subset (0.007" and 0.021") and held-out
files (0.014") reported apart. Development-time only; the app's method and the variants that went
into models/analysis are measured by `npm run bench -- envelope --json`.

The same rules as models/analysis/bandSelect.ts: 1 s segments (32,768 samples at 48 kHz) half
overlapping and averaged in power; the kurtogram's band tree from 2 × low-pass to 0.8 × Nyquist; the
envelope peak is the highest line between max(2 Hz, 2 bins) and the 500 Hz low-pass not within two
bins of a shaft harmonic; a file passes when it is within one bin of BPFI / BPFO.

usage: python3 scripts/envelope-methods.py [DATA_DIR] METHOD...
METHOD is one of
  env           the view's method: band by envelope SNR, Hilbert envelope
  ses           the same band choice, squared envelope
  full_env      envelope over 1–19.2 kHz (no band choice)      full_ses    squared, same band
  cpw_env       cepstrum pre-whitening of each segment, band by envelope SNR of the whitened signal
  cpw_full_env  CPW of each segment, envelope over 1–19.2 kHz  cpw_full_ses squared
  wcpw_full_env CPW of the whole record (one FFT), envelope over 1–19.2 kHz
  drs_env       discrete/random separation, then the view's band choice
  sk_env        band of highest spectral kurtosis, envelope
  drs_sk_ses    DRS, band of highest kurtosis, squared envelope (Smith and Randall's benchmark recipe)
  wcpw_sk_ses   whole-record CPW, band of highest kurtosis, squared envelope
DATA_DIR defaults to ../shared/data/cwru beside the repository.
"""
import os
import sys

import numpy as np
from scipy.signal import fftconvolve

FS = 48000
SHAFT = 1797 / 60
BPFI = 5.4152 * SHAFT
BPFO = 3.5848 * SHAFT
LOW_PASS = 500
SEG = 32768


def on_shaft(hz, df):
    n = np.round(hz / SHAFT)
    return (n >= 1) & (np.abs(hz - n * SHAFT) <= 2 * df)


def span(y, df):
    return max(1, int(np.ceil(max(2, 2 * df) / df))), min(len(y) - 1, int(np.floor(LOW_PASS / df)))


def peak(y, df):
    a, b = span(y, df)
    k = np.arange(a, b + 1)
    k = k[~on_shaft(k * df, df)]
    best = k[np.argmax(y[k])]
    return best * df, 20 * np.log10(y[best] / np.median(y[a:b + 1]))


def line_db(y, df, target):
    a, b = span(y, df)
    k0 = int(round(target / df))
    return 20 * np.log10(max(y[k0 - 1:k0 + 2]) / np.median(y[a:b + 1]))


def whiten(X):
    m = np.abs(X)
    m[m == 0] = 1
    return X / m


def env_spec(X, df, band, squared):
    f = np.fft.fftfreq(len(X), 1 / FS)
    e = np.abs(np.fft.ifft(X * np.where((f >= band[0]) & (f <= band[1]), 2.0, 0.0)))
    if squared:
        e = e * e
    e = e - e.mean()
    w = np.hanning(len(X) + 1)[:-1]
    return 2 * np.abs(np.fft.fft(e * w)[: int(LOW_PASS / df) + 1]) / w.sum()


def segments(x):
    n = min(SEG, 1 << int(np.log2(len(x))))
    return [x[a:a + n] for a in range(0, len(x) - n + 1, n // 2)]


def band_tree():
    nyq, out = FS / 2, set()
    for level in range(1, 13):
        for parts in (2 ** level, 3 * 2 ** (level - 1)):
            bw = nyq / parts
            if bw < 2 * LOW_PASS:
                continue
            for b in range(parts):
                if b * bw >= 2 * LOW_PASS - 1e-9 and (b + 1) * bw <= 0.8 * nyq + 1e-9:
                    out.add((b * bw, (b + 1) * bw))
    return sorted(out)


BANDS = band_tree()
FULL = (2 * LOW_PASS, 0.8 * FS / 2)


def averaged(x, band, squared, white):
    segs = segments(x)
    acc = 0
    for s in segs:
        X = np.fft.fft(s - s.mean())
        y = env_spec(whiten(X) if white else X, FS / len(s), band, squared)
        acc = acc + y * y
    return np.sqrt(acc / len(segs)), FS / len(segs[0])


def by_snr(x, squared, white):
    return max(BANDS, key=lambda b: peak(*averaged(x, b, squared, white))[1])


def by_kurtosis(x):
    def sk(b):
        m2 = m4 = n = 0
        for s in segments(x):
            f = np.fft.fftfreq(len(s), 1 / FS)
            p = np.abs(np.fft.ifft(np.fft.fft(s - s.mean()) * np.where((f >= b[0]) & (f <= b[1]), 2.0, 0.0))) ** 2
            m2, m4, n = m2 + p.sum(), m4 + (p * p).sum(), n + len(p)
        return (m4 / n) / (m2 / n) ** 2 - 2
    return max(BANDS, key=sk)


def drs(x, n=8192, delay=500, step=512):
    """Discrete/random separation (J. Antoni, R. B. Randall, MSSP 18 (2004) 103–117): the filter
    that predicts the signal from itself `delay` samples earlier keeps what is periodic."""
    num = np.zeros(n, complex)
    den = np.zeros(n, complex)
    w = np.hanning(n)
    for k in range(2 * n + delay, len(x) + 1, step):
        X = np.fft.fft(x[k - n:k] * w)
        Xd = np.fft.fft(x[k - 2 * n - delay:k - n - delay] * w)
        num += Xd * X.conj()
        den += Xd * Xd.conj()
    h = np.flip(np.fft.ifft(num / den).real)
    return (x - fftconvolve(x, h)[: len(x)])[n + delay:]


def whole_cpw(x):
    return np.fft.ifft(whiten(np.fft.fft(x - x.mean()))).real


def run(method, x):
    if method.startswith('drs_'):
        x = drs(x)
    if method.startswith('wcpw_'):
        x = whole_cpw(x)
    squared = method == 'ses' or method.endswith('_ses')
    white = method.startswith('cpw_')
    if 'full' in method:
        band = FULL
    elif '_sk_' in method or method.startswith('sk_'):
        band = by_kurtosis(x)
    else:
        band = by_snr(x, squared, white)
    y, df = averaged(x, band, squared, white)
    return band, y, df


def main():
    args = sys.argv[1:]
    here = os.path.dirname(os.path.abspath(__file__))
    data = os.path.join(here, '..', '..', 'shared', 'data', 'cwru')
    if args and os.path.isdir(args[0]):
        data = args.pop(0)
    if not args:
        sys.exit(__doc__)
    files = sorted(f for f in os.listdir(data) if f.startswith(('inner', 'outer')) and f.endswith('.csv'))
    for method in args:
        counts = {'design': 0, 'held out': 0}
        print(f'== {method}')
        for f in files:
            x = np.loadtxt(os.path.join(data, f), delimiter=',', skiprows=1, usecols=0)
            target = BPFI if f.startswith('inner') else BPFO
            subset = 'design' if ('_007mil_' in f or '_021mil_' in f) else 'held out'
            cells = []
            for name, part in (('1 s', x[:SEG]), ('averaged', x)):
                band, y, df = run(method, part)
                hz, _ = peak(y, df)
                ok = abs(hz - target) / df <= 1
                counts[subset] += ok
                cells.append(f'{name}: {band[0]:.0f}–{band[1]:.0f} Hz, peak {hz:.2f} Hz {"ok" if ok else "no"}, line {line_db(y, df, target):.1f} dB')
            print(f'{f.replace("_0hp_1797rpm_DE48.csv", ""):30s} {subset:8s} | ' + ' | '.join(cells), flush=True)
        print(f'{method}: design {counts["design"]} / 16, held out {counts["held out"]} / 4')


if __name__ == '__main__':
    main()
