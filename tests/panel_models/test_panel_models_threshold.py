"""panel_models.threshold: Hansen's (1999) fixed-effects panel threshold regression.

References: an explicit grid search written here (for each candidate, within OLS by numpy lstsq, its SSR),
pyfixest's feols at the estimated thresholds (slopes and CRV1 errors), simulations with a known threshold,
and Hansen's (1999) published thresholds on his investment data (tests/data/hansen1999.csv.gz).
"""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from spillover.errors import ModelError, PanelError, ReadOnlyError, SpilloverError
from spillover.panel import SpatialPanel
from spillover.panel_models import ThresholdResults, threshold
from spillover.summary import COLUMNS, Summary, TableResult

DATA = Path(__file__).parents[1] / "data"


def make_panel(
    n: int, t: int, *, seed: int = 0, slopes: tuple[float, float] = (1.0, 2.0), gamma: float = 0.5
):
    """y = mu_i + 0.5 x + b(q) r + e with b = slopes[0] for q <= gamma, slopes[1] above."""
    rng = np.random.default_rng(seed)
    ids = [f"r{i:03d}" for i in range(n)]
    q, r, x, r2 = (
        rng.uniform(0, 1, (n, t)),
        rng.normal(size=(n, t)),
        rng.normal(size=(n, t)),
        rng.normal(size=(n, t)),
    )
    mu = rng.normal(size=(n, 1)) + 2 * x.mean(axis=1, keepdims=True)  # correlated effects: FE needed
    y = mu + 0.5 * x + np.where(q <= gamma, slopes[0], slopes[1]) * r + 0.3 * r2 + rng.normal(size=(n, t))
    frame = pd.DataFrame(
        {
            "id": np.repeat(ids, t),
            "year": np.tile(np.arange(2000, 2000 + t), n),
            "y": y.ravel(),
            "x": x.ravel(),
            "r": r.ravel(),
            "r2": r2.ravel(),
            "q": q.ravel(),
        }
    )
    geo = gpd.GeoDataFrame({"id": ids}, geometry=[Point(i, 0) for i in range(n)])
    return SpatialPanel(frame, geo, id="id", time="year")


def demean(a: np.ndarray, unit: np.ndarray, period: np.ndarray, fe: str) -> np.ndarray:
    """Explicit within transformation with pandas group means (independent of the module)."""
    frame = pd.DataFrame(a)
    out = frame - frame.groupby(unit).transform("mean")
    if fe == "twoway":
        out = out - out.groupby(period).transform("mean")
    return out.to_numpy()


def brute_ssr(panel, y, xs, q, rs, cuts, fe="unit") -> float:
    """SSR of the within regression at the thresholds ``cuts`` via numpy lstsq."""
    d = panel.data.reset_index()
    unit, period = d["id"].to_numpy(), d["year"].to_numpy()
    qv = d[q].to_numpy()
    edges = [-np.inf, *sorted(cuts), np.inf]
    cols = [d[c].to_numpy() for c in xs]
    for lo, hi in zip(edges[:-1], edges[1:]):
        inside = (qv > lo) & (qv <= hi)
        cols += [d[c].to_numpy() * inside for c in rs]
    xm = demean(np.column_stack(cols), unit, period, fe)
    ym = demean(d[[y]].to_numpy(), unit, period, fe)[:, 0]
    beta = np.linalg.lstsq(xm, ym, rcond=None)[0]
    return float(np.sum((ym - xm @ beta) ** 2))


@pytest.fixture(scope="module")
def sim():
    return make_panel(40, 6, seed=3)


@pytest.mark.parametrize(("fe", "rs"), [("unit", ["r"]), ("twoway", ["r"]), ("unit", ["r", "r2"])])
def test_single_threshold_matches_an_explicit_grid_search(sim, fe, rs):
    res = threshold(sim, "y", ["x"], "q", rs, draws=0, grid=40, trim=0.1, fixed_effects=fe)
    curve = res.lr[res.lr["threshold"] == "Th-1"]
    ssr = [brute_ssr(sim, "y", ["x"], "q", rs, [g], fe) for g in curve["gamma"]]
    best = int(np.argmin(ssr))
    row = res.thresholds.loc["Th-1"]
    assert row["estimate"] == curve["gamma"].iloc[best]
    np.testing.assert_allclose(row["ssr"], ssr[best], rtol=1e-10)
    df = sim.n_regions * (sim.n_periods - 1) if fe == "unit" else (sim.n_regions - 1) * (sim.n_periods - 1)
    lr = (np.array(ssr) - ssr[best]) / (ssr[best] / df)  # Hansen's LR(gamma), computed from the loop
    np.testing.assert_allclose(curve["lr"].to_numpy(), lr, rtol=1e-8, atol=1e-8)


def test_second_threshold_and_refinement_match_the_explicit_loop(sim):
    res = threshold(sim, "y", ["x"], "q", "r", n_thresholds=2, draws=0, grid=30, trim=0.1)
    th = res.thresholds
    gammas = res.lr.loc[res.lr["threshold"] == "Th-22", "gamma"].to_numpy()
    n_obs, minimum = sim.n_regions * sim.n_periods, int(0.1 * sim.n_regions * sim.n_periods)
    qv = sim.data["q"].to_numpy()

    def best_given(fixed: float) -> tuple[float, float]:
        out = []
        for g in gammas:  # a candidate must split a regime into two of >= trim share each
            cuts = sorted([fixed, g])
            sizes = np.diff([0, *[np.sum(qv <= c) for c in cuts], n_obs])
            if g != fixed and sizes.min() >= minimum:
                out.append((brute_ssr(sim, "y", ["x"], "q", ["r"], cuts), g))
        ssr, g = min(out)
        return g, ssr

    g2, s2 = best_given(th.loc["Th-1", "estimate"])
    assert th.loc["Th-22", "estimate"] == g2
    np.testing.assert_allclose(th.loc["Th-22", "ssr"], s2, rtol=1e-10)
    g1r, s1r = best_given(g2)
    assert th.loc["Th-21", "estimate"] == g1r
    np.testing.assert_allclose(th.loc["Th-21", "ssr"], s1r, rtol=1e-10)
    assert res.estimates == tuple(sorted([g1r, g2]))


def test_slopes_and_cluster_errors_match_pyfixest(sim):
    pf = pytest.importorskip("pyfixest")
    res = threshold(sim, "y", ["x"], "q", "r", draws=0, grid=40)
    gamma = res.estimates[0]
    d = sim.data.reset_index()
    d["r_lo"], d["r_hi"] = d["r"] * (d["q"] <= gamma), d["r"] * (d["q"] > gamma)
    fit = pf.feols("y ~ x + r_lo + r_hi | id", data=d, vcov={"CRV1": "id"})
    np.testing.assert_allclose(res.params.to_numpy(), fit.coef().to_numpy(), rtol=1e-8)
    np.testing.assert_allclose(res.std_errors.to_numpy(), fit.se().to_numpy(), rtol=1e-6)
    iid = pf.feols("y ~ x + r_lo + r_hi | id", data=d, vcov="iid")
    np.testing.assert_allclose(res.std_errors_conventional.to_numpy(), iid.se().to_numpy(), rtol=1e-6)


def test_known_threshold_is_recovered_inside_its_lr_interval():
    panel = make_panel(150, 8, seed=11)
    res = threshold(panel, "y", ["x", "r2"], "q", "r", draws=0)
    row = res.thresholds.loc["Th-1"]
    assert row["ci_lower"] <= 0.5 <= row["ci_upper"]
    assert abs(row["estimate"] - 0.5) < 0.02
    slopes = res.params.filter(like="r (")
    np.testing.assert_allclose(slopes.to_numpy(), [1.0, 2.0], atol=0.1)  # 4+ standard errors apart


def test_bootstrap_rejects_with_a_threshold_and_not_without():
    with_threshold = threshold(make_panel(60, 5, seed=2), "y", ["x"], "q", "r", draws=49, seed=0)
    assert with_threshold.tests.loc["single", "p_value"] < 0.05
    flat = threshold(make_panel(60, 5, seed=2, slopes=(1.0, 1.0)), "y", ["x"], "q", "r", draws=49, seed=0)
    assert flat.tests.loc["single", "p_value"] > 0.2
    assert flat.bootstrap.shape == (49, 1)


def test_double_threshold_test_does_not_find_a_second_threshold():
    res = threshold(make_panel(60, 5, seed=4), "y", ["x"], "q", "r", n_thresholds=2, draws=29, seed=1)
    tests = res.tests
    assert list(tests.index) == ["single", "double"]
    assert tests.loc["single", "p_value"] < 0.05 and tests.loc["double", "p_value"] > 0.1
    crit = tests.loc["double", ["crit_10", "crit_5", "crit_1"]].to_numpy(dtype=float)
    assert np.all(np.diff(crit) >= 0)


def test_seeded_bootstrap_is_reproducible_and_independent_of_batching(sim, monkeypatch):
    a = threshold(sim, "y", ["x"], "q", "r", n_thresholds=2, draws=20, seed=5, grid=30)
    b = threshold(sim, "y", ["x"], "q", "r", n_thresholds=2, draws=20, seed=5, grid=30)
    pd.testing.assert_frame_equal(a.bootstrap, b.bootstrap)
    monkeypatch.setattr(sys.modules["spillover.panel_models.threshold"], "_CHUNK", 3)  # the module
    c = threshold(sim, "y", ["x"], "q", "r", n_thresholds=2, draws=20, seed=5, grid=30)
    np.testing.assert_allclose(c.bootstrap.to_numpy(), a.bootstrap.to_numpy(), rtol=1e-10)
    d = threshold(sim, "y", ["x"], "q", "r", n_thresholds=2, draws=20, seed=6, grid=30)
    assert not np.allclose(d.bootstrap.to_numpy(), a.bootstrap.to_numpy())


def test_three_thresholds_and_the_result_protocols(sim):
    seen = []
    res = threshold(
        sim,
        "y",
        ["x"],
        "q",
        "r",
        n_thresholds=3,
        draws=4,
        seed=0,
        grid=30,
        trim=0.1,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert list(res.thresholds.index) == ["Th-1", "Th-21", "Th-22", "Th-3"]
    assert len(res.estimates) == 3 and list(res.estimates) == sorted(res.estimates)
    assert seen[-1] == (12, 12)
    assert list(res.to_frame().columns[: len(COLUMNS)]) == list(COLUMNS)
    assert len(res.params) == 1 + 4
    summary = res.summary()
    assert isinstance(summary, Summary) and len(summary.tables) == 3
    assert "Th-22" in str(summary) and "<table>" in res._repr_html_()
    assert isinstance(res, TableResult) and isinstance(res, ThresholdResults)
    from spillover import tables

    assert "Threshold 1" in tables.compare([res]).as_text()
    with pytest.raises((ReadOnlyError, AttributeError)):
        res.estimates = (0.0,)


def test_hansen_1999_investment_data_reproduces_the_published_thresholds():
    """Hansen (1999, J. Econometrics 93, Table 2; Wang 2015, Stata Journal 15(1) with xthreg): i on lagged
    q, q^2, q^3, d, q*d and the regime-dependent lagged cash flow c1, threshold lagged debt d1: 0.0157 and
    0.5362.  The exhaustive search (grid=None) finds 0.0157 exactly; the conditional second threshold
    depends on the grid (0.5400 over every value, 0.5362 over grid=300): the published value lies inside
    our 95% LR interval."""
    d = pd.read_csv(DATA / "hansen1999.csv.gz")
    ids = sorted(d["id"].unique())
    geo = gpd.GeoDataFrame({"id": ids}, geometry=[Point(i, 0) for i in range(len(ids))])
    panel = SpatialPanel(d, geo, id="id", time="year")
    controls = ["q1", "q2", "q3", "d1", "qd1"]
    res = threshold(panel, "i", controls, "d1", "c1", n_thresholds=2, trim=0.01, grid=None, draws=0)
    th = res.thresholds
    assert round(th.loc["Th-1", "estimate"], 4) == 0.0157
    assert round(th.loc["Th-21", "estimate"], 4) == 0.0157
    assert th.loc["Th-22", "ci_lower"] <= 0.5362 <= th.loc["Th-22", "ci_upper"]
    coarse = threshold(panel, "i", controls, "d1", "c1", n_thresholds=2, trim=0.01, grid=300, draws=0)
    assert round(coarse.thresholds.loc["Th-22", "estimate"], 4) == 0.5362


def test_bad_inputs_are_refused_with_the_fix(sim):
    with pytest.raises(ModelError, match="n_thresholds"):
        threshold(sim, "y", ["x"], "q", "r", n_thresholds=4)
    with pytest.raises(ModelError, match="trim"):
        threshold(sim, "y", ["x"], "q", "r", n_thresholds=3, trim=0.3)
    with pytest.raises(ModelError, match="draws"):
        threshold(sim, "y", ["x"], "q", "r", draws=1)
    with pytest.raises(ModelError, match="fixed_effects"):
        threshold(sim, "y", ["x"], "q", "r", fixed_effects="time")  # type: ignore[arg-type]
    with pytest.raises(ModelError, match="'nope' is not in the panel"):
        threshold(sim, "y", ["nope"], "q", "r")
    with pytest.raises(ModelError, match="regime must name"):
        threshold(sim, "y", ["x"], "q", [])
    with pytest.raises(ModelError, match="more than once"):
        threshold(sim, "y", ["x", "r"], "q", "r")
    with pytest.raises(SpilloverError, match="seed"):
        threshold(sim, "y", ["x"], "q", "r", seed=-1)
    d = sim.data.reset_index()
    d["const_i"] = d.groupby("id")["x"].transform("mean")
    d.loc[(d["id"] == "r007") & (d["year"] == 2003), "x"] = np.nan
    panel = SpatialPanel(d, sim.geometry.reset_index(), id="id", time="year")
    with pytest.raises(PanelError, match=r"r007.*2003"):
        threshold(panel, "y", ["x"], "q", "r")
    with pytest.raises(ModelError, match="const_i.*do\\(es\\) not vary"):
        threshold(panel, "y", ["const_i"], "q", "r")


@pytest.mark.parametrize("fe", ["unit", "twoway"])
def test_a_bootstrap_draw_is_the_statistic_of_its_resampled_panel(sim, fe):
    """Draw 0 rebuilt by hand: the regions it picks (from its own spawned stream), y* = the null model's
    within fitted values + the alternative's within residuals of those regions (both by lstsq here), and
    the F statistic of a fresh fit on a panel holding y*."""
    res = threshold(sim, "y", ["x"], "q", "r", n_thresholds=2, draws=3, seed=9, grid=25, fixed_effects=fe)
    d = sim.data.reset_index()
    unit, period = d["id"].to_numpy(), d["year"].to_numpy()
    n, t = sim.n_regions, sim.n_periods

    def fit(cuts):
        edges = [-np.inf, *sorted(cuts), np.inf]
        cols = [d["x"].to_numpy()] + [
            d["r"].to_numpy() * ((d["q"] > a) & (d["q"] <= b)) for a, b in zip(edges, edges[1:])
        ]
        xm = demean(np.column_stack(cols), unit, period, fe)
        ym = demean(d[["y"]].to_numpy(), unit, period, fe)[:, 0]
        fitted = xm @ np.linalg.lstsq(xm, ym, rcond=None)[0]
        return fitted.reshape(n, t), (ym - fitted).reshape(n, t)

    th = res.thresholds["estimate"]
    cases = {1: ([], [th["Th-1"]]), 2: ([th["Th-1"]], [th["Th-1"], th["Th-22"]])}
    streams = np.random.SeedSequence(9).spawn(2)
    for k, (null, alt) in cases.items():
        picks = np.random.default_rng(streams[k - 1].spawn(3)[0]).integers(0, n, n)
        ystar = fit(null)[0] + fit(alt)[1][picks]
        panel = SpatialPanel(d.assign(y=ystar.ravel()), sim.geometry.reset_index(), id="id", time="year")
        again = threshold(panel, "y", ["x"], "q", "r", n_thresholds=k, draws=0, grid=25, fixed_effects=fe)
        expected = again.tests["statistic"].iloc[k - 1]
        np.testing.assert_allclose(res.bootstrap.iloc[0, k - 1], expected, rtol=1e-7)
