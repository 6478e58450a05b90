"""MkDocs hook: the Sphinx markup of the docstrings shown as Sphinx would show it.

The docstrings are read by ``help()`` and the IDEs as well as by mkdocstrings, and they use two pieces of
Sphinx markup that Markdown leaves as text.  After a page is rendered, ``on_page_content``

* drops the role of ``:func:`x```, ``:class:`~a.b.C``` (keeping, for ``~a.b.C``, the last name), leaving
  the code;
* turns ``:math:`x``` into an inline formula and ``.. math:: formula`` (on the same line, or an indented block after it) into a display formula,
  typeset by MathJax (mkdocs.yml's ``extra_javascript``; offline, the LaTeX stays readable).
"""

from __future__ import annotations

import re
from typing import Any

ROLE = re.compile(r":(?:py:)?(?:func|class|meth|mod|data|attr|exc|obj|const|ref):<code>(~?)([^<]*)</code>")


def _code(match: re.Match[str]) -> str:
    tilde, target = match.groups()
    return f"<code>{target.rsplit('.', 1)[-1] if tilde else target}</code>"


MATH_INLINE = re.compile(r"<p>\.\. math::\s+(.+?)</p>", flags=re.DOTALL)
MATH_BLOCK = re.compile(
    r"<p>\.\. math::</p>\s*<div class=\"highlight\"><pre>(?:<span></span>)?<code>(.*?)</code></pre></div>",
    flags=re.DOTALL,
)
MATH_ROLE = re.compile(r":math:<code>([^<]*)</code>")
TAG = re.compile(r"<[^>]+>")


def _display(formulas: str) -> str:
    """One MathJax display block per formula (blank lines separate formulas)."""
    parts = [" ".join(part.split()) for part in re.split(r"\n\s*\n", TAG.sub("", formulas)) if part.strip()]
    return "".join(f'<div class="arithmatex">\\[{part}\\]</div>' for part in parts)


def on_page_content(html: str, page: Any, config: Any, files: Any) -> str:
    html = MATH_BLOCK.sub(lambda match: _display(match.group(1)), html)
    html = MATH_INLINE.sub(lambda match: _display(match.group(1)), html)
    html = MATH_ROLE.sub(lambda match: f'<span class="arithmatex">\\({match.group(1)}\\)</span>', html)
    return ROLE.sub(_code, html)
