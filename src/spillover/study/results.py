"""What a study run produces, before it is written: tables, figures and report sections."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from spillover.tables import SummaryTable

__all__ = ["StudyTable", "StudyFigure", "Section", "StudyRun", "display_table"]


@dataclass(frozen=True)
class StudyTable:
    """A table of the study: ``frame`` is written to CSV/Excel/Stata, ``display`` to the report and LaTeX."""

    name: str
    frame: pd.DataFrame
    display: SummaryTable

    @property
    def title(self) -> str:
        return self.display.title

    def _repr_html_(self) -> str:
        return self.display._repr_html_()


@dataclass(frozen=True)
class StudyFigure:
    """A rendered figure: ``data`` holds the PNG or SVG bytes embedded in the report."""

    name: str
    title: str
    mime: str
    data: bytes
    caption: str = ""

    def _repr_png_(self) -> bytes | None:
        return self.data if self.mime == "image/png" else None

    def _repr_svg_(self) -> str | None:
        return self.data.decode("utf-8") if self.mime == "image/svg+xml" else None


@dataclass
class Section:
    """A section of the report: an ordered list of blocks (text, preformatted text, tables, figures)."""

    id: str
    title: str
    blocks: list[tuple[str, Any]] = field(default_factory=list)

    def text(self, text: str) -> None:
        self.blocks.append(("text", text))

    def pre(self, text: str) -> None:
        self.blocks.append(("pre", text))

    def table(self, table: StudyTable) -> None:
        self.blocks.append(("table", table))

    def figure(self, figure: StudyFigure) -> None:
        self.blocks.append(("figure", figure))


@dataclass(frozen=True)
class StudyRun:
    """A finished study run: the output folder and what was written in it.

    Attributes
    ----------
    folder
        The output folder (complete: it was renamed into place at the end of the run).
    files
        ``{"report": [...], "geopackage": [...], "tables": [...], "study": [...]}``, paths inside ``folder``.
    tables
        Every table of the study, by name.
    models
        The fitted spatial models, by name.
    warnings
        Messages of the warnings raised during the run (they are also in the report).
    seconds
        Wall time of the run.
    """

    folder: Path
    files: dict[str, list[Path]]
    tables: dict[str, StudyTable]
    models: dict[str, Any]
    warnings: list[str]
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        """Machine-readable summary (``spillover run --json``)."""
        return {
            "folder": str(self.folder),
            "files": {k: [str(p) for p in v] for k, v in self.files.items()},
            "models": {name: _model_dict(res) for name, res in self.models.items()},
            "warnings": self.warnings,
            "seconds": round(self.seconds, 2),
        }

    def summary(self) -> SummaryTable:
        """The folder, the files written and the tables of the run, the warnings as notes."""
        tables = pd.DataFrame({"title": [t.title for t in self.tables.values()]}, index=list(self.tables))
        header = {"folder": str(self.folder), "seconds": round(self.seconds, 2)}
        header |= {kind: len(paths) for kind, paths in self.files.items()}
        notes = "Warnings: " + " | ".join(self.warnings) if self.warnings else ""
        return SummaryTable("Study run", (tables,), header, notes=notes, captions=("Tables",))

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()


def _model_dict(res: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "params": {k: float(v) for k, v in res.params.items()},
        "std_errors": {k: float(v) for k, v in res.std_errors.items()},
    }
    for attr in ("loglik", "sigma2", "r2"):
        if hasattr(res, attr):
            out[attr] = float(getattr(res, attr))
    return out


def display_table(frame: pd.DataFrame, title: str, notes: str = "", digits: int = 4) -> SummaryTable:
    """A numeric frame rendered as strings (``digits`` decimals; integers and text kept) for the report."""

    def fmt(v: Any) -> str:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return ""
        if isinstance(v, bool | np.bool_):
            return "yes" if v else "no"
        if isinstance(v, int | np.integer):
            return str(v)
        if isinstance(v, float | np.floating):
            return f"{v:.{digits}f}"
        return str(v)

    flat = frame.copy()
    if isinstance(flat.index, pd.MultiIndex):
        flat.index = [" / ".join(str(p) for p in i) for i in flat.index]
    cells = flat.map(fmt) if hasattr(flat, "map") else flat.applymap(fmt)
    cells.columns = [str(c) for c in cells.columns]
    return SummaryTable(title, (cells,), notes=notes)
