"""Indicators regional studies build before any regression: entropy-weight index, agglomeration measures.

* :func:`entropy_index` - composite index by the entropy-weight method, with the evaluation-system table.
* :func:`location_quotient` - a sector's location quotient in every region and period.
* :func:`coagglomeration` - co-agglomeration of two sectors from their location quotients.
* :func:`ellison_glaeser` - Ellison-Glaeser co-agglomeration index, simplified form of Devereux et al. (2004).
* :func:`spatial_gini` - spatial (locational) Gini coefficient of a sector across regions, per period.

Every function takes a :class:`~spillover.panel.SpatialPanel` or a plain DataFrame and returns labelled pandas
objects indexed like the input rows (region, period) or by period.  For a DataFrame, ``id`` and ``time`` name
its region and period columns (or index levels); without ``time`` the rows are one cross-section, unless the
frame has a two-level index, whose second level is then the period.  Inputs are never modified.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd

from spillover._readonly import ReadOnly
from spillover.errors import PanelError, SpilloverError, format_items
from spillover.options import check_number, check_option
from spillover.panel import SpatialPanel
from spillover.summary import Summary

__all__ = [
    "entropy_index",
    "EntropyIndexResult",
    "location_quotient",
    "coagglomeration",
    "ellison_glaeser",
    "spatial_gini",
]

Direction = Literal["+", "-"]
Pooling = Literal["panel", "period"]
Basis = Literal["standardized", "proportion"]
ConstantPolicy = Literal["error", "zero-weight"]
GiniMethod = Literal["lorenz", "krugman"]
_POOLINGS: tuple[str, ...] = get_args(Pooling)
_BASES: tuple[str, ...] = get_args(Basis)
_CONSTANT_POLICIES: tuple[str, ...] = get_args(ConstantPolicy)
_GINI_METHODS: tuple[str, ...] = get_args(GiniMethod)
_DIRECTION_ALIASES: dict[object, str] = {
    "+": "+",
    "positive": "+",
    "pos": "+",
    1: "+",
    "-": "-",
    "negative": "-",
    "neg": "-",
    -1: "-",
}
_ALL = "__all__"  # group key of a frame without periods


class IndicatorError(SpilloverError):
    """Invalid data or options for an indicator (undeclared direction, negative employment...)."""


# ====================================================================== entropy-weight index
@dataclass(frozen=True)
class EntropyIndexResult(ReadOnly):
    """Entropy-weight composite index; read-only.

    Attributes
    ----------
    weights
        The evaluation-system table, one row per indicator (per period and indicator with
        ``pooling="period"``): ``direction``, ``entropy`` e_j, ``utility`` d_j, ``weight`` w_j and, when
        dimensions were given, ``dimension`` and ``within_weight`` (the weight inside its dimension).
    scores
        Composite score of every observation (indexed like the input rows).
    dimension_scores
        Score of every observation on each dimension (columns = dimensions; empty without dimensions).
    standardized
        Min-max standardised indicators Y_ij.
    pooling, basis, scale
        The options used.
    """

    weights: pd.DataFrame = field(repr=False)
    scores: pd.Series = field(repr=False)
    dimension_scores: pd.DataFrame = field(repr=False)
    standardized: pd.DataFrame = field(repr=False)
    pooling: str = "panel"
    basis: str = "standardized"
    scale: float = 1.0

    def evaluation_table(self) -> pd.DataFrame:
        """The weights laid out like a paper's evaluation-system table.

        Indexed by (dimension, indicator) (prefixed by the period with ``pooling="period"``), columns
        ``direction``, ``weight`` (overall) and ``within_weight`` (individual) when dimensions were given,
        otherwise ``direction`` and ``weight``.
        """
        table = self.weights.copy()
        if "dimension" not in table.columns:
            return table[["direction", "weight"]]
        table = table.set_index("dimension", append=True)
        order = list(table.index.names)
        order = order[:-2] + [order[-1], order[-2]]  # (..., dimension, indicator)
        table = table.reorder_levels(order)
        return table[["direction", "weight", "within_weight"]]

    def dimension_weights(self) -> pd.DataFrame | pd.Series:
        """Overall weight of each dimension (sum of its indicators' weights)."""
        if "dimension" not in self.weights.columns:
            raise IndicatorError("no dimensions were given; pass dimensions= to entropy_index.")
        keys = ["dimension"] if self.pooling == "panel" else [self.weights.index.names[0], "dimension"]
        frame = self.weights.reset_index()
        return frame.groupby(keys, sort=False)["weight"].sum()

    def to_frame(self) -> pd.DataFrame:
        """Scores and dimension scores side by side, one row per observation."""
        return pd.concat([self.scores, self.dimension_scores], axis=1)

    def summary(self) -> Summary:
        """The evaluation-system table (:meth:`evaluation_table`) and the options (the notebook display)."""
        header = {
            "observations": len(self.scores),
            "pooling": self.pooling,
            "basis": self.basis,
            "scale": self.scale,
        }
        return Summary("Entropy-weight index", (self.evaluation_table(),), header, captions=("Weights",))


def entropy_index(
    data: SpatialPanel | pd.DataFrame,
    directions: Mapping[str, str | int],
    *,
    dimensions: Mapping[str, Sequence[str]] | Mapping[str, str] | None = None,
    pooling: Pooling = "panel",
    basis: Basis = "standardized",
    scale: float = 1.0,
    shift: float = 0.0,
    constant: ConstantPolicy = "error",
    time: str | None = None,
    name: str = "score",
) -> EntropyIndexResult:
    """Composite index by the entropy-weight method.

    With x_ij the value of indicator j for observation i (a region-year) and m observations:

    * min-max standardisation, positive indicators ``Y_ij = (x_ij - min_j) / (max_j - min_j)``, negative
      ones ``Y_ij = (max_j - x_ij) / (max_j - min_j)`` (then ``+ shift`` if asked);
    * proportions ``p_ij = Y_ij / sum_i Y_ij``;
    * entropy ``e_j = -k * sum_i p_ij ln p_ij`` with ``k = 1 / ln(m)`` and ``0 ln 0 = 0``;
    * utility ``d_j = 1 - e_j``; weights ``w_j = d_j / sum_j d_j``;
    * score ``S_i = scale * sum_j w_j Y_ij`` (``basis="standardized"``) or ``scale * sum_j w_j p_ij``
      (``basis="proportion"``, eq. 17 of the synergy-agglomeration study).

    This is eq. 11-17 of Yu and Fan (2022) as used for China's provinces, where min, max and the sums run over
    all region-years pooled (``pooling="panel"``, the default); ``pooling="period"`` repeats every step within
    each period (m = number of regions), giving one set of weights per period.

    With ``dimensions``, each indicator belongs to one dimension; its within-dimension weight is
    ``d_j / sum_{l in D} d_l`` and the dimension score ``scale * sum_{j in D} within_j Y_ij``, so that the
    overall score is the dimension scores weighted by the dimensions' summed weights.

    Parameters
    ----------
    data
        A SpatialPanel, or a DataFrame with one row per observation.
    directions
        Every indicator with its direction: ``"+"`` (more is better) or ``"-"`` (less is better); also
        ``"positive"``/``"negative"`` or ``1``/``-1``.
    dimensions
        Optional grouping: ``{dimension: [indicators]}`` or ``{indicator: dimension}``.
    pooling
        ``"panel"`` (standardise and weight over all observations) or ``"period"`` (within each period).
    basis
        What the weights multiply in the score: standardised values or proportions.
    scale
        Multiplier of the scores (1, 100 or 1000 in the literature).
    shift
        Constant added to every standardised value (some studies add 0.0001 to avoid zeros); default 0,
        zeros being handled by ``0 ln 0 = 0``.
    constant
        A constant indicator (max = min) cannot be standardised: ``"error"`` (default) raises;
        ``"zero-weight"`` keeps it with Y = 0 (plus ``shift``), entropy 1, utility 0 and weight 0.
    time
        For a DataFrame with ``pooling="period"``: its period column or index level.
    name
        Name of the score Series.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"gdp": [1.0, 2.0, 4.0], "pollution": [3.0, 1.0, 2.0]}, index=["a", "b", "c"])
    >>> res = entropy_index(df, {"gdp": "+", "pollution": "-"}, scale=100)
    >>> res.weights["weight"].round(4).to_dict()
    {'gdp': 0.5371, 'pollution': 0.4629}
    >>> res.scores.round(2).tolist()
    [0.0, 64.19, 76.86]
    """
    check_option(pooling, _POOLINGS, "pooling", error=IndicatorError)
    check_option(basis, _BASES, "basis", error=IndicatorError)
    check_option(constant, _CONSTANT_POLICIES, "constant", error=IndicatorError)
    check_number(scale, "scale", minimum=0, strict=True, error=IndicatorError, hint=" (1, 100, 1000...)")
    check_number(shift, "shift", minimum=0, error=IndicatorError)
    dirs = _directions(directions)
    dims = _dimensions(dimensions, list(dirs))
    frame, periods, time_key = _entropy_frame(data, list(dirs), pooling, time)
    parts = []
    groups = [(None, frame)] if pooling == "panel" else list(frame.groupby(periods, sort=True))
    for period, block in groups:
        parts.append(_entropy_block(block, dirs, dims, basis, scale, shift, constant, period))
    return _assemble(parts, dims, pooling, basis, scale, name, frame.index, time_key)


def _directions(directions: Mapping[str, str | int]) -> dict[str, str]:
    if not isinstance(directions, Mapping) or not directions:
        raise IndicatorError(
            "directions must map every indicator to '+' or '-', e.g. {'gdp': '+', 'pollution': '-'}."
        )
    out = {}
    for ind, raw in directions.items():
        key = raw.strip().lower() if isinstance(raw, str) else raw
        if isinstance(key, bool) or key not in _DIRECTION_ALIASES:
            raise IndicatorError(
                f"indicator {ind!r} has direction {raw!r}; declare '+' (positive: more is better) or '-' "
                "(negative: less is better)."
            )
        out[ind] = _DIRECTION_ALIASES[key]
    return out


def _dimensions(dimensions: Mapping[str, Any] | None, indicators: list[str]) -> dict[str, str] | None:
    """Indicator -> dimension, every indicator in exactly one dimension, every one with a direction."""
    if dimensions is None:
        return None
    pairs: list[tuple[str, str]] = []
    for key, value in dimensions.items():
        if isinstance(value, str):
            pairs.append((key, value))
        else:
            pairs += [(ind, key) for ind in value]
    seen: dict[str, str] = {}
    for ind, dim in pairs:
        if ind in seen and seen[ind] != dim:
            raise IndicatorError(f"indicator {ind!r} is in two dimensions, {seen[ind]!r} and {dim!r}.")
        seen[ind] = dim
    undeclared = [ind for ind in seen if ind not in indicators]
    if undeclared:
        raise IndicatorError(
            f"indicator(s) {format_items(undeclared)} appear in dimensions but have no declared direction; "
            "add them to directions with '+' or '-'."
        )
    orphan = [ind for ind in indicators if ind not in seen]
    if orphan:
        raise IndicatorError(f"indicator(s) {format_items(orphan)} belong to no dimension; add them to one.")
    return {ind: seen[ind] for ind in indicators}


def _entropy_frame(
    data: SpatialPanel | pd.DataFrame, indicators: list[str], pooling: str, time: str | None
) -> tuple[pd.DataFrame, np.ndarray | None, str | None]:
    """The indicators (rows indexed as in the input), the period of every row, and the period's name."""
    time_key: str | None
    if isinstance(data, SpatialPanel):
        frame = data.data
        periods, time_key = frame.index.get_level_values(data.time_name).to_numpy(), data.time_name
    elif isinstance(data, pd.DataFrame):
        frame, periods, time_key = data, None, time
        if time is not None and time in frame.columns:
            periods = frame[time].to_numpy()
        elif time is not None and time in frame.index.names:
            periods = frame.index.get_level_values(time).to_numpy()
        elif time is not None:
            raise PanelError(f"time {time!r} is neither a column nor an index level of the data.")
    else:
        raise PanelError(f"data must be a SpatialPanel or a DataFrame, got {type(data).__name__}.")
    if pooling == "period" and periods is None:
        raise IndicatorError("pooling='period' needs the periods: pass time= (a column or index level).")
    if frame.index.has_duplicates:
        dup = frame.index[frame.index.duplicated()].unique().tolist()
        raise PanelError(f"the data's index has duplicate labels {format_items(dup)}; make the rows unique.")
    values = _numeric_columns(frame, indicators)
    if len(values) < 2:
        raise IndicatorError(f"the entropy method needs at least 2 observations, got {len(values)}.")
    return values, periods, time_key


def _entropy_block(
    block: pd.DataFrame,
    dirs: dict[str, str],
    dims: dict[str, str] | None,
    basis: str,
    scale: float,
    shift: float,
    constant: str,
    period: Hashable | None,
) -> dict[str, Any]:
    """Weights and scores of one pooled block (whole panel or one period)."""
    where = "over the pooled observations" if period is None else f"in period {period!r}"
    if len(block) < 2:
        raise IndicatorError(f"the entropy method needs at least 2 observations {where}, got {len(block)}.")
    x = block.to_numpy(dtype=float)
    lo, hi = x.min(axis=0), x.max(axis=0)
    flat = hi == lo
    if flat.any() and constant == "error":
        names = [ind for ind, f in zip(dirs, flat) if f]
        raise IndicatorError(
            f"indicator(s) {format_items(names)} are constant {where}: min-max standardisation divides by "
            "zero. Drop them, or pass constant='zero-weight' to keep them with weight 0."
        )
    span = np.where(flat, 1.0, hi - lo)
    negative = np.array([dirs[ind] == "-" for ind in dirs])
    y = np.where(negative, hi - x, x - lo) / span
    y = np.where(flat, 0.0, y) + shift
    entropy = _entropy(y, flat)
    utility = 1.0 - entropy
    if utility.sum() <= 0:
        raise IndicatorError(f"every indicator is constant {where}; no weights can be computed.")
    weight = utility / utility.sum()
    return {
        "period": period,
        "index": block.index,
        "y": y,
        "entropy": entropy,
        "utility": utility,
        "weight": weight,
        "dirs": dirs,
        "dims": dims,
        "basis": basis,
        "scale": scale,
    }


def _entropy(y: np.ndarray, flat: np.ndarray) -> np.ndarray:
    """e_j = -1/ln(m) sum_i p_ij ln p_ij with 0 ln 0 = 0; constant columns get e_j = 1 (no information)."""
    m = y.shape[0]
    totals = y.sum(axis=0)
    safe = np.where(totals > 0, totals, 1.0)
    p = y / safe
    plogp = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)
    entropy = -plogp.sum(axis=0) / np.log(m)
    return np.where(flat | (totals <= 0), 1.0, entropy)


def _assemble(
    parts: list[dict[str, Any]],
    dims: dict[str, str] | None,
    pooling: str,
    basis: str,
    scale: float,
    name: str,
    index: pd.Index,
    time_key: str | None,
) -> EntropyIndexResult:
    tables, scores, dim_scores, standardized = [], [], [], []
    for part in parts:
        table, score, dscore, ystd = _part_outputs(part, dims)
        if pooling == "period":
            table = pd.concat({part["period"]: table}, names=[time_key])
        tables.append(table)
        scores.append(score)
        dim_scores.append(dscore)
        standardized.append(ystd)
    score = pd.concat(scores).reindex(index).rename(name)
    dscores = pd.concat(dim_scores).reindex(index)
    ystd = pd.concat(standardized).reindex(index)
    return EntropyIndexResult(pd.concat(tables), score, dscores, ystd, pooling, basis, float(scale))


def _part_outputs(part: dict[str, Any], dims: dict[str, str] | None) -> tuple[pd.DataFrame, ...]:
    inds = list(part["dirs"])
    y, weight, utility = part["y"], part["weight"], part["utility"]
    sums = y.sum(axis=0)
    basis_values = y if part["basis"] == "standardized" else y / np.where(sums > 0, sums, 1.0)
    table = pd.DataFrame(
        {
            "direction": [part["dirs"][i] for i in inds],
            "entropy": part["entropy"],
            "utility": utility,
            "weight": weight,
        },
        index=pd.Index(inds, name="indicator"),
    )
    score = pd.Series(part["scale"] * basis_values @ weight, index=part["index"])
    ystd = pd.DataFrame(y, index=part["index"], columns=inds)
    dscore = pd.DataFrame(index=part["index"])
    if dims is not None:
        dim_of = pd.Series(dims).reindex(inds)
        dim_total = pd.Series(utility, index=inds).groupby(dim_of, sort=False).transform("sum")
        within = np.where(dim_total > 0, utility / np.where(dim_total > 0, dim_total, 1.0), 0.0)
        table.insert(0, "dimension", dim_of.to_numpy())
        table["within_weight"] = within
        for dim in dict.fromkeys(dim_of):
            sel = (dim_of == dim).to_numpy()
            dscore[dim] = part["scale"] * basis_values[:, sel] @ within[sel]
    return table, score, dscore, ystd


# ====================================================================== employment-based indices
def location_quotient(
    data: SpatialPanel | pd.DataFrame,
    sector: str,
    total: str,
    *,
    id: str | None = None,
    time: str | None = None,
) -> pd.Series:
    """Location quotient of ``sector`` in every region and period.

    ``LQ_it = (E_sit / E_it) / (sum_r E_srt / sum_r E_rt)``: the sector's share of the region's employment
    over its share of the employment of all regions in the same period (eq. 18-19 of the synergy-agglomeration
    study).  LQ > 1 means the sector is over-represented in the region.

    Parameters
    ----------
    data
        SpatialPanel or DataFrame with the employment columns.
    sector, total
        Columns of the sector's employment and of the region's total employment.
    id, time
        For a DataFrame: its region and period columns (or index levels).

    Returns
    -------
    pandas.Series
        Named ``lq_<sector>``, indexed like the input rows (region, period).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"region": ["a", "b"], "manuf": [30.0, 10.0], "emp": [100.0, 100.0]})
    >>> location_quotient(df, "manuf", "emp", id="region").round(12).tolist()
    [1.5, 0.5]
    """
    frame, key = _employment(data, [sector, total], id, time)
    _require_positive(frame, total, "the region's total employment")
    lq = (frame[sector] / frame[total]) / _period_sum(frame, sector, key).div(_period_sum(frame, total, key))
    return lq.rename(f"lq_{sector}")


def coagglomeration(
    data: SpatialPanel | pd.DataFrame,
    sector_a: str,
    sector_b: str,
    total: str,
    *,
    id: str | None = None,
    time: str | None = None,
) -> pd.Series:
    """Co-agglomeration of two sectors in every region and period, from their location quotients.

    ``coagglo = (1 - |A - B| / (A + B)) + |A + B|`` with A and B the location quotients of the two sectors
    (:func:`location_quotient`), as in eq. 18-20 of the manufacturing / producer-services synergy literature:
    the first term measures how balanced the two agglomerations are, the second their joint level.

    Returns
    -------
    pandas.Series
        Named ``coagglo``, indexed like the input rows.

    Raises
    ------
    IndicatorError
        Negative employment (the cells are named), a region without employment, or a region where both
        sectors are absent (A + B = 0, undefined).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"m": [30.0, 10.0], "ps": [10.0, 10.0], "emp": [100.0, 100.0]}, index=["a", "b"])
    >>> coagglomeration(df, "m", "ps", "emp").round(4).tolist()
    [3.3, 2.1667]
    """
    a = location_quotient(data, sector_a, total, id=id, time=time)
    b = location_quotient(data, sector_b, total, id=id, time=time)
    both = a + b
    absent = both.index[both.to_numpy() == 0].tolist()
    if absent:
        raise IndicatorError(
            f"sectors {sector_a!r} and {sector_b!r} both have no employment at {format_items(absent)}: "
            "co-agglomeration is undefined there (0/0). Drop those rows."
        )
    return ((1.0 - (a - b).abs() / both) + both.abs()).rename("coagglo")


def ellison_glaeser(
    data: SpatialPanel | pd.DataFrame,
    sector_a: str,
    sector_b: str,
    *,
    id: str | None = None,
    time: str | None = None,
    by: str | Mapping[Hashable, Hashable] | pd.Series | None = None,
) -> pd.Series:
    """Ellison-Glaeser co-agglomeration index of two sectors, simplified form of Devereux et al. (2004).

    ``EG = [H_ab - (H_a w_a^2 + H_b w_b^2)] / [1 - (w_a^2 + w_b^2)]`` where, over the n regions,
    ``H = sum_k S_k^2 - 1/n`` with ``S_k`` region k's share of the (sub-)sector's employment (for ``H_ab``
    the two sectors together), and ``w_a, w_b`` the sectors' shares of their combined employment
    (eq. 21-22 of the synergy-agglomeration study; Ellison and Glaeser 1997; Devereux, Griffith and Simpson
    2004).  H is 0 when employment is spread evenly over the regions.

    Parameters
    ----------
    data, sector_a, sector_b, id, time
        As in :func:`location_quotient`.
    by
        Optional grouping of the regions (e.g. cities into provinces): a column of the data (for a
        SpatialPanel also a column of its geometry) or a mapping region -> group.  The index is then
        computed over the regions of each group.

    Returns
    -------
    pandas.Series
        Named ``eg``, one value per period (per group and period with ``by``).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"m": [6.0, 2.0, 0.0, 0.0], "ps": [3.0, 1.0, 0.0, 0.0]}, index=list("abcd"))
    >>> round(float(ellison_glaeser(df, "m", "ps").iloc[0]), 6)
    0.375
    """
    frame, key = _employment(data, [sector_a, sector_b], id, time)
    groups = _groups(data, frame, by)
    keys = ([groups] if groups is not None else []) + ([frame.index.get_level_values(key)] if key else [])
    results = {}
    for label, block in frame.groupby(keys, sort=True) if keys else [(None, frame)]:
        results[label] = _eg_block(block, sector_a, sector_b, label)
    return _per_period_series(results, "eg", by is not None, key)


def spatial_gini(
    data: SpatialPanel | pd.DataFrame,
    sector: str,
    *,
    total: str | None = None,
    method: GiniMethod = "lorenz",
    id: str | None = None,
    time: str | None = None,
) -> pd.Series:
    """Spatial Gini coefficient of a sector's distribution across regions, per period.

    With ``s_i`` region i's share of the sector's employment (or output) and ``x_i`` its share of the
    reference total (``total``; equal shares 1/n without it):

    * ``method="lorenz"`` (locational Gini, Krugman 1991): regions sorted by ``s_i / x_i``, cumulative shares
      ``S_i`` and ``X_i``, ``G = 1 - sum_i (X_i - X_{i-1}) (S_i + S_{i-1})``, twice the area between the
      diagonal and the location curve; 0 when the sector is distributed like the reference, towards 1 when
      it is concentrated in a region with a negligible share of the reference.  Without ``total`` this is
      the ordinary Gini coefficient of the regional values.
    * ``method="krugman"``: ``G = sum_i (s_i - x_i)^2``, the form most Chinese studies call the spatial Gini
      coefficient of industry (e.g. the 31-province series 1992-2018 discussed in the industrial-clusters
      literature, which does not print its formula).

    Returns
    -------
    pandas.Series
        Named ``gini_<sector>``, one value per period.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"ind": [1.0, 2.0, 3.0, 4.0]}, index=list("abcd"))
    >>> float(spatial_gini(df, "ind").iloc[0])
    0.25
    >>> round(float(spatial_gini(df, "ind", method="krugman").iloc[0]), 4)
    0.05
    """
    check_option(method, _GINI_METHODS, "method", error=IndicatorError)
    columns = [sector] if total is None else [sector, total]
    frame, key = _employment(data, columns, id, time)
    if total is not None:
        _require_positive(frame, total, "the reference total")
    results = {}
    for label, block in frame.groupby(level=key, sort=True) if key else [(None, frame)]:
        results[label] = _gini_block(block, sector, total, method, label)
    return _per_period_series(results, f"gini_{sector}", False, key)


# ---------------------------------------------------------------------- employment internals
def _employment(
    data: SpatialPanel | pd.DataFrame, columns: list[str], id: str | None, time: str | None
) -> tuple[pd.DataFrame, str | None]:
    """Numeric, complete, non-negative columns indexed by region (and period); the period level's name."""
    frame, key = _indexed(data, id, time)
    values = _numeric_columns(frame, columns)
    for col in columns:
        negative = values.index[values[col].to_numpy() < 0].tolist()
        if negative:
            raise IndicatorError(
                f"column {col!r} is negative at {format_items(negative)}; employment cannot be negative. "
                "Fix those cells."
            )
    return values, key


def _indexed(
    data: SpatialPanel | pd.DataFrame, id: str | None, time: str | None
) -> tuple[pd.DataFrame, str | None]:
    """The data indexed by region (and period), with the name of the period level (None: one cross-section).

    Region and period come from the ``id``/``time`` columns or index levels; without ``id`` the index holds
    the regions (a two-level index: regions and periods).
    """
    if isinstance(data, SpatialPanel):
        return data.data, data.time_name
    if not isinstance(data, pd.DataFrame):
        raise PanelError(f"data must be a SpatialPanel or a DataFrame, got {type(data).__name__}.")
    frame = data
    if id is None:
        default = ["region", "period"][: frame.index.nlevels]
        names = [n if n is not None else d for n, d in zip(frame.index.names, default + [None] * 9)]
        if frame.index.nlevels > 2:
            raise PanelError("without id=, the data's index must hold the regions (and the periods) only.")
        frame = frame.rename_axis(names)
        id = names[0]
        time = time if time is not None or len(names) == 1 else names[1]
    frame = frame.reset_index(drop=frame.index.names == [None])
    keys = [k for k in (id, time) if k is not None]
    missing = [k for k in keys if k not in frame.columns]
    if missing:
        raise PanelError(f"{format_items(missing)} are neither columns nor index levels of the data.")
    frame = frame.set_index(keys)
    if frame.index.has_duplicates:
        dup = frame.index[frame.index.duplicated()].unique().tolist()
        raise PanelError(
            f"duplicate rows for {format_items(dup)}; each region (and period) must appear once."
        )
    return frame, time


def _numeric_columns(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    absent = [c for c in columns if c not in frame.columns]
    if absent:
        raise PanelError(
            f"column(s) {format_items(absent)} are not in the data; its columns are "
            f"{format_items(frame.columns)}."
        )
    out = {}
    for col in columns:
        raw = frame[col]
        if pd.api.types.is_bool_dtype(raw) or not pd.api.types.is_numeric_dtype(raw):
            raise PanelError(f"column {col!r} is not numeric (dtype {raw.dtype}); convert it first.")
        values = raw.astype(float)
        bad = values.index[~np.isfinite(values.to_numpy())].tolist()
        if bad:
            raise PanelError(
                f"column {col!r} is missing or infinite at {format_items(bad)}; fill or drop those rows."
            )
        out[col] = values
    return pd.DataFrame(out, index=frame.index)


def _require_positive(frame: pd.DataFrame, col: str, what: str) -> None:
    zero = frame.index[frame[col].to_numpy() <= 0].tolist()
    if zero:
        raise IndicatorError(
            f"column {col!r} ({what}) is zero at {format_items(zero)}; the ratio is undefined there."
        )


def _period_sum(frame: pd.DataFrame, col: str, key: str | None) -> pd.Series:
    """Sum of ``col`` over the regions of each row's period, aligned to the rows."""
    if key is None:
        return pd.Series(frame[col].sum(), index=frame.index)
    total = frame[col].groupby(level=key).transform("sum")
    zero = sorted(set(total.index.get_level_values(key)[total.to_numpy() <= 0]), key=str)
    if zero:
        raise IndicatorError(
            f"column {col!r} sums to zero over all regions in period(s) {format_items(zero)}."
        )
    return total


def _groups(
    data: SpatialPanel | pd.DataFrame,
    frame: pd.DataFrame,
    by: str | Mapping[Hashable, Hashable] | pd.Series | None,
) -> np.ndarray | None:
    if by is None:
        return None
    regions = frame.index.get_level_values(0)
    if isinstance(by, str):
        source = data.data if isinstance(data, SpatialPanel) else data
        if by in source.columns:
            column = source[by].reindex(frame.index) if isinstance(data, SpatialPanel) else source[by]
            groups = pd.Index(np.asarray(column, dtype=object))
        elif isinstance(data, SpatialPanel) and by in data.geometry.columns:
            groups = regions.map(lambda r: data.geometry[by].get(r, np.nan))
        else:
            raise PanelError(f"grouping column {by!r} is not in the data.")
    else:
        mapping = pd.Series(by) if not isinstance(by, pd.Series) else by
        groups = regions.map(lambda r: mapping.get(r, np.nan))
    unmapped = sorted(set(regions[pd.isna(groups)]), key=str)
    if unmapped:
        raise IndicatorError(
            f"region(s) {format_items(unmapped)} have no group in by=; add them to the mapping (or fill "
            "the grouping column)."
        )
    return np.asarray(groups)


def _eg_block(block: pd.DataFrame, a: str, b: str, label: object) -> float:
    n = len(block)
    ea, eb = block[a].to_numpy(), block[b].to_numpy()
    if ea.sum() <= 0 or eb.sum() <= 0:
        empty = a if ea.sum() <= 0 else b
        raise IndicatorError(
            f"sector {empty!r} has no employment at all in {_where(label)}; EG is undefined."
        )
    wa = ea.sum() / (ea.sum() + eb.sum())
    wb = 1.0 - wa
    h_a, h_b, h_ab = (_herfindahl(v, n) for v in (ea, eb, ea + eb))
    return float((h_ab - (h_a * wa**2 + h_b * wb**2)) / (1.0 - (wa**2 + wb**2)))


def _herfindahl(values: np.ndarray, n: int) -> float:
    """H = sum_k S_k^2 - 1/n (eq. 22)."""
    shares = values / values.sum()
    return float((shares**2).sum() - 1.0 / n)


def _gini_block(block: pd.DataFrame, sector: str, total: str | None, method: str, label: object) -> float:
    values = block[sector].to_numpy()
    if values.sum() <= 0:
        raise IndicatorError(
            f"column {sector!r} is zero in every region in {_where(label)}; no distribution."
        )
    s = values / values.sum()
    x = np.full(s.size, 1.0 / s.size) if total is None else block[total].to_numpy() / block[total].sum()
    if method == "krugman":
        return float(((s - x) ** 2).sum())
    order = np.argsort(s / x, kind="stable")
    cum_s = np.concatenate([[0.0], np.cumsum(s[order])])
    return float(1.0 - (x[order] * (cum_s[1:] + cum_s[:-1])).sum())


def _where(label: object) -> str:
    return "the data" if label is None else f"{label!r}"


def _per_period_series(results: dict[Any, float], name: str, grouped: bool, key: str | None) -> pd.Series:
    if key is None and not grouped:
        return pd.Series(list(results.values()), index=pd.Index(["all"], name="period"), name=name)
    labels = list(results)
    if grouped and key is not None:
        index = pd.MultiIndex.from_tuples(labels, names=["group", key])
    else:
        flat = [lab[0] if isinstance(lab, tuple) else lab for lab in labels]
        index = pd.Index(flat, name="group" if grouped else key)
    return pd.Series(list(results.values()), index=index, name=name)
