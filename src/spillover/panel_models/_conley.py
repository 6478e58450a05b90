"""Conley (1999) spatial-HAC covariance of the panel models: the meat from pairs within a great-circle cutoff.

pyfixest (0.60) has no Conley covariance (its pull requests #1318 and #1373 are open), statsmodels and
linearmodels only have time-series kernels, and spreg's HAC belongs to its own GM estimators: the meat is
computed here, once, on the scores of the within-transformed regression (``x_it e_it`` for OLS, ``xhat_it
e_it`` for 2SLS), and used by every panel model through :func:`spillover.panel_models._data.covariance`.

    meat = sum_t sum_{i, j in period t} K(d_ij) s_it s_jt'
         + sum_i sum_{t != s, |t - s| <= lag} (1 - |t - s| / (lag + 1)) s_it s_is'

The first sum is the spatial part within each period (K = 1 for the uniform kernel, ``1 - d / cutoff`` for
Bartlett, 0 beyond the cutoff); the second the serial part within each region with Bartlett weights in time,
as conleyreg and acreg.  The own term (i = j, t = s) is counted once.  Periods are counted by their order in
the estimation sample.  Pairs are found by a k-d tree on unit-sphere points with the chord length of the
cutoff; the N x N distance matrix is never formed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from spillover.errors import ModelError, WeightsError, format_items
from spillover.options import ConleyKernel, check_int, check_number, check_option
from spillover.panel import SpatialPanel
from spillover.weights import EARTH_RADIUS_KM

# the weights layer already turns regions into lon/lat points (centroids in an equal-area projection) and
# points into unit vectors; one implementation of both for the whole package
from spillover.weights._geometry import _chord, _geo_frame, _lonlat, _unit_vectors

__all__ = ["Conley", "conley", "conley_meat", "kernel_weights"]


@dataclass(frozen=True)
class Conley:
    """The Conley covariance of one estimation sample: a point per observation and the options."""

    xyz: np.ndarray  # unit-sphere points of the observations (n x 3)
    cutoff_km: float
    kernel: str
    lag: int
    points: str  # where the points come from, in words

    def short(self) -> str:
        """A short label for table rows."""
        return f"Conley {self.cutoff_km:g} km" + (f", lag {self.lag}" if self.lag else "")

    def describe(self) -> str:
        """How the standard errors are computed, in words (the summary's "Std. errors")."""
        serial = f", serial Bartlett up to lag {self.lag}" if self.lag else ""
        return (
            f"Conley spatial HAC ({self.kernel} kernel, cutoff {self.cutoff_km:g} km{serial}; {self.points})"
        )


def kernel_weights(dist_km: np.ndarray, cutoff_km: float, kernel: str) -> np.ndarray:
    """Kernel weights of great-circle distances: 1 (uniform) or ``1 - d / cutoff`` (Bartlett) within the
    cutoff (distance <= cutoff), 0 beyond."""
    inside = dist_km <= cutoff_km
    if kernel == "uniform":
        return inside.astype(float)
    return np.where(inside, 1.0 - dist_km / cutoff_km, 0.0)


def conley_meat(
    scores: np.ndarray,
    xyz: np.ndarray,
    unit: np.ndarray,
    time: np.ndarray,
    *,
    cutoff_km: float,
    kernel: str = "bartlett",
    lag: int = 0,
) -> np.ndarray:
    """The Conley meat ``sum K s s'`` of ``scores`` (n x k): spatial pairs within each period plus serial
    pairs within each region (module docstring); ``unit``/``time`` are integer codes 0..N-1 / 0..T-1."""
    scores = np.asarray(scores, dtype=float)
    meat = scores.T @ scores  # the own terms, once
    radius = _chord(cutoff_km) * (1 + 1e-12)  # the tree's test is loose; the exact one is on distances
    order = np.argsort(time, kind="stable")
    bounds = np.flatnonzero(np.diff(time[order])) + 1
    for idx in np.split(order, bounds):
        if len(idx) < 2:
            continue
        pairs = cKDTree(xyz[idx]).query_pairs(radius, output_type="ndarray")
        if not len(pairs):
            continue
        a, b = idx[pairs[:, 0]], idx[pairs[:, 1]]
        half_chord = np.minimum(np.linalg.norm(xyz[a] - xyz[b], axis=1) / 2, 1.0)
        w = kernel_weights(2 * EARTH_RADIUS_KM * np.arcsin(half_chord), cutoff_km, kernel)
        cross = scores[a].T @ (w[:, None] * scores[b])
        meat += cross + cross.T
    if lag:
        n_units, n_times = int(unit.max()) + 1, int(time.max()) + 1
        cell = np.full((n_units, n_times), -1, dtype=np.int64)
        cell[unit, time] = np.arange(len(unit))
        for gap in range(1, min(lag, n_times - 1) + 1):
            first, second = cell[:, :-gap].ravel(), cell[:, gap:].ravel()
            both = (first >= 0) & (second >= 0)
            cross = (1 - gap / (lag + 1)) * scores[first[both]].T @ scores[second[both]]
            meat += cross + cross.T
    return meat


def conley(
    panel: SpatialPanel,
    index: pd.MultiIndex,
    *,
    cutoff_km: float | None,
    coords: tuple[str, str] | None,
    kernel: str,
    lag: int,
) -> Conley:
    """The checked options and the observations' points (``index``: the sample's (region, period) rows)."""
    if cutoff_km is None:
        raise ModelError(
            "se='conley' needs cutoff_km=, the distance in km beyond which errors are uncorrelated."
        )
    check_number(cutoff_km, "cutoff_km", minimum=0, strict=True, error=ModelError, hint=" (e.g. 500)")
    check_option(kernel, ConleyKernel, "kernel", error=ModelError)
    check_int(lag, "lag", minimum=0, error=ModelError, hint=" (0: no serial correlation)")
    if coords is None:
        lon, lat = _centroids(panel, index)
        points = "region centroids"
    else:
        lon, lat = _columns(panel, index, coords)
        points = f"points {coords[0]!r}/{coords[1]!r}"
    return Conley(_unit_vectors(lon, lat), float(cutoff_km), str(kernel), int(lag), points)


def _centroids(panel: SpatialPanel, index: pd.MultiIndex) -> tuple[np.ndarray, np.ndarray]:
    try:
        frame = _geo_frame(panel)
        lon, lat = _lonlat(frame, "centroid")
    except WeightsError as exc:
        raise ModelError(
            f"se='conley' takes the regions' centroids from the panel's boundaries, which failed: {exc} "
            "Or pass coords=('lon_col', 'lat_col') naming longitude and latitude columns of the panel."
        ) from exc
    pos = frame.index.get_indexer(index.get_level_values(0))
    return lon[pos], lat[pos]


def _columns(panel: SpatialPanel, index: pd.MultiIndex, coords: object) -> tuple[np.ndarray, np.ndarray]:
    if (
        isinstance(coords, str)
        or not isinstance(coords, (tuple, list))
        or len(coords) != 2
        or not all(isinstance(c, str) for c in coords)
    ):
        raise ModelError(
            f"coords must name two columns of the panel, (longitude, latitude) in degrees; got {coords!r}."
        )
    data = panel.data
    out = []
    for col, limit in ((coords[0], 180.0), (coords[1], 90.0)):
        if col not in data.columns:
            raise ModelError(
                f"coordinate column {col!r} is not in the panel; its variables are "
                f"{format_items(panel.variables)}."
            )
        values = pd.to_numeric(data[col], errors="coerce").reindex(index)
        bad = values.index[values.isna() | ~(values.abs() <= limit)]
        if len(bad):
            cells = [f"{i}/{t}" for i, t in bad[:5]]
            more = f" (and {len(bad) - 5} more)" if len(bad) > 5 else ""
            raise ModelError(
                f"coordinate column {col!r} must hold degrees within +-{limit:g} for every row of the sample; "
                f"missing or out of range at (region/period) {', '.join(cells)}{more}."
            )
        out.append(values.to_numpy(dtype=float))
    return out[0], out[1]
