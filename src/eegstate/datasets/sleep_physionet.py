"""Sleep-EDF Expanded (PhysioNet) through MNE's Sleep-EDF registry.

Whole-night polysomnography (PSG, EDF) with a hypnogram (EDF+ annotations) scoring every 30-s
epoch W, 1, 2, 3, 4, R (Rechtschaffen & Kales), ``?`` (not scored) or movement time. Two EEG
channels, Fpz-Cz and Pz-Oz, both bipolar, at 100 Hz.

States are sleep stages: each configured state label maps to stage codes (default: ``wake`` W,
``n1`` 1, ``n2`` 2, ``n3`` 3 and 4 merged as in AASM N3, ``rem`` R). One "recording" of the
workflow is one (subject, night, state): the night's 30-s epochs of that stage, cut from the PSG
and concatenated (contiguous epochs stay contiguous; each discontinuity is marked by MNE's
``BAD boundary``/``EDGE boundary`` annotations, so filters never run across it and no epoch
straddles it) into a FIF file under ``<results_dir>/<dataset>/sourcedata``. Only wake within
``wake_margin_min`` of the sleep period (plus wake inside it) counts as wake, as in MNE's
sleep tutorial: Sleep-EDF cassette recordings last about 20 hours and include a day of
ambulatory wake.

Files are downloaded by :func:`fetch_sleep_subject` from PhysioNet into MNE's cache layout
(``<data_dir>/physionet-sleep-data/SC4001E0-PSG.edf``), verified against the SHA-1 checksums MNE
ships for every file, resumably (see :mod:`eegstate.datasets.download`). Licence ODC-By 1.0.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from eegstate.config import setting_hint
from eegstate.datasets.base import (
    PHYSIONET,
    DatasetAdapter,
    DatasetInfo,
    Level,
    PreparationJob,
    state_label_problems,
    subject_fetch_job,
    subject_manifest,
)

if TYPE_CHECKING:
    from eegstate.datasets.download import FetchSummary

logger = logging.getLogger(__name__)

#: Hypnogram annotation -> stage code.
STAGE_CODES: dict[str, str] = {
    "Sleep stage W": "W",
    "Sleep stage 1": "1",
    "Sleep stage 2": "2",
    "Sleep stage 3": "3",
    "Sleep stage 4": "4",
    "Sleep stage R": "R",
    "Sleep stage ?": "?",
    "Movement time": "M",
}
#: Stage codes that count as sleep (they delimit the sleep period for the wake margin).
SLEEP_CODES: frozenset[str] = frozenset({"1", "2", "3", "4", "R"})
#: Hypnogram epoch length (s).
EPOCH_S = 30.0
#: PSG channel -> name used by eegstate (bipolar derivations).
EEG_CHANNELS: dict[str, str] = {"EEG Fpz-Cz": "Fpz-Cz", "EEG Pz-Oz": "Pz-Oz"}
#: Subjects used when ``subjects`` is null.
DEFAULT_SUBJECTS: tuple[int, ...] = tuple(range(10))


class SleepDataError(ValueError):
    """A Sleep-EDF night cannot give the requested recording."""


def sleep_data_dir(data_dir: str | Path | None) -> Path:
    """Folder holding the Sleep-EDF files (MNE's layout: ``<root>/physionet-sleep-data``)."""
    if data_dir:
        root = Path(data_dir).expanduser()
    else:
        import mne

        configured = mne.get_config("PHYSIONET_SLEEP_PATH") or mne.get_config("MNE_DATA")
        root = Path(configured or Path.home() / "mne_data").expanduser()
    return root.resolve() / "physionet-sleep-data"


def sleep_records(study: str = "age") -> pd.DataFrame:
    """Every night of a Sleep-EDF study, from the registry MNE ships (with SHA-1 checksums).

    Parameters
    ----------
    study : {"age", "temazepam"}
        The sleep-cassette age study or the sleep-telemetry temazepam study.

    Returns
    -------
    pandas.DataFrame
        Columns ``subject`` (int), ``session`` (age: night ``1``/``2``; temazepam:
        ``placebo``/``temazepam``), ``psg``, ``psg_sha1``, ``hypnogram``, ``hypnogram_sha1``.
    """
    from mne.datasets.sleep_physionet import age, temazepam

    if study == "age":
        table = pd.read_csv(age.AGE_SLEEP_RECORDS, dtype=str)
        psg = table[table["record type"] == "PSG"].set_index(["subject", "night"])
        hyp = table[table["record type"] == "Hypnogram"].set_index(["subject", "night"])
        records = pd.DataFrame(
            {
                "psg": psg["fname"],
                "psg_sha1": psg["sha"],
                "hypnogram": hyp["fname"],
                "hypnogram_sha1": hyp["sha"],
            }
        ).reset_index()
        records = records.rename(columns={"night": "session"})
    elif study == "temazepam":
        table = pd.read_csv(temazepam.TEMAZEPAM_SLEEP_RECORDS, dtype=str)
        records = pd.DataFrame(
            {
                "subject": table["subject"],
                "session": table["drug"].str.lower(),
                "psg": table["fname_PSG"],
                "psg_sha1": table["sha_PSG"],
                "hypnogram": table["fname_Hypnogram"],
                "hypnogram_sha1": table["sha_Hypnogram"],
            }
        )
    else:
        raise ValueError(f"unknown Sleep-EDF study {study!r}; use 'age' or 'temazepam'")
    records["subject"] = records["subject"].astype(int)
    return records.sort_values(["subject", "session"]).reset_index(drop=True)


def base_url(study: str) -> str:
    """PhysioNet folder of a study's files (MNE's default download location)."""
    from mne.datasets.sleep_physionet import age, temazepam

    return age.BASE_URL if study == "age" else temazepam.BASE_URL


def selected_records(params: Mapping[str, Any], subjects: Sequence[Any] | None) -> pd.DataFrame:
    """The nights of the configured subjects and sessions.

    Parameters
    ----------
    params : mapping
        The ``sleep_physionet`` config section (``study``, ``nights``, ``drugs``).
    subjects : sequence or None
        Subject numbers (null: :data:`DEFAULT_SUBJECTS`).

    Returns
    -------
    pandas.DataFrame
        Rows of :func:`sleep_records`.
    """
    records = sleep_records(params["study"])
    wanted = [int(str(s)) for s in subjects] if subjects else list(DEFAULT_SUBJECTS)
    unknown = sorted(set(wanted) - set(records["subject"]))
    if unknown:
        raise ValueError(
            f"option 'subjects': the Sleep-EDF {params['study']} study has no subject(s) "
            f"{', '.join(map(str, unknown))}; its subjects are "
            f"{', '.join(map(str, sorted(set(records['subject']))))}"
        )
    sessions = (
        [str(night) for night in params["nights"]]
        if params["study"] == "age"
        else [drug.lower() for drug in params["drugs"]]
    )
    chosen = records[records["subject"].isin(wanted) & records["session"].isin(sessions)]
    missing = sorted(set(wanted) - set(chosen["subject"]))
    if missing:
        raise ValueError(
            f"Sleep-EDF subject(s) {', '.join(map(str, missing))} have no night among "
            f"{sessions}; choose other subjects or sessions"
        )
    return chosen.reset_index(drop=True)


def subject_label(subject: int) -> str:
    """Subject label of the sample sheet (``SC4001`` is subject 0, label ``00``)."""
    return f"{int(subject):02d}"


def stage_recording_path(config: Mapping[str, Any], subject: str, session: str, state: str) -> Path:
    """Where the workflow writes one (subject, night, state) recording (FIF).

    The plan's paths and the outputs of the workflow's extraction job (with ``{subject}`` and
    ``{session}`` wildcards) both come from here.
    """
    root = Path(config["results_dir"]) / config["dataset"] / "sourcedata"
    return (
        root
        / f"sub-{subject}"
        / f"ses-{session}"
        / f"sub-{subject}_ses-{session}_state-{state}_eeg.fif"
    ).resolve()


def plan_sleep(config: Mapping[str, Any]) -> pd.DataFrame:
    """Recordings of the configured subjects, nights and states (no download).

    Parameters
    ----------
    config : mapping
        Validated configuration (``subjects``, ``baseline``, ``target``, ``sleep_physionet``).

    Returns
    -------
    pandas.DataFrame
        Columns ``subject, session, state, path, eyes, task``; ``path`` is the stage recording
        the workflow extracts from the night (:func:`stage_recording_path`).
    """
    rows = []
    for record in selected_records(config["sleep_physionet"], config["subjects"]).itertuples():
        subject = subject_label(record.subject)
        for state in (config["baseline"], config["target"]):
            path = stage_recording_path(config, subject, record.session, state)
            rows.append(
                {
                    "subject": subject,
                    "session": record.session,
                    "state": state,
                    "path": str(path),
                    "eyes": "",
                    "task": "sleep",
                }
            )
    return pd.DataFrame(rows)


def night_files(
    data_dir: str | Path | None, study: str, subject: int, session: str
) -> tuple[Path, Path]:
    """Local PSG and hypnogram files of one night."""
    records = sleep_records(study)
    row = records[(records["subject"] == int(subject)) & (records["session"] == str(session))]
    if row.empty:
        raise ValueError(f"Sleep-EDF {study} study has no subject {subject} session {session}")
    folder = sleep_data_dir(data_dir)
    return folder / row["psg"].iloc[0], folder / row["hypnogram"].iloc[0]


def fetch_sleep_subject(
    subject: int,
    params: Mapping[str, Any],
    data_dir: str | Path | None,
    *,
    url: str | None = None,
    records: pd.DataFrame | None = None,
    progressbar: bool = True,
):
    """Download (or verify) every configured night of one subject.

    Parameters
    ----------
    subject : int
        Subject number.
    params : mapping
        The ``sleep_physionet`` config section.
    data_dir : str or pathlib.Path or None
        Root of MNE's data folder (see :func:`sleep_data_dir`).
    url : str, optional
        Base URL of the study's files (default: PhysioNet, as MNE).
    records : pandas.DataFrame, optional
        Registry to use instead of MNE's (:func:`sleep_records` columns); for tests.
    progressbar : bool
        Show progress bars.

    Returns
    -------
    eegstate.datasets.download.FetchSummary
        What was downloaded and verified.
    """
    from eegstate.datasets.download import FetchSummary, retrieve

    if records is None:
        records = selected_records(params, [subject])
    else:
        records = records[records["subject"] == int(subject)]
    folder = sleep_data_dir(data_dir)
    root = (url or base_url(params["study"])).rstrip("/")
    summary = FetchSummary(f"sleep-physionet subject {subject}", folder)
    for record in records.itertuples():
        for name, sha1 in (
            (record.psg, record.psg_sha1),
            (record.hypnogram, record.hypnogram_sha1),
        ):
            destination = folder / name
            status = retrieve(
                f"{root}/{name}", destination, f"sha1:{sha1}", progressbar=progressbar
            )
            summary.add(destination, status)
    return summary


def read_hypnogram(path: str | Path) -> pd.DataFrame:
    """Stage of every 30-s epoch of a Sleep-EDF hypnogram.

    Parameters
    ----------
    path : str or pathlib.Path
        ``*-Hypnogram.edf`` (EDF+ annotations, onsets from the start of the PSG).

    Returns
    -------
    pandas.DataFrame
        Columns ``onset`` (s) and ``stage`` (a code of :data:`STAGE_CODES`), one row per epoch
        in time order.
    """
    import mne

    annotations = mne.read_annotations(path)
    onsets, stages = [], []
    for annotation in annotations:
        code = STAGE_CODES.get(annotation["description"])
        if code is None:
            continue
        n_epochs = round(annotation["duration"] / EPOCH_S)
        onsets.extend(annotation["onset"] + EPOCH_S * np.arange(n_epochs))
        stages.extend([code] * n_epochs)
    table = pd.DataFrame({"onset": np.asarray(onsets, dtype=float), "stage": stages})
    return table.sort_values("onset", kind="stable").reset_index(drop=True)


def state_epochs(
    hypnogram: pd.DataFrame,
    codes: Sequence[str],
    wake_margin_min: float | None = 30.0,
) -> np.ndarray:
    """Onsets (s) of the epochs that belong to a state.

    Parameters
    ----------
    hypnogram : pandas.DataFrame
        From :func:`read_hypnogram`.
    codes : sequence of str
        Stage codes of the state (e.g. ``["3", "4"]``).
    wake_margin_min : float or None
        Wake epochs (``W``) count only within this many minutes before the first and after
        the last sleep epoch (wake inside the sleep period always counts); None keeps all.

    Returns
    -------
    numpy.ndarray
        Sorted epoch onsets.
    """
    codes = {str(code) for code in codes}
    chosen = hypnogram["stage"].isin(codes).to_numpy().copy()
    asleep = hypnogram["stage"].isin(SLEEP_CODES).to_numpy()
    if "W" in codes and wake_margin_min is not None and asleep.any():
        onsets = hypnogram["onset"].to_numpy()
        first, last = onsets[asleep].min(), onsets[asleep].max() + EPOCH_S
        margin = 60.0 * wake_margin_min
        wake = (hypnogram["stage"] == "W").to_numpy()
        outside = (onsets < first - margin) | (onsets >= last + margin)
        chosen &= ~(wake & outside)
    return hypnogram["onset"].to_numpy()[chosen]


def contiguous_segments(onsets: np.ndarray, epoch_s: float = EPOCH_S) -> list[tuple[float, float]]:
    """Merge epoch onsets into ``(start, stop)`` runs of consecutive epochs (s)."""
    segments: list[tuple[float, float]] = []
    for onset in np.sort(onsets):
        if segments and np.isclose(segments[-1][1], onset):
            segments[-1] = (segments[-1][0], onset + epoch_s)
        else:
            segments.append((float(onset), float(onset) + epoch_s))
    return segments


def read_sleep_eeg(psg: str | Path) -> Any:
    """The two EEG channels of a Sleep-EDF PSG, renamed ``Fpz-Cz`` and ``Pz-Oz`` (not loaded)."""
    import mne

    raw = mne.io.read_raw_edf(psg, include=list(EEG_CHANNELS), preload=False, verbose="error")
    missing = sorted(set(EEG_CHANNELS) - set(raw.ch_names))
    if missing:
        raise SleepDataError(f"{psg}: no channel(s) {', '.join(missing)}; is it a Sleep-EDF PSG?")
    raw.rename_channels(EEG_CHANNELS)
    raw.set_channel_types(dict.fromkeys(EEG_CHANNELS.values(), "eeg"))
    return raw


def stage_raw(raw: Any, onsets: np.ndarray) -> Any:
    """The epochs starting at ``onsets`` cut from ``raw`` and concatenated.

    Epochs that run past the end of the recording are dropped. Discontinuities carry MNE's
    boundary annotations.

    Parameters
    ----------
    raw : mne.io.BaseRaw
        The night.
    onsets : numpy.ndarray
        Epoch onsets (s) from :func:`state_epochs`.

    Returns
    -------
    mne.io.BaseRaw or None
        The concatenated recording, or None when no epoch is left.
    """
    import mne

    duration = raw.n_times / raw.info["sfreq"]
    onsets = np.asarray(onsets)[np.asarray(onsets) + EPOCH_S <= duration + 1e-9]
    segments = contiguous_segments(onsets)
    if not segments:
        return None
    parts = [
        raw.copy().crop(start, stop, include_tmax=False).load_data(verbose="error")
        for start, stop in segments
    ]
    for part in parts:
        part.set_annotations(None)
    return mne.concatenate_raws(parts, verbose="error")


def extract_stage_recordings(
    psg: str | Path,
    hypnogram: str | Path,
    states: Mapping[str, Sequence[str]],
    outputs: Mapping[str, str | Path],
    *,
    wake_margin_min: float | None = 30.0,
) -> dict[str, int]:
    """Write one FIF recording per state: the night's epochs of that stage, concatenated.

    Parameters
    ----------
    psg, hypnogram : str or pathlib.Path
        The night's files.
    states : mapping
        State label -> stage codes (the ``sleep_physionet.states`` option).
    outputs : mapping
        State label -> FIF file to write (only these states are extracted).
    wake_margin_min : float or None
        See :func:`state_epochs`.

    Returns
    -------
    dict
        State label -> number of 30-s epochs written.

    Raises
    ------
    SleepDataError
        If the night has no epoch of a requested state.
    """
    raw = read_sleep_eeg(psg)
    table = read_hypnogram(hypnogram)
    counts = {}
    for state, out in outputs.items():
        onsets = state_epochs(table, states[state], wake_margin_min)
        recording = stage_raw(raw, onsets)
        if recording is None:
            raise SleepDataError(
                f"{Path(psg).name}: no epoch scored {'/'.join(map(str, states[state]))} "
                f"(state {state!r}) in this night; leave the subject out of 'subjects' or "
                "choose another 'target'"
            )
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_name(out.stem + ".part_eeg.fif")
        recording.save(partial, overwrite=True, verbose="error")
        partial.replace(out)
        counts[state] = round(recording.n_times / recording.info["sfreq"] / EPOCH_S)
        logger.info("%s: %d epochs of %s -> %s", Path(psg).name, counts[state], state, out)
    return counts


def fetch_sleep_subjects(
    config: Mapping[str, Any], subjects: Sequence[Any] | None, *, progressbar: bool = True
) -> list[FetchSummary]:
    """Download (or verify) every configured night of some subjects (None: 0-9)."""
    params = config["sleep_physionet"]
    chosen = sorted(set(selected_records(params, subjects)["subject"]))
    return [
        fetch_sleep_subject(subject, params, config["data_dir"], progressbar=progressbar)
        for subject in chosen
    ]


def extract_night(
    config: Mapping[str, Any], subject: str, session: str, outputs: Sequence[str | Path]
) -> dict[str, int]:
    """Cut one downloaded night into one recording per state (baseline, target).

    Parameters
    ----------
    config : mapping
        Validated configuration (``data_dir``, ``sleep_physionet``, ``baseline``, ``target``).
    subject, session : str
        Subject label (``00``) and session (night ``1``/``2`` or ``placebo``/``temazepam``).
    outputs : sequence of str or pathlib.Path
        FIF files of the baseline and target recordings, in that order.

    Returns
    -------
    dict
        State -> number of 30-s epochs written.
    """
    params = config["sleep_physionet"]
    psg, hypnogram = night_files(config["data_dir"], params["study"], int(subject), session)
    states = (config["baseline"], config["target"])
    return extract_stage_recordings(
        psg,
        hypnogram,
        params["states"],
        dict(zip(states, outputs, strict=True)),
        wake_margin_min=params["wake_margin_min"],
    )


class SleepPhysionetAdapter(DatasetAdapter):
    """Sleep-EDF Expanded: one recording per subject, night and sleep stage."""

    name = "sleep-physionet"
    info = DatasetInfo(
        description="Sleep-EDF Expanded: whole-night polysomnography, 30-s epochs scored "
        "W/1/2/3/4/R; states wake (baseline) vs n1 or rem. Age study (78 subjects, "
        "153 nights) or temazepam study (22 subjects, placebo and temazepam nights). "
        "2 bipolar EEG channels (Fpz-Cz, Pz-Oz) at 100 Hz: gamma and DMN connectivity "
        "are not testable.",
        licence="ODC-By 1.0",
        citation="Kemp B, Zwinderman AH, Tuk B, Kamphuisen HAC, Oberye JJL. Analysis of a "
        "sleep-dependent neuronal feedback loop: the slow-wave microcontinuity of the EEG. "
        "IEEE Trans Biomed Eng 47(9):1185-1194, 2000. " + PHYSIONET + " PhysioNet "
        "Sleep-EDF Database Expanded v1.0.0, doi:10.13026/C2X676.",
        size="about 50 MB per night (PSG + hypnogram)",
        access="automatic: MNE's Sleep-EDF registry (pinned SHA-1) through pooch, resumable",
        config="config/sleep-physionet.yaml",
    )

    def check(self, config: Mapping[str, Any]) -> list[str]:
        """States must be labels of ``sleep_physionet.states``; epochs must be 30 s."""
        states = config["sleep_physionet"]["states"]
        problems = state_label_problems(config, states, "sleep_physionet.states")
        if config["preprocess"]["epoch_length_s"] != 30:
            problems.append(
                "adapter 'sleep-physionet' needs one epoch per scored 30-s hypnogram epoch: "
                + setting_hint("preprocess.epoch_length_s", 30)
            )
        return problems

    def plan(self, config: Mapping[str, Any]) -> pd.DataFrame:
        """See :func:`plan_sleep`."""
        return plan_sleep(config)

    def fetch(
        self,
        config: Mapping[str, Any],
        subjects: Sequence[Any] | None,
        *,
        progressbar: bool = True,
    ) -> list[FetchSummary]:
        """See :func:`fetch_sleep_subjects`."""
        return fetch_sleep_subjects(config, subjects, progressbar=progressbar)

    def preparation_jobs(
        self, config: Mapping[str, Any], results: str, recordings: pd.DataFrame
    ) -> tuple[PreparationJob, ...]:
        """A fetch job per subject, then an extraction job per night (subject × session)."""
        return (
            subject_fetch_job(results, "fetch"),
            PreparationJob(
                level="session",
                inputs=(subject_manifest(results),),
                outputs=tuple(
                    str(stage_recording_path(config, "{subject}", "{session}", config[role]))
                    for role in ("baseline", "target")
                ),
                log=f"{results}/logs/extract_sleep_stages/sub-{{subject}}_ses-{{session}}.log",
                mem_mb=1500,
            ),
        )

    def prepare(
        self,
        level: Level,
        config: Mapping[str, Any],
        outputs: Sequence[str],
        *,
        subject: str | None = None,
        session: str | None = None,
    ) -> Any:
        """Fetch a subject (level ``subject``) or extract one night's states (``session``)."""
        if level == "session":
            return extract_night(config, str(subject), str(session), outputs)
        return super().prepare(level, config, outputs, subject=subject, session=session)
