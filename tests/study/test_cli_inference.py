"""`spillover threshold` and `spillover model-choice`: --json equals the API called directly; bad input exits 2
with the option named; an existing --out file is refused naming --force (not the API's overwrite=True)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from spillover import datasets, panel_models, spatial
from spillover import weights as wmod
from spillover.cli import main

COMMON = ["us.csv", "--id", "state", "--time", "year", "--y", "ln_gsp"]
THRESHOLD = ["threshold", *COMMON, "--x", "ln_emp", "--q", "unemp", "--regime", "ln_pcap"]
CHOICE = ["model-choice", *COMMON, "--x", "ln_pcap,ln_emp", "--boundaries", "us_states"]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli_inference")
    panel = datasets.us_states()
    panel.data.reset_index().to_csv(folder / "us.csv", index=False)
    wmod.save(wmod.from_spec(panel, "distance", k=4, power=0), folder / "knn.csv")
    return folder


def _invoke(folder: Path, *args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False, env={"PWD": str(folder)})


@pytest.fixture
def here(folder, monkeypatch):
    monkeypatch.chdir(folder)
    return folder


def _records_equal(records: list[dict], frame: pd.DataFrame) -> None:
    got = pd.DataFrame(records)
    want = frame.reset_index()
    assert list(got.columns) == [str(c) for c in want.columns]
    for col in want.columns:
        if pd.api.types.is_numeric_dtype(want[col]):
            np.testing.assert_allclose(got[str(col)].astype(float), want[col].astype(float), rtol=1e-12)
        else:
            assert list(got[str(col)]) == list(want[col])


def test_threshold_json_equals_the_api(here):
    result = _invoke(here, *THRESHOLD, "--draws", "5", "--seed", "2", "--n-thresholds", "2", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    # provenance: panel_models.threshold called directly on the same panel and seed
    panel = datasets.us_states()
    api = panel_models.threshold(
        panel, "ln_gsp", ["ln_emp"], "unemp", "ln_pcap", n_thresholds=2, draws=5, seed=2
    )
    _records_equal(payload["estimates"], api.to_frame())
    _records_equal(payload["thresholds"], api.thresholds)
    _records_equal(payload["tests"], api.tests)
    assert payload["ok"] is True and payload["summary"]["header"]


def test_threshold_text_and_out_refused_with_force_named(here):
    out = here / "th.txt"
    out.unlink(missing_ok=True)
    result = _invoke(here, *THRESHOLD, "--draws", "0", "--out", "th.txt")
    assert result.exit_code == 0, result.output
    assert "threshold" in out.read_text(encoding="utf-8").lower()
    again = _invoke(here, *THRESHOLD, "--draws", "0", "--out", "th.txt")
    assert again.exit_code == 2
    assert "pass --force to replace it" in again.stderr and "overwrite=True" not in again.stderr
    forced = _invoke(here, *THRESHOLD, "--draws", "0", "--out", "th.txt", "--force")
    assert forced.exit_code == 0, forced.output


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--q", "nope"], "--q: column(s) 'nope' not in the file"),
        (["--regime", "ln_pcap,nope"], "--regime: column(s) 'nope'"),
        (["--draws", "1"], "--draws 1 gives no test"),
        (["--n-thresholds", "4"], "--n-thresholds"),
        (["--trim", "0.5"], "--trim"),
    ],
)
def test_threshold_bad_input_exits_2(here, args, words):
    result = _invoke(here, *THRESHOLD, "--draws", "0", *args)
    assert result.exit_code == 2, result.output
    assert words in result.output


def test_model_choice_json_equals_the_api(here):
    result = _invoke(here, *CHOICE, "--weights-file", "knn.csv", "--kinds", "sar,sem,sdm", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    # provenance: spatial.model_probabilities called directly on the same panel and weights file
    panel = datasets.us_states()
    w = {"knn": wmod.load(here / "knn.csv", ids=panel)}
    api = spatial.model_probabilities(
        panel, "ln_gsp", ["ln_pcap", "ln_emp"], w, kinds=["sar", "sem", "sdm"], fixed_effects="twoway"
    )
    _records_equal(payload["probabilities"], api.to_frame())
    _records_equal(payload["by_kind"], api.by_kind.to_frame("probability"))
    _records_equal(payload["by_w"], api.by_w.to_frame("probability"))
    assert payload["best"] == list(api.best)


def test_model_choice_defaults_to_queen_contiguity(here):
    result = _invoke(here, *CHOICE, "--kinds", "sar,sem")
    assert result.exit_code == 0, result.output
    assert "Posterior model probabilities" in result.stdout and "queen" in result.stdout


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--kinds", "sar,gns"], "give kinds among slx, sar, sem, sdm, sdem"),
        (["--x", "ln_pcap:nope"], "--x: column(s) 'nope'"),
        (["--fixed-effects", "random"], "--fixed-effects"),
    ],
)
def test_model_choice_bad_input_exits_2(here, args, words):
    result = _invoke(here, *CHOICE, *args)
    assert result.exit_code == 2, result.output
    assert words in result.output


def test_model_choice_bad_input_as_json(here):
    result = _invoke(here, *CHOICE, "--y", "nope", "--json")
    assert result.exit_code == 2
    payload = json.loads(result.stdout)
    assert payload["ok"] is False and "--y" in payload["error"]


def test_weights_out_refused_with_force_named(here):
    datasets.us_states_geometry().reset_index(drop=True).to_file(here / "us.gpkg", engine="pyogrio")
    (here / "w.gal").write_text("exists", encoding="utf-8")
    result = _invoke(here, "weights", "us.gpkg", "--id", "state", "--out", "w.gal")
    assert result.exit_code == 2
    assert "pass --force to replace it" in result.stderr and "overwrite=True" not in result.stderr
