"""The one translation table of the labels spillover writes (foundation layer): report headings, table
headers, statistics rows and notes, in English (the default) and Chinese.

Variables keep their names: only the words spillover itself writes are translated.  Fixed labels are in
:data:`ZH` (English label -> Chinese); labels that carry a name or a number (``W*x``, ``Threshold 2``, the
note on the stars, a model's title) are matched by the patterns of :data:`ZH_PATTERNS`.  The Chinese
wording follows Chinese economics journals' regression tables (变量, 系数, 标准误 in parentheses, 直接效应 /
间接效应 / 总效应, 观测值, 地区固定效应 / 时间固定效应 是/否, the note "注：***、**、* 分别表示在1%、5%、10%的
水平上显著，括号内为标准误").  The papers in ``shared/papers`` are the English editions of such studies:
their tables give the layout, this table the words.

>>> label("Direct", "zh"), label("Direct", "en"), label("W*ln_pcap", "zh"), label("ln_pcap", "zh")
('直接效应', 'Direct', 'W×ln_pcap', 'ln_pcap')
>>> text("Notes: standard errors in parentheses; * p<0.1, ** p<0.05, *** p<0.01.", "zh")
'注：***、**、* 分别表示在1%、5%、10%的水平上显著，括号内为标准误。'
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from types import MappingProxyType

from spillover.errors import SpilloverError
from spillover.options import Language, check_option, choices

__all__ = ["ZH", "ZH_CELLS", "ZH_PATTERNS", "LANGUAGES", "label", "cell", "text", "check_language"]

#: The languages of reports and tables (``language=``; ``[report] language``): English is the default.
LANGUAGES: tuple[str, ...] = tuple(choices(Language))

_ZH: dict[str, str] = {
    # ---- paper tables: columns (spatial models: Main | Wx | Direct | Indirect | Total)
    "Main": "系数",
    "Wx": "空间滞后项 W×x",
    "Direct": "直接效应",
    "Indirect": "间接效应",
    "Total": "总效应",
    "Variables": "变量",
    # ---- paper tables: rows under the coefficients (TableResult.table_statistics and the spatial summary)
    "const": "常数项",
    "rho": "空间自回归系数 ρ",
    "lambda": "空间误差系数 λ",
    "sigma2": "σ²",
    "phi": "φ",
    "Dependent variable": "被解释变量",
    "N": "观测值",
    "R2": "R²",
    "R2 within": "组内 R²",
    "R2 overall": "整体 R²",
    "Log-likelihood": "对数似然值",
    "Fixed effects": "固定效应",
    "Region FE": "地区固定效应",
    "Period FE": "时间固定效应",
    "Cluster": "聚类层级",
    "Observations": "观测值",
    "Regions": "地区数",
    "Periods": "时期数",
    "Std. errors": "标准误",
    "P-values": "p 值",
    "Missing values": "缺失值",
    "KP rk LM p-value": "Kleibergen-Paap rk LM 统计量 p 值",
    "KP rk Wald F": "Kleibergen-Paap rk Wald F 统计量",
    "Effective F (OP)": "有效 F 统计量（Olea-Pflueger）",
    "SY 10% size c.v.": "Stock-Yogo 10% 临界值",
    "AR p-value": "Anderson-Rubin 检验 p 值",
    "Hansen J p-value": "Hansen J 检验 p 值",
    "Sobel p-value": "Sobel 检验 p 值",
    "Bootstrap draws": "自助抽样次数",
    "Naive TWFE": "传统双向固定效应估计",
    "Estimator": "估计方法",
    "Pre-trend p": "平行趋势检验 p 值",
    "Variable": "变量",
    "Model": "模型",
    "Form": "形式",
    "Controls": "控制变量",
    "tau": "时期间隔 τ",
    "Small-sample factor": "小样本校正因子",
    # ---- result columns (spillover.summary.COLUMNS, test tables) and the study's descriptive statistics
    "estimate": "系数",
    "std_error": "标准误",
    "std_error_robust": "稳健标准误",
    "statistic": "统计量",
    "p_value": "p 值",
    "ci_lower": "置信区间下限",
    "ci_upper": "置信区间上限",
    "p_sim": "模拟 p 值",
    "df": "自由度",
    "null": "原假设",
    "note": "说明",
    "variable": "变量",
    "model": "模型",
    "test": "检验",
    "weights": "权重",
    "kind": "类型",
    "transform": "标准化方式",
    "n_links": "连接数",
    "year": "年份",
    "true": "真实值",
    "within 2 SE": "在 2 倍标准误以内",
    "z (estimate - true)": "z（估计值 − 真实值）",
    "Wald, LR and Hausman tests": "Wald、LR 与 Hausman 检验",
    "count": "观测值",
    "mean": "均值",
    "std": "标准差",
    "min": "最小值",
    "max": "最大值",
    "units": "单位",
    "period": "时期",
    "effect": "效应",
    "direct": "直接效应",
    "indirect": "间接效应",
    "total": "总效应",
    # ---- report headings (the sections of spillover.study's report)
    "Data": "数据",
    "Descriptive statistics (all regions and periods)": "描述性统计（全部地区与时期）",
    "Indicators": "指标",
    "Productivity: Malmquist TFP": "生产率：Malmquist 全要素生产率",
    "Spatial weights": "空间权重矩阵",
    "Spatial autocorrelation": "空间自相关",
    "Regional disparity": "区域差异",
    "Convergence": "收敛性",
    "Distribution dynamics: Markov chains": "分布动态：马尔可夫链",
    "Hot spots and local clusters": "热点与局部集聚",
    "Panel LM tests": "面板 LM 检验",
    "Which model and which W: posterior model probabilities": "模型与权重矩阵的选择：后验模型概率",
    "Spatial panel models": "空间面板模型",
    "Specification tests": "模型设定检验",
    "Specification search (Elhorst 2010, 2014)": "模型设定搜索（Elhorst 2010, 2014）",
    "Direct, indirect and total effects": "直接效应、间接效应与总效应",
    "True parameters beside the estimates": "真实参数与估计值对照",
    "Maps": "地图",
    "Panel models: fixed effects, IV, mediation, thresholds": "面板模型：固定效应、工具变量、中介效应与门槛效应",
    "Causal designs": "因果识别设计",
    "Notes and warnings": "注释与警告",
    "Study file": "研究文件",
    "Software": "软件",
    "package": "软件包",
    "version": "版本",
    "seed": "随机种子",
    "study file": "研究文件",
    "No warnings were raised during the run.": "运行期间未出现警告。",
    "SIMULATED DATA": "模拟数据",
    "SIMULATED DATA: every number in this report comes from a simulated panel, not from real statistics.": (
        "模拟数据：本报告中的所有数字均来自模拟面板，并非真实统计数据。"
    ),
    "SIMULATED DATA — not real statistics. The true parameters are shown beside the estimates.": (
        "模拟数据——并非真实统计数据。真实参数列于估计值旁。"
    ),
    "Outputs beside this report:": "本报告旁的输出文件：",
    "(one layer, one row per region) and the tables in": "（一个图层，每个地区一行）以及表格文件夹",
    "(CSV, LaTeX, Excel, Stata).": "（CSV、LaTeX、Excel、Stata）。",
}
ZH: Mapping[str, str] = MappingProxyType(_ZH)
"""English label -> Chinese label (fixed labels; variable names are never in it)."""

_ZH_CELLS: dict[str, str] = {
    "Yes": "是",
    "No": "否",
    "yes": "是",
    "no": "否",
    "twoway": "双向",
    "unit": "地区",
    "time": "时间",
    "none": "无",
    "random": "随机效应",
    "region": "地区",
}
ZH_CELLS: Mapping[str, str] = MappingProxyType(_ZH_CELLS)
"""Cell values spillover writes in tables (the Yes/No of the fixed-effects rows, ...) -> Chinese."""

_THRESHOLD_TESTS = {"single": "单一门槛", "double": "双重门槛", "triple": "三重门槛"}
_FE = {"no fixed effects": "无固定效应", "random effects": "随机效应"}
_FE_KIND = {"unit": "地区", "time": "时间", "twoway": "双向"}


def _stars_note(m: re.Match[str]) -> str:
    """注：***、**、* 分别表示在1%、5%、10%的水平上显著，括号内为标准误。 (levels from the English note)."""
    levels = sorted((float(v) for v in re.findall(r"p<([0-9.eE-]+)", m.group(2))), reverse=True)
    marks = "、".join("*" * k for k in range(len(levels), 0, -1))
    pct = "、".join(f"{100 * lev:g}%" for lev in sorted(levels))
    below = "标准误" if m.group(1) == "standard errors" else " z 统计量"
    return f"注：{marks} 分别表示在{pct}的水平上显著，括号内为{below}。"


def _spatial_title(m: re.Match[str]) -> str:
    kind, y, fe, approach, n, t = m.groups()
    fe_zh = _FE.get(fe) or f"{_FE_KIND.get(fe.removesuffix(' fixed effects'), fe)}固定效应"
    how = {
        "": "",
        " (direct approach)": "（直接法）",
        " (Lee-Yu transformation approach)": "（Lee-Yu 变换法）",
    }
    return f"{y} 的 {kind} 估计，{fe_zh}{how.get(approach or '', approach)}；N = {n}，T = {t}"


_Sub = str | Callable[[re.Match[str]], str]
_ZH_PATTERNS: tuple[tuple[re.Pattern[str], _Sub], ...] = (
    (re.compile(r"^W\*(.+)$"), r"W×\1"),
    (re.compile(r"^Threshold (\d+)$"), r"门槛值 \1"),
    (
        re.compile(r"^F (single|double|triple) \(p\)$"),
        lambda m: f"{_THRESHOLD_TESTS[m.group(1)]} F 统计量（p 值）",
    ),
    (
        re.compile(r"^(BC|Percentile) (\d+%) CI of a\*b$"),
        lambda m: f"a*b 的 {m.group(2)} 置信区间（{m.group(1)}）",
    ),
    # titles and notes: phrase by phrase, inside a longer text (a study prefixes the model's name)
    (re.compile(r"Dependent variable: (\S+)"), r"被解释变量：\1"),
    (re.compile(r"Dependent variables as labelled"), "被解释变量见各列"),
    (re.compile(r"Panel and spatial models side by side\."), "面板模型与空间模型对照。"),
    (
        re.compile(
            r"([A-Z]+) of (\S+), (no fixed effects|random effects|\w+ fixed effects)"
            r"( \((?:direct|Lee-Yu transformation) approach\))?; N = (\d+), T = (\d+)"
        ),
        _spatial_title,
    ),
    (re.compile(r"Global Moran's I of (\S+) by period"), r"\1 的逐期全局 Moran's I"),
    (re.compile(r"Global Moran's I of (\S+)"), r"\1 的全局 Moran's I"),
    (re.compile(r"^Effects of (\S+)$"), r"\1 的直接效应、间接效应与总效应"),
    (re.compile(r"^True parameters and estimates of (\S+)$"), r"\1 的真实参数与估计值"),
    (re.compile(r"^Entropy-weight evaluation system of (\S+)$"), r"\1 的熵权法评价指标体系"),
    (
        re.compile(r"^Panel LM tests, weights (\S+), (\w+) fixed effects$"),
        lambda m: f"面板 LM 检验，空间权重矩阵 {m.group(1)}，{_FE_KIND.get(m.group(2), m.group(2))}固定效应",
    ),
    (re.compile(r"; weights (.+)$"), r"；空间权重矩阵：\1"),
    (
        re.compile(r"([A-Z]+), (\w+) effects( \(Lee-Yu\))?, across weights\."),
        lambda m: (
            f"{m.group(1)}，{_FE_KIND.get(m.group(2), m.group(2))}固定效应{m.group(3) or ''}，"
            "不同空间权重矩阵对照。"
        ),
    ),
    (
        re.compile(r"Notes: (standard errors|z statistics) in parentheses; ([^.]*(?:\.\d+[^.]*)*)\."),
        _stars_note,
    ),
    (
        re.compile(
            r" ?Effects: stars from the simulated quantile intervals \(a star level when the two-sided "
            r"interval of the (\d+) draws excludes 0\), not from the standard deviation\."
        ),
        r"效应的显著性星号来自 \1 次模拟抽样的分位数区间（双侧区间不含 0 时达到该水平），而非标准差。",
    ),
    (
        re.compile(r" ?ln\|I - rho W\| by (\w+) approximation, error bound (\S+) at the estimate\."),
        r"ln|I - ρW| 采用 \1 近似计算，估计值处的误差上界为 \2。",
    ),
)
ZH_PATTERNS = _ZH_PATTERNS
"""(pattern, replacement) for labels that carry a name or number: anchored ones translate a whole label,
the others a sentence inside a note."""


def check_language(language: object, *, error: type[SpilloverError] = SpilloverError) -> None:
    """``language`` must be one of :data:`LANGUAGES` (``"en"``, ``"zh"``)."""
    check_option(language, Language, "language", error=error)


def label(english: str, language: str) -> str:
    """A label (heading, column header, row label) in ``language``; names spillover did not write come back
    unchanged."""
    if language == "en" or not english:
        return english
    if english in _ZH:
        return _ZH[english]
    for pattern, sub in _ZH_PATTERNS:
        if pattern.pattern.startswith("^"):
            out, n = pattern.subn(sub, english)
            if n:
                return out
    if " / " in english:  # a flattened row label of a table, e.g. "direct / ln_pcap"
        return " / ".join(label(part, language) for part in english.split(" / "))
    return english


def cell(value: str, language: str) -> str:
    """A text cell (``"Yes"``, ``"twoway"``) in ``language``; numbers and names come back unchanged."""
    return _ZH_CELLS.get(value, value) if language == "zh" else value


def text(english: str, language: str) -> str:
    """A title or note in ``language``: a known label as a whole, else sentence by sentence through the
    patterns (sentences without a translation stay in English)."""
    if language == "en" or not english:
        return english
    whole = label(english, language)
    if whole != english:
        return whole
    out = english
    for pattern, sub in _ZH_PATTERNS:
        if not pattern.pattern.startswith("^"):
            out = pattern.sub(sub, out)
    return out.strip()
