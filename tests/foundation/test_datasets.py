"""Shipped datasets: shapes of the panels and spot values against their published sources."""

from __future__ import annotations

import numpy as np
import pytest

from spillover import datasets


@pytest.fixture(scope="module")
def us():
    return datasets.us_states()


def test_us_states_shape_and_order(us):
    assert (us.n_regions, us.n_periods) == (48, 17)
    assert us.periods.tolist() == list(range(1970, 1987))
    # alphabetical, the order of libpysal's states48.gal ids "0".."47"
    assert us.ids.tolist() == sorted(us.ids.tolist())
    assert "Tennessee" in us.ids and "New Hampshire" in us.ids  # Produc: TENNESSE, New_Hampshi
    assert us.crs.to_epsg() == 4326


def test_us_states_values_match_produc(us):
    # R plm's Produc, first row: ALABAMA 1970 pcap 15032.67 gsp 28418 emp 1010.5 unemp 4.7
    row = us.data.loc[("Alabama", 1970)]
    assert row["pcap"] == pytest.approx(15032.67)
    assert row["gsp"] == 28418 and row["emp"] == pytest.approx(1010.5) and row["unemp"] == 4.7
    assert row["ln_gsp"] == pytest.approx(np.log(28418))


def test_us_states_geometry_matches_names(us):
    geo = us.geometry
    assert geo.loc["California", "abbr"] == "CA"
    # a representative point of each state lies inside its own polygon, and Texas is at ~31N 99W
    assert geo.representative_point().within(geo.geometry).all()
    tx = geo.loc["Texas"].geometry.centroid
    assert -103 < tx.x < -97 and 29 < tx.y < 33


def test_rice_farms():
    df = datasets.rice_farms()
    assert df.shape == (344, 17)
    assert df.groupby("farm").size().eq(8).all()
    # Coelli et al. (2005) riceProdPhil, farm 1 in 1990: PROD 7.87, AREA 2.5, LABOR 161, NPK 207.5
    first = df.iloc[0]
    assert (first["farm"], first["year"]) == (1, 1990)
    assert (first["prod"], first["area"], first["labor"], first["npk"]) == (7.87, 2.5, 161, 207.5)
    assert (df[["prod", "area", "labor", "npk", "other"]] > 0).all().all()


def test_every_public_name_resolves():
    import spillover as so

    missing = [name for name in so.__all__ if getattr(so, name, None) is None]
    assert missing == []
    assert so.SpatialPanelModel is so.spatial.SpatialPanelModel and so.dea is so.productivity.dea
