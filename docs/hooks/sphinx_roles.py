"""MkDocs hook: the Sphinx roles of the docstrings (``:func:`x```, ``:class:`~a.b.C```) shown as code.

The docstrings are read by ``help()`` and the IDEs as well as by mkdocstrings, and they name other objects
with Sphinx roles, which Markdown leaves as text (``:func:`` before the code).  After a page is rendered,
``on_page_content`` drops the role and, for ``~a.b.C``, keeps the last name, as Sphinx shows them.
"""

from __future__ import annotations

import re
from typing import Any

ROLE = re.compile(r":(?:py:)?(?:func|class|meth|mod|data|attr|exc|obj|const|ref):<code>(~?)([^<]*)</code>")


def _code(match: re.Match[str]) -> str:
    tilde, target = match.groups()
    return f"<code>{target.rsplit('.', 1)[-1] if tilde else target}</code>"


def on_page_content(html: str, page: Any, config: Any, files: Any) -> str:
    return ROLE.sub(_code, html)
