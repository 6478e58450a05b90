"""One shared layer for the study runner, the CLI and QGIS (issue 20, item 6).

* one boundary/GeoPackage writer, :func:`spillover.io.write_boundaries`, that never modifies the caller's
  frame; the study runner's ``regions.gpkg`` and :func:`spillover.qgis.write_geopackage` go through it;
* every default of a study file is declared once, in :mod:`spillover.study.schema`, and validation fills it
  in (also for sections the file leaves out); the runner reads no default of its own.
"""

from __future__ import annotations

import ast
import sqlite3
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely

from spillover import io
from spillover.errors import OverwriteError
from spillover.study import outputs, validate
from spillover.study import schema as S

SRC = Path(__file__).resolve().parents[2] / "src" / "spillover"


def _frame() -> gpd.GeoDataFrame:
    """Awkward attributes: a column of mixed Python objects (the study writes it as text), a nullable
    integer, text with a missing value, a non-default index and attrs."""
    frame = gpd.GeoDataFrame(
        {
            "region": ["a", "b", None],
            "mixed": pd.Series([1, "x", 2.5], dtype=object),
            "count": pd.array([1, None, 3], dtype="Int64"),
            "value": [0.5, 1.5, 2.5],
        },
        geometry=[shapely.box(i, 0, i + 1, 1) for i in range(3)],
        crs="EPSG:4326",
    )
    frame.attrs["source"] = "test"
    return frame


def _assert_unchanged(after: pd.DataFrame, before: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(after, before, check_exact=True)  # values, dtypes, index
    assert list(after.columns) == list(before.columns)
    assert after.dtypes.tolist() == before.dtypes.tolist()
    assert after.attrs == before.attrs
    assert after.geometry.name == before.geometry.name and after.crs == before.crs


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson", ".shp"])
def test_write_boundaries_leaves_the_callers_frame_unchanged(tmp_path, suffix):
    frame = _frame().drop(columns="mixed")  # OGR has no field type for mixed objects
    before = frame.copy(deep=True)
    before.attrs = dict(frame.attrs)
    io.write_boundaries(frame, tmp_path / f"regions{suffix}")
    _assert_unchanged(frame, before)


def test_study_geopackage_leaves_the_region_layer_unchanged(tmp_path):
    # before: outputs.write_geopackage converted the caller's object columns to text in place
    layer = _frame()
    before = layer.copy(deep=True)
    before.attrs = dict(layer.attrs)
    target = outputs.write_geopackage(layer, tmp_path / "regions.gpkg")
    _assert_unchanged(layer, before)
    back = pyogrio.read_dataframe(target, layer="regions")
    assert back["mixed"].tolist() == ["1", "x", "2.5"]  # str() of each object, as before
    assert back["value"].tolist() == [0.5, 1.5, 2.5]
    with sqlite3.connect(target) as con:  # GeoPackage 1.2: user_version 10200 (OGC 12-128r15, 1.2.1)
        assert con.execute("PRAGMA user_version").fetchone()[0] == 10200


def test_study_geopackage_goes_through_the_io_writer(tmp_path, monkeypatch):
    calls = []
    real = io.write_boundaries

    def spy(frame, path, **kwargs):
        calls.append((Path(path).name, kwargs))
        return real(frame, path, **kwargs)

    monkeypatch.setattr(io, "write_boundaries", spy)
    outputs.write_geopackage(_frame(), tmp_path / "regions.gpkg")
    assert calls == [("regions.gpkg", {"layer": "regions"})]


class _FakeLayer:
    """Stands in for a QgsVectorLayer: only its name is read here, its features by layer_to_frame."""

    def name(self) -> str:
        return "provinces"


def test_qgis_write_geopackage_goes_through_the_io_writer(tmp_path, monkeypatch):
    from spillover.qgis import convert

    calls = []
    real = io.write_boundaries

    def spy(frame, path, **kwargs):
        calls.append((type(frame).__name__, Path(path).name, kwargs))
        return real(frame, path, **kwargs)

    monkeypatch.setattr(io, "write_boundaries", spy)
    read = _frame().drop(columns="mixed").rename_axis("feature_id")
    monkeypatch.setattr(convert, "layer_to_frame", lambda layer: read)
    target = convert.write_geopackage(_FakeLayer(), tmp_path / "out.gpkg")
    assert calls == [("GeoDataFrame", "out.gpkg", {"layer": "provinces", "overwrite": False})]
    assert pyogrio.read_dataframe(target, layer="provinces")["region"].tolist()[:2] == ["a", "b"]
    with pytest.raises(OverwriteError, match="exists"):
        convert.write_geopackage(_FakeLayer(), target)

    frame = _frame().drop(columns="mixed")  # a GeoDataFrame is written as it is, and left unchanged
    before = frame.copy(deep=True)
    before.attrs = dict(frame.attrs)
    convert.write_geopackage(frame, tmp_path / "frame.gpkg")
    _assert_unchanged(frame, before)
    assert calls[-1] == ("GeoDataFrame", "frame.gpkg", {"layer": "frame", "overwrite": False})


def test_only_io_writes_boundary_files():
    # every .to_file / pyogrio.write_dataframe call of the package lies in io.py (the one writer)
    found = []
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in (
                "to_file",
                "write_dataframe",
                "writeAsVectorFormatV3",
            ):
                found.append(path.relative_to(SRC).as_posix())
    assert set(found) == {"io.py"}, found


# ---------------------------------------------------------------------- study defaults: the schema's only
MINIMAL = [
    "[study]",
    'title = "t"',
    "[variables]",
    'y = "ln_gsp"',
    'x = ["ln_pcap", "ln_emp"]',
    "[data]",
    'dataset = "us_states"',
    "[weights.queen]",
    'kind = "contiguity"',
]


def _defaults(fields):
    return {k: f.default for k, f in fields.items() if f.default is not None}


@pytest.mark.parametrize("empty_sections", [False, True])
def test_validation_applies_every_schema_default(empty_sections):
    # with the section absent, and with it present but empty: the same defaults, straight from the schema
    extra = (
        [f"[{name}]" for name in ("moran", "lm", "tests", "impacts", "maps", "output")]
        if empty_sections
        else []
    )
    study = validate.loads("\n".join(MINIMAL + extra))
    for name, fields in S.SECTIONS.items():
        assert _defaults(fields).items() <= study.options(name).items(), name
    assert study.options("output")["tables"] is not S.SECTIONS["output"]["tables"].default  # a copy


def _patch_default(monkeypatch, section, key, value):
    import dataclasses

    monkeypatch.setitem(
        S.SECTIONS[section], key, dataclasses.replace(S.SECTIONS[section][key], default=value)
    )


def test_runner_reads_the_output_defaults_from_the_schema(monkeypatch):
    from spillover.study import runner

    _patch_default(monkeypatch, "output", "figure_format", "svg")
    _patch_default(monkeypatch, "output", "dpi", 72)
    seen = []

    def data(ctx):
        seen.append((ctx.figure_format, ctx.dpi))
        return "ok"

    monkeypatch.setattr(runner, "STEPS", [runner.Step("data", "Data", data, lambda s: True)])
    monkeypatch.setattr(runner, "_describe_variables", lambda ctx: None)
    runner.compute(validate.loads("\n".join(MINIMAL)))
    assert seen == [("svg", 72)]  # before: the runner's own "png" and 110


class _SDM:
    def wald_test(self, kind):
        raise AssertionError("a Wald test was run although the schema's default says no")


def _tests_context():
    from spillover.study import runner

    ctx = runner._Context(validate.loads("\n".join(MINIMAL)), "png", 110)  # no [tests] section
    ctx.panel = object()
    ctx.models = {"m": _SDM()}
    ctx.specs = {
        "m": validate.ModelSpec("m", "sdm", "twoway", "queen", "none", "ln_gsp", ("ln_pcap",), None, 0)
    }
    return ctx


def test_runner_reads_the_test_defaults_from_the_schema(monkeypatch):
    from spillover.study import runner

    with pytest.raises(AssertionError, match="Wald test was run"):  # the schema says wald = true
        runner._tests(_tests_context())
    _patch_default(monkeypatch, "tests", "wald", False)
    _patch_default(monkeypatch, "tests", "lr", False)
    assert runner._tests(_tests_context()) == "none requested"  # before: the runner's own True won


def test_the_runner_repeats_no_schema_default():
    # the study package reads sections through Study.options; no `.get(key, <literal>)` fallback remains for
    # a key whose default the schema declares
    keys = {k for fields in S.SECTIONS.values() for k, f in fields.items() if f.default is not None}
    found = []
    for path in (SRC / "study").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "get"
                and len(node.args) == 2
                and isinstance(node.args[0], ast.Constant)
                and node.args[0].value in keys
                and path.name != "validate.py"
            ):
                found.append(f"{path.name}:{node.lineno} {node.args[0].value}")
    assert not found, found
