"""Subsample heterogeneity: per-group fits, Chow, suest-style and permutation tests, registry groups."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from spillover.errors import ModelError
from spillover.panel import SpatialPanel
from spillover.panel_models import fixed_effects, heterogeneity

X = ["ln_pcap", "ln_emp"]


@pytest.fixture(scope="module")
def sized(us_panel):
    big = us_panel.data["emp"].groupby(level=0).transform("mean") > 1000
    return us_panel.with_data(big.map({True: "large", False: "small"}).rename("size"))


@pytest.fixture(scope="module")
def het(sized):
    return heterogeneity(sized, "ln_gsp", X, by="size", permutations=99, seed=5, progress=False)


def test_groups_are_the_subsample_regressions(sized, het):
    large = [s for s in sized.ids if (sized.data.loc[s, "size"] == "large").all()]
    sub = fixed_effects(sized.subset(ids=large), "ln_gsp", X)
    np.testing.assert_allclose(het.groups["large"].params, sub.params, rtol=1e-10)
    np.testing.assert_allclose(het.groups["large"].std_errors, sub.std_errors, rtol=1e-10)
    assert list(het.coefficients().index) == ["large", "small"]


def test_chow_with_iid_errors_is_the_classical_rss_f_test(sized):
    """With cluster=None the Wald F of equal slopes equals ((RSS_r - RSS_u)/q) / (RSS_u/(n - K)), RSS from
    pyfixest run directly: unrestricted = separate slopes, restricted = common slopes, both with state
    effects and group-specific year effects."""
    import pyfixest as pf

    res = heterogeneity(sized, "ln_gsp", X, by="size", cluster=None, permutations=0, progress=False)
    d = sized.data.reset_index()
    d["gyear"] = d["size"] + d["year"].astype(str)
    d["large"] = (d["size"] == "large").astype(float)
    for v in X:
        d[f"{v}_l"], d[f"{v}_s"] = d[v] * d["large"], d[v] * (1 - d["large"])
    u = pf.feols("ln_gsp ~ ln_pcap_l + ln_emp_l + ln_pcap_s + ln_emp_s | state + gyear", data=d, vcov="iid")
    r = pf.feols("ln_gsp ~ ln_pcap + ln_emp | state + gyear", data=d, vcov="iid")
    rss_u, rss_r = float((u.resid() ** 2).sum()), float((r.resid() ** 2).sum())
    n, k = len(d), 4 + 48 + 2 * 17 - 2  # slopes + state effects + group-year effects (two components)
    f = (rss_r - rss_u) / 2 / (rss_u / (n - k))
    assert res.chow.loc["joint", "F"] == pytest.approx(f, rel=1e-8)
    assert res.chow.loc["joint", "df2"] == n - k


def test_suest_by_hand_from_the_subsample_covariances(sized, het):
    """Groups are sets of states and errors are clustered by state, so the stacked covariance is block
    diagonal; each block is the subsample's CR0 sandwich times G/(G-1) with G = 48 states (suest)."""
    blocks = []
    for g in ("large", "small"):
        r = het.groups[g]
        k = 2 + 17  # slopes + 17 year effects (state effects nested in the clusters are not counted)
        cr0 = r.cov.to_numpy() / (r.n_clusters / (r.n_clusters - 1) * (r.nobs - 1) / (r.nobs - k))
        blocks.append(48 / 47 * cr0)
    d = (het.groups["small"].params - het.groups["large"].params).to_numpy()
    v = blocks[0] + blocks[1]
    chi2 = float(d @ np.linalg.solve(v, d))
    assert het.suest.loc["joint", "chi2"] == pytest.approx(chi2, rel=1e-8)
    assert het.suest.loc["ln_pcap", "chi2"] == pytest.approx(d[0] ** 2 / v[0, 0], rel=1e-8)


def test_permutation_is_seeded(sized, het):
    again = heterogeneity(sized, "ln_gsp", X, by="size", permutations=99, seed=5, progress=False)
    pd.testing.assert_frame_equal(het.permutation, again.permutation)
    assert ((het.permutation["p"] > 0) & (het.permutation["p"] <= 1)).all()
    assert het.unit == "regions"
    assert het.permutation.loc["ln_emp", "difference"] == pytest.approx(
        het.groups["small"].params["ln_emp"] - het.groups["large"].params["ln_emp"]
    )
    assert "Chow" in str(het.summary())


def test_registry_groups_on_a_province_panel():
    from spillover.datasets import china_provinces

    geo = china_provinces()
    rng = np.random.default_rng(0)
    rows = pd.DataFrame(
        [(p, t) for p in geo["province"] for t in range(2010, 2020)], columns=["province", "year"]
    )
    rows["x"] = rng.normal(size=len(rows))
    rows["y"] = 0.5 * rows["x"] + rng.normal(size=len(rows))
    panel = SpatialPanel(rows, geo, id="province", time="year")
    res = heterogeneity(panel, "y", "x", by="region4", permutations=19, progress=False)
    assert list(res.groups) == ["Central", "East", "Northeast", "West"]
    assert res.groups["Northeast"].nobs == 30
    res = heterogeneity(panel, "y", "x", by="cluster", permutations=0, progress=False)
    assert list(res.groups) == ["cluster", "non-cluster"]


def test_heterogeneity_bad_input(sized, us_panel):
    with pytest.raises(ModelError, match="by='size_class' is not a column of the panel"):
        heterogeneity(sized, "ln_gsp", X, by="size_class", progress=False)
    tiny = sized.data["size"].where(sized.data.index.get_level_values(0) != "Texas", "texas")
    panel = us_panel.with_data(tiny.rename("grp"))
    with pytest.raises(ModelError, match="subsample 'texas' of 'grp' is too small"):
        heterogeneity(panel, "ln_gsp", X, by="grp", progress=False)
    with pytest.raises(ModelError, match="not provinces"):
        heterogeneity(us_panel, "ln_gsp", X, by="region4", progress=False)
