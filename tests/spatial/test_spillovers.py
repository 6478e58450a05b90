"""Per-region spillovers (direct, emitted, received) against S_k computed densely in the test.

Reference: S_k = (I - rho W)^-1 (beta_k I + theta_k W) (LeSage and Pace 2009, eq. 2.46) formed with
``np.linalg.inv`` on the 48-state W; direct = diag, emitted = column sums minus diag, received = row sums
minus diag.  Tolerances: the dense path is the same algebra (1e-10 covers rounding); the sparse power series
is truncated at a tail bound of 1e-8 per unit coefficient (DIAGONAL_TOL), hence 1e-7 there.
"""

from __future__ import annotations

import importlib

import numpy as np
import pytest
import scipy.sparse as sp

from spillover.errors import ModelError
from spillover.spatial.model import SpatialCrossSectionModel, SpatialPanelModel

# the module (spillover.spatial re-exports a function of the same name)
imp = importlib.import_module("spillover.spatial.impacts")
X = ["ln_pcap", "ln_emp"]


@pytest.fixture(scope="module", params=["sdm", "sar", "slx", "sdem"])
def fitted(request, us_panel, us_w):
    return SpatialPanelModel(us_panel, "ln_gsp", X, us_w, kind=request.param, fixed_effects="twoway").fit()


def _dense_s(res, w: np.ndarray, var: str) -> np.ndarray:
    n = w.shape[0]
    rho = res.rho or 0.0  # SLX / SDEM: no spatial lag of y
    theta = res.params.get(f"W*{var}", 0.0)
    return np.linalg.inv(np.eye(n) - rho * w) @ (res.params[var] * np.eye(n) + theta * w)


def test_spillovers_equal_dense_sk_sums(fitted, us_w):
    w = us_w.sparse.toarray()
    for var in X:
        s = _dense_s(fitted, w, var)
        out = fitted.spillovers(var)
        assert list(out.columns) == ["direct", "emitted", "received"]
        assert out.index.equals(fitted._core.ids)
        np.testing.assert_allclose(out["direct"], np.diag(s), atol=1e-10)
        np.testing.assert_allclose(out["emitted"], s.sum(axis=0) - np.diag(s), atol=1e-10)
        np.testing.assert_allclose(out["received"], s.sum(axis=1) - np.diag(s), atol=1e-10)


def test_spillover_means_are_the_average_impacts(fitted):
    averages = fitted.impacts(draws=0)
    for var in X:
        out = fitted.spillovers(var)
        assert out["direct"].mean() == pytest.approx(averages.loc[("direct", var), "estimate"], abs=1e-10)
        # 1'S1/N - tr(S)/N: both off-diagonal sums average to the indirect effect
        for col in ("emitted", "received"):
            assert out[col].mean() == pytest.approx(averages.loc[("indirect", var), "estimate"], abs=1e-10)


def test_cross_section_model(us_panel, us_w):
    res = SpatialCrossSectionModel(us_panel, "ln_gsp", X, us_w, period=1986, kind="sdm").fit()
    s = _dense_s(res, us_w.sparse.toarray(), "ln_emp")
    out = res.spillovers("ln_emp")
    np.testing.assert_allclose(out["emitted"], s.sum(axis=0) - np.diag(s), atol=1e-10)


def test_sac_uses_the_lag_parameter_only(us_panel, us_w):
    # SAC: y = rho W y + X beta + u, u = lambda M u + e; the effects of x go through rho alone
    res = SpatialPanelModel(us_panel, "ln_gsp", X, us_w, kind="sac", fixed_effects="twoway").fit()
    s = _dense_s(res, us_w.sparse.toarray(), "ln_pcap")
    out = res.spillovers("ln_pcap")
    np.testing.assert_allclose(out["received"], s.sum(axis=1) - np.diag(s), atol=1e-10)
    np.testing.assert_allclose(out["direct"], np.diag(s), atol=1e-10)


def test_draws_give_ordered_intervals(us_panel, us_w):
    res = SpatialPanelModel(us_panel, "ln_gsp", X, us_w, kind="sdm", fixed_effects="twoway").fit()
    out = res.spillovers("ln_emp", draws=200, seed=3, level=0.9)
    cols = [
        "direct",
        "direct_lo",
        "direct_hi",
        "emitted",
        "emitted_lo",
        "emitted_hi",
        "received",
        "received_lo",
        "received_hi",
    ]
    assert list(out.columns) == cols
    for c in ("direct", "emitted", "received"):
        assert (out[f"{c}_lo"] <= out[f"{c}_hi"]).all()
        # the point estimate lies inside its 90% interval for (nearly) every region
        inside = (out[f"{c}_lo"] <= out[c]) & (out[c] <= out[f"{c}_hi"])
        assert inside.mean() > 0.9
    again = res.spillovers("ln_emp", draws=200, seed=3, level=0.9)
    assert again.equals(out)  # seeded
    wider = res.spillovers("ln_emp", draws=200, seed=3, level=0.99)
    assert (wider["direct_hi"] - wider["direct_lo"] >= out["direct_hi"] - out["direct_lo"]).all()


def test_bad_input_names_it(us_panel, us_w):
    res = SpatialPanelModel(us_panel, "ln_gsp", X, us_w, kind="sar", fixed_effects="twoway").fit()
    with pytest.raises(ModelError, match="'ln_pc' is not a regressor"):
        res.spillovers("ln_pc")
    with pytest.raises(ModelError, match="draws"):
        res.spillovers("ln_emp", draws=1)
    with pytest.raises(ModelError, match="level"):
        res.spillovers("ln_emp", draws=10, level=1.5)
    with pytest.raises(ModelError, match="'Atlantis'"):
        imp.effects_column(res, "ln_emp", "Atlantis")


def test_effects_column_is_a_column_of_sk(us_panel, us_w):
    res = SpatialPanelModel(us_panel, "ln_gsp", X, us_w, kind="sdm", fixed_effects="twoway").fit()
    s = _dense_s(res, us_w.sparse.toarray(), "ln_pcap")
    j = list(res._core.ids).index("Ohio")
    col = imp.effects_column(res, "ln_pcap", "Ohio")
    np.testing.assert_allclose(col.to_numpy(), s[:, j], atol=1e-10)


# ---------------------------------------------------------------------- the large-N (sparse) path
def _lattice(side: int) -> sp.csr_matrix:
    idx = np.arange(side * side).reshape(side, side)
    pairs = [(idx[:, :-1], idx[:, 1:]), (idx[:-1, :], idx[1:, :])]
    rows = np.concatenate([a.ravel() for a, b in pairs] + [b.ravel() for a, b in pairs])
    cols = np.concatenate([b.ravel() for a, b in pairs] + [a.ravel() for a, b in pairs])
    w = sp.csr_matrix((np.ones(rows.size), (rows, cols)), shape=(side * side,) * 2)
    return sp.csr_matrix(sp.diags(1 / np.asarray(w.sum(axis=1)).ravel()) @ w)


def _dense_reference(w: sp.csr_matrix, rho: float, beta: float, theta: float) -> np.ndarray:
    wd = w.toarray()
    s = np.linalg.inv(np.eye(wd.shape[0]) - rho * wd) @ (beta * np.eye(wd.shape[0]) + theta * wd)
    d = np.diag(s)
    return np.column_stack([d, s.sum(axis=0) - d, s.sum(axis=1) - d])


@pytest.mark.parametrize("rho", [0.45, -0.3])
def test_sparse_series_path_matches_dense(monkeypatch, rho):
    w = _lattice(12)  # 144 regions, forced onto the sparse path
    monkeypatch.setattr(imp, "SPILLOVER_DENSE_MAX_N", 10)
    got = imp._region_effects(w, rho, 0.8, 0.35, seed=0)
    assert got.attrs["diagonal_method"] == "series"
    assert got.attrs["diagonal_error_bound"] <= imp.DIAGONAL_TOL
    np.testing.assert_allclose(got.values, _dense_reference(w, rho, 0.8, 0.35), atol=1e-7)


def test_probed_remainder_when_powers_are_too_dense(monkeypatch):
    w = _lattice(12)
    monkeypatch.setattr(imp, "SPILLOVER_DENSE_MAX_N", 10)
    monkeypatch.setattr(
        imp, "_POWER_NNZ_PER_ROW", 6
    )  # only W fits (W^2 has up to 9 per row): exact terms t <= 2
    got = imp._region_effects(w, 0.6, 1.0, 0.5, seed=1)
    ref = _dense_reference(w, 0.6, 1.0, 0.5)
    assert got.attrs["diagonal_method"] == "series+probes"
    # column and row sums stay exact (sparse LU solves)
    np.testing.assert_allclose(got.values[:, 1:] + got.values[:, :1], ref[:, 1:] + ref[:, :1], atol=1e-10)
    se = got.attrs["diagonal_se"]
    err = np.abs(got.values[:, 0] - ref[:, 0])
    # Hutchinson's estimate of the remainder is unbiased; 5 standard errors bound the error of every region
    assert np.all(err <= 5 * se + 1e-12)
    assert np.median(err) < 0.02  # a few percent of the direct effect (about 1.3) with only W stored


def test_sparse_path_draws_match_the_dense_path(monkeypatch, us_panel, us_w):
    # same seeded parameter draws; the sparse path reuses diag(W^t) across draws (its series bound is 1e-8)
    res = SpatialPanelModel(us_panel, "ln_gsp", X, us_w, kind="sdm", fixed_effects="twoway").fit()
    dense = res.spillovers("ln_emp", draws=40, seed=5)
    monkeypatch.setattr(imp, "SPILLOVER_DENSE_MAX_N", 10)
    sparse = res.spillovers("ln_emp", draws=40, seed=5)
    assert sparse.attrs["diagonal_method"] == "series"
    np.testing.assert_allclose(sparse.to_numpy(), dense.to_numpy(), atol=1e-7)
