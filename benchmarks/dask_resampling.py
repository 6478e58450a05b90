"""Resampling on the three backends of ``spillover._parallel``: serial, a process pool, a Dask LocalCluster.

Cases (us_states, 48 regions x 17 years):

* a mediation cluster bootstrap, ``draws`` draws (one pair of within regressions per draw);
* impact draws of a two-way SDM (``res.impacts(draws=...)``: cheap draws, one vectorised evaluation);
* spillover draws of the same SDM on the sparse path (``res.spillovers(x, draws=...)``: one sparse LU per
  draw; the sparse path is forced at 48 regions so that each draw does real work).

Each case runs serially, on ``processes`` with 2 workers, and on ``dask`` with a
``distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True)`` started once (its start-up
time is reported apart); the script checks that the three results are bit-identical and prints wall times
(best of ``--repeat``).

Run: ``nice -n 10 python benchmarks/dask_resampling.py [--draws 2000] [--repeat 3]``; results (busy machine)
in docs/large_n.md, "Resampling on Dask".
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

import spillover as so
from spillover.panel_models import mediation
from spillover.spatial import impacts as imp
from spillover.spatial.model import SpatialPanelModel


def best(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def same(a: Any, b: Any) -> bool:
    if isinstance(a, pd.DataFrame):
        return a.equals(b)
    return bool(np.array_equal(a, b, equal_nan=True))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--draws", type=int, default=2000)
    parser.add_argument("--spill-draws", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    import distributed

    panel = so.datasets.us_states()
    w = so.weights.contiguity(panel, "queen")
    sdm = SpatialPanelModel(
        panel, "ln_gsp", ["ln_pcap", "ln_emp"], w, kind="sdm", fixed_effects="twoway"
    ).fit()
    imp.SPILLOVER_DENSE_MAX_N = 10  # the sparse LU path at 48 regions: real work per draw

    cases: dict[str, Callable[..., Any]] = {
        f"mediation bootstrap ({args.draws} draws)": lambda **kw: (
            mediation(
                panel, "ln_pcap", "ln_emp", "ln_gsp", controls=["unemp"], draws=args.draws, seed=1, **kw
            ).draws
        ),
        f"impact draws ({args.draws} draws)": lambda **kw: sdm.impacts(draws=args.draws, seed=1, **kw),
        f"spillover draws, sparse path ({args.spill_draws} draws)": lambda **kw: sdm.spillovers(
            "ln_emp", draws=args.spill_draws, seed=1, **kw
        ),
    }
    print(f"cores: {os.cpu_count()}, load average at start: {os.getloadavg()[0]:.1f}")
    t = time.perf_counter()
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster, set_as_default=False) as client,
    ):
        print(
            f"LocalCluster(2 worker processes) start: {time.perf_counter() - t:.2f} s (not in the times below)"
        )
        print(f"{'case':48s} {'serial':>8s} {'processes':>10s} {'dask':>8s}  identical")
        for name, run in cases.items():
            ts, ref = best(lambda run=run: run(), args.repeat)
            tp, procs = best(lambda run=run: run(backend="processes", n_jobs=2), args.repeat)
            td, remote = best(lambda run=run: run(backend="dask", client=client), args.repeat)
            ok = same(ref, procs) and same(ref, remote)
            print(f"{name:48s} {ts:7.2f}s {tp:9.2f}s {td:7.2f}s  {ok}")
    print(f"load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
