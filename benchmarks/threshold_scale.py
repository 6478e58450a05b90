"""Benchmark for issue #23: ``panel_models.threshold`` with 2 thresholds and 300 bootstrap draws.

Synthetic data (seeded): ``--regions`` regions (default 3,000) x ``--periods`` (default 20), one control,
one regime-dependent regressor with slopes 1 and 2 around the threshold 0.5 of a uniform ``q``; xthreg's
defaults otherwise (``grid=300``, ``trim=0.05``).  Target: under 60 s.
Run: ``python benchmarks/threshold_scale.py [--regions 3000] [--periods 20] [--draws 300]``.
"""

from __future__ import annotations

import argparse
import os
import time

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import Point

from spillover.panel import SpatialPanel
from spillover.panel_models import threshold


def make_panel(n: int, periods: int, seed: int = 0) -> SpatialPanel:
    rng = np.random.default_rng(seed)
    ids = [f"c{i:05d}" for i in range(n)]
    q, r, x = rng.uniform(0, 1, (n, periods)), rng.normal(size=(n, periods)), rng.normal(size=(n, periods))
    y = rng.normal(size=(n, 1)) + 0.5 * x + np.where(q <= 0.5, 1.0, 2.0) * r + rng.normal(size=(n, periods))
    data = pd.DataFrame(
        {
            "id": np.repeat(ids, periods),
            "year": np.tile(np.arange(periods), n),
            "y": y.ravel(),
            "x": x.ravel(),
            "r": r.ravel(),
            "q": q.ravel(),
        }
    )
    geo = gpd.GeoDataFrame({"id": ids}, geometry=[Point(i % 100, i // 100) for i in range(n)])
    return SpatialPanel(data, geo, id="id", time="year")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--regions", type=int, default=3000)
    parser.add_argument("--periods", type=int, default=20)
    parser.add_argument("--draws", type=int, default=300)
    args = parser.parse_args()
    panel = make_panel(args.regions, args.periods)
    start = time.perf_counter()
    res = threshold(panel, "y", ["x"], "q", "r", n_thresholds=2, draws=args.draws, seed=0)
    elapsed = time.perf_counter() - start
    print(
        f"threshold: {args.regions} regions x {args.periods} periods, 2 thresholds, draws={args.draws}: "
        f"{elapsed:.2f} s (target < 60 s); load average {os.getloadavg()[0]:.1f}"
    )
    print(res.thresholds.round(4))
    print(res.tests.round(4))


if __name__ == "__main__":
    main()
