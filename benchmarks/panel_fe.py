"""Benchmark: two-way fixed effects with region-clustered errors at scale, and the mediation bootstrap.

* ``spillover.panel_models.fixed_effects`` on a synthetic balanced panel of 5,000 regions x 200 periods
  (10^6 rows, 3 regressors), region-clustered CR1 errors, against pyfixest's ``feols`` called directly on
  the same long DataFrame.  Target (issue #9): within 2x of pyfixest.  The first pyfixest call of a
  process compiles its kernels, so both are warmed up once on a small panel and then timed best of
  ``--repeat``.
* ``spillover.panel_models.mediation`` on a 31 x 19 province-sized panel with 1,000 cluster-bootstrap
  draws.  Target: under 10 s.

Run: ``python benchmarks/panel_fe.py [--regions 5000] [--periods 200] [--repeat 2]``.
"""

from __future__ import annotations

import argparse
import time

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import Point

from spillover.panel import SpatialPanel
from spillover.panel_models import fixed_effects, mediation


def synthetic(n: int, t: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    mu = np.repeat(rng.normal(size=n), t)
    lam = np.tile(rng.normal(size=t), n)
    x = rng.normal(size=(n * t, 3)) + 0.5 * mu[:, None]
    m = 0.5 * x[:, 0] + mu + lam + rng.normal(size=n * t)
    y = 1.0 * x[:, 0] - 0.5 * x[:, 1] + 0.3 * m + mu + lam + rng.normal(size=n * t)
    return pd.DataFrame(
        {
            "region": np.repeat(np.arange(n), t),
            "year": np.tile(np.arange(t), n),
            "y": y,
            "m": m,
            "x1": x[:, 0],
            "x2": x[:, 1],
            "x3": x[:, 2],
        }
    )


def as_panel(frame: pd.DataFrame) -> SpatialPanel:
    ids = frame["region"].unique()
    geo = gpd.GeoDataFrame({"region": ids}, geometry=[Point(float(i), 0.0) for i in ids])
    return SpatialPanel(frame, geo, id="region", time="year")


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def bench_fe(n: int, t: int, repeat: int) -> None:
    import pyfixest as pf

    small = synthetic(50, 10, seed=1)
    fixed_effects(as_panel(small), "y", ["x1", "x2", "x3"])  # warm-up (pyfixest compiles its kernels)
    pf.feols("y ~ x1 + x2 + x3 | region + year", data=small, vcov={"CRV1": "region"})
    frame = synthetic(n, t)
    t0 = time.perf_counter()
    panel = as_panel(frame)
    t_panel = time.perf_counter() - t0
    ours = best(lambda: fixed_effects(panel, "y", ["x1", "x2", "x3"]), repeat)
    direct = best(
        lambda: pf.feols("y ~ x1 + x2 + x3 | region + year", data=frame, vcov={"CRV1": "region"}), repeat
    )
    res = fixed_effects(panel, "y", ["x1", "x2", "x3"])
    fit = pf.feols("y ~ x1 + x2 + x3 | region + year", data=frame, vcov={"CRV1": "region"})
    diff = float(np.max(np.abs(res.params.to_numpy() - fit.coef().to_numpy())))
    print(f"two-way FE, {n} regions x {t} periods = {n * t:,} rows, CRV1 by region")
    print(f"  SpatialPanel construction (once): {t_panel:.2f} s")
    print(
        f"  spillover fixed_effects: {ours:.2f} s   pyfixest feols direct: {direct:.2f} s   "
        f"ratio {ours / direct:.2f} (target <= 2)   max |coef diff| {diff:.1e}"
    )


def bench_mediation(draws: int) -> None:
    panel = as_panel(synthetic(31, 19, seed=2))
    mediation(panel, "x1", "m", "y", controls=["x2"], draws=10, seed=0, progress=False)  # warm-up
    t0 = time.perf_counter()
    res = mediation(panel, "x1", "m", "y", controls=["x2"], draws=draws, seed=0, progress=False)
    took = time.perf_counter() - t0
    print(
        f"mediation, 31 x 19 panel, {draws} cluster-bootstrap draws: {took:.2f} s (target < 10 s); "
        f"a*b = {res.indirect:.4f}, BC 95% CI [{res.ci['bc'][0]:.4f}, {res.ci['bc'][1]:.4f}]"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regions", type=int, default=5000)
    parser.add_argument("--periods", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--draws", type=int, default=1000)
    args = parser.parse_args()
    bench_mediation(args.draws)
    bench_fe(args.regions, args.periods, args.repeat)


if __name__ == "__main__":
    main()
