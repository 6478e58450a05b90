"""`spillover disparity dagum|theil|kde|markov|convergence`: --json equals the API, bad input exits 2."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from spillover import datasets, disparity
from spillover.cli import main
from spillover.errors import SmallSampleBiasWarning


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """The simulated China panel as a CSV (its region4 grouping lives in the shipped boundaries)."""
    folder = tmp_path_factory.mktemp("cli_disparity")
    panel = datasets.china_simulated()
    panel.data.reset_index().to_csv(folder / "china.csv", index=False)
    return folder


@pytest.fixture(scope="module")
def china():
    return datasets.china_simulated()


def _json(files, *args: str) -> dict:
    base = ["disparity", args[0], str(files / "china.csv"), "--id", "province", "--time", "year"]
    result = CliRunner().invoke(main, [*base, *args[1:], "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # warnings go to stderr


def _equal(tables: list, summary) -> None:
    """Every table of the JSON equals the Summary's table of the API, number for number."""
    assert len(tables) == len(summary.tables)
    for records, frame in zip(tables, summary.tables):
        got = pd.DataFrame.from_records(records)
        numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
        np.testing.assert_allclose(
            got[[str(c) for c in numeric]].to_numpy(float), frame[numeric].to_numpy(float), rtol=1e-9
        )


def test_dagum_json_equals_the_api(files, china):
    out = _json(
        files, "dagum", "--var", "gdp_pc", "--boundaries", "china_provinces", "--draws", "9", "--seed", "4"
    )
    # the API on the same panel and seed (region4 of the shipped boundaries)
    with pytest.warns(SmallSampleBiasWarning, match="Northeast"):
        expected = disparity.dagum_gini(china, "gdp_pc", "region4", draws=9, seed=4).summary()
    _equal(out["results"]["gdp_pc"]["tables"], expected)


def test_theil_kde_markov_json_equal_the_api(files, china):
    out = _json(files, "theil", "--var", "gdp_pc", "--boundaries", "china_provinces", "--weights", "emp")
    _equal(
        out["results"]["gdp_pc"]["tables"],
        disparity.theil(china, "gdp_pc", "region4", weights="emp").summary(),
    )
    out = _json(files, "kde", "--var", "gdp_pc,fdi", "--relative")
    for var in ("gdp_pc", "fdi"):
        _equal(out["results"][var]["tables"], disparity.kernel_density(china, var, relative=True).summary())
    out = _json(files, "markov", "--var", "gdp_pc", "--k", "3", "--per-period")
    _equal(out["results"]["gdp_pc"]["tables"], disparity.markov(china, "gdp_pc", k=3, fixed=False).summary())


def test_convergence_json_equals_the_api(files, china):
    out = _json(files, "convergence", "--var", "gdp_pc", "--kind", "beta", "--controls", "gov")
    expected = disparity.convergence(china, "gdp_pc", "beta", controls=["gov"]).summary()
    _equal(out["results"]["gdp_pc"]["tables"], expected)
    out = _json(files, "convergence", "--var", "gdp_pc")  # sigma by default
    _equal(out["results"]["gdp_pc"]["tables"], disparity.convergence(china, "gdp_pc", "sigma").summary())


def test_text_output_is_the_summary_and_out_writes_a_file(files, china, tmp_path):
    args = ["disparity", "markov", str(files / "china.csv"), "--id", "province", "--time", "year"]
    result = CliRunner().invoke(main, [*args, "--var", "gdp_pc"], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.stdout.strip() == str(disparity.markov(china, "gdp_pc").summary()).strip()
    target = tmp_path / "markov.txt"
    CliRunner().invoke(main, [*args, "--var", "gdp_pc", "--out", str(target)], catch_exceptions=False)
    assert target.read_text(encoding="utf-8").strip() == result.stdout.strip()
    again = CliRunner().invoke(main, [*args, "--var", "gdp_pc", "--out", str(target)])
    assert again.exit_code == 2 and "exists" in again.output  # --force replaces it


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["theil", "--var", "gdp_pc"], "--boundaries china_provinces"),  # region4 needs the boundaries
        (["dagum", "--var", "gdp_pc", "--by", "nope", "--boundaries", "china_provinces"], "'nope'"),
        (["kde", "--var", "gdp"], "--var: column(s) 'gdp' not in the file"),
        (["convergence", "--var", "gdp_pc", "--kind", "spatial_beta"], "--boundaries or --weights-file"),
        (["convergence", "--var", "gdp_pc", "--kind", "beta", "--controls", "nope"], "--controls"),
        (["markov", "--var", "gdp_pc", "--k", "1"], "--k"),
        (["dagum", "--var", "gdp_pc", "--boundaries", "china_provinces", "--draws", "1"], "draws must be 0"),
        (["convergence", "--var", "gdp_pc", "--kind", "gamma"], "gamma"),
    ],
)
def test_bad_input_exits_2_with_a_message(files, args, message):
    base = ["disparity", args[0], str(files / "china.csv"), "--id", "province", "--time", "year"]
    result = CliRunner().invoke(main, [*base, *args[1:], "--json"])
    assert result.exit_code == 2, result.output
    payload = json.loads(result.stdout)
    assert payload["ok"] is False and message in payload["error"]
