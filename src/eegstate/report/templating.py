"""The Jinja2 environment of the report (templates packaged in ``eegstate/report/templates``).

Autoescaping is on for every template, undefined variables raise, and nothing in the
environment depends on time or locale, so the same inputs render the same bytes.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import jinja2
from markupsafe import Markup


@cache
def environment() -> jinja2.Environment:
    """The shared environment (loaded once).

    Returns
    -------
    jinja2.Environment
        Package loader over ``eegstate.report/templates``, autoescape, strict undefined.
    """
    return jinja2.Environment(
        loader=jinja2.PackageLoader("eegstate.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render(name: str, **context: Any) -> Markup:
    """Render a template to markup.

    Parameters
    ----------
    name : str
        Template path under ``templates/`` (e.g. ``sections/qc.html.j2``).
    **context
        Template variables.

    Returns
    -------
    markupsafe.Markup
        The rendered HTML (safe to embed in another template).
    """
    return Markup(environment().get_template(name).render(**context))
