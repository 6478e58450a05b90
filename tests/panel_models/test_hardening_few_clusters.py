"""Issue 19, class 2: cluster-robust inference with no more clusters than coefficients is refused (every
panel model family shares one check), few clusters warn, and wild cluster bootstrap p-values are offered."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from spillover.errors import FewClustersWarning, ModelError
from spillover.panel_models import fe_iv, fixed_effects, heterogeneity, lag, mediation

X = ["ln_pcap", "ln_pc", "ln_emp"]


@pytest.fixture(scope="module")
def grouped(us_panel):
    """Two groups: Alabama and Arizona (2 states) and the other 46."""
    states = us_panel.data.index.get_level_values(0)
    grp = pd.Series(np.where(states.isin(["Alabama", "Arizona"]), "two", "rest"), index=us_panel.data.index)
    half = pd.Series(np.where(states < "M", "A-L", "M-Z"), index=us_panel.data.index)
    return us_panel.with_data(pd.DataFrame({"grp": grp, "half": half}))


def test_heterogeneity_refuses_a_group_with_too_few_clusters(grouped):
    # 2 clusters (states) for 3 slopes: the CR1 covariance has rank <= G - 1 = 1 (it reported SE 0.000)
    with pytest.raises(
        ModelError, match=r"subsample 'two' of 'grp'.* 2 clusters \(regions\) for 3 coefficients"
    ):
        heterogeneity(grouped, "ln_gsp", X, by="grp", permutations=0, progress=False)


@pytest.mark.parametrize(
    "fit",
    [
        lambda p: fixed_effects(p, "ln_gsp", X, cluster="half"),
        lambda p: fixed_effects(p, "ln_gsp", X, cluster="half", fixed_effects="none"),
        lambda p: fe_iv(
            lag(p, "ln_emp"),
            "ln_gsp",
            exog=["ln_pc"],
            endog="ln_emp",
            instruments="L1.ln_emp",
            cluster="half",
        ),
        lambda p: mediation(
            p, x="ln_pcap", mediator="ln_pc", y="ln_gsp", cluster="half", draws=9, progress=False
        ),
    ],
    ids=["fe", "pooled", "fe_iv", "mediation"],
)
def test_every_family_refuses_two_clusters(grouped, fit):
    with pytest.raises(ModelError, match=r"needs more clusters than coefficients, but there are 2 clusters"):
        fit(grouped)


def test_few_clusters_warn_and_enough_do_not(us_panel):
    twelve = us_panel.subset(ids=list(us_panel.ids[:12]))
    with pytest.warns(FewClustersWarning, match="only 12 clusters") as record:
        fixed_effects(twelve, "ln_gsp", X)
    assert record[0].filename == __file__  # the warning points at the user's call
    with warnings.catch_warnings():
        warnings.simplefilter("error", FewClustersWarning)
        fixed_effects(us_panel, "ln_gsp", X)  # 48 clusters: no warning


def test_wild_bootstrap_p_values_are_pyfixests(us_panel):
    """Provenance: pyfixest's Feols.wildboottest (which runs the wildboottest package) on the same data,
    clusters, draws and seed."""
    import pyfixest as pf

    twelve = us_panel.subset(ids=list(us_panel.ids[:12]))
    with warnings.catch_warnings():
        warnings.simplefilter("error", FewClustersWarning)  # the bootstrap answers the warning: none
        res = fixed_effects(twelve, "ln_gsp", X, inference="wild", draws=199, seed=5)
    data = twelve.data.reset_index()
    data["cl"] = pd.factorize(data["state"])[0]  # wildboottest's numba kernels need numeric cluster ids
    fit = pf.feols("ln_gsp ~ ln_pcap + ln_pc + ln_emp | state + year", data=data, vcov={"CRV1": "cl"})
    expected = [float(fit.wildboottest(reps=199, param=v, seed=5)["Pr(>|t|)"]) for v in X]
    np.testing.assert_allclose(res.pvalues[X].to_numpy(), expected, rtol=0, atol=1e-12)
    assert not np.allclose(
        res.pvalues[X], fixed_effects(us_panel.subset(ids=list(us_panel.ids[:12])), "ln_gsp", X).pvalues[X]
    )  # not the t(G-1) ones
    assert "wild cluster bootstrap" in str(res.summary())
    assert res.to_frame()["p_value"].equals(res.pvalues.rename("p_value"))


def test_wild_bootstrap_options_are_checked(us_panel):
    with pytest.raises(ModelError, match="one-way clustering"):
        fixed_effects(us_panel, "ln_gsp", X, cluster="twoway", inference="wild")
    with pytest.raises(ModelError, match="'inference' needs to be one of"):
        fixed_effects(us_panel, "ln_gsp", X, inference="bootstrap")
    with pytest.raises(ModelError, match=r"draws must be an integer >= 1 \(e.g. 999\)"):
        fixed_effects(us_panel, "ln_gsp", X, inference="wild", draws=-5)


def test_heterogeneity_groups_offer_the_wild_bootstrap(us_panel):
    """Each group's p-values are those of fixed_effects(..., inference="wild") on that group alone (which
    equal pyfixest's wildboottest, above)."""
    states = list(us_panel.ids)
    first = pd.Series(
        np.where(us_panel.data.index.get_level_values(0).isin(states[:12]), "first", "rest"),
        index=us_panel.data.index,
        name="part",
    )
    panel = us_panel.with_data(first)
    res = heterogeneity(
        panel, "ln_gsp", X, by="part", permutations=0, progress=False, inference="wild", draws=99, seed=2
    )
    alone = fixed_effects(us_panel.subset(ids=states[:12]), "ln_gsp", X, inference="wild", draws=99, seed=2)
    np.testing.assert_allclose(res.groups["first"].pvalues, alone.pvalues, rtol=0, atol=1e-12)
