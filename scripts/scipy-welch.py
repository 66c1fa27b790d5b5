#!/usr/bin/env python3
"""Independent reference for models/analysis/spectrum.ts: scipy.signal.welch of one CSV column.
Used by test/unit/models/analysis.test.ts when python3 with SciPy is installed (the test says so
when it is not). Development-time only, never a run-time dependency.

usage: python3 scripts/scipy-welch.py FILE.csv COLUMN RATE_HZ NPERSEG NOVERLAP [MAX_ROWS]
prints {"f": [...], "psd": [...], "scipy": "1.x"} on stdout.
"""
import csv
import json
import sys

import numpy as np
import scipy
from scipy.signal import welch


def main():
    path, column, fs, nperseg, noverlap = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    max_rows = int(sys.argv[6]) if len(sys.argv) > 6 else None
    with open(path, newline="") as fh:
        rows = csv.reader(fh)
        header = [h.strip() for h in next(rows)]
        c = header.index(column)
        x = []
        for row in rows:
            if max_rows is not None and len(x) >= max_rows:
                break
            x.append(float(row[c]))
    f, p = welch(np.asarray(x, dtype=np.float64), fs=fs, window="hann", nperseg=nperseg, noverlap=noverlap,
                 detrend="constant", scaling="density", average="mean", return_onesided=True)
    json.dump({"f": f.tolist(), "psd": p.tolist(), "scipy": scipy.__version__}, sys.stdout)


if __name__ == "__main__":
    main()
