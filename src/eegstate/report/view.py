"""What the templates render: sections, tables and figures, already formatted as text.

Section builders (:mod:`eegstate.report.sections`) turn tables into these objects; the Jinja2
templates only lay them out (and escape every string).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from markupsafe import Markup


@dataclass(frozen=True)
class Row:
    """A table row: cell texts and an optional CSS class (e.g. ``excluded``, ``sig``)."""

    cells: tuple[str, ...]
    css: str = ""


@dataclass(frozen=True)
class Table:
    """A table: header, rows, which columns are numeric (right-aligned), optional id."""

    header: tuple[str, ...]
    rows: tuple[Row, ...]
    numeric: tuple[bool, ...] = ()
    table_id: str = ""
    caption: str = ""

    @classmethod
    def of(
        cls,
        header: Sequence[str],
        rows: Iterable[Sequence[object]],
        *,
        numeric: Sequence[bool] = (),
        classes: Sequence[str] | None = None,
        table_id: str = "",
        caption: str = "",
    ) -> Table:
        """Build a table from plain sequences (cells converted with ``str``)."""
        rows = [tuple(str(c) for c in row) for row in rows]
        css = list(classes) if classes is not None else [""] * len(rows)
        return cls(
            header=tuple(header),
            rows=tuple(Row(r, c) for r, c in zip(rows, css, strict=True)),
            numeric=tuple(numeric) or (False,) * len(header),
            table_id=table_id,
            caption=caption,
        )


@dataclass(frozen=True)
class Figure:
    """An embedded PNG (``uri`` a data URI) or, when ``uri`` is empty, why it is missing."""

    alt: str
    uri: str = ""
    missing: str = "Figure not available."


@dataclass(frozen=True)
class Section:
    """A numbered section of the page: anchor id, heading and rendered body."""

    key: str
    title: str
    body: Markup = field(default_factory=Markup)
