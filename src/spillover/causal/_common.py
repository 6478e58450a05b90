"""Inputs of the causal designs, checked once at the boundary, and the spillover exposure of each region.

Exposure to treated neighbours comes in two forms:

* ``w=``: ``E_it = sum_j w_ij D_jt`` with the weights as aligned to the panel (the share of treated
  neighbours when ``w`` is row-standardised, as spillover's builders return it by default);
* ``rings_km=[r_0, r_1, ..., r_K]``: ``K`` mutually exclusive indicators, ring ``k`` being 1 when the nearest
  *other* treated region in period ``t`` lies at a great-circle distance ``d`` with ``r_k < d <= r_{k+1}``
  (``r_0 <= d`` for the first ring), distances between the regions' points (centroids by default).  This is
  the ring design of Clarke (2017) and Butts (2021): each region is assigned to the innermost ring that
  holds a treated region.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from spillover.errors import ModelError, PanelError, format_items
from spillover.options import check_number
from spillover.panel import SpatialPanel
from spillover.weights import align, haversine, to_sparse
from spillover.weights._geometry import _geo_frame, _lonlat  # the regions' points: weights' own reader
from spillover.weights._types import PointKind

__all__ = [
    "check_columns",
    "treat_matrix",
    "adoption_times",
    "w_exposure",
    "ring_exposure",
    "ring_labels",
    "check_rings",
    "fresh_name",
    "long_column",
]


def check_columns(panel: SpatialPanel, columns: Sequence[str], what: str = "column") -> None:
    """Every name is a variable of the panel, else a PanelError naming it and the panel's variables."""
    if not isinstance(panel, SpatialPanel):
        raise PanelError(f"panel must be a SpatialPanel, got {type(panel).__name__}.")
    missing = [c for c in columns if c not in panel.variables]
    if missing:
        raise PanelError(
            f"{what} {format_items(missing)} not in the panel; its variables are {format_items(panel.variables)}."
        )


def treat_matrix(panel: SpatialPanel, treat: str) -> pd.DataFrame:
    """The treatment column as regions x periods, checked to hold only 0 and 1 (no missing cells)."""
    check_columns(panel, [treat], "treatment column")
    try:
        d = panel.matrix(treat)
    except PanelError as exc:
        raise ModelError(f"treatment column {treat!r} must hold 0/1 numbers: {exc}") from None
    bad = d.stack(future_stack=True)
    bad = bad[~bad.isin([0, 1])]
    if len(bad):
        cells = [f"{i}/{t} = {v:g}" for (i, t), v in bad.items()]
        raise ModelError(
            f"treatment column {treat!r} must be 0 (untreated) or 1 (treated); region-periods "
            f"{format_items(cells)} are not. Code the treated region-periods as 1."
        )
    return d.astype(float)


def adoption_times(panel: SpatialPanel, treat_time: str) -> pd.Series:
    """Each region's first treated period from the column ``treat_time`` (NaN or 0: never treated),
    checked constant within each region; NaN for never-treated regions."""
    check_columns(panel, [treat_time], "treat_time column")
    m = panel.data[treat_time].unstack(panel.time_name).reindex(panel.ids)
    try:
        m = m.astype(float)
    except (TypeError, ValueError):
        raise ModelError(f"treat_time column {treat_time!r} must hold periods (numbers) or NaN.") from None
    m = m.where(m != 0)
    varies = m.index[m.nunique(axis=1, dropna=False) > 1]
    if len(varies):
        raise ModelError(
            f"treat_time column {treat_time!r} must be constant within each region (the region's first "
            f"treated period); it varies in regions {format_items(varies.tolist())}."
        )
    g = m.iloc[:, 0].rename("treat_time")
    periods = panel.periods
    if not pd.api.types.is_numeric_dtype(periods):
        raise ModelError(f"event studies need numeric periods; {panel.time_name!r} holds {periods.dtype}.")
    return g


def w_exposure(panel: SpatialPanel, d: pd.DataFrame, w: Any) -> pd.DataFrame:
    """``E = W D`` per period (regions x periods): the weighted share of treated neighbours."""
    mat = to_sparse(align(w, panel.ids), panel.ids)
    return pd.DataFrame(mat @ d.to_numpy(dtype=float), index=d.index, columns=d.columns)


def check_rings(rings_km: Sequence[float]) -> list[float]:
    """Ring edges in km: at least two, non-negative, increasing."""
    if isinstance(rings_km, str | bytes) or not isinstance(rings_km, Sequence | np.ndarray):
        raise ModelError(f"rings_km must be a list of distances in km, e.g. [0, 50, 100]; got {rings_km!r}.")
    edges = [float(r) for r in rings_km]
    if len(edges) < 2:
        raise ModelError(f"rings_km needs at least two edges (one ring), e.g. [0, 50]; got {edges}.")
    for r in edges:
        check_number(r, "rings_km", minimum=0, error=ModelError)
    if any(b <= a for a, b in zip(edges, edges[1:], strict=False)):
        raise ModelError(f"rings_km must be strictly increasing; got {edges}.")
    return edges


def ring_labels(edges: Sequence[float]) -> list[str]:
    """``ring_0_50km``-style names of the rings."""
    return [f"ring_{a:g}_{b:g}km" for a, b in zip(edges, edges[1:], strict=False)]


def distances_km(panel: SpatialPanel, coords: PointKind | tuple[str, str]) -> np.ndarray:
    """Great-circle distances (km) between the regions' points, in the panel's order."""
    frame = _geo_frame(panel.geometry)
    lon, lat = _lonlat(frame, coords)
    return np.asarray(haversine(lon[:, None], lat[:, None], lon[None, :], lat[None, :]))


def ring_exposure(d: pd.DataFrame, dist: np.ndarray, edges: Sequence[float]) -> dict[str, pd.DataFrame]:
    """One regions x periods 0/1 frame per ring: the nearest other treated region lies in that ring."""
    dd = dist.copy()
    np.fill_diagonal(dd, np.inf)
    treated = d.to_numpy(dtype=float) > 0.5  # N x T
    nearest = np.full(treated.shape, np.inf)  # nearest other treated region per (region, period)
    for t in range(treated.shape[1]):
        if treated[:, t].any():
            nearest[:, t] = dd[:, treated[:, t]].min(axis=1)
    out = {}
    for k, name in enumerate(ring_labels(edges)):
        lo, hi = edges[k], edges[k + 1]
        inside = (nearest <= hi) & ((nearest > lo) if k else (nearest >= lo))
        out[name] = pd.DataFrame(inside.astype(float), index=d.index, columns=d.columns)
    return out


def fresh_name(panel: SpatialPanel, base: str, taken: Sequence[str] = ()) -> str:
    """``base`` or ``base_2``, ``base_3``...: a name not yet a variable of the panel."""
    name, i = base, 1
    while name in panel.variables or name in taken:
        i += 1
        name = f"{base}_{i}"
    return name


def long_column(frame: pd.DataFrame, panel: SpatialPanel, name: str) -> pd.Series:
    """A regions x periods frame as a long Series indexed by (id, period), named ``name``."""
    s = frame.stack(future_stack=True)
    s.index = s.index.set_names([panel.id_name, panel.time_name])
    return s.rename(name)
