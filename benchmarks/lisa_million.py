"""Benchmark for issue #24, target 4: local Moran with 999 permutations at 1,000,000 regions.

Two cases, each in its own spawned process (peak memory its own):

* ``million``: ``spillover.esda.local_moran(..., permutations=999, seed=1)`` on a ``--side`` x ``--side`` rook
  grid (default 1000 x 1000: a million regions; the sparse matrix is built directly, no polygons), one period.
  numba's compile is paid on a small grid before the clock starts.  The time is split into the weights
  (alignment, transformation, CSR: once per Graph and panel), esda's permuted ids, and the rest.
  ``--sides 250 500 1000`` gives the growth exponent in N.  esda.Moran_Local itself is not run at this size
  (its kernel copies the n values once per region: O(n^2)); ``--esda-side`` times it at a smaller grid.
* ``panel``: LISA in every period of a ``--regions`` (2,870) x ``--periods`` (19) panel: spillover's loop of
  ``local_moran`` over the periods against ``esda.Moran_Local`` called directly in a loop (its defaults:
  ``keep_simulations=True``, ``n_jobs=1``, same seed per period).  The two give identical ``p_sim``.

Run: ``python benchmarks/lisa_million.py [--sides 1000] [--regions 2870 --periods 19]``.  Timings are wall
seconds and CPU seconds (all threads) on whatever machine runs it; numba uses every core it is given
(``NUMBA_NUM_THREADS``).
"""

from __future__ import annotations

import argparse
import os
import time
import warnings

import numpy as np
from _harness import peak_gb, run_isolated  # benchmarks/ is on sys.path when run as a script


def grid(side: int, periods: int = 1, seed: int = 0, width: int = 0):
    """A side x width rook grid (square by default): the panel (points as geometry) and the binary Graph."""
    import geopandas as gpd
    import pandas as pd
    import scipy.sparse as sp
    from libpysal.graph import Graph

    from spillover.panel import SpatialPanel

    width = width or side
    n = side * width
    idx = np.arange(n).reshape(side, width)
    rows = np.concatenate([idx[:, :-1].ravel(), idx[:, 1:].ravel(), idx[:-1].ravel(), idx[1:].ravel()])
    cols = np.concatenate([idx[:, 1:].ravel(), idx[:, :-1].ravel(), idx[1:].ravel(), idx[:-1].ravel()])
    a = sp.csr_array((np.ones(rows.size), (rows, cols)), shape=(n, n))
    rng = np.random.default_rng(seed)
    raw = rng.normal(size=(n, periods))
    rowsum = np.asarray(a.sum(axis=1)).ravel()
    for _ in range(2):  # spatially autocorrelated values
        raw = raw + 0.8 * (a @ raw) / rowsum[:, None]
    data = pd.DataFrame(
        {"id": np.repeat(np.arange(n), periods), "t": np.tile(np.arange(periods), n), "y": raw.ravel()}
    )
    geo = gpd.GeoDataFrame(
        {"id": np.arange(n)}, geometry=gpd.points_from_xy(np.arange(n) % width, np.arange(n) // width)
    )
    return SpatialPanel(data, geo, id="id", time="t"), Graph.from_sparse(a, ids=np.arange(n))


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def million(side: int, permutations: int, queue) -> None:
    from spillover import esda as sesda
    from spillover.esda import _crand
    from spillover.esda._moran import _aligned

    small, w_small = grid(20)
    sesda.local_moran(small, "y", w_small, period=0, permutations=9, seed=0)  # numba compiles here
    panel, w = grid(side)
    t0, _c0 = _clock()
    _aligned(w, panel, "r")  # what local_moran does on its first call with this Graph and panel
    t1, _c1 = _clock()
    t_ids, c_ids = _clock()
    _crand.permuted_ids(4, panel.n_regions, permutations, 1)
    t_ids2, c_ids2 = _clock()
    t2, c2 = _clock()
    res = sesda.local_moran(panel, "y", w, period=0, permutations=permutations, seed=1)
    t3, c3 = _clock()
    counts = res.counts().to_dict()
    queue.put(
        {
            "regions": panel.n_regions,
            "weights_s": t1 - t0,
            "ids_s": t_ids2 - t_ids,
            "ids_cpu_s": c_ids2 - c_ids,
            "local_moran_s": t3 - t2,
            "local_moran_cpu_s": c3 - c2,
            "first_call_s": (t1 - t0) + (t3 - t2),
            "peak_gb": peak_gb(),
            "high_high": counts.get("High-High", 0),
        }
    )


def esda_alone(side: int, permutations: int, queue) -> None:
    from esda import Moran_Local

    small, w_small = grid(10)
    panel, w = grid(side)
    y = panel.matrix("y")[0].reindex(panel.ids).to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        Moran_Local(small.matrix("y")[0].to_numpy(), w_small, permutations=9, seed=0)  # compile
        t0, c0 = _clock()
        Moran_Local(y, w, transformation="R", permutations=permutations, seed=1)
        t1, c1 = _clock()
    queue.put({"regions": panel.n_regions, "esda_s": t1 - t0, "esda_cpu_s": c1 - c0, "peak_gb": peak_gb()})


def panel_case(regions: int, periods: int, permutations: int, queue) -> None:
    from esda import Moran_Local

    from spillover import esda as sesda

    side = next(s for s in range(int(np.sqrt(regions)), 0, -1) if regions % s == 0)
    panel, w = grid(side, periods, width=regions // side)  # 2,870 = 41 x 70
    ys = {t: panel.matrix("y")[t].reindex(panel.ids).to_numpy() for t in panel.periods}
    small, w_small = grid(10)
    sesda.local_moran(small, "y", w_small, period=0, permutations=9, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        Moran_Local(small.matrix("y")[0].to_numpy(), w_small, permutations=9, seed=0)
        best_ours, best_esda = np.inf, np.inf
        for _ in range(2):  # alternate; best of two (the machine is shared)
            t0, _c = _clock()
            ref = [
                Moran_Local(ys[t], w, transformation="R", permutations=permutations, seed=int(t)) for t in ys
            ]
            best_esda = min(best_esda, _clock()[0] - t0)
            t0, _c = _clock()
            ours = [
                sesda.local_moran(panel, "y", w, period=t, permutations=permutations, seed=int(t))
                for t in panel.periods
            ]
            best_ours = min(best_ours, _clock()[0] - t0)
    same = all(np.array_equal(o.to_frame()["p_sim"].to_numpy(), r.p_sim) for o, r in zip(ours, ref))
    queue.put(
        {
            "regions": regions,
            "periods": periods,
            "spillover_s": best_ours,
            "esda_s": best_esda,
            "same_p_sim": same,
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sides", type=int, nargs="*", default=[1000])
    parser.add_argument("--esda-side", type=int, default=0)
    parser.add_argument("--regions", type=int, default=2870)
    parser.add_argument("--periods", type=int, default=19)
    parser.add_argument("--permutations", type=int, default=999)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f}, {os.cpu_count()} cpus; measured on a busy machine")
    if args.periods:
        print(run_isolated(panel_case, args.regions, args.periods, args.permutations))
    if args.esda_side:
        print(run_isolated(esda_alone, args.esda_side, args.permutations))
    rows = [run_isolated(million, side, args.permutations) for side in args.sides]
    for row in rows:
        print(row)
    if len(rows) > 1:
        n = np.log([r["regions"] for r in rows])
        t = np.log([r["local_moran_s"] for r in rows])
        print(f"growth exponent in N (local_moran wall time): {np.polyfit(n, t, 1)[0]:.2f}")


if __name__ == "__main__":
    main()
