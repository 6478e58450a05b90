"""Benchmark: non-oriented VRS SBM and super-SBM at scale, against a plain scipy loop (issue #24, target 3).

Synthetic data (seeded, as ``dea_scaling.py``): 3 inputs ~ U(1, 10), 1 output = (x1 x2 x3)^0.3 *
exp(-|N(0, 0.3^2)|).

* ``sbm(x, y, rts="vrs")`` (non-oriented, the default call; frontier first) and ``sbm(..., super=True)`` at
  ``--sizes`` (default 5,000, 20,000, 100,000), backend "auto" as a user gets it;
* ``method="plain"`` (every LP over every unit, the path before the reduction) up to ``--plain-max`` units;
* a plain scipy loop: one ``linprog`` (HiGHS) per unit of the linearised non-oriented SBM over all N units
  (Charnes-Cooper), timed on ``--naive-sample`` units and extrapolated linearly; its scores are compared with
  spillover's on those units.

``--bad`` adds an undesirable output (x1 times U(0.5, 2)), SBM and super-SBM.  Wall seconds (``_s``) and
CPU seconds of the process and its pool workers (``_cpu``).  Prints the growth exponent of time in N between
consecutive sizes.  Run:
``python benchmarks/sbm_scaling.py [--sizes 5000 20000 100000] [--plain-max 5000]``.
"""

from __future__ import annotations

import argparse
import os
import resource
import time

import numpy as np
import pandas as pd
from scipy.optimize import linprog

from spillover.productivity import sbm
from spillover.productivity.sbm import sbm_reference


def synthetic(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.uniform(1, 10, (n, 3))
    y = (x.prod(axis=1) ** 0.3 * np.exp(-np.abs(rng.normal(0, 0.3, n))))[:, None]
    return x, y


def naive_sbm(x: np.ndarray, y: np.ndarray, units: np.ndarray) -> np.ndarray:
    """min t - (1/m) sum S-_i / x_io  s.t.  t + (1/s) sum S+_r / y_ro = 1, X'L + S- = t x_o, Y'L - S+ = t y_o,
    sum(L) = t: the Charnes-Cooper LP of Tone's non-oriented VRS SBM, one linprog per unit."""
    (n, m), s = x.shape, y.shape[1]
    out = np.empty(len(units))
    for k, o in enumerate(units):
        c = np.r_[1.0, np.zeros(n), -1.0 / (m * x[o]), np.zeros(s)]
        a = np.zeros((1 + m + s + 1, 1 + n + m + s))
        a[0, 0], a[0, 1 + n + m :] = 1.0, 1.0 / (s * y[o])
        a[1 : 1 + m, 0], a[1 : 1 + m, 1 : 1 + n], a[1 : 1 + m, 1 + n : 1 + n + m] = -x[o], x.T, np.eye(m)
        a[1 + m : 1 + m + s, 0], a[1 + m : 1 + m + s, 1 : 1 + n] = -y[o], y.T
        a[1 + m : 1 + m + s, 1 + n + m :] = -np.eye(s)
        a[-1, 0], a[-1, 1 : 1 + n] = -1.0, 1.0
        b = np.r_[1.0, np.zeros(m + s + 1)]
        out[k] = linprog(c, A_eq=a, b_eq=b, method="highs").fun
    return out


def cpu() -> float:
    """CPU seconds of this process and of its finished children (the process pool's workers)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


CPU: dict[str, float] = {}


def timed(func, *args, **kw):
    t0, c0 = time.perf_counter(), cpu()
    out = func(*args, **kw)
    CPU["last"] = cpu() - c0
    return out, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[5000, 20000, 100000])
    ap.add_argument("--plain-max", type=int, default=5000)
    ap.add_argument("--naive-sample", type=int, default=100)
    ap.add_argument("--no-super", action="store_true")
    ap.add_argument("--bad", action="store_true", help="also with an undesirable output (x1 times U(0.5, 2))")
    args = ap.parse_args()
    print(f"cores: {os.cpu_count()}, load average: {os.getloadavg()}", flush=True)
    rows = []
    for n in args.sizes:
        x, y = synthetic(n)
        xn, yn = x.T / x.mean(axis=0)[:, None], y.T / y.mean(axis=0)[:, None]
        ref, t_ref = timed(sbm_reference, xn, yn, np.zeros((0, n)), "vrs")
        res, t_fast = timed(sbm, x, y, rts="vrs")
        row = {
            "N": n,
            "frontier_units": len(ref),
            "frontier_s": t_ref,
            "sbm_s": t_fast,
            "sbm_cpu": CPU["last"],
        }
        if not args.no_super:
            sup, t_sup = timed(sbm, x, y, rts="vrs", super=True)
            row |= {"super_sbm_s": t_sup, "super_cpu": CPU["last"], "super_units": int(sup.super_units.sum())}
        if args.bad:  # an undesirable output (emissions) as green-TFP studies use: SBM and super-SBM
            xb, yb = x, np.column_stack([y, x[:, 0] * np.random.default_rng(2).uniform(0.5, 2.0, n)])
            _, t_bad = timed(sbm, xb, yb, rts="vrs", undesirable=[1])
            row |= {"bad_sbm_s": t_bad, "bad_sbm_cpu": CPU["last"]}
            _, t_bsup = timed(sbm, xb, yb, rts="vrs", undesirable=[1], super=True)
            row |= {"bad_super_s": t_bsup, "bad_super_cpu": CPU["last"]}
        if n <= args.plain_max:
            plain, t_plain = timed(sbm, x, y, rts="vrs", method="plain")
            diff = np.nanmax(np.abs(plain.efficiency.to_numpy() - res.efficiency.to_numpy()))
            row |= {"plain_s": t_plain, "plain_cpu": CPU["last"], "plain_vs_fast_maxdiff": diff}
        sample = np.sort(np.random.default_rng(1).choice(n, size=min(args.naive_sample, n), replace=False))
        naive, t_naive = timed(naive_sbm, x, y, sample)
        row |= {
            "scipy_loop_s": t_naive * n / len(sample),
            "speedup_vs_scipy": t_naive * n / len(sample) / t_fast,
            "scipy_maxdiff": float(np.max(np.abs(naive - res.efficiency.to_numpy()[sample]))),
        }
        rows.append(row)
        row["load_average_1min"] = os.getloadavg()[0]
        print(pd.DataFrame(rows[-1:]).to_string(index=False, float_format="%.3g"), flush=True)
    table = pd.DataFrame(rows)
    print("\nSBM, non-oriented VRS (seconds, one run each, backend 'auto'; scipy loop extrapolated):")
    print(table.to_string(index=False, float_format="%.3g"))
    for a, b in zip(rows[:-1], rows[1:]):
        k = np.log(b["N"] / a["N"])
        keys = ("sbm_s", "sbm_cpu", "super_sbm_s", "super_cpu", "bad_sbm_cpu", "bad_super_cpu")
        slope = {key: np.log(b[key] / a[key]) / k for key in keys if key in a}
        print(
            f"growth exponent {a['N']} -> {b['N']}: " + ", ".join(f"{k} N^{v:.2f}" for k, v in slope.items())
        )


if __name__ == "__main__":
    main()
