"""Regenerate the figures of docs/maps.md, guide section 12, docs/panel_models.md and docs/causal.md:
``python docs/make_figures.py`` (writes docs/figures/maps_*.png, docs/img/disparity_*.png and
docs/img/causal_*.png; ``python docs/make_figures.py maps|disparity|models|causal`` only some of the sets).

US figures use the shipped Munnell panel (real data); China figures use the shipped province boundaries,
with a seeded *synthetic* variable where a model or a LISA needs one (said in each title).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import geopandas as gpd
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import spillover as so
from spillover import maps

OUT = Path(__file__).resolve().parent / "figures"
IMG = Path(__file__).resolve().parent / "img"
DPI = 100
X = ["ln_pcap", "ln_pc", "ln_emp", "unemp"]


def _save(fig, name: str, dpi: int = DPI) -> None:
    path = maps.save(fig, OUT / f"maps_{name}.png", dpi=dpi, overwrite=True)
    print(f"{path.relative_to(OUT.parent.parent)}: {path.stat().st_size / 1024:.0f} KB")
    plt.close(fig)


def china_panel() -> so.SpatialPanel:
    """31 provinces x 2010-2012; ``land_area`` (real, from the boundaries) and seeded synthetic y, x."""
    prov = so.datasets.china_provinces()
    area = prov.to_crs(maps.CHINA_CRS).area.to_numpy() / 1e3 / 1e3  # km2, Albers equal-area
    rng = np.random.default_rng(2024)
    rows = []
    for p, lat, lon, a in zip(prov["province"], prov["capital_lat"], prov["capital_lon"], area):
        for year in (2010, 2011, 2012):
            x = 0.05 * (lon - 105) + rng.normal(scale=0.5)
            rows.append((p, year, a / 1e3, x, 1.0 + 0.6 * x - lat / 20 + rng.normal(scale=0.4)))
    data = pd.DataFrame(rows, columns=["province", "year", "land_area", "x", "y"])
    return so.SpatialPanel(data, prov, id="province", time="year")


def us_figures() -> None:
    panel = so.datasets.us_states()
    w = so.weights.contiguity(panel, kind="queen")
    res = so.SpatialPanelModel(panel, "ln_gsp", X, w, kind="sdm", fixed_effects="twoway").fit()
    _save(maps.spillover_map(res, "ln_pc", draws=500, seed=0), "us_spillover_map", dpi=85)  # < 150 KB
    _save(maps.spillover_flows(res, "ln_pc", "Ohio"), "us_spillover_flows")
    _save(
        maps.choropleth(
            panel,
            "unemp",
            1986,
            scheme="natural_breaks",
            k=5,
            units="%",
            title="Unemployment rate, 1986 (natural breaks)",
        ),
        "us_choropleth",
    )
    _save(
        maps.small_multiples(
            panel,
            "unemp",
            [1970, 1975, 1982, 1986],
            k=5,
            units="%",
            title="Unemployment rate (quantiles of the four years pooled)",
        ),
        "us_small_multiples",
    )
    table = so.moran_by_period(panel, "ln_gsp", w, permutations=0)
    _save(
        maps.moran_over_time(table, title="Moran's I of ln(gsp), 48 states, queen contiguity"),
        "us_moran_over_time",
    )
    _save(maps.lisa_map(panel, "ln_gsp", w, 1986, alpha=0.05, permutations=999, seed=0), "us_lisa")
    model_choice_figure()


def model_choice_figure() -> None:
    """docs/model_choice.md: posterior probabilities of five kinds and two W on the 48 states."""
    from libpysal.graph import Graph

    panel = so.datasets.us_states()
    queen = so.weights.contiguity(panel, kind="queen")
    knn = Graph.build_knn(panel.geometry.representative_point(), k=4).transform("r")
    mp = so.spatial.model_probabilities(
        panel, "ln_gsp", X, {"queen": queen, "knn4": knn}, fixed_effects="twoway"
    )
    _save(maps.model_probability_plot(mp), "us_model_probabilities")


def china_figures() -> None:
    panel = china_panel()
    w = so.weights.contiguity(panel, kind="queen", islands="nearest")
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        _save(
            maps.choropleth(
                panel,
                "land_area",
                2012,
                scheme="natural_breaks",
                k=5,
                units="1,000 km²",
                fmt="{:,.0f}",
                title="Land area of the provincial units (from the shipped boundaries)",
            ),
            "china_choropleth",
        )
        _save(
            maps.lisa_map(
                panel,
                "y",
                w,
                2012,
                permutations=999,
                seed=0,
                title="LISA clusters of a synthetic variable, 2012",
            ),
            "china_lisa",
        )
        _save(
            maps.links_map(w, panel, title="Queen contiguity, Hainan linked to its nearest province"),
            "china_links",
        )
        res = so.SpatialPanelModel(panel, "y", ["x"], w, kind="sdm", fixed_effects="twoway").fit()
        _save(
            maps.spillover_map(res, "x", title="Spillover map of a synthetic SDM (illustration only)"),
            "china_spillover_map",
        )


def _save_img(fig, name: str, dpi: int = DPI) -> None:
    path = maps.save(fig, IMG / f"disparity_{name}.png", dpi=dpi, overwrite=True)
    size = path.stat().st_size / 1024
    print(f"{path.relative_to(IMG.parent.parent)}: {size:.0f} KB")
    assert size < 150, f"{path.name} is {size:.0f} KB; keep docs images under 150 KB"
    plt.close(fig)


def disparity_figures() -> None:
    """Guide section 12: the disparity figures on the shipped simulated China panel (31 provinces, 2003-2021)."""
    from spillover import disparity

    china = so.datasets.china_simulated()
    sim = "simulated China panel"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the 3-province Northeast's intervals warn (said in the guide)
        w = so.weights.contiguity(china, kind="queen", islands="nearest")
        gini = disparity.dagum_gini(china, "gdp_pc", "region4", draws=199, seed=0)
    title = f"Dagum Gini of GDP per capita by region: contributions ({sim})"
    _save_img(maps.dagum_plot(gini, title=title), "dagum")
    title = f"Within-region Gini G_jj, 95% bootstrap bands, 199 draws ({sim})"
    _save_img(maps.dagum_plot(gini, "within", title=title), "dagum_within")
    theil = disparity.theil(china, "gdp_pc", "region4")
    _save_img(maps.theil_plot(theil, title=f"Theil T and L of GDP per capita by region ({sim})"), "theil")
    kde = disparity.kernel_density(china, "gdp_pc", periods=[2003, 2009, 2015, 2021], relative=True)
    title = f"Kernel density of relative GDP per capita ({sim})"
    _save_img(maps.density_plot(kde, title=title), "density")
    surface = disparity.kernel_density(china, "gdp_pc", relative=True)
    title = f"Kernel density evolution, 2003-2021 ({sim})"
    _save_img(maps.density_plot(surface, "surface", title=title), "density_surface", dpi=80)
    chain = disparity.markov(china, "gdp_pc", k=4)
    _save_img(maps.markov_heatmap(chain, counts=True, title=f"Markov chain, 4 classes ({sim})"), "markov")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        spatial = disparity.spatial_markov(china, "gdp_pc", w, k=4)
    _save_img(maps.markov_heatmap(spatial), "spatial_markov", dpi=80)
    sigma = disparity.convergence(china, "gdp_pc", kind="sigma")
    _save_img(maps.convergence_plot(sigma, title=f"Sigma convergence of GDP per capita ({sim})"), "sigma")
    beta = disparity.convergence(china, "gdp_pc", kind="beta")
    title = f"Absolute beta convergence of GDP per capita ({sim})"
    _save_img(maps.convergence_plot(beta, china, title=title), "beta")


def threshold_figure() -> None:
    """docs/panel_models.md: the LR curves of a two-threshold model on a seeded simulated panel."""
    from shapely.geometry import Point

    rng = np.random.default_rng(0)
    n, t = 300, 10
    ids = [f"r{i}" for i in range(n)]
    q, r, x = rng.uniform(0, 1, (n, t)), rng.normal(size=(n, t)), rng.normal(size=(n, t))
    y = rng.normal(size=(n, 1)) + 0.5 * x + np.where(q <= 0.5, 1.0, 2.0) * r + rng.normal(size=(n, t))
    data = pd.DataFrame(
        {"id": np.repeat(ids, t), "year": np.tile(np.arange(2000, 2000 + t), n)}
        | {"y": y.ravel(), "x": x.ravel(), "r": r.ravel(), "q": q.ravel()}
    )
    geo = gpd.GeoDataFrame({"id": ids}, geometry=[Point(i, 0) for i in range(n)])
    panel = so.SpatialPanel(data, geo, id="id", time="year")
    res = so.panel_models.threshold(panel, "y", ["x"], "q", "r", n_thresholds=2, draws=99, seed=0)
    _save(maps.threshold_plot(res), "threshold_lr")


def causal_figures() -> None:
    """The event study and placebo figures of docs/causal.md, from the page's own simulated policy (its
    ```python blocks, run in order, so the figures show exactly what the page computes)."""
    import re

    page = (OUT.parent / "causal.md").read_text(encoding="utf-8")
    namespace: dict[str, object] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for block in re.findall(r"^```python\n(.*?)^```", page, re.S | re.M):
            exec(
                block, namespace
            )  # the page's blocks: docs code, run as tests/foundation/test_docs_blocks.py does
    img = OUT.parent / "img"
    for name, fig in (
        ("event_study", maps.event_study_plot(namespace["ev"])),
        ("placebo", maps.placebo_plot(namespace["pl"])),
    ):
        path = maps.save(fig, img / f"causal_{name}.png", dpi=DPI, overwrite=True)
        print(f"{path.relative_to(OUT.parent.parent)}: {path.stat().st_size / 1024:.0f} KB")
        plt.close(fig)


def hotspot_figures() -> None:
    """Gi* hot spots, local Geary and bivariate LISA clusters (US states, real data) and emerging hot spots
    (the shipped simulated China panel); written to docs/img/hotspots_*.png."""

    def save(fig, name: str) -> None:
        path = maps.save(fig, IMG / f"hotspots_{name}.png", dpi=DPI, overwrite=True)
        print(f"{path.relative_to(IMG.parent.parent)}: {path.stat().st_size / 1024:.0f} KB")
        plt.close(fig)

    panel = so.datasets.us_states()
    w = so.weights.contiguity(panel, kind="queen")
    gi = so.esda.getis_ord(panel, "gsp", w, 1986, permutations=999, seed=0)
    save(maps.hotspot_map(gi), "us_gi_star")
    geary = so.esda.local_geary(panel, "ln_gsp", w, 1986, permutations=999, seed=0)
    save(maps.local_cluster_map(geary), "us_local_geary")
    bv = so.esda.bivariate_lisa(panel, "ln_gsp", "ln_pcap", w, 1986, permutations=999, seed=0)
    save(maps.local_cluster_map(bv), "us_bivariate_lisa")
    china = so.datasets.china_simulated()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", so.errors.IslandWarning)
        wc = so.weights.contiguity(china, kind="queen")
    emerging = so.esda.emerging_hotspots(china, "gdp_pc", wc, permutations=999, seed=0)
    save(
        maps.emerging_hotspot_map(
            emerging, title="Emerging hot spots of simulated GDP per capita, 2003-2021"
        ),
        "china_emerging",
    )


if __name__ == "__main__":
    import sys

    which = sys.argv[1:] or ["maps", "disparity", "models", "causal", "hotspots"]
    if "maps" in which:
        OUT.mkdir(exist_ok=True)
        us_figures()
        china_figures()
    if "disparity" in which:
        IMG.mkdir(exist_ok=True)
        disparity_figures()
    if "models" in which:
        OUT.mkdir(exist_ok=True)
        threshold_figure()
    if "causal" in which:
        causal_figures()
    if "hotspots" in which:
        IMG.mkdir(exist_ok=True)
        hotspot_figures()
