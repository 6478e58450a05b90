"""The study's ``[model_choice]`` step: which model and which W (:func:`spillover.spatial.model_probabilities`).

The section's keys are the API's options (``weights`` names ``[weights.*]`` entries, the candidate W, labelled
by those names; ``y`` and ``x`` default to ``[variables]``).  Its tables are the tables of the result's
:class:`~spillover.summary.Summary` (what ``print(res.summary())`` shows), each one report table and one
written table: ``model_choice`` (log-marginal and probability of every kind and W),
``model_choice_probabilities`` (kind x W), ``model_choice_by_kind`` and ``model_choice_by_w`` (the
marginals); the figure is :func:`spillover.maps.model_probability_plot`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from spillover import maps, spatial

if TYPE_CHECKING:
    from spillover.spatial import ModelProbabilities
    from spillover.study.runner import _Context

__all__ = ["model_choice_step", "fit_model_choice", "MODEL_CHOICE_TABLES"]

#: the written tables, in the order of ``ModelProbabilities.summary().tables``
MODEL_CHOICE_TABLES = (
    "model_choice",
    "model_choice_probabilities",
    "model_choice_by_kind",
    "model_choice_by_w",
)


def fit_model_choice(ctx: _Context) -> ModelProbabilities:
    """The result of the validated ``[model_choice]`` section on the study's panel and weights."""
    spec = ctx.study.options("model_choice")
    assert ctx.panel is not None
    names = spec.get("weights") or list(ctx.weights)
    return spatial.model_probabilities(
        ctx.panel,
        spec.get("y") or ctx.study.y,
        spec.get("x") or ctx.study.x,
        {name: ctx.weights[name] for name in names},
        kinds=spec["kinds"],
        fixed_effects=spec["fixed_effects"],
    )


def model_choice_step(ctx: _Context) -> str:
    res = fit_model_choice(ctx)
    sec = ctx.section("model_choice", "Which model and which W: posterior model probabilities")
    kind, w = res.best
    sec.text(
        f"LeSage (2014) log-marginal likelihoods of {', '.join(k.upper() for k in res.kinds)} under the "
        f"weights {', '.join(res.weights)} ({res.fixed_effects} fixed effects), every kind and W equally "
        f"probable a priori. Most probable: {kind.upper()} with {w}. The probabilities compare the models "
        "given the regressors; they do not test the SDM's common-factor restriction."
    )
    summary = res.summary()
    for name, frame, caption in zip(MODEL_CHOICE_TABLES, summary.tables, summary.captions, strict=True):
        title = f"{summary.title}: {caption}"
        one = replace(summary, title=title, tables=(frame,), captions=(caption,))
        ctx.add_table(sec, name, frame, title, display=one)
    ctx.add_figure(
        sec,
        "model_choice",
        maps.model_probability_plot(res),
        "Posterior probabilities of each kind and W",
    )
    return f"{len(res.kinds)} kind(s) x {len(res.weights)} W: {kind.upper()} with {w}"
