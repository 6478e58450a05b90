"""Theil's indices T (GE(1)) and L (GE(0)) with their within/between-group decomposition, per period, and
the coefficients of variation (plain and Williamson's population-weighted)."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from spillover._readonly import ReadOnly
from spillover.disparity._common import read_inputs
from spillover.panel import SpatialPanel
from spillover.summary import Summary

__all__ = ["TheilResult", "theil"]

COLUMNS = [
    "T",
    "T_within",
    "T_between",
    "T_share_within",
    "T_share_between",
    "L",
    "L_within",
    "L_between",
    "L_share_within",
    "L_share_between",
    "cv",
    "williamson",
]


@dataclass(frozen=True)
class TheilResult(ReadOnly):
    """Theil decomposition of one variable by region groups, per period; read-only.

    Attributes
    ----------
    variable, by, weights
        What was decomposed, the grouping column and the population column (None: regions count equally).
    groups
        The groups in display order.
    """

    variable: str
    by: str
    weights: str | None
    groups: tuple[Hashable, ...]
    _frame: pd.DataFrame = field(repr=False)
    _by_group: pd.DataFrame = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        """One row per period: ``T`` (Theil T, GE(1)) = ``T_within`` + ``T_between`` and their shares,
        the same for ``L`` (Theil L / mean log deviation, GE(0)), ``cv`` (coefficient of variation, standard
        deviation with divisor ``n`` over the unweighted mean) and ``williamson`` (Williamson's
        population-weighted CV; NaN without ``weights``)."""
        return self._frame.copy()

    @property
    def by_group(self) -> pd.DataFrame:
        """Indexed by (period, group): ``regions``, ``mean`` (weighted with ``weights``),
        ``weight_share`` (``p_g``: population share, or share of regions), ``value_share`` (``s_g``: share of
        the total), ``T`` and ``L`` within the group."""
        return self._by_group.copy()

    def summary(self) -> Summary:
        """The per-period indices and decompositions, and the groups' own indices."""
        return Summary(
            title="Theil decomposition",
            tables=(self._frame, self._by_group),
            header={"variable": self.variable, "groups by": self.by, "weights": self.weights or "none"},
            captions=("Theil T and L, within/between; coefficients of variation", "By group"),
            notes="T = T_within + T_between, L = L_within + L_between; shares are fractions of the index.",
        )


def _ge(y: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    """Theil T and L of values ``y`` with weights ``w``."""
    mu = float(np.sum(w * y) / np.sum(w))
    ratio = y / mu
    t = float(np.sum(w * y * np.log(ratio)) / np.sum(w * y))
    big_l = float(-np.sum(w * np.log(ratio)) / np.sum(w))
    return t, big_l


def theil(panel: SpatialPanel, var: str, by: str, *, weights: str | None = None) -> TheilResult:
    """Theil T and L of ``var`` with their decomposition by the region groups ``by``, in every period.

    With weights ``w_i`` (the population when ``weights=`` names a population column, else 1), ``W`` and
    ``Y = sum w_i y_i`` the totals, ``mu = Y / W`` and the group totals ``W_g``, ``Y_g``, means ``mu_g``:

    * ``T = sum_i (w_i y_i / Y) ln(y_i / mu)`` (the regional form ``sum_i (Y_i/Y) ln((Y_i/Y)/(P_i/P))``),
      ``T_within = sum_g (Y_g/Y) T_g``, ``T_between = sum_g (Y_g/Y) ln(mu_g / mu)``;
    * ``L = sum_i (w_i / W) ln(mu / y_i)``, ``L_within = sum_g (W_g/W) L_g``,
      ``L_between = sum_g (W_g/W) ln(mu / mu_g)``;
    * ``cv = sd(y) / mean(y)`` over the regions (divisor ``n``) and Williamson's
      ``sqrt(sum_i (P_i/P) (y_i - mu)^2) / mu``.

    Parameters
    ----------
    panel, var
        The panel and the variable (positive: the logarithms need it).
    by
        Column of the panel's data or geometry holding each region's group (``region4`` for China).
    weights
        Optional population column (positive).
    """
    data = read_inputs(panel, var, by, weights, positive=True, what="the Theil index")
    rows, group_rows = [], []
    for t, period in enumerate(data.periods):
        y, w, codes = data.values[:, t], data.weights[:, t], data.codes[:, t]
        big_t, big_l = _ge(y, w)
        total_w, total_y = float(w.sum()), float((w * y).sum())
        mu = total_y / total_w
        t_within = t_between = l_within = l_between = 0.0
        for g, label in enumerate(data.groups):
            mask = codes == g
            if not mask.any():
                continue
            yg, wg = y[mask], w[mask]
            tg, lg = _ge(yg, wg)
            p = float(wg.sum()) / total_w
            s = float((wg * yg).sum()) / total_y
            mu_g = float((wg * yg).sum() / wg.sum())
            t_within += s * tg
            t_between += s * np.log(mu_g / mu)
            l_within += p * lg
            l_between += p * np.log(mu / mu_g)
            group_rows.append((period, label, int(mask.sum()), mu_g, p, s, tg, lg))
        cv = float(np.std(y) / np.mean(y))
        williamson = float(np.sqrt(np.sum(w * (y - mu) ** 2) / total_w) / mu) if weights else np.nan
        rows.append(
            (
                big_t,
                t_within,
                t_between,
                t_within / big_t if big_t else np.nan,
                t_between / big_t if big_t else np.nan,
                big_l,
                l_within,
                l_between,
                l_within / big_l if big_l else np.nan,
                l_between / big_l if big_l else np.nan,
                cv,
                williamson,
            )
        )
    frame = pd.DataFrame(rows, index=data.periods, columns=COLUMNS)
    period_name = data.periods.name or "period"
    by_group = pd.DataFrame(
        group_rows, columns=[period_name, by, "regions", "mean", "weight_share", "value_share", "T", "L"]
    ).set_index([period_name, by])
    return TheilResult(
        variable=var, by=by, weights=weights, groups=data.groups, _frame=frame, _by_group=by_group
    )
