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
@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda x, y: x.assign(x1=[2, np.nan, 6, 3, 6]), r"missing or infinite input.*'B'/'x1'"),
        (lambda x, y: x.assign(x2=[5, 4, -6, 2, 2]), r"negative input.*'C'/'x2'"),
        (lambda x, y: x.assign(x1=0, x2=[5, 0, 6, 2, 2]), r"unit\(s\) 'B'.*no positive input"),
        (lambda x, y: x.assign(x1=["a"] * 5), r"column\(s\) 'x1' are not numeric"),
        (lambda x, y: x.set_axis(list("ABCAE")), r"unit names are duplicated: 'A'"),
    ],
)
def test_bad_data_is_named(mutate, message):
    with pytest.raises(DEAError, match=message):
        dea(mutate(EG1_X.copy(), EG1_Y), EG1_Y)


def test_more_variables_than_units():
    with pytest.raises(DEAError, match=r"more variables \(2 inputs \+ 1 outputs = 3\) than units \(2\)"):
        dea(EG1_X.iloc[:2], EG1_Y.iloc[:2])


def test_options_are_checked():
    with pytest.raises(DEAError, match=r"'rts' needs to be one of \['crs', 'vrs', 'nirs', 'ndrs'\]"):
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
@pytest.mark.parametrize(
    "n, m, s, rts, orientation",
    [
        (60, 2, 1, "vrs", "input"),
        (80, 3, 2, "crs", "output"),
        (50, 1, 3, "nirs", "input"),
        (70, 3, 1, "ndrs", "output"),
        (120, 4, 2, "vrs", "output"),
        (40, 2, 2, "crs", "input"),
        (600, 3, 1, "vrs", "input"),  # frontier > 48 units: column generation over working sets is exercised
    ],
)
def test_fast_path_equals_plain_lp_per_unit(n, m, s, rts, orientation):
    x, y = random_data(n, m, s, seed=n + m)
    fast = dea(x, y, rts=rts, orientation=orientation, slacks="two-stage", method="fast")
    plain = dea(x, y, rts=rts, orientation=orientation, slacks="two-stage", method="plain")
    np.testing.assert_allclose(fast.efficiency, plain.efficiency, rtol=0, atol=1e-8)
    # the max-sum-of-slacks optimum (DEAP: in the data's units) is unique even where the slack vector is not
    total = lambda r: r.input_slacks.sum(axis=1) + r.output_slacks.sum(axis=1)  # noqa: E731
    np.testing.assert_allclose(total(fast), total(plain), atol=1e-5)  # slack LP tolerance 1e-7 x means ~5-20
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
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster),
    ):
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
@given(
    data=dea_data(),
    factor=st.floats(1e-3, 1e3),
    rts=st.sampled_from(["crs", "vrs"]),
    orientation=st.sampled_from(["input", "output"]),
    pick=st.integers(0, 10),
)
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
    score = {
        r: dea(x, y, rts=r, orientation=orientation, slacks="none", scale=False).efficiency.to_numpy()
        for r in ("crs", "nirs", "ndrs", "vrs")
    }
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


# ------------------------------------------------------------- batched simplex (exact, checked vs HiGHS)
# The batched primal simplex of _simplex.py solves the same LPs as the HiGHS model of _highs.py and accepts
# an answer only with an optimality certificate, so both must agree to solver precision (1e-8, as above);
# units without a certificate are reported (ok False) and solved by HiGHS.
def _normalised(n, m, s, seed):
    x, y = random_data(n, m, s, seed)
    return (x / x.mean(axis=0)).T, (y / y.mean(axis=0)).T


@pytest.mark.parametrize("rts", ["crs", "vrs", "nirs", "ndrs"])
def test_batched_radial_scores_equal_highs(rts):
    from spillover.productivity._highs import EnvelopmentLP
    from spillover.productivity._simplex import radial_input_batch

    X, Y = _normalised(150, 3, 2, seed=11)
    Xr, Yr = X[:, :100], Y[:, :100]  # units 100..149 are outside this reference set: scores may exceed 1
    batch = radial_input_batch(Xr, Yr, X, Y, rts)
    lp = EnvelopmentLP(Xr, Yr, rts)
    highs = np.array([lp.radial(X[:, j], Y[:, j], "input")[1] for j in range(150)])
    assert batch["ok"][np.isfinite(highs)].mean() > 0.95  # nearly all certified...
    assert not batch["ok"][np.isnan(highs)].any()  # ...and never an infeasible LP
    np.testing.assert_allclose(batch["score"][batch["ok"]], highs[batch["ok"]], rtol=0, atol=1e-8)
    if rts == "vrs":  # VRS: a unit whose outputs exceed every reference unit's is infeasible
        assert np.isnan(highs).any()


@pytest.mark.parametrize(
    "rts, slacks",
    [("vrs", "multi-stage"), ("crs", "multi-stage"), ("ndrs", "multi-stage"), ("vrs", "two-stage")],
)
def test_batched_slack_stages_equal_highs(rts, slacks):
    from spillover.productivity._highs import EnvelopmentLP
    from spillover.productivity._simplex import radial_input_batch, stages_input_batch

    X, Y = _normalised(200, 3, 2, seed=12)
    radial = radial_input_batch(X, Y, X, Y, rts)
    assert radial["ok"].all()  # every unit is feasible against its own sample
    st_ = stages_input_batch(X, Y, X, Y, rts, radial["score"], radial["basis"], slacks)
    assert st_["ok"].mean() > 0.95
    lp = EnvelopmentLP(X, Y, rts)
    for j in np.flatnonzero(st_["ok"]):
        x_r = radial["score"][j] * X[:, j]
        status, x_t, y_t = lp._stages(x_r, Y[:, j].astype(float), "input", slacks)
        assert status == 0  # optimal
        # the max-sum-of-slacks LP's tolerance is 1e-7 per variable (normalised data)
        np.testing.assert_allclose(st_["s_in"][j], x_r - x_t, atol=1e-6)
        np.testing.assert_allclose(st_["s_out"][j], y_t - Y[:, j], atol=1e-6)


@pytest.mark.parametrize("rts", ["vrs", "crs"])
def test_fast_multi_stage_equals_plain(rts):
    x, y = random_data(300, 3, 2, seed=13)
    x[::37, 1] = 0.0  # units with a zero input have no single-unit starting basis: HiGHS solves them
    fast = dea(x, y, rts=rts, scale=False)
    plain = dea(x, y, rts=rts, scale=False, method="plain")
    np.testing.assert_allclose(fast.efficiency, plain.efficiency, rtol=0, atol=1e-8)
    # multi-stage slacks in original units (means ~5): the slack LPs' tolerance is 1e-7 per normalised
    # variable, so 1e-6 here (observed: 1e-12)
    np.testing.assert_allclose(fast.input_slacks, plain.input_slacks, atol=1e-6)
    np.testing.assert_allclose(fast.output_slacks, plain.output_slacks, atol=1e-6)


def test_auto_backend_uses_processes_only_for_large_problems(monkeypatch):
    from spillover.productivity._engine import AUTO_PROCESSES, resolve_backend

    monkeypatch.setattr("os.sched_getaffinity", lambda pid: {0, 1, 2, 3}, raising=False)
    monkeypatch.setattr("os.getloadavg", lambda: (0.0, 0.0, 0.0), raising=False)  # an idle machine
    monkeypatch.setattr("spillover._parallel._runnable_now", lambda: 0)  # nothing else runnable (Linux)
    assert resolve_backend("auto", AUTO_PROCESSES, 2) == "processes"
    assert resolve_backend("auto", AUTO_PROCESSES - 1, 2) == "serial"
    assert resolve_backend("auto", 10 * AUTO_PROCESSES, 1) == "serial"  # one worker: no pool
    assert resolve_backend("serial", 10 * AUTO_PROCESSES, 2) == "serial"  # an explicit choice is kept
    res = dea(EG1_X, EG1_Y, backend="auto")
    np.testing.assert_allclose(res.efficiency, [0.5, 1.0, 5 / 6, 5 / 7, 1.0], atol=1e-9)  # DEAP EG1


@pytest.mark.parametrize("rts", ["crs", "vrs"])
def test_badly_scaled_data_match_a_row_scaled_lp(rts):
    # Variables spanning ~8 orders of magnitude: the reference answer is each unit's LP with every row divided
    # by the unit's own value (then well conditioned), solved by scipy's HiGHS with tight tolerances.  The
    # batched simplex's certified answers must match it to 1e-7 relative (observed 1e-11); on such data an
    # LP solved with absolute tolerances of 1e-7 (HiGHS on the normalised data) can be off by far more.
    from scipy.optimize import linprog

    rng = np.random.default_rng(0)  # with this seed, one-LP-at-a-time HiGHS on the raw data was 13% off
    n, m, s = 120, 3, 2
    x, y = np.exp(rng.normal(0, 3, (n, m))), np.exp(rng.normal(0, 3, (n, s)))
    fast = dea(x, y, rts=rts, slacks="none", scale=False).efficiency.to_numpy()
    for u in range(n):
        xs, ys = x / x[u], y / y[u]
        a_ub = np.vstack([np.c_[-np.ones((m, 1)), xs.T], np.c_[np.zeros((s, 1)), -ys.T]])
        eq = dict(A_eq=np.r_[0.0, np.ones(n)][None, :], b_eq=[1.0]) if rts == "vrs" else {}
        ref = linprog(
            np.r_[1.0, np.zeros(n)],
            A_ub=a_ub,
            b_ub=np.r_[np.zeros(m), -np.ones(s)],
            **eq,
            bounds=[(None, None)] + [(0, None)] * n,
            method="highs",
            options=dict(primal_feasibility_tolerance=1e-10, dual_feasibility_tolerance=1e-10),
        )
        assert fast[u] == pytest.approx(ref.fun, rel=1e-7), u


# ------------------------------------------------------------------- pairing inputs with outputs (#13)
def test_labelled_inputs_and_outputs_are_paired_by_label_not_position():
    """Fails on the old main: rows were paired by position, so reversed outputs gave other units' scores.

    EG1 (DEAP 2.1, Coelli 1996) with the outputs in reverse order must give EG1's scores (0.5 1 5/6 5/7 1,
    exact) for the units as labelled."""
    res = dea(EG1_X, EG1_Y.iloc[::-1], rts="crs")
    assert res.names.tolist() == list("ABCDE")  # the inputs' order
    np.testing.assert_allclose(res.efficiency, [0.5, 1.0, 5 / 6, 5 / 7, 1.0], atol=1e-9)
    series = dea(EG1_X, EG1_Y["y"].sample(frac=1.0, random_state=3), rts="crs")
    np.testing.assert_allclose(series.efficiency, res.efficiency, atol=1e-12)
    # the reference technology is paired the same way: EG1 against itself, reference outputs reversed
    ref = dea(EG1_X, EG1_Y, reference=(EG1_X, EG1_Y.iloc[::-1]), scale=False)
    np.testing.assert_allclose(ref.efficiency, res.efficiency, atol=1e-9)


def test_mismatching_labels_are_refused_and_named():
    y = EG1_Y.rename(index={"C": "Z"})
    with pytest.raises(DEAError, match=r"do not match \(only in the inputs: 'C'; only in the outputs: 'Z'\)"):
        dea(EG1_X, y)
    with pytest.raises(DEAError, match=r"of the reference set do not match.*only in the outputs: 'Z'"):
        dea(EG1_X, EG1_Y, reference=(EG1_X, y))
    with pytest.raises(DEAError, match=r"unit names are duplicated: 'A' \(in the outputs\)"):
        dea(EG1_X, EG1_Y.set_axis(list("ABCAE")))


def test_plain_arrays_are_paired_by_position():
    # an array has no labels: its rows pair with the other table's rows in order (EG1, DEAP 2.1)
    res = dea(EG1_X, EG1_Y.to_numpy(), rts="crs")
    np.testing.assert_allclose(res.efficiency, [0.5, 1.0, 5 / 6, 5 / 7, 1.0], atol=1e-9)
    assert res.names.tolist() == list("ABCDE")
    named = dea(EG1_X.to_numpy(), EG1_Y, rts="crs")  # the labelled table names the units
    assert named.names.tolist() == list("ABCDE")
    with pytest.raises(DEAError, match="same number of units; inputs has 5 rows, outputs has 4"):
        dea(EG1_X, EG1_Y.to_numpy()[:4])


# ------------------------------------------------------------------------------ two-stage slacks (#13)
# Unit O (x = (4, 3), y = (1, 1)), VRS output orientation, against P1 = (1, 3; 2, 2), P2 = (4, 0.5; 2, 2)
# and a large dominated unit Q = (40, 3; 0.5, 0.5) that only moves the means.  By hand: no convex
# combination makes more than 2 of either output, so phi = 2 (te = 0.5) and every mix lam P1 + (1 - lam) P2
# reaches y = (2, 2) with input slacks (3 lam, 2.5 (1 - lam)) and no output slack.  DEAP's second stage
# maximises the raw sum 2.5 + 0.5 lam: lam = 1, slacks (3, 0), peer P1.  Dividing each slack by its mean
# (x1: 12.25, x2: 2.375) maximises 3 lam / 12.25 + 2.5 (1 - lam) / 2.375 instead: lam = 0, slacks (0, 2.5).
TWO_X = pd.DataFrame({"x1": [4.0, 1.0, 4.0, 40.0], "x2": [3.0, 3.0, 0.5, 3.0]}, index=["O", "P1", "P2", "Q"])
TWO_Y = pd.DataFrame({"y1": [1.0, 2.0, 2.0, 0.5], "y2": [1.0, 2.0, 2.0, 0.5]}, index=TWO_X.index)


@pytest.mark.parametrize("method", ["fast", "plain"])
def test_two_stage_slacks_maximise_the_raw_sum_as_deap(method):
    """Failed on the old main, which returned (0, 2.5) (the mean-normalised optimum) for "two-stage"."""
    res = dea(TWO_X, TWO_Y, rts="vrs", orientation="output", slacks="two-stage", method=method)
    assert res.efficiency["O"] == pytest.approx(0.5)
    np.testing.assert_allclose(res.input_slacks.loc["O"], [3.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(res.output_slacks.loc["O"], [0.0, 0.0], atol=1e-9)
    assert res.peers["O"] == ("P1",)
    norm = dea(TWO_X, TWO_Y, rts="vrs", orientation="output", slacks="two-stage-normalised", method=method)
    np.testing.assert_allclose(norm.input_slacks.loc["O"], [0.0, 2.5], atol=1e-9)
    assert norm.peers["O"] == ("P2",) and norm.slack_method == "two-stage-normalised"


def test_two_stage_batched_slack_stages_use_the_raw_sum():
    # input orientation with >= 12 units runs the batched slack stages: same raw-sum optimum as HiGHS
    x, y = random_data(80, 3, 2, seed=21)
    x[:, 0] *= 1000.0  # very different units: the raw and the mean-normalised sums weight slacks apart
    fast = dea(x, y, rts="vrs", slacks="two-stage", scale=False)
    plain = dea(x, y, rts="vrs", slacks="two-stage", scale=False, method="plain")
    total = lambda r: r.input_slacks.sum(axis=1) + r.output_slacks.sum(axis=1)  # noqa: E731
    np.testing.assert_allclose(total(fast), total(plain), rtol=1e-7, atol=1e-6)


def test_other_dea_models_pair_labelled_tables_by_label():
    """The SBM and directional models read their data through the same pairing (failed on the old main)."""
    from spillover.productivity import directional, sbm

    rev = EG1_Y.iloc[::-1]
    np.testing.assert_allclose(
        sbm(EG1_X, rev, rts="vrs").efficiency, sbm(EG1_X, EG1_Y, rts="vrs").efficiency, atol=1e-12
    )
    np.testing.assert_allclose(
        directional(EG1_X, rev, rts="vrs").efficiency,
        directional(EG1_X, EG1_Y, rts="vrs").efficiency,
        atol=1e-12,
    )
    with pytest.raises(DEAError, match="only in the outputs: 'Z'"):
        sbm(EG1_X, EG1_Y.rename(index={"C": "Z"}), rts="crs")


# ----------------------------------------------- benign data: a correct optimum is never NaN (#13 regression)
# Found by fuzzing the dea_data() strategy (hypothesis's shrunk example of the same failure could not be
# replayed from its printed repr): with output orientation under NDRS, HiGHS returned the convexity row's dual
# as -1e-14 (noise; the row is sum(lambda) >= 1, its dual is >= 0), and the certificate multiplied it by the
# row's infinite upper bound, so the correct optimum of unit 13 was rejected and reported as NaN 'failed'.
BENIGN_X = np.array(
    [
        [1.1, 1.1, 9.6],
        [4.1, 1.9, 1.9],
        [15.3, 10.8, 1.1],
        [10.8, 1.0, 4.2],
        [5.2, 0.5, 14.8],
        [4.2, 9.6, 15.3],
        [9.6, 1.9, 1.1],
        [4.8, 1.0, 14.8],
        [1.9, 4.2, 6.5],
        [4.2, 5.8, 10.8],
        [15.2, 5.8, 5.2],
        [15.3, 10.8, 10.8],
        [4.2, 4.2, 5.8],
        [14.8, 1.1, 14.8],
        [9.6, 4.8, 18.8],
        [9.6, 14.8, 10.8],
        [14.8, 15.2, 4.1],
        [0.5, 5.2, 4.2],
        [10.8, 14.8, 4.2],
    ]
)
BENIGN_Y = BENIGN_X[:, :2].copy()  # outputs equal to the first two inputs: ties and degenerate vertices
# The first example hypothesis reported for this failure (values as printed, 8 decimals); kept as well.
HYPO_X = np.array(
    [
        [1.9, 11.80586612],
        [12.81849502, 16.32860086],
        [20.0, 14.74914199],
        [16.61606362, 2.52491074],
        [7.24231382, 8.91613824],
        [14.90452169, 15.55778068],
        [0.8343024, 13.76844231],
        [6.5, 17.48215853],
        [1.1, 15.48654897],
        [9.5986033, 15.23605751],
        [9.65067157, 18.50448202],
        [12.26814654, 15.81459372],
        [4.89343838, 9.19409146],
        [3.14532076, 17.72479622],
        [1.35811769, 14.35705354],
        [19.47404496, 0.77202165],
        [6.97799718, 9.68004148],
        [13.31947614, 4.2],
        [6.83042374, 2.6863631],
        [18.65791283, 6.83953059],
        [17.64816513, 17.66488762],
        [4.11372174, 4.32074495],
        [0.5, 2.89835427],
    ]
)
HYPO_Y = np.array(
    [
        [16.32860086, 1.9],
        [20.0, 11.80586612],
        [12.81849502, 14.74914199],
        [16.61606362, 2.52491074],
        [15.55778068, 8.91613824],
        [14.90452169, 0.8343024],
        [1.1, 6.5],
        [7.24231382, 13.76844231],
        [17.48215853, 9.5986033],
        [15.48654897, 15.23605751],
        [9.65067157, 15.81459372],
        [18.50448202, 4.89343838],
        [12.26814654, 9.19409146],
        [18.65791283, 17.72479622],
        [1.35811769, 14.35705354],
        [19.47404496, 0.77202165],
        [6.97799718, 9.68004148],
        [13.31947614, 4.2],
        [6.83042374, 2.6863631],
        [18.65791283, 4.32074495],
        [6.83953059, 17.66488762],
        [17.64816513, 0.5],
        [4.11372174, 2.89835427],
    ]
)


def _scipy_radial(x: np.ndarray, y: np.ndarray, u: int, rts: str, orientation: str) -> float:
    """Unit u's radial LP written out for scipy's HiGHS; returns te (theta, or 1/phi for output orientation).

    input:  min theta  s.t. X'lam <= theta x_u, Y'lam >= y_u;   output: max phi  s.t. X'lam <= x_u,
    Y'lam >= phi y_u; plus sum(lam) = 1 (VRS), <= 1 (NIRS), >= 1 (NDRS), nothing (CRS); lam >= 0."""
    from scipy.optimize import linprog

    n, m = x.shape
    s = y.shape[1]
    if orientation == "input":
        cost = np.r_[1.0, np.zeros(n)]
        a_ub = np.vstack([np.c_[-x[u][:, None], x.T], np.c_[np.zeros((s, 1)), -y.T]])
        b_ub = np.r_[np.zeros(m), -y[u]]
    else:
        cost = np.r_[-1.0, np.zeros(n)]
        a_ub = np.vstack([np.c_[np.zeros((m, 1)), x.T], np.c_[y[u][:, None], -y.T]])
        b_ub = np.r_[x[u], np.zeros(s)]
    ones = np.r_[0.0, np.ones(n)][None, :]
    extra = {"vrs": dict(A_eq=ones, b_eq=[1.0])}.get(rts, {})
    if rts in ("nirs", "ndrs"):
        sign = 1.0 if rts == "nirs" else -1.0
        a_ub, b_ub = np.vstack([a_ub, sign * ones]), np.r_[b_ub, sign]
    res = linprog(
        cost,
        A_ub=a_ub,
        b_ub=b_ub,
        **extra,
        bounds=[(None, None)] + [(0, None)] * n,
        method="highs",
        options=dict(primal_feasibility_tolerance=1e-10, dual_feasibility_tolerance=1e-10),
    )
    assert res.status == 0, (u, rts, orientation, res.message)
    return res.x[0] if orientation == "input" else 1.0 / res.x[0]


@pytest.mark.parametrize("data", [(BENIGN_X, BENIGN_Y), (HYPO_X, HYPO_Y)], ids=["fuzzed", "hypothesis"])
@pytest.mark.parametrize("orientation", ["input", "output"])
@pytest.mark.parametrize("method", ["fast", "plain"])
def test_benign_data_every_rts_finite_and_equal_to_scipy(data, orientation, method):
    """Failed before the fix: output/NDRS gave NaN 'failed' for unit 13 of the fuzzed data.

    Reference: one scipy.optimize.linprog per unit (above), tolerances 1e-10 on data of size 0.5..20, so
    1e-8 on te is far above both solvers' error.  No InfeasibleWarning may be raised."""
    x, y = data
    score = {}
    with warnings.catch_warnings():
        warnings.simplefilter("error", InfeasibleWarning)
        for rts in ("crs", "nirs", "ndrs", "vrs"):
            score[rts] = dea(
                x, y, rts=rts, orientation=orientation, slacks="none", scale=False, method=method
            ).efficiency.to_numpy()
    for rts, te in score.items():
        assert np.isfinite(te).all(), (rts, np.flatnonzero(~np.isfinite(te)))
        ref = [_scipy_radial(x, y, u, rts, orientation) for u in range(len(x))]
        np.testing.assert_allclose(te, ref, atol=1e-8, err_msg=rts)
    tol = 1e-8
    for low, high in (("crs", "nirs"), ("crs", "ndrs"), ("nirs", "vrs"), ("ndrs", "vrs")):
        assert np.all(score[low] <= score[high] + tol), (low, high)
