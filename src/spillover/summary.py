"""One result vocabulary (foundation layer): the :class:`Summary` every ``summary()`` returns and the column
names every estimate-like ``to_frame()`` uses.

Results expose numbers (``params``, ``std_errors``, ``pvalues``, ``to_frame()``) and a ``summary()`` built
from the types here; the presentation layer (:mod:`spillover.tables`, the study report, QGIS) renders results
through the small :class:`TableResult` protocol and never needs to rename a column.

Columns of ``to_frame()`` (see docs/conventions.md, "Result columns"), in this order:

| column                 | meaning                                                               |
|------------------------|-----------------------------------------------------------------------|
| ``estimate``           | point estimate                                                        |
| ``std_error``          | its standard error                                                    |
| ``statistic``          | the test statistic (z or t: estimate / std_error, or the test's own)  |
| ``p_value``            | p-value of the statistic                                              |
| ``ci_lower, ci_upper`` | confidence interval (95% unless the method says otherwise)            |
| ``p_sim``              | simulated / permutation p-value, where the method simulates           |

Examples
--------
>>> COLUMNS
('estimate', 'std_error', 'statistic', 'p_value', 'ci_lower', 'ci_upper')
>>> s = Summary("Model of y", (pd.DataFrame({"estimate": [0.5]}, index=["x"]),), header={"N": 10}, notes="n")
>>> s.as_text().splitlines()[:2], s.frame.loc["x", "estimate"], s.header["N"]
(['Model of y', 'N: 10'], np.float64(0.5), 10)
"""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np
import pandas as pd

from spillover import _labels
from spillover.errors import ModelError
from spillover.options import Language, check_option
from spillover.regions import has_cjk

__all__ = [
    "COLUMNS",
    "P_SIM",
    "Summary",
    "TableResult",
    "coefficient_frame",
    "stars_for",
    "latex_cjk_note",
    "CJK_LATEX_NOTE",
    "SeStyle",
    "std_errors",
    "conf_int",
    "translate",
    "translate_frame",
]

#: The column scheme of every estimate-like ``to_frame()``: defined here once.
COLUMNS: tuple[str, ...] = ("estimate", "std_error", "statistic", "p_value", "ci_lower", "ci_upper")
#: The extra column of simulated (or permutation) p-values, after :data:`COLUMNS`.
P_SIM = "p_sim"
#: first line of LaTeX output whose text holds CJK characters
CJK_LATEX_NOTE = r"% requires \usepackage{xeCJK} (compile with XeLaTeX) for the CJK text in this table"

SeStyle = Literal["se", "t"]


def coefficient_frame(
    estimate: Any,
    std_error: Any,
    statistic: Any,
    p_value: Any,
    ci_lower: Any = np.nan,
    ci_upper: Any = np.nan,
    *,
    index: Any = None,
    **extra: Any,
) -> pd.DataFrame:
    """A frame in the :data:`COLUMNS` scheme (``extra`` columns, e.g. ``p_sim``, after them).

    Examples
    --------
    >>> list(coefficient_frame([1.0], [0.5], [2.0], [0.05], index=["x"], p_sim=[0.04]).columns)
    ['estimate', 'std_error', 'statistic', 'p_value', 'ci_lower', 'ci_upper', 'p_sim']
    """
    values = dict(zip(COLUMNS, (estimate, std_error, statistic, p_value, ci_lower, ci_upper))) | extra
    return pd.DataFrame(values, index=index)


def std_errors(params: pd.Series, cov: pd.DataFrame) -> pd.Series:
    """Standard errors of ``params``: the square roots of the diagonal of ``cov``, named ``std_errors``.

    One definition for every result that carries ``params`` and ``cov`` (spatial and panel models).

    Examples
    --------
    >>> std_errors(pd.Series([1.0, 2.0], index=["a", "b"]), pd.DataFrame([[4.0, 0.0], [0.0, 0.25]])).tolist()
    [2.0, 0.5]
    """
    return pd.Series(np.sqrt(np.diag(cov.to_numpy())), index=params.index, name="std_errors")


def conf_int(params: pd.Series, std_errors: pd.Series, q: float) -> pd.DataFrame:
    """Confidence intervals ``params -/+ q * std_errors`` (``q``: the quantile of the reference distribution,
    e.g. ``scipy.stats.norm.ppf(0.975)``), columns ``lower`` and ``upper``.

    Examples
    --------
    >>> conf_int(pd.Series([1.0], index=["a"]), pd.Series([0.5], index=["a"]), 2.0).loc["a"].tolist()
    [0.0, 2.0]
    """
    return pd.DataFrame({"lower": params - q * std_errors, "upper": params + q * std_errors})


def stars_for(p: float, levels: Sequence[float] = (0.1, 0.05, 0.01)) -> str:
    """Significance stars: one per level in ``levels`` that ``p`` is below.

    Examples
    --------
    >>> stars_for(0.003), stars_for(0.07), stars_for(0.5)
    ('***', '*', '')
    """
    if p is None or not np.isfinite(p):
        return ""
    return "*" * sum(p < lev for lev in levels)


def latex_cjk_note(latex: str) -> str:
    r""":data:`CJK_LATEX_NOTE` and a newline if ``latex`` holds CJK text (else ``""``): put it on top.

    Examples
    --------
    >>> latex_cjk_note("GDP per capita")
    ''
    >>> print(latex_cjk_note("人均GDP"), end="")
    % requires \usepackage{xeCJK} (compile with XeLaTeX) for the CJK text in this table
    """
    return CJK_LATEX_NOTE + "\n" if has_cjk(latex) else ""


def fmt(v: float | None, digits: int) -> str:
    """A number with ``digits`` decimals, blank when missing or not finite."""
    return "" if v is None or not np.isfinite(v) else f"{v:.{digits}f}"


def pair(
    est: float, se: float, p: float, se_style: SeStyle, levels: Sequence[float], digits: int
) -> tuple[str, str]:
    """The two cells of a paper table: estimate with stars, and ``(se)`` (or ``(t)``) beneath."""
    if est is None or not np.isfinite(est):
        return "", ""
    below = est / se if se_style == "t" else se
    paren = f"({fmt(below, digits)})" if np.isfinite(below) else ""
    return f"{fmt(est, digits)}{stars_for(p, levels)}", paren


def star_notes(se: str, stars: Sequence[float]) -> str:
    """The footnote of a paper table: what the parentheses hold and what the stars mean."""
    below = "standard errors" if se == "se" else "z statistics"
    lev = sorted(stars, reverse=True)
    marks = ", ".join(f"{'*' * (i + 1)} p<{lev[i]:g}" for i in range(len(lev)))
    return f"Notes: {below} in parentheses; {marks}."


def check_se_style(se: str) -> None:
    """``se`` of a paper table: ``"se"`` (standard errors beneath) or ``"t"`` (z/t statistics)."""
    check_option(se, ("se", "t"), "se", error=ModelError)


def row_labels(rows: Mapping[tuple[str, str], list[str]]) -> list[str]:
    """Row labels of a paper table: the name on the coefficient line, blank on the parenthesis line."""
    return [name if part != "se" else "" for name, part in rows]


@runtime_checkable
class TableResult(Protocol):
    """What :func:`spillover.tables.compare` needs from a fitted model (every spillover result implements it).

    ``table_coefficients()`` is a DataFrame indexed by coefficient name with columns ``estimate``,
    ``std_error`` and ``p_value``; ``table_statistics(digits)`` the rows printed under the coefficients
    (e.g. ``{"Region FE": "Yes", "Cluster": "region", "N": "816", "R2 within": "0.412"}``, strings, in
    order); ``table_dependent`` the dependent variable.  Any object with these three members can be put
    in a table, including results from other packages wrapped in a small adapter.
    """

    @property
    def table_dependent(self) -> str: ...

    def table_coefficients(self) -> pd.DataFrame: ...

    def table_statistics(self, digits: int = 3) -> dict[str, str]: ...


def _cell(v: Any) -> str:
    if isinstance(v, float | np.floating):
        return fmt(float(v), 4) if np.isfinite(v) else ""
    return str(v)


def _strings(frame: pd.DataFrame) -> tuple[list[str], list[str], np.ndarray]:
    labels = [" / ".join(map(str, i)) if isinstance(i, tuple) else str(i) for i in frame.index]
    cols = [" / ".join(map(str, c)) if isinstance(c, tuple) else str(c) for c in frame.columns]
    body = np.array([[_cell(v) for v in row] for row in frame.to_numpy(dtype=object)], dtype=object)
    return labels, cols, body.reshape(len(labels), len(cols))


@dataclass(frozen=True, eq=False)
class Summary:
    """A result's report: title, header key/values, one or more tables, notes; read-only.

    Renders as text (``str()``, :meth:`as_text`), HTML (:meth:`as_html`, shown by notebooks) and LaTeX
    (:meth:`as_latex`).  The numbers stay reachable: :attr:`tables` holds the blocks as DataFrames (strings
    for paper tables, numbers otherwise), :attr:`frame` the first, :attr:`header` the key/values.
    """

    title: str
    tables: tuple[pd.DataFrame, ...] = ()
    header: Mapping[str, Any] = field(default_factory=dict)
    notes: str = ""
    captions: tuple[str, ...] = ()

    corner: str = ""
    """Heading of the row-label column (``"变量"`` in a Chinese paper table; blank by default)."""

    def __post_init__(self) -> None:
        blocks = (self.tables,) if isinstance(self.tables, pd.DataFrame) else tuple(self.tables)
        object.__setattr__(self, "tables", tuple(b.copy() for b in blocks))
        object.__setattr__(self, "header", MappingProxyType(dict(self.header)))
        object.__setattr__(
            self, "captions", tuple(self.captions) + ("",) * (len(blocks) - len(self.captions))
        )

    # ------------------------------------------------------------------ numbers
    @property
    def frame(self) -> pd.DataFrame:
        """The first table (a copy; an empty frame when there is none)."""
        return self.tables[0].copy() if self.tables else pd.DataFrame()

    @property
    def cells(self) -> pd.DataFrame:
        """Alias of :attr:`frame` (the cells of a paper table)."""
        return self.frame

    def to_frame(self) -> pd.DataFrame:
        """The first table as a DataFrame (row labels as index)."""
        return self.frame

    # ------------------------------------------------------------------ text
    def _header_lines(self) -> list[str]:
        return [f"{k}: {_cell(v)}" for k, v in self.header.items()]

    def as_text(self) -> str:
        """Plain-text rendering with aligned columns."""
        out = [self.title, *self._header_lines()]
        for caption, block in zip(self.captions, self.tables):
            if caption:
                out.append(caption)
            out += self._block_text(block, self.corner)
        if self.notes:
            out.append(self.notes)
        return "\n".join(out)

    @staticmethod
    def _block_text(block: pd.DataFrame, corner: str = "") -> list[str]:
        labels, cols, body = _strings(block)
        lw = max([_width(s) for s in [*labels, corner]] + [9])
        cw = [max([_width(c)] + [_width(str(v)) for v in body[:, j]]) + 2 for j, c in enumerate(cols)]
        line = "-" * (lw + sum(cw))
        out = [line, _ljust(corner, lw) + "".join(_center(c, w) for c, w in zip(cols, cw)), line]
        for lab, row in zip(labels, body):
            out.append(_ljust(lab, lw) + "".join(_center(str(v), w) for v, w in zip(row, cw)))
        return out + [line]

    def __str__(self) -> str:
        return self.as_text()

    def __repr__(self) -> str:
        return self.as_text()

    # ------------------------------------------------------------------ html
    def as_html(self) -> str:
        """HTML tables (also used by notebooks)."""
        parts = []
        for i, (caption, block) in enumerate(zip(self.captions, self.tables)):
            title = self.title if i == 0 else ""
            cap = " - ".join(html.escape(t) for t in (title, caption) if t)
            if i == 0 and self.header:
                cap += "".join(f"<br>{html.escape(line)}" for line in self._header_lines())
            labels, cols, body = _strings(block)
            head = "".join(f"<th>{html.escape(c)}</th>" for c in cols)
            rows = []
            for lab, row in zip(labels, body):
                tds = "".join(f"<td>{html.escape(str(v))}</td>" for v in row)
                rows.append(f"<tr><th>{html.escape(lab)}</th>{tds}</tr>")
            foot = (
                f"<tfoot><tr><td colspan='{len(cols) + 1}'>{html.escape(self.notes)}</td></tr></tfoot>"
                if i == len(self.tables) - 1
                else ""
            )
            parts.append(
                f"<table><caption>{cap}</caption><thead><tr><th>{html.escape(self.corner)}</th>{head}</tr></thead>"
                f"<tbody>{''.join(rows)}</tbody>{foot}</table>"
            )
        if not parts:
            lines = [self.title, *self._header_lines(), self.notes]
            return "<pre>" + html.escape("\n".join(x for x in lines if x)) + "</pre>"
        return "\n".join(parts)

    def _repr_html_(self) -> str:
        return self.as_html()

    # ------------------------------------------------------------------ latex
    def as_latex(self, *, cjk_note: bool = True) -> str:
        """LaTeX ``tabular`` per table (booktabs rules), notes under the last.

        With ``cjk_note`` (default) a table whose text holds CJK characters starts with the comment
        :data:`CJK_LATEX_NOTE` (xeCJK, XeLaTeX): pdfLaTeX cannot typeset those characters.
        """
        texts = [
            self._block_latex(b, self.notes if i == len(self.tables) - 1 else "", self.corner)
            for i, b in enumerate(self.tables)
        ]
        text = "\n\n".join(texts)
        return latex_cjk_note(text) + text if cjk_note else text

    @staticmethod
    def _block_latex(block: pd.DataFrame, notes: str, corner: str = "") -> str:
        labels, cols, body = _strings(block)
        ncol = len(cols)
        lines = [
            r"\begin{tabular}{l" + "c" * ncol + "}",
            r"\toprule",
            " & ".join([_latex_label(corner)] + [_latex_label(c) for c in cols]) + r" \\",
            r"\midrule",
        ]
        for lab, row in zip(labels, body):
            lines.append(" & ".join([_latex_label(lab)] + [_latex_cell(v) for v in row]) + r" \\")
        lines.append(r"\bottomrule")
        if notes:
            lines.append(r"\multicolumn{" + str(ncol + 1) + "}{l}{" + _latex_escape(notes) + "}")
        lines.append(r"\end{tabular}")
        return "\n".join(lines)


def _latex_escape(s: object) -> str:
    text = str(s)
    for a, b in (
        ("\\", r"\textbackslash{}"),
        ("_", r"\_"),
        ("%", r"\%"),
        ("&", r"\&"),
        ("#", r"\#"),
        ("<", "$<$"),
        (">", "$>$"),
    ):
        text = text.replace(a, b)
    return text


def _latex_cell(s: object) -> str:
    """Trailing stars become a superscript."""
    text = _latex_escape(s)
    stripped = text.rstrip("*")
    n_stars = len(text) - len(stripped)
    return stripped + (f"$^{{{'*' * n_stars}}}$" if n_stars else "")


def _latex_label(s: object) -> str:
    """``W*x`` is typeset W x x."""
    return _latex_escape(s).replace("*", r"$\times$")


def _width(s: str) -> int:
    """Columns ``s`` takes in a monospaced font: Chinese (wide) characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def _ljust(s: str, width: int) -> str:
    return s + " " * max(width - _width(s), 0)


def _center(s: str, width: int) -> str:
    pad = max(width - _width(s), 0)
    return " " * (pad // 2) + s + " " * (pad - pad // 2)


# ---------------------------------------------------------------------------------------------- language
def translate(summary: Summary, language: Language = "en", keep: Collection[str] = ()) -> Summary:
    """``summary`` with the words spillover wrote in ``language`` (:mod:`spillover._labels`): title, header,
    column headers, statistics rows, Yes/No cells, captions and notes; variable names and numbers unchanged.

    A paper table (its notes explain the parentheses) gets the row-label heading (``变量``) in Chinese.
    Names in ``keep`` (the variables of a study or of the models shown) are never translated, even where
    one is spelt like a label spillover writes (a variable ``T`` beside Theil's ``T``).

    >>> s = Summary("Dependent variable: y", (pd.DataFrame({"(1)": ["0.5**", "(0.2)", "Yes"]},
    ...             index=["x", "", "Region FE"]),), notes="Notes: standard errors in parentheses; * p<0.1.")
    >>> t = translate(s, "zh")
    >>> t.title, list(t.frame.index), t.frame["(1)"].tolist(), t.corner
    ('被解释变量：y', ['x', '', '地区固定效应'], ['0.5**', '(0.2)', '是'], '变量')
    """
    _labels.check_language(language)
    if language == "en":
        return summary
    paper = "in parentheses;" in summary.notes
    return replace(
        summary,
        title=_labels.text(summary.title, language),
        tables=tuple(translate_frame(b, language, keep) for b in summary.tables),
        header={
            _labels.label(k, language): _header_value(v, language, keep) for k, v in summary.header.items()
        },
        notes=_labels.text(summary.notes, language),
        captions=tuple(_labels.text(c, language) for c in summary.captions),
        corner=_labels.label(summary.corner or ("Variables" if paper else ""), language),
    )


def _header_value(value: Any, language: Language, keep: Collection[str]) -> Any:
    """A header value in ``language``: text cells (``none``, ``levels``) and booleans (是/否); names kept."""
    if isinstance(value, bool):
        value = "Yes" if value else "No"
    return _labels.cell(value, language) if isinstance(value, str) and value not in keep else value


def translate_frame(
    frame: pd.DataFrame, language: Language = "en", keep: Collection[str] = ()
) -> pd.DataFrame:
    """A copy of ``frame`` with the labels spillover wrote (column headers, statistics rows, index names)
    and its text cells (Yes/No) in ``language``; numbers, variable names and the row order unchanged.

    >>> translate_frame(pd.DataFrame({"estimate": [0.5]}, index=["x"]), "zh").columns.tolist()
    ['系数']
    """
    _labels.check_language(language)
    out = frame.copy()
    if language == "en":
        return out

    def lab(v: Any) -> Any:
        return _labels.label(v, language, keep) if isinstance(v, str) else v

    def axis(index: pd.Index) -> pd.Index:
        names = [lab(n) for n in index.names]
        if isinstance(index, pd.MultiIndex):
            return pd.MultiIndex.from_tuples([tuple(lab(v) for v in t) for t in index], names=names)
        if not (pd.api.types.is_object_dtype(index) or pd.api.types.is_string_dtype(index)):
            # periods, numeric region codes: numbers are names
            return index.rename(names[0])
        return pd.Index([lab(v) for v in index], name=names[0], dtype=object)

    out.index, out.columns = axis(out.index), axis(out.columns)
    for j in range(out.shape[1]):
        col = out.iloc[:, j]
        if pd.api.types.is_object_dtype(col) or pd.api.types.is_string_dtype(col):
            out.iloc[:, j] = col.map(
                lambda v: _labels.cell(v, language) if isinstance(v, str) and v not in keep else v
            )
    return out
