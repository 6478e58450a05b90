"""spillover.maps: what each figure draws (polygons, colours, legends, insets), bad input, saving.

Figures are checked through their artists: every region map draws the analysed regions as one
PatchCollection with ``gid="regions"`` (one path per region, in the data's order), regions without data as
``gid="no_data"``/``"missing"``/``"islands"``, and China maps carry a child axes labelled
``"south_china_sea"``.  Reference values are computed in the tests independently: class membership by
mapclassify run directly, S_k by a dense inverse, LISA clusters by spillover.esda.local_moran.
"""

from __future__ import annotations

import warnings

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex

import spillover as so
from spillover import maps
from spillover.errors import MapWarning, SpilloverError
from spillover.maps import _china
from spillover.spatial.model import SpatialPanelModel

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def china_panel() -> so.SpatialPanel:
    """31 provinces x 2 years of a seeded synthetic variable with a north-south gradient."""
    prov = so.datasets.china_provinces()
    rng = np.random.default_rng(7)
    rows = [
        (p, year, lat / 10 + 0.2 * (year - 2020) + rng.normal(scale=0.4), rng.normal())
        for p, lat in zip(prov["province"], prov["capital_lat"])
        for year in (2020, 2021)
    ]
    data = pd.DataFrame(rows, columns=["province", "year", "y", "x"])
    return so.SpatialPanel(data, prov, id="province", time="year")


@pytest.fixture(scope="module")
def china_w(china_panel):
    """Queen contiguity with Hainan linked to its nearest province (built once for the module)."""
    return so.weights.contiguity(china_panel, kind="queen", islands="nearest")


def _collection(ax, gid):
    found = [c for c in ax.collections if c.get_gid() == gid]
    assert len(found) == 1, f"expected one collection {gid!r}, found {len(found)}"
    return found[0]


def _hex_faces(coll) -> list[str]:
    return [to_hex(c) for c in coll.get_facecolor()]


def _legend_texts(ax) -> list[str]:
    return [t.get_text() for t in ax.get_legend().get_texts()]


def _inset(ax):
    found = [a for a in ax.child_axes if a.get_label() == "south_china_sea"]
    assert len(found) == 1
    return found[0]


# ---------------------------------------------------------------------- palette contract
def test_lisa_palette_is_geoda():
    assert maps.LISA_COLORS == {
        "High-High": "#FF0000",
        "Low-Low": "#0000FF",
        "Low-High": "#9696FF",
        "High-Low": "#FF9696",
        "Not significant": "#F0F0F0",
    }
    assert maps.LISA_COLORS is so.esda.LISA_COLORS
    assert maps.NO_DATA_COLOR.startswith("#") and len(maps.NO_DATA_COLOR) == 7


# ---------------------------------------------------------------------- choropleth
def test_choropleth_classes_colours_and_legend(us_panel):
    import mapclassify

    fig = maps.choropleth(us_panel, "unemp", 1986, scheme="quantiles", k=5, units="%", fmt="{:.2f}")
    ax = fig.axes[0]
    regions = _collection(ax, "regions")
    assert len(regions.get_paths()) == 48
    values = us_panel.cross_section(1986)["unemp"].to_numpy()
    ref = mapclassify.Quantiles(values, k=5)  # the classification, run directly
    faces = _hex_faces(regions)
    assert len(set(faces)) == 5
    for cls in range(5):  # one colour per class, the same for every region in it
        assert len({faces[i] for i in np.flatnonzero(ref.yb == cls)}) == 1
    texts = _legend_texts(ax)
    assert len(texts) == 5
    assert [int(t.rsplit("(", 1)[1].rstrip(")")) for t in texts] == ref.counts.tolist()
    assert texts[-1].split(" – ")[1].startswith(f"{values.max():.2f}")
    assert ax.get_legend().get_title().get_text() == "unemp (%)"
    assert ax.get_title() == "unemp, 1986"


@pytest.mark.parametrize("scheme", ["natural_breaks", "equal_interval"])
def test_choropleth_schemes(us_panel, scheme):
    fig = maps.choropleth(us_panel, "unemp", 1980, scheme=scheme, k=4)
    texts = _legend_texts(fig.axes[0])
    assert sum(int(t.rsplit("(", 1)[1].rstrip(")")) for t in texts) == 48 and len(texts) == 4


def test_choropleth_user_breaks(us_panel):
    fig = maps.choropleth(us_panel, "unemp", 1986, scheme="user_defined", bins=[5, 7, 9])
    values = us_panel.cross_section(1986)["unemp"]
    texts = _legend_texts(fig.axes[0])
    expected = [
        (values <= 5).sum(),
        ((values > 5) & (values <= 7)).sum(),
        ((values > 7) & (values <= 9)).sum(),
        (values > 9).sum(),
    ]
    assert [int(t.rsplit("(", 1)[1].rstrip(")")) for t in texts] == expected


def test_choropleth_bad_input_names_it(us_panel):
    with pytest.raises(SpilloverError, match="period 1999 is not in the panel"):
        maps.choropleth(us_panel, "unemp", 1999)
    with pytest.raises(SpilloverError, match="'jenks'"):
        maps.choropleth(us_panel, "unemp", 1986, scheme="jenks")
    with pytest.raises(SpilloverError, match="variable 'gdp' is not in the panel"):
        maps.choropleth(us_panel, "gdp", 1986)
    few = us_panel.cross_section(1986).assign(flag=lambda d: (d["unemp"] > 6).astype(float))
    with pytest.raises(SpilloverError, match="k=3 classes asked for 'flag', which has only 2 distinct"):
        maps.choropleth(few, "flag", k=3)
    with pytest.raises(SpilloverError, match="bins"):
        maps.choropleth(us_panel, "unemp", 1986, scheme="user_defined")


def test_china_choropleth_conventions(china_panel):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MapWarning)  # no CJK font on some machines
        fig = maps.choropleth(china_panel, "y", 2021, k=5)
    ax = fig.axes[0]
    assert len(_collection(ax, "regions").get_paths()) == 31
    no_data = _collection(ax, "no_data")
    assert len(no_data.get_paths()) == 3  # Hong Kong, Macao, Taiwan drawn though not analysed
    assert set(_hex_faces(no_data)) == {maps.NO_DATA_COLOR.lower()}
    assert no_data.get_hatch() == maps.NO_DATA_HATCH
    assert _legend_texts(ax)[-1] == "No data (3)"
    # the South China Sea inset, bottom right, with the shipped islands and maritime line
    inset = _inset(ax)
    scs = so.datasets.south_china_sea()
    islands = scs.loc[scs["kind"] == "islands", "geometry"].iloc[0]
    coll = _collection(inset, "south_china_sea_islands")
    n_rings = sum(1 + len(p.interiors) for p in islands.geoms)
    assert sum(len(p.to_polygons()) for p in coll.get_paths()) == n_rings
    line = scs.loc[scs["kind"] == "maritime_line", "geometry"].iloc[0]
    assert len(_collection(inset, "south_china_sea_line").get_segments()) == len(line.geoms)
    bounds = inset.get_position().bounds  # axes-relative placement: right edge, bottom
    x0, y0 = ax.transAxes.inverted().transform(inset.get_window_extent().p0)
    assert x0 > 0.7 and y0 < 0.05 and bounds[2] > 0
    # Albers equal-area for China; the main map stops north of the Nansha islands (they are in the inset)
    assert "aea" in _china.CHINA_CRS
    ymin = ax.get_ylim()[0]
    nansha = gpd_point_y(112.0, 10.0)
    assert ymin > nansha


def gpd_point_y(lon: float, lat: float) -> float:
    import geopandas as gpd
    from shapely.geometry import Point

    return float(gpd.GeoSeries([Point(lon, lat)], crs=4326).to_crs(_china.CHINA_CRS).y.iloc[0])


def test_china_labels_language(china_panel, monkeypatch):
    monkeypatch.setattr(_china, "cjk_font", lambda: None)
    with pytest.warns(MapWarning, match="fonts-noto-cjk"):
        fig = maps.choropleth(china_panel, "y", 2021, labels=True)
    labels = [t.get_text() for t in fig.axes[0].texts if t.get_gid() == "label"]
    assert len(labels) == 31 and "Inner Mongolia" in labels
    monkeypatch.setattr(_china, "cjk_font", lambda: "DejaVu Sans")  # pretend a CJK font is installed
    fig = maps.choropleth(china_panel, "y", 2021, labels=True, language="zh")
    labels = [t.get_text() for t in fig.axes[0].texts if t.get_gid() == "label"]
    assert "内蒙古" in labels and "北京" in labels
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # English asked for: no warning
        maps.choropleth(china_panel, "y", 2021, language="en")


@pytest.mark.parametrize("language", ["en", "zh"])
def test_china_labels_do_not_overlap(china_panel, language, monkeypatch):
    """Beijing, Tianjin and Hebei (and Shanghai) crowd each other at their representative points: every label
    box must be clear of the others, and a moved label is tied to its region by a leader line."""
    if language == "zh" and _china.cjk_font() is None:
        monkeypatch.setattr(_china, "cjk_font", lambda: "DejaVu Sans")  # boxes of the same strings
    fig = maps.choropleth(china_panel, "y", 2021, labels=True, language=language)
    ax = fig.axes[0]
    renderer = fig.canvas.get_renderer()
    labels = [t for t in ax.texts if t.get_gid() == "label"]
    boxes = [t.get_window_extent(renderer) for t in labels]
    assert len(boxes) == 31
    clashes = [
        (a.get_text(), b.get_text())
        for i, a in enumerate(labels)
        for b in labels[i + 1 :]
        if boxes[i].overlaps(boxes[labels.index(b)])
    ]
    assert clashes == []
    moved = [t for t in labels if t.get_position() != (0, 0)]
    assert moved and len([t for t in ax.texts if t.get_gid() == "leader"]) == len(moved)


def test_china_excluded_province_is_no_data(china_panel):
    sub = china_panel.subset(ids=[p for p in china_panel.ids if p != "Tibet"])
    fig = maps.choropleth(sub, "y", 2021, language="en")
    ax = fig.axes[0]
    assert len(_collection(ax, "regions").get_paths()) == 30
    assert len(_collection(ax, "no_data").get_paths()) == 4
    assert _legend_texts(ax)[-1] == "No data (4)"


# ---------------------------------------------------------------------- small multiples
def test_small_multiples_share_one_scale(us_panel):
    fig = maps.small_multiples(us_panel, "unemp", [1970, 1978, 1986], k=4, scheme="equal_interval")
    axes = list(fig.axes)
    assert [a.get_title() for a in axes] == ["1970", "1978", "1986"]
    pooled = np.concatenate([us_panel.cross_section(p)["unemp"].to_numpy() for p in (1970, 1978, 1986)])
    edges = np.linspace(pooled.min(), pooled.max(), 5)  # equal intervals of the pooled values, by hand
    colour_of = {}
    for ax, period in zip(axes, (1970, 1978, 1986)):
        faces = _hex_faces(_collection(ax, "regions"))
        values = us_panel.cross_section(period)["unemp"].to_numpy()
        cls = np.clip(np.searchsorted(edges[1:-1], values, side="left"), 0, 3)
        for c, f in zip(cls, faces):
            assert colour_of.setdefault(c, f) == f  # one colour per class across all panels
    legend = fig.legends[0]
    counts = [int(t.get_text().rsplit("(", 1)[1].rstrip(")")) for t in legend.get_texts()]
    assert sum(counts) == 3 * 48


def test_small_multiples_bad_period(us_panel):
    with pytest.raises(SpilloverError, match="period 2000 is not in the panel"):
        maps.small_multiples(us_panel, "unemp", [1970, 2000])


# ---------------------------------------------------------------------- LISA and Moran
def test_lisa_map_colours_counts_and_alpha(us_panel, us_w):
    lisa = so.local_moran(us_panel, "ln_gsp", us_w, period=1986, permutations=199, seed=2, alpha=0.1)
    fig = maps.lisa_map(us_panel, "ln_gsp", us_w, 1986, permutations=199, seed=2, alpha=0.1)
    ax = fig.axes[0]
    faces = _hex_faces(_collection(ax, "regions"))
    assert faces == [maps.LISA_COLORS[c].lower() for c in lisa.clusters]
    counts = lisa.counts()
    assert _legend_texts(ax) == [f"{k} ({n})" for k, n in counts.items()]
    assert ax.get_legend().get_title().get_text() == "LISA, p ≤ 0.1"
    strict = maps.lisa_map(us_panel, "ln_gsp", us_w, 1986, permutations=199, seed=2, alpha=0.01)
    n_ns = int(_legend_texts(strict.axes[0])[-1].split("(")[1].rstrip(")"))
    assert n_ns >= counts["Not significant"]


def test_lisa_map_islands_hatched(china_panel):
    with pytest.warns(so.errors.IslandWarning, match="Hainan"):
        w = so.weights.contiguity(china_panel, kind="queen", islands="keep")  # Hainan has no neighbour
    fig = maps.lisa_map(china_panel, "y", w, 2021, permutations=19, language="en")
    ax = fig.axes[0]
    islands = _collection(ax, "islands")
    assert len(islands.get_paths()) == 1 and islands.get_hatch() == maps.NO_DATA_HATCH
    assert len(_collection(ax, "regions").get_paths()) == 30
    assert _legend_texts(ax)[-1] == "No data (4)"  # Hainan + Hong Kong, Macao, Taiwan


def test_lisa_bad_period(us_panel, us_w):
    with pytest.raises(SpilloverError, match="period 1900"):
        maps.lisa_map(us_panel, "ln_gsp", us_w, 1900)


def test_lisa_map_one_name_for_a_result_and_for_a_panel(us_panel, us_w):
    # one public LISA figure: lisa_map(result, geometry) draws what lisa_map(panel, var, w, period) draws
    # (reference: the clusters of spillover.esda.local_moran with the same arguments)
    lisa = so.local_moran(us_panel, "ln_gsp", us_w, period=1986, permutations=99, seed=3, alpha=0.1)
    from_panel = maps.lisa_map(us_panel, "ln_gsp", us_w, 1986, permutations=99, seed=3, alpha=0.1).axes[0]
    for geometry in ((), (us_panel,), (us_panel.geometry,)):
        ax = maps.lisa_map(lisa, *geometry).axes[0]
        assert _hex_faces(_collection(ax, "regions")) == [maps.LISA_COLORS[c].lower() for c in lisa.clusters]
        assert _legend_texts(ax) == _legend_texts(from_panel)
        assert ax.get_title() == from_panel.get_title() == "LISA clusters of ln_gsp, 1986"


def test_lisa_cluster_map_is_a_deprecated_alias(us_panel, us_w):
    lisa = so.local_moran(us_panel, "ln_gsp", us_w, period=1986, permutations=99, seed=3)
    with pytest.warns(FutureWarning, match=r"lisa_cluster_map\(\.\.\.\) is deprecated.*use lisa_map") as rec:
        ax = maps.lisa_cluster_map(lisa, us_panel, title="old name").axes[0]
    assert rec[0].filename == __file__  # points at the caller's line
    assert ax.get_title() == "old name"
    assert _legend_texts(ax) == _legend_texts(maps.lisa_map(lisa, us_panel).axes[0])


def test_lisa_map_of_a_result_takes_only_the_geometry(us_panel, us_w):
    lisa = so.local_moran(us_panel, "ln_gsp", us_w, period=1986, permutations=19)
    with pytest.raises(SpilloverError, match="alpha=, seed= cannot be passed"):
        maps.lisa_map(lisa, us_panel, alpha=0.1, seed=1)
    with pytest.raises(SpilloverError, match="second argument of the result form is the geometry"):
        maps.lisa_map(lisa, "ln_gsp")
    with pytest.raises(SpilloverError, match="needs a SpatialPanel or a LocalMoranResult, got DataFrame"):
        maps.lisa_map(us_panel.data, "ln_gsp", us_w)


def test_moran_over_time_draws_the_table(us_panel, us_w):
    table = so.moran_by_period(us_panel, "ln_gsp", us_w, permutations=0)
    fig = maps.moran_over_time(table, level=0.9)
    ax = fig.axes[0]
    line = ax.lines[0]
    np.testing.assert_allclose(line.get_ydata(), table["I"].to_numpy())
    band = ax.collections[0].get_paths()[0].vertices
    half = 1.6448536269514722 * np.sqrt(table["var_rand"].to_numpy())  # z_0.95, scipy.stats.norm.ppf(0.95)
    assert band[:, 1].max() == pytest.approx((table["I"] + half).max())
    assert band[:, 1].min() == pytest.approx((table["I"] - half).min())
    with pytest.raises(SpilloverError, match="lacks column"):
        maps.moran_over_time(table.drop(columns="var_rand"))


def test_moran_scatter_delegation(us_panel, us_w):
    fig = maps.moran_scatter(us_panel, "ln_gsp", us_w, 1986, permutations=99, labels="none")
    ax = fig.axes[0]
    assert ax.get_title().startswith("Moran scatter plot, 1986")
    assert sum(len(c.get_offsets()) for c in ax.collections) == 48


# ---------------------------------------------------------------------- spillover maps
@pytest.fixture(scope="module")
def sdm(us_panel, us_w):
    return SpatialPanelModel(
        us_panel, "ln_gsp", ["ln_pcap", "ln_emp"], us_w, kind="sdm", fixed_effects="twoway"
    ).fit()


def test_spillover_map_draws_dense_sk_sums(sdm, us_w):
    fig = maps.spillover_map(sdm, "ln_emp")
    axes = fig.axes[:3]
    assert [a.get_title() for a in axes] == ["Direct effect", "Spillover emitted", "Spillover received"]
    w = us_w.sparse.toarray()
    s = np.linalg.inv(np.eye(48) - sdm.rho * w) @ (
        sdm.params["ln_emp"] * np.eye(48) + sdm.params["W*ln_emp"] * w
    )
    expected = {
        "direct": np.diag(s),
        "emitted": s.sum(axis=0) - np.diag(s),
        "received": s.sum(axis=1) - np.diag(s),
    }
    vmax = max(np.abs(v).max() for v in expected.values())
    cmap = matplotlib.colormaps["RdBu_r"]
    for ax, key in zip(axes, ("direct", "emitted", "received")):
        regions = _collection(ax, "regions")
        assert len(regions.get_paths()) == 48
        want = cmap((expected[key] + vmax) / (2 * vmax))  # zero-centred scale shared by the three panels
        np.testing.assert_allclose(regions.get_facecolor(), want, atol=1e-6)
    bar = fig.axes[3]  # the shared colour bar
    lo, hi = bar.get_xlim()
    assert lo == pytest.approx(-hi) and hi == pytest.approx(vmax)


def test_spillover_map_hatches_intervals_covering_zero(sdm):
    table = sdm.spillovers("ln_pcap", draws=100, seed=1)
    fig = maps.spillover_map(sdm, "ln_pcap", draws=100, seed=1)
    for ax, key in zip(fig.axes[:3], ("direct", "emitted", "received")):
        covers = ((table[f"{key}_lo"] <= 0) & (table[f"{key}_hi"] >= 0)).sum()
        hatched = [c for c in ax.collections if c.get_gid() == "covers_zero"]
        assert sum(len(c.get_paths()) for c in hatched) == covers
        assert _legend_texts(ax)[0] == f"95% interval covers 0 ({covers})"


def test_spillover_map_bad_regressor(sdm):
    with pytest.raises(SpilloverError, match="'unemp' is not a regressor"):
        maps.spillover_map(sdm, "unemp")


def test_spillover_flows_is_a_column_of_sk(sdm, us_w):
    fig = maps.spillover_flows(sdm, "ln_pcap", "Ohio")
    ax = fig.axes[0]
    w = us_w.sparse.toarray()
    s = np.linalg.inv(np.eye(48) - sdm.rho * w) @ (
        sdm.params["ln_pcap"] * np.eye(48) + sdm.params["W*ln_pcap"] * w
    )
    j = list(sdm._core.ids).index("Ohio")
    others = np.delete(s[:, j], j)
    vmax = np.abs(others).max()
    want = matplotlib.colormaps["RdBu_r"]((others + vmax) / (2 * vmax))
    np.testing.assert_allclose(_collection(ax, "regions").get_facecolor(), want, atol=1e-6)
    assert len(_collection(ax, "source").get_paths()) == 1
    assert _legend_texts(ax)[0] == f"source: Ohio (own effect {s[j, j]:.4g})"


def test_china_spillover_map_has_insets(china_panel, china_w):
    res = SpatialPanelModel(china_panel, "y", ["x"], china_w, kind="slx", fixed_effects="unit").fit()
    fig = maps.spillover_map(res, "x", language="en")
    for ax in fig.axes[:3]:
        assert len(_collection(ax, "regions").get_paths()) == 31
        assert len(_collection(_inset(ax), "south_china_sea_islands").get_paths()) == 1


# ---------------------------------------------------------------------- links
def test_links_map(china_panel, china_w):
    w = china_w
    fig = maps.links_map(w, china_panel, language="en")
    ax = fig.axes[0]
    assert ax.collections[-1].get_gid() == "links"
    assert len(ax.collections[-1].get_segments()) == so.weights.describe(w).n_links // 2
    _inset(ax)


# ---------------------------------------------------------------------- save
def test_save_formats_and_refusals(us_panel, tmp_path):
    fig = maps.choropleth(us_panel, "unemp", 1986)
    for suffix, magic in ((".png", b"\x89PNG"), (".svg", b"<?xml"), (".pdf", b"%PDF")):
        out = maps.save(fig, tmp_path / f"map{suffix}", dpi=40)
        assert out.read_bytes()[:5].startswith(magic)
    with pytest.raises(SpilloverError, match="'map.jpg'"):
        maps.save(fig, tmp_path / "map.jpg")
    with pytest.raises(so.errors.OverwriteError):
        maps.save(fig, tmp_path / "map.png")
    maps.save(fig, tmp_path / "map.png", overwrite=True, dpi=40)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary left


def test_saved_image_contains_the_legend(tmp_path):
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot([0, 1], [0, 1], label="a rather long legend label")
    legend = ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0))  # outside the axes, to the right
    ax.set_title("title")
    dpi = 100
    maps.save(fig, tmp_path / "fig.png", dpi=dpi)
    height, width = plt.imread(tmp_path / "fig.png").shape[:2]
    renderer = fig.canvas.get_renderer()
    leg = legend.get_window_extent(renderer)  # pixels at the figure's dpi
    right_in = leg.x1 / fig.dpi
    left_in = fig.get_tightbbox(renderer).x0
    # the saved width spans from the leftmost artist to the legend's right edge (plus 2 x 0.05 in padding)
    assert width >= (right_in - left_in) * dpi
    assert width == pytest.approx((right_in - left_in + 0.1) * dpi, abs=3)
    # control: without the tight box the legend is cut off (4 in wide figure, legend beyond it)
    assert right_in > 4.0
    assert height > 0


def test_spillover_map_on_given_axes(sdm):
    fig, axes = plt.subplots(2, 3)
    out = maps.spillover_map(sdm, "ln_emp", ax=axes[1])
    assert out is fig
    assert [len(_collection(a, "regions").get_paths()) for a in axes[1]] == [48, 48, 48]
    assert all(not a.collections for a in axes[0])
    with pytest.raises(SpilloverError, match="three axes"):
        maps.spillover_map(sdm, "ln_emp", ax=axes[0][:2])


def test_maps_is_a_lazy_submodule():
    assert so.maps is maps and "maps" in dir(so)
