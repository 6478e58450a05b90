"""Benchmark for issue #22: ``spatial.model_probabilities`` on a lattice beyond the dense path.

Synthetic data (seeded): a ``--side`` x ``--side`` lattice (default 50: 2,500 regions, above the 1,000 of
the dense path, so log-determinants are sparse LU factorisations) x ``--periods`` (default 5), an SDM with
queen W (rho 0.5), unit effects; five kinds x two candidate W (queen, 6 nearest neighbours).
Run: ``python benchmarks/model_choice_scale.py [--side 50] [--periods 5]``.

Measured on a busy machine (load average about 11 on 2 shared cores): 2,500 regions x 5 periods in 13.5 s
(242 s before the window and the Chebyshev interpolant of the log-determinant); 900 regions in 41 s, of
which 32 s are the dense eigen-decompositions of the two W (the operator the models share).
"""

from __future__ import annotations

import argparse
import os
import time

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
from libpysal.graph import Graph
from scipy.sparse.linalg import spsolve
from shapely.geometry import box

from spillover.panel import SpatialPanel
from spillover.spatial import model_probabilities


def make_panel(side: int, periods: int, seed: int = 0) -> tuple[SpatialPanel, Graph, Graph]:
    n = side * side
    ids = [f"r{i:05d}" for i in range(n)]
    geo = gpd.GeoDataFrame(
        {"r": ids}, geometry=[box(i % side, i // side, i % side + 1, i // side + 1) for i in range(n)]
    ).set_index("r")
    queen = Graph.build_contiguity(geo, rook=False).transform("r")
    knn = Graph.build_knn(geo.representative_point(), k=6).transform("r")
    pos = queen.unique_ids.get_indexer(geo.index)
    w = queen.sparse.tocsr()[pos][:, pos]
    a = (sp.identity(n) - 0.5 * w).tocsc()
    rng = np.random.default_rng(seed)
    mu = rng.normal(size=n)
    rows = []
    for t in range(periods):
        x1, x2 = rng.normal(size=n), rng.normal(size=n)
        y = spsolve(a, x1 - 0.5 * x2 + w @ (0.8 * x1 + 0.6 * x2) + mu + 0.5 * rng.normal(size=n))
        rows.append(pd.DataFrame({"r": ids, "t": t, "x1": x1, "x2": x2, "y": y}))
    return SpatialPanel(pd.concat(rows), geo.reset_index(), id="r", time="t"), queen, knn


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--side", type=int, default=50)
    parser.add_argument("--periods", type=int, default=5)
    args = parser.parse_args()
    panel, queen, knn = make_panel(args.side, args.periods)
    start = time.perf_counter()
    res = model_probabilities(panel, "y", ["x1", "x2"], {"queen": queen, "knn6": knn}, fixed_effects="unit")
    elapsed = time.perf_counter() - start
    print(
        f"model_probabilities: {args.side**2} regions x {args.periods} periods, 5 kinds x 2 W: "
        f"{elapsed:.1f} s; load average {os.getloadavg()[0]:.1f}"
    )
    print(res.to_frame().round(4))


if __name__ == "__main__":
    main()
