"""Plain-language sentences for the rows of ``claims.tsv`` (presentation only).

Each popular claim (:data:`CLAIM_TITLES`) stays the quoted hypothesis; the verdict sentence is
about the dataset's own states, e.g. "eyes_closed vs eyes_open: posterior alpha +11.4 dB
[10.2, 12.6], p < 0.001 (Holm), n = 12 — alpha increased, not abolished." The verdicts are
decided in :mod:`eegstate.stats.verdicts`; this module only words them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from eegstate.report.formatting import (
    format_p,
    is_missing,
    plain,
    signed,
    signed_significant,
    significant,
    text,
)

#: The popular claims, quoted: the hypotheses the verdicts answer.
CLAIM_TITLES: dict[str, str] = {
    "alpha_abolished": '"Ketamine completely abolishes the alpha state"',
    "theta_emerges": '"A theta pattern emerges"',
    "gamma_increases": '"Theta and gamma waves" (gamma rises)',
    "dmn_connectivity_reduced": '"Ketamine reduces DMN activity"',
    "state_decodable": "The state can be told apart from baseline",
}

#: What each verdict says about its claim's measure (``not_testable`` is worded separately).
VERDICT_PHRASES: dict[str, dict[str, str]] = {
    "alpha_abolished": {
        "abolished": "alpha abolished: the periodic alpha peak is gone",
        "reduced": "alpha reduced, not abolished",
        "unchanged": "alpha not significantly changed, so not abolished",
        "increased": "alpha increased, not abolished",
    },
    "theta_emerges": {
        "emerged": "a theta pattern emerges (a theta peak appears)",
        "increased": "theta increased, but no theta peak emerges",
        "reduced": "theta reduced: no theta pattern emerges",
        "unchanged": "theta not significantly changed: no theta pattern emerges",
    },
    "gamma_increases": {
        "increased": "gamma increased",
        "reduced": "gamma decreased",
        "unchanged": "gamma not significantly changed",
    },
    "dmn_connectivity_reduced": {
        "reduced": "DMN connectivity reduced, and not merely with the control network",
        "increased": "DMN connectivity increased, and not merely with the control network",
        "unchanged": "no specific significant change of DMN connectivity",
    },
    "state_decodable": {
        "increased": "the two states are decodable above chance",
        "unchanged": "the two states are not distinguishable from chance",
    },
}

#: Short name of each claim's measure in sentences, and its unit.
MEASURES: dict[str, tuple[str, str]] = {
    "alpha_abolished": ("posterior alpha", " dB"),
    "theta_emerges": ("theta", " dB"),
    "gamma_increases": ("gamma", " dB"),
    "dmn_connectivity_reduced": ("within-DMN connectivity", ""),
    "state_decodable": ("balanced accuracy", ""),
}

#: Claims whose effect is not in dB: connectivity (3 significant digits), accuracy (2 decimals).
DMN_CLAIM, DECODING_CLAIM = "dmn_connectivity_reduced", "state_decodable"


def _effect(claim: str, value: Any) -> str:
    if claim == DMN_CLAIM:
        return signed_significant(value, 3)
    return plain(value, 2) if claim == DECODING_CLAIM else signed(value, 1)


def _bound(claim: str, value: Any) -> str:
    if claim == DMN_CLAIM:
        return significant(value, 3)
    return plain(value, 2 if claim == DECODING_CLAIM else 1)


@dataclass(frozen=True)
class SentenceDetails:
    """What a claims row does not hold but its sentence names.

    Attributes
    ----------
    measure : str, optional
        The measure's name instead of :data:`MEASURES` (e.g. ``within-DMN dwpli``, the DMN
        metric that decided).
    p_floor : float, optional
        Smallest p the decoding permutation test could give (``p_value_floor``).
    """

    measure: str | None = None
    p_floor: float | None = None


def verdict_phrase(claim: str, verdict: str) -> str:
    """The words of a verdict for a claim (``not testable`` for ``not_testable``)."""
    if verdict == "not_testable":
        return "not testable"
    return VERDICT_PHRASES.get(claim, {}).get(verdict, verdict.replace("_", " "))


def _numbers(row: Mapping[str, Any], details: SentenceDetails) -> list[str]:
    claim = str(row["claim"])
    name, unit = MEASURES.get(claim, (claim, ""))
    name = details.measure or name
    parts = []
    if not is_missing(row.get("effect")):
        text = f"{name} {_effect(claim, row['effect'])}{unit}"
        if not (is_missing(row.get("ci_low")) or is_missing(row.get("ci_high"))):
            text += f" [{_bound(claim, row['ci_low'])}, {_bound(claim, row['ci_high'])}]"
        parts.append(text)
    if not is_missing(row.get("p_value")):
        if claim == DECODING_CLAIM:
            text = f"permutation {format_p(row['p_value'], 3)}"
            if not is_missing(details.p_floor):
                text += f" (smallest attainable {significant(details.p_floor, 3)})"
            parts.append(text)
        else:
            parts.append(f"{format_p(row['p_value'])} (Holm)")
    n = 0 if is_missing(row.get("n_subjects")) else int(row["n_subjects"])
    if n or parts:
        parts.append(f"n = {n}")
    return parts


def claim_sentence(
    row: Mapping[str, Any],
    *,
    baseline: str,
    target: str,
    details: SentenceDetails | None = None,
) -> str:
    """One sentence stating a claim's verdict on the dataset's own contrast.

    Parameters
    ----------
    row : mapping
        A row of ``claims.tsv`` (``claim``, ``effect``, ``ci_low``, ``ci_high``, ``p_value``,
        ``n_subjects``, ``verdict``, ``caveat``).
    baseline, target : str
        The dataset's state labels (``baseline`` and ``target`` of the configuration).
    details : SentenceDetails, optional
        Names and numbers from other tables (the DMN metric, the decoding floor).

    Returns
    -------
    str
        E.g. ``"dissociative vs baseline: posterior alpha −1.5 dB [−1.8, −1.1], p = 0.0024
        (Holm), n = 12 — alpha reduced, not abolished."``; a ``not_testable`` verdict ends
        with its reason (the caveat).
    """
    claim, verdict = str(row["claim"]), str(row["verdict"])
    numbers = _numbers(row, details or SentenceDetails())
    sentence = f"{target} vs {baseline}"
    if numbers:
        sentence += ": " + ", ".join(numbers)
    sentence += f" — {verdict_phrase(claim, verdict)}"
    caveat = text(row.get("caveat")).strip()
    if verdict == "not_testable" and caveat:
        sentence += f": {caveat}"
    return sentence + "."
