"""Malmquist-Luenberger (Chung, Färe and Grosskopf 1997) and global ML (Oh 2010).

References: (a) without undesirable outputs and with the direction (0, y), the ML index is the output-oriented
Malmquist index, so every index must equal :func:`malmquist`'s (validated against DEAP 2.1's example 4 in
test_malmquist.py) for the adjacent, sequential and global frontiers; (b) single cross-period directional
distances with an undesirable output are checked against the CRS LP of Chung et al. written out with scipy
(tests/productivity/test_directional.py's ``ref_ddf``).  Tolerance 1e-6 (HiGHS optima of O(1) numbers).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from test_directional import ref_ddf  # tests/ is on sys.path (rootdir-relative import mode)

from spillover.errors import DEAError, InfeasibleWarning
from spillover.productivity import malmquist, malmquist_luenberger

TOL = 1e-6
INDICES = ["effch", "techch", "pech", "sech", "tfpch"]


def panel(n: int = 12, T: int = 4, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for t in range(T):
        k, lab, e = rng.uniform(1, 10, (3, n))
        gdp = (k * lab * e) ** 0.3 * (1.03**t) * rng.uniform(0.6, 1.0, n)
        co2 = e * rng.uniform(0.5, 1.0, n) * (0.98**t)
        rows.append(
            pd.DataFrame(
                {
                    "region": [f"p{i}" for i in range(n)],
                    "year": 2000 + t,
                    "capital": k,
                    "labour": lab,
                    "energy": e,
                    "gdp": gdp,
                    "co2": co2,
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


@pytest.mark.parametrize("frontier", ["adjacent", "sequential", "global"])
def test_ml_without_bads_is_the_output_malmquist_index(frontier):
    df = panel()
    kw = dict(id="region", time="year", inputs=["capital", "labour", "energy"], outputs=["gdp"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InfeasibleWarning)  # same infeasible cross-period LPs in both
        ml = malmquist_luenberger(df, frontier=frontier, **kw)
        m = malmquist(df, orientation="output", frontier=frontier, **kw)
    pd.testing.assert_frame_equal(ml.indices[INDICES], m.indices[INDICES], atol=TOL, check_exact=False)
    np.testing.assert_allclose(ml.efficiency, m.distances["crs"], atol=TOL)


@pytest.mark.filterwarnings("ignore::spillover.errors.InfeasibleWarning")  # NaNs are compared below
def test_cross_period_distance_with_bads_matches_written_out_lp():
    df = panel(seed=3)
    res = malmquist_luenberger(
        df,
        id="region",
        time="year",
        inputs=["capital", "labour", "energy"],
        outputs=["gdp"],
        undesirable=["co2"],
        frontier="adjacent",
    )
    y0, y1 = (df[df.year == t].set_index("region") for t in (2000, 2001))
    X, G, B = (y0[c].to_numpy() for c in (["capital", "labour", "energy"], ["gdp"], ["co2"]))
    for o in (0, 5, 9):
        unit = y1.index[o]
        # period-2001 data against the 2000 frontier (d_prev of 2001): add the unit as an extra column
        Xa, Ga, Ba = (
            np.vstack([A, y1[c].to_numpy()[o][None]])
            for A, c in ((X, ["capital", "labour", "energy"]), (G, ["gdp"]), (B, ["co2"]))
        )
        # the evaluated point may not be in the reference set: bound its own lambda to 0 via a tiny trick
        d = np.concatenate([np.zeros(3), Ga[-1], -Ba[-1]])
        ref = _ref_outside(Xa, Ga, Ba, d)
        got = res.distances.loc[(unit, 2001), "d_prev"]
        assert (np.isnan(got) and np.isnan(ref)) or got == pytest.approx(ref, abs=TOL)


def _ref_outside(Xa, Ga, Ba, d):
    """ref_ddf of the last row against the other rows (lambda of the last row fixed at 0)."""
    from scipy.optimize import linprog

    n = len(Xa) - 1
    X, G, B = Xa[:n], Ga[:n], Ba[:n]
    m, s1 = X.shape[1], G.shape[1]
    c = np.concatenate([[-1.0], np.zeros(n)])
    A_ub = np.vstack([np.hstack([-d[:m, None], X.T]), np.hstack([d[m : m + s1, None], -G.T])])
    b_ub = np.concatenate([Xa[n], -Ga[n]])
    A_eq = np.hstack([-d[m + s1 :, None], B.T])
    res = linprog(
        c,
        A_ub=A_ub,
        b_ub=b_ub,
        A_eq=A_eq,
        b_eq=Ba[n],
        bounds=[(None, None)] + [(0, None)] * n,
        method="highs",
    )
    return res.x[0] if res.status == 0 else np.nan


def test_in_sample_distances_match_written_out_lp():
    df = panel(seed=5)
    res = malmquist_luenberger(
        df,
        id="region",
        time="year",
        inputs=["capital", "labour", "energy"],
        outputs=["gdp"],
        undesirable=["co2"],
        frontier="global",
    )
    pooled = df.sort_values(["year"], kind="stable")
    X, G, B = (pooled[c].to_numpy() for c in (["capital", "labour", "energy"], ["gdp"], ["co2"]))
    for o in (0, 13, 30, 47):
        d = np.concatenate([np.zeros(3), G[o], -B[o]])
        key = (pooled["region"].iloc[o], pooled["year"].iloc[o])
        assert res.distances.loc[key, "d_global"] == pytest.approx(ref_ddf(X, G, B, o, d, "crs"), abs=TOL)


@pytest.mark.parametrize("frontier", ["adjacent", "sequential", "global"])
def test_ml_is_ec_times_tc_and_global_is_transitive(frontier):
    df = panel(seed=7)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InfeasibleWarning)
        res = malmquist_luenberger(
            df,
            id="region",
            time="year",
            inputs=["capital", "labour", "energy"],
            outputs=["gdp"],
            undesirable=["co2"],
            frontier=frontier,
        )
    ind = res.indices.dropna()
    np.testing.assert_allclose(ind["tfpch"], ind["effch"] * ind["techch"], rtol=1e-12)
    np.testing.assert_allclose(ind["effch"], ind["pech"] * ind["sech"], rtol=1e-12)
    if frontier == "global":
        assert res.n_infeasible == 0  # every observation is in the global technology
        d = res.distances["d_global"].unstack("year")
        direct = (1 + d[2000]) / (1 + d[2002])  # GML(2000, 2002) on the same global frontier
        chained = res.indices["tfpch"].unstack("year")
        np.testing.assert_allclose(direct, chained[2001] * chained[2002], rtol=1e-10)
        cum = res.to_panel_frame()["tfp"].unstack("year")
        np.testing.assert_allclose(cum[2002], direct, rtol=1e-10)


def test_infeasible_cross_period_lp_is_nan_with_a_warning_naming_unit_and_period():
    # p2 in 2001 makes 10 gdp and 10 co2 from x = 1; the 2000 units make at most 2 and 1 from x = 1.  The
    # 2000 technology needs G lam >= 10 (1 + beta), B lam = 10 (1 - beta) with X lam <= 1 (lam <= 1): adding
    # the two, G lam / 10 + B lam / 10 >= 2, but it is at most 0.3 -> no beta is feasible
    df = pd.DataFrame(
        {
            "region": ["p0", "p1", "p2"] * 2,
            "year": [2000] * 3 + [2001] * 3,
            "x": [1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
            "gdp": [1.0, 2.0, 1.5, 1.0, 2.0, 10.0],
            "co2": [1.0, 1.0, 1.0, 1.0, 1.0, 10.0],
        }
    )
    with pytest.warns(InfeasibleWarning, match=r"'p2' in 2001 against the 2000 frontier"):
        res = malmquist_luenberger(
            df, id="region", time="year", inputs=["x"], outputs=["gdp"], undesirable=["co2"], rts="vrs"
        )
    assert np.isnan(res.distances.loc[("p2", 2001), "d_prev"])
    assert np.isnan(res.indices.loc[("p2", 2001), "tfpch"]) and res.n_infeasible >= 1
    assert res.summary().frame.loc[2001, "n_nan"] >= 1
    assert res.n_infeasible_by_period[2001] >= 1


def test_panel_frame_merges_and_options_are_checked():
    df = panel(n=10, T=3, seed=1)
    res = malmquist_luenberger(
        df,
        id="region",
        time="year",
        inputs=["capital", "labour", "energy"],
        outputs=["gdp"],
        undesirable=["co2"],
        frontier="global",
    )
    frame = res.to_panel_frame(prefix="gml_")
    assert {"gml_tfpch", "gml_tfp", "gml_effch"} <= set(frame.columns)
    assert (frame.xs(2000, level="year")["gml_tfp"] == 1.0).all()
    assert res.cumulative.xs(2002, level="year")["tfpch"].to_numpy() == pytest.approx(
        frame.xs(2002, level="year")["gml_tfp"].to_numpy()
    )
    assert "d_global" in res.to_frame().columns and "global" in repr(res)
    with pytest.raises(DEAError, match="both"):
        malmquist_luenberger(
            df, id="region", time="year", inputs=["capital"], outputs=["gdp"], undesirable=["gdp"]
        )
    with pytest.raises(DEAError, match="frontier"):
        malmquist_luenberger(
            df, id="region", time="year", inputs=["capital"], outputs=["gdp"], frontier="pooled"
        )
