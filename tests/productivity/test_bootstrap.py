"""Simar-Wilson bootstraps: reproducibility, backends, direction of the bias, coverage on a known frontier.

There is no published table to reproduce for a random bootstrap; the checks are properties the method must
have (Simar and Wilson 1998, 1999): the DEA frontier of the pseudo data lies inside the estimated one, so the
bias-corrected te is never above te; on data from a known frontier the bias correction moves the scores
towards the truth and the intervals cover the true scores of most units; a clear productivity jump is flagged
as significant.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from spillover.errors import DEAError
from spillover.productivity import malmquist
from spillover.productivity.bootstrap import bootstrap_dea, bootstrap_malmquist, silverman_reflected_bandwidth


def known_frontier(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One input, one output, true frontier y = x^0.6; returns x, y and the true input efficiency."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(1, 10, n)
    theta = np.exp(-np.abs(rng.normal(0, 0.3, n)))  # true input-oriented efficiency
    y = (theta * x) ** 0.6  # the frontier needs theta * x to produce y
    return x[:, None], y[:, None], theta


def test_same_seed_same_replicates_and_backend_independent():
    x, y, _ = known_frontier(25, seed=1)
    a = bootstrap_dea(x, y, draws=12, seed=42, progress=False)
    b = bootstrap_dea(x, y, draws=12, seed=42, progress=False, backend="processes", n_jobs=2)
    c = bootstrap_dea(x, y, draws=12, seed=43, progress=False)
    pd.testing.assert_frame_equal(a.replicates, b.replicates, atol=1e-10)
    assert not np.allclose(a.replicates.to_numpy(), c.replicates.to_numpy())


def test_bias_direction_and_interval_order():
    x, y, _ = known_frontier(30, seed=2)
    res = bootstrap_dea(x, y, rts="vrs", draws=30, seed=0, progress=False)
    # pseudo frontiers lie inside the DEA frontier: every replicate te >= te, hence te_bc <= te
    assert (res.replicates.to_numpy() >= res.efficiency.to_numpy()[None, :] - 1e-9).all()
    assert (res.bias_corrected <= res.efficiency + 1e-12).all()
    # bias is on the delta = 1/te scale: the replicate deltas are smaller, so the bias is negative
    assert (res.lower <= res.upper).all() and (res.bias <= 1e-12).all()
    assert set(res.to_frame()) == {"te", "te_bc", "bias", "std", "lower", "upper"}


def test_bias_correction_and_coverage_on_a_known_frontier():
    # Coverage varies from sample to sample: with n = 60 and 150 replicates, samples with seeds 3, 4 and 5
    # gave 0.35, 0.78 and 0.88 (Daraio-Simar bandwidth; 0.43, 0.95, 0.90 with the earlier, 1.7 times wider
    # one): all units share one estimated frontier, so one sample is not a coverage estimate.  The Monte
    # Carlo in benchmarks/bootstrap_coverage.py is (docs/validation.md: 0.82 at n = 50).  Here only a
    # gross error is caught: the raw percentile interval, for instance, covers no true score at all.
    x, y, truth = known_frontier(60, seed=4)
    res = bootstrap_dea(x, y, rts="vrs", draws=150, seed=1, progress=False)
    raw_err = np.abs(res.efficiency - truth).mean()
    bc_err = np.abs(res.bias_corrected - truth).mean()
    assert bc_err < raw_err  # DEA overstates efficiency; the correction moves towards the truth
    covered = ((res.lower <= truth) & (truth <= res.upper)).mean()
    assert covered >= 0.7, covered
    assert (truth <= res.upper).mean() >= 0.9  # the intervals sit below DEA's over-estimated te


def test_bandwidth_rule_and_override():
    x, y, _ = known_frontier(20, seed=4)
    res = bootstrap_dea(x, y, draws=5, seed=0, progress=False)
    delta = 1 / res.efficiency.to_numpy()
    assert res.bandwidth == pytest.approx(silverman_reflected_bandwidth(delta))
    fixed = bootstrap_dea(x, y, draws=5, seed=0, progress=False, bandwidth=0.05)
    assert fixed.bandwidth == 0.05
    with pytest.raises(DEAError, match="draws must be an integer >= 2"):
        bootstrap_dea(x, y, draws=1)


def test_malmquist_bootstrap_flags_a_clear_productivity_jump():
    rng = np.random.default_rng(5)
    n = 20
    x = rng.uniform(1, 10, (2, n))
    eff = np.exp(-np.abs(rng.normal(0, 0.1, (2, n))))
    y = x * eff * np.array([[1.0], [1.5]])  # CRS technology shifts up by 50% from period 1 to 2
    df = pd.DataFrame(
        {"unit": np.tile(np.arange(n), 2), "t": np.repeat([1, 2], n), "x": x.reshape(-1), "y": y.reshape(-1)}
    )
    res = bootstrap_malmquist(
        df, id="unit", time="t", inputs=["x"], outputs=["y"], draws=40, seed=0, progress=False
    )
    tfp = res.index("tfpch")
    assert tfp.shape == (n, 5) and res.bandwidth.loc[2] == pytest.approx(n ** (-1 / 6))
    assert (tfp["lower"] <= tfp["upper"]).all()
    assert tfp["significant"].mean() >= 0.8 and (tfp.loc[tfp["significant"], "lower"] > 1).all()
    again = bootstrap_malmquist(
        df, id="unit", time="t", inputs=["x"], outputs=["y"], draws=40, seed=0, progress=False
    )
    pd.testing.assert_frame_equal(res.table, again.table)
    # pech and sech come from VRS pseudo frontiers: their estimates are malmquist's, effch = pech * sech
    point = malmquist(df, id="unit", time="t", inputs=["x"], outputs=["y"]).indices.xs(2, level="t")
    for name in ("pech", "sech"):
        np.testing.assert_allclose(res.index(name)["estimate"].xs(2, level="t"), point[name], rtol=1e-12)
        both = res.index(name)[["lower", "upper"]].dropna()
        assert len(both) >= n // 2 and (both["lower"] <= both["upper"]).all()
    np.testing.assert_allclose(
        res.index("pech")["estimate"] * res.index("sech")["estimate"],
        res.index("effch")["estimate"],
        rtol=1e-12,
    )


def test_progress_bar_does_not_change_results():
    x, y, _ = known_frontier(15, seed=6)
    quiet = bootstrap_dea(x, y, draws=4, seed=3, progress=False)
    shown = bootstrap_dea(x, y, draws=4, seed=3, progress=True)  # rich bar, transient
    pd.testing.assert_frame_equal(quiet.replicates, shown.replicates)


def test_bandwidth_by_hand_reflected_silverman_with_both_adjustments():
    # Hand computation (Daraio and Simar 2007, p. 61, eqs. 3.23-3.26, as Benchmarking::dea.boot applies it):
    # deltas 1.0 (efficient, left out of the spread), 1.2, 1.5, 1.1, 1.8, 1.3 -> m = 5 inefficient units.
    # Reflected sample R (2m = 10): 0.2 0.5 0.7 0.8 0.9 1.1 1.2 1.3 1.5 1.8, mean 1;
    #   sd_R = sqrt(2 * (0.04 + 0.25 + 0.01 + 0.64 + 0.09) / 9) = sqrt(2.06 / 9) = 0.478423;
    #   IQR_R (linear interpolation): q75 = 1.2 + 0.75 * 0.1 = 1.275, q25 = 0.7 + 0.25 * 0.1 = 0.725,
    #   IQR_R / 1.349 = 0.55 / 1.349 = 0.407709 < sd_R, so the spread is 0.407709;
    #   h_R = 0.9 * 0.407709 * 10^(-1/5).
    # sd of all six deltas (ddof 1): mean 1.316667, sum of squares 0.428333 / 5 -> sd 0.292689.
    # h = h_R * (10 / 6)^(1/5) * 0.292689 / 0.478423.  The rule before this fix (h_R * 2^(1/5), no scale
    # factor) gave 0.2659, 1.7 times too wide.
    h = 0.9 * 0.407709 * 10 ** (-0.2) * (10 / 6) ** 0.2 * 0.292689 / 0.478423
    assert h == pytest.approx(0.15688, abs=1e-5)
    got = silverman_reflected_bandwidth(np.array([1.0, 1.2, 1.5, 1.1, 1.8, 1.3]))
    assert got == pytest.approx(h, rel=1e-5)  # hand figures carry 6 digits


def test_draw_samples_the_reflected_data_and_keeps_its_second_moment():
    from spillover.productivity.bootstrap import _draw_deltas

    rng = np.random.default_rng(0)
    delta = 1 + np.abs(rng.normal(0, 0.3, 200))
    delta[:20] = 1.0  # a spike of efficient units
    # h = 0: folding a draw from {delta, 2 - delta} gives back one of the deltas
    draw = _draw_deltas(delta, 0.0, np.random.default_rng(1))
    assert np.isin(draw, delta).all()
    # h > 0: draws are >= 1, and the variance correction keeps E[(delta* - 1)^2] at the variance of the
    # reflected sample (folding does not change (d - 1)^2); without it the moment would grow by h^2 = 0.09.
    many = np.concatenate([_draw_deltas(delta, 0.3, rng) for _ in range(400)])
    assert (many >= 1).all()
    target = np.var(np.concatenate([delta, 2 - delta]), ddof=1)
    # 80,000 draws: the moment's Monte Carlo SE is about sqrt(2 / 80000) * target, so 2% of it is > 6 SEs,
    # while the uncorrected moment would be target + 0.09 (about 100% larger here).
    assert np.mean((many - 1) ** 2) == pytest.approx(target, rel=0.02)


def test_units_subset_equals_the_full_run_for_those_units():
    x, y, _ = known_frontier(30, seed=7)
    full = bootstrap_dea(x, y, draws=15, seed=5, progress=False)
    part = bootstrap_dea(x, y, draws=15, seed=5, progress=False, units=[3, 17, 30])
    assert list(part.efficiency.index) == [3, 17, 30] and part.replicates.shape == (15, 3)
    pd.testing.assert_frame_equal(part.to_frame(), full.to_frame().loc[[3, 17, 30]], rtol=1e-10)
    pd.testing.assert_frame_equal(part.replicates, full.replicates[[3, 17, 30]], rtol=1e-10)
    with pytest.raises(DEAError, match="units not in the data"):
        bootstrap_dea(x, y, draws=3, progress=False, units=[99])
    with pytest.raises(DEAError, match="each once"):
        bootstrap_dea(x, y, draws=3, progress=False, units=[1, 1])
