"""Study-file section [model_choice]: its schema errors (named by key) and its tables, which equal
spillover.spatial.model_probabilities called directly on the same panel and weights."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from spillover import datasets, spatial, study
from spillover import weights as wmod
from spillover.spatial.model_choice import CHOICE_KINDS
from spillover.study import StudyError, loads
from spillover.study import schema as S

HEAD = """\
[study]
title = "model choice wiring"
[data]
dataset = "us_states"
[weights.queen]
kind = "contiguity"
[weights.knn]
kind = "distance"
k = 4
power = 0
[variables]
y = "ln_gsp"
x = ["ln_pcap", "ln_emp"]
"""
STUDY = (
    HEAD
    + """\
[model_choice]
kinds = ["sar", "sem", "sdm"]
x = ["ln_pcap", "ln_emp", "unemp", "ln_pcap:unemp"]
[output]
tables = ["csv"]
geopackage = false
"""
)


def test_schema_choices_are_the_apis():
    assert S.CHOICE_KINDS == CHOICE_KINDS


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    folder = tmp_path_factory.mktemp("model_choice")
    (folder / "study.toml").write_text(STUDY, encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return study.run(folder / "study.toml", out=folder / "out")


def _written(result, name: str) -> pd.DataFrame:
    return pd.read_csv(result.folder / "tables" / f"{name}.csv", encoding="utf-8-sig")


@pytest.mark.slow
def test_the_written_tables_equal_the_api_called_directly(ran):
    # provenance: spatial.model_probabilities called directly on the same panel and weights
    panel = datasets.us_states()
    w = {
        "queen": wmod.from_spec(panel, "contiguity"),
        "knn": wmod.from_spec(panel, "distance", k=4, power=0),
    }
    x = ["ln_pcap", "ln_emp", "unemp", "ln_pcap:unemp"]
    api = spatial.model_probabilities(
        panel, "ln_gsp", x, w, kinds=["sar", "sem", "sdm"], fixed_effects="twoway"
    )
    summary = api.summary()
    names = ("model_choice", "model_choice_probabilities", "model_choice_by_kind", "model_choice_by_w")
    for name, frame in zip(names, summary.tables, strict=True):
        got = _written(ran, name)
        want = frame.reset_index()
        assert list(got.columns) == [str(c) for c in want.columns], name
        for col in want.columns:
            if pd.api.types.is_numeric_dtype(want[col]):
                np.testing.assert_allclose(got[str(col)], want[col], rtol=1e-9, err_msg=name)
            else:
                assert list(got[str(col)]) == list(want[col]), name
    assert np.isclose(_written(ran, "model_choice")["probability"].sum(), 1.0)


@pytest.mark.slow
def test_the_report_has_the_section_and_the_figure(ran):
    html = (ran.folder / "report.html").read_text(encoding="utf-8")
    assert "Which model and which W" in html
    assert "Posterior probabilities of each kind and W" in html
    assert "Probability: kind x W" in html


def _problems(text: str, tmp_path: Path) -> dict[str, str]:
    with pytest.raises(StudyError) as info:
        loads(HEAD + text, base=tmp_path)
    return {p.key: p.message for p in info.value.problems}


@pytest.mark.parametrize(
    ("section", "key", "words"),
    [
        ('kinds = ["sar", "gns"]', "model_choice.kinds", "'gns' is not one of"),
        ('kinds = ["sar", "sar"]', "model_choice.kinds", "more than once"),
        ("kinds = []", "model_choice.kinds", "names no kind"),
        ('weights = ["queen", "rook"]', "model_choice.weights", "rook"),
        ("weights = []", "model_choice.weights", "names no weights"),
        ('fixed_effects = "random"', "model_choice.fixed_effects", "'random' is not one of"),
        ('y = "nope"', "model_choice.y", "nope"),
        ('x = ["ln_pcap:nope"]', "model_choice.x", "nope"),
        ("colour = 1", "model_choice.colour", "unknown key"),
    ],
)
def test_schema_errors_name_the_key(tmp_path, section, key, words):
    problems = _problems(f"[model_choice]\n{section}\n", tmp_path)
    assert key in problems, problems
    assert words in problems[key], problems[key]


def test_every_mistake_is_reported_at_once(tmp_path):
    problems = _problems('[model_choice]\nkinds = ["gns"]\nweights = ["rook"]\ny = "nope"\n', tmp_path)
    assert {"model_choice.kinds", "model_choice.weights", "model_choice.y"} <= set(problems)


def test_without_weights_the_section_asks_for_them(tmp_path):
    text = HEAD.replace('[weights.queen]\nkind = "contiguity"\n', "").replace(
        '[weights.knn]\nkind = "distance"\nk = 4\npower = 0\n', ""
    )
    with pytest.raises(StudyError) as info:
        loads(text + "[model_choice]\n", base=tmp_path)
    assert "define at least one [weights.<name>]" in str(info.value)


def test_defaults_are_all_kinds_and_the_variables(tmp_path):
    s = loads(HEAD + "[model_choice]\n", base=tmp_path)
    spec = s.options("model_choice")
    assert spec["kinds"] == list(CHOICE_KINDS) and spec["fixed_effects"] == "twoway"
    assert "weights" not in spec and "x" not in spec
