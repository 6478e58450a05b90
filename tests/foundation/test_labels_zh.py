"""The one translation table (spillover._labels): every English label the report and the tables can write
has a Chinese entry, and the entries are Chinese.

Provenance: the expected Chinese wording is the one of Chinese economics journals' regression tables (变量,
系数, 标准误 in parentheses, 直接效应/间接效应/总效应, 观测值, 地区/时间固定效应 是/否, R², 对数似然值 and the
note "注：***、**、* 分别表示在1%、5%、10%的水平上显著，括号内为标准误"); the English labels are collected from
spillover's own sources below, so a new label without a translation fails here.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from spillover import _labels
from spillover.errors import SpilloverError
from spillover.options import Language, choices
from spillover.regions import has_cjk
from spillover.summary import COLUMNS, P_SIM

SRC = Path(_labels.__file__).parent
#: symbols that are the Chinese label themselves (journals print R², σ², φ)
_SYMBOLS = {"R²", "σ²", "φ"}


def test_language_option_is_checked():
    assert tuple(choices(Language)) == ("en", "zh") == _labels.LANGUAGES
    with pytest.raises(SpilloverError, match="'language' needs to be one of \\['en', 'zh'\\]; 'fr'"):
        _labels.check_language("fr")


@pytest.mark.parametrize("table", [_labels.ZH, _labels.ZH_CELLS], ids=["labels", "cells"])
def test_every_entry_of_the_table_is_chinese(table):
    # walk the label table: each English label has a non-empty Chinese label with Chinese characters
    assert table
    for english, zh in table.items():
        assert zh and zh != english, english
        assert has_cjk(zh) or zh in _SYMBOLS, (english, zh)
        assert _labels.label(english, "en") == english  # English stays as written


def _literal_keys(func: ast.AST) -> set[str]:
    """String keys of dict displays and of ``rows["..."] = ...`` assignments inside ``func``."""
    keys: set[str] = set()
    for node in ast.walk(func):
        if isinstance(node, ast.Dict):
            keys |= {k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)}
        stored = isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store)
        if stored and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
            keys.add(node.slice.value)
    return keys


def _statistics_row_labels() -> set[str]:
    """The fixed row labels of every table protocol (``table_statistics``), the IV diagnostics rows and the
    panel-model header, read from the sources of the analysis packages."""
    names = {"table_statistics", "_table_rows", "_header"}
    labels: set[str] = set()
    for path in SRC.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name in names:
                labels |= _literal_keys(node)
    return labels


def test_statistics_rows_of_every_table_have_chinese_labels():
    labels = _statistics_row_labels()
    assert {"N", "R2", "Region FE", "Period FE", "Log-likelihood", "KP rk Wald F"} <= labels  # found
    labels -= {"bc", "percentile"}  # keys of the mediation's lookup of its CI method's name, not rows
    missing = sorted(lab for lab in labels if _labels.label(lab, "zh") == lab)
    assert not missing, f"no Chinese label for {missing}: add them to spillover._labels"


def test_columns_of_paper_and_result_tables_have_chinese_labels():
    from spillover.spatial._summary import _COLUMNS

    for lab in [*_COLUMNS, *COLUMNS, P_SIM, "statistic", "df", "p_value", "null", "note", "const", "rho"]:
        assert has_cjk(_labels.label(lab, "zh")), lab


def test_report_headings_have_chinese_labels():
    # every section heading the study steps write (ctx.section("id", "Heading")) and the template's words
    step_files = [SRC / "study" / "runner.py", *sorted((SRC / "study").glob("_*_steps.py"))]
    headings = {
        m.group(1)
        for path in step_files
        for m in re.finditer(r'ctx\.section\(\s*"\w+",\s*"([^"]+)"\)', path.read_text(encoding="utf-8"))
    }
    assert {"Data", "Spatial panel models", "Direct, indirect and total effects"} <= headings
    template = (SRC / "study" / "templates" / "report.html.j2").read_text(encoding="utf-8")
    words = set(re.findall(r'\{\{ "([^"]+)" \| tr \}\}', template))
    assert {"Notes and warnings", "Software", "Study file"} <= words
    missing = sorted(h for h in headings | words if not has_cjk(_labels.text(h, "zh")))
    assert not missing, f"no Chinese heading for {missing}"
    # nothing English left on the template's own lines once its words go through the table
    body = template.split("<body>")[1]
    bare = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|<[^>]+>|&\w+;", " ", body)
    assert set(re.findall(r"\b[A-Za-z]{3,}\b", bare)) <= {"spillover", "regions", "gpkg", "tables"}  # names


@pytest.mark.parametrize(
    ("english", "zh"),
    [
        ("W*ln_pcap", "W×ln_pcap"),  # the variable keeps its name
        ("Threshold 2", "门槛值 2"),
        ("F double (p)", "双重门槛 F 统计量（p 值）"),
        ("BC 95% CI of a*b", "a*b 的 95% 置信区间（BC）"),
        ("ln_gsp", "ln_gsp"),
        ("人均GDP", "人均GDP"),
    ],
)
def test_labels_with_names_and_numbers(english, zh):
    assert _labels.label(english, "zh") == zh


def test_notes_and_titles_are_translated_sentence_by_sentence():
    note = (
        "Notes: standard errors in parentheses; * p<0.1, ** p<0.05, *** p<0.01. Effects: stars from the "
        "simulated quantile intervals (a star level when the two-sided interval of the 200 draws excludes 0), "
        "not from the standard deviation."
    )
    zh = _labels.text(note, "zh")
    assert zh.startswith("注：***、**、* 分别表示在1%、5%、10%的水平上显著，括号内为标准误。")
    assert "200 次模拟抽样" in zh and "Effects" not in zh
    assert _labels.text("Notes: z statistics in parentheses; * p<0.05.", "zh") == (
        "注：* 分别表示在5%的水平上显著，括号内为 z 统计量。"
    )
    title = "m: SDM of ln_gsp, twoway fixed effects (direct approach); N = 48, T = 17; weights queen"
    assert _labels.text(title, "zh") == (
        "m: ln_gsp 的 SDM 估计，双向固定效应（直接法）；N = 48，T = 17；空间权重矩阵：queen"
    )
    assert _labels.text("An unknown sentence.", "zh") == "An unknown sentence."
