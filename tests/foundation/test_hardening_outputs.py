"""Issue 19, classes 1, 9 and 14 (CSV/LaTeX): nothing of the user's is lost with --force / overwrite=, no
spreadsheet cell runs as a formula, CSV tables open in Excel on Chinese Windows, LaTeX with CJK says what
it needs."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner
from libpysal.graph import Graph

import spillover as so
from spillover import io
from spillover.cli import main as cli
from spillover.errors import OverwriteError
from spillover.qgis.plugin import PLUGIN_NAME, write_plugin
from spillover.study.outputs import write_tables
from spillover.study.results import StudyTable
from spillover.tables import CJK_LATEX_NOTE, SummaryTable

EXIT_BAD_INPUT = 2  # cli.py: bad input (SpilloverError, OverwriteError) exits 2

STUDY = """\
[study]
title = "forced"
[data]
file = "panel.csv"
id = "state"
time = "year"
[boundaries]
dataset = "us_states"
[variables]
y = "gsp"
x = ["pcap"]
[output]
folder = "{folder}"
"""

HOSTILE = ["=1+2", '=HYPERLINK("http://example.com","x")', "+1+1", "@SUM(1,1)", "-2+3", "\tA", "\rB"]


def _files(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): p.read_text() for p in sorted(folder.rglob("*")) if p.is_file()}


def _project(root: Path, folder: str) -> Path:
    """A study folder as a user keeps it: the study file, its input CSV and notes."""
    proj = root / "proj"
    proj.mkdir()
    data = so.datasets.us_states().data[["gsp", "pcap"]].reset_index()
    data[data["year"] <= 1972].to_csv(proj / "panel.csv", index=False)
    (proj / "notes.md").write_text("three years of thesis notes")
    (proj / "study.toml").write_text(STUDY.format(folder=folder))
    return proj / "study.toml"


# ---------------------------------------------------------------------------------------------- class 1
def test_forced_run_into_the_study_folder_keeps_every_file(tmp_path, monkeypatch):
    study = _project(tmp_path, ".")
    monkeypatch.chdir(tmp_path)  # the study's own folder is protected as an input holder, not as the cwd
    before = _files(study.parent)
    result = CliRunner().invoke(cli, ["run", str(study), "--force"])
    assert result.exit_code == EXIT_BAD_INPUT, result.output
    assert str(study.parent) in result.output and "input" in result.output
    assert _files(study.parent) == before


def test_forced_run_into_an_unrelated_folder_keeps_every_file(tmp_path, monkeypatch):
    study = _project(tmp_path, "../important")
    important = tmp_path / "important"
    (important / "sub").mkdir(parents=True)
    (important / "draft.docx").write_text("chapter 3")
    (important / "sub" / "data.xlsx").write_text("not really a workbook")
    monkeypatch.chdir(tmp_path)
    before = _files(important)
    result = CliRunner().invoke(cli, ["run", str(study), "--force"])
    assert result.exit_code == EXIT_BAD_INPUT, result.output
    assert str(important) in result.output and ".spillover-output" in result.output
    assert _files(important) == before


def test_a_study_never_writes_onto_its_own_inputs(tmp_path, monkeypatch):
    study = _project(tmp_path, "out")
    monkeypatch.chdir(tmp_path)
    for folder in (study.parent, tmp_path):
        io.mark_output_folder(folder, "test")  # even folders marked as spillover's are kept
    for out in (study.parent / "panel.csv", study.parent, tmp_path):  # the input itself, its folder, above
        with pytest.raises(OverwriteError, match="an input of this run"):
            so.study.run(study, out=out, overwrite=True)
    assert (study.parent / "panel.csv").read_text().startswith("state,year")


def test_a_marked_folder_is_replaced_and_an_unmarked_one_is_not(tmp_path):
    target = tmp_path / "results"
    with io.atomic_folder(target, writer="test") as tmp:
        (tmp / "old.txt").write_text("first run")
    marker = (target / io.OUTPUT_MARKER).read_text()
    assert "writer: test" in marker and f"version: {so.__version__}" in marker and "time: " in marker
    with pytest.raises(OverwriteError, match="pass overwrite=True"):
        with io.atomic_folder(target, writer="test"):
            pass
    with io.atomic_folder(target, writer="test", overwrite=True) as tmp:
        (tmp / "new.txt").write_text("second run")
    assert sorted(p.name for p in target.iterdir()) == [io.OUTPUT_MARKER, "new.txt"]
    (target / io.OUTPUT_MARKER).unlink()
    with pytest.raises(OverwriteError, match=f"refusing to replace {target}"):
        with io.atomic_folder(target, writer="test", overwrite=True):
            pass
    assert (target / "new.txt").read_text() == "second run"
    assert [p.name for p in tmp_path.iterdir()] == ["results"]  # no temporary folder left behind


def test_the_current_and_the_home_folder_are_never_replaced(tmp_path, monkeypatch):
    home, work = tmp_path / "home", tmp_path / "work"
    for folder in (home, work):
        folder.mkdir()
        io.mark_output_folder(folder, "test")  # even a folder spillover wrote
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(work)
    for target, what in ((work, "the current folder"), (home, "your home folder")):
        with pytest.raises(OverwriteError, match=what):
            io.check_output_folder(target, overwrite=True)
    io.mark_output_folder(tmp_path, "test")
    with pytest.raises(OverwriteError, match="contains the current folder"):
        io.check_output_folder(tmp_path, overwrite=True)


def test_demo_force_refuses_a_folder_it_did_not_write(tmp_path):
    (tmp_path / "us_states").mkdir()
    (tmp_path / "us_states" / "mine.csv").write_text("a,b\n1,2\n")
    (tmp_path / "thesis.tex").write_text("\\chapter{}")
    before = _files(tmp_path)
    result = CliRunner().invoke(cli, ["demo", "--out", str(tmp_path), "--force"])
    assert result.exit_code == EXIT_BAD_INPUT, result.output
    assert str(tmp_path) in result.output and ".spillover-output" in result.output
    assert _files(tmp_path) == before


def test_qgis_plugin_overwrite_refuses_a_folder_it_did_not_write(tmp_path):
    mine = tmp_path / PLUGIN_NAME
    mine.mkdir()
    (mine / "my_plugin.py").write_text("# my own work")
    result = CliRunner().invoke(cli, ["qgis-plugin", "--out", str(tmp_path), "--overwrite"])
    assert result.exit_code == EXIT_BAD_INPUT, result.output
    assert str(mine) in result.output and (mine / "my_plugin.py").read_text() == "# my own work"
    (mine / "my_plugin.py").unlink()
    mine.rmdir()
    write_plugin(tmp_path)
    (mine / "stale.py").write_text("")
    result = CliRunner().invoke(cli, ["qgis-plugin", "--out", str(tmp_path), "--overwrite"])
    assert result.exit_code == 0, result.output  # spillover wrote it: replaced
    assert not (mine / "stale.py").exists() and (mine / "metadata.txt").is_file()


def test_a_file_writer_never_replaces_a_folder(tmp_path):
    frame = pd.DataFrame({"id": ["a", "b"], "t": [1, 1], "y": [1.0, 2.0]})
    for name in ("panel.csv", "w.gal"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "keep.txt").write_text("keep")
    with pytest.raises(OverwriteError, match="is a folder"):
        io.write_panel(frame, tmp_path / "panel.csv", overwrite=True)
    w = Graph.from_dicts({"a": ["b"], "b": ["a"]})
    with pytest.raises(OverwriteError, match="is a folder"):
        so.weights.save(w, tmp_path / "w.gal", overwrite=True)
    assert (tmp_path / "panel.csv" / "keep.txt").read_text() == "keep"
    assert (tmp_path / "w.gal" / "keep.txt").read_text() == "keep"


def test_dea_out_never_replaces_its_data(tmp_path):
    data = tmp_path / "units.csv"
    units = pd.DataFrame({"unit": ["a", "b", "c"], "x": [1.0, 2.0, 3.0], "y": [1.0, 1.5, 2.0]})
    units.to_csv(data, index=False)
    before = data.read_text()
    result = CliRunner().invoke(
        cli,
        [
            "dea",
            str(data),
            "--id",
            "unit",
            "--inputs",
            "x",
            "--outputs",
            "y",
            "--format",
            "csv",
            "--out",
            str(data),
            "--force",
        ],
    )
    assert result.exit_code == EXIT_BAD_INPUT and "input" in result.output
    assert data.read_text() == before


# ---------------------------------------------------------------------------------------------- class 9
def _no_formulas(path: Path) -> list[list[object]]:
    book = openpyxl.load_workbook(path)
    values = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            assert all(cell.data_type != "f" for cell in row), [(c.coordinate, c.value) for c in row]
            values.append([cell.value for cell in row])
    return values


def _table(index: list[str]) -> StudyTable:
    frame = pd.DataFrame(
        {"estimate": [-1.5] * len(index), "note": HOSTILE[: len(index)]},
        index=pd.Index(index, name="variable"),
    )
    return StudyTable(
        "coefficients", frame, SummaryTable("Coefficients", (frame.astype(str),), notes="notes")
    )


def test_study_tables_hold_no_live_formula(tmp_path):
    table = _table(HOSTILE)
    write_tables({"coefficients": table}, tmp_path, ["csv", "xlsx"])
    rows = _no_formulas(tmp_path / "tables" / "tables.xlsx")
    assert rows[0] == ["variable", "estimate", "note"]
    assert [r[0] for r in rows[1:]] == HOSTILE and [r[2] for r in rows[1:]] == HOSTILE  # the original text
    assert [r[1] for r in rows[1:]] == [-1.5] * len(HOSTILE)  # numbers stay numbers
    with open(tmp_path / "tables" / "coefficients.csv", encoding="utf-8-sig", newline="") as fh:
        raw = list(csv.reader(fh))
    assert raw[0] == ["variable", "estimate", "note"]
    assert [r[0] for r in raw[1:]] == [f"'{h}" for h in HOSTILE]  # OWASP: a leading quote
    assert [r[2] for r in raw[1:]] == [f"'{h}" for h in HOSTILE]
    assert [r[1] for r in raw[1:]] == ["-1.5"] * len(HOSTILE)  # a number, not the text "'-1.5"


def test_panel_and_weights_files_hold_no_live_formula_and_read_back_unchanged(tmp_path):
    ids = ["=1+2", "+1+1", "@SUM(1,1)", "'=quoted", "-1", "Beijing"]
    frame = pd.DataFrame({"id": ids, "year": 2020, "=y": [-1.5, 0.0, 2.0, 3.0, 4.0, 5.0]})
    for name in ("p.xlsx", "p.csv"):
        io.write_panel(frame, tmp_path / name)
        pd.testing.assert_frame_equal(io.read_panel(tmp_path / name), frame)
    rows = _no_formulas(tmp_path / "p.xlsx")
    assert rows[0] == ["id", "year", "=y"] and [r[0] for r in rows[1:]] == ids
    text = (tmp_path / "p.csv").read_text(encoding="utf-8-sig").splitlines()
    assert text[0] == "id,year,'=y"
    assert text[1].startswith("'=1+2,") and text[2].startswith("'+1+1,")
    assert text[3].startswith('"\'@SUM(1,1)",')  # quoted for its comma
    assert text[4].startswith("''=quoted,")  # escaped, so reading it back gives "'=quoted" again
    assert text[5] == "-1,2020,4.0"  # a signed number is a number to Excel: left alone
    w = Graph.from_dicts({i: [j for j in ids if j != i] for i in ids})
    so.weights.save(w, tmp_path / "w.csv")
    header = (tmp_path / "w.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert "'=1+2" in header and "'+1+1" in header
    assert list(so.weights.load(tmp_path / "w.csv").unique_ids) == ids


def test_paper_table_estimates_with_stars_stay_as_they_are():
    # "-0.695***" is a negative coefficient with its stars (tables.compare): data, not a formula; a
    # formula needs letters or a function ("-2+cmd|' /C calc'!A0", "-SUM(1)"), which still get the prefix
    frame = pd.DataFrame({"Queen": ["-0.695***", "(0.149)", "+1.2*", "-2+cmd|' /C calc'!A0", "-SUM(1,1)"]})
    assert io.csv_safe(frame)["Queen"].tolist() == [
        "-0.695***",
        "(0.149)",
        "+1.2*",
        "'-2+cmd|' /C calc'!A0",
        "'-SUM(1,1)",
    ]


def test_cli_csv_output_is_formula_safe(tmp_path):
    data = tmp_path / "units.csv"
    units = pd.DataFrame({"unit": ["=1+2", "b", "c"], "x": [1.0, 2.0, 3.0], "y": [1.0, 1.5, 2.0]})
    units.to_csv(data, index=False)
    result = CliRunner().invoke(
        cli, ["dea", str(data), "--id", "unit", "--inputs", "x", "--outputs", "y", "--format", "csv"]
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1].startswith("'=1+2,")


# ---------------------------------------------------------------------------------------------- class 14
def test_csv_tables_have_a_byte_order_mark_and_read_back(tmp_path):
    frame = pd.DataFrame({"省份": ["北京", "上海"], "年份": [2020, 2020], "产值": [1.5, -2.0]})
    table = StudyTable("t", frame.set_index("省份"), SummaryTable("表", (frame.astype(str),)))
    write_tables({"t": table}, tmp_path, ["csv"])
    path = tmp_path / "tables" / "t.csv"
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel on Chinese Windows reads UTF-8
    pd.testing.assert_frame_equal(io.read_panel(path), frame)
    pd.testing.assert_frame_equal(pd.read_csv(path), frame)  # pandas' default utf-8 also skips the BOM
    io.write_panel(frame, tmp_path / "p.csv")
    assert (tmp_path / "p.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    ids = ["北京", "上海", "天津"]
    so.weights.save(Graph.from_dicts({i: [j for j in ids if j != i] for i in ids}), tmp_path / "w.csv")
    assert (tmp_path / "w.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert list(so.weights.load(tmp_path / "w.csv").unique_ids) == ids


def test_latex_with_cjk_text_names_its_package(tmp_path):
    cjk = SummaryTable("回归结果", (pd.DataFrame({"Main": ["0.5***"]}, index=["人均GDP"]),), notes="注")
    plain = SummaryTable("Results", (pd.DataFrame({"Main": ["0.5***"]}, index=["gdp"]),), notes="notes")
    assert cjk.as_latex().splitlines()[0] == CJK_LATEX_NOTE
    assert CJK_LATEX_NOTE == (
        r"% requires \usepackage{xeCJK} (compile with XeLaTeX) "
        "for the CJK text in this table"
    )
    assert "xeCJK" not in plain.as_latex() and "xeCJK" not in cjk.as_latex(cjk_note=False)
    frame = pd.DataFrame({"x": [1.0]})
    write_tables(
        {"cjk": StudyTable("cjk", frame, cjk), "plain": StudyTable("plain", frame, plain)}, tmp_path, ["tex"]
    )
    tex = (tmp_path / "tables" / "cjk.tex").read_text(encoding="utf-8")
    assert tex.count("xeCJK") == 1 and tex.index(CJK_LATEX_NOTE) < tex.index(r"\begin{table}")
    assert "xeCJK" not in (tmp_path / "tables" / "plain.tex").read_text(encoding="utf-8")
