"""`spillover hotspots`: --json equals spillover.esda called directly, bad input exits 2."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from spillover import datasets, esda
from spillover import weights as wmod
from spillover.cli import main


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli_hotspots")
    datasets.china_simulated().data.reset_index().to_csv(folder / "china.csv", index=False)
    return folder


@pytest.fixture(scope="module")
def china():
    panel = datasets.china_simulated()
    return panel, wmod.contiguity(panel, kind="queen")


def _invoke(files, *args: str):
    base = ["hotspots", str(files / "china.csv"), "--id", "province", "--time", "year"]
    return CliRunner().invoke(main, [*base, *args, "--json"], catch_exceptions=False)


def test_gi_star_json_equals_the_api(files, china):
    panel, w = china
    result = _invoke(
        files, "--var", "gdp_pc", "--boundaries", "china_provinces", "--permutations", "49", "--seed", "3"
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)["results"]["gdp_pc"]
    # reference: spillover.esda.getis_ord on the same panel, queen weights, period (the last) and seed
    api = esda.getis_ord(panel, "gdp_pc", w, panel.periods[-1], permutations=49, seed=3)
    got = pd.DataFrame.from_records(out["regions"])
    frame = api.to_frame()
    np.testing.assert_allclose(got["z_norm"], frame["z_norm"], rtol=1e-9)
    np.testing.assert_allclose(got["p_sim"], frame["p_sim"], rtol=1e-9)
    assert got["cluster"].tolist() == frame["cluster"].tolist()
    assert out["counts"] == {str(k): int(v) for k, v in api.counts().items()}


@pytest.mark.slow
def test_local_geary_period_and_emerging_equal_the_api(files, china):
    panel, w = china
    period = panel.periods[2]
    result = _invoke(
        files,
        "--var",
        "gdp_pc",
        "--boundaries",
        "china_provinces",
        "--statistic",
        "local_geary",
        "--period",
        str(period),
        "--permutations",
        "19",
        "--fdr",
        "--emerging",
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)["results"]["gdp_pc"]
    # references: spillover.esda.local_geary and emerging_hotspots called directly (seed 0, the default)
    api = esda.local_geary(panel, "gdp_pc", w, period, permutations=19, seed=0, fdr=True)
    got = pd.DataFrame.from_records(out["regions"])
    np.testing.assert_allclose(got["statistic"], api.to_frame()["statistic"], rtol=1e-9)
    assert got["cluster"].tolist() == api.to_frame()["cluster"].tolist()
    em = esda.emerging_hotspots(panel, "gdp_pc", w, permutations=19, seed=0)
    assert out["emerging"]["counts"] == {str(k): int(v) for k, v in em.counts().items()}


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--var", "nope", "--boundaries", "china_provinces"], "nope"),
        (["--var", "gdp_pc", "--boundaries", "china_provinces", "--period", "1900"], "1900"),
        (["--var", "gdp_pc", "--boundaries", "china_provinces", "--statistic", "moran"], "moran"),
        (["--var", "gdp_pc"], "--boundaries"),
    ],
)
def test_bad_input_exits_2(files, args, words):
    result = _invoke(files, *args)
    assert result.exit_code == 2, result.output
    out = json.loads(result.stdout)
    assert out["ok"] is False and words in out["error"]
