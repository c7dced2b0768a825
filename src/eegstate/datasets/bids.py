"""BIDS folders: BIDS entities (task, acquisition, session, run) mapped to states.

The config's ``bids.states`` gives, per state label, the entities its recordings must have
(``entities``), and optionally the ``eyes`` condition and the ``task`` written to the sample
sheet (the BIDS task label by default: in some datasets it names the condition, e.g. ds005620
``task-awake`` vs ``task-sed``, so it can be overridden with what the subject did, e.g.
``rest``). Files are found with mne-bids (:func:`mne_bids.find_matching_paths`); channel types
and bad channels come from each recording's ``channels.tsv`` (:func:`apply_bids_channels`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from eegstate.config import setting_hint
from eegstate.datasets.base import DatasetAdapter, DatasetInfo

logger = logging.getLogger(__name__)

#: BIDS entity option name -> argument of :func:`mne_bids.find_matching_paths`.
ENTITY_ARGS: dict[str, str] = {
    "session": "sessions",
    "task": "tasks",
    "acquisition": "acquisitions",
    "run": "runs",
}
#: BIDS ``channels.tsv`` type -> MNE channel type (BIDS specification, EEG appendix).
BIDS_TO_MNE_TYPES: dict[str, str] = {
    "EEG": "eeg",
    "EOG": "eog",
    "VEOG": "eog",
    "HEOG": "eog",
    "ECG": "ecg",
    "EMG": "emg",
    "MISC": "misc",
    "TRIG": "stim",
    "RESP": "resp",
    "GSR": "gsr",
    "TEMP": "temperature",
    "REF": "misc",
}


class BIDSPlanError(ValueError):
    """The BIDS folder does not hold the recordings the state mapping asks for."""


def _values(value: Any) -> list[str] | None:
    if value is None:
        return None
    values = value if isinstance(value, list | tuple) else [value]
    return [str(item) for item in values]


def state_paths(
    root: Path,
    spec: Mapping[str, Any],
    *,
    subjects: Sequence[str] | None,
    datatype: str,
    extensions: Sequence[str],
) -> list[Any]:
    """BIDS paths of one state's recordings (mne-bids ``BIDSPath`` objects)."""
    import mne_bids

    entities = {ENTITY_ARGS[key]: _values(value) for key, value in spec["entities"].items()}
    return mne_bids.find_matching_paths(
        root,
        subjects=list(subjects) if subjects else None,
        suffixes="eeg",
        extensions=list(extensions),
        datatypes=datatype,
        **entities,
    )


def plan_bids_root(
    root: Path,
    params: Mapping[str, Any],
    *,
    states: Sequence[str],
    subjects: Sequence[str] | None,
) -> pd.DataFrame:
    """Recordings of the given states found under a BIDS root.

    Parameters
    ----------
    root : pathlib.Path
        BIDS dataset folder.
    params : mapping
        The ``bids`` config section (``states``, ``datatype``, ``extensions``,
        ``multiple_matches``).
    states : sequence of str
        State labels to plan (baseline and target).
    subjects : sequence of str or None
        Subject labels (without ``sub-``); None means all.

    Returns
    -------
    pandas.DataFrame
        Columns ``subject, session, state, path, eyes, task``.

    Raises
    ------
    BIDSPlanError
        When a state matches no file, or several files for one subject and session while
        ``multiple_matches`` is ``error``.
    """
    rows = []
    for state in states:
        spec = params["states"][state]
        paths = state_paths(
            root,
            spec,
            subjects=subjects,
            datatype=params["datatype"],
            extensions=params["extensions"],
        )
        if not paths:
            raise BIDSPlanError(
                f"BIDS folder {root}: no {params['datatype']} recording with "
                f"{dict(spec['entities'])} and extension {', '.join(params['extensions'])}"
                f" for state {state!r}"
                + (f" and subjects {', '.join(subjects)}" if subjects else "")
                + "; check 'bids.states' (entity values are labels without the 'task-' etc. "
                "prefixes)"
            )
        by_key: dict[tuple[str, str], list[Any]] = {}
        for path in sorted(paths, key=lambda p: str(p.fpath)):
            by_key.setdefault((path.subject, path.session or ""), []).append(path)
        for (subject, session), matches in sorted(by_key.items()):
            if len(matches) > 1 and params["multiple_matches"] == "error":
                names = ", ".join(Path(str(match.fpath)).name for match in matches)
                raise BIDSPlanError(
                    f"state {state!r}, subject {subject}"
                    + (f", session {session}" if session else "")
                    + f": {len(matches)} recordings match ({names}); narrow "
                    f"'bids.states.{state}.entities' (e.g. add run or acquisition) or set "
                    + setting_hint("bids.multiple_matches", "first")
                )
            chosen = matches[0]
            rows.append(
                {
                    "subject": subject,
                    "session": session,
                    "state": state,
                    "path": str(Path(str(chosen.fpath)).resolve()),
                    "eyes": str(spec.get("eyes") or ""),
                    "task": str(spec.get("task") or chosen.task or ""),
                }
            )
    return pd.DataFrame(rows, columns=["subject", "session", "state", "path", "eyes", "task"])


def plan_bids(config: Mapping[str, Any]) -> pd.DataFrame:
    """Recordings of the ``bids`` adapter (root ``bids.root``)."""
    root = Path(config["bids"]["root"]).expanduser().resolve()
    if not (root / "dataset_description.json").is_file():
        raise FileNotFoundError(
            f"option 'bids.root': {root} is not a BIDS folder (no dataset_description.json)"
        )
    subjects = (
        [str(s).removeprefix("sub-") for s in config["subjects"]] if config["subjects"] else None
    )
    return plan_bids_root(
        root, config["bids"], states=(config["baseline"], config["target"]), subjects=subjects
    )


def apply_bids_channels(raw: Any) -> Any:
    """Set channel types and bad channels from the recording's BIDS ``channels.tsv``.

    Without a sidecar (a file outside a BIDS tree) the recording is left unchanged.

    Parameters
    ----------
    raw : mne.io.BaseRaw
        Recording read from a BIDS file (modified in place).

    Returns
    -------
    mne.io.BaseRaw
        The same recording.
    """
    import mne_bids

    if not raw.filenames or raw.filenames[0] is None:
        return raw
    try:
        bids_path = mne_bids.get_bids_path_from_fname(raw.filenames[0], check=False)
        sidecar = bids_path.find_matching_sidecar(
            suffix="channels", extension=".tsv", on_error="ignore"
        )
    except Exception as err:  # not a BIDS file name: nothing to apply
        logger.debug("no BIDS sidecar for %s: %s", raw.filenames[0], err)
        return raw
    if sidecar is None:
        return raw
    table = pd.read_csv(sidecar, sep="\t", dtype=str, keep_default_na=False)
    present = table[table["name"].isin(raw.ch_names)]
    types = {
        row.name: BIDS_TO_MNE_TYPES.get(row.type.upper(), "misc")
        for row in present.itertuples()
        if "type" in table.columns
    }
    if types:
        raw.set_channel_types(types, on_unit_change="ignore", verbose="error")
    if "status" in table.columns:
        bads = sorted(present.loc[present["status"].str.lower() == "bad", "name"])
        raw.info["bads"] = sorted(set(raw.info["bads"]) | set(bads))
    return raw


def state_mapping_problems(config: Mapping[str, Any]) -> list[str]:
    """``baseline`` and ``target`` must be mapped to BIDS entities in ``bids.states``."""
    states = config["bids"]["states"]
    return [
        f"option '{role}' is {config[role]!r} but 'bids.states' maps only "
        f"{', '.join(sorted(states)) or 'nothing'}; map it to BIDS entities there"
        for role in ("baseline", "target")
        if config[role] not in states
    ]


class BIDSAdapter(DatasetAdapter):
    """A local BIDS folder, BIDS entities mapped to states (``bids`` options)."""

    name = "bids"
    info = DatasetInfo(
        description="A local BIDS folder; entities mapped to states as for openneuro.",
        licence="that of the dataset",
        citation="the dataset's own citation (dataset_description.json).",
        size="local",
        access="local folder (read with mne-bids)",
        config="config/bids.yaml",
    )

    def check(self, config: Mapping[str, Any]) -> list[str]:
        """``bids.root`` is required and the two states must be mapped."""
        problems = []
        if not config["bids"]["root"]:
            problems.append(
                "adapter 'bids' needs 'bids.root', the BIDS folder: "
                + setting_hint("bids.root", "DIR")
            )
        return problems + state_mapping_problems(config)

    def plan(self, config: Mapping[str, Any]) -> pd.DataFrame:
        """See :func:`plan_bids`."""
        return plan_bids(config)

    def prepare_raw(self, raw: Any) -> Any:
        """Channel types and bad channels from ``channels.tsv`` (:func:`apply_bids_channels`)."""
        return apply_bids_channels(raw)
