"""[causal.<name>] study sections: schema checks with their keys, the runner's tables against the API called
directly, the report's sections and figures, and the shipped example study (examples/causal_policy.toml)."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path
from typing import get_args

import pandas as pd
import pytest

import spillover as so
from spillover import causal
from spillover.causal._event import EventControl, EventMethod
from spillover.causal._placebo import PlaceboScheme
from spillover.panel import SpatialPanel
from spillover.study import StudyError, loads, run
from spillover.study import schema as S

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
HEAD = """
[study]
title = "causal"
seed = 5
[data]
file = "causal_policy.csv"
id = "state"
time = "year"
[boundaries]
dataset = "us_states"
[weights.queen]
kind = "contiguity"
[variables]
y = "y"
x = ["treat"]
"""
STUDY = (
    HEAD
    + """
[causal.did]
type = "spatial_did"
treat = "treat"
weights = "queen"
placebo_draws = 3
[causal.rings]
type = "spatial_did"
treat = "treat"
rings_km = [0, 500, 1000]
cluster = "none"
[causal.sdm]
type = "sdm_did"
treat = "treat"
weights = "queen"
bias_correction = "lee-yu"
draws = 50
[causal.event]
type = "event_study"
treat_time = "adopted"
weights = "queen"
window = [-3, 3]
method = "did2s"
placebo_draws = 2
[output]
tables = ["csv"]
geopackage = false
"""
)


def _problems(text: str, tmp_path: Path) -> dict[str, str]:
    shutil.copy(EXAMPLES / "causal_policy.csv", tmp_path)
    with pytest.raises(StudyError) as info:
        loads(HEAD + text, base=tmp_path)
    return {p.key: p.message for p in info.value.problems}


def test_schema_choices_are_the_apis():
    assert S.CAUSAL_TYPES["event_study"]["method"].choices == get_args(EventMethod)
    assert S.CAUSAL_TYPES["spatial_did"]["scheme"].choices == get_args(PlaceboScheme)
    assert S.CAUSAL_TYPES["event_study"]["scheme"].choices == get_args(PlaceboScheme)
    assert S.CAUSAL_TYPES["event_study"]["control"].choices == get_args(EventControl)


def test_a_valid_study_has_its_causal_entries_with_defaults(tmp_path):
    shutil.copy(EXAMPLES / "causal_policy.csv", tmp_path)
    study = loads(STUDY, base=tmp_path)
    assert list(study.causal) == ["did", "rings", "sdm", "event"]
    assert study.causal["rings"]["placebo_draws"] == 0  # default: no placebo
    assert study.causal["sdm"]["fixed_effects"] == "twoway"
    assert study.causal["event"]["window"] == [-3, 3]
    assert study.causal["event"]["control"] == "never"


@pytest.mark.parametrize(
    ("entry", "key", "words"),
    [
        ('type = "spatial_did"\nweights = "queen"', "causal.e.treat", "required key 'treat'"),
        ('type = "spatial_dd"\ntreat = "treat"', "causal.e.type", "did you mean 'spatial_did'"),
        ('type = "spatial_did"\ntreat = "treat"', "causal.e", "exactly one of weights"),
        (
            'type = "spatial_did"\ntreat = "treat"\nweights = "queen"\nrings_km = [0, 5]',
            "causal.e",
            "exactly one of weights",
        ),
        ('type = "spatial_did"\ntreat = "treat"\nrings_km = [50, 10]', "causal.e.rings_km", "increasing"),
        ('type = "spatial_did"\ntreat = "treat"\nrings_km = ["a"]', "causal.e.rings_km", "list of numbers"),
        ('type = "spatial_did"\ntreat = "treated"\nweights = "queen"', "causal.e.treat", "unknown column"),
        ('type = "spatial_did"\ntreat = "treat"\nweights = "rook"', "causal.e.weights", "not defined"),
        ('type = "sdm_did"\ntreat = "treat"', "causal.e.weights", "required key 'weights'"),
        (
            'type = "sdm_did"\ntreat = "treat"\nweights = "queen"\nplacebo_draws = 5',
            "causal.e.placebo_draws",
            "unknown key",
        ),
        ('type = "event_study"\ntreat_time = "adopted"\nwindow = [-1, 3]', "causal.e.window", "lo <= -2"),
        ('type = "event_study"\ntreat_time = "adopted"\nmethod = "cs"', "causal.e.method", "not one of"),
        (
            'type = "event_study"\ntreat_time = "adopted"\nplacebo_draws = -1',
            "causal.e.placebo_draws",
            "out of range",
        ),
        (
            'type = "event_study"\ntreat_time = "adopted"\ncontrols = ["nope"]',
            "causal.e.controls",
            "unknown column",
        ),
    ],
)
def test_schema_errors_name_the_key(tmp_path, entry, key, words):
    problems = _problems(f"[causal.e]\n{entry}\n", tmp_path)
    assert key in problems, problems
    assert words in problems[key]


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    folder = tmp_path_factory.mktemp("causal_study")
    shutil.copy(EXAMPLES / "causal_policy.csv", folder)
    (folder / "study.toml").write_text(STUDY)
    result = run(folder / "study.toml")
    frame = pd.read_csv(folder / "causal_policy.csv")
    panel = SpatialPanel(
        frame, so.datasets.us_states_geometry(), id="state", time="year", geometry_id="state"
    )
    return result, panel, so.weights.contiguity(panel, kind="queen")


def _written(result, name: str) -> pd.DataFrame:
    return pd.read_csv(result.folder / "tables" / f"{name}.csv", encoding="utf-8-sig", index_col=0)


def _same(written: pd.DataFrame, api: pd.DataFrame) -> None:
    api = api.copy()
    api.index = api.index.astype(written.index.dtype)
    pd.testing.assert_frame_equal(written, api, check_dtype=False, check_names=False, rtol=1e-9)


@pytest.mark.slow
def test_the_written_tables_equal_the_api_called_directly(ran):
    # provenance: spillover.causal called directly on the same panel, weights and seed ([study] seed = 5)
    result, panel, w = ran
    did = causal.spatial_did(panel, "y", "treat", w=w)
    _same(_written(result, "causal_did"), did.to_frame())
    _same(_written(result, "causal_did_placebo"), causal.placebo(did, draws=3, seed=5).to_frame())
    rings = causal.spatial_did(panel, "y", "treat", rings_km=[0, 500, 1000], cluster=None)
    _same(_written(result, "causal_rings"), rings.to_frame())
    sdm = causal.sdm_did(panel, "y", "treat", w, bias_correction="lee-yu", draws=50, seed=5)
    _same(_written(result, "causal_sdm"), sdm.to_frame())
    ev = causal.event_study(panel, "y", "adopted", w=w, window=(-3, 3), method="did2s")
    _same(_written(result, "causal_event"), ev.to_frame())
    _same(_written(result, "causal_event_placebo"), causal.placebo(ev, draws=2, seed=5).to_frame())
    assert "causal_rings_placebo" not in result.tables  # placebo_draws = 0: none


@pytest.mark.slow
def test_the_report_has_the_causal_section_tables_and_figures(ran):
    result = ran[0]
    html = (result.folder / "report.html").read_text(encoding="utf-8")
    assert "Causal designs" in html
    assert "naive TWFE" in html and "own treatment effect (direct)" in html
    assert "pre-trend test (all leads zero)" in html
    for title in (
        "event: event-time coefficients of y",
        "did: placebo distribution against the estimate",
        "event: placebo distribution against the estimate",
    ):
        assert title in html
    assert "rings: placebo distribution" not in html
    names = {p.stem for p in result.files["tables"]}
    assert {"causal_did", "causal_rings", "causal_sdm", "causal_event"} <= names


@pytest.mark.slow
def test_the_example_data_are_the_seeded_simulation_and_the_example_study_runs(tmp_path):
    spec = importlib.util.spec_from_file_location("causal_policy", EXAMPLES / "causal_policy.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    written = module.main(tmp_path / "causal_policy.csv")
    pd.testing.assert_frame_equal(pd.read_csv(written), pd.read_csv(EXAMPLES / "causal_policy.csv"))
    shutil.copy(EXAMPLES / "causal_policy.toml", tmp_path)
    result = run(tmp_path / "causal_policy.toml")
    did = _written(result, "causal_did")
    # the simulation's truth (direct 1.0, spillover 0.5) lies in the intervals; the naive TWFE is biased
    assert did.loc["treat", "ci_lower"] < 1.0 < did.loc["treat", "ci_upper"]
    assert did.loc["treat_exposure", "ci_lower"] < 0.5 < did.loc["treat_exposure", "ci_upper"]
    assert not did.loc["treat (naive TWFE)", "ci_lower"] < 1.0
