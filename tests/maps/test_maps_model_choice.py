"""The figure of the posterior model probabilities: its bars are the result's probabilities."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from libpysal.graph import Graph

import spillover as so
from spillover.errors import SpilloverError
from spillover.maps import model_probability_plot


def test_bars_are_the_probabilities() -> None:
    panel = so.datasets.us_states().subset(periods=list(range(1970, 1975)))
    queen = Graph.build_contiguity(panel.geometry, rook=False).transform("r")
    knn = Graph.build_knn(panel.geometry.representative_point(), k=4).transform("r")
    res = so.spatial.model_probabilities(
        panel,
        "ln_gsp",
        ["ln_pcap"],
        {"queen": queen, "knn4": knn},
        kinds=("sar", "sdm"),
        fixed_effects="unit",
    )
    fig = model_probability_plot(res)
    ax = fig.axes[0]
    heights = [p.get_height() for p in ax.patches]
    # bars are drawn kind by kind, each over the W in order (independent: the table read directly)
    expected = [res.to_frame().loc[(k, w), "probability"] for k in ("sar", "sdm") for w in ("queen", "knn4")]
    np.testing.assert_allclose(heights, expected)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["queen", "knn4"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["SAR", "SDM"]
    plt.close(fig)


def test_refuses_other_results() -> None:
    with pytest.raises(SpilloverError, match="model_probabilities"):
        model_probability_plot(object())
