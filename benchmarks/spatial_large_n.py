"""Large-N benchmark: two-way fixed-effects SDM with impacts on rook lattices, vs spreg's dense path.

Synthetic data from a known two-way SDM (rho = 0.4, beta = (1, -0.5), theta = (0.5, 0.3), sigma = 1) on a
rook lattice of 54 x 54 = 2,916 regions up to 316 x 316 = 99,856 regions, 10 periods each.  For each case the
script times ``SpatialPanelModel(..., kind="sdm", fixed_effects="twoway").fit()`` plus
``res.impacts(draws=1000)`` (standard errors included), and on the 54 x 54 lattice it also times spreg
1.9.0's ``Panel_FE_Lag`` with the same exact two-way likelihood (regressors X, W X and T-1 time dummies,
demeaned by unit inside spreg) -- spreg's dense path, before any impacts.  Each case runs in its own child
process so that the peak resident memory (``ru_maxrss``) belongs to that case alone; the data are built
before the clock starts.

Targets (issue #5): >= 10x faster than spreg at 54 x 54; 10,000 x 10 with impacts and SEs in < 30 s and
< 4 GB.  Issue #14: 316 x 316 = 99,856 regions x 10 periods with 1,000-draw impacts and SEs in < 20 s and
< 3 GB, parameters within 3 SE of the truth, and the growth exponent of time in N from 2,916 to 99,856
regions (lattices of side 54, 100, 173, 316), all printed by one run.  Run:
``python benchmarks/spatial_large_n.py`` (``--quick`` runs the 54 x 54 case and spreg only).
"""

from __future__ import annotations

import sys
import time

import numpy as np
from _harness import peak_gb, run_isolated  # benchmarks/ is on sys.path when run as a script

RHO, BETA, THETA, T = 0.4, np.array([1.0, -0.5]), np.array([0.5, 0.3]), 10


def _lattice_w(side: int):
    import libpysal

    w = libpysal.weights.lat2W(side, side, rook=True)
    w.transform = "r"  # our own freshly built W
    return w


def _simulate(side: int, seed: int = 0):
    """Stacked (period-major) y, X and the lattice W; the panel object for spillover."""
    import geopandas as gpd
    import pandas as pd
    import scipy.sparse.linalg as spla
    from shapely.geometry import Point

    from spillover.panel import SpatialPanel

    w = _lattice_w(side)
    n = side * side
    ws = w.sparse.tocsc()
    lu = spla.splu(__import__("scipy.sparse", fromlist=["identity"]).identity(n, format="csc") - RHO * ws)
    rng = np.random.default_rng(seed)
    mu = rng.normal(size=n)
    ys, xs = [], []
    for _ in range(T):
        x = rng.normal(size=(n, 2)) + 0.5 * mu[:, None]
        ys.append(lu.solve(x @ BETA + ws @ x @ THETA + mu + rng.normal() + rng.normal(size=n)))
        xs.append(x)
    y, x = np.concatenate(ys), np.vstack(xs)
    ids = np.arange(n)
    df = pd.DataFrame(
        {"id": np.tile(ids, T), "t": np.repeat(np.arange(T), n), "y": y, "x1": x[:, 0], "x2": x[:, 1]}
    )
    geo = gpd.GeoDataFrame({"id": ids}, geometry=[Point(i % side, i // side) for i in ids])
    return SpatialPanel(df, geo, id="id", time="t"), w, y, x


def _case_spillover(side: int, queue) -> None:
    from libpysal.graph import Graph

    from spillover.spatial.model import SpatialPanelModel

    panel, w, *_ = _simulate(side)
    graph = Graph.from_W(w)
    start = time.perf_counter()
    res = SpatialPanelModel(panel, "y", ["x1", "x2"], graph, kind="sdm", fixed_effects="twoway").fit()
    fitted = time.perf_counter() - start
    imp = res.impacts(draws=1000, seed=0)
    total = time.perf_counter() - start
    queue.put(
        {
            "fit_s": fitted,
            "total_s": total,
            "peak_gb": peak_gb(),
            "rho": res.rho,
            "rho_se": res.rho_se,
            "params": res.params.round(4).to_dict(),
            "se": res.std_errors.to_dict(),
            "total_x1": imp.loc[("total", "x1"), ["estimate", "se"]].round(4).tolist(),
        }
    )


def _case_spreg(side: int, queue) -> None:
    import spreg

    _, w, y, x = _simulate(side)
    n = side * side
    wx = np.vstack([w.sparse @ x[s * n : (s + 1) * n] for s in range(T)])
    dummies = np.kron(np.eye(T), np.ones((n, 1)))[:, 1:]
    start = time.perf_counter()
    ref = spreg.Panel_FE_Lag(y[:, None], np.column_stack([x, wx, dummies]), w)
    queue.put(
        {
            "fit_s": time.perf_counter() - start,
            "peak_gb": peak_gb(),
            "rho": float(ref.rho),
            "params": np.round(ref.betas[:4, 0], 4).tolist(),
        }
    )


SIDES = (54, 100, 173, 316)  # N = 2,916 / 10,000 / 29,929 / 99,856 regions


def _truth() -> dict[str, float]:
    return {"x1": BETA[0], "x2": BETA[1], "W*x1": THETA[0], "W*x2": THETA[1], "rho": RHO}


def _line(side: int, out: dict) -> str:
    worst = max(abs(out["params"][k] - v) / out["se"][k] for k, v in _truth().items())
    return (
        f"spillover {side}x{side} (N={side * side}): fit {out['fit_s']:.2f} s, fit+impacts(1000 draws) "
        f"{out['total_s']:.2f} s, peak {out['peak_gb']:.2f} GB; rho = {out['rho']:.4f} "
        f"(se {out['rho_se']:.4f}); {out['params']}; total effect x1 {out['total_x1']}; "
        f"largest |estimate - truth| / se = {worst:.2f}"
    )


def main() -> None:
    quick = "--quick" in sys.argv
    print(f"two-way FE SDM, T = {T}, true rho = {RHO}, beta = {BETA.tolist()}, theta = {THETA.tolist()}")
    ours = run_isolated(_case_spillover, 54)
    print(_line(54, ours))
    ref = run_isolated(_case_spreg, 54)
    print(
        f"spreg Panel_FE_Lag 54x54 (X, WX, time dummies): fit {ref['fit_s']:.2f} s, peak {ref['peak_gb']:.2f} GB; "
        f"rho = {ref['rho']:.4f}; {ref['params']}"
    )
    print(
        f"speed-up (spreg fit / spillover fit+impacts): {ref['fit_s'] / ours['total_s']:.1f}x "
        f"(fit only: {ref['fit_s'] / ours['fit_s']:.1f}x)"
    )
    if quick:
        return
    sizes, times = [54 * 54], [ours["total_s"]]
    for side in SIDES[1:]:
        out = run_isolated(_case_spillover, side)
        print(_line(side, out))
        sizes.append(side * side)
        times.append(out["total_s"])
    slope = np.polyfit(np.log(sizes), np.log(times), 1)[0]
    print(
        f"growth exponent of fit+impacts time in N ({sizes[0]:,} to {sizes[-1]:,} regions): {slope:.2f} "
        f"(time ~ N^{slope:.2f})"
    )


if __name__ == "__main__":
    main()
