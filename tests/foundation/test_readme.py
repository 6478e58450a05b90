"""The README's example runs as written (it is the first code a new user copies)."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_opens_with_the_two_setup_commands():
    lines = README.read_text(encoding="utf-8").splitlines()
    block = lines[lines.index("```sh") + 1 : lines.index("```sh") + 3]
    assert [line.split("#")[0].strip() for line in block] == ["make demo", "make test"]


def test_readme_python_example_runs():
    code = re.search(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S).group(1)
    namespace: dict = {}
    exec(compile(code, str(README), "exec"), namespace)
    assert namespace["res"].n_regions == 48
    assert set(namespace["tfp"].summary().frame.columns) >= {"effch", "techch", "tfpch"}
