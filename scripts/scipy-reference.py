#!/usr/bin/env python3
"""Independent reference for the feature definitions in docs/features.md, computed with NumPy and
SciPy (scipy.signal.welch) on a shipped recording. Writes test/vectors/features_scipy.json, which
test/unit/models/features.test.ts compares the TypeScript features against.

SciPy is a development-time reference only, never a run-time dependency: the JSON is committed.
Run: python3 -m pip install scipy numpy && python3 scripts/scipy-reference.py
"""
import csv
import json
import math
import os

import numpy as np
import scipy
from scipy.signal import welch

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
CSV = os.path.join(ROOT, "data", "demo", "cwru_normal_0hp_1797rpm_48k_1s.csv")
OUT = os.path.join(ROOT, "test", "vectors", "features_scipy.json")
G = 9.80665


def band_edges(seg, bands):
    # Same rule as models/features/spec.ts logBandEdges, written out independently.
    k_hi = seg // 2
    r = (k_hi + 1) ** (1.0 / bands)
    e = [1]
    for b in range(1, bands):
        want = int(math.floor(r ** b + 0.5))
        room = k_hi + 1 - (bands - b)
        e.append(min(room, max(e[-1] + 1, want)))
    e.append(k_hi + 1)
    return e


def features(x, fs, seg):
    d = x - x.mean()
    m2 = np.mean(d ** 2)
    m4 = np.mean(d ** 4)
    rms = math.sqrt(m2)
    peak = float(np.max(np.abs(d)))
    f, p = welch(x, fs=fs, window="hann", nperseg=seg, noverlap=seg // 2, detrend="constant", scaling="density")
    df = f[1] - f[0]
    sel = (f >= 10) & (f <= 1000) & (f > 0)
    v = math.sqrt(float(np.sum(p[sel] * df * (G * 1000) ** 2 / (2 * np.pi * f[sel]) ** 2)))
    edges = band_edges(seg, 32)
    bands = [math.log10(float(np.sum(p[edges[b]:edges[b + 1]])) * df + 1e-12) for b in range(32)]
    return {
        "rms": rms,
        "peak": peak,
        "crest": peak / rms,
        "kurtosis": m4 / m2 ** 2,
        "velocityRmsMmS": v,
        "psd": [float(z) for z in p],
        "logBands": bands,
        "bandEdges": edges,
    }


def main():
    with open(CSV) as fh:
        rows = list(csv.reader(fh))[1:]
    # The app holds samples as float32: round them the same way first.
    de = np.array([float(r[0]) for r in rows[:4096]], dtype=np.float32).astype(np.float64)
    fs, n, hop = 48000, 1024, 512
    cases = []
    for seg in (1024, 256):
        for k in range(0, 7):
            x = de[k * hop : k * hop + n]
            cases.append({"segmentLen": seg, "windowIndex": k, **features(x, fs, seg)})
    out = {
        "generator": "scripts/scipy-reference.py v1",
        "scipy": scipy.__version__,
        "numpy": np.__version__,
        "source": "data/demo/cwru_normal_0hp_1797rpm_48k_1s.csv, column DE_accel, first 4096 rows as float32",
        "sampleRateHz": fs,
        "windowLen": n,
        "hop": hop,
        "bandCount": 32,
        "cases": cases,
    }
    with open(OUT, "w") as fh:
        json.dump(out, fh, indent=0)
        fh.write("\n")
    print("wrote", OUT, len(cases), "cases")


if __name__ == "__main__":
    main()
