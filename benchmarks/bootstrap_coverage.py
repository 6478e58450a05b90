"""Monte Carlo coverage of the Simar-Wilson (1998) DEA bootstrap intervals on a known frontier.

Design (in the spirit of Simar and Wilson 1998, 2000): p inputs x ~ U(1, 10)^p, one output on the VRS
frontier y = prod(x_frontier)^(0.8/p) (decreasing returns), true input efficiency theta = exp(-|N(0, 0.3^2)|)
so observed inputs are x_frontier / theta.  For each of ``--samples`` samples of size n, ``bootstrap_dea``
(VRS, input orientation, ``--boot`` replicates) gives two 95% intervals for every unit's efficiency:

* "basic" (what ``BootstrapResult.lower/upper`` report; Simar and Wilson's bias-corrected interval):
  delta in [delta_hat - q(0.975), delta_hat - q(0.025)], q the quantiles of delta* - delta_hat;
* "percentile": the 2.5% and 97.5% quantiles of the replicate scores themselves.

Coverage = share of (sample, unit) pairs whose interval contains the true theta; the Monte Carlo standard
error is that of the per-sample coverages.  Run (heavy; nice it on a shared machine)::

    nice -n 10 python benchmarks/bootstrap_coverage.py --samples 200 --boot 100 --designs 50x1 100x1
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np

from spillover.productivity import bootstrap_dea


def sample(n: int, p: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x_front = rng.uniform(1, 10, (n, p))
    y = x_front.prod(axis=1) ** (0.8 / p)
    theta = np.exp(-np.abs(rng.normal(0, 0.3, n)))
    return x_front / theta[:, None], y[:, None], theta


def coverage(n: int, p: int, samples: int, boot: int, seed: int) -> dict[str, float]:
    rng = np.random.default_rng(seed)
    basic, pct, width = [], [], []
    for s in range(samples):
        x, y, theta = sample(n, p, rng)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = bootstrap_dea(x, y, rts="vrs", n_boot=boot, seed=seed * 100_000 + s, progress=False)
        lo, hi = res.lower.to_numpy(), res.upper.to_numpy()
        basic.append(np.mean((lo <= theta) & (theta <= hi)))
        reps = res.replicates.to_numpy()
        plo, phi = np.nanquantile(reps, [0.025, 0.975], axis=0)
        pct.append(np.mean((plo <= theta) & (theta <= phi)))
        width.append(np.mean(hi - lo))
        if (s + 1) % 25 == 0:  # running figures, so that a long run can be read before it ends
            print(f"  n={n} p={p}: {s + 1} samples, basic {np.mean(basic):.3f}, percentile {np.mean(pct):.3f}",
                  flush=True)
    basic_a, pct_a = np.array(basic), np.array(pct)
    return {"basic": basic_a.mean(), "basic_se": basic_a.std(ddof=1) / np.sqrt(samples),
            "percentile": pct_a.mean(), "percentile_se": pct_a.std(ddof=1) / np.sqrt(samples),
            "width": float(np.mean(width))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=200)
    ap.add_argument("--boot", type=int, default=500)
    ap.add_argument("--designs", nargs="+", default=["50x1", "100x1", "400x1", "50x3", "100x3", "400x3"])
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    print(f"samples={args.samples} boot={args.boot} (VRS, input orientation, 95% intervals)")
    print("| n | inputs | basic (SW) coverage | percentile coverage | mean width | seconds |")
    print("|---|---|---|---|---|---|")
    for design in args.designs:
        n, p = (int(v) for v in design.split("x"))
        t0 = time.perf_counter()
        r = coverage(n, p, args.samples, args.boot, args.seed)
        print(f"| {n} | {p} | {r['basic']:.3f} ({r['basic_se']:.3f}) | {r['percentile']:.3f} "
              f"({r['percentile_se']:.3f}) | {r['width']:.3f} | {time.perf_counter() - t0:.0f} |", flush=True)


if __name__ == "__main__":
    main()
