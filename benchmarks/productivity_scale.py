"""Benchmark for issue #15 item 6: Malmquist and DEA at scale, and the Dask backend against serial.

Synthetic data (seeded): 3 inputs ~ U(1, 10), 1 output = (x1 x2 x3)^0.3 * exp(-|N(0, 0.3^2)|), technology
shifting 1% a year.

* ``malmquist`` on ``--units`` x ``--periods`` (default 10,000 x 10) with the default ``backend="auto"``
  (target: under 5 s on 2 cores);
* ``dea(rts="vrs")`` with DEAP's multi-stage slacks on ``--dea-units`` (default 100,000; target: under 10 s);
* the same Malmquist on a ``dask.distributed.LocalCluster`` (``--dask-units`` x periods, default 2,000 x 10),
  which must reproduce the serial numbers (max abs difference printed).

The machine load is printed with the times: on a shared machine the numbers are only as good as the CPU
share the run got.  Run: ``python benchmarks/productivity_scale.py [--units 10000] [--dea-units 100000]``.
"""

from __future__ import annotations

import argparse
import os
import resource
import time

import numpy as np
import pandas as pd

from spillover.productivity import dea, malmquist


def panel(n: int, T: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.uniform(1, 10, (T, n, 3))
    y = x.prod(axis=2) ** 0.3 * np.exp(-np.abs(rng.normal(0, 0.3, (T, n)))) * (1.01 ** np.arange(T))[:, None]
    return pd.DataFrame(
        {
            "u": np.tile(np.arange(n), T),
            "t": np.repeat(np.arange(T), n),
            "x1": x[..., 0].ravel(),
            "x2": x[..., 1].ravel(),
            "x3": x[..., 2].ravel(),
            "y": y.ravel(),
        }
    )


KW = dict(id="u", time="t", inputs=["x1", "x2", "x3"], outputs=["y"])


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (the process pool's workers)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def timed(label: str, func, *args, **kw):
    load = os.getloadavg()[0]
    t0, c0 = time.perf_counter(), _cpu()
    out = func(*args, **kw)
    # CPU seconds as well: on a shared machine the wall time is only as good as the CPU share the run got
    # (Dask workers are not children of this process: their CPU time is not counted)
    print(
        f"{label}: {time.perf_counter() - t0:.1f} s, {_cpu() - c0:.1f} CPU s (load average {load:.1f} on "
        f"{os.cpu_count()} cores)",
        flush=True,
    )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=10_000)
    ap.add_argument("--periods", type=int, default=10)
    ap.add_argument("--dea-units", type=int, default=100_000)
    ap.add_argument("--dask-units", type=int, default=2_000)
    args = ap.parse_args()
    df = panel(args.units, args.periods)
    timed(f"malmquist {args.units} x {args.periods} (auto)", malmquist, df, **KW)
    big = panel(args.dea_units, 1, seed=1)
    x, y = big[["x1", "x2", "x3"]].to_numpy(), big[["y"]].to_numpy()
    timed(f"dea VRS + multi-stage slacks, {args.dea_units} units (auto)", dea, x, y, rts="vrs", scale=False)
    import distributed

    small = panel(args.dask_units, args.periods, seed=2)
    serial = timed(
        f"malmquist {args.dask_units} x {args.periods} (serial)", malmquist, small, backend="serial", **KW
    )
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster,
        distributed.Client(cluster),
    ):
        remote = timed(
            f"malmquist {args.dask_units} x {args.periods} (dask LocalCluster, 2 workers)",
            malmquist,
            small,
            backend="dask",
            **KW,
        )
    diff = np.nanmax(np.abs(remote.indices.to_numpy() - serial.indices.to_numpy()))
    print(f"dask vs serial: max abs difference of the indices {diff:.2e}")


if __name__ == "__main__":
    main()
