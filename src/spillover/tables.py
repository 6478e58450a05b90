"""Paper-style regression tables: coefficients with stars, standard errors (or t) in parentheses beneath.

:func:`summary` renders one spatial model the way regional-economics papers do (e.g. Table 11 of the
synergy-agglomeration study): columns Main | Wx | Direct | Indirect | Total, then rho/lambda, sigma2, N, R2
and the log-likelihood.  :func:`compare` puts several fitted models side by side (e.g. one per weight
matrix).  Both return a :class:`SummaryTable` with text, HTML, LaTeX and DataFrame renderings.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from spillover._labels import PARAMETERS, check_language
from spillover.errors import ModelError
from spillover.options import Language
from spillover.summary import (
    CJK_LATEX_NOTE,
    SeStyle,
    Summary,
    TableResult,
    check_se_style,
    latex_cjk_note,
    pair,
    row_labels,
    star_notes,
    stars_for,
    translate,
)

__all__ = [
    "SummaryTable",
    "TableResult",
    "summary",
    "compare",
    "stars_for",
    "latex_cjk_note",
    "CJK_LATEX_NOTE",
]

#: The rendered table type: :class:`spillover.summary.Summary` (one type for every ``summary()``).
SummaryTable = Summary


def summary(
    res: Any,
    stars: Sequence[float] = (0.1, 0.05, 0.01),
    se: SeStyle = "se",
    draws: int = 1000,
    seed: int = 0,
    digits: int = 3,
    language: Language = "en",
) -> Summary:
    """One spatial model as Main | Wx | Direct | Indirect | Total (effects with simulated standard errors).

    The same as ``res.summary(...)``: the result builds its own :class:`~spillover.summary.Summary`;
    ``language="zh"`` writes its headings, statistics rows and notes in Chinese (直接效应, 观测值, 注：...),
    variable names and numbers unchanged (:func:`spillover.summary.translate`).
    """
    check_language(language, error=ModelError)
    keep = _model_names([res]) if isinstance(res, TableResult) else set()
    return translate(res.summary(stars=stars, se=se, draws=draws, seed=seed, digits=digits), language, keep)


def compare(
    results: Sequence[TableResult],
    names: Sequence[str] | None = None,
    stars: Sequence[float] = (0.1, 0.05, 0.01),
    se: SeStyle = "se",
    digits: int = 3,
    language: Language = "en",
) -> Summary:
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
    language
        ``"en"`` (default) or ``"zh"``: headings, statistics rows (观测值, 地区固定效应 是/否, R²), the
        row-label heading 变量 and the note (注：***、**、* 分别表示...) in Chinese; variable names, column
        names you give and the numbers stay as they are.
    """
    check_se_style(se)
    check_language(language, error=ModelError)
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
        pairs = [
            (
                pair(c.at[nm, "estimate"], c.at[nm, "std_error"], c.at[nm, "p_value"], se, stars, digits)
                if nm in c.index
                else ("", "")
            )
            for c in coefs
        ]
        rows[(nm, "coef")], rows[(nm, "se")] = [a for a, _ in pairs], [b for _, b in pairs]
    stats_rows = [r.table_statistics(digits) for r in results]
    for lab in _union([list(s) for s in stats_rows]):
        rows[(lab, "")] = [s.get(lab, "") for s in stats_rows]
    cells = pd.DataFrame(rows.values(), index=row_labels(rows), columns=names)
    title = f"Dependent variable: {deps[0]}" if len(set(deps)) == 1 else "Dependent variables as labelled"
    return translate(Summary(title, (cells,), notes=star_notes(se, stars)), language, _model_names(results))


def _model_names(results: Sequence[TableResult]) -> set[str]:
    """The variables of ``results`` (regressors, the x of ``W*x``, the dependent variables): never translated;
    the parameters spillover names (``rho``, ``const``...) are labels, translated."""
    names = {r.table_dependent for r in results}
    for r in results:
        names.update(str(n).removeprefix("W*") for n in r.table_coefficients().index)
    return names - set(PARAMETERS)


def _union(lists: Sequence[Sequence[str]]) -> list[str]:
    """Names in order of first appearance across lists."""
    order: list[str] = []
    for names in lists:
        order += [n for n in names if n not in order]
    return order
