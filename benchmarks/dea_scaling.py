"""Benchmark: VRS input-oriented DEA and Malmquist at scale, against a naive one-linprog-per-unit loop.

Synthetic data (seeded): 3 inputs ~ U(1, 10), 1 output = (x1 x2 x3)^0.3 * exp(-|N(0, 0.3^2)|).

* ``spillover.productivity.dea(x, y, rts="vrs")``, the default call (multi-stage slacks and the scale
  efficiency step's CRS/NIRS scores included: column ``with_scale_s``), and the same with ``scale=False``
  at N = 1,000, 5,000, 20,000 (``--sizes 1000000 --naive-sample 0 --no-serial --repeat 1`` for issue #24's
  million units), as a user gets it (the default ``backend="auto"``: a process pool from 10,000 units on a multi-core
  machine) and on the serial backend; best of ``--repeat`` runs.  ``with_scale_serial_cpu_s``: CPU seconds of
  the default call on the serial backend (steadier than wall time on a shared machine).
* The naive baseline: one ``scipy.optimize.linprog`` (HiGHS) per unit against all N units, scores only.  It
  runs in full at N = 1,000; at larger N it is timed on ``--naive-sample`` units and extrapolated linearly
  (each unit's LP has the same size, so the time per unit is what matters); ``--full-naive`` runs it all.
* ``malmquist`` with 2,000 units x 10 periods.

Targets (issue #6): N = 5,000 under 2 s and N = 20,000 under 10 s on 2 cores; at least 20x the naive loop.
Run: ``python benchmarks/dea_scaling.py [--jobs 2] [--sizes 1000 5000 20000] [--repeat 3]``
(``--jobs``: the Malmquist process pool).
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import pandas as pd
from scipy.optimize import linprog

from spillover.productivity._engine import resolve_backend
from spillover.productivity.dea import dea
from spillover.productivity.malmquist import malmquist


def synthetic(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.uniform(1, 10, (n, 3))
    y = (x.prod(axis=1) ** 0.3 * np.exp(-np.abs(rng.normal(0, 0.3, n))))[:, None]
    return x, y


def naive_vrs_input(x: np.ndarray, y: np.ndarray, units: np.ndarray) -> np.ndarray:
    """min theta s.t. X'lam <= theta x_o, Y'lam >= y_o, sum(lam) = 1: one linprog per unit."""
    n, m = x.shape
    scores = np.empty(len(units))
    c = np.r_[1.0, np.zeros(n)]
    a_eq, b_eq = np.r_[0.0, np.ones(n)][None, :], [1.0]
    bounds = [(None, None)] + [(0, None)] * n
    for k, o in enumerate(units):
        a_ub = np.vstack([np.c_[-x[o][:, None], x.T], np.c_[np.zeros((y.shape[1], 1)), -y.T]])
        b_ub = np.r_[np.zeros(m), -y[o]]
        res = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        scores[k] = res.x[0]
    return scores


def timed(func, *args, repeat: int = 1, **kwargs):
    """(result, best wall time of ``repeat`` runs)."""
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = func(*args, **kwargs)
        best = min(best, time.perf_counter() - t0)
    return out, best


def cpu_timed(func, *args, **kwargs):
    """(result, CPU seconds of this process): on a shared machine the CPU time of a serial run is steadier
    than its wall time."""
    c0 = time.process_time()
    out = func(*args, **kwargs)
    return out, time.process_time() - c0


def bench_dea(
    sizes: list[int], naive_sample: int, full_naive: bool, repeat: int, serial_too: bool = True
) -> pd.DataFrame:
    rows = []
    for n in sizes:
        x, y = synthetic(n)
        # the call users make: dea(x, y, rts="vrs") includes the scale-efficiency step (CRS and NIRS scores)
        full, t_full = timed(dea, x, y, rts="vrs", repeat=repeat)  # backend="auto"
        default, t_default = timed(dea, x, y, rts="vrs", scale=False, repeat=repeat)
        serial, t_serial = (
            timed(dea, x, y, rts="vrs", scale=False, backend="serial", repeat=repeat)
            if serial_too
            else (default, np.nan)
        )
        t_cpu = (
            cpu_timed(dea, x, y, rts="vrs", backend="serial")[1] if serial_too else np.nan
        )  # the default call, serial: CPU seconds
        assert np.allclose(serial.efficiency, default.efficiency, atol=1e-9)
        assert np.allclose(full.efficiency, default.efficiency, atol=1e-9)
        sample = (
            np.arange(n)
            if (full_naive or n <= 1000)
            else np.sort(np.random.default_rng(1).choice(n, size=min(naive_sample, n), replace=False))
        )
        t_naive_full, diff = np.nan, np.nan
        if len(sample):
            naive, t_naive = timed(naive_vrs_input, x, y, sample)
            t_naive_full = t_naive * n / len(sample)
            diff = float(np.max(np.abs(naive - serial.efficiency.to_numpy()[sample])))
        rows.append(
            {
                "N": n,
                "with_scale_s": t_full,
                "default_s": t_default,
                "auto_backend": resolve_backend("auto", n, None),
                "serial_s": t_serial,
                "with_scale_serial_cpu_s": t_cpu,
                "naive_s": t_naive_full,
                "naive_extrapolated": len(sample) < n,
                "speedup": t_naive_full / t_default,
                "max_abs_diff": diff,
                "frontier_units": len(set(serial.peer_table["peer"])),
            }
        )
        print(pd.DataFrame(rows[-1:]).to_string(index=False, float_format="%.3g"), flush=True)
    return pd.DataFrame(rows)


def bench_malmquist(n: int, periods: int, jobs: int, repeat: int) -> dict[str, float]:
    rng = np.random.default_rng(2)
    frames = []
    for t in range(periods):
        x, y = synthetic(n, seed=100 + t)
        frames.append(
            pd.DataFrame(
                {
                    "unit": np.arange(n),
                    "year": 2000 + t,
                    "x1": x[:, 0],
                    "x2": x[:, 1],
                    "x3": x[:, 2],
                    "y": y[:, 0] * 1.02**t * rng.uniform(0.95, 1.05, n),
                }
            )
        )
    df = pd.concat(frames, ignore_index=True)
    kw = dict(id="unit", time="year", inputs=["x1", "x2", "x3"], outputs=["y"])
    res_s, t_s = timed(malmquist, df, **kw, repeat=repeat)
    res_p, t_p = timed(malmquist, df, **kw, backend="processes", n_jobs=jobs, repeat=repeat)
    assert np.allclose(res_s.indices.to_numpy(), res_p.indices.to_numpy(), atol=1e-9, equal_nan=True)
    return {
        "units": n,
        "periods": periods,
        "serial_s": t_s,
        f"processes{jobs}_s": t_p,
        "tfpch_mean": float(res_s.mean["tfpch"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 20000])
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--naive-sample", type=int, default=300)
    parser.add_argument("--full-naive", action="store_true")
    parser.add_argument(
        "--no-serial", action="store_true", help="skip the serial-backend run (1,000,000 units)"
    )
    parser.add_argument("--no-malmquist", action="store_true")
    parser.add_argument("--repeat", type=int, default=3, help="timings are the best of this many runs")
    parser.add_argument("--malmquist", type=int, nargs=2, default=[2000, 10], metavar=("UNITS", "PERIODS"))
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}, load average: {os.getloadavg()}", flush=True)
    table = bench_dea(args.sizes, args.naive_sample, args.full_naive, args.repeat, not args.no_serial)
    print(f"\nVRS input-oriented DEA (seconds, best of {args.repeat}; default = backend 'auto'):")
    print(table.to_string(index=False, float_format="%.3g"))
    targets = {5000: 2.0, 20000: 10.0}
    for _, row in table.iterrows():
        if row["N"] in targets:
            met = "met" if row["default_s"] < targets[row["N"]] else "NOT met"
            fast = "met" if row["speedup"] >= 20 else "NOT met"
            print(
                f"N={row['N']}: default {row['default_s']:.2f} s (serial {row['serial_s']:.2f} s) "
                f"vs target {targets[row['N']]} s -> {met}; "
                f"speedup vs naive {row['speedup']:.0f}x ({fast})"
            )
    if not args.no_malmquist:
        print("\nMalmquist:", bench_malmquist(*args.malmquist, args.jobs, args.repeat))


if __name__ == "__main__":
    main()
