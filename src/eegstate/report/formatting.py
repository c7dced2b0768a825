"""Number and text formatting of the group report: the one place where numbers become text.

Signs use the typographic minus (U+2212); missing values (None, NaN, pandas NA) format as ""
(or a dash where a cell must not be empty), never as "nan".
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

#: Shown where a value is missing in a sentence or a table cell that needs content.
DASH = "—"


def is_missing(value: Any) -> bool:
    """Whether a value is None, NaN, infinite, pandas NA or not a number at all.

    Parameters
    ----------
    value : object
        Any value.

    Returns
    -------
    bool
        True when ``value`` cannot be shown as a finite number.
    """
    try:
        return not math.isfinite(float(value))
    except (TypeError, ValueError):
        return True


def text(value: Any, digits: int = 6) -> str:
    """A table cell as in the TSV: ``digits`` significant digits for floats, ``str`` otherwise.

    Parameters
    ----------
    value : object
        Value to show.
    digits : int
        Significant digits of floats.

    Returns
    -------
    str
        "" for None, non-finite floats and NA.
    """
    if value is None:
        return ""
    if isinstance(value, float | np.floating):
        return "" if is_missing(value) else f"{float(value):.{digits}g}"
    if value is pd.NA or value is pd.NaT:
        return ""
    return str(value)


def plain(value: Any, digits: int = 1) -> str:
    """Fixed decimals with a typographic minus (``0.0`` for a rounded −0.0; "" when missing)."""
    if is_missing(value):
        return ""
    rounded = round(float(value), digits) + 0.0  # + 0.0 turns -0.0 into 0.0
    return f"{rounded:.{digits}f}".replace("-", "−")


def signed(value: Any, digits: int = 1) -> str:
    """Fixed decimals with an explicit sign (``0.0`` when it rounds to zero; "" when missing)."""
    if is_missing(value):
        return ""
    rounded = round(float(value), digits) + 0.0
    if rounded == 0:
        return f"{0.0:.{digits}f}"
    return f"{rounded:+.{digits}f}".replace("-", "−")


def significant(value: Any, digits: int = 3) -> str:
    """``digits`` significant digits with a typographic minus ("" when missing)."""
    if is_missing(value):
        return ""
    return f"{float(value):.{digits}g}".replace("-", "−")


def signed_significant(value: Any, digits: int = 3) -> str:
    """``digits`` significant digits with an explicit sign ("" when missing)."""
    if is_missing(value):
        return ""
    number = float(value)
    return ("+" if number > 0 else "") + significant(number, digits)


def interval(low: Any, high: Any, digits: int = 1, *, fixed: bool = True) -> str:
    """``[low, high]`` in fixed decimals (or significant digits); "" when a bound is missing."""
    if is_missing(low) or is_missing(high):
        return ""
    show = plain if fixed else significant
    return f"[{show(low, digits)}, {show(high, digits)}]"


def format_p(p: Any, digits: int = 2) -> str:
    """A p-value in a sentence: ``p < 0.001`` below 0.001, else ``p = `` significant digits.

    Parameters
    ----------
    p : float
        The p-value.
    digits : int
        Significant digits (3 for permutation p-values, whose floor is a ratio like 2/16).

    Returns
    -------
    str
        ``"p n/a"`` when missing.
    """
    if is_missing(p):
        return "p n/a"
    if float(p) < 0.001:
        return "p < 0.001"
    return f"p = {float(p):.{digits}g}"


def p_cell(p: Any) -> str:
    """A p-value in a table cell: ``< 0.001`` or two significant digits ("" when missing)."""
    if is_missing(p):
        return ""
    return "< 0.001" if float(p) < 0.001 else f"{float(p):.2g}"


def hz(fmin: Any, fmax: Any) -> str:
    """A frequency range, e.g. ``8–13 Hz``."""
    return f"{float(fmin):g}–{float(fmax):g} Hz"


def ci_label(ci_level: float) -> str:
    """The interval's name, e.g. ``95% CI``."""
    return f"{float(ci_level) * 100:g}% CI"


def count(k: Any, n: Any) -> str:
    """``k/n`` with integer counts."""
    return f"{int(k)}/{int(n)}"


def percent(value: Any, digits: int = 0) -> str:
    """A proportion as a percentage, e.g. ``0.82`` -> ``82%`` ("" when missing)."""
    if is_missing(value):
        return ""
    return f"{float(value) * 100:.{digits}f}%"


def truthy(value: Any) -> bool:
    """Whether a table cell read from TSV means True (``True``, ``true``, ``1``)."""
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("true", "1")
