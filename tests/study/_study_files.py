"""Shared set-up of the study tests: a study file on the US states (queen contiguity, ln_gsp on ln_pcap
and ln_emp), written to a folder and run with the library's warnings silenced.

A plain module next to the tests (this suite has no test packages); pytest puts this folder on sys.path.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from spillover import study

#: The [data], [weights.queen] and [variables] sections every small study of the US states starts with.
US_STATES = """\
[data]
dataset = "us_states"
[weights.queen]
kind = "contiguity"
[variables]
y = "ln_gsp"
x = ["ln_pcap", "ln_emp"]
"""


def us_states_study(title: str, seed: int, sections: str) -> str:
    """The text of a study of the US states: [study] (``title``, ``seed``), :data:`US_STATES`, ``sections``."""
    return f'[study]\ntitle = "{title}"\nseed = {seed}\n{US_STATES}{sections}'


def write_study(folder: Path, text: str, name: str = "study.toml") -> Path:
    """``text`` written to ``folder / name`` (UTF-8); the path."""
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def run_quietly(path: Path, out: Path) -> study.StudyRun:
    """:func:`spillover.study.run` of ``path`` into ``out``, its warnings (small samples, few draws) ignored."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return study.run(path, out=out)
