"""Benchmark: the Malmquist index (DEAP decomposition) at 10,000 and 100,000 units x 10 periods (issue #24).

Synthetic balanced panel (seeded): unit i has base inputs x_i ~ U(1, 10)^3 that drift by a log-normal factor
(sd 0.05) each period; output y_it = (x1 x2 x3)^0.3 * 1.02^t * exp(-|N(0, 0.3^2)|): 2% technical change a
period and a persistent-plus-transient inefficiency.  3 inputs, 1 output, input orientation, adjacent
frontiers (DEAP), the default call ``malmquist(df, id=..., time=..., inputs=..., outputs=...)``.

Reported per size: wall seconds of the default call (``backend="auto"``: a process pool from 10,000 units on
a multi-core machine), CPU seconds of the serial call (steadier on a shared machine), the growth exponent in
N between consecutive sizes, and the target (100,000 x 10 under 60 s).  ``--profile`` prints the top of a
cProfile of the serial call (cumulative CPU time).

Run: ``python benchmarks/malmquist_scaling.py [--sizes 10000 100000] [--periods 10] [--profile]``
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import time

import numpy as np
import pandas as pd

from spillover.productivity.malmquist import malmquist

KW = dict(id="unit", time="year", inputs=["x1", "x2", "x3"], outputs=["y"])


def panel(n: int, periods: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    base = rng.uniform(1, 10, (n, 3))
    frames = []
    for t in range(periods):
        x = base * np.exp(rng.normal(0, 0.05, (n, 3)))
        y = x.prod(axis=1) ** 0.3 * 1.02**t * np.exp(-np.abs(rng.normal(0, 0.3, n)))
        frames.append(
            pd.DataFrame(
                {"unit": np.arange(n), "year": 2000 + t, "x1": x[:, 0], "x2": x[:, 1], "x3": x[:, 2], "y": y}
            )
        )
    return pd.concat(frames, ignore_index=True)


def run(n: int, periods: int, profile: bool) -> dict[str, float]:
    df = panel(n, periods)
    t0 = time.perf_counter()
    res = malmquist(df, **KW)  # the default call (backend="auto")
    wall = time.perf_counter() - t0
    c0 = time.process_time()
    prof = cProfile.Profile() if profile else None
    if prof is not None:
        prof.enable()
    ser = malmquist(df, **KW, backend="serial")
    if prof is not None:
        prof.disable()
    cpu = time.process_time() - c0
    diff = np.nanmax(np.abs(res.indices.to_numpy() - ser.indices.to_numpy()))
    assert diff < 1e-9, diff
    if prof is not None:
        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
    return {
        "units": n,
        "periods": periods,
        "default_wall_s": wall,
        "serial_cpu_s": cpu,
        "tfpch_mean": float(ser.mean["tfpch"]),
        "infeasible": ser.n_infeasible,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--periods", type=int, default=10)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}, load average: {os.getloadavg()}", flush=True)
    rows = []
    for n in args.sizes:
        rows.append(run(n, args.periods, args.profile))
        print(pd.DataFrame(rows[-1:]).to_string(index=False, float_format="%.4g"), flush=True)
    table = pd.DataFrame(rows)
    if len(table) > 1:
        # growth exponent in N between consecutive sizes, from the serial CPU seconds
        log_cpu, log_n = np.log(table["serial_cpu_s"].to_numpy()), np.log(table["units"].to_numpy())
        table["exponent"] = np.r_[np.nan, np.diff(log_cpu) / np.diff(log_n)]
    print(table.to_string(index=False, float_format="%.4g"))
    big = table[table["units"] >= 100_000]
    for _, row in big.iterrows():
        met = "met" if row["default_wall_s"] < 60 else "NOT met"
        print(f"{row['units']:.0f} x {row['periods']:.0f}: {row['default_wall_s']:.1f} s vs 60 s -> {met}")


if __name__ == "__main__":
    main()
