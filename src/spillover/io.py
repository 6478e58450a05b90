"""Reading panels and boundaries, and writing files atomically.

Readers accept the formats regional economists exchange: CSV, Excel and Stata ``.dta`` for panels;
GeoPackage, Shapefile and GeoJSON for boundaries.  Writers never leave a half-written file (they write to a
temporary file in the destination folder and rename it) and refuse to overwrite an existing file unless
``overwrite=True`` is given.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import geopandas as gpd
import pandas as pd

from spillover.errors import OverwriteError, SpilloverError

__all__ = [
    "atomic_path",
    "read_panel",
    "write_panel",
    "read_boundaries",
    "write_boundaries",
    "PANEL_FORMATS",
    "BOUNDARY_FORMATS",
    "GPKG_VERSION",
    "GPKG_OPTIONS",
]

PanelFormat = Literal["csv", "xlsx", "dta"]
BoundaryFormat = Literal["gpkg", "shp", "geojson"]
PANEL_FORMATS: dict[str, PanelFormat] = {".csv": "csv", ".xlsx": "xlsx", ".xls": "xlsx", ".dta": "dta"}
BOUNDARY_FORMATS: dict[str, BoundaryFormat] = {
    ".gpkg": "gpkg",
    ".shp": "shp",
    ".geojson": "geojson",
    ".json": "geojson",
}
_OGR_DRIVERS = {"gpkg": "GPKG", "shp": "ESRI Shapefile", "geojson": "GeoJSON"}
#: GeoPackage version of every GeoPackage spillover writes: GDAL >= 3.7 writes 1.4 by default, which QGIS 3.22
#: (GDAL 3.6) opens with a "may only be partially supported" warning; 1.2 opens everywhere.
GPKG_VERSION = "1.2"
#: OGR creation options that make a GeoPackage of version GPKG_VERSION (pass to GeoDataFrame.to_file)
GPKG_OPTIONS = {"VERSION": GPKG_VERSION}
_SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str], *, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` when the block succeeds.

    Nothing is left behind if the block raises, and an existing ``path`` is only replaced when
    ``overwrite=True``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> with atomic_path(target) as tmp:
    ...     _ = tmp.write_text("done")
    >>> target.read_text()
    'done'
    """
    target = Path(path)
    _check_writable(target, overwrite)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=target.suffix, dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # writers that refuse existing files (GDAL, some engines) get a fresh name
    try:
        yield tmp
        if not tmp.exists():
            raise SpilloverError(f"nothing was written for {target}.")
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def _check_writable(target: Path, overwrite: bool) -> None:
    if not target.parent.is_dir():
        raise SpilloverError(f"cannot write {target}: folder {target.parent} does not exist.")
    if target.exists() and not overwrite:
        raise OverwriteError(f"{target} exists; pass overwrite=True to replace it.")


def _format(path: Path, known: dict[str, str], what: str) -> str:
    fmt = known.get(path.suffix.lower())
    if fmt is None:
        raise SpilloverError(
            f"cannot tell the {what} format of {path.name!r} from its suffix; expected one of "
            f"{sorted(known)}."
        )
    return fmt


# ---------------------------------------------------------------------- panels
def read_panel(path: str | os.PathLike[str], *, sheet: str | int = 0) -> pd.DataFrame:
    """Read a long panel (one row per region and period) from CSV, Excel (.xlsx) or Stata (.dta).

    Region ids that look like codes keep their leading zeros only if stored as text in the file.
    """
    source = Path(path)
    if not source.is_file():
        raise SpilloverError(f"no such file: {source}")
    fmt = _format(source, PANEL_FORMATS, "panel")
    if fmt == "csv":
        return pd.read_csv(source)
    if fmt == "xlsx":
        return pd.read_excel(source, sheet_name=sheet)
    return pd.read_stata(source)


def write_panel(
    frame: pd.DataFrame, path: str | os.PathLike[str], *, overwrite: bool = False
) -> Path:
    """Write a long panel to CSV, Excel or Stata atomically; the frame's index is written if named."""
    target = Path(path)
    fmt = _format(target, PANEL_FORMATS, "panel")
    data = frame.reset_index() if any(n is not None for n in frame.index.names) else frame
    with atomic_path(target, overwrite=overwrite) as tmp:
        if fmt == "csv":
            data.to_csv(tmp, index=False)
        elif fmt == "xlsx":
            data.to_excel(tmp, index=False, engine="openpyxl")
        else:
            data.to_stata(tmp, write_index=False, version=118)
    return target


# ---------------------------------------------------------------------- boundaries
def read_boundaries(path: str | os.PathLike[str], *, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read region boundaries from a GeoPackage, Shapefile or GeoJSON (via pyogrio)."""
    source = Path(path)
    if not source.exists():
        raise SpilloverError(f"no such file: {source}")
    _format(source, BOUNDARY_FORMATS, "boundary")
    frame = gpd.read_file(source, layer=layer, engine="pyogrio")
    if frame.crs is None:
        raise SpilloverError(
            f"{source.name} has no coordinate reference system; set one (e.g. frame.set_crs('EPSG:4326')) "
            "before using it, so distances are computed correctly."
        )
    return frame


def write_boundaries(
    frame: gpd.GeoDataFrame,
    path: str | os.PathLike[str],
    *,
    layer: str | None = None,
    overwrite: bool = False,
) -> Path:
    """Write boundaries to a GeoPackage (version 1.2, see ``GPKG_VERSION``), Shapefile or GeoJSON atomically.

    A Shapefile is several files: they are written to a temporary folder and each part is renamed into
    place, after checking that none of them exists (unless ``overwrite``).
    """
    target = Path(path)
    fmt = _format(target, BOUNDARY_FORMATS, "boundary")
    if fmt == "shp":
        return _write_shapefile(frame, target, overwrite)
    if fmt == "gpkg" and layer is None:
        layer = target.stem  # not the temporary file's name
    options = GPKG_OPTIONS if fmt == "gpkg" else {}
    with atomic_path(target, overwrite=overwrite) as tmp:
        frame.to_file(tmp, driver=_OGR_DRIVERS[fmt], layer=layer, engine="pyogrio", **options)
    return target


def _write_shapefile(frame: gpd.GeoDataFrame, target: Path, overwrite: bool) -> Path:
    for suffix in _SHAPEFILE_PARTS:
        _check_writable(target.with_suffix(suffix), overwrite)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=f".{target.stem}.") as tmpdir:
        tmp = Path(tmpdir) / target.name
        frame.to_file(tmp, driver="ESRI Shapefile", engine="pyogrio")
        for part in sorted(Path(tmpdir).iterdir()):
            os.replace(part, target.with_suffix(part.suffix))
    return target
