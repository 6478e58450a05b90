"""A million regions: two-way fixed-effects SDM with impacts on a 1000 x 1000 rook grid (issue #24, target 1).

Synthetic data from a known two-way SDM (rho = 0.4, beta = (1, -0.5), theta = (0.5, 0.3), sigma = 1, the
simulator of ``spatial_large_n.py``) on a rook lattice of ``side x side`` regions, 10 periods.  The
row-standardised grid weights are built directly as a sparse matrix (a libpysal Graph from it), the data
before the clock starts.  The script times ``SpatialPanelModel(..., kind="sdm", fixed_effects="twoway",
logdet=...).fit()`` plus ``res.impacts(draws=200)`` and reports peak resident memory of the case (its own
spawned process), the estimates against the truth in standard errors and the log-determinant's error bound.

Run: ``python benchmarks/sdm_million.py [side ...] [--logdet exact|lanczos|chebyshev|auto]`` (default: side
1000, ``auto``).  ``--profile`` also prints tracemalloc's top allocation sites of the fit; ``--cprofile``
prints cProfile's top 30 functions of fit + impacts by cumulative CPU time (``time.process_time``).

Measured on a busy machine (2 cores shared by eight jobs, load 9 to 11; CPU seconds are the comparable
figure, docs/large_n.md has the table): 1,000,000 regions x 10, fit + 200 draws, 33.8 CPU s before the
numpy ``stacked`` and the Gram-matrix collinearity check, 28.9 CPU s after, peak RSS 3.41 GB both;
300,304 regions 10.7 -> 7.7 CPU s.  Every printed number identical before and after.
"""

from __future__ import annotations

import sys
import time

import numpy as np
from _harness import peak_gb, run_isolated  # benchmarks/ is on sys.path when run as a script

RHO, BETA, THETA, T = 0.4, np.array([1.0, -0.5]), np.array([0.5, 0.3]), 10


def grid_w(side: int):
    """Row-standardised rook weights of a side x side grid as a CSR matrix (no libpysal loop over cells)."""
    import scipy.sparse as sp

    n = side * side
    idx = np.arange(n).reshape(side, side)
    rows = np.concatenate([idx[:, :-1].ravel(), idx[:, 1:].ravel(), idx[:-1].ravel(), idx[1:].ravel()])
    cols = np.concatenate([idx[:, 1:].ravel(), idx[:, :-1].ravel(), idx[1:].ravel(), idx[:-1].ravel()])
    a = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    return sp.diags(1.0 / np.asarray(a.sum(axis=1)).ravel()) @ a


def simulate(side: int, seed: int = 0):
    """The panel and the Graph of a simulated two-way SDM on the grid (y solved period by period)."""
    import geopandas as gpd
    import pandas as pd
    import scipy.sparse as sp
    import scipy.sparse.linalg as spla
    from libpysal.graph import Graph

    from spillover.panel import SpatialPanel

    n = side * side
    w = grid_w(side).tocsr()
    rng = np.random.default_rng(seed)
    mu = rng.normal(size=n)
    y = np.empty(n * T)
    x = np.empty((n * T, 2))
    a = (sp.identity(n, format="csr") - RHO * w).tocsr()
    for s in range(T):
        xs = rng.normal(size=(n, 2)) + 0.5 * mu[:, None]
        rhs = xs @ BETA + w @ xs @ THETA + mu + rng.normal() + rng.normal(size=n)
        ys, _ = spla.cg(a, rhs, rtol=1e-12, maxiter=2000)  # I - rho W is diagonally dominant
        y[s * n : (s + 1) * n], x[s * n : (s + 1) * n] = ys, xs
    ids = np.arange(n)
    df = pd.DataFrame(
        {"id": np.tile(ids, T), "t": np.repeat(np.arange(T), n), "y": y, "x1": x[:, 0], "x2": x[:, 1]}
    )
    geo = gpd.GeoDataFrame({"id": ids}, geometry=gpd.points_from_xy(ids % side, ids // side))
    panel = SpatialPanel(df, geo, id="id", time="t")
    return panel, Graph.from_sparse(w, ids=ids)


def _reset_peak() -> bool:
    """Reset the kernel's peak-RSS mark of this process (Linux ``clear_refs`` 5), so that the fit's peak is
    not the simulation's; False where that is not allowed."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def _hwm_gb() -> float:
    """Peak resident memory since the last reset (``VmHWM``), GB."""
    with open("/proc/self/status") as fh:
        line = next(x for x in fh if x.startswith("VmHWM"))
    return int(line.split()[1]) / 1024**2


def _truth() -> dict[str, float]:
    return {"x1": BETA[0], "x2": BETA[1], "W*x1": THETA[0], "W*x2": THETA[1], "rho": RHO}


def case(side: int, logdet: str, profile: bool, cprofile: bool, queue) -> None:
    import cProfile
    import gc
    import io
    import pstats
    import tracemalloc

    from spillover.spatial.model import SpatialPanelModel

    panel, graph = simulate(side)
    gc.collect()
    data_gb = _hwm_gb() if _reset_peak() else float("nan")  # resident after simulating: the data
    if profile:
        tracemalloc.start(12)
    prof = cProfile.Profile(time.process_time) if cprofile else None  # CPU time: the machine is busy
    start, cpu = time.perf_counter(), time.process_time()
    if prof is not None:
        prof.enable()
    res = SpatialPanelModel(
        panel, "y", ["x1", "x2"], graph, kind="sdm", fixed_effects="twoway", logdet=logdet
    ).fit()
    fitted = time.perf_counter() - start
    imp = res.impacts(draws=200, seed=0)
    total = time.perf_counter() - start
    cpu_s = time.process_time() - cpu  # CPU seconds of this process: the work on a busy machine
    top = []
    if prof is not None:
        prof.disable()
        text = io.StringIO()
        pstats.Stats(prof, stream=text).sort_stats("cumulative").print_stats(30)
        top = text.getvalue().splitlines()
    if profile:
        snap = tracemalloc.take_snapshot()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        top += [f"peak traced {peak / 1e9:.2f} GB"] + [str(s) for s in snap.statistics("lineno")[:12]]
    worst = max(abs(res.params[k] - v) / res.std_errors[k] for k, v in _truth().items())
    queue.put(
        {
            "fit_s": fitted,
            "total_s": total,
            "cpu_s": cpu_s,
            "peak_gb": _hwm_gb() if data_gb == data_gb else peak_gb(),
            "data_gb": data_gb,
            "rho": res.rho,
            "rho_se": res.rho_se,
            "worst": worst,
            "logdet_error": getattr(res, "logdet_error", float("nan")),
            "total_x1": imp.loc[("total", "x1"), ["estimate", "std_error"]].round(4).tolist(),
            "top": top,
        }
    )


def main() -> None:
    args = sys.argv[1:]
    logdet = args[args.index("--logdet") + 1] if "--logdet" in args else "auto"
    profile = "--profile" in args
    cprofile = "--cprofile" in args
    sides = [int(a) for a in args if a.isdigit()] or [1000]
    for side in sides:
        out = run_isolated(case, side, logdet, profile, cprofile)
        print(
            f"{side}x{side} (N={side * side:,}) logdet={logdet}: fit {out['fit_s']:.1f} s, fit+impacts(200) "
            f"{out['total_s']:.1f} s ({out['cpu_s']:.1f} CPU s), peak RSS during fit+impacts {out['peak_gb']:.2f} GB (data resident before the fit {out['data_gb']:.2f} GB); "
            f"rho {out['rho']:.5f} (se {out['rho_se']:.5f}); worst |est - truth|/se {out['worst']:.2f}; "
            f"logdet error bound {out['logdet_error']:.3g}; total x1 {out['total_x1']}"
        )
        for line in out["top"]:
            print("  ", line)


if __name__ == "__main__":
    main()
