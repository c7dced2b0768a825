"""Any OpenNeuro dataset by accession: openneuro-py downloads, mne-bids reads.

The dataset lives in ``<data_dir>/<accession>`` (``data_dir`` defaults to
``~/mne_data/openneuro``) as a BIDS folder; states are mapped from BIDS entities exactly as for
the ``bids`` adapter (:mod:`eegstate.datasets.bids`). Only what the mapping needs is downloaded:
per subject, the files of the mapped recordings (data and sidecars) and the dataset's top-level
metadata.

openneuro-py shows progress bars, resumes partial files with HTTP ``Range`` requests and checks
each file's size and MD5 (the ``ETag`` OpenNeuro's storage publishes). It writes straight into
its target folder, so :func:`fetch_openneuro` points it at a staging folder beside the dataset
and moves files into the dataset only after a download that openneuro-py reports complete and
verified: a file that failed verification never appears in the dataset (it stays in the staging
folder, where the next fetch checks it again and resumes or replaces it).
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import re
import shutil
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from eegstate.config import setting_hint
from eegstate.datasets.base import (
    DatasetInfo,
    PreparationJob,
    subject_fetch_job,
    subject_manifest,
)
from eegstate.datasets.bids import BIDSAdapter, state_mapping_problems

if TYPE_CHECKING:
    from eegstate.datasets.download import FetchSummary

logger = logging.getLogger(__name__)

ACCESSION = re.compile(r"^ds\d{6}$")
#: BIDS file-name order of the entities the state mapping may use.
ENTITY_PREFIXES: dict[str, str] = {
    "session": "ses",
    "task": "task",
    "acquisition": "acq",
    "run": "run",
}


def openneuro_root(data_dir: str | Path | None, accession: str) -> Path:
    """Local BIDS folder of a dataset: ``<data_dir>/<accession>``."""
    base = Path(data_dir) if data_dir else Path.home() / "mne_data" / "openneuro"
    return (base.expanduser() / accession).resolve()


def staging_dir(root: Path) -> Path:
    """Where openneuro-py writes before files are moved into ``root``."""
    return root.parent / f".{root.name}.partial"


def _combinations(spec: Mapping[str, Any]) -> Iterator[dict[str, str]]:
    entities = spec["entities"]
    keys = [key for key in ENTITY_PREFIXES if key in entities]
    choices = [
        [str(v) for v in (entities[k] if isinstance(entities[k], list) else [entities[k]])]
        for k in keys
    ]
    for values in itertools.product(*choices):
        yield dict(zip(keys, values, strict=True))


def include_patterns(subject: str, states: Sequence[Mapping[str, Any]]) -> list[str]:
    """openneuro-py include patterns for one subject's mapped recordings.

    Each recording's files (data, BrainVision header/markers, EEGLAB ``.fdt``, sidecars)
    share the stem ``sub-<label>[_ses-..]_task-.._acq-.._run-..``; entities absent from the
    mapping match anything. The top-level JSON sidecars are included for inheritance.
    """
    patterns = []
    for spec in states:
        for combination in _combinations(spec):
            stem = "*".join(
                f"{ENTITY_PREFIXES[key]}-{value}_" for key, value in combination.items()
            )
            patterns.append(f"sub-{subject}/**/sub-{subject}_*{stem}*")
    return [*dict.fromkeys(patterns), "/*.json"]


def expected_paths(
    root: Path, subject: str, state: str, params: Mapping[str, Any]
) -> list[dict[str, str]]:
    """Rows for a subject not downloaded yet, built from the mapping (single values only)."""
    import mne_bids

    spec = params["states"][state]
    combinations = list(_combinations(spec))
    if len(combinations) != 1 or "task" not in combinations[0]:
        raise ValueError(
            f"subject {subject} is not downloaded yet and 'bids.states.{state}.entities' "
            "does not name one recording (give task and single values); run "
            "`eegstate fetch` first so the files can be found"
        )
    entities = combinations[0]
    path = mne_bids.BIDSPath(
        root=root,
        subject=subject,
        session=entities.get("session"),
        task=entities["task"],
        acquisition=entities.get("acquisition"),
        run=entities.get("run"),
        datatype=params["datatype"],
        suffix="eeg",
        extension=params["extensions"][0],
        check=False,
    )
    return [
        {
            "subject": subject,
            "session": entities.get("session", ""),
            "state": state,
            "path": str(path.fpath),
            "eyes": str(spec.get("eyes") or ""),
            "task": str(spec.get("task") or entities["task"]),
        }
    ]


def plan_openneuro(config: Mapping[str, Any]) -> pd.DataFrame:
    """Recordings of the configured subjects (downloaded or still to download).

    Subjects already present are planned from their files (mne-bids); the others from the
    mapping (which must then name one file per state, with ``bids.extensions[0]``).

    Parameters
    ----------
    config : mapping
        Validated configuration (``openneuro``, ``bids``, ``data_dir``, ``subjects``).

    Returns
    -------
    pandas.DataFrame
        Columns ``subject, session, state, path, eyes, task``.
    """
    from eegstate.datasets.bids import plan_bids_root

    root = openneuro_root(config["data_dir"], config["openneuro"]["accession"])
    states = (config["baseline"], config["target"])
    if config["subjects"]:
        subjects = [str(s).removeprefix("sub-") for s in config["subjects"]]
    else:
        subjects = sorted(p.name[4:] for p in root.glob("sub-*") if p.is_dir())
        if not subjects:
            raise ValueError(
                f"OpenNeuro {config['openneuro']['accession']}: set 'subjects' (labels without "
                f"'sub-'), or download subjects first with `eegstate fetch`; nothing under {root}"
            )
    frames = []
    for subject in subjects:
        if (root / f"sub-{subject}").is_dir():
            frames.append(plan_bids_root(root, config["bids"], states=states, subjects=[subject]))
        else:
            rows = [
                row
                for state in states
                for row in expected_paths(root, subject, state, config["bids"])
            ]
            frames.append(pd.DataFrame(rows))
    return pd.concat(frames, ignore_index=True)


@contextlib.contextmanager
def _graphql_endpoint(api_url: str | None) -> Iterator[None]:
    """Point openneuro-py at another GraphQL endpoint for the duration (tests: 127.0.0.1).

    openneuro-py reads its endpoint from a module attribute and offers no parameter for it.
    """
    if api_url is None:
        yield
        return
    from openneuro import _download

    saved = _download.gql_url
    _download.gql_url = api_url
    try:
        yield
    finally:
        _download.gql_url = saved


def _move_into(staging: Path, root: Path) -> list[Path]:
    """Move every file of ``staging`` to the same place under ``root`` (atomic per file)."""
    moved = []
    for path in sorted(p for p in staging.rglob("*") if p.is_file()):
        target = root / path.relative_to(staging)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)
        moved.append(target)
    return moved


def subject_present(root: Path, subject: str, config: Mapping[str, Any]) -> bool:
    """Whether every mapped recording of ``subject`` is already under ``root``."""
    from eegstate.datasets.bids import BIDSPlanError, plan_bids_root

    if not (root / f"sub-{subject}").is_dir():
        return False
    try:
        table = plan_bids_root(
            root,
            config["bids"],
            states=(config["baseline"], config["target"]),
            subjects=[subject],
        )
    except BIDSPlanError:
        return False
    return all(Path(path).is_file() for path in table["path"])


def fetch_openneuro(
    config: Mapping[str, Any],
    subjects: Sequence[str],
    *,
    api_url: str | None = None,
    max_retries: int = 3,
    force: bool = False,
):
    """Download the mapped recordings of some subjects with openneuro-py.

    Parameters
    ----------
    config : mapping
        Validated configuration (``openneuro.accession``, ``openneuro.tag``, ``bids``,
        ``baseline``, ``target``, ``data_dir``).
    subjects : sequence of str
        Subject labels (without ``sub-``). Without a state mapping for ``baseline`` and
        ``target`` in ``bids.states``, their whole folders are downloaded.
    api_url : str, optional
        GraphQL endpoint instead of OpenNeuro's (tests point it at a local server).
    max_retries : int
        openneuro-py's attempts per file after the first.
    force : bool
        Download subjects whose recordings are already present too.

    Returns
    -------
    eegstate.datasets.download.FetchSummary
        What was downloaded or found present.

    Raises
    ------
    eegstate.datasets.download.DownloadError
        When openneuro-py could not download or verify every file; nothing unverified is moved
        into the dataset.
    """
    import openneuro

    from eegstate.datasets.download import DownloadError, FetchSummary

    accession = config["openneuro"]["accession"]
    root = openneuro_root(config["data_dir"], accession)
    summary = FetchSummary(f"OpenNeuro {accession}", root)
    mapped = config["bids"]["states"]
    roles = (config["baseline"], config["target"])
    specs = [mapped[state] for state in roles] if all(r in mapped for r in roles) else None
    todo = [s for s in subjects if force or specs is None or not subject_present(root, s, config)]
    for subject in sorted(set(subjects) - set(todo)):
        for path in sorted((root / f"sub-{subject}").rglob("*")):
            if path.is_file():
                summary.add(path, "present")
    if not todo:
        return summary
    if specs is None:  # no state mapping: whole subjects
        include = [*(f"sub-{s}" for s in todo), "/*.json"]
    else:
        include = sorted({p for s in todo for p in include_patterns(s, specs)})
    staging = staging_dir(root)
    staging.mkdir(parents=True, exist_ok=True)
    logger.info("downloading %s subjects %s into %s", accession, ", ".join(todo), root)
    try:
        with _graphql_endpoint(api_url):
            openneuro.download(
                dataset=accession,
                tag=config["openneuro"]["tag"],
                target_dir=staging,
                include=include,
                verify_hash=True,
                verify_size=True,
                max_retries=max_retries,
                max_concurrent_downloads=2,
            )
    except (RuntimeError, OSError) as err:
        raise DownloadError(
            f"OpenNeuro {accession}: download of subjects {', '.join(todo)} failed ({err}). "
            f"Nothing unverified was moved into {root}; partial files stay in {staging} and the "
            "next fetch resumes them (and re-checks any file that failed verification)."
        ) from err
    for path in _move_into(staging, root):
        summary.add(path, "downloaded")
    shutil.rmtree(staging, ignore_errors=True)  # only empty folders are left in it
    return summary


class OpenNeuroAdapter(BIDSAdapter):
    """Any OpenNeuro dataset by accession: downloaded into ``<data_dir>/<accession>``, then
    read as the ``bids`` adapter reads a folder."""

    name = "openneuro"
    info = DatasetInfo(
        description="Any OpenNeuro EEG dataset by accession; BIDS entities (task, "
        "acquisition, session, run) are mapped to states in the config. Example: "
        "ds005620, propofol sedation with awakenings (21 subjects, 64 channels, 5 kHz).",
        licence="per dataset (most are CC0; ds005620: CC0)",
        citation="Markiewicz CJ et al. The OpenNeuro resource for sharing of neuroscience "
        "data. eLife 10:e71774, 2021; and the dataset's own DOI "
        "(doi:10.18112/openneuro.<accession>.v<version>).",
        size="per dataset (ds005620: 77 GB in full; only the mapped recordings are downloaded)",
        access="automatic: openneuro-py (resumes, verifies sizes and MD5 ETags)",
        config="config/openneuro-ds005620.yaml",
    )
    #: The example config's subjects are those its state mapping was written for.
    fetch_clears = ()

    def citation(self, config: Mapping[str, Any]) -> str:
        """The accession's DOI, then OpenNeuro's citation."""
        accession = config["openneuro"]["accession"]
        return (
            f"OpenNeuro {accession}, doi:10.18112/openneuro.{accession} (see the dataset's "
            f"dataset_description.json for its authors and version). {self.info.citation}"
        )

    def check(self, config: Mapping[str, Any]) -> list[str]:
        """``openneuro.accession`` is required and the two states must be mapped."""
        problems = []
        if not config["openneuro"]["accession"]:
            problems.append(
                "adapter 'openneuro' needs 'openneuro.accession', e.g. "
                + setting_hint("openneuro.accession", "ds005620")
            )
        return problems + state_mapping_problems(config)

    def plan(self, config: Mapping[str, Any]) -> pd.DataFrame:
        """See :func:`plan_openneuro`."""
        return plan_openneuro(config)

    def fetch(
        self,
        config: Mapping[str, Any],
        subjects: Sequence[Any] | None,
        *,
        progressbar: bool = True,
    ) -> list[FetchSummary]:
        """The mapped recordings of the named subjects (see :func:`fetch_openneuro`)."""
        if not subjects:
            raise ValueError("OpenNeuro: name the subjects to fetch (--subjects or 'subjects')")
        labels = [str(subject).removeprefix("sub-") for subject in subjects]
        return [fetch_openneuro(config, labels)]

    def fetch_config(self, config: dict[str, Any], *, accession: str | None = None) -> dict:
        """Another ``--accession`` than the config's drops its state mapping (per dataset)."""
        if accession:
            if accession != config["openneuro"]["accession"]:
                config["bids"] = {**config["bids"], "states": {}}
            config["openneuro"] = {**config["openneuro"], "accession": accession}
        return config

    def preparation_jobs(
        self, config: Mapping[str, Any], results: str, recordings: pd.DataFrame
    ) -> tuple[PreparationJob, ...]:
        """One fetch job per subject (only the mapped recordings and sidecars)."""
        return (subject_fetch_job(results, "fetch"),)

    def recording_input(self, row: Any, results: str) -> list[str]:
        """The subject's fetch manifest (the file may not exist before the fetch)."""
        return [subject_manifest(results, row["subject"])]
