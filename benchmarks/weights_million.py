"""Benchmark: contiguity and k-nearest-neighbour weights at a million regions (the default calls users make).

Cases (each in a fresh process, so that its peak resident memory is its own):

* ``rook`` / ``queen``: ``weights.contiguity(geo, kind)`` (islands="nearest", row-standardised) on a square
  lattice of ``side x side`` unit squares (1000 x 1000 = 1,000,000 polygons by default);
* ``rook-voronoi`` / ``queen-voronoi``: the same on the Voronoi cells of random points (an irregular
  coverage: real maps are not grids), ``--irregular`` cells;
* ``knn``: ``weights.distance(geo, coords=("lon", "lat"), k=8)`` (inverse great-circle distance to the 8
  nearest, row-standardised) on random points over China's extent, given as coordinate columns (the
  issue's "kNN from 1,000,000 points");
* ``knn-centroid``: ``weights.distance(geo, coords="centroid", k=8)`` on a lattice of 0.01-degree cells
  over China (EPSG:4326): the same, plus finding the polygons' centroids (densified, projected to an
  equal-area CRS and back), which costs more than the neighbours themselves.

Times exclude making the geometry; the CPU time of the process (all threads) is printed beside the wall
time, because on a shared machine it is the steadier of the two.  The peak memory is the process's (geometry included) and the memory
before the call is printed beside it.  The growth exponent of time in N is fitted between the sizes given.

"Before" numbers: run the same script against the previous source tree, e.g.
``git archive 3d3a948 src | tar -x -C /tmp/old && PYTHONPATH=/tmp/old/src python benchmarks/weights_million.py``.

Usage::

    python benchmarks/weights_million.py [--sizes 250000 1000000] [--irregular 200000] [--cases rook queen knn]
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np
from _harness import peak_gb, run_isolated  # benchmarks/ is on sys.path when run as a script

CASES = ("rook", "queen", "rook-voronoi", "queen-voronoi", "knn", "knn-centroid")


def _lattice(n: int) -> Any:
    import geopandas as gpd
    import shapely

    side = round(n**0.5)
    x, y = (v.ravel() for v in np.meshgrid(np.arange(side, dtype=float), np.arange(side, dtype=float)))
    return gpd.GeoDataFrame(geometry=shapely.box(x, y, x + 1, y + 1), crs="EPSG:3857")


def _voronoi(n: int) -> Any:
    import geopandas as gpd
    import shapely

    rng = np.random.default_rng(0)
    extent = float(np.sqrt(n))
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(rng.uniform(0, extent, (n, 2)))))
    cells = shapely.intersection(cells, shapely.box(0, 0, extent, extent))
    return gpd.GeoDataFrame(geometry=cells, crs="EPSG:3857")


def _points(n: int) -> Any:
    import geopandas as gpd

    rng = np.random.default_rng(1)
    lon, lat = rng.uniform(73.5, 135.0, n), rng.uniform(18.0, 53.5, n)
    return gpd.GeoDataFrame({"lon": lon, "lat": lat}, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")


def _cells(n: int) -> Any:
    import geopandas as gpd
    import shapely

    side = round(n**0.5)
    x, y = (0.01 * v.ravel() for v in np.meshgrid(np.arange(side, dtype=float), np.arange(side, dtype=float)))
    return gpd.GeoDataFrame(geometry=shapely.box(100 + x, 25 + y, 100.01 + x, 25.01 + y), crs="EPSG:4326")


def _case(case: str, n: int, queue: Any) -> None:
    from spillover import weights as sw

    start = time.perf_counter()
    makers = {"knn": _points, "knn-centroid": _cells}
    make = makers.get(case, _voronoi if case.endswith("voronoi") else _lattice)
    geo = make(n)
    made = time.perf_counter() - start
    before = peak_gb()
    cpu = time.process_time()
    start = time.perf_counter()
    if case == "knn":
        w = sw.distance(geo, coords=("lon", "lat"), k=8)
    elif case == "knn-centroid":
        w = sw.distance(geo, coords="centroid", k=8)
    else:
        w = sw.contiguity(geo, case.split("-")[0])
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu
    queue.put(
        {
            "case": case,
            "n": len(geo),
            "links": len(w.adjacency),
            "seconds": seconds,
            "cpu_seconds": cpu,
            "make_seconds": made,
            "peak_gb": peak_gb(),
            "before_gb": before,
        }
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="weights at a million regions")
    parser.add_argument("--sizes", type=int, nargs="+", default=[250_000, 1_000_000])
    parser.add_argument("--irregular", type=int, default=200_000, help="Voronoi cells (0: skip)")
    parser.add_argument("--cases", nargs="+", choices=CASES, default=list(CASES))
    args = parser.parse_args(argv)
    for case in args.cases:
        sizes = [args.irregular] if case.endswith("voronoi") else args.sizes
        if case.endswith("voronoi") and not args.irregular:
            continue
        results = [run_isolated(_case, case, n) for n in sizes]
        for r in results:
            print(
                f"{r['case']:<14} N {r['n']:>9,}  {r['seconds']:7.2f} s (CPU {r['cpu_seconds']:6.2f} s)  peak {r['peak_gb']:5.2f} GB "
                f"(geometry alone {r['before_gb']:5.2f} GB, made in {r['make_seconds']:5.1f} s)  "
                f"links {r['links']:,}",
                flush=True,
            )
        if len(results) > 1:
            a, b = results[0], results[-1]
            exponent = np.log(b["seconds"] / a["seconds"]) / np.log(b["n"] / a["n"])
            cpu_exponent = np.log(b["cpu_seconds"] / a["cpu_seconds"]) / np.log(b["n"] / a["n"])
            print(
                f"{case:<14} growth exponent in N: {exponent:.2f} (wall), {cpu_exponent:.2f} (CPU)",
                flush=True,
            )


if __name__ == "__main__":
    main()
