"""Green TFP walk-through on a SIMULATED province panel (docs/guide.md, section 8).

China's 31 provinces (the registry and boundaries shipped with spillover), 2005-2019.  The data are simulated
(no real statistics): capital, labour and energy produce GDP with a frontier that shifts out 2% a year and
inefficiency whose yearly changes are spatially correlated; CO2 emissions are energy times a carbon intensity that falls over time.
The script measures green TFP growth with the global Malmquist-Luenberger index, merges it into the panel,
tests its spatial autocorrelation and fits a spatial Durbin model.  Run: ``python examples/green_tfp.py``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import spillover as so


def simulate(seed: int = 2026) -> pd.DataFrame:
    """Simulated province-year panel with capital, labour, energy, GDP, CO2 and two covariates."""
    rng = np.random.default_rng(seed)
    geo = so.datasets.china_provinces()
    provinces = list(geo["province"])
    W = so.weights.contiguity(geo, kind="queen", id="province").sparse.toarray()
    n, years = len(provinces), np.arange(2005, 2020)
    spread = np.linalg.inv(np.eye(n) - 0.6 * W)  # spatially correlated shocks: (I - 0.6 W)^-1 e
    k0, l0, e0 = rng.lognormal(8, 0.6, n), rng.lognormal(7, 0.5, n), rng.lognormal(6, 0.5, n)
    rows = []
    ineff = np.abs(rng.normal(0, 0.2, n))
    for t, year in enumerate(years):
        ineff = ineff + spread @ rng.normal(0, 0.03, n)  # efficiency changes spill over to neighbours
        industry = np.clip(0.45 - 0.005 * t + rng.normal(0, 0.05, n), 0.2, 0.7)
        fdi = rng.lognormal(0, 0.5, n)
        k = k0 * 1.08**t * rng.lognormal(0, 0.05, n)
        lab = l0 * 1.01**t * rng.lognormal(0, 0.03, n)
        e = e0 * 1.04**t * rng.lognormal(0, 0.05, n)
        gdp = 1.02**t * k**0.4 * lab**0.4 * e**0.2 * np.exp(-ineff + 0.3 * (fdi - 1) * 0.1)
        co2 = e * (2.5 + 2 * industry) * 0.98**t * rng.lognormal(0, 0.05, n)
        rows.append(
            pd.DataFrame(
                {
                    "province": provinces,
                    "year": year,
                    "capital": k,
                    "labour": lab,
                    "energy": e,
                    "gdp": gdp,
                    "co2": co2,
                    "industry": industry,
                    "fdi": fdi,
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def main() -> None:
    data = simulate()
    geo = so.datasets.china_provinces()
    panel = so.SpatialPanel(data, geo, id="province", time="year")
    w = so.weights.contiguity(geo, kind="queen", id="province")  # Hainan gets its nearest neighbour

    gml = so.malmquist_luenberger(
        panel, inputs=["capital", "labour", "energy"], outputs=["gdp"], undesirable=["co2"], frontier="global"
    )
    print(gml)
    print(gml.summary().frame.round(4).tail(4))

    panel = panel.with_data(gml.to_panel_frame(prefix="gml_"))
    growth = panel.subset(periods=panel.periods[1:])  # tfpch is undefined in the first year
    growth = growth.with_data(np.log(growth.data["gml_tfpch"]).rename("ln_gml"))
    print(so.moran_by_period(growth, "ln_gml", w, permutations=999, seed=0).round(3).tail(3))

    sdm = so.SpatialPanelModel(
        growth, "ln_gml", ["industry", "fdi"], w, kind="sdm", fixed_effects="twoway", bias_correction="lee-yu"
    ).fit()  # 31 regions: Lee-Yu
    print(sdm.summary())


if __name__ == "__main__":
    main()
