"""Eyes/task guard: refuse contrasts confounded by eyes condition or task.

Closing the eyes raises posterior alpha by several dB (Berger effect), more than most drug
effects; doing a task changes the spectrum too. When the baseline and target states are meant to
differ in something else (a drug, a sleep stage), their recordings must not differ in eyes
condition or task, nor mix them in different proportions. When the states *are* the eyes
conditions (EEGBCI: eyes open vs closed) or the tasks, that difference is the contrast and is
allowed.
"""

from __future__ import annotations

import pandas as pd

from eegstate.config import setting_hint

#: Config option that lets a confounded contrast run anyway.
ALLOW_OPTION = "allow_eyes_task_mismatch"
#: Usual short forms of the eyes conditions in state labels (``ec`` for eyes closed).
EYES_ABBREVIATIONS: dict[str, tuple[str, ...]] = {"open": ("eo",), "closed": ("ec", "close")}


class ConfoundError(ValueError):
    """The two states differ in eyes condition or task."""


def _counts(table: pd.DataFrame, column: str, state: str) -> dict[str, int]:
    values = table.loc[table["state"] == state, column].replace("", "unknown")
    return {str(key): int(value) for key, value in values.value_counts().sort_index().items()}


def _proportions(counts: dict[str, int]) -> dict[str, float]:
    total = sum(counts.values())
    return {key: value / total for key, value in counts.items()} if total else {}


def _is_the_contrast(table: pd.DataFrame, column: str) -> bool:
    """Whether ``column`` is constant within each state and differs between them."""
    per_state = table.groupby("state")[column].agg(lambda values: set(values))
    if any(len(values) != 1 for values in per_state):
        return False
    labels = [next(iter(values)) for values in per_state]
    return len(set(labels)) == len(labels) and all(labels)


def eyes_task_problems(table: pd.DataFrame, baseline: str, target: str) -> list[str]:
    """Describe how the baseline and target recordings differ in eyes condition or task.

    A column is checked only when at least one recording fills it. It is a problem when the
    proportions of its values differ between the two states (e.g. baseline eyes closed, target
    eyes open; or baseline 2 closed + 2 open, target 2 closed only), except when the column
    *is* the contrast: constant within each state and different between them, with the state
    labels themselves naming it (e.g. states ``eyes_open``/``eyes_closed`` with eyes
    ``open``/``closed``), or the column values being the state labels.

    Parameters
    ----------
    table : pandas.DataFrame
        Planned recordings (columns ``state``, ``eyes``, ``task``).
    baseline, target : str
        The two state labels.

    Returns
    -------
    list of str
        One message per confounded column; empty when the contrast is clean.
    """
    problems = []
    for column, noun in (("eyes", "eyes condition"), ("task", "task")):
        if column not in table.columns or not table[column].astype(str).str.strip().any():
            continue
        table = table.assign(**{column: table[column].astype(str).str.strip()})
        counts = {state: _counts(table, column, state) for state in (baseline, target)}
        if _proportions(counts[baseline]) == _proportions(counts[target]):
            continue
        if _is_the_contrast(table, column) and _states_name_column(table, column, baseline, target):
            continue
        described = "; ".join(
            f"{state!r}: " + ", ".join(f"{count} {value}" for value, count in counts[state].items())
            for state in (baseline, target)
        )
        problems.append(f"the states differ in {noun} ({described})")
    return problems


def _states_name_column(table: pd.DataFrame, column: str, baseline: str, target: str) -> bool:
    """Whether each state's label names its value of ``column`` (``eyes_open`` ~ ``open``)."""

    def norm(text: str) -> str:
        return "".join(char for char in text.lower() if char.isalnum())

    for state in (baseline, target):
        values = set(table.loc[table["state"] == state, column])
        if len(values) != 1:
            return False
        value = norm(next(iter(values)))
        names = {value, *EYES_ABBREVIATIONS.get(value, ())} - {""}
        if not any(name in norm(state) for name in names):
            return False
    return True


def check_eyes_task(
    table: pd.DataFrame, baseline: str, target: str, *, allow: bool = False
) -> list[str]:
    """Stop a contrast confounded by eyes condition or task, unless ``allow``.

    Parameters
    ----------
    table : pandas.DataFrame
        Planned recordings.
    baseline, target : str
        The two state labels.
    allow : bool
        Value of the option ``allow_eyes_task_mismatch``: return the problems instead of
        raising.

    Returns
    -------
    list of str
        The problems found (only when ``allow`` is true, or none were found).

    Raises
    ------
    ConfoundError
        Naming the states, the counts per condition and the option to set.
    """
    problems = eyes_task_problems(table, baseline, target)
    if problems and not allow:
        raise ConfoundError(
            f"baseline {baseline!r} vs target {target!r}: "
            + "; ".join(problems)
            + ". Eyes closure and task change EEG power by themselves (posterior alpha rises "
            "several dB with eyes closed), so the contrast would mix them with the state. "
            "Select matching recordings (same eyes condition and task in both states, in the "
            f"same proportions), or run anyway with {setting_hint(ALLOW_OPTION, True)}."
        )
    return problems
