"""Plain-language sentences for the rows of ``claims.tsv`` (presentation only).

The verdicts themselves are decided in :mod:`eegstate.stats.verdicts`; this module only words
them, e.g. "Alpha is reduced, not abolished: posterior alpha −1.2 dB [−1.3, −1.1],
p = 0.002 (Holm), n = 12; periodic alpha peak in 12/12 baseline and 12/12 target subjects."
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

#: Headline per claim and verdict.
HEADLINES: dict[str, dict[str, str]] = {
    "alpha_abolished": {
        "abolished": "Alpha is abolished",
        "reduced": "Alpha is reduced, not abolished",
        "unchanged": "Alpha is not abolished and not significantly changed",
        "increased": "Alpha increases; it is not abolished",
    },
    "theta_emerges": {
        "emerged": "A theta pattern emerges",
        "unchanged": "No theta pattern emerges: theta is not significantly changed",
        "reduced": "No theta pattern emerges: theta is reduced",
    },
    "gamma_increases": {
        "increased": "Gamma increases",
        "unchanged": "Gamma does not change significantly",
        "reduced": "Gamma decreases",
    },
    "dmn_connectivity_reduced": {
        "reduced": "DMN connectivity is reduced relative to the control network",
        "unchanged": "DMN connectivity is not significantly changed relative to the control "
        "network",
        "increased": "DMN connectivity increases relative to the control network",
    },
    "state_decodable": {
        "increased": "The two states are decodable from the EEG",
        "unchanged": "The two states are not decodable above chance",
    },
}

#: Short name of each claim's measure in sentences, and its unit.
MEASURES: dict[str, tuple[str, str]] = {
    "alpha_abolished": ("posterior alpha", " dB"),
    "theta_emerges": ("theta", " dB"),
    "gamma_increases": ("gamma", " dB"),
    "dmn_connectivity_reduced": ("DMN − control connectivity", ""),
    "state_decodable": ("balanced accuracy", ""),
}

#: Human-readable claim names.
CLAIM_TITLES: dict[str, str] = {
    "alpha_abolished": '"Ketamine completely abolishes the alpha state"',
    "theta_emerges": '"A theta pattern emerges"',
    "gamma_increases": '"Theta and gamma waves" (gamma rises)',
    "dmn_connectivity_reduced": '"Ketamine reduces DMN activity"',
    "state_decodable": "The state can be told apart from baseline",
}


def _num(value: float, digits: int = 1, signed: bool = False) -> str:
    rounded = round(float(value), digits) + 0.0
    text = f"{rounded:+.{digits}f}" if signed and rounded != 0 else f"{rounded:.{digits}f}"
    return text.replace("-", "−")


def format_p(p: float) -> str:
    """Format a p-value (``p < 0.001`` below 0.001, else two significant digits)."""
    if not math.isfinite(p):
        return "p n/a"
    if p < 0.001:
        return "p < 0.001"
    return f"p = {p:.2g}"


def _finite(value: Any) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def claim_sentence(row: Mapping[str, Any]) -> str:
    """One sentence stating a claim's verdict with its numbers and caveats.

    Parameters
    ----------
    row : mapping
        A row of ``claims.tsv`` (``claim``, ``effect``, ``ci_low``, ``ci_high``,
        ``p_value``, ``n_subjects``, ``verdict``, ``caveat``).

    Returns
    -------
    str
        The sentence.
    """
    claim, verdict = str(row["claim"]), str(row["verdict"])
    caveat = str(row.get("caveat") or "").strip()
    if verdict == "not_testable":
        return f"Not testable: {caveat}." if caveat else "Not testable."
    headline = HEADLINES.get(claim, {}).get(verdict, f"{claim}: {verdict}")
    name, unit = MEASURES.get(claim, (claim, ""))
    parts = []
    if _finite(row.get("effect")):
        digits = 2 if claim in ("state_decodable", "dmn_connectivity_reduced") else 1
        signed = claim != "state_decodable"
        text = f"{name} {_num(row['effect'], digits, signed)}{unit}"
        if _finite(row.get("ci_low")) and _finite(row.get("ci_high")):
            text += f" [{_num(row['ci_low'], digits)}, {_num(row['ci_high'], digits)}]"
        parts.append(text)
    if _finite(row.get("p_value")):
        kind = "permutation" if claim == "state_decodable" else "Holm"
        parts.append(f"{format_p(float(row['p_value']))} ({kind})")
    parts.append(f"n = {int(row.get('n_subjects') or 0)}")
    sentence = f"{headline}: " + ", ".join(parts)
    if caveat:
        sentence += f"; {caveat}"
    return sentence + "."
