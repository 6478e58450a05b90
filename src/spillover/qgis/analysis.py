"""The analysis behind spillover's QGIS tools, on (Geo)DataFrames read from layers; needs no QGIS.

The console helpers (:mod:`spillover.qgis.console`) and the Processing algorithms
(:mod:`spillover.qgis.algorithms`) read a layer with :func:`spillover.qgis.layer_to_frame` and hand the frame
to the functions here, which turn it into a :class:`~spillover.panel.SpatialPanel` and weights and call
spillover's own estimators.  A layer is one of:

* a cross-section: one feature per region (ids from ``id_field``, or the QGIS feature ids);
* a long layer: one feature per region and period (``id_field`` and ``time_field`` given; the geometry of a
  region is that of its first feature);
* boundaries joined to a panel table (CSV, Excel, Stata or a QGIS table layer) on ``id_field``.
"""

from __future__ import annotations

import os
from collections.abc import Hashable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args

import geopandas as gpd
import pandas as pd

from spillover import weights as sw
from spillover.errors import PanelError, SpilloverError, WeightsError, format_items
from spillover.options import check_option
from spillover.panel import SpatialPanel

if TYPE_CHECKING:
    from libpysal.graph import Graph

__all__ = [
    "WeightsChoice",
    "WEIGHTS_CHOICES",
    "CROSS_SECTION",
    "LISA_FIELDS",
    "regions",
    "build_weights",
    "layer_panel",
    "joined_panel",
    "read_table",
    "lisa_frame",
    "HOTSPOT_FIELDS",
    "HOTSPOT_STATISTICS",
    "hotspot_frame",
    "dagum_frame",
    "resolve_period",
    "period_rows",
    "check_new_fields",
    "links_frame",
    "moran_frame",
    "estimates_frame",
    "spillover_frame",
]

WeightsChoice = Literal["queen", "rook", "knn", "inverse_distance"]
WEIGHTS_CHOICES: tuple[str, ...] = get_args(WeightsChoice)
PointChoice = Literal["representative", "centroid", "capital"]
#: the period label of a cross-section layer (a layer without a time field)
CROSS_SECTION = "cross-section"
#: the fields a LISA layer adds to the input's ("lisa_cluster", not "cluster": China's provinces layer
#: already has a "cluster" field, the advanced-manufacturing cluster flag)
LISA_FIELDS = ("Ii", "p_sim", "z", "lag_z", "quadrant", "lisa_cluster")
#: the local statistics of :func:`hotspot_frame` (their spillover.esda functions: getis_ord, local_geary)
HOTSPOT_STATISTICS = ("gi_star", "gi", "local_geary")
#: the fields a hot-spot layer adds: the statistic, its z-value (Gi: the analytical z_norm; local Geary: the
#: standardised variable), the normal p-value (Gi; NULL for local Geary, which has none), the permutation
#: p-value and the class (Gi: hot_99 ... cold_99; local Geary: GeoDa's cluster labels)
HOTSPOT_FIELDS = ("hs_stat", "hs_z", "hs_p_norm", "hs_p_sim", "hs_class")


# ---------------------------------------------------------------------------------------------- regions
def regions(frame: gpd.GeoDataFrame, id_field: str | None = None) -> gpd.GeoDataFrame:
    """One row per region, indexed by ``id_field`` (default: the frame's index, the QGIS feature ids).

    Raises
    ------
    SpilloverError
        If ``id_field`` is not a column, has missing or duplicate values (they are named), or a region has
        no geometry.
    """
    _require_geo(frame)
    geo = frame if id_field is None else frame.set_index(_column(frame, id_field))
    if geo.index.isna().any():
        raise PanelError(f"region id field {id_field!r} has missing values; fill them or pick another field.")
    dup = geo.index[geo.index.duplicated()].unique()
    if len(dup):
        raise PanelError(
            f"region ids {format_items(dup.tolist())} appear on several features; give a field with one value "
            "per region (id_field) or, for a layer with one feature per region and period, the time field."
        )
    empty = geo.index[geo.geometry.isna() | geo.geometry.is_empty]
    if len(empty):
        raise PanelError(f"regions without geometry: {format_items(empty.tolist())}.")
    return geo


def _require_geo(frame: Any) -> None:
    if not isinstance(frame, gpd.GeoDataFrame):
        raise SpilloverError("the layer has no geometry; spatial weights need polygons or points.")


def _column(frame: pd.DataFrame, name: str) -> str:
    if name not in frame.columns:
        raise SpilloverError(
            f"field {name!r} is not in the layer; its fields are {format_items(frame.columns)}."
        )
    return name


def build_weights(
    geo: gpd.GeoDataFrame,
    weights: WeightsChoice | Graph = "queen",
    *,
    k: int = 4,
    power: float = 1.0,
    coords: PointChoice = "representative",
) -> Graph:
    """Row-standardised spatial weights between the regions of ``geo`` (indexed by region id).

    ``"queen"``/``"rook"``: contiguity, islands attached to their nearest region
    (:func:`spillover.weights.contiguity`); ``"knn"``: the ``k`` nearest regions; ``"inverse_distance"``:
    ``d_ij^-power`` with great-circle distances in km (:func:`spillover.weights.distance`).  Distances are
    measured between the regions' points chosen by ``coords``.  A :class:`libpysal.graph.Graph` is returned
    as given.
    """
    if not isinstance(weights, str):
        return weights
    check_option(weights, WeightsChoice, "weights", error=WeightsError)
    geo = geo[[geo.geometry.name] + [c for c in ("capital_lon", "capital_lat") if c in geo.columns]]
    if weights in ("queen", "rook"):
        return sw.from_spec(geo, "queen" if weights == "queen" else "rook", islands="nearest")
    check_option(coords, PointChoice, "coords", error=WeightsError)
    if weights == "knn":
        return sw.from_spec(geo, "knn", k=k, power=0, coords=coords)
    return sw.from_spec(geo, "distance", power=power, coords=coords)


# ---------------------------------------------------------------------------------------------- panels
def layer_panel(
    frame: gpd.GeoDataFrame, *, id_field: str | None = None, time_field: str | None = None
) -> SpatialPanel:
    """The panel held by a layer: a cross-section (one feature per region) or, with ``time_field``, a long
    layer (one feature per region and period).

    A cross-section gets the single period ``"cross-section"``.  Without ``id_field`` the regions are the
    features (ids: the QGIS feature ids).
    """
    _require_geo(frame)
    id_name = id_field or frame.index.name or "feature_id"
    data = frame.drop(columns=frame.geometry.name)
    if id_field is None:
        data = data.reset_index(names=id_name) if id_name not in data.columns else data
    if time_field is None:
        time_name = _free_name(data, "period")
        data = data.assign(**{time_name: CROSS_SECTION})
        return SpatialPanel(data, _geometry(frame, id_field, id_name), id=id_name, time=time_name)
    if id_field is None:
        raise PanelError("a layer with a time field needs id_field: the field naming each feature's region.")
    _column(frame, time_field)
    first = frame.loc[~frame[_column(frame, id_field)].duplicated()]
    return SpatialPanel(data, _geometry(first, id_field, id_name), id=id_name, time=time_field)


def _geometry(frame: gpd.GeoDataFrame, id_field: str | None, id_name: str) -> gpd.GeoDataFrame:
    geo = regions(frame, id_field)
    return gpd.GeoDataFrame({id_name: geo.index}, geometry=geo.geometry.to_numpy(), crs=geo.crs)


def _free_name(frame: pd.DataFrame, name: str) -> str:
    while name in frame.columns:
        name = f"_{name}"
    return name


def read_table(
    table: str | os.PathLike[str] | pd.DataFrame, id_field: str, id_like: pd.Series
) -> pd.DataFrame:
    """A panel table from a CSV/Excel/Stata path or a DataFrame; region ids read with the layer's id type.

    Reading a CSV's id column as text when the layer's ids are text keeps codes such as ``"0101"`` intact.
    """
    if isinstance(table, pd.DataFrame):
        data = table.copy()
    else:
        path = Path(table)
        if path.suffix.lower() == ".csv" and path.is_file():
            dtype = {id_field: str} if _is_text(id_like) else None
            data = pd.read_csv(path, dtype=dtype)
        else:
            from spillover.io import read_panel

            data = read_panel(path)
    _column(data, id_field)
    if _is_text(id_like) and not _is_text(data[id_field]):
        data[id_field] = data[id_field].astype(str)
    return data


def _is_text(values: pd.Series) -> bool:
    """Text ids (object or string dtype, pandas 2 and 3)."""
    return pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)


def joined_panel(
    frame: gpd.GeoDataFrame,
    table: str | os.PathLike[str] | pd.DataFrame,
    *,
    id_field: str,
    time_field: str,
    table_id_field: str | None = None,
) -> SpatialPanel:
    """Boundaries (one feature per region) joined to a long panel table on the region id.

    ``table_id_field`` names the table's id column when it differs from the layer's ``id_field``.
    """
    geo = regions(frame, id_field)
    key = table_id_field or id_field
    data = read_table(table, key, frame[id_field])
    _column(data, time_field)
    if key != id_field:
        data = data.rename(columns={key: id_field})
    shapes = gpd.GeoDataFrame({id_field: geo.index}, geometry=geo.geometry.to_numpy(), crs=geo.crs)
    return SpatialPanel(data, shapes, id=id_field, time=time_field)


# ---------------------------------------------------------------------------------------------- outputs
def lisa_frame(
    panel: SpatialPanel,
    field: str,
    w: Graph,
    *,
    period: Hashable | None = None,
    permutations: int = 999,
    seed: int = 0,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Local Moran of ``field`` as the columns a LISA layer adds (:data:`LISA_FIELDS`), indexed by region.

    ``p_sim`` is the conditional-permutation pseudo p-value, ``lisa_cluster`` the quadrant where ``p_sim <= alpha``
    (otherwise "Not significant"); see :func:`spillover.esda.local_moran`.  ``period`` defaults to the
    panel's only (or last) period.
    """
    from spillover.esda import local_moran

    period = resolve_period(panel, period)
    lisa = local_moran(panel, field, w, period=period, permutations=permutations, seed=seed, alpha=alpha)
    out = lisa.to_frame().rename(
        columns={"cluster": "lisa_cluster"}
    )  # "cluster" alone is ambiguous in a layer
    return out[list(LISA_FIELDS)]


def hotspot_frame(
    panel: SpatialPanel,
    field: str,
    w: Graph,
    *,
    statistic: str = "gi_star",
    period: Hashable | None = None,
    permutations: int = 999,
    seed: int = 0,
    alpha: float = 0.05,
    fdr: bool = False,
) -> pd.DataFrame:
    """A local hot-spot statistic of ``field`` as the columns a hot-spot layer adds (:data:`HOTSPOT_FIELDS`),
    indexed by region: :func:`spillover.esda.getis_ord` (``gi_star``, ``gi``) or
    :func:`spillover.esda.local_geary` (``local_geary``) in ``period`` (default: the last)."""
    from spillover import esda

    check_option(statistic, HOTSPOT_STATISTICS, "statistic", error=SpilloverError)
    period = resolve_period(panel, period)
    options: dict[str, Any] = {"permutations": permutations, "seed": seed, "alpha": alpha, "fdr": fdr}
    if statistic == "local_geary":
        res = esda.local_geary(panel, field, w, period, **options).to_frame()
        z, p_norm = res["z"], pd.Series(float("nan"), index=res.index)
    else:
        res = esda.getis_ord(panel, field, w, period, star=statistic == "gi_star", **options).to_frame()
        z, p_norm = res["z_norm"], res["p_value"]
    columns = (res["statistic"], z, p_norm, res["p_sim"].astype(float), res["cluster"])
    return pd.DataFrame(dict(zip(HOTSPOT_FIELDS, columns, strict=True)), index=res.index)


def dagum_frame(
    table: pd.DataFrame,
    *,
    id_field: str,
    time_field: str,
    field: str,
    group_field: str,
    weights_field: str | None = None,
    draws: int = 0,
    seed: int = 0,
) -> pd.DataFrame:
    """:func:`spillover.disparity.dagum_gini` of a long table (one row per region and period, no geometry
    needed), one row per period: ``period``, the decomposition (``G``, ``G_w``, ``G_nb``, ``G_t`` and the
    shares), each group's ``G_jj_<group>``, each pair's ``G_jh_<pair>`` and, with ``draws``, the bootstrap
    ``<statistic>_ci_lower`` / ``_ci_upper`` of the decomposition."""
    from spillover.disparity import dagum_gini

    data = (
        pd.DataFrame(table.drop(columns=table.geometry.name))
        if isinstance(table, gpd.GeoDataFrame)
        else table
    )
    for name in (id_field, time_field, field, group_field, weights_field):
        if name is not None:
            _column(data, name)
    ids = data[id_field].drop_duplicates().tolist()
    # the decomposition needs no geography: each region gets a placeholder point (as `spillover disparity`)
    points = gpd.GeoDataFrame({id_field: ids}, geometry=gpd.points_from_xy(range(len(ids)), [0] * len(ids)))
    panel = SpatialPanel(data, points, id=id_field, time=time_field)
    res = dagum_gini(panel, field, group_field, weights=weights_field, draws=draws, seed=seed)
    out = res.to_frame()
    out = out.join(res.within.add_prefix("G_jj_")).join(res.between.add_prefix("G_jh_"))
    intervals = res.intervals
    if intervals is not None:
        for stat in res.to_frame().columns:
            part = intervals.xs(stat, level=1)
            out[f"{stat}_ci_lower"] = part["ci_lower"].reindex(out.index).to_numpy()
            out[f"{stat}_ci_upper"] = part["ci_upper"].reindex(out.index).to_numpy()
    out.columns = [str(c) for c in out.columns]
    out.index = out.index.astype(str)
    return out.rename_axis("period").reset_index()


def resolve_period(panel: SpatialPanel, period: Hashable | None) -> Hashable:
    """``period`` as the panel stores it (a period typed in a dialog arrives as text); None: the last one."""
    if period is None:
        return panel.periods[-1]
    if period in panel.periods:
        return period
    by_text = {str(p): p for p in panel.periods}
    if str(period) in by_text:
        return by_text[str(period)]
    raise PanelError(f"period {period!r} is not in the panel; its periods are {format_items(panel.periods)}.")


def moran_frame(table: pd.DataFrame) -> pd.DataFrame:
    """A Moran table (:func:`spillover.esda.moran_by_period`) with its index as columns and field-safe names."""
    flat = table.reset_index()
    return flat.rename(
        columns={c: c.replace("[", "").replace("]", "") for c in flat.columns if isinstance(c, str)}
    )


def links_frame(w: Graph) -> pd.DataFrame:
    """The weights as a table ``focal, neighbor, weight`` (islands, which have no links, have no rows)."""
    adj = w.adjacency.reset_index()
    adj.columns = ["focal", "neighbor", "weight"]
    island = (adj["focal"] == adj["neighbor"]) & (adj["weight"] == 0)
    return adj.loc[~island].reset_index(drop=True)


def estimates_frame(result: Any, *, draws: int = 1000, seed: int = 0) -> pd.DataFrame:
    """A fitted model's coefficients and its direct/indirect/total effects in one long table.

    Columns ``term``, ``effect`` (``coefficient``, ``direct``, ``indirect``, ``total``), then the result
    columns (:data:`spillover.summary.COLUMNS`: ``estimate``, ``std_error``, ``statistic``, ``p_value``,
    ``ci_lower``, ``ci_upper``), as ``to_frame()`` and ``impacts()`` name them.
    """
    coef = result.to_frame().rename_axis("term").reset_index()
    coef.insert(1, "effect", "coefficient")
    if result.rho is None:
        return coef
    eff = result.impacts(draws=draws, seed=seed).reset_index()
    eff = eff.rename(columns={"variable": "term"})
    return pd.concat([coef, eff[coef.columns]], ignore_index=True)


def spillover_frame(result: Any, x: str) -> pd.DataFrame:
    """Region by region effects of regressor ``x``: ``direct``, ``emitted``, ``received``.

    From ``result.spillovers(x)``: ``direct`` = ``S_ii``, ``emitted`` = the effect of region i's ``x`` on all
    other regions (column sum of ``S`` less ``S_ii``), ``received`` = the effect on region i of all other
    regions' ``x`` (row sum less ``S_ii``), with ``S = (I - rho W)^-1 (beta I + theta W)``.
    """
    if x not in getattr(result, "x_names", [x]):
        raise SpilloverError(
            f"{x!r} is not a regressor of the model; its regressors are {format_items(result.x_names)}."
        )
    frame = result.spillovers(x)
    return frame[["direct", "emitted", "received"]]


def period_rows(frame: pd.DataFrame, time_field: str | None, period: Hashable) -> pd.DataFrame:
    """The rows of a layer frame that belong to ``period`` (all rows of a cross-section)."""
    if time_field is None:
        return frame
    return frame.loc[frame[time_field].astype(str) == str(period)]


def check_new_fields(frame: pd.DataFrame, new: Sequence[str]) -> None:
    """Refuse to add fields that the layer already has (the user's field would be hidden)."""
    clash = [name for name in new if name in frame.columns]
    if clash:
        raise SpilloverError(
            f"the layer already has field(s) {format_items(clash)}, which the output adds; rename them first."
        )
