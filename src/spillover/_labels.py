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
from collections.abc import Callable, Collection, Mapping
from types import MappingProxyType

from spillover.errors import SpilloverError
from spillover.options import Language, check_option, choices

__all__ = [
    "ZH",
    "PARAMETERS",
    "ZH_CELLS",
    "ZH_PATTERNS",
    "LANGUAGES",
    "label",
    "cell",
    "text",
    "check_language",
]

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
    # ---- indicators and agglomeration
    "direction": "方向",
    "weight": "权重",
    "positive": "正向",
    "negative": "负向",
    # ---- global Moran's I by period (esda: normality and randomisation assumptions)
    "var_norm": "方差（正态假设）",
    "z_norm": "z 值（正态假设）",
    "p_norm": "p 值（正态假设）",
    "var_rand": "方差（随机化假设）",
    "z_rand": "z 值（随机化假设）",
    "p_rand": "p 值（随机化假设）",
    # ---- Dagum Gini decomposition (组内/组间/超变密度 贡献与贡献率)
    "G": "总体基尼系数 G",
    "G_w": "组内差异贡献 G_w",
    "G_nb": "组间净差异贡献 G_nb",
    "G_t": "超变密度贡献 G_t",
    "share_w": "组内差异贡献率",
    "share_nb": "组间净差异贡献率",
    "share_t": "超变密度贡献率",
    "Overall Gini and its decomposition": "总体基尼系数及其分解",
    "Within-group Gini G_jj": "组内基尼系数 G_jj",
    "Between-group Gini G_jh": "组间基尼系数 G_jh",
    "G = G_w + G_nb + G_t (Dagum 1997); shares are fractions of G.": (
        "G = G_w + G_nb + G_t（Dagum 1997）；贡献率为占 G 的比例。"
    ),
    # ---- Theil indices, coefficients of variation
    "T": "泰尔指数 T",
    "T_within": "组内泰尔指数 T",
    "T_between": "组间泰尔指数 T",
    "T_share_within": "组内贡献率（T）",
    "T_share_between": "组间贡献率（T）",
    "L": "泰尔指数 L",
    "L_within": "组内泰尔指数 L",
    "L_between": "组间泰尔指数 L",
    "L_share_within": "组内贡献率（L）",
    "L_share_between": "组间贡献率（L）",
    "cv": "变异系数",
    "williamson": "Williamson 加权变异系数",
    "regions": "地区数",
    "weight_share": "权重占比",
    "value_share": "数值占比",
    "Theil T and L, within/between; coefficients of variation": "泰尔指数 T 与 L 的组内/组间分解；变异系数",
    "By group": "分组",
    "T = T_within + T_between, L = L_within + L_between; shares are fractions of the index.": (
        "T = 组内 + 组间，L = 组内 + 组间；贡献率为占指数的比例。"
    ),
    # ---- kernel density
    "bandwidth": "带宽",
    "peak": "主峰位置",
    "peak_density": "主峰高度",
    "n_peaks": "波峰数",
    "peaks": "波峰位置",
    "q05": "5% 分位数",
    "q95": "95% 分位数",
    "left_tail": "左拖尾",
    "right_tail": "右拖尾",
    "Peaks and tails per period": "各时期的波峰与拖尾",
    "values": "取值",
    "kernel": "核函数",
    "density": "密度",
    # ---- sigma and beta convergence
    "sd": "标准差",
    "sd_log": "对数标准差",
    "sd_log_trend": "对数标准差趋势",
    "cv_trend": "变异系数趋势",
    "beta": "收敛系数 β",
    "speed": "收敛速度",
    "half_life": "半衰期",
    "Estimates": "估计结果",
    "Dispersion per period": "各时期离散程度",
    "Trend: OLS slope on time, t statistic with T-2 degrees of freedom.": (
        "趋势：对时间的 OLS 斜率，t 统计量自由度为 T-2。"
    ),
    "speed = -ln(1 + beta) / tau, half_life = ln 2 / speed; delta-method standard errors.": (
        "收敛速度 = -ln(1 + β) / τ，半衰期 = ln 2 / 收敛速度；标准误由 Delta 方法计算。"
    ),
    # ---- Markov chains (马尔可夫转移概率矩阵)
    "n": "观测数",
    "steady_state": "稳态分布",
    "classes": "类型数",
    "fixed": "全样本统一分组",
    "cutoffs": "分组临界值",
    "groups by": "分组变量",
    "draws": "抽样次数",
    "Transition probabilities": "马尔可夫转移概率矩阵",
    "Steady state": "稳态分布",
    "Mean first passage times": "平均首次通过时间",
    "Pooled transition probabilities": "全样本转移概率矩阵",
    "Transition probabilities conditioned on the spatial lag class": "以空间滞后类型为条件的转移概率矩阵",
    "Steady states of the conditional chains": "条件马尔可夫链的稳态分布",
    "Homogeneity tests": "同质性检验",
    "Independence test": "独立性检验",
    "LR": "LR 统计量",
    "Q": "Q 统计量",
    "chi2": "χ² 统计量",
    "High-High": "高-高",
    "Low-High": "低-高",
    "Low-Low": "低-低",
    "High-Low": "高-低",
    "Not significant": "不显著",
    # ---- hot spots (热点/冷点) and emerging hot spots
    "value": "变量值",
    "expected": "期望值",
    "z_sim": "模拟 z 值",
    "significant": "是否显著",
    "cluster": "类别",
    "hot_99": "热点（99% 置信度）",
    "hot_95": "热点（95% 置信度）",
    "hot_90": "热点（90% 置信度）",
    "not_significant": "不显著",
    "cold_90": "冷点（90% 置信度）",
    "cold_95": "冷点（95% 置信度）",
    "cold_99": "冷点（99% 置信度）",
    "category": "类别",
    "n_hot": "热点期数",
    "n_cold": "冷点期数",
    "final_z": "末期 z 值",
    "mk_s": "Mann-Kendall S 统计量",
    "mk_var": "Mann-Kendall 方差",
    "mk_z": "Mann-Kendall z 值",
    "mk_p_value": "Mann-Kendall p 值",
    "trend": "趋势",
    "no pattern": "无显著模式",
    # ---- Malmquist
    "n_nan": "缺失值个数",
    # ---- panel LM tests, specification tests and search (Elhorst)
    "LM lag": "LM 检验（空间滞后）",
    "LM error": "LM 检验（空间误差）",
    "robust LM lag": "稳健 LM 检验（空间滞后）",
    "robust LM error": "稳健 LM 检验（空间误差）",
    "LM SARMA": "LM 检验（SARMA）",
    "Wald SDM vs SAR": "Wald 检验：SDM 与 SAR",
    "Wald SDM vs SEM": "Wald 检验：SDM 与 SEM",
    "LR SDM vs SAR": "LR 检验：SDM 与 SAR",
    "LR SDM vs SEM": "LR 检验：SDM 与 SEM",
    "Hausman SAR FE vs RE": "Hausman 检验：SAR 固定效应与随机效应",
    "Hausman SDM FE vs RE": "Hausman 检验：SDM 固定效应与随机效应",
    "Hausman SEM FE vs RE": "Hausman 检验：SEM 固定效应与随机效应",
    "LM (non-spatial)": "LM 检验（非空间模型）",
    "fixed effects": "固定效应",
    "LR spatial fixed effects": "LR 检验：地区固定效应",
    "LR time fixed effects": "LR 检验：时间固定效应",
    "SDM -> SAR": "SDM 简化为 SAR",
    "SDM -> SEM": "SDM 简化为 SEM",
    "FE vs RE": "固定效应与随机效应",
    "reject": "是否拒绝",
    # ---- which model and which W: posterior model probabilities (LeSage 2014)
    "Posterior model probabilities": "后验模型概率",
    "Log-marginal likelihood by kind and W": "各模型类型与空间权重矩阵的对数边际似然",
    "Probability: kind x W": "模型类型 × 空间权重矩阵",
    "By kind": "按模型类型",
    "By W": "按空间权重矩阵",
    "log_marginal": "对数边际似然",
    "probability": "后验模型概率",
    "w": "空间权重矩阵",
    "sar": "SAR 模型",
    "sem": "SEM 模型",
    "sdm": "SDM 模型",
    "slx": "SLX 模型",
    "sac": "SAC 模型",
    "sdem": "SDEM 模型",
    "dependent": "被解释变量",
    "regressors": "解释变量",
    "N x T": "地区数 × 时期数",
    "most probable": "后验概率最大的模型",
    "Posterior probabilities of each kind and W": "各模型类型与空间权重矩阵的后验概率",
    "LeSage (2014): flat priors on beta and sigma, uniform prior on the spatial parameter over "
    "(1/omega_min, 1/omega_max); equal prior probability of every kind and W.": (
        "LeSage（2014）：β 与 σ 取平坦先验，空间参数在 (1/ω_min, 1/ω_max) 上取均匀先验；各模型类型与空间权重矩阵的"
        "先验概率相等。"
    ),
    "Outputs beside this report:": "本报告旁的输出文件：",
    "(one layer, one row per region) and the tables in": "（一个图层，每个地区一行）以及表格文件夹",
    "(CSV, LaTeX, Excel, Stata).": "（CSV、LaTeX、Excel、Stata）。",
}
#: the rows of a model table that name a parameter spillover estimates, not a variable (always translated)
PARAMETERS: tuple[str, ...] = ("const", "rho", "lambda", "sigma2", "phi")

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
    "True": "是",
    "False": "否",
    "levels": "水平值",
    "relative to the period mean": "相对于当期均值",
    "Gaussian": "高斯核",
    "silverman": "Silverman 法则",
    "positive": "正向",
    "negative": "负向",
    # the classes of the hot-spot tables and the LISA quadrants
    "not_significant": "不显著",
    "Not significant": "不显著",
    "hot_99": "热点（99% 置信度）",
    "hot_95": "热点（95% 置信度）",
    "hot_90": "热点（90% 置信度）",
    "cold_90": "冷点（90% 置信度）",
    "cold_95": "冷点（95% 置信度）",
    "cold_99": "冷点（99% 置信度）",
    "High-High": "高-高",
    "Low-High": "低-高",
    "Low-Low": "低-低",
    "High-Low": "高-低",
    "no pattern": "无显著模式",
    "increasing": "上升",
    "absolute": "绝对收敛",
    "conditional": "条件收敛",
    "clustered by region": "按地区聚类",
    "clustered by period": "按时期聚类",
    "decreasing": "下降",
    # the null hypotheses of the specification tests and the chains' tests
    "theta = 0 (the SDM reduces to the SAR)": "θ = 0（SDM 可简化为 SAR）",
    "theta + rho*beta = 0 (the SDM reduces to the SEM)": "θ + ρβ = 0（SDM 可简化为 SEM）",
    "the SAR restrictions of the SDM hold": "SDM 的 SAR 约束成立",
    "the SEM restrictions of the SDM hold": "SDM 的 SEM 约束成立",
    "no spatially lagged dependent variable (rho = 0)": "不存在被解释变量的空间滞后（ρ = 0）",
    "no spatial autocorrelation in the errors (lambda = 0)": "误差项不存在空间自相关（λ = 0）",
    "rho = 0, robust to a local spatial error": "ρ = 0（对局部空间误差稳健）",
    "lambda = 0, robust to a local spatial lag": "λ = 0（对局部空间滞后稳健）",
    "no spatial lag and no spatial error (rho = lambda = 0)": "既无空间滞后也无空间误差（ρ = λ = 0）",
    "the spatial (unit) fixed effects are jointly zero, given time-period effects": (
        "给定时间固定效应，地区固定效应联合为零"
    ),
    "the time-period fixed effects are jointly zero, given spatial effects": "给定地区固定效应，时间固定效应联合为零",
    "random effects are consistent (the region effects are uncorrelated with X)": (
        "随机效应估计量一致（地区效应与 X 不相关）"
    ),
    "the transition matrices do not depend on the lag class": "转移概率矩阵与空间滞后类型无关",
    "the region's and its lag's moves are independent": "地区自身与其空间滞后的转移相互独立",
}
# the emerging hot-spot categories (spillover.esda.EMERGING_CATEGORIES): 新增/连续/加强/持续/减弱/振荡/零星/历史
_EMERGING_KINDS = {
    "new": "新增",
    "consecutive": "连续",
    "intensifying": "加强",
    "persistent": "持续",
    "diminishing": "减弱",
    "oscillating": "振荡",
    "sporadic": "零星",
    "historical": "历史",
}
for _kind, _zh in _EMERGING_KINDS.items():
    _ZH_CELLS[f"{_kind} hot spot"] = f"{_zh}热点"
    _ZH_CELLS[f"{_kind} cold spot"] = f"{_zh}冷点"
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


def _of(name: str, zh: str) -> str:
    """``name 的zh`` (a space before Latin letters: ``gdp_pc 的 Dagum 基尼系数``)."""
    return f"{name} 的{'' if _cjk(zh[:1]) else ' '}{zh}"


def _cjk(s: str) -> bool:
    return bool(re.search(r"[\u3000-\u9fff\uff00-\uffef]", s))


#: the titles of the disparity results' summaries (``"<title> of <variable>[: <caption>]"`` in a study)
_RESULT_TITLES = {
    "Dagum Gini decomposition": "Dagum 基尼系数及其分解",
    "Theil decomposition": "泰尔指数分解",
    "Kernel density evolution": "核密度分布动态演进",
    "Markov chain transition probabilities": "马尔可夫转移概率矩阵",
    "Spatial Markov chain": "空间马尔可夫链",
    "LISA Markov chain": "LISA 马尔可夫链",
    "Sigma convergence": "σ收敛",
    "Beta convergence": "β收敛",
    "Spatial beta convergence": "空间β收敛",
}
_CHAIN_FIGURES = {
    "Markov": "马尔可夫链",
    "Spatial markov": "空间马尔可夫链",
    "LISA markov": "LISA 马尔可夫链",
}
_DAGUM_FIGURES = {
    "contribution shares of G_w, G_nb and G_t": "G_w、G_nb 与 G_t 的贡献率",
    "within-group Ginis G_jj": "组内基尼系数 G_jj",
    "between-group Ginis G_jh": "组间基尼系数 G_jh",
}
_LOCAL_STATISTICS = {
    "Getis-Ord Gi*": "Getis-Ord Gi* 热点分析",
    "Getis-Ord Gi": "Getis-Ord Gi 热点分析",
    "Local Geary's c": "局部 Geary 指数",
    "Bivariate local Moran": "双变量局部 Moran 指数",
}
_LOCAL = (
    r"(Getis-Ord Gi\*?|Local Geary's c|Bivariate local Moran)(?: of (\S+) against the neighbours' values)?"
)
_PANEL_TYPES = {"fixed effects": "固定效应模型", "fe iv": "固定效应工具变量模型", "mediation": "中介效应模型"}
_CAUSAL_TYPES = {
    "spatial difference-in-differences": "空间双重差分",
    "SDM difference-in-differences": "SDM 双重差分",
    "event study": "事件研究",
}


def _local(m: re.Match[str]) -> str:
    """A local statistic's name, with the bivariate one's second variable."""
    zh = _LOCAL_STATISTICS[m.group(1)]
    return f"{zh}（{m.group(2)} 与邻近地区取值）" if m.group(2) else zh


def _result_title(m: re.Match[str]) -> str:
    out = _of(m.group(2), _RESULT_TITLES[m.group(1)])
    return f"{out}：{label(m.group(3), 'zh')}" if m.group(3) else out


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
    (re.compile(r"^G_jj\[(.+)\]$"), r"组内基尼系数 G_jj[\1]"),
    (re.compile(r"^G_jh\[(.+)\]$"), r"组间基尼系数 G_jh[\1]"),
    (re.compile(r"^C(\d+)$"), r"类型\1"),  # Markov classes, low to high
    (re.compile(r"^L(\d+)$"), r"邻域类型\1"),  # the class of the spatial lag (spatial Markov)
    (re.compile(r"^weights (\S+)$"), r"空间权重矩阵 \1"),
    # captions of the report's tables and figures
    (re.compile(r"^(" + "|".join(map(re.escape, _RESULT_TITLES)) + r") of (\S+)(?:: (.+))?$"), _result_title),
    (
        re.compile(r"^Posterior model probabilities: (.+)$"),
        lambda m: f"后验模型概率：{label(m.group(1), 'zh')}",
    ),
    (
        re.compile(r"^Bootstrap \((\d+) draws, (\d+%) percentile intervals\)$"),
        r"自助法（\1 次抽样，\2 百分位区间）",
    ),
    (re.compile(r"^Ellison-Glaeser index (\S+) by period$"), r"\1 的逐期 Ellison-Glaeser 指数"),
    (re.compile(r"^Spatial Gini (\S+) by period$"), r"\1 的逐期空间基尼系数"),
    (
        re.compile(r"^(\S+) indices by (period|region) \(geometric means\)$"),
        lambda m: f"{m.group(1)} 指数（按{'时期' if m.group(2) == 'period' else '地区'}，几何平均）",
    ),
    (
        re.compile(r"^Moran's I of (\S+) by period \(band: (\d+%) interval under randomisation\)$"),
        r"\1 的逐期 Moran's I（阴影带为随机化假设下的 \2 区间）",
    ),
    (re.compile(r"^Moran scatter plot of (\S+), (.+)$"), r"\1 的 Moran 散点图，\2"),
    (re.compile(r"^LISA clusters of (\S+), (.+)$"), r"\1 的 LISA 集聚图，\2"),
    (
        re.compile(r"^Dagum Gini of (\S+): (" + "|".join(map(re.escape, _DAGUM_FIGURES)) + r")$"),
        lambda m: _of(m.group(1), f"Dagum 基尼系数：{_DAGUM_FIGURES[m.group(2)]}"),
    ),
    (re.compile(r"^Theil T and L of (\S+), within \+ between$"), r"\1 的泰尔指数 T 与 L（组内 + 组间）"),
    (
        re.compile(
            r"^Kernel density of (\S+)( \(relative to the cross-section mean\))?(: period x value x density)?$"
        ),
        lambda m: (
            f"{m.group(1)} 的核密度估计"
            + ("（相对于截面均值）" if m.group(2) else "")
            + ("：时期 × 取值 × 密度" if m.group(3) else "")
        ),
    ),
    (
        re.compile(r"^(Markov|Spatial markov|LISA markov) of (\S+): transitions$"),
        lambda m: _of(m.group(2), f"{_CHAIN_FIGURES[m.group(1)]}：转移概率"),
    ),
    (
        re.compile(r"^" + _LOCAL + r": regions per class of (\S+)$"),
        lambda m: f"{_of(m.group(3), _local(m))}：各类别地区数",
    ),
    (
        re.compile(r"^" + _LOCAL + r": (\S+), (.+?)(, per region)?$"),
        lambda m: f"{_of(m.group(3), _local(m))}，{m.group(4)}" + ("，各地区" if m.group(5) else ""),
    ),
    (
        re.compile(r"^Emerging hot spots of (\S+) \((.+?)\)(, per region|: regions per category)?$"),
        lambda m: (
            f"{m.group(1)} 的时空热点分析（{m.group(2)}）"
            + {"": "", ", per region": "，各地区", ": regions per category": "：各类别地区数"}[
                m.group(3) or ""
            ]
        ),
    ),
    (
        re.compile(
            r"^Effects of (\S+) by region \((\S+)\): direct, spillover emitted, received"
            r"(?:; hatched where the (\d+%) interval \((\d+) draws\) covers 0)?$"
        ),
        lambda m: (
            f"{m.group(1)} 的分地区效应（{m.group(2)}）：直接效应、发出的溢出效应、接收的溢出效应"
            + (f"；阴影表示 {m.group(3)} 区间（{m.group(4)} 次抽样）包含 0" if m.group(3) else "")
        ),
    ),
    (
        re.compile(r"^Specification search, weights (\S+), (\w+) fixed effects$"),
        lambda m: f"模型设定搜索，空间权重矩阵 {m.group(1)}，{_FE_KIND.get(m.group(2), m.group(2))}固定效应",
    ),
    (
        re.compile(r"^(\S+) \((" + "|".join(_PANEL_TYPES) + r")\) of (\S+)$"),
        lambda m: f"{m.group(3)} 的{_PANEL_TYPES[m.group(2)]}（{m.group(1)}）",
    ),
    (re.compile(r"^(\S+) \(threshold on (\S+)\) of (\S+)$"), r"\3 的门槛效应模型（\1，门槛变量 \2）"),
    (re.compile(r"^(\S+): thresholds and intervals$"), r"\1：门槛值及其置信区间"),
    (
        re.compile(r"^(\S+): (" + "|".join(_CAUSAL_TYPES) + r") of (\S+)$"),
        lambda m: f"{m.group(1)}：{_of(m.group(3), _CAUSAL_TYPES[m.group(2)])}",
    ),
    (
        re.compile(r"^(\S+): placebo test \((\d+) draws, seed (\d+)\)$"),
        r"\1：安慰剂检验（\2 次抽样，随机种子 \3）",
    ),
    (re.compile(r"^(\S+): event-time coefficients of (\S+)$"), r"\1：\2 的事件时间系数"),
    (re.compile(r"^(\S+): placebo distribution against the estimate$"), r"\1：安慰剂检验分布与估计值"),
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
    # the report's paragraphs: sentence by sentence (the names and numbers in them kept)
    (
        re.compile(
            r"Global Moran's I by period under weights '([^']+)' \((\d+) permutations, seed (\d+)\); "
            r"LISA clusters at p <= ([0-9.]+)\."
        ),
        r"逐期全局 Moran's I 采用空间权重矩阵 '\1'（\2 次置换，随机种子 \3）；LISA 集聚的显著性水平为 p ≤ \4。",
    ),
    (
        re.compile(
            r"(\S+): period\(s\) (.+?) left out of Moran's I and LISA: the variable is the same in every "
            r"region there\."
        ),
        r"\1：时期 \2 未纳入 Moran's I 与 LISA 计算（该时期各地区取值相同）。",
    ),
    (
        re.compile(
            r"LeSage and Pace \(2009\) effects; standard errors from (\d+) draws of the parameters "
            r"\(seed (\d+)\)\."
        ),
        r"效应分解采用 LeSage 和 Pace（2009）的方法；标准误来自参数的 \1 次模拟抽样（随机种子 \2）。",
    ),
    (re.compile(r"Groups: (\S+); regions weighted by (\S+)\. "), r"分组变量：\1；地区以 \2 加权。"),
    (re.compile(r"Groups: (\S+); regions unweighted\. "), r"分组变量：\1；地区不加权。"),
    (
        re.compile(r"Dagum bootstrap: (\d+) draws \(seed (\d+)\)\. "),
        r"Dagum 自助法：\1 次抽样（随机种子 \2）。",
    ),
    (
        re.compile(
            r"Dagum \(1997\): G = G_w \+ G_nb \+ G_t; Theil T = GE\(1\), L = GE\(0\), each within \+ between\."
        ),
        "Dagum（1997）：G = G_w + G_nb + G_t；泰尔指数 T = GE(1)，L = GE(0)，均分解为组内与组间。",
    ),
    (
        re.compile(r"Spatial beta convergence: (\w+) under weights '([^']+)'\."),
        r"空间β收敛：空间权重矩阵 '\2' 下的 \1 模型。",
    ),
    (
        re.compile(
            r"(\S+) in (\d+) classes \((quantiles of the pooled panel|quantiles of each period)\); "
            r"giddy \(PySAL\) estimates the chains\."
        ),
        lambda m: (
            f"{m.group(1)} 按{'全样本' if 'pooled' in m.group(3) else '各期'}分位数分为 {m.group(2)} 类；"
            "马尔可夫链由 giddy（PySAL）估计。"
        ),
    ),
    (
        re.compile(
            _LOCAL + r" under weights '([^']+)' \((normal p-values, no permutations|\d+ permutations, seed "
            r"\d+ \+ the period's position)\); classes at (p <=|Benjamini-Hochberg \(FDR\) cut-off at) ([0-9.]+)\."
        ),
        lambda m: (
            f"{_local(m)}采用空间权重矩阵 '{m.group(3)}'（"
            + (
                "正态近似 p 值，不做置换"
                if m.group(4).startswith("normal")
                else m.group(4)
                .replace(" permutations, seed ", " 次置换，随机种子 ")
                .replace(" + the period's position", " + 时期序号")
            )
            + "）；类别的显著性水平为 "
            + ("p ≤ " if m.group(5) == "p <=" else "Benjamini-Hochberg（FDR）临界值 ")
            + f"{m.group(6)}。"
        ),
    ),
    (
        re.compile(
            r"Outputs (.+?); inputs (.+?); (input|output) orientation, (\w+) frontiers \(DEAP 2\.1 conventions\)\. "
            r"Indices are geometric means over regions; 'tfp' \(cumulative index\) enters the panel\."
        ),
        lambda m: (
            f"产出：{m.group(1)}；投入：{m.group(2)}；{'投入' if m.group(3) == 'input' else '产出'}导向，"
            f"{ {'adjacent': '相邻', 'contemporaneous': '当期', 'sequential': '序列', 'global': '全局'}.get(m.group(4), m.group(4)) }前沿"
            "（DEAP 2.1 约定）。指数为各地区的几何平均；累计指数 'tfp' 并入面板。"
        ),
    ),
    (re.compile(r"Weights (\S+): supported model (\w+)\. "), r"空间权重矩阵 \1：支持 \2 模型。"),
    (
        re.compile(
            r"LeSage \(2014\) log-marginal likelihoods of (.+?) under the weights (.+?) \((\w+) fixed effects\), "
            r"every kind and W equally probable a priori\. Most probable: (\w+) with (\S+)\. The probabilities "
            r"compare the models given the regressors; they do not test the SDM's common-factor restriction\."
        ),
        lambda m: (
            f"LeSage（2014）对数边际似然：模型 {m.group(1)}，空间权重矩阵 {m.group(2)}"
            f"（{_FE_KIND.get(m.group(3), m.group(3))}固定效应），各模型类型与空间权重矩阵的先验概率相等。"
            f"后验概率最大的是 {m.group(4)}（{m.group(5)}）。后验概率是在给定解释变量下对模型的比较，"
            "并不检验 SDM 的公因子约束。"
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


def label(english: str, language: str, keep: Collection[str] = ()) -> str:
    """A label (heading, column header, row label) in ``language``; names spillover did not write come back
    unchanged, and so do the names in ``keep`` (a study's variables: a variable called ``T`` or ``trend``
    keeps its name although spillover's own column ``T`` is 泰尔指数 T)."""
    if language == "en" or not english or english in keep:
        return english
    if english in _ZH:
        return _ZH[english]
    for pattern, sub in _ZH_PATTERNS:
        if pattern.pattern.startswith("^"):
            out, n = pattern.subn(sub, english)
            if n:
                return out
    if " / " in english:  # a flattened row label of a table, e.g. "direct / ln_pcap"
        return " / ".join(label(part, language, keep) for part in english.split(" / "))
    return english


#: text cells that carry a name: the most probable model (``SDM with queen``)
_ZH_CELL_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^([A-Z]+) with (\S+)$"), r"\1（\2）"),
)


def cell(value: str, language: str) -> str:
    """A text cell (``"Yes"``, ``"twoway"``) in ``language``; numbers and names come back unchanged."""
    if language != "zh":
        return value
    if value in _ZH_CELLS:
        return _ZH_CELLS[value]
    for pattern, sub in _ZH_CELL_PATTERNS:
        out, n = pattern.subn(sub, value)
        if n:
            return out
    return value


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
