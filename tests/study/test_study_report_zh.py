"""``[report] language = "zh"``: the study's report and tables (CSV, LaTeX, Excel, Stata) in Chinese, the
variables with their names and the numbers of the English run.

Provenance: the expected numbers are those of the same study run in English (same seed); the expected words
are spillover._labels' entries (tests/foundation/test_labels_zh.py).
"""

from __future__ import annotations

import re
import warnings

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from _study_files import run_quietly, us_states_study, write_study

from spillover import maps, study
from spillover.study import StudyError, example_path, loads
from spillover.study.figures import translate_figure

SECTIONS = """\
[moran]
permutations = 19
[[models]]
kind = "sdm"
bias_correction = "lee-yu"
[impacts]
draws = 50
[panel_models.fe]
type = "fixed_effects"
[maps]
lisa = true
[output]
tables = ["csv", "tex", "dta", "xlsx"]
geopackage = false
"""


def _report(language: str) -> str:
    return f'[report]\nlanguage = "{language}"\n'


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("zh")
    out = {}
    for lang in ("en", "zh"):
        path = write_study(root, us_states_study("small", 1, SECTIONS + _report(lang)), f"{lang}.toml")
        if lang == "en":
            out[lang] = run_quietly(path, root / lang)
        else:  # the zh run's own warnings are checked below
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out[lang] = study.run(path, out=root / lang)
    return out


@pytest.mark.slow
def test_report_in_chinese(runs):
    html = (runs["zh"].folder / "report.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in html
    assert '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif' in html
    headings = re.findall(r"<h2>(.*?)</h2>", html)
    assert headings[:3] == ["数据", "空间权重矩阵", "空间自相关"]
    assert {"空间面板模型", "直接效应、间接效应与总效应", "注释与警告", "研究文件", "软件"} <= set(headings)
    assert "<th>变量</th><th>系数</th><th>空间滞后项 W×x</th><th>直接效应</th>" in html
    assert "<th>ln_pcap</th>" in html and "<th>W×ln_emp</th>" in html  # variables keep their names
    assert (
        "地区固定效应" in html
        and "注：***、**、* 分别表示在1%、5%、10%的水平上显著，括号内为标准误。" in html
    )
    english = (runs["en"].folder / "report.html").read_text(encoding="utf-8")
    assert (
        '<html lang="en">' in english
        and "<h2>Spatial panel models</h2>" in english
        and "直接效应" not in english
    )


@pytest.mark.slow
def test_figures_keep_english_without_a_cjk_font_and_say_so_once(runs):
    said = [w for w in runs["zh"].warnings if "no font with Chinese glyphs" in w and "[report]" in w]
    assert len(said) == (1 if maps.cjk_font() is None else 0)
    assert not [w for w in runs["en"].warnings if "[report]" in w]


@pytest.mark.slow
def test_tables_in_chinese_hold_the_english_numbers(runs):
    en, zh = (runs[lang].folder / "tables" for lang in ("en", "zh"))
    model_en = pd.read_csv(en / "model_sdm_twoway_queen.csv", index_col=0, keep_default_na=False)
    model_zh = pd.read_csv(zh / "model_sdm_twoway_queen.csv", index_col=0, keep_default_na=False)
    assert list(model_zh.columns) == ["系数", "空间滞后项 W×x", "直接效应", "间接效应", "总效应"]
    assert (model_zh.to_numpy() == model_en.to_numpy()).all()
    assert list(model_zh.index[:4]) == ["ln_pcap", "", "ln_emp", ""]
    assert {"观测值", "R²", "对数似然值"} <= set(model_zh.index)
    panel_zh = pd.read_csv(zh / "panel_fe.csv", index_col=0)
    panel_en = pd.read_csv(en / "panel_fe.csv", index_col=0)
    assert list(panel_zh.columns[:4]) == ["系数", "标准误", "统计量", "p 值"]
    pd.testing.assert_frame_equal(panel_zh, panel_en.set_axis(panel_zh.columns, axis=1))
    tex = (zh / "model_sdm_twoway_queen.tex").read_text(encoding="utf-8")
    assert (
        "xeCJK" in tex
        and "变量 & 系数" in tex
        and "\\caption{sdm\\_twoway\\_queen: ln\\_gsp 的 SDM 估计" in tex
    )
    with pd.io.stata.StataReader(zh / "panel_fe.dta") as reader:
        labels = reader.variable_labels()
        dta = reader.read()
    assert labels["estimate"] == "系数" and labels["std_error"] == "标准误"  # ASCII names, Chinese labels
    en_dta = pd.read_stata(en / "panel_fe.dta")
    pd.testing.assert_frame_equal(dta, en_dta)
    sheets = pd.read_excel(zh / "tables.xlsx", sheet_name=None, index_col=0)
    assert list(sheets["descriptive_statistics"].columns) == ["观测值", "均值", "标准差", "最小值", "最大值"]
    assert (
        sheets["descriptive_statistics"].index.name == "变量"
        and "ln_gsp" in sheets["descriptive_statistics"].index
    )
    panel_models = pd.read_csv(zh / "panel_models.csv", index_col=0, keep_default_na=False)
    assert panel_models.loc["地区固定效应", "fe"] == "是"


def test_language_is_a_checked_option_of_the_study_file():
    text = us_states_study("small", 1, '[[models]]\nkind = "sar"\n')
    assert loads(text).options("report")["language"] == "en"  # the default
    assert loads(text + _report("zh")).options("report")["language"] == "zh"
    with pytest.raises(StudyError, match=r"language.*'fr'|'fr'.*language"):
        loads(text + _report("fr"))


def test_the_china_study_documents_the_chinese_report():
    # .ci/run uncomments these two lines to render the Chinese report in headless Chromium
    source = example_path("china_simulated").read_text(encoding="utf-8")
    assert '# [report]\n# language = "zh"\n' in source
    zh = source.replace('# [report]\n# language = "zh"\n', '[report]\nlanguage = "zh"\n')
    assert loads(zh).options("report")["language"] == "zh"
    assert loads(source).options("report")["language"] == "en"


def test_figure_titles_in_chinese_only_with_a_cjk_font(monkeypatch):
    fig, ax = plt.subplots()
    ax.set_title("Global Moran's I of ln_gsp")
    monkeypatch.setattr(maps, "cjk_font", lambda: None)
    assert translate_figure(fig, "zh") is False and ax.get_title() == "Global Moran's I of ln_gsp"
    monkeypatch.setattr(maps, "cjk_font", lambda: "DejaVu Sans")
    assert translate_figure(fig, "zh") is True and ax.get_title() == "ln_gsp 的全局 Moran's I"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # DejaVu Sans stands in for the CJK font: no glyphs
        fig.canvas.draw()  # still renders
    plt.close(fig)
