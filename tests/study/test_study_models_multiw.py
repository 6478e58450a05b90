"""[[models]] keys w_x and impacts_at, and [weights.*] by_period = true: the written tables equal
SpatialPanelModel fitted directly with the same weights (w_x=, {period: W} from weights.by_period) and
res.impacts(at=...) with the same draws and seed; the mistakes are reported by key."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from spillover import datasets, spatial, study
from spillover import weights as wmod
from spillover.study import StudyError, loads

SEED, DRAWS = 4, 40
X_INTER = ["ln_pcap", "ln_emp", "unemp", "ln_pcap:unemp"]
HEAD = f"""\
[study]
title = "several and time-varying W"
seed = {SEED}
[data]
dataset = "us_states"
[weights.queen]
kind = "contiguity"
[weights.knn]
kind = "distance"
k = 4
power = 0
[weights.econ]
kind = "economic"
var = "ln_pcap"
by_period = true
span = 2
[variables]
y = "ln_gsp"
x = ["ln_pcap", "ln_emp"]
[impacts]
draws = {DRAWS}
"""
STUDY = (
    HEAD
    + """\
[[models]]
name = "tv"
kind = "sdm"
weights = "econ"
[[models]]
name = "inter"
kind = "sdm"
weights = "queen"
fixed_effects = "unit"
x = ["ln_pcap", "ln_emp", "unemp", "ln_pcap:unemp"]
impacts_at = { unemp = [4, 8] }
[[models]]
name = "wx"
kind = "sdm"
weights = "queen"
w_x = "knn"
[tests]
lr = false
[output]
tables = ["csv"]
geopackage = false
"""
)


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    folder = tmp_path_factory.mktemp("multiw")
    (folder / "study.toml").write_text(STUDY, encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return study.run(folder / "study.toml", out=folder / "out")


def _written(result, name: str) -> pd.DataFrame:
    return pd.read_csv(result.folder / "tables" / f"{name}.csv", encoding="utf-8-sig")


def _same_numbers(written: pd.DataFrame, api: pd.DataFrame) -> None:
    want = api.reset_index()
    assert len(written) == len(want)
    for col in want.columns:
        if pd.api.types.is_numeric_dtype(want[col]) and not pd.api.types.is_bool_dtype(want[col]):
            np.testing.assert_allclose(written[str(col)], want[col].astype(float), rtol=1e-8, err_msg=col)
        else:
            assert [str(v) for v in written[str(col)]] == [str(v) for v in want[col]], col


@pytest.mark.slow
def test_the_tables_equal_the_api_called_directly(ran):
    # provenance: SpatialPanelModel fitted directly with the same weights, draws and seed
    panel = datasets.us_states()
    queen = wmod.from_spec(panel, "contiguity")
    knn = wmod.from_spec(panel, "distance", k=4, power=0)
    econ = wmod.by_period(panel, "ln_pcap", kind="economic", span=2)
    inter = spatial.SpatialPanelModel(panel, "ln_gsp", X_INTER, queen, kind="sdm", fixed_effects="unit").fit()
    _same_numbers(_written(ran, "effects_inter"), inter.impacts(draws=DRAWS, seed=SEED, at={"unemp": [4, 8]}))
    tv = spatial.SpatialPanelModel(
        panel, "ln_gsp", ["ln_pcap", "ln_emp"], econ, kind="sdm", fixed_effects="twoway"
    ).fit()
    _same_numbers(_written(ran, "effects_tv"), tv.impacts(draws=DRAWS, seed=SEED))
    wx = spatial.SpatialPanelModel(
        panel, "ln_gsp", ["ln_pcap", "ln_emp"], queen, kind="sdm", w_x=knn, fixed_effects="twoway"
    ).fit()
    _same_numbers(_written(ran, "effects_wx"), wx.impacts(draws=DRAWS, seed=SEED))
    assert not np.allclose(tv.params.to_numpy(), wx.params.to_numpy())  # the weights did reach the models
    html = (ran.folder / "report.html").read_text(encoding="utf-8")
    assert "weights econ (by period)" in html and "queen, knn for W x" in html
    assert "Effects of inter at unemp = [4, 8]" in html
    assert "queen (W x: knn)" in html  # the comparison across weights names w_x
    # tv comes first but its per-region spillovers raise (not defined for one W): the study ran, so the
    # spillovers went to the first model with one W
    assert _written(ran, "weights").set_index("weights").loc["econ", "by_period"] == "17 periods"


def _problems(text: str, tmp_path: Path) -> dict[str, str]:
    with pytest.raises(StudyError) as info:
        loads(HEAD + text, base=tmp_path)
    return {p.key: p.message for p in info.value.problems}


@pytest.mark.parametrize(
    ("model", "key", "words"),
    [
        ('w_x = "rook"', "models[0].w_x", "rook"),
        ('kind = "sar"\nw_x = "knn"', "models[0].w_x", "kind 'sar' has none"),
        ("impacts_at = { unemp = 4 }", "models[0].impacts_at.unemp", "no factor of an interaction"),
        (
            'x = ["ln_pcap", "ln_pcap:unemp"]\nimpacts_at = { unemp = "median" }',
            "models[0].impacts_at.unemp",
            '"quantiles"',
        ),
        ('x = ["ln_pcap", "ln_pcap:unemp"]\nw_x = "knn"', "models[0].x", "need one weights matrix"),
        ('x = ["ln_pcap", "ln_pcap:unemp"]\nweights = "econ"', "models[0].x", "need one weights matrix"),
        ('x = ["ln_pcap:nope"]', "models[0].x", "nope"),
    ],
)
def test_model_mistakes_name_the_key(tmp_path, model, key, words):
    weights = "" if "weights" in model else 'weights = "queen"\n'
    problems = _problems(f"[[models]]\n{weights}{model}\n", tmp_path)
    assert key in problems, problems
    assert words in problems[key], problems[key]


def test_by_period_mistakes_name_the_key(tmp_path):
    text = HEAD.replace("span = 2\n", "span = 2\nwindow = [1970, 1975]\n").replace(
        '[weights.queen]\nkind = "contiguity"\n', '[weights.queen]\nkind = "contiguity"\nspan = 2\n'
    )
    with pytest.raises(StudyError) as info:
        loads(text, base=tmp_path)
    problems = {p.key: p.message for p in info.value.problems}
    assert "give span, not window" in problems["weights.econ.window"]
    assert "unknown key" in problems["weights.queen.span"]  # span belongs to economic and nested weights
    text = HEAD.replace('var = "ln_pcap"\nby_period = true\n', 'var = "ln_pcap"\n')
    with pytest.raises(StudyError) as info:
        loads(text, base=tmp_path)
    assert "span applies to by_period" in str(info.value)


@pytest.mark.slow
def test_time_varying_results_refuse_effects_at_a_moderator():
    from spillover.errors import ModelError

    panel = datasets.us_states()
    econ = wmod.by_period(panel, "ln_pcap", kind="economic")
    res = spatial.SpatialPanelModel(
        panel, "ln_gsp", ["ln_pcap"], econ, kind="sar", fixed_effects="unit"
    ).fit()
    with pytest.raises(ModelError, match="one weights matrix"):
        res.impacts(draws=10, at={"unemp": 4})


def test_a_mapped_model_needs_one_w(tmp_path):
    problems = _problems('[[models]]\nweights = "econ"\nname = "tv"\n[maps]\nmodel = "tv"\n', tmp_path)
    assert "one weights matrix" in problems["maps.model"]
