"""A study file is checked completely before anything is computed: every mistake, with key and line."""

from __future__ import annotations

import textwrap

import pytest

from spillover.study import StudyError, example_path, load, loads
from spillover.study.locate import key_lines

GOOD = """\
[study]
title = "t"

[data]
dataset = "us_states"

[weights.queen]
kind = "contiguity"

[variables]
y = "ln_gsp"
x = ["ln_pcap", "ln_pc"]

[[models]]
kind = ["sar", "sdm"]
weights = "queen"
"""


def _problems(text: str, tmp_path=None) -> list:
    with pytest.raises(StudyError) as info:
        loads(textwrap.dedent(text), base=tmp_path or ".")
    return info.value.problems


def test_a_good_file_expands_models_and_fills_defaults():
    study = loads(GOOD)
    assert [m.name for m in study.models] == ["sar_twoway_queen", "sdm_twoway_queen"]
    assert study.models[0].x == ("ln_pcap", "ln_pc")
    assert study.weights["queen"]["criterion"] == "queen"  # default filled in
    assert study.seed == 0


def test_several_mistakes_are_all_reported_with_key_and_line(tmp_path):
    text = """\
    [study]
    title = "t"
    sed = 3

    [data]
    dataset = "us_states"

    [weights.queen]
    kind = "contiguty"

    [weights.d]
    kind = "file"
    path = "missing.gal"

    [variables]
    y = "ln_gsp"
    x = ["ln_pcap", "ln_pcc"]

    [[models]]
    kind = "sdm"
    weights = ["queen", "nested"]
    """
    problems = {(p.key, p.line): p.message for p in _problems(text, tmp_path)}
    assert "did you mean 'seed'" in problems[("study.sed", 3)]
    assert "unknown weights kind 'contiguty'" in problems[("weights.queen.kind", 9)]
    assert "did you mean 'contiguity'" in problems[("weights.queen.kind", 9)]
    assert "no such file" in problems[("weights.d.path", 13)]
    assert "unknown column 'ln_pcc'" in problems[("variables.x", 17)]
    assert "did you mean 'ln_pc'" in problems[("variables.x", 17)]
    assert "weights 'nested' are not defined" in problems[("models[0].weights", 21)]
    assert len(problems) == 5


def test_the_error_message_lists_every_problem_with_its_line():
    with pytest.raises(StudyError) as info:
        loads('[study]\ntitle = 1\n[data]\ndataset = "us_states"\n[variables]\ny = "nope"\nx = []\n')
    text = str(info.value)
    assert "2 problem(s); nothing was computed" in text
    assert "line 2: study.title: expected text" in text
    assert "line 6: variables.y: unknown column 'nope'" in text


def test_a_missing_panel_file_and_bad_choice_are_reported(tmp_path):
    problems = _problems(
        """\
    [study]
    title = "t"
    [data]
    file = "nowhere.csv"
    id = "r"
    time = "t"
    [boundaries]
    dataset = "china_provinces"
    [variables]
    y = "y"
    x = ["x"]
    [[models]]
    kind = "sdn"
    fixed_effects = "both"
    """,
        tmp_path,
    )
    by_key = {p.key: p for p in problems}
    assert "no such file" in by_key["data.file"].message and by_key["data.file"].line == 4
    assert "'sdn' is not one of" in by_key["models[0].kind"].message
    assert "did you mean 'sdm'" in by_key["models[0].kind"].message
    assert by_key["models[0].fixed_effects"].line == 14


def test_columns_of_a_gbk_file_are_read_with_its_encoding(tmp_path):
    (tmp_path / "p.csv").write_bytes("省份,年份,产值\n北京,2020,1.0\n".encode("gbk"))
    base = (
        '[study]\ntitle = "t"\n[data]\nfile = "p.csv"\nid = "省份"\ntime = "年份"\n{enc}'
        '[boundaries]\ndataset = "china_provinces"\n[variables]\ny = "产值"\nx = []\n'
    )
    problems = _problems(base.format(enc=""), tmp_path)
    assert "encoding" in problems[0].message and problems[0].key == "data.file"
    study = loads(base.format(enc='encoding = "gbk"\n'), base=tmp_path)
    assert study.y == "产值"


def test_truth_must_name_a_model_and_its_parameters():
    problems = _problems(
        GOOD + '[truth]\nmodel = "sdm_twoway_queen"\nparams = { rho = 0.3, "W*ln_pcc" = 1 }\n'
    )
    assert [p.key for p in problems] == ['truth.params."W*ln_pcc"']
    assert "did you mean 'W*ln_pc'" in problems[0].message


def test_maps_and_panel_models_are_checked_like_the_rest():
    text = (
        GOOD + '[maps]\nspillover = ["ln_pcap", "unemp"]\nscheme = "quantile"\n'
        '[panel_models.fe]\ntype = "fixed_effects"\nx = ["ln_pc", "ln_emq"]\ncluster = "state"\n'
    )
    problems = {p.key: p.message for p in _problems(text)}
    assert "'unemp' is not a regressor of the mapped model" in problems["maps.spillover"]
    assert "did you mean 'quantiles'" in problems["maps.scheme"]
    assert "unknown column 'ln_emq'" in problems["panel_models.fe.x"]
    assert "'state' is not one of" in problems["panel_models.fe.cluster"]


def test_invalid_toml_gives_its_line():
    problems = _problems('[study]\ntitle = "t"\nseed = = 1\n')
    assert problems[0].line == 3 and "not valid TOML" in problems[0].message


def test_key_lines_follow_tables_arrays_and_inline_tables():
    text = '[a]\nx = 1\n[[m]]\nk = 2\n[[m]]\nk = 3\n[a.b]\nd = { p = 1, "q r" = 2 }\n'
    lines = key_lines(text)
    assert lines[("a", "x")] == 2 and lines[("m", 0, "k")] == 4 and lines[("m", 1, "k")] == 6
    assert lines[("a", "b", "d", "q r")] == 8


@pytest.mark.parametrize("name", ["us_states", "china_simulated", "init"])
def test_shipped_study_files_are_valid(name):
    study = load(example_path(name))
    assert study.models


def test_every_number_out_of_range_is_reported_together():
    # before: negative permutations/draws/k/dpi passed validation and failed later, one per run
    text = (
        GOOD.replace('title = "t"', 'title = "t"\nseed = -1')
        + """\
[weights.near]
kind = "distance"
k = 0
power = -1
[weights.mix]
kind = "nested"
var = "ln_pc"
phi = 1.5
[moran]
permutations = -5
alpha = 1.0
lisa_periods = []
[impacts]
draws = -10
[maps]
k = 1
[output]
dpi = 0
"""
    )
    by_key = {p.key: p.message for p in _problems(text)}
    assert set(by_key) == {
        "study.seed",
        "weights.near.k",
        "weights.near.power",
        "weights.mix.phi",
        "moran.permutations",
        "moran.alpha",
        "moran.lisa_periods",
        "impacts.draws",
        "maps.k",
        "output.dpi",
    }
    assert by_key["moran.permutations"].startswith("-5 is out of range: permutations must be at least 1")
    assert "must be strictly between 0 and 1" in by_key["moran.alpha"]
    assert "must be in [0, 1]" in by_key["weights.mix.phi"]
    assert "must be at least 2" in by_key["impacts.draws"] and "must be at least 2" in by_key["maps.k"]
    assert "no periods given" in by_key["moran.lisa_periods"]


def test_non_finite_numbers_are_refused():
    problems = _problems(GOOD + '[weights.near]\nkind = "distance"\nband = inf\npower = nan\n')
    assert {p.key: p.message for p in problems} == {
        "weights.near.band": "expected a finite number, got inf",
        "weights.near.power": "expected a finite number, got nan",
    }


def test_keys_a_shipped_dataset_would_ignore_are_reported(tmp_path):
    # before: [boundaries] id (and the other keys below) were silently ignored with shipped data
    (tmp_path / "p.csv").write_text("province,year,y,x\nBeijing,2020,1,2\n")
    by_key = {
        p.key: (p.line, p.message)
        for p in _problems(
            """\
    [study]
    title = "t"
    [data]
    file = "p.csv"
    id = "province"
    time = "year"
    seed = 4
    [boundaries]
    dataset = "china_provinces"
    id = "name"
    [variables]
    y = "y"
    x = ["x"]
    """,
            tmp_path,
        )
    }
    assert set(by_key) == {"data.seed", "boundaries.id"}
    line, message = by_key["boundaries.id"]
    assert line == 10 and "not used with boundaries.dataset" in message
    shipped = GOOD.replace('dataset = "us_states"', 'dataset = "us_states"\nencoding = "gbk"\nseed = 1')
    problems = _problems(shipped + '[boundaries]\ndataset = "us_states"\n')
    assert {p.key for p in problems} == {"data.encoding", "data.seed", "boundaries"}
