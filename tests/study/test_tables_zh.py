"""Tables in Chinese (``language="zh"`` of spillover.tables.summary/compare): Chinese headings, statistics
rows and note as Chinese journals print them; the variables keep their names and every number is the one of
the English table.

Provenance: the expected numbers are the English table's own cells (same fit, same draws); the expected
words are the entries of spillover._labels (checked against the journals' wording in
tests/foundation/test_labels_zh.py).
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from spillover import _labels
from spillover.errors import ModelError
from spillover.panel_models import fixed_effects
from spillover.spatial.model import SpatialPanelModel
from spillover.summary import Summary, translate
from spillover.tables import compare, summary

X = ["ln_pcap", "ln_emp"]
NOTE = "注：***、**、* 分别表示在1%、5%、10%的水平上显著，括号内为标准误。"


@pytest.fixture(scope="module")
def fits(us_panel, us_w):
    sdm = SpatialPanelModel(
        us_panel, "ln_gsp", X, us_w, kind="sdm", fixed_effects="twoway", bias_correction="lee-yu"
    ).fit()
    fe = fixed_effects(us_panel, "ln_gsp", X, fixed_effects="twoway", cluster="unit")
    return sdm, fe


def _same_cells(en: Summary, zh: Summary) -> None:
    """The zh table holds the English cells, Yes/No and the like translated, nothing else changed."""
    a, b = en.frame.to_numpy(dtype=object), zh.frame.to_numpy(dtype=object)
    assert a.shape == b.shape
    expected = np.vectorize(lambda v: _labels.cell(v, "zh"), otypes=[object])(a)
    assert (expected == b).all()
    numbers = [v for v in a.ravel() if re.search(r"\d", str(v))]
    assert numbers and all(v in b.ravel() for v in numbers)


def test_summary_in_chinese_keeps_variables_and_numbers(fits):
    sdm, _ = fits
    en = summary(sdm, draws=50, seed=1)
    zh = summary(sdm, draws=50, seed=1, language="zh")
    assert list(zh.frame.columns) == ["系数", "空间滞后项 W×x", "直接效应", "间接效应", "总效应"]
    labels = list(zh.frame.index)
    assert labels[:2] == ["ln_pcap", ""] and "ln_emp" in labels  # variables keep their names
    assert {"空间自回归系数 ρ", "σ²", "观测值", "R²", "对数似然值"} <= set(labels)
    assert zh.corner == "变量" and en.corner == ""
    assert zh.notes.startswith(NOTE) and "ln_gsp 的 SDM 估计" in zh.title
    _same_cells(en, zh)
    assert zh.frame.iloc[labels.index("ln_emp")]["系数"] == f"{sdm.params['ln_emp']:.3f}***"
    html, text, tex = zh.as_html(), zh.as_text(), zh.as_latex()
    assert "<th>变量</th><th>系数</th>" in html and NOTE in html
    assert text.splitlines()[2].startswith("变量") and "观测值" in text
    assert tex.startswith("% requires \\usepackage{xeCJK}") and "变量 & 系数" in tex


def test_text_columns_line_up_with_chinese_labels(fits):
    sdm, _ = fits
    lines = summary(sdm, draws=0, language="zh").as_text().splitlines()
    rules = [i for i, line in enumerate(lines) if set(line) == {"-"}]
    body = lines[rules[1] + 1 : rules[2]]
    width = len(lines[rules[0]])
    # display width: a Chinese character takes two columns, so every row is as wide as the rule
    assert all(len(r) + sum(1 for ch in r if ord(ch) > 0x2E80) == width for r in body)


def test_compare_in_chinese(fits):
    sdm, fe = fits
    en = compare([fe, sdm], ["FE", "SDM"])
    zh = compare([fe, sdm], ["FE", "SDM"], language="zh")
    labels = list(zh.frame.index)
    assert labels[:8] == ["ln_pcap", "", "ln_emp", "", "W×ln_pcap", "", "W×ln_emp", ""]
    assert {"地区固定效应", "时间固定效应", "聚类层级", "观测值", "组内 R²"} <= set(labels)
    assert list(zh.frame.columns) == ["FE", "SDM"]  # names given by the user are kept
    assert zh.frame.loc["地区固定效应", "FE"] == "是" and zh.frame.loc["时间固定效应", "FE"] == "是"
    assert zh.title == "被解释变量：ln_gsp" and zh.notes == NOTE
    _same_cells(en, zh)
    assert compare([fe, sdm], ["FE", "SDM"], language="en").as_text() == en.as_text()  # the default


def test_translate_is_identity_in_english_and_checks_the_language(fits):
    sdm, fe = fits
    en = compare([fe])
    assert translate(en, "en") is en
    with pytest.raises(ModelError, match="'language' needs to be one of \\['en', 'zh'\\]"):
        compare([fe], language="fr")
    with pytest.raises(ModelError, match="'language'"):
        summary(sdm, language="EN")
