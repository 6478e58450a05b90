"""Emerging hot spots: Gi* in every period plus a Mann-Kendall trend test of each region's Gi* z series.

The space-time pattern mining of ArcGIS (Esri's "Emerging Hot Spot Analysis") on a regional panel, with
:func:`spillover.esda.getis_ord` (esda's G_Local) as the per-period statistic.  No maintained Python library
implements the categories, so the rules are written here, once, and documented exactly.

Per period t a region is a *hot spot* when its Gi* is significant (``p <= alpha``, p being ``p_sim`` with
permutations and the two-sided normal p-value without) and ``z_norm > 0``; a *cold spot* when significant
and ``z_norm < 0``.  The trend is the classic Mann-Kendall test (Mann 1945; Kendall 1975) of the region's
Gi* z-values ``z_1..z_T`` against time:

* ``S = sum_{s<t} sign(z_t - z_s)``;
* ``Var(S) = [T(T-1)(2T+5) - sum_g t_g(t_g-1)(2t_g+5)] / 18``, ``t_g`` the sizes of groups of tied z;
* ``Z = (S - 1)/sqrt(Var S)`` for ``S > 0``, ``(S + 1)/sqrt(Var S)`` for ``S < 0``, 0 for ``S = 0``
  (continuity correction), two-sided ``p = 2 * (1 - Phi(|Z|))``.

(scipy's ``kendalltau`` against time gives the same S and tie-corrected variance but no continuity
correction; the classic statistic is used because it is what the emerging-hot-spot literature reports.)
A trend is *up* when ``p <= alpha`` and ``S > 0``, *down* when ``p <= alpha`` and ``S < 0``.

Categories, with ``T`` periods, ``H`` the number of hot periods and "90 %" meaning ``H >= 0.9 T``, checked
in this order (the first that applies wins; cold categories mirror the hot ones with hot/cold swapped and
the trend reversed - a cold spot *intensifies* when its z trends down):

1. **new**: hot in the final period and in no earlier one.
2. **consecutive**: the final ``r >= 2`` periods are hot (one uninterrupted run ending at the final period),
   no period before the run is hot, and ``H < 0.9 T``.
3. **intensifying**: ``H >= 0.9 T``, hot in the final period, trend up.
4. **persistent**: ``H >= 0.9 T``, hot in the final period, no significant trend.
5. **diminishing**: ``H >= 0.9 T``, hot in the final period, trend down.
6. **oscillating**: hot in the final period, cold in at least one earlier period, ``H < 0.9 T``.
7. **sporadic**: hot in the final period, never cold, ``H < 0.9 T`` (on and off).
8. **historical**: not hot in the final period, ``H >= 0.9 T``.

A region that is neither a hot nor a cold category is "no pattern".  Hot rules are checked before cold
ones; both cannot apply at once because the final period is either hot, cold or neither (and historical
needs 90 % of the periods of one kind).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

from spillover._readonly import ReadOnly
from spillover.errors import SpilloverError
from spillover.esda._local import _MAX_SEED, _esda_seed, getis_ord
from spillover.options import check_int, check_probability
from spillover.panel import SpatialPanel
from spillover.summary import Summary

if TYPE_CHECKING:  # pragma: no cover - typing only
    import geopandas as gpd

__all__ = ["emerging_hotspots", "EmergingHotspotsResult", "EMERGING_CATEGORIES", "mann_kendall"]

_KINDS = (
    "new",
    "consecutive",
    "intensifying",
    "persistent",
    "diminishing",
    "oscillating",
    "sporadic",
    "historical",
)
#: The categories in legend order: the hot ones, the cold ones, then "no pattern".
EMERGING_CATEGORIES: tuple[str, ...] = (
    *(f"{k} hot spot" for k in _KINDS),
    *(f"{k} cold spot" for k in _KINDS),
    "no pattern",
)


def mann_kendall(series: Any) -> tuple[float, float, float, float]:
    """Classic Mann-Kendall trend test of ``series`` against its order: ``(S, Var S, Z, p)``.

    Tie-corrected variance and continuity-corrected Z (see the module docstring); a two-sided p-value.
    A series shorter than 3 or without variance has ``Z = 0``, ``p = 1``.

    >>> s, var_s, z, p = mann_kendall([1.0, 2.0, 3.0, 4.0])
    >>> s, round(var_s, 4), round(z, 4), round(p, 4)
    (6.0, 8.6667, 1.6984, 0.0894)
    """
    x = np.asarray(series, dtype=float)
    t = x.size
    diff = np.sign(x[None, :] - x[:, None])
    s = float(np.triu(diff, 1).sum())
    _, ties = np.unique(x, return_counts=True)
    var = float((t * (t - 1) * (2 * t + 5) - (ties * (ties - 1) * (2 * ties + 5)).sum()) / 18.0)
    if var <= 0 or s == 0:
        return s, var, 0.0, 1.0
    z = (s - np.sign(s)) / np.sqrt(var)
    return s, var, float(z), float(2.0 * stats.norm.sf(abs(z)))


def _category(hot: np.ndarray, cold: np.ndarray, trend: int) -> str:
    """The category of one region from its hot/cold flags per period and its trend (-1, 0, 1)."""
    for flags, other, kind, up in ((hot, cold, "hot", 1), (cold, hot, "cold", -1)):
        label = _one_side(flags, other, trend * up)
        if label:
            return f"{label} {kind} spot"
    return "no pattern"


def _one_side(flags: np.ndarray, other: np.ndarray, trend: int) -> str:
    t = flags.size
    count = int(flags.sum())
    mostly = count >= 0.9 * t
    if not flags[-1]:
        return "historical" if mostly else ""
    if count == 1:
        return "new"
    run = t - int(np.flatnonzero(~flags)[-1]) - 1 if (~flags).any() else t
    if not mostly and run >= 2 and run == count:
        return "consecutive"
    if mostly:
        return {1: "intensifying", 0: "persistent", -1: "diminishing"}[trend]
    return "oscillating" if other[:-1].any() else "sporadic"


@dataclass(frozen=True)
class EmergingHotspotsResult(ReadOnly):
    """Emerging hot-spot categories of one variable over the panel's periods; read-only.

    Attributes
    ----------
    variable, alpha, permutations, seed
        What was analysed and how (``seed`` the one used, drawn when None was given).
    """

    variable: str
    alpha: float
    permutations: int
    seed: int
    _frame: pd.DataFrame = field(repr=False)
    _z: pd.DataFrame = field(repr=False)
    _p: pd.DataFrame = field(repr=False)
    _geometry: gpd.GeoDataFrame | None = field(repr=False, default=None)

    def to_frame(self) -> pd.DataFrame:
        """One row per region: ``category``, ``n_hot``, ``n_cold`` (significant periods), ``final_z``,
        ``mk_s``, ``mk_var``, ``mk_z``, ``mk_p_value`` (the Mann-Kendall test of the Gi* z series), ``trend``
        (-1, 0, 1)."""
        return self._frame.copy()

    @property
    def z(self) -> pd.DataFrame:
        """Gi* z-values, regions x periods."""
        return self._z.copy()

    @property
    def p(self) -> pd.DataFrame:
        """The p-values behind the per-period hot/cold flags, regions x periods."""
        return self._p.copy()

    @property
    def categories(self) -> pd.Series:
        """Category of each region."""
        return self._frame["category"].copy()

    def counts(self) -> pd.Series:
        """Regions per category, in :data:`EMERGING_CATEGORIES` order (zeros dropped)."""
        counts = self._frame["category"].value_counts().reindex(list(EMERGING_CATEGORIES), fill_value=0)
        return counts[counts > 0].rename("regions")

    @property
    def geometry(self) -> gpd.GeoDataFrame | None:
        """The regions' geometry (a copy), if the panel had one."""
        return None if self._geometry is None else self._geometry.copy()

    def summary(self) -> Summary:
        """Regions per category and the settings."""
        header = {
            "variable": self.variable,
            "periods": self._z.shape[1],
            "regions": self._z.shape[0],
            "permutations": self.permutations,
            "seed": self.seed,
            "alpha": self.alpha,
            "trend test": "Mann-Kendall (tie-corrected, continuity-corrected)",
        }
        return Summary(
            f"Emerging hot spots: {self.variable}",
            (self.counts().to_frame(),),
            header,
            captions=("Regions per category",),
        )

    def _repr_html_(self) -> str:
        return self.summary().as_html()


def emerging_hotspots(
    panel: SpatialPanel,
    var: str,
    w: Any,
    *,
    permutations: int = 999,
    seed: int | None = None,
    alpha: float = 0.05,
) -> EmergingHotspotsResult:
    """Emerging hot-spot analysis of ``var``: Gi* per period and a Mann-Kendall trend of each region's z.

    The categories and the trend test are defined in :mod:`spillover.esda._emerging` (see its docstring,
    repeated in docs/guide.md).  Period k's Gi* permutations use the esda seed
    ``numpy.random.default_rng([seed, k]).integers(2**31 - 1)``, so a period's numbers do not depend on which
    other periods are analysed.

    Parameters
    ----------
    panel, var, w
        The panel (at least 3 periods), a positive variable and the weights.
    permutations
        Conditional permutations of each period's Gi* (0: normal p-values, ArcGIS's rule).
    seed
        Seed (None: a fresh one, recorded as ``result.seed``).
    alpha
        Significance level of the per-period hot/cold flags and of the trend test.

    Examples
    --------
    >>> import spillover as so
    >>> from libpysal.graph import Graph
    >>> panel = so.datasets.us_states()
    >>> w = Graph.build_contiguity(panel.geometry, rook=False)
    >>> res = emerging_hotspots(panel, "gsp", w, permutations=0)
    >>> int(res.counts().sum())
    48
    """
    check_int(permutations, "permutations", minimum=0)
    check_probability(alpha, "alpha")
    if len(panel.periods) < 3:
        raise SpilloverError(
            f"emerging_hotspots needs at least 3 periods for a trend test; the panel has {len(panel.periods)}."
        )
    base = _esda_seed(seed)
    zs, ps = {}, {}
    for k, period in enumerate(panel.periods):
        period_seed = int(np.random.default_rng([base, k]).integers(0, _MAX_SEED))
        frame = getis_ord(
            panel, var, w, period, star=True, permutations=permutations, seed=period_seed, alpha=alpha
        ).to_frame()
        zs[period] = frame["z_norm"]
        ps[period] = frame["p_sim"] if permutations else frame["p_value"]
    z = pd.DataFrame(zs)
    p = pd.DataFrame(ps)
    z.columns.name = p.columns.name = panel.time_name
    rows = []
    significant = (p <= alpha).to_numpy()
    hot, cold = significant & (z.to_numpy() > 0), significant & (z.to_numpy() < 0)
    for i in range(len(z.index)):
        s, var_s, mk_z, mk_p = mann_kendall(z.iloc[i].to_numpy())
        trend = int(np.sign(s)) if mk_p <= alpha else 0
        rows.append(
            {
                "category": _category(hot[i], cold[i], trend),
                "n_hot": int(hot[i].sum()),
                "n_cold": int(cold[i].sum()),
                "final_z": float(z.iloc[i, -1]),
                "mk_s": s,
                "mk_var": var_s,
                "mk_z": mk_z,
                "mk_p_value": mk_p,
                "trend": trend,
            }
        )
    frame = pd.DataFrame(rows, index=z.index)
    return EmergingHotspotsResult(var, float(alpha), permutations, base, frame, z, p, panel.geometry)
