"""Several and time-varying weights at county-panel sizes: fit and 200-draw impacts, before/after the sparse path.

Synthetic two-way panels on rook/queen lattices: 30 x 30 = 900 regions x 10 periods and 41 x 70 = 2,870
regions x 19 periods (US counties x years).  Cases: (a) a time-varying SDM with W_t = row-standardised rook
contiguity reweighted by each period's random link weights (one distinct W per period, as economic weights
rebuilt from each year's GDP), (b) two lags of y (rook and queen, rho1 = 0.3, rho2 = 0.2), (c) their convex
combination (rho = 0.5, gamma1 = 0.7).  Each case runs in its own process.  Run:
``python benchmarks/multiw_scale.py`` (``--quick``: 900 regions only).

Measured on a busy machine (7 December 2026, 2 cores shared by eight engineers, load average 5-10).
Before (dense log-determinant per evaluation and one dense inverse per draw up to 1,000 regions; measured
by this script's predecessor benchmarks/spatial_multiw.py, which it replaces: the same lattices and cases
with a time-varying SAR instead of the SDM, 2 cores, load average 8-16): 900 x 10: time-varying SAR fit 87 s,
impacts 0.1 s, rho 0.389 (0.010); two lags fit 144 s, with impacts 370 s; convex fit 125 s, with impacts
268 s; peak 0.36 GB.  2,870 x 19 (the code before, commit
25bacd7, run by this script on the same busy machine): two lags fit 23.2 s, with impacts 320.1 s;
time-varying SDM fit 17.6 s, with impacts 17.7 s.  After: :data:`RESULTS` below.
"""

from __future__ import annotations

import sys
import time

import numpy as np
from _harness import peak_gb, run_isolated  # benchmarks/ is on sys.path when run as a script

RESULTS = """
After (7 December 2026, busy machine, 200-draw impacts; peak memory 0.35-0.43 GB):
    time-varying sdm N=  900 T=10: fit 4.01 s, with impacts 4.46 s, rho 0.382 (0.012)
            two lags N=  900 T=10: fit 6.44 s, with impacts 10.75 s, rho1 0.305 (0.020), rho2 0.199 (0.024)
              convex N=  900 T=10: fit 5.32 s, with impacts 8.64 s, rho 0.504 (0.011), gamma1 0.704 (0.044)
    time-varying sdm N= 2870 T=19: fit 16.11 s, with impacts 16.30 s, rho 0.400 (0.005)
            two lags N= 2870 T=19: fit 12.29 s, with impacts 22.44 s, rho1 0.298 (0.008), rho2 0.204 (0.010)
              convex N= 2870 T=19: fit 19.49 s, with impacts 29.68 s, rho 0.501 (0.005), gamma1 0.693 (0.018)
"""


def _data(rows: int, cols: int, periods: int, case: str, seed: int = 0):
    import geopandas as gpd
    import libpysal
    import pandas as pd
    import scipy.sparse as sp
    import scipy.sparse.linalg as spla
    from shapely.geometry import Point

    from spillover.panel import SpatialPanel

    n = rows * cols
    rook = libpysal.weights.lat2W(rows, cols, rook=True).sparse.tocsr()
    queen = libpysal.weights.lat2W(rows, cols, rook=False).sparse.tocsr()
    rng = np.random.default_rng(seed)

    def rs(m):
        m = sp.csr_matrix(m, dtype=float)
        return sp.csr_matrix(sp.diags(1.0 / np.asarray(m.sum(axis=1)).ravel()) @ m)

    if case == "time-varying sdm":
        lags = []
        for _ in range(periods):
            r = rook.copy().astype(float)
            r.data = rng.uniform(0.5, 1.5, size=r.nnz)
            lags.append([rs(r + r.T)])
        coefs = [0.4]
    elif case == "two lags":
        lags = [[rs(rook), rs(queen)]] * periods
        coefs = [0.3, 0.2]
    else:
        lags = [[rs(rook), rs(queen)]] * periods
        coefs = [0.5 * 0.7, 0.5 * 0.3]
    mu = rng.normal(size=n)
    ys, xs = [], []
    eye = sp.identity(n, format="csc")
    for t in range(periods):
        a = eye - sum(c * m for c, m in zip(coefs, lags[t]))
        x = rng.normal(size=n)
        xs.append(x)
        durbin = 0.3 * (lags[t][0] @ x) if case == "time-varying sdm" else 0.0  # theta = 0.3 in the SDM
        ys.append(spla.spsolve(a.tocsc(), x + durbin + mu + rng.normal(size=n)))
    ids = np.arange(n)
    df = pd.DataFrame({"id": np.tile(ids, periods), "t": np.repeat(np.arange(periods), n)})
    df["y"], df["x"] = np.concatenate(ys), np.concatenate(xs)
    geo = gpd.GeoDataFrame({"id": ids}, geometry=[Point(i % cols, i // cols) for i in ids])
    return SpatialPanel(df, geo, id="id", time="t"), lags


def _case(rows: int, cols: int, periods: int, case: str, queue) -> None:
    import warnings

    from libpysal.graph import Graph

    from spillover.spatial.model import SpatialPanelModel

    panel, lags = _data(rows, cols, periods, case)
    ids = panel.ids
    if case == "time-varying sdm":
        w = {t: Graph.from_sparse(lags[t][0], ids=ids) for t in range(periods)}
        kw = {"kind": "sdm"}
    else:
        w = [Graph.from_sparse(lags[0][0], ids=ids), Graph.from_sparse(lags[0][1], ids=ids)]
        kw = {"kind": "sar", "combine": "convex"} if case == "convex" else {"kind": "sar"}
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = SpatialPanelModel(panel, "y", ["x"], w, fixed_effects="twoway", **kw).fit()
    fit = time.perf_counter() - start
    res.impacts(draws=200, seed=0)
    total = time.perf_counter() - start
    spatial = [nm for nm in res.params.index if nm.startswith(("rho", "gamma"))]
    queue.put(
        {
            "case": case,
            "n": rows * cols,
            "t": periods,
            "fit_s": fit,
            "total_s": total,
            "peak_gb": peak_gb(),
            "estimates": {
                nm: (round(float(res.params[nm]), 4), round(float(res.std_errors[nm]), 4)) for nm in spatial
            },
        }
    )


def main() -> None:
    sizes = [(30, 30, 10)] if "--quick" in sys.argv else [(30, 30, 10), (41, 70, 19)]
    print("truth: time-varying rho 0.4; two lags rho1 0.3, rho2 0.2; convex rho 0.5, gamma1 0.7")
    for rows, cols, periods in sizes:
        for case in ("time-varying sdm", "two lags", "convex"):
            out = run_isolated(_case, rows, cols, periods, case)
            print(
                f"{out['case']:>16} N={out['n']:>5} T={out['t']}: fit {out['fit_s']:.2f} s, with 200-draw "
                f"impacts {out['total_s']:.2f} s, peak {out['peak_gb']:.2f} GB, estimates (se) {out['estimates']}",
                flush=True,
            )


if __name__ == "__main__":
    main()
