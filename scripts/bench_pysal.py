#!/usr/bin/env python3
"""The Gi* recipe of ../shared/data/README.md with PySAL esda, timed: the same work as
`quickclear analyze hotspots --res RES --bbox 41.60,-87.95,42.05,-87.50` on the same file.

1. read the CSV (gzip) and keep the rows with coordinates inside the box;
2. h3.latlng_to_cell at RES, count per cell; the study area is the occupied cells;
3. neighbours: grid disk k minus the cell itself, kept if in the study area; libpysal.weights.W;
4. esda.G_Local(counts, w, transform='B', star=True, permutations=0): analytic z-scores and normal
   p-values, as quickclear computes (esda's default 999 conditional permutations are other work).

Prints one JSON line: seconds for the imports, and for the work (steps 1-4 and writing the CSV) of
each repetition, wall-clock and CPU. With --check REFERENCE, also the largest |z - reference z|.
"""

import argparse
import json
import sys
import time
import warnings

started = time.perf_counter()
import esda  # noqa: E402
import h3  # noqa: E402
import libpysal  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

imported = time.perf_counter()
# libpysal warns that the k-ring weights have islands and disconnected components: expected here.
warnings.filterwarnings("ignore", category=UserWarning)

BOX = (41.60, -87.95, 42.05, -87.50)


def gi_star(path, res, k):
    frame = pd.read_csv(path, usecols=["latitude", "longitude"])
    located = frame.dropna()
    lat, lng = located["latitude"].to_numpy(), located["longitude"].to_numpy()
    inside = (lat >= BOX[0]) & (lat <= BOX[2]) & (lng >= BOX[1]) & (lng <= BOX[3])
    cells = [h3.latlng_to_cell(a, b, res) for a, b in zip(lat[inside], lng[inside])]
    counts = pd.Series(cells).value_counts()
    study = set(counts.index)
    order = sorted(study)
    neighbours = {
        cell: [n for n in h3.grid_disk(cell, k) if n != cell and n in study] for cell in order
    }
    w = libpysal.weights.W(neighbours, id_order=order, silence_warnings=True)
    y = counts.loc[order].to_numpy(dtype=float)
    g = esda.G_Local(y, w, transform="B", star=True, permutations=0)
    return pd.DataFrame({"h3": order, "count": y.astype(int), "z": g.Zs, "p": g.p_norm}), len(frame)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input")
    parser.add_argument("--res", type=int, default=8)
    parser.add_argument("--k", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--output", default=None, help="write h3,count,z,p here")
    parser.add_argument("--check", default=None, help="reference CSV (h3,count,z,...)")
    args = parser.parse_args()

    work, cpu = [], []
    for _ in range(args.repeat):
        began, began_cpu = time.perf_counter(), time.process_time()
        result, rows = gi_star(args.input, args.res, args.k)
        if args.output:
            result.to_csv(args.output, index=False)
        work.append(time.perf_counter() - began)
        cpu.append(time.process_time() - began_cpu)

    report = {
        "rows": rows,
        "cells": len(result),
        "imports_s": imported - started,
        "work_s": work,
        "work_cpu_s": cpu,
        "versions": {
            "esda": esda.__version__,
            "libpysal": libpysal.__version__,
            "h3": h3.__version__,
            "pandas": pd.__version__,
            "numpy": np.__version__,
            "python": sys.version.split()[0],
        },
    }
    if args.check:
        reference = pd.read_csv(args.check).set_index("h3")
        ours = result.set_index("h3")
        if set(reference.index) != set(ours.index):
            sys.exit(f"cells differ from {args.check}")
        report["max_abs_z_diff"] = float((ours["z"] - reference.loc[ours.index, "z"]).abs().max())
    print(json.dumps(report))


if __name__ == "__main__":
    main()
