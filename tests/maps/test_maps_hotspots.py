"""maps.hotspot_map, local_cluster_map and emerging_hotspot_map: what each figure draws.

Reference: the classes of spillover.esda.getis_ord / emerging_hotspots / bivariate_lisa computed in the test
with the same arguments, and the palette of the issue (dark red / red / pink hot at 99 / 95 / 90 %, dark
blue / blue / light blue cold, light grey not significant) written out here.
"""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from libpysal.graph import Graph
from matplotlib.colors import to_hex, to_rgb

import spillover as so
from spillover import maps
from spillover.errors import SpilloverError

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def panel() -> so.SpatialPanel:
    return so.datasets.us_states()


@pytest.fixture(scope="module")
def w(panel) -> Graph:
    return Graph.build_contiguity(panel.geometry, rook=False)


def _collection(ax, gid):
    found = [c for c in ax.collections if c.get_gid() == gid]
    assert len(found) == 1, f"expected one collection {gid!r}, found {len(found)}"
    return found[0]


def _faces(ax, gid="regions") -> list[str]:
    return [to_hex(c) for c in _collection(ax, gid).get_facecolor()]


def _legend_texts(ax) -> list[str]:
    return [t.get_text() for t in ax.get_legend().get_texts()]


def test_hotspot_palette_is_the_conventional_one() -> None:
    c = {k: np.array(to_rgb(v)) for k, v in maps.HOTSPOT_COLORS.items()}
    # hot classes are red-dominant and darken with confidence; cold ones blue-dominant; not significant grey
    for side, channel in (("hot", 0), ("cold", 2)):
        for level in ("90", "95", "99"):
            rgb = c[f"{side}_{level}"]
            assert rgb[channel] == rgb.max()
        assert c[f"{side}_99"].sum() < c[f"{side}_95"].sum() < c[f"{side}_90"].sum()
    grey = c["not_significant"]
    assert np.ptp(grey) < 0.02 and grey.min() > 0.9


def test_hotspot_map_colours_and_counts(panel, w) -> None:
    gi = so.esda.getis_ord(panel, "gsp", w, 1986, permutations=0, alpha=0.1)
    ax = maps.hotspot_map(gi).axes[0]
    assert _faces(ax) == [maps.HOTSPOT_COLORS[c].lower() for c in gi.clusters]
    counts = gi.counts()
    texts = _legend_texts(ax)
    assert len(texts) == 7 and texts[3] == f"Not significant ({counts['not_significant']})"
    assert ax.get_legend().get_title().get_text() == "Gi*"
    assert ax.get_title() == "Hot and cold spots (Gi*) of gsp, 1986"
    assert maps.hotspot_map(gi, panel.geometry, title="x").axes[0].get_title() == "x"


def test_hotspot_map_hatches_islands() -> None:
    prov = so.datasets.china_provinces()
    rng = np.random.default_rng(7)
    rows = [(p, t, float(v)) for t in (2020, 2021) for p, v in zip(prov.index, rng.uniform(1, 9, len(prov)))]
    data = pd.DataFrame(rows, columns=["province", "year", "y"])
    china = so.SpatialPanel(data, prov.reset_index(), id="province", time="year")
    with pytest.warns(so.errors.IslandWarning, match="Hainan"):
        wc = so.weights.contiguity(china, kind="queen", islands="keep")
    gi = so.esda.getis_ord(china, "y", wc, 2021, permutations=0)
    assert bool(gi.islands["Hainan"]) and gi.clusters["Hainan"] == "not_significant"
    ax = maps.hotspot_map(gi, language="en").axes[0]
    assert len(_collection(ax, "islands").get_paths()) == 1
    assert _legend_texts(ax)[-1] == "No data (4)"  # Hainan + Hong Kong, Macao, Taiwan


def test_emerging_hotspot_map(panel, w) -> None:
    res = so.esda.emerging_hotspots(panel, "gsp", w, permutations=0)
    ax = maps.emerging_hotspot_map(res).axes[0]
    assert _faces(ax) == [maps.EMERGING_COLORS[c].lower() for c in res.categories]
    assert _legend_texts(ax) == [f"{k} ({n})" for k, n in res.counts().items()]


def test_maps_refuse_the_wrong_result(panel, w) -> None:
    gi = so.esda.getis_ord(panel, "gsp", w, 1986, permutations=0)
    with pytest.raises(SpilloverError, match="local_cluster_map draws"):
        maps.local_cluster_map(gi)  # type: ignore[arg-type]
    with pytest.raises(SpilloverError, match="getis_ord result"):
        maps.hotspot_map(so.esda.emerging_hotspots(panel, "gsp", w, permutations=0))  # type: ignore[arg-type]


@pytest.mark.slow  # numba compiles esda's bivariate kernel
def test_local_cluster_map_bivariate_lisa(panel, w) -> None:
    bv = so.esda.bivariate_lisa(panel, "ln_gsp", "ln_pcap", w, 1986, permutations=99, seed=1, alpha=0.1)
    ax = maps.local_cluster_map(bv).axes[0]
    assert _faces(ax) == [maps.CLUSTER_COLORS[c].lower() for c in bv.clusters]
    assert _legend_texts(ax) == [f"{k} ({n})" for k, n in bv.counts().items()]
    assert ax.get_title() == "Bivariate LISA clusters of ln_gsp, ln_pcap, 1986"
