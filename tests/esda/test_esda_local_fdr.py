"""FDR cut-off and bad inputs of the local statistics (fast: nothing here runs esda's permutation kernels).

References: the Benjamini-Hochberg (1995) step-up rule written out in the test (largest k with
p_(k) < k alpha / n, cut-off k alpha / n; alpha / n when nothing is rejected, esda's convention) and
:func:`esda.fdr` called directly.
"""

from __future__ import annotations

import esda
import numpy as np
import pandas as pd
import pytest
from libpysal.graph import Graph

import spillover as so
from spillover import esda as sesda
from spillover.errors import PanelError, SpilloverError


def _hand_bh(p: np.ndarray, alpha: float) -> float:
    p = np.sort(p)
    n = p.size
    passing = [k for k in range(1, n + 1) if p[k - 1] < k * alpha / n]
    return max(passing) * alpha / n if passing else alpha / n


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fdr_threshold_equals_hand_bh_and_esda(seed) -> None:
    rng = np.random.default_rng(seed)
    p = np.concatenate([rng.uniform(0, 0.01, 5), rng.uniform(0, 1, 40)])
    for alpha in (0.05, 0.1):
        assert sesda.fdr_threshold(p, alpha) == pytest.approx(_hand_bh(p, alpha), rel=1e-12)
        assert sesda.fdr_threshold(p, alpha) == esda.fdr(p, alpha)


def test_fdr_threshold_ignores_nan_islands() -> None:
    p = np.array([0.001, np.nan, 0.02, 0.5])
    assert sesda.fdr_threshold(p, 0.05) == pytest.approx(_hand_bh(np.array([0.001, 0.02, 0.5]), 0.05))


@pytest.fixture(scope="module")
def panel() -> so.SpatialPanel:
    return so.datasets.us_states()


@pytest.fixture(scope="module")
def w(panel) -> Graph:
    return Graph.build_contiguity(panel.geometry, rook=False)


def test_getis_ord_fdr_uses_the_bh_cutoff(panel, w) -> None:
    # permutations=0: normal p-values, no permutation kernel (fast)
    plain = sesda.getis_ord(panel, "gsp", w, 1986, permutations=0, alpha=0.1)
    with_fdr = sesda.getis_ord(panel, "gsp", w, 1986, permutations=0, alpha=0.1, fdr=True)
    p = plain.to_frame()["p_value"].to_numpy()
    assert with_fdr.threshold == pytest.approx(_hand_bh(p, 0.1))
    np.testing.assert_array_equal(with_fdr.to_frame()["significant"], p <= _hand_bh(p, 0.1))
    assert with_fdr.fdr and not plain.fdr
    # each confidence bin uses its own cut-off: hot_99 iff p <= BH(0.01) and z > 0
    frame = with_fdr.to_frame()
    hot99 = (p <= _hand_bh(p, 0.01)) & (frame["z_norm"].to_numpy() > 0)
    np.testing.assert_array_equal(frame["cluster"] == "hot_99", hot99)


def _panel_with(panel, name, values) -> so.SpatialPanel:
    return panel.with_data(pd.Series(values, index=panel.data.index, name=name))


def test_join_counts_rejects_non_binary_naming_region_and_period(panel, w) -> None:
    y = (panel.data["ln_gsp"] > panel.data["ln_gsp"].median()).to_numpy(dtype=float).copy()
    y[panel.data.index.get_loc(("Ohio", 1986))] = 2.0
    bad = _panel_with(panel, "d", y)
    with pytest.raises(SpilloverError, match=r"binary \(0/1\).*'d'.*1986.*Ohio"):
        sesda.join_counts(bad, "d", w, 1986)


def test_missing_values_and_unknown_period_are_named(panel, w) -> None:
    y = panel.data["gsp"].to_numpy(dtype=float).copy()
    y[panel.data.index.get_loc(("Texas", 1986))] = np.nan
    holey = _panel_with(panel, "g", y)
    with pytest.raises(PanelError, match=r"missing in period 1986.*Texas"):
        sesda.getis_ord(holey, "g", w, 1986, permutations=0)
    with pytest.raises(PanelError, match=r"missing in period 1986.*Texas"):
        sesda.join_counts(holey, "g", w, 1986)
    with pytest.raises(PanelError, match=r"period 2050 is not in the panel"):
        sesda.local_geary(panel, "gsp", w, 2050)
    with pytest.raises(PanelError, match=r"variable 'nope' is not in the panel"):
        sesda.bivariate_lisa(panel, "gsp", "nope", w, 1986)


def test_bad_options_are_refused(panel, w) -> None:
    with pytest.raises(SpilloverError, match="method"):
        sesda.bivariate_lisa(panel, "gsp", "ln_pcap", w, method="pearson")  # type: ignore[arg-type]
    with pytest.raises(SpilloverError, match="two different variables"):
        sesda.bivariate_lisa(panel, "gsp", "gsp", w)
    with pytest.raises(SpilloverError, match="permutations"):
        sesda.local_geary(panel, "gsp", w, permutations=0)
    with pytest.raises(SpilloverError, match="alpha"):
        sesda.getis_ord(panel, "gsp", w, alpha=1.5)
    with pytest.raises(SpilloverError, match="seed"):
        sesda.getis_ord(panel, "gsp", w, seed=-1)
    with pytest.raises(SpilloverError, match="case"):
        sesda.join_counts(panel, "gsp", w, case="XYZ")  # type: ignore[arg-type]
    with pytest.raises(SpilloverError, match="one or two binary"):
        sesda.join_counts(panel, ["gsp", "ln_gsp", "ln_pcap"], w)


def test_period_defaults_to_the_last(panel, w) -> None:
    assert sesda.getis_ord(panel, "gsp", w, permutations=0).period == panel.periods[-1]
