"""Simulated regional panels with known causal effects (direct 1.0, spillover 0.5) for the causal tests
(imported by the test modules; not a conftest.py, which would collide with tests/conftest.py).  The module-scoped
fixture ``sim`` (:func:`sim_fixture`) is imported by the modules that use it."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

import spillover as so

N_REGIONS, PERIODS = 60, list(range(2001, 2013))


def grid_geometry(n: int = N_REGIONS, seed: int = 0) -> gpd.GeoDataFrame:
    """``n`` small squares around random points in lon 100..110, lat 25..35 (columns lon, lat, EPSG:4326)."""
    rng = np.random.default_rng(seed)
    lon, lat = rng.uniform(100, 110, n), rng.uniform(25, 35, n)
    ids = [f"r{i:02d}" for i in range(n)]
    geoms = [box(x - 0.05, y - 0.05, x + 0.05, y + 0.05) for x, y in zip(lon, lat, strict=True)]
    return gpd.GeoDataFrame({"region": ids, "lon": lon, "lat": lat}, geometry=geoms, crs="EPSG:4326")


def knn_w(geo: gpd.GeoDataFrame):
    """Binary 5-nearest-neighbour weights, row-standardised (so W D is the share of treated neighbours)."""
    return so.weights.distance(geo.set_index("region"), coords=("lon", "lat"), k=5, power=0)


def simulate(
    *, direct: float = 1.0, spillover: float = 0.5, seed: int = 1, staggered: bool = True, noise: float = 0.3
) -> tuple[so.SpatialPanel, object, pd.DataFrame]:
    """A panel with a treatment ``treat`` (absorbing; adoption ``g`` in 2004..2009 for about half of the
    regions, clustered in the west so that their untreated neighbours are exposed), and
    ``y = direct D + spillover (W D) + mu_i + lambda_t + e``.  Returns the panel, W and the truth frame."""
    geo = grid_geometry()
    w = knn_w(geo)
    rng = np.random.default_rng(seed)
    ids = geo["region"].to_numpy()
    west = geo["lon"].to_numpy() < 105.5
    g = np.where(west, rng.choice(np.arange(2004, 2010), len(ids)) if staggered else 2006, np.nan)
    periods = np.array(PERIODS)
    d = (periods[None, :] >= g[:, None]).astype(float)
    wd = so.weights.to_sparse(w, ids) @ d
    y = (
        direct * d
        + spillover * wd
        + rng.normal(size=(len(ids), 1))
        + rng.normal(size=(1, len(periods)))
        + noise * rng.normal(size=d.shape)
    )
    frame = pd.DataFrame(
        {
            "region": np.repeat(ids, len(periods)),
            "year": np.tile(periods, len(ids)),
            "y": y.ravel(),
            "treat": d.ravel(),
            "g": np.repeat(g, len(periods)),
            "x1": rng.normal(size=d.size),
            "label": "a",
        }
    )
    panel = so.SpatialPanel(frame, geo, id="region", time="year")
    return panel, w, pd.DataFrame({"D": d.ravel(), "WD": wd.ravel()})


@pytest.fixture(scope="module", name="sim")
def sim_fixture():
    """The simulated panel of :func:`simulate` (direct 1.0, spillover 0.5), once per importing module."""
    return simulate()
