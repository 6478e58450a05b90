"""`spillover causal did|event-study`: --json equals spillover.causal called directly; --out; bad input exits 2."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import spillover as so
from spillover import causal
from spillover.cli import main
from spillover.panel import SpatialPanel

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """The simulated policy panel (examples/), the US boundaries and their queen weights as files; the API's
    panel and weights."""
    folder = tmp_path_factory.mktemp("cli_causal")
    shutil.copy(EXAMPLES / "causal_policy.csv", folder)
    geo = so.datasets.us_states_geometry()
    geo.reset_index(drop=True).to_file(folder / "us.gpkg", driver="GPKG", engine="pyogrio")
    panel = SpatialPanel(
        pd.read_csv(folder / "causal_policy.csv"), geo, id="state", time="year", geometry_id="state"
    )
    w = so.weights.contiguity(panel, kind="queen")
    so.weights.save(w, folder / "w.csv")
    return folder, panel, w


def _invoke(folder: Path, *args: str):
    common = ["causal_policy.csv", "--id", "state", "--time", "year", "--y", "y", "--boundaries", "us.gpkg"]
    with CliRunner().isolated_filesystem(temp_dir=folder) as here:
        for name in ("causal_policy.csv", "us.gpkg", "w.csv"):
            shutil.copy(folder / name, here)
        result = CliRunner().invoke(main, ["causal", args[0], *common, *args[1:]], catch_exceptions=False)
        return result, Path(here)


def _records_equal(records: list[dict], frame: pd.DataFrame) -> None:
    got = pd.DataFrame(records).set_index(frame.index.name or "index")
    for col in frame.columns:
        if pd.api.types.is_numeric_dtype(frame[col]) and not pd.api.types.is_bool_dtype(frame[col]):
            np.testing.assert_allclose(got[col].astype(float), frame[col].astype(float), rtol=1e-12)
        else:
            assert list(got[col]) == list(frame[col])
    assert list(got.index) == list(frame.index)


@pytest.mark.slow
def test_did_json_equals_the_api_with_its_placebo(files):
    folder, panel, w = files
    result, _ = _invoke(
        folder, "did", "--treat", "treat", "--w", "w.csv", "--placebo", "3", "--seed", "4", "--json"
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    # provenance: spillover.causal called directly on the same panel and weights
    did = causal.spatial_did(panel, "y", "treat", w=w)
    _records_equal(payload["estimates"], did.to_frame())
    _records_equal(payload["placebo"], causal.placebo(did, draws=3, seed=4).to_frame())


def test_did_rings_writes_the_estimates_and_refuses_to_overwrite(files):
    folder, panel, _ = files
    args = ("did", "--treat", "treat", "--rings-km", "0,500,1000", "--out", "did.csv")
    result, here = _invoke(folder, *args)
    assert result.exit_code == 0, result.output
    assert "Spatial difference-in-differences" in result.stdout and "naive TWFE" in result.stdout
    written = pd.read_csv(here / "did.csv", encoding="utf-8-sig", index_col=0)
    api = causal.spatial_did(panel, "y", "treat", rings_km=[0, 500, 1000]).to_frame()
    pd.testing.assert_frame_equal(written, api, check_names=False, rtol=1e-9)
    shutil.copy(here / "did.csv", folder / "did.csv")
    again = CliRunner().invoke(
        main,
        ["causal", "did", str(folder / "causal_policy.csv"), "--id", "state", "--time", "year", "--y", "y"]
        + ["--boundaries", str(folder / "us.gpkg"), "--treat", "treat", "--rings-km", "0,500"]
        + ["--out", str(folder / "did.csv")],
    )
    assert again.exit_code == 2 and "--force" in again.stderr


def test_event_study_json_equals_the_api_with_the_pretrend_test(files):
    folder, panel, w = files
    result, _ = _invoke(
        folder,
        "event-study",
        "--treat-time",
        "adopted",
        "--w",
        "w.csv",
        "--window=-3,2",
        "--method",
        "twfe",
        "--json",
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    # provenance: spillover.causal.event_study called directly
    ev = causal.event_study(panel, "y", "adopted", w=w, window=(-3, 2), method="twfe")
    _records_equal(payload["estimates"], ev.to_frame())
    assert ev.pretrend is not None
    assert payload["pretrend"]["statistic"] == pytest.approx(ev.pretrend.statistic, rel=1e-10)


def test_event_study_callaway_santanna_json_equals_the_api(files):
    pytest.importorskip("diff_diff")
    folder, panel, _ = files
    args = (
        "--treat-time",
        "adopted",
        "--window=-3,2",
        "--method",
        "callaway_santanna",
        "--control",
        "notyet",
    )
    result, _ = _invoke(folder, "event-study", *args, "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    # provenance: spillover.causal.event_study called directly
    ev = causal.event_study(
        panel, "y", "adopted", window=(-3, 2), method="callaway_santanna", control="notyet"
    )
    _records_equal(payload["estimates"], ev.to_frame())
    assert payload["pretrend"]["statistic"] == pytest.approx(ev.pretrend.statistic, rel=1e-10)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("did", "--treat", "treat"), "--w WEIGHTS_FILE or --rings-km"),
        (("did", "--treat", "treat", "--rings-km", "0,a"), "distances in km"),
        (
            ("did", "--treat", "treated", "--rings-km", "0,500"),
            "--treat: column(s) 'treated' not in the file",
        ),
        (("did", "--treat", "treat", "--rings-km", "0,500", "--controls", "nope"), "--controls: column(s)"),
        (("event-study", "--treat-time", "adopted", "--window", "4"), "two integers lo,hi"),
        (("event-study", "--treat-time", "adopted", "--window=-1,3"), "lo <= -2"),
        (("event-study", "--treat-time", "adopted", "--method", "cs"), "'cs' is not one of"),
        (("event-study", "--treat-time", "adopted", "--placebo", "-1"), "--placebo"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(files, args, words):
    result, _ = _invoke(files[0], *args)
    assert result.exit_code == 2, result.output
    assert words in result.stderr


def test_bad_input_as_json(files):
    result, _ = _invoke(files[0], "did", "--treat", "treat", "--json")
    assert result.exit_code == 2
    assert json.loads(result.stdout) == {
        "ok": False,
        "error": "give exactly one exposure: --w WEIGHTS_FILE or --rings-km (e.g. 0,50,100).",
    }
