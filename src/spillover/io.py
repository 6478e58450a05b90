"""Reading panels and boundaries, and writing files atomically.

Readers accept the formats regional economists exchange: CSV, Excel and Stata ``.dta`` for panels;
GeoPackage, Shapefile and GeoJSON for boundaries.  Writers never leave a half-written file (they write to a
temporary file in the destination folder and rename it) and refuse to overwrite an existing file unless
``overwrite=True`` is given.
"""

from __future__ import annotations

import contextlib
import csv
import glob
import os
import shutil
import tempfile
import warnings
from collections.abc import Hashable, Iterator
from pathlib import Path
from typing import Literal

import geopandas as gpd
import pandas as pd

from spillover.errors import GeometryWarning, OverwriteError, SpilloverError, format_items, user_stacklevel

__all__ = [
    "atomic_path",
    "checked_geometry",
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
    ``overwrite=True``.  The temporary file is ``.<name>.spillover-tmp-<pid>-<random><suffix>``; what a killed
    process left under that pattern is removed by the next write to the same ``path``.  OS errors (a folder
    without write permission, a full disk) are raised as :class:`SpilloverError` naming ``path``.

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
    _remove_stale_temporaries(target)
    with _naming_target(target):
        fd, tmp_name = tempfile.mkstemp(prefix=_temp_prefix(target), suffix=target.suffix, dir=target.parent)
        os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # writers that refuse existing files (GDAL, some engines) get a fresh name
    try:
        with _naming_target(target):
            yield tmp
        if not tmp.exists():
            raise SpilloverError(f"nothing was written for {target}.")
        with _naming_target(target):
            os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


#: temporary files (and Shapefile folders) are named ``.<target name>.spillover-tmp-<pid>-<random><suffix>``
_TEMP_TAG = ".spillover-tmp-"


def _temp_prefix(target: Path) -> str:
    return f".{target.name}{_TEMP_TAG}{os.getpid()}-"


def _remove_stale_temporaries(target: Path) -> None:
    """Remove what an earlier write to ``target`` left behind when its process was killed.

    A temporary file is stale when the process that created it (its pid is in the name) no longer runs;
    files of running processes (a concurrent write) are left alone.
    """
    pattern = glob.escape(str(target.parent / f".{target.name}{_TEMP_TAG}")) + "*"
    for leftover in glob.glob(pattern):
        pid_text = Path(leftover).name[len(f".{target.name}{_TEMP_TAG}"):].split("-", 1)[0]
        if not pid_text.isdigit() or _process_alive(int(pid_text)):
            continue
        with contextlib.suppress(OSError):
            if os.path.isdir(leftover) and not os.path.islink(leftover):
                shutil.rmtree(leftover)
            else:
                os.unlink(leftover)


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists but belongs to someone else
        return True
    return True


@contextlib.contextmanager
def _naming_target(target: Path) -> Iterator[None]:
    """Turn an OS error about a temporary file into a SpilloverError about the file the user asked for."""
    try:
        yield
    except OSError as exc:
        if isinstance(exc, SpilloverError):
            raise
        reason = exc.strerror or str(exc)
        raise SpilloverError(
            f"cannot write {target}: {reason} (in folder {target.parent}). Check that the folder is writable "
            "and the disk not full, or choose another path."
        ) from exc


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
def read_panel(
    path: str | os.PathLike[str], *, sheet: str | int | None = None, encoding: str | None = None
) -> pd.DataFrame:
    """Read a long panel (one row per region and period) from CSV, Excel (.xlsx) or Stata (.dta).

    Region ids that look like codes keep their leading zeros only if stored as text in the file.

    Parameters
    ----------
    path
        The file; the format comes from its suffix.
    sheet
        Excel only: sheet name or 0-based position (text of digits that is not a sheet name is a position).
        May be left out for a workbook of one sheet; a workbook of several sheets needs it (spillover will not
        guess which sheet holds the panel).
    encoding
        Text encoding of a CSV file (default UTF-8, with or without a byte-order mark) or of the text in a
        Stata file older than Stata 14 (format 118, which is always UTF-8).  Statistical-yearbook CSVs from
        China are often ``"gbk"`` (a superset of GB 2312).  Excel files store Unicode and need none.

    Raises
    ------
    SpilloverError
        For an empty, truncated or undecodable file (naming the file, the line or the byte), an Excel
        sheet that is not in the workbook, or a workbook of several sheets read without ``sheet=`` (both
        listing the sheets it has).
    """
    source = Path(path)
    if not source.is_file():
        raise SpilloverError(f"no such file: {source}")
    fmt = _format(source, PANEL_FORMATS, "panel")
    if source.stat().st_size == 0:
        raise SpilloverError(f"{source} is empty (0 bytes); was it written completely?")
    if fmt == "csv":
        return _read_csv(source, encoding)
    if fmt == "xlsx":
        return _read_excel(source, sheet)
    return _read_stata(source, encoding)


def _read_csv(source: Path, encoding: str | None) -> pd.DataFrame:
    enc = encoding or "utf-8-sig"
    try:
        with open(source, encoding=enc, newline="") as fh:
            rows = list(csv.reader(fh))
        frame = pd.read_csv(source, encoding=enc)
    except UnicodeDecodeError as exc:
        hint = "pass encoding= (e.g. 'gbk' for Chinese yearbook files, 'latin-1' for western European)"
        if encoding:
            hint = "pass the file's real encoding="
        raise SpilloverError(
            f"{source} is not valid {enc} text (byte {exc.object[exc.start:exc.start + 1]!r} at position "
            f"{exc.start}); {hint}."
        ) from None
    except LookupError:
        raise SpilloverError(f"unknown encoding {encoding!r} for {source}.") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error) as exc:
        raise SpilloverError(f"{source} is not a readable CSV table: {exc}") from None
    _check_rows_complete(source, rows)
    return frame


def _check_rows_complete(source: Path, rows: list[list[str]]) -> None:
    """Refuse rows with fewer fields than the header (a truncated file; pandas would fill them with NaN)."""
    if not rows:
        raise SpilloverError(f"{source} has no header line.")
    width = len(rows[0])
    short = [i + 1 for i, row in enumerate(rows) if row and len(row) < width]
    if short:
        raise SpilloverError(
            f"{source} looks truncated or malformed: line(s) {format_items(short)} have fewer fields "
            f"than the {width} of the header (the last line {len(rows)} has {len(rows[-1])}). Re-export the file."
        )


def _read_excel(source: Path, sheet: str | int | None) -> pd.DataFrame:
    try:
        book = pd.ExcelFile(source)
    except Exception as exc:  # openpyxl/zipfile raise many types for a damaged workbook
        raise SpilloverError(f"{source} is not a readable Excel workbook: {exc}") from None
    with book:
        names = book.sheet_names
        if sheet is None:
            if len(names) > 1:
                raise SpilloverError(
                    f"{source} has {len(names)} sheets ({format_items(names)}); say which one holds the "
                    "panel with sheet= (a name or a 0-based position; --sheet on the command line, [data] "
                    "sheet in a study file)."
                )
            sheet = 0
        if isinstance(sheet, str) and sheet not in names and sheet.strip().isdigit():
            sheet = int(sheet)  # "2" from a command line: a position, unless a sheet has that name
        known = sheet in names if isinstance(sheet, str) else -len(names) <= sheet < len(names)
        if not known:
            raise SpilloverError(f"{source} has no sheet {sheet!r}; its sheets are {format_items(names)}.")
        return pd.read_excel(book, sheet_name=sheet)


def _read_stata(source: Path, encoding: str | None) -> pd.DataFrame:
    try:
        frame = pd.read_stata(source)
    except (ValueError, OSError) as exc:
        raise SpilloverError(f"{source} is not a readable Stata file: {exc}") from None
    if encoding is None or _stata_release(source) >= 118:
        return frame
    return _transcode(frame, encoding, source)


def _stata_release(source: Path) -> int:
    """The .dta format release: 118 and later store UTF-8; older ones bytes in the user's code page."""
    with open(source, "rb") as fh:
        head = fh.read(64)
    if head.startswith(b"<stata_dta>"):
        start = head.find(b"<release>") + len(b"<release>")
        return int(head[start:start + 3])
    return head[0]


def _transcode(frame: pd.DataFrame, encoding: str, source: Path) -> pd.DataFrame:
    """Re-decode text that pandas read as Latin-1 (old Stata files) in ``encoding``."""
    def fix(value: object) -> object:
        return value.encode("latin-1").decode(encoding) if isinstance(value, str) else value

    try:
        out = frame.rename(columns=fix)
        for col in out.columns[out.dtypes == object]:
            out[col] = out[col].map(fix)
    except (UnicodeError, LookupError) as exc:
        raise SpilloverError(f"the text in {source} is not {encoding}: {exc}") from None
    return out


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
def read_boundaries(
    path: str | os.PathLike[str],
    *,
    layer: str | None = None,
    encoding: str | None = None,
    make_valid: bool = False,
) -> gpd.GeoDataFrame:
    """Read region boundaries from a GeoPackage, Shapefile or GeoJSON (via pyogrio).

    Parameters
    ----------
    layer
        Layer of a GeoPackage (default: the first); the layers are listed when it does not exist.
    encoding
        Encoding of the attribute text of a Shapefile without a ``.cpg`` file (e.g. ``"gbk"`` for many
        Chinese boundary files); GeoPackage and GeoJSON are UTF-8.
    make_valid
        Repair invalid polygons (self-intersections, bow ties) with GEOS ``make_valid``; by default they
        are kept and an :class:`~spillover.errors.GeometryWarning` names them (row labels), because
        contiguity and areas computed on them may be wrong.
    """
    source = Path(path)
    if not source.exists():
        raise SpilloverError(f"no such file: {source}")
    _format(source, BOUNDARY_FORMATS, "boundary")
    import pyogrio

    if layer is not None and source.is_file():
        layers = _layers(source)
        if layers is not None and layer not in layers:
            raise SpilloverError(f"{source} has no layer {layer!r}; its layers are {format_items(layers)}.")
    options = {"encoding": encoding} if encoding else {}
    try:
        frame = gpd.read_file(source, layer=layer, engine="pyogrio", **options)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise SpilloverError(f"{source} is not a readable boundary file: {exc}") from None
    if frame.crs is None:
        raise SpilloverError(
            f"{source.name} has no coordinate reference system; set one (e.g. frame.set_crs('EPSG:4326')) "
            "before using it, so distances are computed correctly."
        )
    return checked_geometry(frame, make_valid=make_valid, where=f"{source.name}, rows")


def _layers(source: Path) -> list[str] | None:
    import pyogrio

    try:
        return [str(name) for name in pyogrio.list_layers(source)[:, 0]]
    except pyogrio.errors.DataSourceError:
        return None  # read_file names the problem


def checked_geometry(frame: gpd.GeoDataFrame, *, make_valid: bool = False, where: str = "regions"
                     ) -> gpd.GeoDataFrame:
    """Warn about (or repair) invalid polygons, naming them by the frame's index labels.

    Invalid geometries (a self-intersecting ring, a bow tie) give wrong areas, centroids and contiguity.
    With ``make_valid=True`` they are repaired by GEOS ``make_valid`` (structure method, collapsed parts
    dropped) and a new frame is returned; otherwise a :class:`~spillover.errors.GeometryWarning` names them
    with GEOS's reason and the frame is returned unchanged.

    >>> from shapely.geometry import Polygon
    >>> bowtie = Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    >>> frame = gpd.GeoDataFrame(geometry=[bowtie], index=["a"])
    >>> bool(checked_geometry(frame, make_valid=True).is_valid.all())
    True
    """
    geoms = frame.geometry
    bad = geoms.notna() & ~geoms.is_empty & ~geoms.is_valid
    if not bad.any():
        return frame
    labels: list[Hashable] = frame.index[bad].tolist()
    if make_valid:
        out = frame.copy()
        out.loc[bad, out.geometry.name] = geoms[bad].make_valid(method="structure", keep_collapsed=False)
        return out
    import shapely

    reasons = [f"{label!r} ({shapely.is_valid_reason(g)})" for label, g in zip(labels[:10], geoms[bad][:10])]
    more = f" (and {len(labels) - 10} more)" if len(labels) > 10 else ""
    warnings.warn(
        f"{where} with invalid geometry: {', '.join(reasons)}{more}. Areas, centroids and contiguity may be "
        "wrong; pass make_valid=True to repair them.",
        GeometryWarning,
        stacklevel=user_stacklevel(),
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
    _remove_stale_temporaries(target)
    with _naming_target(target), tempfile.TemporaryDirectory(dir=target.parent, prefix=_temp_prefix(target)
                                                             ) as tmpdir:
        tmp = Path(tmpdir) / target.name
        frame.to_file(tmp, driver="ESRI Shapefile", engine="pyogrio")
        for part in sorted(Path(tmpdir).iterdir()):
            os.replace(part, target.with_suffix(part.suffix))
    return target
