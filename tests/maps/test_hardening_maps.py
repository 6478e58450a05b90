"""Hardening round 2 (issue 19), maps: non-finite values and broken geometries are treated the same way by
every map (one preparation, ``maps._base.prepare_map``); a China map of a subset of provinces draws the whole
territory; text with Chinese characters is drawn with a font that has the glyphs."""

from __future__ import annotations

import warnings

import geopandas as gpd
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Polygon, box

import spillover as so
from spillover import maps
from spillover.errors import MapWarning, SpilloverError
from spillover.maps import _base
from spillover.spatial.model import SpatialPanelModel

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _collection(ax, gid):
    found = [c for c in ax.collections if c.get_gid() == gid]
    assert len(found) == 1, f"expected one collection {gid!r}, found {len(found)}"
    return found[0]


def _legend_texts(ax) -> list[str]:
    return [t.get_text() for t in ax.get_legend().get_texts()]


def _strip(values, geoms=None, index=None) -> gpd.GeoDataFrame:
    """Unit squares side by side, one per value."""
    geoms = geoms if geoms is not None else [box(i, 0, i + 1, 1) for i in range(len(values))]
    return gpd.GeoDataFrame(
        {"v": values}, geometry=geoms, index=index or [f"r{i}" for i in range(len(values))]
    )


# ---------------------------------------------------------------------- non-finite values
def test_choropleth_infinite_values_are_no_data_and_outside_the_classes():
    geo = _strip([1.0, 2.0, 3.0, 4.0, 5.0, np.inf, -np.inf])
    with pytest.warns(MapWarning, match=r"infinite for region\(s\) 'r5', 'r6'"):
        fig = maps.choropleth(geo, "v", scheme="equal_interval", k=2)
    ax = fig.axes[0]
    # equal intervals of the finite values 1..5 by hand: edges 1, 3, 5; 1, 2, 3 in the first class, 4, 5 in
    # the second; the two infinite regions are "No data" (before: classes "-inf - 1", "1 - inf")
    assert _legend_texts(ax) == ["1.00 – 3.00 (3)", "3.00 – 5.00 (2)", "No data (2)"]
    assert len(_collection(ax, "regions").get_paths()) == 5
    missing = _collection(ax, "missing")
    assert len(missing.get_paths()) == 2 and missing.get_hatch() == maps.NO_DATA_HATCH


def test_classify_refuses_infinite_values():
    with pytest.raises(SpilloverError, match="1 missing or infinite"):
        maps.classify(np.array([1.0, 2.0, np.inf]), k=2)


@pytest.fixture(scope="module")
def sdm(us_panel, us_w):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # small-sample bias note of the direct approach: not tested here
        return SpatialPanelModel(
            us_panel, "ln_gsp", ["ln_pcap", "ln_emp"], us_w, kind="sdm", fixed_effects="twoway"
        ).fit()


def test_spillover_map_infinite_effect_is_no_data(sdm, monkeypatch):
    real = type(sdm).spillovers

    def spillovers(self, x, **kwargs):
        frame = real(self, x, **kwargs).copy()
        frame.loc["Ohio", "emitted"] = np.inf
        return frame

    monkeypatch.setattr(type(sdm), "spillovers", spillovers)
    with pytest.warns(MapWarning, match="infinite for region.*'Ohio'"):
        fig = maps.spillover_map(sdm, "ln_emp")
    direct, emitted, _ = fig.axes[:3]
    assert len(_collection(emitted, "regions").get_paths()) == 47
    assert len(_collection(emitted, "missing").get_paths()) == 1
    assert _legend_texts(emitted) == ["No data (1)"]
    assert len(_collection(direct, "regions").get_paths()) == 48  # Ohio's direct effect is finite
    # the shared colour scale is that of the finite effects (an infinite one made every region mid-grey)
    finite = real(sdm, "ln_emp")[["direct", "emitted", "received"]].to_numpy().copy()
    finite[list(sdm._core.ids).index("Ohio"), 1] = np.nan
    bar = fig.axes[-1]
    assert bar.get_xlim()[1] == pytest.approx(np.nanmax(np.abs(finite)))


def test_prepare_map_makes_infinite_values_nan_in_every_column():
    geo = _strip([1.0, 2.0, 3.0])
    values = pd.DataFrame({2001: [1.0, np.inf, 2.0], 2002: [-np.inf, 1.0, 2.0]}, index=geo.index)
    with pytest.warns(MapWarning, match=r"'r0', 'r1'"):
        _, out = _base.prepare_map(geo, values, what="the test")
    assert out.isna().to_numpy().tolist() == [[False, True], [True, False], [False, False]]


# ---------------------------------------------------------------------- broken geometries
def _draw(kind, geo):
    ids = geo.index
    if kind == "choropleth":
        return maps.choropleth(geo, "v", k=2)
    links = pd.DataFrame(np.ones((len(ids), len(ids))) - np.eye(len(ids)), index=ids, columns=ids)
    return maps.links_map(links, geo)


@pytest.mark.parametrize("kind", ["choropleth", "links"])
@pytest.mark.parametrize("bad", [None, Polygon()], ids=["None", "empty"])
def test_missing_or_empty_geometry_is_an_error_naming_the_region(kind, bad):
    geo = _strip([1.0, 2.0, 3.0], geoms=[box(0, 0, 1, 1), bad, box(2, 0, 3, 1)])
    with pytest.raises(SpilloverError, match=r"region\(s\) 'r1': their geometry is missing or empty"):
        _draw(kind, geo)


@pytest.mark.parametrize("kind", ["choropleth", "links"])
def test_duplicate_region_ids_are_an_error(kind):
    geo = _strip([1.0, 2.0, 3.0], index=["a", "b", "a"])
    with pytest.raises(SpilloverError, match="duplicate ids 'a'"):
        _draw(kind, geo)


def test_regions_sharing_one_geometry_are_an_error():
    geo = _strip([1.0, 2.0, 3.0], geoms=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(0, 0, 1, 1)])
    with pytest.raises(SpilloverError, match=r"the very same geometry \('r0', 'r2'\)"):
        maps.choropleth(geo, "v", k=2)


def test_lisa_map_checks_the_geometry_it_is_given():
    from spillover.esda import LocalMoranResult

    # a hand-made result (local_moran itself is tested in test_esda; here only the drawing matters)
    frame = pd.DataFrame(
        {"p_sim": [0.01, 0.5, 0.2], "cluster": ["High-High", "Not significant", "Not significant"]},
        index=["r0", "r1", "r2"],
    )
    lisa = LocalMoranResult("v", 2000, 0.05, 99, 0, frame)
    geo = _strip([1.0, 2.0, 3.0], geoms=[box(0, 0, 1, 1), Polygon(), box(2, 0, 3, 1)])
    with pytest.raises(SpilloverError, match=r"LISA map cannot draw region\(s\) 'r1'"):
        maps.lisa_map(lisa, geo)


# ---------------------------------------------------------------------- China: subset of provinces
def test_china_subset_draws_the_whole_territory():
    prov = so.datasets.china_provinces()
    ids = prov["province"].tolist()[:20]  # 20 of the 31 provinces of the yearbooks
    data = pd.DataFrame({"province": ids, "year": 2020, "y": np.arange(20.0)})
    panel = so.SpatialPanel(data, prov[prov["province"].isin(ids)], id="province", time="year")
    fig = maps.choropleth(panel, "y", china=True, language="en")
    ax = fig.axes[0]
    n_units = len(so.datasets.china_provinces(include_sar_taiwan=True))  # 34 in the shipped layer
    assert n_units == 34
    regions, no_data = _collection(ax, "regions"), _collection(ax, "no_data")
    assert len(regions.get_paths()) == 20
    assert len(regions.get_paths()) + len(no_data.get_paths()) == n_units  # the 11 others, HK, Macao, Taiwan
    assert _legend_texts(ax)[-1] == "No data (14)"


def test_china_small_multiples_count_no_data_in_region_periods():
    prov = so.datasets.china_provinces()
    ids = [p for p in prov["province"] if p != "Tibet"]
    data = pd.DataFrame(
        [(p, t, float(i + t)) for i, p in enumerate(ids) for t in (1, 2)], columns=["province", "year", "y"]
    )
    panel = so.SpatialPanel(data, prov[prov["province"] != "Tibet"], id="province", time="year")
    fig = maps.small_multiples(panel, "y", k=3, language="en")
    texts = [t.get_text() for t in fig.legends[0].get_texts()]
    # 30 regions x 2 periods in the classes; Tibet, Hong Kong, Macao, Taiwan x 2 periods without data
    assert sum(int(t.rsplit("(", 1)[1].rstrip(")")) for t in texts[:-1]) == 60
    assert texts[-1] == "No data (8)"


# ---------------------------------------------------------------------- Chinese text everywhere
def _families(text) -> list[str]:
    return list(text.get_fontfamily())


def test_every_text_with_chinese_characters_gets_the_cjk_font(us_panel, monkeypatch):
    monkeypatch.setattr(_base, "cjk_font", lambda: "Pretend CJK")  # the mechanism, on any machine
    geo = us_panel.cross_section(1986).rename(columns={"unemp": "失业率"})
    fig = maps.choropleth(geo, "失业率", k=4, units="%", title="失业率，1986")
    ax = fig.axes[0]
    assert _families(ax.title) == ["sans-serif", "Pretend CJK"]  # Latin from the usual font, CJK from this
    assert _families(ax.get_legend().get_title()) == ["sans-serif", "Pretend CJK"]
    assert all("Pretend CJK" not in _families(t) for t in ax.get_legend().get_texts())  # numbers only
    # the Moran line: Chinese axis label and tick labels (periods), which are only made when drawn
    table = pd.DataFrame(
        {"I": [0.2, 0.3], "E[I]": [-0.02, -0.02], "var_rand": [0.01, 0.01], "p_rand": [0.01, 0.2]},
        index=pd.Index(["2001年", "2002年"], name="年份"),
    )
    fig = maps.moran_over_time(table, title="莫兰指数")
    ax = fig.axes[0]
    assert "Pretend CJK" in _families(ax.title) and "Pretend CJK" in _families(ax.xaxis.label)
    assert all("Pretend CJK" in _families(t) for t in ax.get_xticklabels())
    assert "Pretend CJK" not in _families(ax.yaxis.label)  # "Moran's I": unchanged


def test_text_added_later_gets_the_cjk_font_when_saved_or_rendered(us_panel, monkeypatch, tmp_path):
    from spillover.study import figures

    monkeypatch.setattr(_base, "cjk_font", lambda: "Pretend CJK")
    fig = maps.choropleth(us_panel, "unemp", 1986, k=4)
    fig.axes[0].set_title("美国失业率")  # the user's own title, after the map was drawn
    maps.save(fig, tmp_path / "map.png")
    assert "Pretend CJK" in _families(fig.axes[0].title)
    fig, ax = plt.subplots()
    ax.set_xlabel("年份")
    figures.render(fig, "png", 72)  # the study report's figures (format and dpi come from the schema)
    assert "Pretend CJK" in _families(ax.xaxis.label)


def test_chinese_text_without_a_cjk_font_warns(us_panel, monkeypatch):
    monkeypatch.setattr(_base, "cjk_font", lambda: None)
    with pytest.warns(MapWarning, match="no font with Chinese glyphs.*fonts-noto-cjk"):
        maps.choropleth(us_panel, "unemp", 1986, k=4, title="失业率")


def test_chinese_title_and_variable_draw_without_missing_glyphs(us_panel):
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    font = maps.cjk_font()
    if font is None:
        pytest.skip(
            "no font with Chinese glyphs is installed (Debian/Ubuntu: apt-get install fonts-noto-cjk)"
        )
    geo = us_panel.cross_section(1986).rename(columns={"unemp": "失业率"})
    fig = maps.choropleth(geo, "失业率", k=4, units="百分比", title="美国各州失业率，1986")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.canvas.draw()
    assert [str(w.message) for w in caught if "Glyph" in str(w.message)] == []
    title = fig.axes[0].title
    assert font in _families(title)
    path = font_manager.findfont(font_manager.FontProperties(family=font), fallback_to_default=False)
    assert all(FT2Font(path).get_char_index(ord(c)) for c in "美国各州失业率")  # the font has the glyphs
