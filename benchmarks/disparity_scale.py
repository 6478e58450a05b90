"""Benchmark for issue #21: ``disparity.dagum_gini`` at county scale with the bootstrap.

Synthetic data (seeded): ``--regions`` regions (default 3,000) x ``--periods`` (default 20) in 4 groups
(East/Central/West/Northeast in turn), log-normal values with group-specific means; ``draws=999``.
Target: under 10 s.  Run: ``python benchmarks/disparity_scale.py [--regions 3000] [--draws 999]``.
"""

from __future__ import annotations

import argparse
import os
import time

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import Point

from spillover.disparity import dagum_gini
from spillover.panel import SpatialPanel

GROUPS = ["East", "Central", "West", "Northeast"]


def make_panel(n: int, periods: int, seed: int = 0) -> SpatialPanel:
    rng = np.random.default_rng(seed)
    ids = [f"c{i:05d}" for i in range(n)]
    group = np.arange(n) % 4
    geo = gpd.GeoDataFrame(
        {"id": ids, "region4": [GROUPS[g] for g in group]},
        geometry=[Point(i % 100, i // 100) for i in range(n)],
    )
    level = np.array([0.6, 0.2, 0.0, 0.3])[group]
    y = np.exp(level[:, None] + 0.02 * np.arange(periods) + rng.normal(0, 0.5, (n, periods)))
    data = pd.DataFrame(
        {"id": np.repeat(ids, periods), "year": np.tile(np.arange(periods), n), "gdp_pc": y.ravel()}
    )
    return SpatialPanel(data, geo, id="id", time="year")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--regions", type=int, default=3000)
    parser.add_argument("--periods", type=int, default=20)
    parser.add_argument("--draws", type=int, default=999)
    args = parser.parse_args()
    panel = make_panel(args.regions, args.periods)
    start = time.perf_counter()
    res = dagum_gini(panel, "gdp_pc", "region4", draws=args.draws, seed=0)
    elapsed = time.perf_counter() - start
    print(
        f"dagum_gini: {args.regions} regions x {args.periods} periods x 4 groups, draws={args.draws}: "
        f"{elapsed:.2f} s (target < 10 s); load average {os.getloadavg()[0]:.1f}"
    )
    print(res.to_frame().head(3).round(4))


if __name__ == "__main__":
    main()
