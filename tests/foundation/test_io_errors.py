"""Readers and writers fail with a SpilloverError naming the file (or sheet, line, byte, region).

Before: a wrong sheet name, an empty or truncated CSV, a GBK file, an unwritable folder, invalid polygons and
an empty panel escaped as raw pandas/OS errors, were silently NaN-filled, or were not noticed at all.
"""

from __future__ import annotations

import os
import subprocess
import sys
import warnings

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Polygon, box

from spillover import io
from spillover.errors import GeometryWarning, PanelError, SpilloverError
from spillover.panel import SpatialPanel

# Chinese province names as a yearbook CSV has them (GBK-encoded in the file)
GBK_TEXT = "省份,年份,地区生产总值\n北京市,2020,36102.6\n河北省,2020,36206.9\n广东省,2020,110760.9\n"


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame({"region": ["a", "a", "b", "b"], "year": [1, 2, 1, 2], "y": [1.0, 2.0, 3.0, 4.0]})


def test_gbk_csv_needs_and_accepts_its_encoding(tmp_path) -> None:
    path = tmp_path / "yearbook.csv"
    path.write_bytes(GBK_TEXT.encode("gbk"))
    with pytest.raises(SpilloverError, match=r"yearbook.csv is not valid utf-8-sig text .* encoding=.*'gbk'"):
        io.read_panel(path)
    data = io.read_panel(path, encoding="gbk")
    assert data["省份"].tolist() == ["北京市", "河北省", "广东省"]
    assert data["地区生产总值"].iloc[2] == pytest.approx(110760.9)


def test_utf8_with_byte_order_mark_reads_clean_names(tmp_path) -> None:
    path = tmp_path / "excel_export.csv"
    path.write_bytes(GBK_TEXT.encode("utf-8-sig"))
    assert io.read_panel(path).columns[0] == "省份"  # no '\ufeff' glued to the first name


def test_empty_and_truncated_csv(tmp_path, frame) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(SpilloverError, match=r"empty.csv is empty \(0 bytes\)"):
        io.read_panel(empty)
    full = io.write_panel(frame, tmp_path / "full.csv")
    cut = tmp_path / "cut.csv"
    text = full.read_text()
    cut.write_text(text[: text.rindex(",")])  # the last line loses its last field
    with pytest.raises(SpilloverError, match=r"cut.csv looks truncated.*line\(s\) 5 have fewer fields"):
        io.read_panel(cut)
    header_only = tmp_path / "header.csv"
    header_only.write_text("region,year,y\n")
    assert io.read_panel(header_only).empty


def test_wrong_sheet_lists_the_sheets(tmp_path, frame) -> None:
    path = io.write_panel(frame, tmp_path / "book.xlsx")
    with pytest.raises(SpilloverError, match=r"book.xlsx has no sheet 'Data'; its sheets are 'Sheet1'"):
        io.read_panel(path, sheet="Data")
    with pytest.raises(SpilloverError, match="no sheet 3"):
        io.read_panel(path, sheet=3)
    assert io.read_panel(path, sheet="Sheet1").shape == (4, 3)


def test_old_stata_text_is_transcoded(tmp_path) -> None:
    # Stata 13 (format 117) stores bytes in the user's code page; pandas decodes them as Latin-1
    path = tmp_path / "old.dta"
    pd.DataFrame({"code": ["a", "b"], "v": [1.0, 2.0]}).to_stata(path, write_index=False, version=117)
    assert io.read_panel(path, encoding="gbk")["code"].tolist() == ["a", "b"]
    assert io._stata_release(path) == 117


def test_unwritable_folder_names_the_target_not_the_temporary_file(frame) -> None:
    # /sys refuses new files even to root, so this works when the tests run as root
    target = "/sys/spillover_out.csv"
    if not sys.platform.startswith("linux") or not os.path.isdir("/sys"):
        pytest.skip("needs Linux's /sys, a folder nobody can write")
    with pytest.raises(SpilloverError) as info:
        io.write_panel(frame, target)
    message = str(info.value)
    assert message.startswith(f"cannot write {target}:") and "spillover-tmp" not in message


def test_stale_temporaries_of_a_killed_write_are_removed(tmp_path, frame) -> None:
    target = tmp_path / "out.csv"
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    ).stdout.strip()  # a pid that no longer runs
    stale = tmp_path / f".out.csv.spillover-tmp-{dead}-abc123.csv"
    stale.write_text("half a file")
    stale_dir = tmp_path / f".out.csv.spillover-tmp-{dead}-dir1"
    stale_dir.mkdir()
    alive = tmp_path / f".out.csv.spillover-tmp-{os.getppid()}-xyz.csv"  # a running process: keep
    alive.write_text("someone else's write in progress")
    other = tmp_path / f".other.csv.spillover-tmp-{dead}-abc.csv"  # another target: keep
    other.write_text("not ours")
    io.write_panel(frame, target)
    assert not stale.exists() and not stale_dir.exists()
    assert alive.exists() and other.exists() and target.exists()


def _bowtie_frame() -> gpd.GeoDataFrame:
    bowtie = Polygon([(2, 0), (3, 1), (3, 0), (2, 1)])  # self-intersecting ring
    return gpd.GeoDataFrame(
        {"region": ["a", "b", "c"]}, geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), bowtie], crs="EPSG:4326"
    )


def test_self_intersecting_polygons_are_named_when_loaded(tmp_path) -> None:
    path = tmp_path / "regions.gpkg"
    io.write_boundaries(_bowtie_frame(), path)
    with pytest.warns(
        GeometryWarning, match=r"regions.gpkg, rows with invalid geometry: 2 \(Self-intersection"
    ):
        io.read_boundaries(path)
    with warnings.catch_warnings():
        warnings.simplefilter("error", GeometryWarning)
        fixed = io.read_boundaries(path, make_valid=True)
    assert fixed.is_valid.all() and fixed.geometry.iloc[2].area == pytest.approx(0.5)
    with pytest.raises(SpilloverError, match=r"no layer 'x'; its layers are 'regions'"):
        io.read_boundaries(path, layer="x")


def test_self_intersecting_polygons_are_named_when_a_panel_is_built(frame) -> None:
    data = pd.DataFrame({"region": list("abc") * 2, "year": [1] * 3 + [2] * 3, "y": range(6)})
    with pytest.warns(GeometryWarning, match=r"regions with invalid geometry: 'c' \(Self-intersection"):
        panel = SpatialPanel(data, _bowtie_frame(), id="region", time="year")
    with warnings.catch_warnings():
        warnings.simplefilter("error", GeometryWarning)
        panel.subset(periods=[1])  # derived panels do not repeat the warning
        assert SpatialPanel(
            data, _bowtie_frame(), id="region", time="year", make_valid=True
        ).geometry.is_valid.all()


def test_empty_panel_says_the_data_have_no_rows(frame) -> None:
    geo = gpd.GeoDataFrame(
        {"region": [f"r{i}" for i in range(40)]}, geometry=[box(i, 0, i + 1, 1) for i in range(40)]
    )
    with pytest.raises(PanelError, match="^the data have no rows") as info:
        SpatialPanel(frame.iloc[:0], geo, id="region", time="year")
    assert "r3" not in str(info.value)


def test_a_workbook_of_several_sheets_needs_sheet(tmp_path, frame) -> None:
    # before: read_panel silently read the first sheet of a workbook with several
    path = tmp_path / "two.xlsx"
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        frame.to_excel(xl, sheet_name="notes", index=False)
        frame.assign(y=frame["y"] * 10).to_excel(xl, sheet_name="panel", index=False)
    with pytest.raises(SpilloverError, match=r"two.xlsx has 2 sheets \('notes', 'panel'\); .*sheet="):
        io.read_panel(path)
    assert io.read_panel(path, sheet="panel")["y"].tolist() == [10.0, 20.0, 30.0, 40.0]
    assert io.read_panel(path, sheet=1)["y"].tolist() == [10.0, 20.0, 30.0, 40.0]
    one = io.write_panel(frame, tmp_path / "one.xlsx")  # a single sheet is read without sheet=
    assert io.read_panel(one).shape == (4, 3)
