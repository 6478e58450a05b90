"""Write a study's outputs into a folder that appears complete or not at all.

Everything is written into a hidden temporary sibling of the output folder, which is renamed onto the
output folder at the very end (a rename within one file system is atomic).  A run killed at any moment
leaves the output folder absent (or, with ``overwrite``, the previous complete one), never half-written.
The folder carries spillover's marker file; ``overwrite`` replaces only such a folder, and never one that holds
the study file or an input of the study (:func:`spillover.io.check_output_folder`).

CSV tables are UTF-8 with a byte-order mark and every text cell of the CSV and Excel tables is
formula-safe (:func:`spillover.io.write_csv`, :func:`spillover.io.excel_writer`).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Collection, Iterable, Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from spillover import _labels, io
from spillover.options import Language
from spillover.study.results import StudyTable
from spillover.summary import translate, translate_frame
from spillover.tables import latex_cjk_note

__all__ = ["staging_folder", "write_tables", "write_geopackage", "region_layer", "check_target"]


#: how the option that replaces an output folder is named in messages
_FORCE = "overwrite=True (--force)"


def check_target(target: Path, overwrite: bool, inputs: Iterable[Path] = ()) -> None:
    """Refuse an existing output folder unless ``overwrite`` and spillover wrote it (see
    :func:`spillover.io.check_output_folder`); a folder holding one of ``inputs`` is never replaced."""
    io.check_output_folder(target, overwrite=overwrite, inputs=inputs, option=_FORCE)


@contextlib.contextmanager
def staging_folder(
    target: Path, *, overwrite: bool = False, inputs: Iterable[Path] = (), writer: str = "spillover.study.run"
) -> Iterator[Path]:
    """Yield a temporary, marked folder beside ``target``; rename it onto ``target`` when the block ends."""
    with io.atomic_folder(target, writer=writer, overwrite=overwrite, inputs=inputs, option=_FORCE) as tmp:
        yield tmp


# ---------------------------------------------------------------------- tables
def write_tables(
    tables: dict[str, StudyTable],
    folder: Path,
    formats: list[str],
    language: Language = "en",
    keep: Collection[str] = (),
) -> list[Path]:
    """Each table as ``tables/<name>.csv|.tex|.dta`` and all of them in ``tables/tables.xlsx``.

    With ``language="zh"`` (``[report] language``) the headers, statistics rows, Yes/No cells, titles and
    notes are in Chinese (:func:`spillover.summary.translate_frame`); the numbers and variable names are the
    same.  Stata variable names stay the English (ASCII) column names; their Chinese header becomes the
    variable label.  The names in ``keep`` (the study's variables) are never translated.
    """
    out = folder / "tables"
    out.mkdir()
    written: list[Path] = []
    for name, table in tables.items():
        if "csv" in formats:
            path = out / f"{name}.csv"
            io.write_csv(translate_frame(table.frame, language, keep), path)
            written.append(path)
        if "tex" in formats:
            path = out / f"{name}.tex"
            path.write_text(_latex(table, language, keep), encoding="utf-8")
            written.append(path)
        if "dta" in formats:
            path = out / f"{name}.dta"
            frame, labels = _stata(table, language, keep)
            frame.to_stata(
                path,
                write_index=False,
                version=118,
                data_label=_labels.text(table.title, language)[:80],
                variable_labels=labels,
            )
            written.append(path)
    if "xlsx" in formats and tables:
        path = out / "tables.xlsx"
        with io.excel_writer(path) as xl:
            for sheet, table in zip(_sheet_names(tables), tables.values()):
                translate_frame(table.frame, language, keep).to_excel(xl, sheet_name=sheet)
        written.append(path)
    return written


def _latex(table: StudyTable, language: Language = "en", keep: Collection[str] = ()) -> str:
    title = _labels.text(table.title, language)
    caption = title.replace("_", r"\_").replace("%", r"\%").replace("&", r"\&")
    display = translate(table.display, language, keep)
    body = (
        f"\\begin{{table}}[htbp]\n\\centering\n\\caption{{{caption}}}\n"
        f"{display.as_latex(cjk_note=False)}\n\\end{{table}}\n"
    )
    return f"% {title}\n% needs \\usepackage{{booktabs}}\n{latex_cjk_note(body)}{body}"


def _stata(
    table: StudyTable, language: Language = "en", keep: Collection[str] = ()
) -> tuple[pd.DataFrame, dict[str, str]]:
    """The table as a Stata frame (ASCII variable names) and the variable labels (the headers in
    ``language``; none in English)."""
    frame, _ = _stata_frame(table.frame)
    if language == "en":
        return frame, {}
    shown, labels = _stata_frame(translate_frame(table.frame, language, keep))
    for col, zh_col in zip(frame.columns, shown.columns):  # same cells, Chinese Yes/No and row labels
        if not pd.api.types.is_numeric_dtype(frame[col]):
            frame[col] = shown[zh_col]
    return frame, {name: lab[:80] for name, lab in zip(frame.columns, labels) if lab}


def _stata_frame(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Valid, unique variable names for the columns of ``frame`` (index included), and the original
    header of each (the variable label of a translated table)."""
    frame = frame.copy()
    if any(n is None for n in frame.index.names):  # unnamed (e.g. the rows of a paper table)
        frame.index = [" / ".join(map(str, i)) if isinstance(i, tuple) else i for i in frame.index]
        frame.index.name = "row"
    frame = frame.reset_index()
    used: set[str] = set()
    headers = [str(c) for c in frame.columns]
    frame.columns = [_stata_name(c, used) for c in headers]
    for col in frame.columns:
        if frame[col].dtype == bool:
            frame[col] = frame[col].astype("int8")
        elif pd.api.types.is_float_dtype(frame[col]):
            # Stata has no infinity (e.g. the first passage time to a state a Markov chain never reaches):
            # written as missing; the CSV and Excel tables keep inf
            frame[col] = frame[col].where(np.isfinite(frame[col]))
        elif not pd.api.types.is_numeric_dtype(frame[col]):
            frame[col] = frame[col].map(lambda v: "" if v is None or v is pd.NA else str(v)).astype(str)
    return frame, headers


def _stata_name(name: str, used: set[str]) -> str:
    """A valid, unique Stata variable name (letters, digits, underscores; 32 characters)."""
    clean = re.sub(r"\W+", "_", name.replace("*", "x_"), flags=re.ASCII).strip("_") or "v"
    if clean[0].isdigit():
        clean = f"v{clean}"
    clean = clean[:32]
    base, k = clean, 1
    while clean.lower() in used:
        clean = f"{base[:29]}_{k}"
        k += 1
    used.add(clean.lower())
    return clean


def _sheet_names(tables: dict[str, StudyTable]) -> list[str]:
    names, used = [], set()
    for name in tables:
        sheet = re.sub(r"[\[\]:*?/\\]", "_", name)[:31]
        base, k = sheet, 1
        while sheet.lower() in used:
            sheet = f"{base[:28]}_{k}"
            k += 1
        used.add(sheet.lower())
        names.append(sheet)
    return names


# ---------------------------------------------------------------------- GeoPackage
def region_layer(ctx: Any) -> gpd.GeoDataFrame:
    """One row per region: attributes, the mean of every numeric variable, the LISA cluster of each tested
    variable in each period, and the direct/emitted/received spillover of each regressor."""
    panel = ctx.panel
    geo = panel.geometry
    keep = [c for c in geo.columns if c == geo.geometry.name or (c != panel.id_name and _simple(geo[c]))]
    layer = geo[keep].copy()
    data = panel.data
    numeric = [v for v in panel.variables if pd.api.types.is_numeric_dtype(data[v])]
    means = data[numeric].groupby(level=0, sort=False).mean().add_prefix("mean_")
    layer = layer.join(means)
    for (var, period), res in ctx.lisa.items():
        layer[f"lisa_{var}_{period}"] = res.clusters.reindex(layer.index).astype(str)
    for x, frame in ctx.spillovers.items():
        for col in ("direct", "emitted", "received"):
            for suffix in ("", "_lo", "_hi"):  # the interval of the report's spillover maps, when drawn
                if f"{col}{suffix}" in frame.columns:
                    layer[f"{x}_{col}{suffix}"] = frame[f"{col}{suffix}"].reindex(layer.index).to_numpy(float)
    layer.index.name = panel.id_name
    return layer.reset_index()


def _simple(col: pd.Series) -> bool:
    """Whether a boundary attribute fits a GeoPackage field: numbers, booleans, text (a column of other
    Python objects, e.g. lists, is left out)."""
    if pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
        return True
    if not (pd.api.types.is_string_dtype(col) or pd.api.types.is_object_dtype(col)):
        return False  # datetimes, categories, intervals ...
    return bool(col.dropna().map(lambda v: isinstance(v, str | int | float | bool)).all())


def write_geopackage(layer: gpd.GeoDataFrame, path: Path) -> Path:
    """Write the regions layer as a GeoPackage 1.2 through :func:`spillover.io.write_boundaries`.

    Attribute columns of Python objects are written as text; ``layer`` itself is left unchanged.
    """
    text = {
        col: layer[col].astype(str)
        for col in layer.columns
        if layer[col].dtype == object and col != layer.geometry.name
    }
    return io.write_boundaries(layer.assign(**text) if text else layer, path, layer="regions")
