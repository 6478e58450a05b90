"""Line numbers of the keys of a TOML file.

:mod:`tomllib` parses a study file but keeps no positions, and a study file's mistakes must be reported with
their line.  This light scan of the source text follows table headers (``[a.b]``, ``[[models]]``, counting the
array-of-tables entries), ``key = value`` lines (dotted keys included) and the keys of one-line inline tables,
and maps each key path to the line where it is written.  It does not validate TOML (tomllib does that first);
a path it cannot place gets the line of the nearest enclosing table it found.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["KeyPath", "key_lines", "line_of", "format_path"]

KeyPath = tuple[str | int, ...]

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_ASSIGN = re.compile(
    r"""^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*="""
)
_INLINE_KEY = re.compile(r"""(?:[{,]\s*)([A-Za-z0-9_-]+|"[^"]*"|'[^']*')\s*=""")


def _split_dotted(text: str) -> list[str]:
    parts = re.findall(r"""[A-Za-z0-9_-]+|"[^"]*"|'[^']*'""", text)
    return [p[1:-1] if p[:1] in "\"'" else p for p in parts]


def key_lines(source: str) -> dict[KeyPath, int]:
    """Map each key path of ``source`` (a TOML text) to its 1-based line number.

    Array-of-tables entries are numbered from 0: the second ``[[models]]`` entry's ``kind`` is
    ``("models", 1, "kind")``.

    Examples
    --------
    >>> text = '[study]\\ntitle = "x"\\n[[models]]\\nkind = "sdm"\\n[[models]]\\nkind = "sar"\\n'
    >>> lines = key_lines(text)
    >>> lines[("study", "title")], lines[("models", 1, "kind")]
    (2, 6)
    """
    lines: dict[KeyPath, int] = {}
    counts: dict[tuple[str, ...], int] = {}
    table: KeyPath = ()
    in_multiline = False
    for number, raw in enumerate(source.splitlines(), start=1):
        if in_multiline:
            if raw.count('"""') % 2 == 1 or raw.count("'''") % 2 == 1:
                in_multiline = False
            continue
        header = _HEADER.match(raw)
        if header and not _ASSIGN.match(raw):
            names = _split_dotted(header.group(2))
            if header.group(1) == "[[":
                key = tuple(names)
                counts[key] = counts.get(key, -1) + 1
                table = (*names, counts[key])
            else:
                table = _with_array_indices(names, counts)
            lines.setdefault(table, number)
            if header.group(1) == "[[":
                lines.setdefault(table[:-1], number)
            continue
        assign = _ASSIGN.match(raw)
        if not assign:
            continue
        path = (*table, *_split_dotted(assign.group(1)))
        lines.setdefault(path, number)
        rest = raw[assign.end() :]
        for inner in _INLINE_KEY.finditer(rest):
            lines.setdefault((*path, *_split_dotted(inner.group(1))), number)
        if rest.count('"""') % 2 == 1 or rest.count("'''") % 2 == 1:
            in_multiline = True
    return lines


def _with_array_indices(names: list[str], counts: dict[tuple[str, ...], int]) -> KeyPath:
    """``[models.truth]`` after ``[[models]]`` belongs to the latest models entry."""
    path: list[str | int] = []
    for i, name in enumerate(names):
        path.append(name)
        prefix = tuple(names[: i + 1])
        if prefix in counts and i < len(names) - 1:
            path.append(counts[prefix])
    return tuple(path)


def line_of(lines: dict[KeyPath, int], path: Sequence[str | int]) -> int | None:
    """The line of ``path``, or of its nearest enclosing key or table that was found."""
    path = tuple(path)
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return None


def format_path(path: Sequence[str | int]) -> str:
    """``("models", 0, "weights")`` -> ``"models[0].weights"``.

    >>> format_path(("weights", "queen", "kind")), format_path(("models", 1, "kind"))
    ('weights.queen.kind', 'models[1].kind')
    """
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + (part if re.fullmatch(r"[A-Za-z0-9_-]+", part) else f'"{part}"')
    return out
