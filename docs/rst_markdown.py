"""reStructuredText idioms of eegstate's docstrings, rewritten as Markdown for the site.

eegstate's docstrings are numpydoc with a few reStructuredText constructs inside: Sphinx
roles (``:func:`eegstate.stats.paired.holm_adjust```), definition lists (a term line, then an
indented definition), simple tables (columns under ``=====  =====`` borders) and doctest
lines. mkdocstrings renders docstrings as Markdown, where an indented definition becomes a code
block and a table border a paragraph of ``=`` signs. :func:`to_markdown` rewrites them:

* a role becomes an *optional* cross-reference of mkdocs-autorefs (a link when the object is
  documented on the site, plain code otherwise; never a broken link);
* a definition list becomes a Markdown definition list (the ``def_list`` extension);
* a simple table becomes a Markdown table;
* a run of doctest lines (``>>>``) becomes a fenced Python block;
* (optionally) a numpydoc section heading (a line underlined with ``-``) becomes a Markdown
  heading.

Numpydoc's structured sections (Parameters, Returns, ...) are left to mkdocstrings' parser
except for their roles. :class:`RstToMarkdown` applies the rewrite to every docstring as a
Griffe extension (``mkdocs.yml``: ``extensions: [docs/rst_markdown.py:RstToMarkdown]``); the
hooks (``docs/hooks.py``) use :func:`to_markdown` for docstrings rendered into pages.
"""

from __future__ import annotations

import html
import re
from typing import Any

from griffe import Extension, GriffeLoader, Module, Object

#: A Sphinx cross-reference role, e.g. ``:func:`~eegstate.stats.paired.holm_adjust```.
ROLE = re.compile(r":(?:py:)?(?:func|class|mod|data|meth|attr|exc|obj|const):`(?P<target>[^`]+)`")
#: The underline of a numpydoc section heading.
UNDERLINE = re.compile(r"^\s*-{3,}\s*$")
#: A border of a reStructuredText simple table.
TABLE_BORDER = re.compile(r"^\s*=+(?:\s+=+)+\s*$")
#: The start of a list item (such a line never starts a definition-list term).
LIST_ITEM = re.compile(r"^\s*(?:[-*+]\s|\d+[.)]\s|#\.\s)")
#: Numpydoc sections that mkdocstrings parses into structured tables (names are matched in
#: lower case); their entries look like definition lists and must stay as they are.
STRUCTURED_SECTIONS: frozenset[str] = frozenset(
    {
        "deprecated",
        "parameters",
        "other parameters",
        "type parameters",
        "returns",
        "yields",
        "receives",
        "raises",
        "warns",
        "examples",
        "attributes",
        "functions",
        "methods",
        "classes",
        "type aliases",
        "modules",
    }
)


def role_identifier(target: str, module: str | None, package: bool = False) -> tuple[str, str]:
    """Identifier and visible title of a role's target.

    Parameters
    ----------
    target : str
        The text between the role's backquotes: ``name``, ``~a.b.name`` (title ``name``),
        ``.name`` (relative to the current package) or ``title <a.b.name>``.
    module : str or None
        Dotted path of the module whose docstring holds the role; ``None`` when unknown.
    package : bool
        Whether ``module`` is a package (``.name`` is then one of its modules, otherwise a
        sibling module).

    Returns
    -------
    identifier : str
        Best guess of the object's full dotted path.
    title : str
        The text shown.
    """
    explicit = re.fullmatch(r"(?P<title>.+?)\s*<(?P<path>[^<>]+)>", target)
    if explicit:
        title, path = explicit["title"], explicit["path"]
    else:
        path = target.lstrip("~")
        title = path.rsplit(".", 1)[-1] if target.startswith("~") else path.lstrip(".")
    if module and path.startswith("."):
        base = module if package else module.rpartition(".")[0]
        identifier = f"{base}{path}"
    elif module and "." not in path:
        identifier = f"{module}.{path}"
    else:
        identifier = path
    return identifier, title


def convert_roles(text: str, module: str | None = None, package: bool = False) -> str:
    """Replace every Sphinx role with an optional mkdocs-autorefs cross-reference.

    Parameters
    ----------
    text : str
        Docstring or Markdown text.
    module : str or None
        Dotted path of the module the text documents (resolves ``.name`` and bare ``name``).
    package : bool
        Whether ``module`` is a package.

    Returns
    -------
    str
        The text with ``<autoref identifier="..." optional><code>title</code></autoref>`` in
        place of each role; autorefs links it when the identifier is documented on the site and
        shows the code alone otherwise.
    """

    def replace(match: re.Match[str]) -> str:
        identifier, title = role_identifier(match["target"], module, package)
        return (
            f'<autoref identifier="{html.escape(identifier)}" optional>'
            f"<code>{html.escape(title)}</code></autoref>"
        )

    return ROLE.sub(replace, text)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _cells(line: str, spans: list[tuple[int, int | None]]) -> list[str]:
    return [line[start:stop].strip() if stop else line[start:].strip() for start, stop in spans]


def _join(first: str, second: str) -> str:
    """Join a cell's lines: with a space, or with nothing inside an inline literal."""
    if not first or not second:
        return first or second
    return first + ("" if first.count("``") % 2 else " ") + second


def _table_to_markdown(lines: list[str]) -> list[str]:
    """Markdown table of a reStructuredText simple table (border lines included)."""
    border = lines[0]
    starts = [m.start() for m in re.finditer(r"=+", border)]
    spans: list[tuple[int, int | None]] = [
        (start, starts[i + 1] if i + 1 < len(starts) else None) for i, start in enumerate(starts)
    ]
    borders = [i for i, line in enumerate(lines) if TABLE_BORDER.match(line)]
    header_end = borders[1] if len(borders) == 3 else None
    rows: list[list[str]] = []
    header: list[str] = [""] * len(spans)
    for i, line in enumerate(lines):
        if i in borders or not line.strip():
            continue
        cells = _cells(line, spans)
        if header_end is not None and i < header_end:
            header = [_join(*pair) for pair in zip(header, cells, strict=True)]
        elif rows and (not cells[0] or rows[-1][0].count("``") % 2):
            # a continuation line (blank first column, or a first cell that ends inside an
            # inline literal) extends the previous row's cells
            rows[-1] = [_join(*pair) for pair in zip(rows[-1], cells, strict=True)]
        else:
            rows.append(cells)

    def row(cells: list[str]) -> str:
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"

    return [row(header), "| " + " | ".join("---" for _ in spans) + " |", *map(row, rows), ""]


def _free_text_to_markdown(lines: list[str]) -> list[str]:
    """Rewrite definition lists, simple tables and doctest lines of free text."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if TABLE_BORDER.match(line):
            # the closing border is the first border followed by a blank line (or the end)
            end = i + 1
            while end < len(lines) and not (
                TABLE_BORDER.match(lines[end]) and not "".join(lines[end + 1 : end + 2]).strip()
            ):
                end += 1
            if out and out[-1].strip():
                out.append("")
            out.extend(_table_to_markdown(lines[i : end + 1]))
            i = end + 1
            continue
        if stripped.startswith(">>>"):
            if out and out[-1].strip():
                out.append("")
            out.append("```python")
            indent = _indent(line)
            while i < len(lines) and lines[i].strip() and _indent(lines[i]) >= indent:
                out.append(lines[i][indent:])
                i += 1
            out.extend(["```", ""])
            continue
        following = lines[i + 1] if i + 1 < len(lines) else ""
        is_term = (
            stripped
            and following.strip()
            and _indent(following) > _indent(line)
            and not LIST_ITEM.match(line)
            and not (out and out[-1].strip() and not out[-1].startswith(":   "))
        )
        if is_term:
            indent = _indent(following)
            if out and out[-1].strip():
                out.append("")
            out.append(f"**{stripped}**")
            i += 1
            first = True
            while i < len(lines) and (
                (lines[i].strip() and _indent(lines[i]) >= indent)
                or (
                    not lines[i].strip()
                    and i + 1 < len(lines)
                    and lines[i + 1].strip()
                    and _indent(lines[i + 1]) >= indent
                )
            ):
                text = lines[i][indent:] if lines[i].strip() else ""
                out.append((":   " if first else "    ") + text if text else "")
                first = False
                i += 1
            out.append("")
            continue
        out.append(line)
        i += 1
    return out


def split_sections(text: str) -> list[tuple[str | None, list[str]]]:
    """Split a numpydoc docstring into (section title or None for the preamble, lines)."""
    lines = text.splitlines()
    sections: list[tuple[str | None, list[str]]] = [(None, [])]
    i = 0
    while i < len(lines):
        if (
            i + 1 < len(lines)
            and lines[i].strip()
            and UNDERLINE.match(lines[i + 1])
            and not TABLE_BORDER.match(lines[i])
        ):
            sections.append((lines[i].strip(), []))
            i += 2
            continue
        sections[-1][1].append(lines[i])
        i += 1
    return sections


def to_markdown(
    text: str, module: str | None = None, package: bool = False, heading_level: int | None = None
) -> str:
    """Rewrite the reStructuredText idioms of a numpydoc docstring as Markdown.

    Parameters
    ----------
    text : str
        The docstring (dedented, as ``inspect.cleandoc`` or Griffe give it).
    module : str or None
        Dotted path of the documented module (resolves relative role targets).
    package : bool
        Whether ``module`` is a package.
    heading_level : int or None
        When given, numpydoc section headings become Markdown headings of this level (for a
        docstring rendered into a page); ``None`` keeps them for mkdocstrings' parser.

    Returns
    -------
    str
        Markdown text.
    """
    out: list[str] = []
    for title, lines in split_sections(convert_roles(text, module, package)):
        structured = title is not None and title.lower() in STRUCTURED_SECTIONS
        if title is not None:
            if heading_level is None:
                out.extend([title, "-" * len(title)])
            else:
                out.extend(["", f"{'#' * heading_level} {title}", ""])
        out.extend(lines if structured else _free_text_to_markdown(lines))
    return "\n".join(out).strip("\n") + "\n"


def _walk(obj: Object) -> Any:
    yield obj
    for member in obj.members.values():
        if not member.is_alias:
            yield from _walk(member)


class RstToMarkdown(Extension):
    """Griffe extension: rewrite every docstring of a loaded package with :func:`to_markdown`."""

    def on_package(self, *, pkg: Module, loader: GriffeLoader, **kwargs: Any) -> None:
        """Rewrite the docstrings of ``pkg`` and of everything it defines."""
        for obj in _walk(pkg):
            if obj.docstring is not None:
                module = obj.module
                value = to_markdown(obj.docstring.value, module.path, module.is_package)
                obj.docstring.value = value.rstrip("\n")
