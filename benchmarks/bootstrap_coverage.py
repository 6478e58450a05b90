"""Monte Carlo coverage of the Simar-Wilson (1998) DEA bootstrap intervals on a known frontier.

Design (in the spirit of Simar and Wilson 1998, 2000): p inputs x ~ U(1, 10)^p, one output on the VRS
frontier y = prod(x_frontier)^(0.8/p) (decreasing returns), true input efficiency theta = exp(-|N(0, 0.3^2)|)
so observed inputs are x_frontier / theta.  The inefficiency does not depend on x: the homogeneous case
for which the Simar-Wilson (1998) bootstrap is designed.  For each of ``--samples`` samples of size n,
``bootstrap_dea`` (VRS, input orientation, ``--boot`` replicates) gives two 95% intervals for the
efficiency of each evaluated unit (all units, or ``--units`` of them drawn at random per sample, the
others still forming the frontier and the pseudo samples):

* "basic" (what ``BootstrapResult.lower/upper`` report; Simar and Wilson's bias-corrected interval): delta
  in [delta_hat - q(0.975), delta_hat - q(0.025)], q the quantiles of delta* - delta_hat, delta = 1/theta;
* "percentile": the 2.5% and 97.5% quantiles of the replicate scores themselves.

Coverage = share of (sample, unit) pairs whose interval contains the true theta.  Its Monte Carlo standard
error is the standard deviation of the per-sample coverages over sqrt(samples): units of one sample share an
estimated frontier, so their coverages are correlated and the samples are the independent replications.

The script prints the markdown table of ``docs/validation.md`` itself (and writes each finished design to
``--out`` as JSON lines, so a long run can be read before it ends).  Heavy: nice it on a shared machine::

    nice -n 19 python benchmarks/bootstrap_coverage.py --samples 200 --boot 199
"""

from __future__ import annotations

import argparse
import json
import time
import warnings

import numpy as np

from spillover.productivity import bootstrap_dea, dea, silverman_reflected_bandwidth


def sample(n: int, p: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x_front = rng.uniform(1, 10, (n, p))
    y = x_front.prod(axis=1) ** (0.8 / p)
    theta = np.exp(-np.abs(rng.normal(0, 0.3, n)))
    return x_front / theta[:, None], y[:, None], theta


def coverage(
    n: int, p: int, samples: int, boot: int, seed: int, units: int | None, h_scale: float = 1.0
) -> dict[str, float]:
    rng = np.random.default_rng([seed, n, p])
    cov = {"basic": [], "percentile": []}
    width = {"basic": [], "percentile": []}
    t0 = time.perf_counter()
    for s in range(samples):
        x, y, theta = sample(n, p, rng)
        sel = np.sort(rng.choice(n, units, replace=False)) if units and units < n else np.arange(n)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            h = None  # the default rule, or that rule times h_scale (a sensitivity check)
            if h_scale != 1.0:
                te = dea(x, y, rts="vrs", orientation="input", slacks="none").efficiency.to_numpy()
                h = h_scale * silverman_reflected_bandwidth(1.0 / te)
            res = bootstrap_dea(
                x,
                y,
                rts="vrs",
                n_boot=boot,
                seed=((seed * 1000 + n) * 10 + p) * 10_000 + s,
                progress=False,
                backend="serial",
                units=list(sel + 1),  # names are 1..n
                bandwidth=h,
            )
        truth = theta[sel]
        reps = res.replicates.to_numpy()
        plo, phi = np.nanquantile(reps, [0.025, 0.975], axis=0)
        for name, (lo, hi) in {
            "basic": (res.lower.to_numpy(), res.upper.to_numpy()),
            "percentile": (plo, phi),
        }.items():
            cov[name].append(np.mean((lo <= truth) & (truth <= hi)))
            width[name].append(np.mean(hi - lo))
        if (s + 1) % 50 == 0:  # running figures, so that a long run can be read before it ends
            print(
                f"  n={n} p={p}: {s + 1} samples, basic {np.mean(cov['basic']):.3f}, "
                f"percentile {np.mean(cov['percentile']):.3f}",
                flush=True,
            )
    out: dict[str, float] = {
        "n": n,
        "p": p,
        "samples": samples,
        "boot": boot,
        "h_scale": h_scale,
        "units": len(sel),
        "seconds": time.perf_counter() - t0,
    }
    for name in cov:
        c = np.array(cov[name])
        out[name] = float(c.mean())
        out[f"{name}_se"] = float(c.std(ddof=1) / np.sqrt(samples))
        out[f"{name}_width"] = float(np.mean(width[name]))
    return out


def row(r: dict) -> str:
    scale = r.get("h_scale", 1.0)
    design = f"{r['n']}" if scale == 1.0 else f"{r['n']} (h x {scale:g})"
    return (
        f"| {design} | {r['p']} | {r['units']} | {r['samples']} | {r['boot']} | "
        f"{r['basic']:.3f} ({r['basic_se']:.3f}) | {r['basic_width']:.3f} | "
        f"{r['percentile']:.3f} ({r['percentile_se']:.3f}) | {r['percentile_width']:.3f} | "
        f"{r['seconds']:.0f} |"
    )


HEADER = (
    "| n | inputs | units evaluated per sample | samples | B | basic (SW) coverage (MC SE) "
    "| basic width | percentile coverage (MC SE) | percentile width | seconds |\n"
    "|---|---|---|---|---|---|---|---|---|---|"
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=200)
    ap.add_argument("--boot", type=int, default=199)
    ap.add_argument("--designs", nargs="+", default=["50x1", "100x1", "400x1", "50x3", "100x3", "400x3"])
    ap.add_argument(
        "--units",
        type=int,
        default=None,
        help="evaluate this many random units per sample at n above it (default: all)",
    )
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--h-scale",
        type=float,
        default=1.0,
        help="multiply the default bandwidth by this (sensitivity check; default 1)",
    )
    ap.add_argument("--out", default=None, help="append each finished design as a JSON line to this file")
    ap.add_argument("--table", default=None, help="only print the table of the JSON lines in this file")
    args = ap.parse_args()
    if args.table:
        with open(args.table) as fh:
            rows = [json.loads(line) for line in fh if line.strip()]
        print(HEADER)
        for r in sorted(
            rows, key=lambda r: (r.get("h_scale", 1.0) != 1.0, r["p"], r["n"], r.get("h_scale", 1.0))
        ):
            print(row(r))
        return
    print(f"VRS, input orientation, 95% intervals, samples={args.samples}, B={args.boot}")
    print(HEADER, flush=True)
    for design in args.designs:
        n, p = (int(v) for v in design.split("x"))
        r = coverage(n, p, args.samples, args.boot, args.seed, args.units, args.h_scale)
        print(row(r), flush=True)
        if args.out:
            with open(args.out, "a") as fh:
                fh.write(json.dumps(r) + "\n")


if __name__ == "__main__":
    main()
