"""spillover.weights on China's 31 provinces: neighbours checked by hand against the map, shipped files."""

from __future__ import annotations

import importlib.resources

import matplotlib.pyplot as plt
import numpy as np
import pytest

from spillover import datasets
from spillover.errors import WeightsError
from spillover.weights import (
    EARTH_RADIUS_KM,
    contiguity,
    describe,
    distance,
    load,
    prebuilt,
    to_sparse,
)

# Neighbours read off the provincial map by hand (land borders; Hong Kong, Macao, Taiwan excluded).
HAND_NEIGHBOURS = {
    "Beijing": {"Tianjin", "Hebei"},
    "Shanghai": {"Jiangsu", "Zhejiang"},
    "Inner Mongolia": {"Heilongjiang", "Jilin", "Liaoning", "Hebei", "Shanxi", "Shaanxi", "Ningxia", "Gansu"},
    "Chongqing": {"Sichuan", "Guizhou", "Hunan", "Hubei", "Shaanxi"},
    "Tibet": {"Xinjiang", "Qinghai", "Sichuan", "Yunnan"},
    "Xinjiang": {"Tibet", "Qinghai", "Gansu"},
    # land borders plus Hainan, attached across the Qiongzhou Strait by the islands policy
    "Guangdong": {"Fujian", "Jiangxi", "Hunan", "Guangxi", "Hainan"},
}


@pytest.fixture(scope="module")
def prov():
    return datasets.china_provinces()


@pytest.fixture(scope="module")
def queen(prov):
    return contiguity(prov, "queen", transform="none", id="province")


def test_queen_neighbours_match_the_map(queen) -> None:
    for region, expected in HAND_NEIGHBOURS.items():
        assert set(queen.neighbors[region]) == expected, region
    assert len(queen.neighbors["Inner Mongolia"]) == 8


def test_hainan_is_attached_to_guangdong_across_the_strait(queen) -> None:
    assert set(queen.neighbors["Hainan"]) == {"Guangdong"}
    summary = describe(queen)
    assert summary.attached == (("Hainan", ("Guangdong",)),)
    assert summary.islands == () and summary.symmetric and summary.n_regions == 31


def test_hainan_by_capitals_goes_to_guangxi(prov) -> None:
    # Haikou (110.199, 20.044) is nearer Nanning than Guangzhou; check with the spherical law of cosines
    cap = prov.set_index("province")[["capital_lon", "capital_lat"]]

    def km(a: str, b: str) -> float:
        (l1, p1), (l2, p2) = np.radians(cap.loc[a]), np.radians(cap.loc[b])
        return EARTH_RADIUS_KM * np.arccos(
            np.sin(p1) * np.sin(p2) + np.cos(p1) * np.cos(p2) * np.cos(l2 - l1)
        )

    assert km("Hainan", "Guangxi") < km("Hainan", "Guangdong")
    w = contiguity(prov, transform="none", id="province", coords="capital")
    assert set(w.neighbors["Hainan"]) == {"Guangxi"}


def test_islands_raise_names_hainan(prov) -> None:
    with pytest.raises(WeightsError, match=r"no contiguous neighbour: 'Hainan'"):
        contiguity(prov, islands="raise", id="province")


def test_shipped_files_are_what_the_builders_give(prov, queen) -> None:
    ids = prov["province"].tolist()
    codes = prov["code"].astype(str).tolist()
    folder = importlib.resources.files("spillover._weights")
    np.testing.assert_array_equal(
        to_sparse(prebuilt("china_provinces_queen"), ids).toarray(), to_sparse(queen, ids).toarray()
    )
    gal = load(folder / "china_provinces_queen.gal", ids=codes)
    np.testing.assert_array_equal(to_sparse(gal, codes).toarray(), to_sparse(queen, ids).toarray())
    for power in (1, 2):
        fresh = to_sparse(distance(prov, power=power, transform="none", id="province"), ids).toarray()
        shipped_csv = to_sparse(prebuilt(f"china_provinces_invdist{power}", ids=ids), ids).toarray()
        shipped_gwt = to_sparse(
            load(folder / f"china_provinces_invdist{power}.gwt", ids=codes), codes
        ).toarray()
        # The files hold 17 significant digits (an exact round trip, tested in test_weights_io); the fresh
        # build's haversine may differ from the one that wrote them in the last bit (numpy's SIMD sin/cos
        # vary by version and CPU: 3.9e-16 relative for d^-1, 6.8e-16 for d^-2 seen with numpy 2.4): 2 ulp
        # of the distance, doubled by the square.
        eps = np.finfo(float).eps
        np.testing.assert_allclose(shipped_csv, fresh, rtol=4 * power * eps, atol=0)
        np.testing.assert_allclose(shipped_gwt, fresh, rtol=4 * power * eps, atol=0)


def test_capital_distance_beijing_shanghai(prov) -> None:
    # Beijing-Shanghai great-circle distance between the two city centres is about 1,067-1,068 km
    # (published figures); the registry's capital coordinates must reproduce it within 5 km.
    w = prebuilt("china_provinces_invdist1")
    assert 1 / w.adjacency[("Beijing", "Shanghai")] == pytest.approx(1067.5, abs=5)


def test_links_map_draws_every_link_once(prov, queen) -> None:
    from spillover import maps, weights

    # weights is the data layer and no longer draws (it would import maps, a layer above): plot_links moved
    with pytest.raises(AttributeError, match=r"maps\.links_map"):
        weights.plot_links  # noqa: B018
    ax = maps.links_map(queen, prov.set_index("province")).axes[0]
    assert len(ax.collections[-1].get_segments()) == describe(queen).n_links // 2  # symmetric: 138 / 2
    plt.close(ax.figure)
