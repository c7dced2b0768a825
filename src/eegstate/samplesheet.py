"""Read and validate sample sheets: the generic description of a dataset.

A sample sheet is a TSV with one row per recording (columns ``subject``, ``state``, ``path`` and
optionally ``session``, ``eyes``, ``task``); its schema is ``workflow/schemas/samples.schema.yaml``.
Every dataset adapter produces one, so the rest of the workflow never needs to know where data
came from.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import yaml

from eegstate.config import setting_hint
from eegstate.paths import samples_schema_path

OPTIONAL_COLUMNS: tuple[str, ...] = ("session", "eyes", "task")
REQUIRED_COLUMNS: tuple[str, ...] = ("subject", "state", "path")


class SampleSheetError(ValueError):
    """The sample sheet is malformed or names recordings that cannot be used."""


def recording_id(
    subject: str, state: str, session: str = "", task: str = "", eyes: str = ""
) -> str:
    """Build the BIDS-like identifier of a recording, e.g. ``sub-02_ses-1_state-eyesopen``.

    Labels are stripped of characters other than letters and digits, as in BIDS entity labels.

    Parameters
    ----------
    subject, state : str
        Subject and state labels.
    session, task, eyes : str
        Optional labels; empty strings are left out.

    Returns
    -------
    str
        The identifier.
    """

    def clean(label: str) -> str:
        return re.sub(r"[^A-Za-z0-9]", "", str(label))

    parts = [f"sub-{clean(subject)}"]
    for entity, label in (("ses", session), ("task", task), ("acq", eyes)):
        if str(label):
            parts.append(f"{entity}-{clean(label)}")
    parts.append(f"state-{clean(state)}")
    return "_".join(parts)


def _validate_rows(table: pd.DataFrame, where: str) -> None:
    from eegstate.schema_validation import import_jsonschema

    jsonschema = import_jsonschema()
    with open(samples_schema_path(), encoding="utf-8") as handle:
        schema = yaml.safe_load(handle)
    validator = jsonschema.validators.validator_for(schema)(schema)
    problems = []
    for row_number, row in enumerate(table.to_dict(orient="records"), start=2):
        for error in validator.iter_errors(row):
            column = ".".join(str(p) for p in error.absolute_path) or "row"
            problems.append(f"line {row_number}, column '{column}': {error.message}")
    if problems:
        raise SampleSheetError(f"sample sheet {where} is invalid: " + "; ".join(problems[:10]))


def normalize_samples(
    table: pd.DataFrame,
    base_dir: Path,
    *,
    baseline: str,
    target: str,
    where: str = "<table>",
    subjects: list[str] | None = None,
    check_files: bool = True,
    root: Path | None = None,
    allow_outside_root: bool = True,
) -> pd.DataFrame:
    """Validate a sample table and return it with absolute paths and recording identifiers.

    Parameters
    ----------
    table : pandas.DataFrame
        Rows as read from a sample sheet (all values strings).
    base_dir : pathlib.Path
        Folder that relative paths are relative to.
    baseline, target : str
        The two state labels of the contrast; every row must carry one of them.
    where : str
        Name of the sheet, used in error messages.
    subjects : list of str, optional
        Keep only these subjects.
    check_files : bool
        Whether every path must exist.
    root : pathlib.Path, optional
        Data root that every path must resolve into (symbolic links followed), unless
        ``allow_outside_root``.
    allow_outside_root : bool
        Accept paths outside ``root``.

    Returns
    -------
    pandas.DataFrame
        Columns ``subject, session, state, path, eyes, task, recording``, sorted by subject,
        session and state, with absolute ``path``.

    Raises
    ------
    SampleSheetError
        Naming the sheet, the line and what to fix.
    """
    missing = [column for column in REQUIRED_COLUMNS if column not in table.columns]
    if missing:
        raise SampleSheetError(
            f"sample sheet {where} lacks the column(s) {', '.join(missing)}; "
            f"required: {', '.join(REQUIRED_COLUMNS)}; optional: {', '.join(OPTIONAL_COLUMNS)}"
        )
    table = table.copy()
    for column in OPTIONAL_COLUMNS:
        if column not in table.columns:
            table[column] = ""
    table = table.fillna("").astype(str)
    for column in table.columns:
        table[column] = table[column].str.strip()
    _validate_rows(table[[*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS]], where)

    if subjects is not None:
        wanted = {str(subject) for subject in subjects}
        unknown = sorted(wanted - set(table["subject"]))
        if unknown:
            raise SampleSheetError(
                f"subjects {', '.join(unknown)} requested in 'subjects' are not in {where}"
            )
        table = table[table["subject"].isin(wanted)]

    bad_states = table.loc[~table["state"].isin([baseline, target])]
    if len(bad_states):
        lines = ", ".join(str(index + 2) for index in bad_states.index[:10])
        found = ", ".join(sorted(set(bad_states["state"])))
        raise SampleSheetError(
            f"sample sheet {where}: state(s) {found} (line {lines}) are neither the baseline "
            f"{baseline!r} nor the target {target!r}; fix the sheet or set the options "
            f"'baseline' and 'target'"
        )

    def absolute(path: str) -> str:
        candidate = Path(path).expanduser()
        if not candidate.is_absolute():
            candidate = base_dir / candidate
        return str(candidate.resolve())

    table["path"] = [absolute(path) for path in table["path"]]
    if root is not None and not allow_outside_root:
        resolved_root = root.expanduser().resolve()
        outside = [
            f"line {index + 2}: {path}"
            for index, path in zip(table.index, table["path"], strict=True)
            if not Path(path).is_relative_to(resolved_root)
        ]
        if outside:
            raise SampleSheetError(
                f"sample sheet {where} points outside its data root {resolved_root}: "
                f"{'; '.join(outside[:10])}; move the files under the root, set "
                f"'samples_root', or set {setting_hint('allow_paths_outside_root', True)}"
            )
    if check_files:
        absent = [
            f"line {index + 2}: {path}"
            for index, path in zip(table.index, table["path"], strict=True)
            if not Path(path).is_file()
        ]
        if absent:
            raise SampleSheetError(
                f"sample sheet {where} names file(s) that do not exist: {'; '.join(absent[:10])}"
            )
    table["recording"] = [
        recording_id(row.subject, row.state, row.session, row.task, row.eyes)
        for row in table.itertuples()
    ]
    duplicated = table.loc[table["recording"].duplicated(keep=False)]
    if len(duplicated):
        lines = ", ".join(str(index + 2) for index in duplicated.index)
        raise SampleSheetError(
            f"sample sheet {where} lists the same subject/session/task/eyes/state more than once "
            f"(lines {lines}: {', '.join(sorted(set(duplicated['recording'])))}); keep one row "
            "per recording or distinguish them with the session, task or eyes columns"
        )
    columns = ["subject", "session", "state", "path", "eyes", "task", "recording"]
    return table[columns].sort_values(["subject", "session", "state"]).reset_index(drop=True)


def read_samplesheet(
    path: str | Path,
    *,
    baseline: str,
    target: str,
    subjects: list[str] | None = None,
    check_files: bool = True,
    root: str | Path | None = None,
    allow_outside_root: bool = False,
) -> pd.DataFrame:
    """Read a TSV sample sheet and validate it (see :func:`normalize_samples`).

    Parameters
    ----------
    path : str or pathlib.Path
        The sheet.
    baseline, target : str
        The two state labels of the contrast.
    subjects : list of str, optional
        Keep only these subjects.
    check_files : bool
        Whether every listed file must exist.
    root : str or pathlib.Path, optional
        Data root (default: the sheet's folder); see ``allow_outside_root``.
    allow_outside_root : bool
        Accept paths that resolve outside ``root``.

    Returns
    -------
    pandas.DataFrame
        The normalized table.
    """
    path = Path(path)
    if not path.is_file():
        raise SampleSheetError(f"sample sheet not found: {path} (option 'samples')")
    try:
        table = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError) as err:
        raise SampleSheetError(f"sample sheet {path} is not a readable TSV: {err}") from err
    return normalize_samples(
        table,
        path.resolve().parent,
        baseline=baseline,
        target=target,
        where=str(path),
        subjects=subjects,
        check_files=check_files,
        root=Path(root) if root is not None else path.resolve().parent,
        allow_outside_root=allow_outside_root,
    )
