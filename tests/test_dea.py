"""DEA: validation, infeasibility, orientation/RTS relations, fast path vs plain LPs, backends, properties.

Reference numbers: DEAP 2.1's EG1 (Coelli 1996, tests/data/deap/eg1-out.txt: te 0.500 1.000 0.833 0.714 1.000)
and hand computations given beside each test.  The fast path (frontier-first, reduced reference set) and the
plain path (one LP per unit against all units) solve the same LP, so they must agree to solver precision:
1e-8 (HiGHS's default primal/dual feasibility tolerance is 1e-7 on the normalised data; scores are O(1)).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spillover.errors import DEAError, InfeasibleWarning
from spillover.productivity.dea import dea

EG1_X = pd.DataFrame({"x1": [2, 2, 6, 3, 6], "x2": [5, 4, 6, 2, 2]}, index=list("ABCDE"))
EG1_Y = pd.DataFrame({"y": [1, 2, 3, 1, 2]}, index=list("ABCDE"))


def random_data(n: int, m: int, s: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Cobb-Douglas-like technology with half-normal inefficiency: many units off the frontier."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(1, 10, (n, m))
    base = np.prod(x, axis=1) ** (0.8 / m)
    y = base[:, None] * rng.uniform(0.5, 1.5, (n, s)) * np.exp(-np.abs(rng.normal(0, 0.3, (n, 1))))
    return x, y


# ------------------------------------------------------------------------------------------ reference
def test_eg1_with_string_names_and_arrays():
    res = dea(EG1_X, EG1_Y)
    np.testing.assert_allclose(res.efficiency, [0.5, 1.0, 5 / 6, 5 / 7, 1.0], atol=1e-9)  # DEAP EG1, exact
    assert res.peers["C"] == ("B", "E") and res.n_infeasible == 0
    arr = dea(EG1_X.to_numpy(), EG1_Y.to_numpy())  # plain arrays: units named 1..n
    assert arr.names.tolist() == [1, 2, 3, 4, 5]
    np.testing.assert_allclose(arr.efficiency, res.efficiency)


def test_lambdas_and_targets_reconstruct_the_projection():
    res = dea(EG1_X, EG1_Y, rts="vrs")
    lam = res.lambdas.to_numpy()
    # projected point = lambda-combination of the peers (DEA identity), for every unit
    np.testing.assert_allclose(lam @ EG1_X.to_numpy(), res.input_targets.to_numpy(), atol=1e-8)
    assert np.all(lam @ EG1_Y.to_numpy() >= res.output_targets.to_numpy() - 1e-8)
    np.testing.assert_allclose(lam.sum(axis=1), 1.0, atol=1e-9)  # VRS convexity


def test_output_orientation_reports_inverse_phi():
    # EG1 unit A, CRS: input te 0.5 = output te (CRS scores coincide); phi = 2
    out = dea(EG1_X, EG1_Y, orientation="output")
    inp = dea(EG1_X, EG1_Y, orientation="input")
    np.testing.assert_allclose(out.efficiency, inp.efficiency, atol=1e-9)
    assert out.radial_factor["A"] == pytest.approx(2.0)
    assert out.output_targets.loc["A", "y"] == pytest.approx(2.0)  # 1 * phi, no slack


def test_two_stage_and_one_stage_options():
    two = dea(EG1_X, EG1_Y, slacks="two-stage")
    none = dea(EG1_X, EG1_Y, slacks="none")
    np.testing.assert_allclose(two.efficiency, none.efficiency)
    assert two.input_slacks.loc["A", "x2"] == pytest.approx(0.5)  # DEAP EG1 firm 1
    assert (none.input_slacks.to_numpy() == 0).all()


def test_to_frame_and_repr():
    frame = dea(EG1_X, EG1_Y, rts="vrs").to_frame()
    assert {"te", "crste", "vrste", "scale", "rts", "slack_x1", "target_y", "peers", "status"} <= set(frame)
    assert "DEAResult(rts='vrs'" in repr(dea(EG1_X, EG1_Y, rts="vrs"))


# ----------------------------------------------------------------------------------------- validation
@pytest.mark.parametrize("mutate, message", [
    (lambda x, y: x.assign(x1=[2, np.nan, 6, 3, 6]), r"missing or infinite input.*'B'/'x1'"),
    (lambda x, y: x.assign(x2=[5, 4, -6, 2, 2]), r"negative input.*'C'/'x2'"),
    (lambda x, y: x.assign(x1=0, x2=[5, 0, 6, 2, 2]), r"unit\(s\) 'B'.*no positive input"),
    (lambda x, y: x.assign(x1=["a"] * 5), r"column\(s\) 'x1' are not numeric"),
    (lambda x, y: x.set_axis(list("ABCAE")), r"unit names are duplicated: 'A'"),
])
def test_bad_data_is_named(mutate, message):
    with pytest.raises(DEAError, match=message):
        dea(mutate(EG1_X.copy(), EG1_Y), EG1_Y)


def test_more_variables_than_units():
    with pytest.raises(DEAError, match=r"more variables \(2 inputs \+ 1 outputs = 3\) than units \(2\)"):
        dea(EG1_X.iloc[:2], EG1_Y.iloc[:2])


def test_options_are_checked():
    with pytest.raises(DEAError, match="'rts' needs to be one of 'crs', 'vrs', 'nirs', 'ndrs'"):
        dea(EG1_X, EG1_Y, rts="VRS")  # type: ignore[arg-type]
    with pytest.raises(DEAError, match="'backend'"):
        dea(EG1_X, EG1_Y, backend="threads")  # type: ignore[arg-type]
    with pytest.raises(DEAError, match="scale efficiency compares CRS with VRS"):
        dea(EG1_X, EG1_Y, rts="crs", scale=True)


def test_caller_data_not_mutated():
    x, y = EG1_X.copy(), EG1_Y.copy()
    dea(x, y, rts="vrs", orientation="output")
    pd.testing.assert_frame_equal(x, EG1_X)
    pd.testing.assert_frame_equal(y, EG1_Y)


# ------------------------------------------------------------------------------------- infeasibility
def test_infeasible_against_external_reference_is_nan_with_warning():
    # VRS input orientation: unit 'big' produces y = 10, more than any reference unit (max 3): infeasible.
    x = pd.DataFrame({"x1": [3.0, 30.0], "x2": [3.0, 30.0]}, index=["small", "big"])
    y = pd.DataFrame({"y": [1.0, 10.0]}, index=["small", "big"])
    with pytest.warns(InfeasibleWarning, match=r"unit\(s\) 'big'.*NaN, not 0"):
        res = dea(x, y, rts="vrs", reference=(EG1_X, EG1_Y), scale=False)
    assert np.isnan(res.efficiency["big"]) and res.status["big"] == "infeasible" and res.n_infeasible == 1
    # 'small' (x = (3, 3), y = 1) against EG1's VRS frontier, by hand: a*B + (1-a)*D with B = (2, 4; 2),
    # D = (3, 2; 1) uses x = (3 - a, 2 + 2a) and makes y = 1 + a >= 1; theta = max(3 - a, 2 + 2a) / 3 is
    # smallest at a = 1/3: theta = 8/9.
    assert res.efficiency["small"] == pytest.approx(8 / 9)
    assert set(res.peers["small"]) == {"B", "D"}


def test_super_efficiency_above_one_against_other_frontier():
    # CRS: unit with y/x = 2 against a frontier whose best ratio y/x is 1 -> te = 2 (hand computation)
    res = dea([[1.0]], [[2.0]], reference=([[1.0], [2.0]], [[1.0], [1.0]]))
    assert res.efficiency.iloc[0] == pytest.approx(2.0)


# ------------------------------------------------------------------------- fast path vs plain, backends
@pytest.mark.parametrize("n, m, s, rts, orientation", [
    (60, 2, 1, "vrs", "input"), (80, 3, 2, "crs", "output"), (50, 1, 3, "nirs", "input"),
    (70, 3, 1, "ndrs", "output"), (120, 4, 2, "vrs", "output"), (40, 2, 2, "crs", "input"),
    (600, 3, 1, "vrs", "input"),  # frontier > 48 units: column generation over working sets is exercised
])
def test_fast_path_equals_plain_lp_per_unit(n, m, s, rts, orientation):
    x, y = random_data(n, m, s, seed=n + m)
    fast = dea(x, y, rts=rts, orientation=orientation, slacks="two-stage", method="fast")
    plain = dea(x, y, rts=rts, orientation=orientation, slacks="two-stage", method="plain")
    np.testing.assert_allclose(fast.efficiency, plain.efficiency, rtol=0, atol=1e-8)
    # the max-sum-of-slacks optimum (normalised units) is unique even where the slack vector is not
    sx, sy = x.mean(axis=0), y.mean(axis=0)
    total = lambda r: (r.input_slacks / sx).sum(axis=1) + (r.output_slacks / sy).sum(axis=1)  # noqa: E731
    np.testing.assert_allclose(total(fast), total(plain), atol=1e-6)  # slack LP tolerance 1e-7 per variable
    if rts == "vrs":
        np.testing.assert_allclose(fast.scale[["crste", "scale"]], plain.scale[["crste", "scale"]], atol=1e-8)
        assert fast.scale["rts"].tolist() == plain.scale["rts"].tolist()


def test_process_backend_matches_serial():
    x, y = random_data(300, 3, 1, seed=3)
    serial = dea(x, y, rts="vrs")
    par = dea(x, y, rts="vrs", backend="processes", n_jobs=2)
    np.testing.assert_allclose(par.efficiency, serial.efficiency, atol=1e-10)
    np.testing.assert_allclose(par.input_slacks, serial.input_slacks, atol=1e-8)
    pd.testing.assert_frame_equal(par.peer_table, serial.peer_table, atol=1e-8)


def test_dask_backend_with_local_cluster_matches_serial():
    import distributed  # the optional extra spillover[dask]; installed in the test environment
    x, y = random_data(200, 2, 2, seed=5)
    serial = dea(x, y, rts="crs", orientation="output")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, distributed.Client(cluster):
        remote = dea(x, y, rts="crs", orientation="output", backend="dask")
    np.testing.assert_allclose(remote.efficiency, serial.efficiency, atol=1e-10)


# ------------------------------------------------------------------------------------------ properties
@st.composite
def dea_data(draw):
    n = draw(st.integers(6, 25))
    m = draw(st.integers(1, 3))
    s = draw(st.integers(1, 2))
    values = st.floats(0.5, 20.0, allow_nan=False, allow_infinity=False)
    x = np.array(draw(st.lists(values, min_size=n * m, max_size=n * m))).reshape(n, m)
    y = np.array(draw(st.lists(values, min_size=n * s, max_size=n * s))).reshape(n, s)
    return x, y


PROPERTY = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(data=dea_data(), factor=st.floats(1e-3, 1e3), rts=st.sampled_from(["crs", "vrs"]),
       orientation=st.sampled_from(["input", "output"]), pick=st.integers(0, 10))
def test_scores_invariant_to_rescaling_a_variable(data, factor, rts, orientation, pick):
    x, y = data
    base = dea(x, y, rts=rts, orientation=orientation, slacks="none").efficiency.to_numpy()
    x2, y2 = x.copy(), y.copy()
    if pick % 2 == 0:
        x2[:, pick % x.shape[1]] *= factor
    else:
        y2[:, pick % y.shape[1]] *= factor
    scaled = dea(x2, y2, rts=rts, orientation=orientation, slacks="none").efficiency.to_numpy()
    np.testing.assert_allclose(scaled, base, atol=1e-7)  # LP feasibility tolerance, data normalised


@PROPERTY
@given(data=dea_data(), seed=st.integers(0, 1000))
def test_scores_invariant_to_reordering_units(data, seed):
    x, y = data
    perm = np.random.default_rng(seed).permutation(len(x))
    base = dea(x, y, rts="vrs", slacks="none", scale=False).efficiency.to_numpy()
    shuffled = dea(x[perm], y[perm], rts="vrs", slacks="none", scale=False).efficiency.to_numpy()
    np.testing.assert_allclose(shuffled, base[perm], atol=1e-8)


@PROPERTY
@given(data=dea_data(), orientation=st.sampled_from(["input", "output"]))
def test_crs_below_nirs_below_vrs(data, orientation):
    x, y = data
    score = {r: dea(x, y, rts=r, orientation=orientation, slacks="none", scale=False).efficiency.to_numpy()
             for r in ("crs", "nirs", "ndrs", "vrs")}
    tol = 1e-8
    assert np.all(score["crs"] <= score["nirs"] + tol) and np.all(score["nirs"] <= score["vrs"] + tol)
    assert np.all(score["crs"] <= score["ndrs"] + tol) and np.all(score["ndrs"] <= score["vrs"] + tol)
    assert np.all(score["vrs"] <= 1 + tol) and np.all(score["crs"] > 0)
    # CRS input and output scores coincide (Fare and Lovell 1978)
    other = "output" if orientation == "input" else "input"
    crs_other = dea(x, y, rts="crs", orientation=other, slacks="none").efficiency.to_numpy()
    np.testing.assert_allclose(crs_other, score["crs"], atol=1e-8)


def test_no_warning_on_clean_data():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dea(EG1_X, EG1_Y, rts="vrs", orientation="output")
