"""Paper-style regression tables: coefficients with stars, standard errors (or t) in parentheses beneath.

:func:`summary` renders one spatial model the way regional-economics papers do (e.g. Table 11 of the
synergy-agglomeration study): columns Main | Wx | Direct | Indirect | Total, then rho/lambda, sigma2, N, R2
and the log-likelihood.  :func:`compare` puts several fitted models side by side (e.g. one per weight
matrix).  Both return a :class:`SummaryTable` with text, HTML, LaTeX and DataFrame renderings.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np
import pandas as pd

from spillover.errors import ModelError
from spillover.options import check_option
from spillover.regions import has_cjk

__all__ = ["SummaryTable", "TableResult", "summary", "compare", "stars_for", "latex_cjk_note",
           "CJK_LATEX_NOTE"]

#: first line of LaTeX output whose text holds CJK characters
CJK_LATEX_NOTE = r"% requires \usepackage{xeCJK} (compile with XeLaTeX) for the CJK text in this table"


def latex_cjk_note(latex: str) -> str:
    r""":data:`CJK_LATEX_NOTE` and a newline if ``latex`` holds CJK text (else ``""``): put it on top.

    >>> latex_cjk_note("GDP per capita")
    ''
    >>> print(latex_cjk_note("人均GDP"), end="")
    % requires \usepackage{xeCJK} (compile with XeLaTeX) for the CJK text in this table
    """
    return CJK_LATEX_NOTE + "\n" if has_cjk(latex) else ""


@runtime_checkable
class TableResult(Protocol):
    """What :func:`compare` needs from a fitted model (every spillover result implements it).

    ``table_coefficients()`` is a DataFrame indexed by coefficient name with columns ``estimate``,
    ``std_error`` and ``pvalue``; ``table_statistics(digits)`` the rows printed under the coefficients
    (e.g. ``{"Region FE": "Yes", "Cluster": "region", "N": "816", "R2 within": "0.412"}``, strings, in
    order); ``table_dependent`` the dependent variable.  Any object with these three members can be put
    in a table, including results from other packages wrapped in a small adapter.
    """

    @property
    def table_dependent(self) -> str: ...

    def table_coefficients(self) -> pd.DataFrame: ...

    def table_statistics(self, digits: int = 3) -> dict[str, str]: ...

SeStyle = Literal["se", "t"]
_COLUMNS = ["Main", "Wx", "Direct", "Indirect", "Total"]


def stars_for(p: float, levels: Sequence[float] = (0.1, 0.05, 0.01)) -> str:
    """Significance stars: one per level in ``levels`` that ``p`` is below.

    >>> stars_for(0.003), stars_for(0.07), stars_for(0.5)
    ('***', '*', '')
    """
    if p is None or not np.isfinite(p):
        return ""
    return "*" * sum(p < lev for lev in levels)


@dataclass(frozen=True)
class SummaryTable:
    """A rendered table: ``cells`` holds the strings (rows x columns), ``notes`` the footnote."""

    cells: pd.DataFrame
    title: str
    notes: str

    def to_frame(self) -> pd.DataFrame:
        """The table's cells as a DataFrame of strings (row labels as index)."""
        return self.cells.copy()

    def as_text(self) -> str:
        """Plain-text rendering with aligned columns."""
        labels = [str(i) for i in self.cells.index]
        cols = [str(c) for c in self.cells.columns]
        body = self.cells.to_numpy(dtype=object)
        lw = max([len(s) for s in labels] + [9])
        cw = [max([len(c)] + [len(str(v)) for v in body[:, j]]) + 2 for j, c in enumerate(cols)]
        line = "-" * (lw + sum(cw))
        out = [self.title, line, " " * lw + "".join(c.center(w) for c, w in zip(cols, cw)), line]
        for lab, row in zip(labels, body):
            out.append(lab.ljust(lw) + "".join(str(v).center(w) for v, w in zip(row, cw)))
        out += [line, self.notes]
        return "\n".join(out)

    def __str__(self) -> str:
        return self.as_text()

    def as_html(self) -> str:
        """HTML table (also used by notebooks)."""
        head = "".join(f"<th>{html.escape(str(c))}</th>" for c in self.cells.columns)
        rows = []
        for lab, row in zip(self.cells.index, self.cells.to_numpy(dtype=object)):
            tds = "".join(f"<td>{html.escape(str(v))}</td>" for v in row)
            rows.append(f"<tr><th>{html.escape(str(lab))}</th>{tds}</tr>")
        return (f"<table><caption>{html.escape(self.title)}</caption><thead><tr><th></th>{head}</tr></thead>"
                f"<tbody>{''.join(rows)}</tbody><tfoot><tr><td colspan='{len(self.cells.columns) + 1}'>"
                f"{html.escape(self.notes)}</td></tr></tfoot></table>")

    def _repr_html_(self) -> str:
        return self.as_html()

    def as_latex(self, *, cjk_note: bool = True) -> str:
        """LaTeX ``tabular`` (booktabs rules).

        With ``cjk_note`` (default) a table whose text holds CJK characters starts with the comment
        :data:`CJK_LATEX_NOTE` (xeCJK, XeLaTeX): pdfLaTeX cannot typeset those characters.
        """
        def esc(s: object) -> str:
            text = str(s)
            for a, b in (("\\", r"\textbackslash{}"), ("_", r"\_"), ("%", r"\%"), ("&", r"\&"), ("#", r"\#"),
                         ("<", "$<$"), (">", "$>$")):
                text = text.replace(a, b)
            return text

        def cell(s: object) -> str:  # trailing stars become a superscript
            text = esc(s)
            stripped = text.rstrip("*")
            n_stars = len(text) - len(stripped)
            return stripped + (f"$^{{{'*' * n_stars}}}$" if n_stars else "")

        def label(s: object) -> str:  # "W*x" is typeset W x x
            return esc(s).replace("*", r"$\times$")

        ncol = len(self.cells.columns)
        lines = [r"\begin{tabular}{l" + "c" * ncol + "}", r"\toprule",
                 " & ".join([""] + [label(c) for c in self.cells.columns]) + r" \\", r"\midrule"]
        for lab, row in zip(self.cells.index, self.cells.to_numpy(dtype=object)):
            lines.append(" & ".join([label(lab)] + [cell(v) for v in row]) + r" \\")
        notes = r"\multicolumn{" + str(ncol + 1) + "}{l}{" + esc(self.notes) + "}"
        lines += [r"\bottomrule", notes, r"\end{tabular}"]
        text = "\n".join(lines)
        return latex_cjk_note(text) + text if cjk_note else text


def _fmt(v: float, digits: int) -> str:
    return "" if v is None or not np.isfinite(v) else f"{v:.{digits}f}"


def _pair(est: float, se: float, p: float, se_style: SeStyle, levels: Sequence[float],
          digits: int) -> tuple[str, str]:
    if est is None or not np.isfinite(est):
        return "", ""
    below = est / se if se_style == "t" else se
    paren = f"({_fmt(below, digits)})" if np.isfinite(below) else ""
    return f"{_fmt(est, digits)}{stars_for(p, levels)}", paren


def _check_style(se: str) -> None:
    check_option(se, ("se", "t"), "se", error=ModelError)


def _notes(se: str, stars: Sequence[float]) -> str:
    below = "standard errors" if se == "se" else "z statistics"
    lev = sorted(stars, reverse=True)
    marks = ", ".join(f"{'*' * (i + 1)} p<{lev[i]:g}" for i in range(len(lev)))
    return f"Notes: {below} in parentheses; {marks}."


def summary(res: Any, stars: Sequence[float] = (0.1, 0.05, 0.01), se: SeStyle = "se",
            draws: int = 1000, seed: int = 0, digits: int = 3) -> SummaryTable:
    """One model as Main | Wx | Direct | Indirect | Total (effects with simulated standard errors)."""
    _check_style(se)
    p, s, pv = res.params, res.std_errors, res.pvalues
    imp = res.impacts(draws=draws, seed=seed) if res.rho is not None or res.durbin else None
    rows: dict[tuple[str, str], list[str]] = {}
    if "const" in p.index:
        c = _pair(p["const"], s["const"], pv["const"], se, stars, digits)
        rows[("const", "coef")], rows[("const", "se")] = [c[0], "", "", "", ""], [c[1], "", "", "", ""]
    for var in res.x_names:
        top, bottom = [], []
        for name in (var, f"W*{var}"):
            if name in p.index:
                a, b = _pair(p[name], s[name], pv[name], se, stars, digits)
            else:
                a, b = "", ""
            top.append(a)
            bottom.append(b)
        for eff in ("direct", "indirect", "total"):
            if imp is None:
                a, b = "", ""
            else:
                r = imp.loc[(eff, var)]  # stars from the draws' quantile intervals (p_sim), see impacts
                a, b = _pair(r["estimate"], r["se"], r["p_sim"], se, stars, digits)
            top.append(a)
            bottom.append(b)
        rows[(var, "coef")], rows[(var, "se")] = top, bottom
    for sp in [nm for nm in ("rho", "lambda") if nm in p.index]:  # both for the SAC/GNS
        a, b = _pair(p[sp], s[sp], pv[sp], se, stars, digits)
        rows[(sp, "coef")], rows[(sp, "se")] = [a, "", "", "", ""], [b, "", "", "", ""]
    from scipy import stats as _st

    if res.phi is not None:  # random effects: phi = sigma2_mu / sigma2
        p_phi = 2 * _st.norm.sf(abs(res.phi / res.phi_se)) if res.phi_se else float("nan")
        a, b = _pair(res.phi, res.phi_se, p_phi, se, stars, digits)
        rows[("phi", "coef")], rows[("phi", "se")] = [a, "", "", "", ""], [b, "", "", "", ""]

    p_s2 = 2 * _st.norm.sf(res.sigma2 / res.sigma2_se)
    a, b = _pair(res.sigma2, res.sigma2_se, p_s2, se, stars, digits + 3)
    rows[("sigma2", "coef")], rows[("sigma2", "se")] = [a, "", "", "", ""], [b, "", "", "", ""]
    stats_rows = (("N", f"{res.nobs}"), ("R2", _fmt(res.r2, digits)),
                  ("Log-likelihood", _fmt(res.loglik, digits)))
    for lab, val in stats_rows:
        rows[(lab, "")] = [val, "", "", "", ""]
    cells = pd.DataFrame(rows.values(), index=_labels(rows), columns=_COLUMNS)
    fe = {"none": "no fixed effects", "random": "random effects"}.get(
        res.fixed_effects, f"{res.fixed_effects} fixed effects")
    approach = ""
    if res.fixed_effects in ("unit", "time", "twoway"):  # say which fixed-effects estimator was used
        approach = " (Lee-Yu transformation approach)" if res.bias_correction == "lee-yu" else \
            " (direct approach)"
    title = (f"{res.kind.upper()} of {res.y_name}, {fe}{approach}; "
             f"N = {res.n_regions}, T = {res.n_periods}")
    notes = _notes(se, stars)
    if imp is not None:
        notes += (" Effects: stars from the simulated quantile intervals (a star level when the two-sided "
                  f"interval of the {draws} draws excludes 0), not from the standard deviation.")
    return SummaryTable(cells, title, notes)


def _labels(rows: dict[tuple[str, str], list[str]]) -> list[str]:
    """Row labels: the name on the coefficient line, blank on the parenthesis line."""
    return [name if part != "se" else "" for name, part in rows]


def compare(results: Sequence[TableResult], names: Sequence[str] | None = None,
            stars: Sequence[float] = (0.1, 0.05, 0.01), se: SeStyle = "se", digits: int = 3) -> SummaryTable:
    """Several fitted models side by side, one column each: the paper's regression table.

    Each cell holds the coefficient with stars over its standard error (or t/z statistic with
    ``se="t"``) in parentheses; below the coefficients come each model's statistics rows (fixed effects
    Yes/No, cluster level, N, R2, IV diagnostics, log-likelihood...).  Works for any mix of results that
    implement :class:`TableResult`: spatial models (e.g. one per weight matrix), fixed-effects and IV
    regressions, mediation steps, subsamples.

    Parameters
    ----------
    results
        Fitted results implementing :class:`TableResult`.
    names
        Column headings (default ``(1)``, ``(2)``, ...).
    stars
        Significance levels for one, two, three stars (default 0.1, 0.05, 0.01; stated in the note).
    """
    _check_style(se)
    results = list(results)
    if not results:
        raise ModelError("compare() needs at least one fitted result.")
    bad = [type(r).__name__ for r in results if not isinstance(r, TableResult)]
    if bad:
        raise ModelError(f"compare() needs fitted spillover results; got {', '.join(bad)}.")
    names = [f"({i + 1})" for i in range(len(results))] if names is None else list(names)
    if len(names) != len(results):
        raise ModelError(f"got {len(names)} names for {len(results)} results; give one name per result.")
    coefs = [r.table_coefficients() for r in results]
    deps = [r.table_dependent for r in results]
    rows: dict[tuple[str, str], list[str]] = {}
    if len(set(deps)) > 1:
        rows[("Dependent variable", "")] = deps
    for nm in _union([list(c.index) for c in coefs]):
        pairs = [(_pair(c.at[nm, "estimate"], c.at[nm, "std_error"], c.at[nm, "pvalue"], se, stars, digits)
                  if nm in c.index else ("", "")) for c in coefs]
        rows[(nm, "coef")], rows[(nm, "se")] = [a for a, _ in pairs], [b for _, b in pairs]
    stats_rows = [r.table_statistics(digits) for r in results]
    for lab in _union([list(s) for s in stats_rows]):
        rows[(lab, "")] = [s.get(lab, "") for s in stats_rows]
    cells = pd.DataFrame(rows.values(), index=_labels(rows), columns=names)
    title = f"Dependent variable: {deps[0]}" if len(set(deps)) == 1 else "Dependent variables as labelled"
    return SummaryTable(cells, title, _notes(se, stars))


def _union(lists: Sequence[Sequence[str]]) -> list[str]:
    """Names in order of first appearance across lists."""
    order: list[str] = []
    for names in lists:
        order += [n for n in names if n not in order]
    return order
