"""The `spillover` command: each command through click's CliRunner, JSON output and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from spillover import datasets, study
from spillover.cli import main

BAD_STUDY = (
    '[study]\ntitle = "t"\n[data]\ndataset = "us_states"\n[variables]\ny = "ln_gsp"\nx = ["nope"]\n'
    '[[models]]\nweights = "w"\n'
)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """The US states as a panel CSV and a boundary GeoPackage; the rice farms as a CSV."""
    folder = tmp_path_factory.mktemp("cli")
    panel = datasets.us_states()
    panel.data.reset_index().to_csv(folder / "states.csv", index=False)
    panel.geometry.reset_index().to_file(folder / "states.gpkg", driver="GPKG", engine="pyogrio")
    datasets.rice_farms().to_csv(folder / "rice.csv", index=False)
    return folder


def _invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_init_writes_a_study_that_runs_as_is(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert _invoke("init").exit_code == 0
    assert (tmp_path / "study.toml").is_file()
    assert _invoke("init").exit_code == 2  # not overwritten without --force
    result = _invoke("run", "study.toml", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["ok"] and payload["files"]["report"][0].endswith("study-results/report.html")
    assert set(payload["models"]) == {"sdm_twoway_queen", "sdm_twoway_invdist"}
    again = _invoke("run", "study.toml")  # the folder exists now
    assert again.exit_code == 2 and "--force" in again.stderr


def test_a_bad_study_exits_2_and_lists_every_problem_as_json(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(BAD_STUDY)
    result = _invoke("run", str(path), "--json")
    assert result.exit_code == 2
    problems = json.loads(result.stdout)["problems"]
    assert {(p["key"], p["line"]) for p in problems} == {("variables.x", 7), ("models[0].weights", 9)}
    text = _invoke("run", str(path))
    assert text.exit_code == 2 and "line 7: variables.x: unknown column 'nope'" in text.stderr


def test_an_internal_error_exits_1(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(study, "run", broken)
    path = tmp_path / "s.toml"
    path.write_text("")
    result = _invoke("run", str(path))
    assert result.exit_code == 1 and "internal error (RuntimeError: boom)" in result.stderr


def test_describe_reports_balance(files):
    result = _invoke("describe", str(files / "states.csv"), "--id", "state", "--time", "year", "--json")
    info = json.loads(result.stdout)
    assert result.exit_code == 0 and info["regions"] == 48 and info["periods"] == 17 and info["balanced"]
    bad = _invoke("describe", str(files / "states.csv"), "--id", "province", "--time", "year")
    assert bad.exit_code == 2 and "'province'" in bad.stderr


def test_weights_builds_and_saves(files, tmp_path):
    out = tmp_path / "queen.gal"
    result = _invoke(
        "weights",
        str(files / "states.gpkg"),
        "--id",
        "abbr",
        "--kind",
        "queen",
        "--transform",
        "none",
        "--out",
        str(out),
    )
    assert result.exit_code == 0 and out.is_file()
    assert "48 regions, 214 links" in result.output  # states48.gal has 214 queen links
    assert (
        _invoke(
            "weights", str(files / "states.gpkg"), "--id", "abbr", "--transform", "none", "--out", str(out)
        ).exit_code
        == 2
    )  # exists
    spaces = _invoke(
        "weights",
        str(files / "states.gpkg"),
        "--id",
        "state",
        "--transform",
        "none",
        "--out",
        str(tmp_path / "s.gal"),
    )
    assert spaces.exit_code == 2 and "'New York'" in spaces.stderr  # GAL cannot hold ids with spaces


def test_moran_prints_one_row_per_year(files):
    result = _invoke(
        "moran",
        str(files / "states.csv"),
        "--id",
        "state",
        "--time",
        "year",
        "--var",
        "ln_gsp",
        "--boundaries",
        str(files / "states.gpkg"),
        "--permutations",
        "99",
        "--json",
    )
    rows = json.loads(result.stdout)["moran"]
    assert result.exit_code == 0 and len(rows) == 17 and all(r["I"] > 0 for r in rows)


def test_dea_and_malmquist_write_deap_text_or_csv(files, tmp_path):
    rice = files / "rice.csv"
    one_year = tmp_path / "rice1990.csv"
    import pandas as pd

    pd.read_csv(rice).query("year == 1990").to_csv(one_year, index=False)
    dea = _invoke(
        "dea",
        str(one_year),
        "--id",
        "farm",
        "--inputs",
        "area,labor,npk,other",
        "--outputs",
        "prod",
        "--rts",
        "vrs",
    )
    assert dea.exit_code == 0 and "EFFICIENCY SUMMARY" in dea.output.upper()
    out = tmp_path / "m.csv"
    mq = _invoke(
        "malmquist",
        str(rice),
        "--id",
        "farm",
        "--time",
        "year",
        "--inputs",
        "area,labor,npk,other",
        "--outputs",
        "prod",
        "--format",
        "csv",
        "--out",
        str(out),
    )
    assert mq.exit_code == 0
    assert {"effch", "techch", "tfpch"} <= set(pd.read_csv(out).columns)
    text = _invoke(
        "malmquist",
        str(rice),
        "--id",
        "farm",
        "--time",
        "year",
        "--inputs",
        "area,labor,npk,other",
        "--outputs",
        "prod",
    )
    assert "MALMQUIST INDEX SUMMARY" in text.output.upper()


def test_python_dash_m_spillover_is_the_command():
    result = subprocess.run(
        [sys.executable, "-m", "spillover", "--help"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0
    for command in ("run", "init", "describe", "weights", "moran", "dea", "malmquist", "demo"):
        assert f"  {command} " in result.stdout
    assert "Warning" not in result.stderr


# ---------------------------------------------------------------------- the contract (issue 19, class 12)
def _json(result) -> dict:
    payload = json.loads(result.stdout)
    assert payload["ok"] is False and payload["error"]
    return payload


@pytest.mark.parametrize(
    "command",
    [
        ["dea", "rice.csv", "--inputs", "area,nosuch", "--outputs", "prod"],
        ["dea", "rice.csv", "--id", "nosuch", "--inputs", "area", "--outputs", "prod"],
        [
            "malmquist",
            "rice.csv",
            "--id",
            "farm",
            "--time",
            "year",
            "--inputs",
            "area,nosuch",
            "--outputs",
            "prod",
        ],
        ["describe", "rice.csv", "--id", "nosuch", "--time", "year"],
        [
            "moran",
            "states.csv",
            "--id",
            "state",
            "--time",
            "year",
            "--var",
            "ln_gsp,nosuch",
            "--boundaries",
            "states.gpkg",
        ],
    ],
)
def test_an_unknown_column_exits_2_naming_it_and_the_columns(files, command):
    # before: `dea --inputs k,nosuch` raised pandas' KeyError, reported as an internal error (exit 1)
    args = [str(files / a) if a.endswith((".csv", ".gpkg")) else a for a in command]
    text = _invoke(*args)
    assert text.exit_code == 2, text.output
    assert "'nosuch' not in the file" in text.stderr and "its columns are" in text.stderr
    assert "internal error" not in text.stderr
    if command[0] != "dea" and command[0] != "malmquist":
        args.append("--json")
        assert "'nosuch'" in _json(_invoke(*args))["error"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["describe", "{rice}", "--id", "farm"], "Missing option '--time'"),
        (["weights", "{gpkg}", "--id", "abbr", "--kind", "bogus", "--out", "w.gal"], "'bogus' is not one of"),
        (
            [
                "moran",
                "{states}",
                "--id",
                "state",
                "--time",
                "year",
                "--var",
                "y",
                "--boundaries",
                "{gpkg}",
                "--permutations",
                "many",
            ],
            "'many' is not a valid integer",
        ),
        (
            [
                "moran",
                "{states}",
                "--id",
                "state",
                "--time",
                "year",
                "--var",
                "y",
                "--boundaries",
                "{gpkg}",
                "--permutations",
                "-5",
            ],
            "-5 is not in the range x>=0",
        ),
        (["describe", "{rice}", "--id", "farm", "--time", "year", "--bogus"], "No such option '--bogus'"),
        (["nosuch"], "No such command 'nosuch'"),
    ],
)
def test_usage_errors_exit_2_and_follow_json(files, args, message):
    # before: click printed its usage text to stderr even with --json (stdout empty, not JSON)
    paths = {"rice": files / "rice.csv", "states": files / "states.csv", "gpkg": files / "states.gpkg"}
    args = [a.format(**paths) for a in args]
    text = _invoke(*args)
    assert text.exit_code == 2 and message in text.stderr and "Usage:" in text.stderr
    as_json = _invoke(*args, "--json")
    assert as_json.exit_code == 2 and message in _json(as_json)["error"]


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["weights", "{gpkg}", "--id", "abbr", "--kind", "distance", "--k", "0", "--out", "{out}"],
            "0 is not in the range x>=1",
        ),
        (
            ["weights", "{gpkg}", "--id", "abbr", "--kind", "distance", "--band", "0", "--out", "{out}"],
            "0.0 is not in the range x>0",
        ),
        (
            ["weights", "{gpkg}", "--id", "abbr", "--kind", "distance", "--power", "-1", "--out", "{out}"],
            "-1.0 is not in the range x>=0",
        ),
        (
            [
                "moran",
                "{states}",
                "--id",
                "state",
                "--time",
                "year",
                "--var",
                "ln_gsp",
                "--boundaries",
                "{gpkg}",
                "--seed",
                "-1",
            ],
            "-1 is not in the range x>=0",
        ),
    ],
)
def test_numbers_out_of_range_are_refused_before_anything_runs(files, tmp_path, args, message):
    paths = {"states": files / "states.csv", "gpkg": files / "states.gpkg", "out": tmp_path / "w.gal"}
    result = _invoke(*[a.format(**paths) for a in args])
    assert result.exit_code == 2 and message in result.stderr
    assert not (tmp_path / "w.gal").exists()


def test_ctrl_c_exits_130_with_a_message_or_json(tmp_path, monkeypatch):
    # before: click turned KeyboardInterrupt into "Aborted!" and exit 1, the code of an internal error
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(study, "run", interrupted)
    path = tmp_path / "s.toml"
    path.write_text("")
    text = _invoke("run", str(path))
    assert text.exit_code == 130 and "interrupted (Ctrl-C)" in text.stderr
    as_json = _invoke("run", str(path), "--json")
    assert as_json.exit_code == 130 and "interrupted" in _json(as_json)["error"]


def test_sheet_encoding_and_normalize_reach_every_panel_reader(tmp_path):
    from io import StringIO

    import pandas as pd

    # three provinces in three aliases (Chinese, Chinese, romanised); one input, one output
    frame = pd.DataFrame(
        {"省份": ["北京市", "广东省", "Nei Mongol"], "x": [1.0, 2.0, 4.0], "y": [1.0, 2.0, 2.0]}
    )
    book = tmp_path / "book.xlsx"
    with pd.ExcelWriter(book, engine="openpyxl") as xl:
        pd.DataFrame({"note": ["read me"]}).to_excel(xl, sheet_name="notes", index=False)
        frame.to_excel(xl, sheet_name="panel", index=False)
    dea_args = ["dea", str(book), "--id", "省份", "--inputs", "x", "--outputs", "y", "--format", "csv"]
    several = _invoke(*dea_args)
    assert several.exit_code == 2 and "2 sheets ('notes', 'panel')" in several.stderr
    for sheet in ("panel", "1"):  # by name or 0-based position
        ok = _invoke(*dea_args, "--sheet", sheet, "--normalize")
        assert ok.exit_code == 0, ok.output
        scores = pd.read_csv(StringIO(ok.stdout), index_col=0)
        # CRS, one input, one output: efficiency = (y/x) / max(y/x) = [1, 1, 0.5] (hand computation)
        assert scores.index.tolist() == ["Beijing", "Guangdong", "Inner Mongolia"]
        assert scores.iloc[:, 0].tolist() == pytest.approx([1.0, 1.0, 0.5])
    csv = tmp_path / "gbk.csv"
    csv.write_bytes(frame.to_csv(index=False).encode("gbk"))
    described = _invoke("describe", str(csv), "--id", "省份", "--time", "x", "--encoding", "gbk", "--json")
    assert described.exit_code == 0 and json.loads(described.stdout)["regions"] == 3
    assert _invoke("describe", str(csv), "--id", "省份", "--time", "x").exit_code == 2  # not UTF-8
    no_id = _invoke("dea", str(csv), "--encoding", "gbk", "--normalize", "--inputs", "x", "--outputs", "y")
    assert no_id.exit_code == 2 and "--normalize" in no_id.stderr
