"""Paper-style tables: layout of Table 11 (Main | Wx | Direct | Indirect | Total), stars, renderings."""

from __future__ import annotations

import pytest

from spillover.errors import ModelError
from spillover.spatial.model import SpatialPanelModel
from spillover.tables import SummaryTable, compare, stars_for

X = ["ln_pcap", "ln_pc", "ln_emp", "unemp"]


@pytest.fixture(scope="module")
def fits(us_panel, us_w):
    panel, w = us_panel, us_w
    sdm = SpatialPanelModel(panel, "ln_gsp", X, w, kind="sdm", fixed_effects="twoway").fit()
    sar = SpatialPanelModel(panel, "ln_gsp", X, w, kind="sar", fixed_effects="twoway").fit()
    return sdm, sar


def test_stars():
    assert [stars_for(p) for p in (0.2, 0.09, 0.04, 0.009)] == ["", "*", "**", "***"]
    assert stars_for(0.04, levels=(0.05,)) == "*"


def test_summary_layout(fits):
    sdm, _ = fits
    tab = sdm.summary(draws=200, seed=0)
    assert isinstance(tab, SummaryTable)
    frame = tab.to_frame()
    assert list(frame.columns) == ["Main", "Wx", "Direct", "Indirect", "Total"]
    labels = list(frame.index)
    assert labels[:2] == ["ln_pcap", ""]
    assert {"rho", "sigma2", "N", "R2", "Log-likelihood"} <= set(labels)
    row = frame.iloc[labels.index("ln_emp")]
    # ln_emp: beta = 0.751 (z = 26) -> three stars; W*ln_emp = -0.281 (z = -5.4) -> three stars
    assert row["Main"] == f"{sdm.params['ln_emp']:.3f}***"
    assert row["Wx"] == f"{sdm.params['W*ln_emp']:.3f}***"
    below = frame.iloc[labels.index("ln_emp") + 1]
    assert below["Main"] == f"({sdm.std_errors['ln_emp']:.3f})"
    assert frame.iloc[labels.index("N")]["Main"] == "816"


def test_summary_t_style_and_custom_stars(fits):
    sdm, _ = fits
    frame = sdm.summary(se="t", stars=(0.05,), draws=0).to_frame()
    labels = list(frame.index)
    below = frame.iloc[labels.index("ln_pc") + 1]
    assert below["Main"] == f"({sdm.zstats['ln_pc']:.3f})"
    assert (
        frame.iloc[labels.index("ln_emp")]["Main"].endswith("*")
        and "**" not in frame.iloc[labels.index("ln_emp")]["Main"]
    )
    with pytest.raises(ModelError, match="'se' needs to be one of"):
        sdm.summary(se="stderr")


def test_renderings(fits):
    sdm, _ = fits
    tab = sdm.summary(draws=0)
    text = str(tab)
    assert "Main" in text and "Indirect" in text and "ln_emp" in text
    html = tab._repr_html_()
    assert html.startswith("<table>") and "<th>Total</th>" in html
    tex = tab.as_latex()
    assert tex.startswith(r"\begin{tabular}{lccccc}") and r"ln\_emp" in tex and "$^{***}$" in tex


def test_compare(fits):
    sdm, sar = fits
    tab = compare([sar, sdm], ["SAR", "SDM"])
    frame = tab.to_frame()
    assert list(frame.columns) == ["SAR", "SDM"]
    labels = list(frame.index)
    assert "W*ln_emp" in labels and "rho" in labels
    assert frame.iloc[labels.index("W*ln_emp")]["SAR"] == ""
    assert frame.iloc[labels.index("Log-likelihood")]["SDM"] == f"{sdm.loglik:.3f}"
    with pytest.raises(ModelError, match="one name per result"):
        compare([sar, sdm], ["only one"])


def test_latex_labels_and_notes_are_escaped(fits):
    sdm, sar = fits
    tex = compare([sar, sdm], ["SAR", "SDM"]).as_latex()
    assert r"W$\times$ln\_emp" in tex  # the W*x label is not turned into stars
    assert "$<$0.1" in tex
