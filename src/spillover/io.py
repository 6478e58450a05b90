"""Reading panels and boundaries, and writing files atomically.

Readers accept the formats regional economists exchange: CSV, Excel and Stata ``.dta`` for panels;
GeoPackage, Shapefile and GeoJSON for boundaries.  Writers never leave a half-written file (they write to a
temporary file in the destination folder and rename it) and refuse to overwrite an existing file unless
``overwrite=True`` is given.

Three mechanisms here serve every writer of the package:

* output folders (:func:`atomic_folder`): written under a temporary name, marked with a
  ``.spillover-output`` file, and an existing folder is only ever replaced when spillover wrote it (it has the
  marker), it holds none of the run's inputs and it is not the current or the home folder (nor contains them);
* spreadsheets (:func:`excel_writer`): every text cell of an ``.xlsx`` is stored as text, never as a formula;
* CSV files (:func:`write_csv`, :func:`csv_text`): UTF-8 with a byte-order mark (Excel on Chinese Windows
  reads it correctly), and a text cell that a spreadsheet would run as a formula (starting with ``=``, ``+``,
  ``-``, ``@``, a tab or a carriage return) gets a leading ``'`` (OWASP "CSV injection"); spillover's own
  readers remove it again (:func:`restore_csv_text`).
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import glob
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Hashable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Literal, TypeVar

import geopandas as gpd
import pandas as pd

from spillover import __version__
from spillover.errors import GeometryWarning, OverwriteError, SpilloverError, format_items
from spillover.options import warn

__all__ = [
    "atomic_path",
    "atomic_folder",
    "check_output_folder",
    "mark_output_folder",
    "is_output_folder",
    "OUTPUT_MARKER",
    "excel_writer",
    "write_csv",
    "csv_text",
    "csv_safe",
    "restore_csv_text",
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
BoundaryFormat = Literal["gpkg", "shp", "geojson", "parquet"]
PANEL_FORMATS: dict[str, PanelFormat] = {".csv": "csv", ".xlsx": "xlsx", ".xls": "xlsx", ".dta": "dta"}
BOUNDARY_FORMATS: dict[str, BoundaryFormat] = {
    ".gpkg": "gpkg",
    ".shp": "shp",
    ".geojson": "geojson",
    ".json": "geojson",
    ".parquet": "parquet",
    ".geoparquet": "parquet",
}
_OGR_DRIVERS = {"gpkg": "GPKG", "shp": "ESRI Shapefile", "geojson": "GeoJSON"}
#: GeoPackage version of every GeoPackage spillover writes: GDAL >= 3.7 writes 1.4 by default, which QGIS 3.22
#: (GDAL 3.6) opens with a "may only be partially supported" warning; 1.2 opens everywhere.
GPKG_VERSION = "1.2"
#: OGR creation options that make a GeoPackage of version GPKG_VERSION (pass to GeoDataFrame.to_file)
GPKG_OPTIONS = {"VERSION": GPKG_VERSION}
_SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")


@contextlib.contextmanager
def atomic_path(
    path: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    inputs: Iterable[str | os.PathLike[str]] = (),
    option: str = "overwrite=True",
) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` when the block succeeds.

    Nothing is left behind if the block raises, and an existing ``path`` is only replaced when
    ``overwrite=True``; a folder is never replaced, nor one of ``inputs`` (the files the caller read).  The
    temporary file is ``.<name>.spillover-tmp-<pid>-<random><suffix>``; what a killed process left under that
    pattern is removed by the next write to the same ``path``.  ``option`` is how the refusal of an existing
    ``path`` names the way to replace it (the command line passes ``"--force"``).  OS errors (a folder
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
    _check_writable(target, overwrite, inputs, option)
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
        pid_text = Path(leftover).name[len(f".{target.name}{_TEMP_TAG}") :].split("-", 1)[0]
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


def _check_writable(
    target: Path,
    overwrite: bool,
    inputs: Iterable[str | os.PathLike[str]] = (),
    option: str = "overwrite=True",
) -> None:
    if not target.parent.is_dir():
        raise SpilloverError(f"cannot write {target}: folder {target.parent} does not exist.")
    if target.is_dir():
        raise OverwriteError(
            f"{target} is a folder; a file is never written in its place (not even with "
            f"{option}). Choose a file name."
        )
    if os.path.lexists(target) and any(_same_or_inside(target, Path(p)) for p in inputs):
        raise OverwriteError(
            f"{target} is an input of this command; it is never replaced by its own output. "
            "Choose another file name."
        )
    if os.path.lexists(target) and not overwrite:
        raise OverwriteError(f"{target} exists; pass {option} to replace it.")


def _same_or_inside(folder: Path, path: Path) -> bool:
    """Whether ``path`` is ``folder`` or lies inside it (links and ``..`` resolved)."""
    real, inner = folder.resolve(), path.resolve()
    return real == inner or real in inner.parents


# ---------------------------------------------------------------------- output folders
#: name of the file that marks a folder as written by spillover; only a marked folder is ever replaced
OUTPUT_MARKER = ".spillover-output"


def mark_output_folder(folder: str | os.PathLike[str], writer: str) -> Path:
    """Write the marker file into ``folder``: what wrote it (``writer``), spillover's version and the time."""
    stamp = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    marker = Path(folder) / OUTPUT_MARKER
    marker.write_text(
        f"This folder was written by spillover and may be replaced by its next run.\n"
        f"writer: {writer}\nversion: {__version__}\ntime: {stamp}\n",
        encoding="utf-8",
    )
    return marker


def is_output_folder(folder: str | os.PathLike[str]) -> bool:
    """Whether ``folder`` carries spillover's marker file (:data:`OUTPUT_MARKER`)."""
    return (Path(folder) / OUTPUT_MARKER).is_file()


def check_output_folder(
    path: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    inputs: Iterable[str | os.PathLike[str]] = (),
    option: str = "overwrite=True",
) -> None:
    """Refuse to write the output folder ``path`` unless it is absent or may be replaced.

    An existing folder is replaced only with ``overwrite`` (named ``option`` in the message) and only when
    spillover wrote it (it has the :data:`OUTPUT_MARKER` file) or it is empty.  Never replaced, whatever
    ``overwrite`` says: a folder that holds one of ``inputs`` (the study file, data, boundaries, weights),
    the current folder, the home folder, a folder containing either of them, a link or a file.

    Raises
    ------
    OverwriteError
        Naming the folder and why it is kept.
    SpilloverError
        The parent folder does not exist.
    """
    target = Path(path)
    if not target.parent.is_dir():
        raise SpilloverError(f"cannot write {target}: folder {target.parent} does not exist.")
    if not os.path.lexists(target):
        return
    _check_replaceable(target, inputs, option)
    if not overwrite:
        raise OverwriteError(
            f"the output folder {target} exists; pass {option} to replace it, or choose another folder."
        )


def _check_replaceable(target: Path, inputs: Iterable[str | os.PathLike[str]], option: str) -> None:
    keep = f"spillover keeps it even with {option}; choose another output folder"
    real = target.resolve()
    shown = f"{target} (= {real})" if str(real) != str(target) else str(target)
    for source in inputs:
        if _same_or_inside(target, Path(source)):
            what = "is" if real == Path(source).resolve() else "holds"
            raise OverwriteError(
                f"refusing to replace {shown}: it {what} {source}, an input of this run; {keep}."
            )
    for name, place in _protected_places():
        if _same_or_inside(target, place):
            what = "is" if real == place.resolve() else "contains"
            raise OverwriteError(f"refusing to replace {shown}: it {what} {name} ({place}); {keep}.")
    if target.is_symlink() or not target.is_dir():
        kind = "a link" if target.is_symlink() else "not a folder"
        raise OverwriteError(f"refusing to replace {shown}: it is {kind}; {keep}.")
    if not is_output_folder(target) and any(target.iterdir()):
        raise OverwriteError(
            f"refusing to replace {shown}: it has no {OUTPUT_MARKER} file, so spillover did not write it and "
            f"it may hold your own files; {keep} (or move its files away and delete it yourself)."
        )


def _protected_places() -> list[tuple[str, Path]]:
    places = []
    for name, where in (("the current folder", Path.cwd), ("your home folder", Path.home)):
        with contextlib.suppress(OSError, RuntimeError, KeyError):
            places.append((name, where()))
    return places


@contextlib.contextmanager
def atomic_folder(
    path: str | os.PathLike[str],
    *,
    writer: str,
    overwrite: bool = False,
    inputs: Iterable[str | os.PathLike[str]] = (),
    option: str = "overwrite=True",
) -> Iterator[Path]:
    """Yield a temporary folder beside ``path``; rename it onto ``path`` when the block succeeds.

    The folder is marked as spillover's (:func:`mark_output_folder` with ``writer``) before the block
    runs.  :func:`check_output_folder` decides, before and again after the block, whether an existing
    ``path`` may be replaced.  A run killed at any moment leaves ``path`` absent, or the previous complete
    folder, never half-written (renames within one file system are atomic).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "results"
    >>> with atomic_folder(target, writer="example") as tmp:
    ...     _ = (tmp / "a.txt").write_text("done")
    >>> sorted(p.name for p in target.iterdir())
    ['.spillover-output', 'a.txt']
    >>> with atomic_folder(target, writer="example", overwrite=True) as tmp:
    ...     _ = (tmp / "b.txt").write_text("again")
    >>> sorted(p.name for p in target.iterdir())
    ['.spillover-output', 'b.txt']
    """
    target = Path(path)
    inputs = list(inputs)
    check_output_folder(target, overwrite=overwrite, inputs=inputs, option=option)
    with _naming_target(target):
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        with _naming_target(target):
            os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes it private; an output folder is an ordinary one
            mark_output_folder(tmp, writer)
        yield tmp
        check_output_folder(target, overwrite=overwrite, inputs=inputs, option=option)
        with _naming_target(target):
            _publish(tmp, target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _publish(tmp: Path, target: Path) -> None:
    if not os.path.lexists(target):
        os.rename(tmp, target)
        return
    old = target.with_name(f".{target.name}.old-{os.getpid()}-{os.urandom(4).hex()}")
    os.rename(target, old)  # a kill between these two renames leaves the target absent, never partial
    os.rename(tmp, target)
    shutil.rmtree(old, ignore_errors=True)


# ---------------------------------------------------------------------- spreadsheet-safe tables
#: first characters that make Excel or LibreOffice evaluate a CSV cell as a formula (OWASP "CSV injection")
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
#: a signed number, optionally with a paper table's significance stars ("-0.695***"): data, never a formula
#: that could do harm (no letters, no function, no reference), so it is written as it is
_SIGNED_NUMBER = re.compile(r"[+-](\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\**")


def _needs_quote(text: str) -> bool:
    """A text that a spreadsheet would run as a formula (a signed number is read as that number: kept)."""
    if text.startswith("'"):
        return _needs_quote(text[1:])  # so that restore_csv_text undoes exactly what csv_safe did
    return text[:1] in FORMULA_TRIGGERS and not _SIGNED_NUMBER.fullmatch(text)


def _neutralise(value: Any) -> Any:
    return f"'{value}" if isinstance(value, str) and _needs_quote(value) else value


def _restore(value: Any) -> Any:
    if isinstance(value, str) and value.startswith("'") and _needs_quote(value[1:]):
        return value[1:]
    return value


def _map_labels(index: pd.Index, fn: Any) -> pd.Index:
    if isinstance(index, pd.MultiIndex):
        index = index.set_levels([level.map(fn) for level in index.levels])
    elif index.dtype == object or pd.api.types.is_string_dtype(index.dtype):
        index = index.map(fn)
    return index.set_names([fn(n) for n in index.names])


def _map_text(frame: pd.DataFrame, fn: Any) -> pd.DataFrame:
    out = frame.copy()
    out.columns = _map_labels(out.columns, fn)
    out.index = _map_labels(out.index, fn)
    for j in range(out.shape[1]):
        col = out.iloc[:, j]
        if (
            col.dtype == object
            or pd.api.types.is_string_dtype(col.dtype)
            or isinstance(col.dtype, pd.CategoricalDtype)
        ):
            out.isetitem(j, col.map(fn))
    return out


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells, column and index labels cannot run as spreadsheet formulas.

    Text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading ``'`` (the
    OWASP advice against CSV injection); numbers, and text that is just a signed number, are left alone.

    Examples
    --------
    >>> frame = pd.DataFrame({"id": ["=1+2", "@SUM(1,1)", "-1.5", "Beijing"], "y": [-1.5, 2.0, 0.0, 1.0]})
    >>> csv_safe(frame)["id"].tolist(), csv_safe(frame)["y"].tolist()
    (["'=1+2", "'@SUM(1,1)", '-1.5', 'Beijing'], [-1.5, 2.0, 0.0, 1.0])
    """
    return _map_text(frame, _neutralise)


def restore_csv_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Undo :func:`csv_safe` on a frame read back from a CSV file (the readers of spillover call it).

    Examples
    --------
    >>> frame = pd.DataFrame({"id": ["=1+2", "'=x", "-x"]})
    >>> restore_csv_text(csv_safe(frame)).equals(frame)
    True
    """
    return _map_text(frame, _restore)


def write_csv(frame: pd.DataFrame, path: str | os.PathLike[str], **to_csv: Any) -> None:
    """Write ``frame`` as CSV for spreadsheets: UTF-8 with a byte-order mark, formula-safe text cells.

    The byte-order mark makes Excel (also on Chinese Windows, which otherwise assumes GBK) read the file as
    UTF-8; pandas, R's readr, Stata and spillover's readers skip it.  Lines end in CR LF (RFC 4180, as Excel
    writes them), so that a carriage return inside a cell is quoted.  ``to_csv`` goes to
    :meth:`pandas.DataFrame.to_csv`.  The file is written in place: wrap the call in :func:`atomic_path`.
    """
    csv_safe(frame).to_csv(path, encoding="utf-8-sig", lineterminator="\r\n", **to_csv)


def csv_text(frame: pd.DataFrame, **to_csv: Any) -> str:
    """The CSV text of ``frame`` with formula-safe text cells (for standard output or a text file)."""
    return str(csv_safe(frame).to_csv(**to_csv))


@contextlib.contextmanager
def excel_writer(path: str | os.PathLike[str]) -> Iterator[pd.ExcelWriter]:
    """A pandas ``ExcelWriter`` (openpyxl) whose text cells are all stored as text when the block ends.

    openpyxl stores a string that starts with ``=`` as a live formula (and ``#N/A`` as an error value);
    a region id or a variable name must stay the text it is.

    Examples
    --------
    >>> import tempfile, pathlib, openpyxl
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "t.xlsx"
    >>> with excel_writer(path) as xl:
    ...     pd.DataFrame({"=1+2": ["=HYPERLINK('x')"]}).to_excel(xl, index=False)
    >>> [(c.value, c.data_type) for c in openpyxl.load_workbook(path).active["A"]]
    [('=1+2', 's'), ("=HYPERLINK('x')", 's')]
    """
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        yield xl
        _text_cells(xl.book)


def _text_cells(book: Any) -> None:
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type in ("f", "e") and isinstance(cell.value, str):
                    cell.data_type = "s"


_Format = TypeVar("_Format", bound=str)


def _format(path: Path, known: Mapping[str, _Format], what: str) -> _Format:
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

    Region ids that look like codes keep their leading zeros only if stored as text in the file.  In a CSV
    file, the ``'`` that :func:`write_csv` puts before text starting with ``=``, ``+``, ``-``, ``@``, a tab
    or a carriage return is removed (so a panel written by :func:`write_panel` reads back unchanged).

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
        frame = restore_csv_text(pd.read_csv(source, encoding=enc))
    except UnicodeDecodeError as exc:
        hint = "pass encoding= (e.g. 'gbk' for Chinese yearbook files, 'latin-1' for western European)"
        if encoding:
            hint = "pass the file's real encoding="
        raise SpilloverError(
            f"{source} is not valid {enc} text (byte {exc.object[exc.start : exc.start + 1]!r} at position "
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
        return int(head[start : start + 3])
    return head[0]


def _transcode(frame: pd.DataFrame, encoding: str, source: Path) -> pd.DataFrame:
    """Re-decode text that pandas read as Latin-1 (old Stata files) in ``encoding``."""

    def fix(value: object) -> object:
        return value.encode("latin-1").decode(encoding) if isinstance(value, str) else value

    try:
        out = frame.rename(columns=fix)
        for col in out.columns[out.dtypes == object]:  # noqa: E721 - dtype equality, not a type check
            out[col] = out[col].map(fix)
    except (UnicodeError, LookupError) as exc:
        raise SpilloverError(f"the text in {source} is not {encoding}: {exc}") from None
    return out


def write_panel(frame: pd.DataFrame, path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
    """Write a long panel to CSV, Excel or Stata atomically; the frame's index is written if named.

    A CSV file is UTF-8 with a byte-order mark and an Excel file stores text as text, so that no cell runs as
    a spreadsheet formula (see :func:`write_csv` and :func:`excel_writer`); :func:`read_panel` reads both
    back unchanged.
    """
    target = Path(path)
    fmt = _format(target, PANEL_FORMATS, "panel")
    data = frame.reset_index() if any(n is not None for n in frame.index.names) else frame
    with atomic_path(target, overwrite=overwrite) as tmp:
        if fmt == "csv":
            write_csv(data, tmp, index=False)
        elif fmt == "xlsx":
            with excel_writer(tmp) as xl:
                data.to_excel(xl, index=False)
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
    """Read region boundaries from a GeoPackage, Shapefile, GeoJSON (via pyogrio) or GeoParquet.

    GeoParquet (``.parquet``, ``.geoparquet``; read by :func:`geopandas.read_parquet`, needs pyarrow) is
    the fast one at large N: a million polygons read in seconds, columns and types as written.

    Parameters
    ----------
    layer
        Layer of a GeoPackage (default: the first); the layers are listed when it does not exist.  A
        GeoParquet file has no layers.
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
    if _format(source, BOUNDARY_FORMATS, "boundary") == "parquet":
        frame = _read_geoparquet(source, layer)
    else:
        frame = _read_ogr(source, layer, encoding)
    if frame.crs is None:
        raise SpilloverError(
            f"{source.name} has no coordinate reference system; set one (e.g. frame.set_crs('EPSG:4326')) "
            "before using it, so distances are computed correctly."
        )
    return checked_geometry(frame, make_valid=make_valid, where=f"{source.name}, rows")


def _read_geoparquet(source: Path, layer: str | None) -> gpd.GeoDataFrame:
    import pyarrow as pa

    if layer is not None:
        raise SpilloverError(
            f"{source.name} is a GeoParquet file, which has no layers; drop layer={layer!r}."
        )
    try:
        return gpd.read_parquet(source)
    except (pa.ArrowException, OSError) as exc:
        raise SpilloverError(f"{source} is not a readable Parquet file: {exc}") from None
    except ValueError as exc:  # geopandas: a Parquet file without the 'geo' metadata or geometry column
        raise SpilloverError(
            f"{source} is not a GeoParquet boundary file ({' '.join(str(exc).split())}); write one with "
            "spillover.io.write_boundaries(frame, 'regions.parquet') or GeoDataFrame.to_parquet."
        ) from None


def _read_ogr(source: Path, layer: str | None, encoding: str | None) -> gpd.GeoDataFrame:
    import pyogrio

    if layer is not None and source.is_file():
        layers = _layers(source)
        if layers is not None and layer not in layers:
            raise SpilloverError(f"{source} has no layer {layer!r}; its layers are {format_items(layers)}.")
    options = {"encoding": encoding} if encoding else {}
    try:
        return gpd.read_file(source, layer=layer, engine="pyogrio", **options)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise SpilloverError(f"{source} is not a readable boundary file: {exc}") from None


def _layers(source: Path) -> list[str] | None:
    import pyogrio

    try:
        return [str(name) for name in pyogrio.list_layers(source)[:, 0]]
    except pyogrio.errors.DataSourceError:
        return None  # read_file names the problem


def checked_geometry(
    frame: gpd.GeoDataFrame, *, make_valid: bool = False, where: str = "regions"
) -> gpd.GeoDataFrame:
    """Warn about (or repair) invalid polygons, naming them by the frame's index labels.

    Invalid geometries (a self-intersecting ring, a bow tie) give wrong areas, centroids and contiguity.
    With ``make_valid=True`` they are repaired by GEOS ``make_valid`` (structure method, collapsed parts
    dropped) and a new frame is returned; otherwise a :class:`~spillover.errors.GeometryWarning` names them
    with GEOS's reason and the frame is returned unchanged.

    Examples
    --------
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
    warn(
        f"{where} with invalid geometry: {', '.join(reasons)}{more}. Areas, centroids and contiguity may be "
        "wrong; pass make_valid=True to repair them.",
        GeometryWarning,
    )
    return frame


def write_boundaries(
    frame: gpd.GeoDataFrame | pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    layer: str | None = None,
    overwrite: bool = False,
) -> Path:
    """Write boundaries to a GeoPackage (version 1.2, see ``GPKG_VERSION``), Shapefile, GeoJSON or GeoParquet atomically.

    The one writer of boundary files: the study runner (``regions.gpkg``) and the QGIS helpers
    (:func:`spillover.qgis.write_geopackage`) write through it.  ``frame`` is never modified (its columns,
    dtypes, index and ``attrs`` are the same afterwards), and pyogrio's "Created N records" log line is
    kept off the user's terminal.

    A GeoPackage may also hold a table without geometry (``frame`` a plain DataFrame).  A Shapefile is
    several files: they are written to a temporary folder and each part is renamed into
    place, after checking that none of them exists (unless ``overwrite``).

    Examples
    --------
    >>> import tempfile, pathlib, geopandas, shapely
    >>> frame = geopandas.GeoDataFrame({"id": ["a"]}, geometry=[shapely.box(0, 0, 1, 1)], crs="EPSG:4326")
    >>> target = write_boundaries(frame, pathlib.Path(tempfile.mkdtemp()) / "regions.gpkg", layer="regions")
    >>> read_boundaries(target, layer="regions")["id"].tolist()
    ['a']
    """
    target = Path(path)
    fmt = _format(target, BOUNDARY_FORMATS, "boundary")
    if fmt == "shp":
        return _write_shapefile(frame, target, overwrite)
    if fmt == "parquet":
        if layer is not None:
            raise SpilloverError(f"a GeoParquet file has no layers; drop layer={layer!r}.")
        with atomic_path(target, overwrite=overwrite) as tmp:
            frame.to_parquet(tmp)  # GeoParquet for a GeoDataFrame, plain Parquet for a table
        return target
    if fmt == "gpkg" and layer is None:
        layer = target.stem  # not the temporary file's name
    options = GPKG_OPTIONS if fmt == "gpkg" else {}
    with atomic_path(target, overwrite=overwrite) as tmp, _quiet_pyogrio():
        if isinstance(frame, gpd.GeoDataFrame):
            frame.to_file(tmp, driver=_OGR_DRIVERS[fmt], layer=layer, engine="pyogrio", **options)
        else:  # a table without geometry (a QGIS attribute-only layer): an attribute table in the file
            import pyogrio

            pyogrio.write_dataframe(frame, tmp, driver=_OGR_DRIVERS[fmt], layer=layer, **options)
    return target


@contextlib.contextmanager
def _quiet_pyogrio() -> Iterator[None]:
    """pyogrio logs "Created N records" at INFO for every file written: not news on a terminal."""
    logger = logging.getLogger("pyogrio")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def _write_shapefile(frame: gpd.GeoDataFrame, target: Path, overwrite: bool) -> Path:
    for suffix in _SHAPEFILE_PARTS:
        _check_writable(target.with_suffix(suffix), overwrite)
    _remove_stale_temporaries(target)
    with (
        _naming_target(target),
        tempfile.TemporaryDirectory(dir=target.parent, prefix=_temp_prefix(target)) as tmpdir,
    ):
        tmp = Path(tmpdir) / target.name
        with _quiet_pyogrio():
            frame.to_file(tmp, driver="ESRI Shapefile", engine="pyogrio")
        for part in sorted(Path(tmpdir).iterdir()):
            os.replace(part, target.with_suffix(part.suffix))
    return target
