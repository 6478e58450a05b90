"""Malmquist TFP: identities, frontiers, orientation, infeasibility, validation, and the US-states pipeline.

DEAP's own numbers (EG4) are checked in tests/productivity/test_deap_examples.py.  Here: identities that hold by
construction (tfpch = effch * techch, effch = pech * sech) to 1e-12; Pastor-Lovell's circularity of the
global index; Shestalova's sequential frontier never regresses; and the 48 US states (Munnell's Produc) merged
into the SpatialPanel and run through Moran's I.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spillover.errors import DEAError, InfeasibleWarning
from spillover.productivity.malmquist import INDICES, malmquist


def random_panel(n: int, t: int, m: int, s: int, seed: int) -> pd.DataFrame:
    """Long panel with technical progress of about 3% a year and random inefficiency."""
    rng = np.random.default_rng(seed)
    rows = []
    for k in range(t):
        x = rng.uniform(1, 10, (n, m))
        y = (np.prod(x, axis=1) ** (0.9 / m))[:, None] * rng.uniform(0.5, 1.5, (n, s))
        y *= 1.03**k * np.exp(-np.abs(rng.normal(0, 0.3, (n, 1))))
        for i in range(n):
            rows.append(
                {
                    "unit": f"u{i:02d}",
                    "year": 2000 + k,
                    **{f"x{j}": x[i, j] for j in range(m)},
                    **{f"y{j}": y[i, j] for j in range(s)},
                }
            )
    return pd.DataFrame(rows)


def run(df: pd.DataFrame, **kw):
    inputs = [c for c in df.columns if c[0] == "x" and c[1:].isdigit()]
    outputs = [c for c in df.columns if c[0] == "y" and c[1:].isdigit()]
    return malmquist(df, id="unit", time="year", inputs=inputs, outputs=outputs, **kw)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(6, 15),
    t=st.integers(2, 4),
    m=st.integers(1, 2),
    s=st.integers(1, 2),
    seed=st.integers(0, 10_000),
    orientation=st.sampled_from(["input", "output"]),
    frontier=st.sampled_from(["adjacent", "sequential", "global"]),
)
def test_decomposition_identities(n, t, m, s, seed, orientation, frontier):
    res = run(random_panel(n, t, m, s, seed), orientation=orientation, frontier=frontier)
    idx = res.indices
    np.testing.assert_allclose(idx["tfpch"], idx["effch"] * idx["techch"], rtol=1e-12)
    np.testing.assert_allclose(idx["effch"], idx["pech"] * idx["sech"], rtol=1e-12)
    assert res.n_infeasible == 0 and not idx.isna().any().any()


def test_effch_techch_tfpch_do_not_depend_on_orientation():
    # DEAP's note: the CRS-based indices are identical across orientations; pech/sech are not.
    df = random_panel(12, 3, 2, 1, seed=7)
    inp, out = run(df, orientation="input"), run(df, orientation="output")
    for col in ("effch", "techch", "tfpch"):
        np.testing.assert_allclose(inp.indices[col], out.indices[col], rtol=1e-8)


def test_global_index_is_circular():
    # Pastor and Lovell (2005): the global index chains, prod_t tfpch = te_G(T) / te_G(1).
    res = run(random_panel(10, 4, 2, 1, seed=11), frontier="global")
    chained = res.indices["tfpch"].groupby(level="unit").prod()
    d = res.distances["crs_global"].unstack("year")
    np.testing.assert_allclose(chained, (d[2003] / d[2000]).reindex(chained.index), rtol=1e-10)


def test_sequential_frontier_never_regresses():
    res = run(random_panel(10, 4, 2, 1, seed=12), frontier="sequential")
    assert (res.indices["techch"] >= 1 - 1e-9).all()


def test_means_follow_deap():
    res = run(random_panel(8, 3, 1, 1, seed=3))
    idx = res.indices
    # period mean = geometric mean over units; overall = geometric mean of period means (DEAP)
    year = idx.xs(2001, level="year")
    np.testing.assert_allclose(res.period_means.loc[2001], np.exp(np.log(year).mean()), rtol=1e-12)
    np.testing.assert_allclose(res.mean, np.exp(np.log(res.period_means).mean()), rtol=1e-12)
    np.testing.assert_allclose(res.unit_means.loc["u03"], np.exp(np.log(idx.xs("u03", level="unit")).mean()))
    assert res.summary().frame.index[-1] == "mean"


def test_panel_frame_has_cumulative_tfp():
    res = run(random_panel(6, 4, 1, 1, seed=5))
    frame = res.to_panel_frame(prefix="m_")
    assert list(frame.columns) == [f"m_{c}" for c in INDICES] + ["m_tfp"]
    u = frame.xs("u02", level="unit")
    assert u["m_tfp"].iloc[0] == 1.0 and np.isnan(u["m_tfpch"].iloc[0])
    np.testing.assert_allclose(u["m_tfp"].iloc[1:], np.cumprod(u["m_tfpch"].iloc[1:]), rtol=1e-12)


def test_infeasible_cross_period_lp_is_nan_and_counted():
    df = random_panel(8, 3, 2, 1, seed=9)
    # unit u04 uses none of input x1 in 2001: every 2000 unit uses x1 > 0, so u04 (2001) cannot be enveloped
    # by the 2000 frontier in input orientation (X lam <= theta * 0 forces lam = 0, then Y lam >= y fails).
    df.loc[(df["unit"] == "u04") & (df["year"] == 2001), "x1"] = 0.0
    # The same holds against the 2002 frontier, so two distances are NaN: te_2000(2001) and te_2002(2001).
    expected = r"NaN, not 0: 'u04' in 2001 against the 2000 frontier; 'u04' in 2001 against the 2002"
    with pytest.warns(InfeasibleWarning, match=expected):
        res = run(df, orientation="input")
    assert res.n_infeasible == 2
    bad = [("u04", 2001), ("u04", 2002)]  # techch of 2000->2001 and of 2001->2002 need those distances
    assert res.indices.loc[bad, ["techch", "tfpch"]].isna().all().all()
    assert res.indices.loc[bad, ["effch", "pech", "sech"]].notna().all().all()  # own-period scores exist
    assert res.indices.drop(index=bad).notna().all().all()
    assert res.period_means.notna().all().all()  # means skip the NaN and the count says how many
    assert res.summary().frame["n_nan"].tolist() == [1, 1, 2]  # 2001, 2002, all


def test_validation_messages():
    df = random_panel(5, 3, 1, 1, seed=1)
    with pytest.raises(DEAError, match=r"some periods only: 'u01' \(missing 2001\)"):
        run(df.drop(index=df.index[(df["unit"] == "u01") & (df["year"] == 2001)]))
    with pytest.raises(DEAError, match=r"duplicate \(unit, period\) rows: \('u00', 2000\)"):
        run(pd.concat([df, df.iloc[[0]]]))
    with pytest.raises(DEAError, match=r"column\(s\) 'z' are not in the data"):
        malmquist(df, id="unit", time="year", inputs=["z"], outputs=["y0"])
    bad = df.copy()
    bad.loc[3, "x0"] = np.nan
    message = r"missing or infinite input value\(s\) in period 2000 at unit/column 'u03'/'x0'"
    with pytest.raises(DEAError, match=message):
        run(bad)
    with pytest.raises(DEAError, match="'frontier' needs to be one of"):
        run(df, frontier="contemporaneous")


def test_process_backend_matches_serial():
    df = random_panel(40, 3, 2, 1, seed=21)
    a, b = run(df), run(df, backend="processes", n_jobs=2)
    pd.testing.assert_frame_equal(a.indices, b.indices, atol=1e-10)


def test_rice_farms_panel():
    # 43 Philippine rice farms x 8 years (Coelli, Rao, O'Donnell and Battese 2005), as DEAP users run it
    from spillover.datasets import rice_farms

    df = rice_farms()
    res = malmquist(df, id="farm", time="year", inputs=["area", "labor", "npk"], outputs=["prod"])
    assert res.indices.shape == (43 * 7, 5) and res.n_infeasible == 0
    np.testing.assert_allclose(res.indices["tfpch"], res.indices["effch"] * res.indices["techch"], rtol=1e-12)
    assert 0.5 < res.mean["tfpch"] < 2.0


def test_us_states_tfp_merges_into_panel_and_runs_moran():
    """Malmquist TFP of the 48 states (output gsp; inputs pcap, pc, emp) -> SpatialPanel -> Moran's I."""
    import esda
    import libpysal

    from spillover.datasets import us_states

    panel = us_states()
    res = malmquist(panel, inputs=["pcap", "pc", "emp"], outputs=["gsp"])
    assert res.indices.index.names == ["state", "year"] and len(res.indices) == 48 * 16
    merged = panel.with_data(res.to_panel_frame())
    tfp = merged.matrix("tfp")
    assert tfp.shape == (48, 17) and (tfp[1970] == 1.0).all()
    # states48.gal: ids "0".."47" are the states in alphabetical order, as in the panel
    w = libpysal.io.open(libpysal.examples.get_path("states48.gal")).read()
    w.transform = "r"
    np.random.seed(0)  # esda draws permutations from numpy's global generator
    growth = merged.subset(periods=panel.periods[1:]).matrix("tfpch")  # tfpch is undefined in 1970
    moran = esda.Moran(np.log(growth[1986].to_numpy()), w, permutations=99)
    assert np.isfinite(moran.I) and -1 < moran.I < 1 and 0 < moran.p_sim <= 1
    level = esda.Moran(tfp[1986].to_numpy(), w, permutations=0)
    assert np.isfinite(level.I)
