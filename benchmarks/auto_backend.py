"""Benchmark: what ``backend="auto"`` decides on this machine now, beside the serial and process-pool runs.

``dea(x, y, rts="vrs")`` (the default call) on ``--units`` units (3 inputs, 1 output, the synthetic data
of ``dea_scaling.py``), run alternately on ``backend="serial"`` and ``backend="processes"`` (``--repeat``
times, best wall time of each), with the usable cores, the 1-minute load average, the free cores and the
backend ``"auto"`` picks (:func:`spillover._parallel.auto_processes`) printed before and after.  On a
machine whose cores are busy the pool's workers queue behind the other work, and the serial run wins.

Run: ``python benchmarks/auto_backend.py [--units 20000] [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
from dea_scaling import synthetic  # benchmarks/ is on sys.path when run as a script

from spillover._parallel import free_cores, usable_cores
from spillover.productivity._engine import AUTO_PROCESSES, resolve_backend
from spillover.productivity.dea import dea


def machine(units: int) -> str:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"usable cores {usable_cores()}, load average {load:.2f}, free cores {free_cores()}: "
        f"auto picks {resolve_backend('auto', units, None)!r} for {units:,} units "
        f"(size threshold {AUTO_PROCESSES:,})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    x, y = synthetic(args.units)
    print(machine(args.units))
    dea(x[:200], y[:200], backend="serial")  # warm-up
    wall: dict[str, list[float]] = {"serial": [], "processes": []}
    scores = {}
    for _ in range(args.repeat):
        for backend in wall:
            t0 = time.perf_counter()
            scores[backend] = dea(x, y, rts="vrs", backend=backend).efficiency
            wall[backend].append(time.perf_counter() - t0)
    s, p = min(wall["serial"]), min(wall["processes"])
    diff = float(np.max(np.abs(np.asarray(scores["serial"]) - np.asarray(scores["processes"]))))
    print(
        f"dea, {args.units:,} units, best of {args.repeat} (alternating): serial {s:.2f} s, processes {p:.2f} s"
    )
    print(f"  processes / serial = {p / s:.3f}; max |score difference| {diff:.1e}")
    print(machine(args.units))


if __name__ == "__main__":
    main()
