"""The paper-style summary of a fitted spatial model (Main | Wx | Direct | Indirect | Total), built from the
foundation's :class:`~spillover.summary.Summary`; :mod:`spillover.tables` renders the same object."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd
from scipy import stats

from spillover.summary import SeStyle, Summary, check_se_style, fmt, pair, row_labels, star_notes

if TYPE_CHECKING:
    from spillover.spatial.results import SpatialPanelResults

__all__ = ["paper_summary"]

_COLUMNS = ["Main", "Wx", "Direct", "Indirect", "Total"]
Rows = dict[tuple[str, str], list[str]]


def _single(rows: Rows, name: str, cells: tuple[str, str]) -> None:
    """A parameter shown in the Main column only."""
    rows[(name, "coef")], rows[(name, "se")] = [cells[0], "", "", "", ""], [cells[1], "", "", "", ""]


def paper_summary(
    res: SpatialPanelResults,
    stars: Sequence[float] = (0.1, 0.05, 0.01),
    se: SeStyle = "se",
    draws: int = 1000,
    seed: int = 0,
    digits: int = 3,
) -> Summary:
    """One model as Main | Wx | Direct | Indirect | Total (effects with simulated standard errors)."""
    check_se_style(se)
    p, s, pv = res.params, res.std_errors, res.pvalues
    spatial = getattr(res, "spatial_names", ()) or ("rho", "lambda")  # several weights: rho1, gamma1, ...
    lagged = res.rho is not None or any(nm.startswith("rho") for nm in spatial if nm in p.index)
    imp = res.impacts(draws=draws, seed=seed) if lagged or res.durbin else None
    rows: Rows = {}
    if "const" in p.index:
        _single(rows, "const", pair(p["const"], s["const"], pv["const"], se, stars, digits))
    for var in res.x_names:
        top, bottom = [], []
        for name in (var, f"W*{var}"):
            a, b = pair(p[name], s[name], pv[name], se, stars, digits) if name in p.index else ("", "")
            top.append(a)
            bottom.append(b)
        for eff in ("direct", "indirect", "total"):
            if imp is None or (eff, var) not in imp.index:  # an interaction: its effects are its factors'
                a, b = "", ""
            else:
                r = imp.loc[(eff, var)]  # stars from the draws' quantile intervals (p_sim), see impacts
                a, b = pair(r["estimate"], r["std_error"], r["p_sim"], se, stars, digits)
            top.append(a)
            bottom.append(b)
        rows[(var, "coef")], rows[(var, "se")] = top, bottom
    for sp in [nm for nm in spatial if nm in p.index]:  # both for the SAC/GNS
        _single(rows, sp, pair(p[sp], s[sp], pv[sp], se, stars, digits))
    if res.phi is not None:  # random effects: phi = sigma2_mu / sigma2
        phi_se = float("nan") if res.phi_se is None else res.phi_se  # set with phi by the random-effects fit
        p_phi = 2 * stats.norm.sf(abs(res.phi / phi_se)) if res.phi_se else float("nan")
        _single(rows, "phi", pair(res.phi, phi_se, p_phi, se, stars, digits))
    p_s2 = 2 * stats.norm.sf(res.sigma2 / res.sigma2_se)
    _single(rows, "sigma2", pair(res.sigma2, res.sigma2_se, p_s2, se, stars, digits + 3))
    for lab, val in (
        ("N", f"{res.nobs}"),
        ("R2", fmt(res.r2, digits)),
        ("Log-likelihood", fmt(res.loglik, digits)),
    ):
        rows[(lab, "")] = [val, "", "", "", ""]
    cells = pd.DataFrame(rows.values(), index=row_labels(rows), columns=_COLUMNS)
    notes = _notes(se, stars, draws if imp is not None else None)
    if res._core.op.logdet_method != "exact":  # approximate log-determinant: say so, with its bound
        notes += (
            f" ln|I - rho W| by {res._core.op.logdet_method} approximation, error bound "
            f"{res.logdet_error:.3g} at the estimate."
        )
    return Summary(_title(res), (cells,), notes=notes)


def _title(res: SpatialPanelResults) -> str:
    fe = {"none": "no fixed effects", "random": "random effects"}.get(
        res.fixed_effects, f"{res.fixed_effects} fixed effects"
    )
    approach = ""
    if res.fixed_effects in ("unit", "time", "twoway"):  # say which fixed-effects estimator was used
        approach = (
            " (Lee-Yu transformation approach)" if res.bias_correction == "lee-yu" else " (direct approach)"
        )
    return f"{res.kind.upper()} of {res.y_name}, {fe}{approach}; N = {res.n_regions}, T = {res.n_periods}"


def _notes(se: str, stars: Sequence[float], draws: int | None) -> str:
    notes = star_notes(se, stars)
    if draws is not None:
        notes += (
            " Effects: stars from the simulated quantile intervals (a star level when the two-sided "
            f"interval of the {draws} draws excludes 0), not from the standard deviation."
        )
    return notes
