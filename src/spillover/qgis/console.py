"""Helpers for the QGIS Python console: spillover's analyses on any vector layer, results as new layers.

Every helper takes a ``QgsVectorLayer`` (``iface.activeLayer()``, a GeoPackage, a PostGIS table, a memory
layer...), reads it with :func:`~spillover.qgis.convert.layer_to_frame` and calls spillover's own
estimators, so the numbers are those of the Python API.  Layers are never modified: results come back as
tables or as new memory layers, which you add to the project yourself::

    from spillover import qgis as sq
    layer = iface.activeLayer()
    sq.moran(layer, "gdp_pc")                                   # the Moran table
    QgsProject.instance().addMapLayer(sq.lisa_layer(layer, "gdp_pc"))

Weights (``weights=``): ``"queen"``/``"rook"`` contiguity (islands attached to their nearest region),
``"knn"`` (``k`` nearest regions), ``"inverse_distance"`` (``d^-power``, great-circle km), or a
:class:`libpysal.graph.Graph` of your own, always row-standardised; see
:func:`spillover.qgis.analysis.build_weights`.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Hashable
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd

from spillover.errors import SpilloverError
from spillover.options import BiasCorrection, Effects
from spillover.qgis import analysis as an
from spillover.qgis.convert import frame_to_layer, layer_to_frame

if TYPE_CHECKING:
    from libpysal.graph import Graph

    from spillover.spatial.results import SpatialPanelResults
    from spillover.weights import WeightsSummary

__all__ = ["moran", "lisa_layer", "weights_summary", "sdm", "spillover_layers"]

# Boundaries of the models fitted by sdm(), so that spillover_layers(result, x) can map them (results are
# immutable and carry no geometry).  Entries go when the result is garbage-collected.
_MODEL_GEOMETRY: dict[int, gpd.GeoDataFrame] = {}


def _panel_and_weights(
    layer: Any,
    table: Any,
    *,
    id_field: str | None,
    time_field: str | None,
    weights: Any,
    k: int,
    power: float,
) -> tuple[gpd.GeoDataFrame, Any, Graph]:
    frame = layer_to_frame(layer)
    if table is None:
        panel = an.layer_panel(frame, id_field=id_field, time_field=time_field)
    else:
        if id_field is None or time_field is None:
            raise SpilloverError("with a panel table, give id_field (the region id in both) and time_field.")
        panel = an.joined_panel(frame, _table_frame(table), id_field=id_field, time_field=time_field)
    return frame, panel, an.build_weights(panel.geometry, weights, k=k, power=power)


def _table_frame(table: Any) -> Any:
    """A panel table given as a path or DataFrame (kept), or a QGIS table layer (read)."""
    if isinstance(table, str | os.PathLike | pd.DataFrame):
        return table
    data = layer_to_frame(table)
    return pd.DataFrame(data.drop(columns=data.geometry.name)) if isinstance(data, gpd.GeoDataFrame) else data


def moran(
    layer: Any,
    field: str | list[str],
    *,
    table: Any = None,
    id_field: str | None = None,
    time_field: str | None = None,
    weights: an.WeightsChoice | Graph = "queen",
    k: int = 4,
    power: float = 1.0,
    permutations: int = 999,
    seed: int = 0,
) -> pd.DataFrame:
    """Global Moran's I of a layer's field, per period: :func:`spillover.esda.moran_by_period` on the layer.

    Parameters
    ----------
    layer
        A vector layer: one feature per region, or with ``time_field`` one feature per region and period.
    field
        Numeric field (or a list of fields) of the layer, or of ``table``.
    table
        Optional long panel table (one row per region and period) joined to the layer's regions on
        ``id_field``: a CSV, Excel or Stata path, a QGIS table layer or a DataFrame; ``time_field`` is then
        its period column.
    id_field
        Field holding the region ids (default: the feature ids); needed with ``time_field`` or ``table``.
    time_field
        Field holding the period, for a layer with one feature per region and period (or in ``table``).
    weights, k, power
        Spatial weights (see the module docstring).
    permutations, seed
        Random permutations for the pseudo p-value, and their seed.

    Returns
    -------
    pandas.DataFrame
        One row per period (``"cross-section"`` for a layer without time field): ``I``, ``E[I]``,
        ``var_norm``, ``z_norm``, ``p_norm``, ``var_rand``, ``z_rand``, ``p_rand``, ``p_sim``.
    """
    from spillover.esda import moran_by_period

    _, panel, w = _panel_and_weights(
        layer, table, id_field=id_field, time_field=time_field, weights=weights, k=k, power=power
    )
    return moran_by_period(panel, field, w, permutations=permutations, seed=seed)


def lisa_layer(
    layer: Any,
    field: str,
    *,
    table: Any = None,
    id_field: str | None = None,
    time_field: str | None = None,
    period: Hashable | None = None,
    weights: an.WeightsChoice | Graph = "queen",
    k: int = 4,
    power: float = 1.0,
    permutations: int = 999,
    seed: int = 0,
    alpha: float = 0.05,
    name: str | None = None,
) -> Any:
    """A new memory layer with the local Moran's I (LISA) of ``field``, styled as a cluster map.

    The layer has the input's features (those of ``period`` for a layer with ``time_field``) with their
    fields (and, with ``table``, the period's ``field``) plus ``Ii`` (local Moran), ``p`` (permutation pseudo p-value), ``z`` (standardised value),
    ``lag_z`` (its spatial lag), ``quadrant`` and ``lisa_cluster`` (the quadrant where ``p <= alpha``, otherwise
    "Not significant"), drawn with a categorised renderer in the LISA colours of :mod:`spillover.maps`.
    The numbers are :func:`spillover.esda.local_moran`'s.

    Parameters are those of :func:`moran`, plus ``period`` (default: the last; a period given as text is
    matched to the panel's), ``alpha`` and ``name`` (of the new layer; default ``"LISA <field>"``).
    """
    from spillover.qgis.style import lisa_renderer

    frame, panel, w = _panel_and_weights(
        layer, table, id_field=id_field, time_field=time_field, weights=weights, k=k, power=power
    )
    added = [field, *an.LISA_FIELDS] if table is not None else list(an.LISA_FIELDS)
    an.check_new_fields(frame, added)
    period = an.resolve_period(panel, period)
    stats = an.lisa_frame(panel, field, w, period=period, permutations=permutations, seed=seed, alpha=alpha)
    stats.insert(0, field, panel.matrix(field)[period])
    rows = frame if table is not None else an.period_rows(frame, time_field, period)
    keys = rows.index if id_field is None else rows[id_field]
    out = rows.assign(**{c: stats[c].reindex(keys).to_numpy() for c in added})
    result = frame_to_layer(out, name or f"LISA {field}")
    lisa_renderer(result)
    return result


def weights_summary(
    layer: Any,
    *,
    weights: an.WeightsChoice = "queen",
    id_field: str | None = None,
    k: int = 4,
    power: float = 1.0,
) -> WeightsSummary:
    """Regions, links, neighbours per region and islands of the weights built on a layer.

    See :func:`spillover.weights.describe`; ``print()`` it for a readable summary.
    """
    from spillover.weights import describe

    geo = an.regions(layer_to_frame(layer), id_field)
    return describe(an.build_weights(geo, weights, k=k, power=power))


def sdm(
    layer: Any,
    table: str | os.PathLike[str] | pd.DataFrame | Any,
    y: str,
    x: list[str],
    *,
    id_field: str,
    time_field: str,
    weights: an.WeightsChoice | Graph = "queen",
    fixed_effects: Effects = "twoway",
    bias_correction: BiasCorrection = "none",
    k: int = 4,
    power: float = 1.0,
) -> SpatialPanelResults:
    """Fit a spatial Durbin model on a layer's regions joined to a panel table.

    ``y = rho W y + X beta + W X theta + mu + lambda + e`` (:class:`spillover.SpatialPanelModel` with
    ``kind="sdm"``), with ``W`` built on the layer's geometry (row-standardised).

    Parameters
    ----------
    layer
        Boundaries: one feature per region, with the region id in ``id_field``.
    table
        The long panel (one row per region and period): a CSV, Excel or Stata path, a QGIS table layer
        (e.g. a CSV added to the project) or a DataFrame.  Its region ids are in ``id_field`` too.
    y, x
        Dependent variable and regressors (columns of the table).
    id_field, time_field
        Region id and period fields.
    weights, k, power
        Spatial weights (see the module docstring).
    fixed_effects
        ``"twoway"`` (default), ``"unit"``, ``"time"``, ``"none"`` or ``"random"``.
    bias_correction
        ``"none"`` (the direct approach, as xsmle and Elhorst's code) or ``"lee-yu"`` (Lee and Yu 2010),
        advisable with time or two-way effects and few regions (a ``SmallSampleBiasWarning`` says when).

    Returns
    -------
    spillover.spatial.results.SpatialPanelResults
        ``print(res.summary())`` gives the paper table; :func:`spillover_layers` maps the spillovers.
    """
    from spillover.spatial import SpatialPanelModel

    _, panel, w = _panel_and_weights(
        layer, table, id_field=id_field, time_field=time_field, weights=weights, k=k, power=power
    )
    result = SpatialPanelModel(
        panel, y, list(x), w, kind="sdm", fixed_effects=fixed_effects, bias_correction=bias_correction
    ).fit()
    _remember_geometry(result, panel.geometry)
    return result


def _remember_geometry(result: Any, geometry: gpd.GeoDataFrame) -> None:
    key = id(result)
    _MODEL_GEOMETRY[key] = geometry
    weakref.finalize(result, _MODEL_GEOMETRY.pop, key, None)


def spillover_layers(
    result: SpatialPanelResults,
    x: str,
    *,
    layer: Any = None,
    id_field: str | None = None,
    field: str = "emitted",
    name: str | None = None,
) -> Any:
    """A new memory layer with each region's ``direct``, ``emitted`` and ``received`` effects of ``x``.

    The values are ``result.spillovers(x)`` (see :func:`spillover.qgis.analysis.spillover_frame`); the
    layer is drawn with a graduated renderer (quantiles) on ``field``.  The regions' boundaries are those
    :func:`sdm` fitted the model on, or ``layer`` (one feature per region, ids in ``id_field``) for a result
    fitted elsewhere.
    """
    from spillover.qgis.style import graduated

    if field not in ("direct", "emitted", "received"):
        raise SpilloverError(f"field must be 'direct', 'emitted' or 'received'; got {field!r}.")
    geo = _model_geometry(result, layer, id_field)
    effects = an.spillover_frame(result, x)
    missing = effects.index.difference(geo.index)
    if len(missing):
        raise SpilloverError(f"regions {list(missing)[:10]} of the model have no feature in the layer.")
    geo = geo.loc[effects.index]
    out = gpd.GeoDataFrame(
        {"region": effects.index.astype(str), **{c: effects[c].to_numpy() for c in effects}},
        geometry=geo.geometry.to_numpy(),
        crs=geo.crs,
    )
    result_layer = frame_to_layer(out, name or f"Spillovers {x}")
    graduated(result_layer, field)
    return result_layer


def _model_geometry(result: Any, layer: Any, id_field: str | None) -> gpd.GeoDataFrame:
    if layer is not None:
        return an.regions(layer_to_frame(layer), id_field)
    geometry = _MODEL_GEOMETRY.get(id(result))
    if geometry is None:
        raise SpilloverError(
            "this result was not fitted by spillover.qgis.sdm, so its regions' boundaries are unknown; pass "
            "layer=<the boundaries layer> and id_field=<its region id field>."
        )
    return geometry
