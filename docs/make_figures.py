"""Regenerate the figures of docs/maps.md: ``python docs/make_figures.py`` (writes docs/figures/maps_*.png).

US figures use the shipped Munnell panel (real data); China figures use the shipped province boundaries,
with a seeded *synthetic* variable where a model or a LISA needs one (said in each title).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import spillover as so
from spillover import maps

OUT = Path(__file__).resolve().parent / "figures"
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


IMG = Path(__file__).resolve().parent / "img"


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
    OUT.mkdir(exist_ok=True)
    IMG.mkdir(exist_ok=True)
    us_figures()
    china_figures()
    hotspot_figures()
