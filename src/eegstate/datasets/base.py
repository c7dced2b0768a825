"""The dataset adapter contract: everything eegstate knows about one dataset, in one class.

An adapter turns a dataset into a table of recordings (the columns of a sample sheet) and tells
the workflow how to make those recordings available. It answers:

* what it is: :attr:`DatasetAdapter.info` (description, licence, citation, size, access and its
  example config file; ``eegstate datasets`` prints it) and :meth:`DatasetAdapter.citation`
  (the citation in the group report);
* which options it needs together: :meth:`DatasetAdapter.check` (cross-option problems, run by
  :func:`eegstate.config.validate_config`);
* which recordings exist: :meth:`DatasetAdapter.plan` (cheap, no download; run when the workflow
  builds its job graph);
* how to download or verify them: :meth:`DatasetAdapter.fetch` (``eegstate fetch``), with
  :meth:`DatasetAdapter.fetch_config` for the command line's own options;
* how to adjust a freshly read recording: :meth:`DatasetAdapter.prepare_raw`;
* what the workflow runs before the recording jobs, and what a recording job waits for:
  :meth:`DatasetAdapter.preparation_jobs` (at most one :class:`PreparationJob` per
  :data:`LEVELS` level, which the generic rules ``prepare_dataset``, ``prepare_subject`` and
  ``prepare_session`` of ``workflow/rules/data.smk`` run through :meth:`DatasetAdapter.prepare`)
  and :meth:`DatasetAdapter.recording_input`.

Options. Every option's default and documentation lives in the one config schema
(``workflow/schemas/config.schema.yaml``), including each built-in adapter's own section
(``eegbci``, ``sleep_physionet``, ...). The schema does not enumerate the adapters: the option
``adapter`` is checked against the registry (:mod:`eegstate.datasets.registry`), so an adapter
from another package is accepted without editing eegstate. Such an adapter reads the generic
options (``data_dir``, ``subjects``, ``samples``, ``baseline``, ``target``, ...); a built-in
adapter that needs options of its own adds its section to the schema.
"""

from __future__ import annotations

import logging
import os
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

if TYPE_CHECKING:
    import pandas as pd

    from eegstate.datasets.download import FetchSummary

logger = logging.getLogger(__name__)

#: Levels of preparation jobs: one job for the dataset, one per subject, one per session.
Level = Literal["dataset", "subject", "session"]
LEVELS: tuple[Level, ...] = ("dataset", "subject", "session")
#: Columns :meth:`DatasetAdapter.plan` returns (``session``, ``eyes``, ``task`` may be left
#: out or empty).
PLAN_COLUMNS: tuple[str, ...] = ("subject", "session", "state", "path", "eyes", "task")
#: Citation shared by the PhysioNet datasets.
PHYSIONET = (
    "Goldberger AL et al. PhysioBank, PhysioToolkit, and PhysioNet. Circulation "
    "101(23):e215-e220, 2000."
)


@dataclass(frozen=True)
class DatasetInfo:
    """One dataset as ``eegstate datasets`` lists it.

    Parameters
    ----------
    description : str
        What the recordings are (subjects, channels, states).
    licence : str
        Licence of the data.
    citation : str
        What to cite.
    size : str
        Download or disk size.
    access : str
        How the data are obtained.
    config : str
        Example config file, relative to the workflow root (e.g. ``config/eegbci.yaml``), or
        an absolute path.
    """

    description: str
    licence: str
    citation: str
    size: str
    access: str
    config: str


@dataclass(frozen=True)
class PreparationJob:
    """A job the workflow runs to make recordings available (generate, fetch, extract).

    Parameters
    ----------
    level : {"dataset", "subject", "session"}
        One job for the whole dataset, one per subject (wildcard ``{subject}``) or one per
        subject and session (wildcards ``{subject}``, ``{session}``).
    outputs : tuple of str
        Files the job writes (patterns with the level's wildcards). A download job's only
        output is a manifest in the results folder, never the dataset's files, so Snakemake
        never owns, and so never deletes, users' data.
    log : str
        Log file (pattern).
    inputs : tuple of str
        Files the job waits for (patterns), e.g. the manifest of a subject's fetch job.
    options : tuple of str or None
        Top-level config options the job reads: only they are passed to it (with ``adapter``),
        so changing another option never reruns it. None passes the whole configuration.
    mem_mb : int
        Memory the job needs (MB).
    """

    level: Level
    outputs: tuple[str, ...]
    log: str
    inputs: tuple[str, ...] = ()
    options: tuple[str, ...] | None = None
    mem_mb: int = 500

    def job_config(self, config: Mapping[str, Any]) -> dict[str, Any]:
        """The part of ``config`` passed to the job (see ``options``)."""
        if self.options is None:
            return dict(config)
        return {key: config[key] for key in ("adapter", *self.options)}


def storage_name(path: str | Path, workdir: str | Path | None = None) -> str | None:
    """The name a file has in the workflow under a remote default storage provider.

    With ``--default-storage-provider`` every input and output of the workflow is an object
    named by its path under ``--default-storage-prefix``, so files must be named relative to
    the working directory (absolute paths the adapters plan inside it are made relative).

    Parameters
    ----------
    path : str or pathlib.Path
        A file's path (relative paths are relative to ``workdir``).
    workdir : str or pathlib.Path, optional
        The working directory (default: the current one).

    Returns
    -------
    str or None
        The normalised path relative to ``workdir`` (``/``-separated), or None when the file
        lies outside it (it can then only be read where it lies, e.g. on a shared filesystem).

    Examples
    --------
    >>> storage_name("/work/results/simulated/group/qc.tsv", "/work")
    'results/simulated/group/qc.tsv'
    >>> storage_name("/data/eegbci/S001R01.edf", "/work") is None
    True
    """
    base = os.path.abspath(workdir if workdir is not None else os.getcwd())
    absolute = os.path.normpath(os.path.join(base, os.fspath(path)))
    relative = os.path.relpath(absolute, base)
    if relative == os.pardir or relative.startswith(os.pardir + os.sep):
        return None
    return Path(relative).as_posix()


def subject_manifest(results: str | Path, subject: str = "{subject}") -> str:
    """The fetch manifest of one subject: ``<results>/sourcedata/sub-<subject>_fetched.tsv``."""
    return f"{results}/sourcedata/sub-{subject}_fetched.tsv"


def dataset_manifest(results: str | Path) -> str:
    """The fetch manifest of a whole dataset: ``<results>/sourcedata/dataset_fetched.tsv``."""
    return f"{results}/sourcedata/dataset_fetched.tsv"


def subject_fetch_job(
    results: str | Path, log: str, options: tuple[str, ...] | None = None
) -> PreparationJob:
    """One fetch job per subject whose only output is the subject's manifest.

    Parameters
    ----------
    results : str or pathlib.Path
        The dataset's results folder.
    log : str
        Folder of the logs under ``<results>/logs`` (one ``sub-<subject>.log`` per job).
    options : tuple of str or None
        See :attr:`PreparationJob.options`.

    Returns
    -------
    PreparationJob
        Level ``subject``, output :func:`subject_manifest`.
    """
    return PreparationJob(
        level="subject",
        outputs=(subject_manifest(results),),
        log=f"{results}/logs/{log}/sub-{{subject}}.log",
        options=options,
    )


def state_label_problems(
    config: Mapping[str, Any], labels: Iterable[str], option: str
) -> list[str]:
    """Problems of a ``baseline`` or ``target`` that is not a label of a dataset's state map.

    For :meth:`DatasetAdapter.check` of an adapter whose states are the keys of one of its
    options (e.g. ``eegbci.runs``).

    Parameters
    ----------
    config : mapping
        Configuration with ``baseline`` and ``target``.
    labels : iterable of str
        The state labels the option maps (the option's mapping itself will do).
    option : str
        The option's name, as the message shows it (e.g. ``eegbci.runs``).

    Returns
    -------
    list of str
        One message per state that is not among ``labels`` (baseline first); empty when both
        are.
    """
    known = set(labels)
    return [
        f"option '{role}' is {config[role]!r} but '{option}' maps only "
        f"{', '.join(sorted(known))}; use one of those labels"
        for role in ("baseline", "target")
        if config[role] not in known
    ]


class DatasetAdapter(ABC):
    """One dataset: its recordings, how to fetch them and what the workflow runs for them.

    Subclasses set :attr:`name` and :attr:`info` and implement :meth:`plan`; every other
    method has a default for a local dataset read as it is (nothing to fetch, nothing to
    prepare, each recording job waits for its file).
    """

    #: Value of the config option ``adapter``.
    name: ClassVar[str]
    #: What ``eegstate datasets`` prints.
    info: ClassVar[DatasetInfo]
    #: Options of the example config cleared by ``eegstate fetch NAME`` (without
    #: ``--configfile``): the command's ``--path`` and ``--subjects`` replace them.
    fetch_clears: ClassVar[tuple[str, ...]] = ("data_dir", "subjects")

    def citation(self, config: Mapping[str, Any]) -> str:
        """Citation of the data a configuration analyses (the group report prints it)."""
        return self.info.citation

    def check(self, config: Mapping[str, Any]) -> list[str]:
        """Problems of the configuration for this dataset (options that do not fit together).

        Parameters
        ----------
        config : mapping
            Configuration with every default filled in, valid against the schema.

        Returns
        -------
        list of str
            One message per problem, naming the option and how to set it; empty when fine.
        """
        return []

    @abstractmethod
    def plan(self, config: Mapping[str, Any]) -> pd.DataFrame:
        """The recordings a configuration analyses, without downloading anything.

        Parameters
        ----------
        config : mapping
            Validated configuration.

        Returns
        -------
        pandas.DataFrame
            Columns :data:`PLAN_COLUMNS`, one row per recording; ``path`` is where the file is
            or will be (relative paths are relative to the working directory).
            :func:`eegstate.datasets.plan_recordings` validates the table and adds the
            recording identifiers.
        """

    def prepare_raw(self, raw: Any) -> Any:
        """Adjust a freshly read recording in place (e.g. channel names) and return it."""
        return raw

    @property
    def downloadable(self) -> bool:
        """Whether the adapter has something to download (it implements :meth:`fetch`)."""
        return type(self).fetch is not DatasetAdapter.fetch

    def fetch(
        self,
        config: Mapping[str, Any],
        subjects: Sequence[Any] | None,
        *,
        progressbar: bool = True,
    ) -> list[FetchSummary]:
        """Download (or verify) the data of some subjects (``eegstate fetch``).

        Parameters
        ----------
        config : mapping
            Validated configuration (``data_dir`` says where the data go).
        subjects : sequence or None
            Subjects to fetch; None: the adapter's default.
        progressbar : bool
            Show progress bars.

        Returns
        -------
        list of FetchSummary
            One per subject (or one for the whole dataset).

        Raises
        ------
        ValueError
            For a dataset of local files (this default).
        """
        from eegstate.datasets.registry import ADAPTERS

        downloadable = [name for name, adapter in ADAPTERS.items() if adapter.downloadable]
        raise ValueError(
            f"adapter {self.name!r} reads local files: nothing to fetch (downloadable: "
            f"{', '.join(downloadable)})"
        )

    def fetch_config(self, config: dict[str, Any], *, accession: str | None = None) -> dict:
        """The configuration ``eegstate fetch`` uses, given its ``--accession`` option.

        Parameters
        ----------
        config : dict
            Validated configuration (from ``--configfile`` or :attr:`info` ``.config``).
        accession : str, optional
            The command's ``--accession`` (only datasets with accessions use it).

        Returns
        -------
        dict
            The configuration to fetch with.
        """
        return config

    def preparation_jobs(
        self, config: Mapping[str, Any], results: str, recordings: pd.DataFrame
    ) -> tuple[PreparationJob, ...]:
        """The jobs that make the recordings available, at most one per level.

        Parameters
        ----------
        config : mapping
            Validated configuration.
        results : str
            The dataset's results folder (``<results_dir>/<dataset>``).
        recordings : pandas.DataFrame
            The planned recordings (:func:`eegstate.datasets.plan_recordings`).

        Returns
        -------
        tuple of PreparationJob
            None by default (the files are there to be read).
        """
        return ()

    def prepare(
        self,
        level: Level,
        config: Mapping[str, Any],
        outputs: Sequence[str],
        *,
        subject: str | None = None,
        session: str | None = None,
    ) -> Any:
        """Run one preparation job (the generic step :func:`eegstate.steps.data.prepare_data`).

        The default fetches the subject (level ``subject``) or the whole dataset (level
        ``dataset``) and writes the manifest (``path, bytes, sha256``) to ``outputs[0]``.

        Parameters
        ----------
        level : {"dataset", "subject", "session"}
            The job's level (:attr:`PreparationJob.level`).
        config : mapping
            The job's configuration (:meth:`PreparationJob.job_config`).
        outputs : sequence of str
            The job's output files.
        subject, session : str, optional
            The job's wildcards.

        Returns
        -------
        object
            What the job produced (the manifest table for a fetch).
        """
        if level == "session":
            raise ValueError(f"adapter {self.name!r} has no per-session preparation job")
        return write_fetch_manifest(self, config, subject, outputs[0])

    def recording_input(self, row: Any, results: str) -> list[str]:
        """What the job of one recording waits for: by default its file.

        Parameters
        ----------
        row : pandas.Series
            The recording's row of the plan.
        results : str
            The dataset's results folder.

        Returns
        -------
        list of str
            Files (outputs of preparation jobs, or files that must exist).
        """
        return [str(row["path"])]


def write_fetch_manifest(
    adapter: DatasetAdapter,
    config: Mapping[str, Any],
    subject: str | None,
    out: str | Path,
) -> pd.DataFrame:
    """Fetch one subject (None: the whole dataset), verify and write the manifest.

    The manifest (``path, bytes, sha256`` of every file the subject's recordings need) is a
    fetch job's only output, so Snakemake never owns, and so never deletes, the dataset's
    files.

    Parameters
    ----------
    adapter : DatasetAdapter
        The dataset.
    config : mapping
        Validated configuration.
    subject : str or None
        Subject label, or None for the whole dataset.
    out : str or pathlib.Path
        TSV manifest to write.

    Returns
    -------
    pandas.DataFrame
        The manifest.
    """
    from eegstate.datasets.fetch import fetch_manifest

    summaries = adapter.fetch(config, [subject] if subject else None, progressbar=False)
    for summary in summaries:
        logger.info("%s", summary.describe())
    return fetch_manifest(summaries, out)
