"""``[report] language = "zh"`` leaves no English that spillover wrote: every heading, table caption, column
header, row label and figure caption of the shipped example studies (China, US states), and of the model-choice
section, is Chinese, a name from the study (variable, region, group, period, weights, model) or a symbol
the journals print as is (Moran's I, W×x, R², LR, p, z, N, ...); the numbers are those of the English report.

Provenance: the allowed names are read from the study's own data (spillover.datasets through the study's
panel) and study file, independently of the report; the Chinese wording is spillover._labels'
(tests/foundation/test_labels_zh.py checks its entries).
"""

from __future__ import annotations

import html
import re
import warnings
from html.parser import HTMLParser

import pandas as pd
import pytest

from spillover import study
from spillover.study import example_path, load
from spillover.study.data import load_panel

#: the example studies at small sizes (fewer permutations and draws), and the model-choice section
_CHEAP = (
    ("permutations = 999", "permutations = 19"),
    ("draws = 1000", "draws = 50"),
    ("draws = 199", "draws = 19"),
)
_MODEL_CHOICE = '\n[model_choice]\nkinds = ["sar", "sem", "sdm"]\n'

#: words the Chinese journals print as they are: names of statistics, estimators, tests and their authors,
#: model abbreviations and symbols (single letters and numbers are always allowed)
ALLOWED_WORDS = {
    *[
        "Moran's",
        "Moran",
        "Geary's",
        "Getis-Ord",
        "Gi",
        "Gi*",
        "LISA",
        "Dagum",
        "Theil",
        "Ellison-Glaeser",
        "Williamson",
        "Silverman",
    ],
    *[
        "Malmquist",
        "DEAP",
        "Mann-Kendall",
        "Wald",
        "LR",
        "LM",
        "Hausman",
        "Lee-Yu",
        "LeSage",
        "Pace",
        "Elhorst",
        "SAR",
        "SEM",
        "SDM",
        "SARMA",
        "SLX",
    ],
    *[
        "Kleibergen-Paap",
        "Stock-Yogo",
        "Olea-Pflueger",
        "Anderson-Rubin",
        "Sobel",
        "Hansen",
        "FDR",
        "Benjamini-Hochberg",
    ],
    *[
        "GE",
        "ln",
        "OLS",
        "PySAL",
        "giddy",
        "SE",
        "Delta",
        "FE",
        "RE",
        "TFP",
        "ATT",
        "TWFE",
        "SIMULATED",
        "E[I]",
        "W×",
        "G_w",
        "G_nb",
        "G_t",
        "G_jj",
        "G_jh",
    ],
}


class _Texts(HTMLParser):
    """The text of every heading, ``<th>``, ``<caption>`` and ``<figcaption>`` of a page."""

    TAGS = ("h1", "h2", "h3", "h4", "th", "caption", "figcaption")

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[tuple[str, str]] = []
        self._open: list[list[str]] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in self.TAGS:
            self._open.append([tag, ""])
        elif tag == "br" and self._open:
            self._open[-1][1] += "\n"

    def handle_endtag(self, tag: str) -> None:
        if self._open and self._open[-1][0] == tag:
            tag, text = self._open.pop()
            self.texts.append((tag, text.strip()))

    def handle_data(self, data: str) -> None:
        if self._open:
            self._open[-1][1] += data


def _names(path) -> set[str]:
    """Every name the study itself brings: variables, regions, groups, periods, weights and models."""
    st = load(path)
    panel = load_panel(st)
    names = {str(v) for v in panel.variables} | {str(i) for i in panel.ids} | {str(p) for p in panel.periods}
    for frame in (panel.data, panel.geometry.drop(columns="geometry")):
        names |= {str(c) for c in frame.columns}
        for col in frame.columns:
            if not pd.api.types.is_numeric_dtype(frame[col]):
                names |= {str(v) for v in frame[col].dropna().unique()}
    names |= set(st.indicators) | set(st.weights) | {e.get("label", "") for e in st.weights.values()}
    names |= set(st.panel_models) | {st.title}
    if (
        st.section("tfp") is not None
    ):  # DEAP's names of the Malmquist indices: variables of the panel from here
        names |= {"effch", "techch", "pech", "sech", "tfpch", "tfp"}
    for m in st.models:
        names |= {m.name, *m.x, m.y}
    return {n for n in names if n}


def _leftover_english(text: str, names: set[str]) -> list[str]:
    """The English words of ``text`` once the study's names and the allowed symbols are taken out."""
    for name in sorted(names | ALLOWED_WORDS, key=len, reverse=True):
        text = re.sub(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", " ", text)
    return re.findall(r"[A-Za-z]{2,}", text)


def _run(root, name: str, text: str, language: str) -> study.StudyRun:
    path = root / f"{name}_{language}.toml"
    path.write_text(text + f'\n[report]\nlanguage = "{language}"\n', encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return study.run(path, out=root / f"{name}_{language}")


def _example(name: str) -> str:
    text = example_path(name).read_text(encoding="utf-8")
    text = re.sub(r"(?m)^# \[report\]$|^# language = .*$|^\[report\]$|^language = .*$", "", text)
    for a, b in _CHEAP:
        text = text.replace(a, b)
    return text


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    root = tmp_path_factory.mktemp("zh_complete")
    china = _example("china_simulated") + _MODEL_CHOICE
    us = _example("us_states")
    return {
        "china": (_run(root, "china", china, "zh"), root / "china_zh.toml"),
        "us": (_run(root, "us", us, "zh"), root / "us_zh.toml"),
        "us_en": (_run(root, "us", us, "en"), root / "us_en.toml"),
    }


def _texts(run: study.StudyRun) -> list[tuple[str, str]]:
    parser = _Texts()
    parser.feed((run.folder / "report.html").read_text(encoding="utf-8"))
    return parser.texts


@pytest.mark.slow
@pytest.mark.parametrize("name", ["china", "us"])
def test_every_heading_header_and_caption_is_chinese_or_a_name(reports, name):
    run, path = reports[name]
    names = _names(path)
    texts = _texts(run)
    assert len(texts) > 200
    english = {(tag, text): words for tag, text in texts if (words := _leftover_english(text, names))}
    assert not english, "\n".join(f"<{t}> {s!r}: {w}" for (t, s), w in list(english.items())[:40])


@pytest.mark.slow
def test_the_sections_of_both_examples_and_model_choice_are_in_the_reports(reports):
    headings = {t for run, _ in (reports["china"], reports["us"]) for tag, t in _texts(run) if tag == "h2"}
    assert {
        "区域差异",
        "收敛性",
        "分布动态：马尔可夫链",
        "热点与局部集聚",
        "模型与权重矩阵的选择：后验模型概率",
        "生产率：Malmquist 全要素生产率",
        "模型设定搜索（Elhorst 2010, 2014）",
    } <= headings
    china = (reports["china"][0].folder / "report.html").read_text(encoding="utf-8")
    for zh in (
        "<th>方向</th><th>权重</th>",
        "<th>组内差异贡献率</th>",
        "<th>超变密度贡献率</th>",
        "泰尔指数 T",
    ):
        assert zh in china
    for zh in ("σ收敛", "β收敛", "马尔可夫转移概率矩阵", "热点（95% 置信度）", "冷点", "后验模型概率"):
        assert zh in china


def _numbers(run: study.StudyRun) -> list[str]:
    cells = re.findall(r"<td>(.*?)</td>", (run.folder / "report.html").read_text(encoding="utf-8"))
    return [c for c in map(html.unescape, cells) if re.fullmatch(r"[-+(]?[0-9.,e+-]+\)?\**%?", c)]


@pytest.mark.slow
def test_numbers_are_those_of_the_english_report(reports):
    zh, en = _numbers(reports["us"][0]), _numbers(reports["us_en"][0])
    assert len(zh) > 500
    assert zh == en
    for name, table in reports["us_en"][0].tables.items():
        assert reports["us"][0].tables[name].frame.equals(table.frame), name


def test_names_to_keep_are_never_translated():
    # a variable spelt like a label spillover writes (Theil's T, the hot-spot "trend") keeps its name; the
    # same word as spillover's own column is translated (expected words: spillover._labels' entries)
    from spillover.summary import Summary, translate, translate_frame

    frame = pd.DataFrame({"T": [1.0], "trend": [2.0]}, index=pd.Index(["T"], name="variable"))
    out = translate_frame(frame, "zh", keep={"T"})
    assert list(out.columns) == ["T", "趋势"] and list(out.index) == ["T"] and out.index.name == "变量"
    assert list(translate_frame(frame, "zh").columns) == ["泰尔指数 T", "趋势"]
    shown = translate(Summary("t", (frame,), header={"fixed": True, "variable": "none"}), "zh", keep={"none"})
    assert shown.header == {"全样本统一分组": "是", "变量": "none"}
    assert out.to_numpy().tolist() == frame.to_numpy().tolist()
