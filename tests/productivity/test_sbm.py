"""SBM (Tone 2001), SBM with undesirable outputs (Tone 2004) and SBM super-efficiency (Tone 2002).

Reference numbers come from LPs written out independently in this file with ``scipy.optimize.linprog``:
the input- and output-oriented SBM and the oriented super-SBM are plain LPs (no Charnes-Cooper
transformation) here, so they check the module's transformed LPs; the non-oriented models are the
fractional programmes linearised by hand below.  Agreement to 1e-6: both are HiGHS optima of O(1) scores on
data normalised to mean 1 (feasibility tolerance 1e-7), far tighter than any reported digit.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from spillover.errors import DEAError, InfeasibleWarning
from spillover.productivity import dea, sbm

TOL = 1e-6


def data(n: int = 12, m: int = 2, s: int = 2, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    x = rng.uniform(1, 10, (n, m))
    y = (x.prod(axis=1) ** (0.7 / m))[:, None] * rng.uniform(0.4, 1.2, (n, s))
    units = [f"u{i}" for i in range(n)]
    return (
        pd.DataFrame(x, index=units, columns=[f"x{i}" for i in range(m)]),
        pd.DataFrame(y, index=units, columns=[f"y{i}" for i in range(s)]),
    )


def _rts_eq(n: int, n_extra: int, rts: str, t_col: bool) -> tuple[list, list]:
    if rts == "crs":
        return [], []
    row = np.concatenate([[-1.0] if t_col else [], np.ones(n), np.zeros(n_extra)])
    return [row], [0.0 if t_col else 1.0]


# ----------------------------------------------------------------------- independent reference LPs
def ref_sbm_input(X, Y, o, rts):
    """min 1 - (1/m) sum s-_i/x_io  s.t.  X'lam + s- = x_o, Y'lam - s+ = y_o (Tone 2001, input-oriented)."""
    (n, m), s = X.shape, Y.shape[1]
    c = np.concatenate([np.zeros(n), -1.0 / (m * X[o]), np.zeros(s)])
    A = np.block([[X.T, np.eye(m), np.zeros((m, s))], [Y.T, np.zeros((s, m)), -np.eye(s)]])
    b = np.concatenate([X[o], Y[o]])
    extra, rhs = _rts_eq(n, m + s, rts, False)
    A, b = np.vstack([A, *extra]), np.concatenate([b, rhs])
    return 1 + linprog(c, A_eq=A, b_eq=b, method="highs").fun


def ref_sbm_output(X, Y, o, rts):
    """1 / max [1 + (1/s) sum s+_r/y_ro]  (Tone 2001, output-oriented)."""
    (n, m), s = X.shape, Y.shape[1]
    c = np.concatenate([np.zeros(n + m), -1.0 / (s * Y[o])])
    A = np.block([[X.T, np.eye(m), np.zeros((m, s))], [Y.T, np.zeros((s, m)), -np.eye(s)]])
    b = np.concatenate([X[o], Y[o]])
    extra, rhs = _rts_eq(n, m + s, rts, False)
    A, b = np.vstack([A, *extra]), np.concatenate([b, rhs])
    return 1.0 / (1 - linprog(c, A_eq=A, b_eq=b, method="highs").fun)


def ref_sbm_non(X, G, B, o, rts):
    """Tone (2001/2004) non-oriented SBM, linearised with z = (t, Lambda, S-, Sg, Sb)."""
    (n, m), s1, s2 = X.shape, G.shape[1], B.shape[1]
    k = s1 + s2
    c = np.concatenate([[1.0], np.zeros(n), -1.0 / (m * X[o]), np.zeros(k)])
    rows = [np.concatenate([[1.0], np.zeros(n + m), 1.0 / (k * G[o]), 1.0 / (k * B[o])])]
    rhs = [1.0]
    for i in range(m):
        rows.append(np.concatenate([[-X[o, i]], X[:, i], np.eye(m)[i], np.zeros(k)]))
        rhs.append(0.0)
    for r in range(s1):
        rows.append(np.concatenate([[-G[o, r]], G[:, r], np.zeros(m), -np.eye(k)[r]]))
        rhs.append(0.0)
    for q in range(s2):
        rows.append(np.concatenate([[-B[o, q]], B[:, q], np.zeros(m), np.eye(k)[s1 + q]]))
        rhs.append(0.0)
    extra, r2 = _rts_eq(n, m + k, rts, True)
    return linprog(c, A_eq=np.vstack(rows + extra), b_eq=np.array(rhs + r2), method="highs").fun


def ref_super_input(X, Y, o, rts):
    """Tone (2002) input-oriented super-SBM: min (1/m) sum xbar_i/x_io, xbar >= X'lam (lam_o = 0),
    xbar >= x_o, Y'lam >= y_o."""
    (n, m), s = X.shape, Y.shape[1]
    c = np.concatenate([np.zeros(n), 1.0 / (m * X[o])])
    A_ub = np.block([[X.T, -np.eye(m)], [-Y.T, np.zeros((s, m))]])
    b_ub = np.concatenate([np.zeros(m), -Y[o]])
    bounds = [(0, 0) if j == o else (0, None) for j in range(n)] + [(X[o, i], None) for i in range(m)]
    extra, rhs = _rts_eq(n, m, rts, False)
    res = linprog(
        c,
        A_ub=A_ub,
        b_ub=b_ub,
        A_eq=np.array(extra) if extra else None,
        b_eq=rhs or None,
        bounds=bounds,
        method="highs",
    )
    return res.fun if res.status == 0 else np.nan


# ----------------------------------------------------------------------------------------- tests
@pytest.mark.parametrize("rts", ["crs", "vrs"])
def test_oriented_sbm_matches_plain_lps(rts):
    X, Y = data()
    x, y = X.to_numpy(), Y.to_numpy()
    inp = sbm(X, Y, rts=rts, orientation="input")
    out = sbm(X, Y, rts=rts, orientation="output")
    for o in range(len(x)):
        assert inp.efficiency.iloc[o] == pytest.approx(ref_sbm_input(x, y, o, rts), abs=TOL)
        assert out.efficiency.iloc[o] == pytest.approx(ref_sbm_output(x, y, o, rts), abs=TOL)


@pytest.mark.parametrize("rts", ["crs", "vrs"])
@pytest.mark.parametrize("bad", [None, ["y1"]])
def test_non_oriented_sbm_matches_linearised_lp_and_its_own_slacks(rts, bad):
    X, Y = data(n=15, s=3, seed=3)
    res = sbm(X, Y, rts=rts, undesirable=bad)
    good = [c for c in Y.columns if c not in (bad or [])]
    G, B = Y[good].to_numpy(), Y[bad or []].to_numpy()
    x = X.to_numpy()
    k = G.shape[1] + B.shape[1]
    for o in range(len(x)):
        assert res.efficiency.iloc[o] == pytest.approx(ref_sbm_non(x, G, B, o, rts), abs=TOL)
    # the score is Tone's ratio evaluated at the reported slacks, and the targets lie in the technology
    sx, sy = res.input_slacks.to_numpy(), res.output_slacks
    ratio = (1 - (sx / x).mean(axis=1)) / (1 + (sy.to_numpy() / Y.to_numpy()).sum(axis=1) / k)
    np.testing.assert_allclose(res.efficiency, ratio, atol=TOL)
    lam = res.lambdas.to_numpy()
    np.testing.assert_allclose(lam @ x, res.input_targets, atol=1e-6)
    np.testing.assert_allclose(lam @ G, res.output_targets[good], atol=1e-6)
    if bad:
        np.testing.assert_allclose(lam @ B, res.output_targets[bad], atol=1e-6)
        assert (res.output_targets[bad] <= Y[bad] + 1e-9).all().all()  # bad outputs only shrink
    if rts == "vrs":
        np.testing.assert_allclose(lam.sum(axis=1), 1.0, atol=1e-8)


def test_sbm_hand_example_with_slack():
    # B uses 2 units of x2 more than A for the same output; C = 2 A.  x1 forces lambda_A (+ 2 lambda_C)
    # = 1, so B's only projection is A with input slack (0, 2): rho_B = 1 - (1/2)(0/2 + 2/4) = 0.75
    X = pd.DataFrame({"x1": [2.0, 2.0, 4.0], "x2": [2.0, 4.0, 4.0]}, index=["A", "B", "C"])
    Y = pd.DataFrame({"y": [1.0, 1.0, 2.0]}, index=["A", "B", "C"])
    res = sbm(X, Y, rts="crs")
    assert res.efficiency.tolist() == pytest.approx([1.0, 0.75, 1.0], abs=1e-9)
    assert res.input_slacks.loc["B"].tolist() == pytest.approx([0.0, 2.0], abs=1e-9)
    assert res.input_targets.loc["B"].tolist() == pytest.approx([2.0, 2.0], abs=1e-9)
    radial = dea(X, Y, rts="crs").efficiency  # radial ignores the slack: B scores 1
    assert radial["B"] == pytest.approx(1.0)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), rts=st.sampled_from(["crs", "vrs"]))
def test_sbm_never_exceeds_the_radial_score(seed, rts):
    # Tone (2001), theorem 2: rho* <= the CCR (radial) score; the proof holds for each orientation/RTS
    X, Y = data(n=10, seed=seed)
    rho = sbm(X, Y, rts=rts).efficiency
    for orient in ("input", "output"):
        radial = dea(X, Y, rts=rts, orientation=orient, slacks="none").efficiency
        assert (rho <= radial + 1e-8).all()
    assert (
        sbm(X, Y, rts=rts, orientation="input").efficiency
        <= dea(X, Y, rts=rts, slacks="none").efficiency + 1e-8
    ).all()


def test_sbm_is_units_invariant():
    X, Y = data(seed=5)
    a = sbm(X, Y, rts="vrs").efficiency
    b = sbm(X * [1000.0, 0.001], Y * [7.0, 1e4], rts="vrs").efficiency
    np.testing.assert_allclose(a, b, atol=1e-7)


@pytest.mark.parametrize("rts", ["crs", "vrs"])
def test_super_sbm_input_matches_plain_lp(rts):
    X, Y = data(n=14, seed=7)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InfeasibleWarning)  # VRS: the unit with the largest output
        res = sbm(X, Y, rts=rts, orientation="input", super=True)
        base = sbm(X, Y, rts=rts, orientation="input")
    x, y = X.to_numpy(), Y.to_numpy()
    eff = base.efficiency >= 1 - 1e-9
    assert res.super_units.tolist() == eff.tolist()
    for o in np.flatnonzero(eff):
        ref = ref_super_input(x, y, o, rts)
        got = res.efficiency.iloc[o]
        assert (np.isnan(got) and np.isnan(ref)) or got == pytest.approx(ref, abs=TOL)
        assert np.isnan(got) or got >= 1.0
    pd.testing.assert_series_equal(res.efficiency[~eff], base.efficiency[~eff])


def test_super_sbm_non_oriented_crs_is_ratio_of_its_targets():
    X, Y = data(n=12, seed=11)
    res = sbm(X, Y, rts="crs", super=True)
    sup = res.super_units
    assert sup.any() and (res.efficiency[sup] >= 1.0).all()
    phi = (res.input_targets / X - 1)[sup]
    psi = (1 - res.output_targets / Y)[sup]
    delta = (1 + phi.mean(axis=1)) / (1 - psi.mean(axis=1))
    np.testing.assert_allclose(res.efficiency[sup], delta, atol=TOL)
    lam = res.lambdas.to_numpy()[sup.to_numpy()]
    assert np.all(np.diag(res.lambdas.to_numpy())[sup.to_numpy()] == 0)  # the unit itself is excluded
    assert np.all(lam @ X.to_numpy() <= res.input_targets[sup].to_numpy() + 1e-6)
    assert np.all(lam @ Y.to_numpy() >= res.output_targets[sup].to_numpy() - 1e-6)


def test_infeasible_super_sbm_is_nan_with_a_warning_naming_the_unit():
    # VRS input-oriented super-SBM keeps outputs fixed: the unit with the largest output cannot be
    # reproduced by a convex combination of the others (Tone 2002) -> NaN, never 0 or a big number
    X = pd.DataFrame({"x": [2.0, 3.0, 6.0]}, index=["a", "b", "big"])
    Y = pd.DataFrame({"y": [1.0, 2.0, 4.0]}, index=["a", "b", "big"])
    with pytest.warns(InfeasibleWarning, match="'big'"):
        res = sbm(X, Y, rts="vrs", orientation="input", super=True)
    assert np.isnan(res.efficiency["big"]) and res.n_infeasible == 1
    assert res.summary().header["nan"] == 1


def test_undesirable_output_errors_name_the_column():
    X, Y = data()
    with pytest.raises(DEAError, match="'co2'"):
        sbm(X, Y, rts="crs", undesirable=["co2"])
    with pytest.raises(DEAError, match="at least one desirable"):
        sbm(X, Y, rts="crs", undesirable=["y0", "y1"])
    with pytest.raises(DEAError, match="orientation"):
        sbm(X, Y, rts="crs", orientation="both")


def test_result_frame_and_summary():
    X, Y = data()
    res = sbm(X, Y, rts="vrs", undesirable=["y1"])
    frame = res.to_frame()
    assert {"sbm", "slack_x0", "slack_y1", "target_y0", "peers", "status"} <= set(frame.columns)
    assert res.summary().header["units"] == len(X) and res.undesirable == ("y1",)
    with pytest.raises(AttributeError):
        res.rts = "crs"  # frozen


def ref_sbm_output_bad(X, G, B, o, rts):
    """Tone (2004) output-oriented SBM with undesirable outputs as a plain LP:
    1 / max [1 + 1/(s1+s2) (sum sg_r/g_ro + sum sb_k/b_ko)]  s.t.  x_o = X'lam + s-, g_o = G'lam - sg,
    b_o = B'lam + sb."""
    (n, m), s1, s2 = X.shape, G.shape[1], B.shape[1]
    k = s1 + s2
    c = np.concatenate([np.zeros(n + m), -1.0 / (k * G[o]), -1.0 / (k * B[o])])
    A = np.block(
        [
            [X.T, np.eye(m), np.zeros((m, k))],
            [G.T, np.zeros((s1, m)), -np.eye(k)[:s1]],
            [B.T, np.zeros((s2, m)), np.eye(k)[s1:]],
        ]
    )
    b = np.concatenate([X[o], G[o], B[o]])
    extra, rhs = _rts_eq(n, m + k, rts, False)
    A, b = np.vstack([A, *extra]), np.concatenate([b, rhs])
    return 1.0 / (1 - linprog(c, A_eq=A, b_eq=b, method="highs").fun)


@pytest.mark.parametrize("rts", ["crs", "vrs"])
def test_output_sbm_with_undesirable_output_matches_plain_lp(rts):
    X, Y = data(n=12, s=3, seed=9)
    res = sbm(X, Y, rts=rts, orientation="output", undesirable=["y2"])
    x, G, B = X.to_numpy(), Y[["y0", "y1"]].to_numpy(), Y[["y2"]].to_numpy()
    for o in range(len(x)):
        assert res.efficiency.iloc[o] == pytest.approx(ref_sbm_output_bad(x, G, B, o, rts), abs=TOL)


def test_super_sbm_with_undesirable_output_is_the_ratio_of_its_targets():
    # Tone's super-SBM with bads (module docstring): delta = (1 + mean phi) / (1 - mean(psi_g, psi_b)),
    # phi = xbar/x - 1, psi_g = 1 - gbar/g, psi_b = bbar/b - 1; the targets must lie in the others' technology
    X, Y = data(n=14, s=2, seed=13)
    res = sbm(X, Y, rts="crs", undesirable=["y1"], super=True)
    sup = res.super_units
    assert sup.any() and (res.efficiency[sup] >= 1.0).all()
    phi = (res.input_targets / X - 1)[sup].mean(axis=1)
    psi = pd.concat([1 - res.output_targets["y0"] / Y["y0"], res.output_targets["y1"] / Y["y1"] - 1], axis=1)[
        sup
    ].mean(axis=1)
    np.testing.assert_allclose(res.efficiency[sup], (1 + phi) / (1 - psi), atol=TOL)
    lam = res.lambdas.to_numpy()[sup.to_numpy()]
    assert np.all(lam @ X.to_numpy() <= res.input_targets[sup].to_numpy() + 1e-6)
    assert np.all(lam @ Y[["y0"]].to_numpy() >= res.output_targets[sup][["y0"]].to_numpy() - 1e-6)
    assert np.all(lam @ Y[["y1"]].to_numpy() <= res.output_targets[sup][["y1"]].to_numpy() + 1e-6)


def test_wide_range_data_keep_the_bounds():
    # inputs spanning 8 orders of magnitude, outputs 4 orders apart: rho* <= 1 exactly and <= the certified
    # radial scores (test_dea_wide_range.py); scores the radial engine cannot certify are NaN there
    rng = np.random.default_rng(0)
    x = np.exp(rng.uniform(np.log(1e-3), np.log(1e5), (40, 2)))
    y = (x.prod(axis=1) ** 0.4 * rng.uniform(0.3, 1, 40))[:, None] * np.array([[1.0, 1e-4]])
    rho = sbm(x, y, rts="vrs").efficiency
    assert (rho <= 1.0).all() and rho.notna().all()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InfeasibleWarning)
        radial = dea(x, y, rts="vrs", slacks="none").efficiency
    ok = radial.notna()
    assert (rho[ok] <= radial[ok] + 1e-8).all()
