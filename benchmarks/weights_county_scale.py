"""Benchmark: distance-based weights for ~2,870 county-level units over China's extent.

A synthetic lon/lat lattice stands in for China's 2,870 county-level units (70 x 41 cells over
73.5-135 E, 18-53.5 N; cells ~0.88 degree = ~60-95 km wide).  For each weights kind the script reports wall
time and the peak of Python allocations (tracemalloc), plus the process's maximum resident memory at the end.

Built (all row-standardised, as models use them):

* inverse distance within a 150 km band (sparse: a k-d tree on the unit sphere finds the pairs);
* 8 nearest neighbours, inverse distance (sparse);
* queen contiguity of the lattice cells (libpysal's builder);
* with ``--dense``: inverse distance between all pairs (8.2 million links; a dense problem by nature).

Usage::

    python benchmarks/weights_county_scale.py [--band 150] [--k 8] [--repeat 3]
"""

from __future__ import annotations

import argparse
import resource
import time
import tracemalloc
from collections.abc import Callable

import geopandas as gpd
import numpy as np
from shapely.geometry import box

from spillover import weights as sw

N_LON, N_LAT = 70, 41  # 2,870 units
LON_RANGE, LAT_RANGE = (73.5, 135.0), (18.0, 53.5)


def lattice() -> gpd.GeoDataFrame:
    """Square lon/lat cells with their centres in columns lon/lat (EPSG:4326)."""
    lon_edges = np.linspace(*LON_RANGE, N_LON + 1)
    lat_edges = np.linspace(*LAT_RANGE, N_LAT + 1)
    cells, lon, lat = [], [], []
    for j in range(N_LAT):
        for i in range(N_LON):
            cells.append(box(lon_edges[i], lat_edges[j], lon_edges[i + 1], lat_edges[j + 1]))
            lon.append((lon_edges[i] + lon_edges[i + 1]) / 2)
            lat.append((lat_edges[j] + lat_edges[j + 1]) / 2)
    ids = [f"c{k:04d}" for k in range(len(cells))]
    return gpd.GeoDataFrame({"lon": lon, "lat": lat}, geometry=cells, index=ids, crs="EPSG:4326")


def measure(label: str, build: Callable[[], object], repeat: int) -> None:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        graph = build()
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    graph = build()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    summary = sw.describe(graph)
    print(
        f"{label:<34} best {min(times):7.3f} s  median {np.median(times):7.3f} s  "
        f"peak Python memory {peak / 2**20:7.1f} MiB  links {summary.n_links:>7}  "
        f"neighbours min/mean/max {summary.min_neighbours}/{summary.mean_neighbours:.2f}/{summary.max_neighbours}"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="distance weights at county scale")
    parser.add_argument("--band", type=float, default=150.0, help="distance band in km")
    parser.add_argument("--k", type=int, default=8, help="nearest neighbours")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dense", action="store_true", help="also all pairs (N^2 links; ~1 GB, ~10 s)")
    args = parser.parse_args(argv)
    geo = lattice()
    print(f"{len(geo)} synthetic units on a {N_LON} x {N_LAT} lon/lat lattice over China's extent")
    coords = ("lon", "lat")
    measure(
        f"inverse distance, band {args.band:g} km",
        lambda: sw.distance(geo, coords=coords, band=args.band),
        args.repeat,
    )
    measure(
        f"inverse distance, {args.k} nearest", lambda: sw.distance(geo, coords=coords, k=args.k), args.repeat
    )
    measure("queen contiguity", lambda: sw.contiguity(geo, islands="raise"), args.repeat)
    if args.dense:
        measure("inverse distance, all pairs", lambda: sw.distance(geo, coords=coords), 1)
    print(
        f"max resident memory of the process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB"
    )


if __name__ == "__main__":
    main()
