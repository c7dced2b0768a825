"""Farnes et al. 2020: subanaesthetic ketamine vs awake, spontaneous EEG (EEGLAB ``.set``).

10 healthy volunteers, 62 channels, eyes open and eyes closed, recorded awake and then during a
subanaesthetic ketamine infusion, in an open-label within-subject design with a fixed order:
every ketamine recording comes after the awake ones, so time on task, fatigue and drowsiness are
confounded with the drug. Data: Dryad doi:10.5061/dryad.j9kd51c9q (CC0), one zip
``Farnes_et_al_PLOS_ONE_Dryad.zip`` of about 934 MB.

Dryad serves files only to browsers (its download endpoints answer programmatic requests with a
challenge page), so :func:`fetch_farnes` first tries a mirror that publishes a checksum through
a JSON API (Zenodo record, see :data:`ZENODO_RECORD`; verified MD5, resumable), and otherwise
stops with exact instructions for the one manual step. Once the zip (or its unpacked contents)
is in place, the same command unpacks the spontaneous-EEG recordings and verifies them: their
SHA-256 are recorded in ``eegstate-checksums.tsv`` at the first verification and checked on
every later fetch.

Spontaneous recordings are named ``<subject>_<YYYYMMDD>_<NNNN>_eyes{Open,Closed}_*.set``
(subject, date, recording number, eyes). The drug state is taken from the path when a folder or
file name says it (``awake``/``ketamine``); otherwise from the fixed order of the design: per
subject and eyes condition, the earlier recording is awake and the later one ketamine.
"""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from eegstate.datasets.base import DatasetAdapter, DatasetInfo, PreparationJob, dataset_manifest

if TYPE_CHECKING:
    from eegstate.datasets.download import FetchSummary

logger = logging.getLogger(__name__)

DATASET = "farnes-ketamine"
ZIP_NAME = "Farnes_et_al_PLOS_ONE_Dryad.zip"
DRYAD_URL = "https://datadryad.org/dataset/doi:10.5061/dryad.j9kd51c9q"
#: Zenodo record mirroring the Dryad deposit (Dryad publishes through Zenodo).
ZENODO_RECORD = "4245091"
ZENODO_API = "https://zenodo.org/api"
#: Checksums of the unpacked recordings, written at the first verification.
CHECKSUMS = "eegstate-checksums.tsv"
FILENAME = re.compile(
    r"^(?P<subject>\d+)_(?:(?P<date>\d{8})_)?(?P<number>\d+)_eyes[_-]?(?P<eyes>open|closed)",
    re.IGNORECASE,
)
DRUG_WORDS: dict[str, str] = {"awake": "awake", "wake": "awake", "ketamine": "ketamine"}
STATES: tuple[str, str] = ("awake", "ketamine")


class ManualDownloadRequired(FileNotFoundError):
    """The data must be downloaded by hand; the message says what and where."""


def farnes_dir(data_dir: str | Path | None) -> Path:
    """Folder of the dataset (``data_dir`` or ``~/mne_data/farnes-ketamine``)."""
    return Path(data_dir or Path.home() / "mne_data" / DATASET).expanduser().resolve()


def manual_instructions(root: Path, reason: str = "") -> str:
    """The exact manual step, for when no automatic download worked."""
    why = f" ({reason})" if reason else ""
    return (
        f"The Farnes et al. 2020 ketamine EEG could not be downloaded automatically{why}. "
        f"1) Open {DRYAD_URL} in a web browser and click 'Download dataset' "
        f"(file {ZIP_NAME}, about 934 MB; CC0). "
        f"2) Put the zip, unchanged, into {root}/ (or unpack it there). "
        f"3) Run `eegstate fetch {DATASET} --path {root}` again: it unpacks the spontaneous "
        "EEG recordings and verifies them."
    )


def parse_recording(path: Path, root: Path) -> dict[str, str] | None:
    """Subject, recording number, eyes and (if named) drug of one ``.set`` file, or None."""
    match = FILENAME.match(path.name)
    if match is None:
        return None
    words = re.split(r"[^a-z]+", str(path.relative_to(root)).lower())
    drugs = {DRUG_WORDS[word] for word in words if word in DRUG_WORDS}
    return {
        "subject": match["subject"],
        "number": match["number"],
        "eyes": match["eyes"].lower(),
        "drug": drugs.pop() if len(drugs) == 1 else "",
        "path": str(path),
    }


def scan_recordings(root: Path) -> pd.DataFrame:
    """Every spontaneous recording under ``root`` with its subject, eyes and drug state.

    Parameters
    ----------
    root : pathlib.Path
        Dataset folder (searched recursively).

    Returns
    -------
    pandas.DataFrame
        Columns ``subject, number, eyes, drug, path``.

    Raises
    ------
    ValueError
        When the drug state must come from the recording order but a subject does not have
        exactly one earlier and one later recording per eyes condition.
    """
    rows = [
        row
        for path in sorted(root.rglob("*.set"))
        if (row := parse_recording(path, root)) is not None
    ]
    table = pd.DataFrame(rows, columns=["subject", "number", "eyes", "drug", "path"])
    if table.empty:
        return table
    table["order"] = table["number"].astype(int)
    for (subject, eyes), group in table.groupby(["subject", "eyes"]):
        if (group["drug"] != "").all():
            continue
        if len(group) != 2:
            names = ", ".join(Path(path).name for path in group["path"])
            raise ValueError(
                f"{DATASET} subject {subject}, eyes {eyes}: expected one awake and one ketamine "
                f"recording, found {len(group)} ({names}); the drug state follows the "
                "recording order only with exactly two"
            )
        ordered = group.sort_values("order").index
        table.loc[ordered, "drug"] = list(STATES)
    return (
        table.drop(columns="order").sort_values(["subject", "eyes", "drug"]).reset_index(drop=True)
    )


def plan_farnes(config: Mapping[str, Any]) -> pd.DataFrame:
    """Recordings of the configured subjects and eyes conditions (files must be present).

    Parameters
    ----------
    config : mapping
        Validated configuration (``data_dir``, ``subjects``, ``baseline``, ``target``,
        ``farnes_ketamine.eyes``).

    Returns
    -------
    pandas.DataFrame
        Columns ``subject, session, state, path, eyes, task``.
    """
    root = farnes_dir(config["data_dir"])
    table = scan_recordings(root) if root.is_dir() else pd.DataFrame()
    if table.empty:
        raise FileNotFoundError(
            f"no Farnes et al. recordings (*_eyesOpen*.set / *_eyesClosed*.set) under {root}; "
            f"run `eegstate fetch {DATASET} --path {root}` first (it downloads them or says "
            "exactly what to download), or set 'data_dir' to where they are"
        )
    table = table[table["eyes"].isin(config["farnes_ketamine"]["eyes"])]
    if config["subjects"]:
        wanted = {str(subject) for subject in config["subjects"]}
        unknown = sorted(wanted - set(table["subject"]))
        if unknown:
            raise ValueError(
                f"option 'subjects': {', '.join(unknown)} not among the {DATASET} subjects "
                f"{', '.join(sorted(set(table['subject'])))}"
            )
        table = table[table["subject"].isin(wanted)]
    labels = {"awake": config["baseline"], "ketamine": config["target"]}
    return pd.DataFrame(
        {
            "subject": table["subject"],
            "session": "",
            "state": table["drug"].map(labels),
            "path": table["path"],
            "eyes": table["eyes"],
            "task": "rest",
        }
    ).reset_index(drop=True)


def _zenodo_file(api: str, record: str) -> tuple[str, str, str]:
    """URL, file name and ``md5:<hex>`` checksum of the record's zip, from Zenodo's API."""
    import requests

    response = requests.get(f"{api.rstrip('/')}/records/{record}", timeout=60)
    response.raise_for_status()
    for entry in response.json().get("files", []):
        if entry["key"].endswith(".zip"):
            return entry["links"]["self"], entry["key"], entry["checksum"]
    raise ValueError(f"record {record} lists no zip file")


def download_zip(
    root: Path, *, api: str = ZENODO_API, record: str = ZENODO_RECORD
) -> tuple[Path, str]:
    """Download the dataset zip from the mirror, verified against the checksum it publishes.

    Returns
    -------
    tuple
        The zip's path and the :func:`~eegstate.datasets.download.retrieve` status.

    Raises
    ------
    ManualDownloadRequired
        When the mirror cannot be reached or does not hold the zip.
    ChecksumError
        When the downloaded zip does not match the published checksum (it is deleted).
    """
    import requests

    from eegstate.datasets.download import DownloadError, retrieve

    try:
        url, name, checksum = _zenodo_file(api, record)
    except (requests.RequestException, ValueError, KeyError) as err:
        raise ManualDownloadRequired(
            manual_instructions(root, f"mirror {api} record {record}: {err}")
        ) from err
    try:
        status = retrieve(url, root / name, checksum)
    except DownloadError as err:
        raise ManualDownloadRequired(manual_instructions(root, str(err))) from err
    return root / name, status


def unpack_recordings(archive: Path, root: Path) -> list[Path]:
    """Unpack the spontaneous-EEG files (``.set`` and ``.fdt``) of the zip into ``root``.

    Members are written to a temporary folder beside ``root`` and moved into place only when
    the whole archive was read (zip CRCs checked), so an interrupted or corrupt unpack leaves
    nothing half-written. Member paths are kept, and refused if they would leave ``root``.
    """
    wanted = []
    with zipfile.ZipFile(archive) as bundle:
        for member in bundle.infolist():
            name = Path(member.filename)
            if member.is_dir() or name.suffix.lower() not in {".set", ".fdt"}:
                continue
            if not FILENAME.match(name.name):
                continue
            if name.is_absolute() or ".." in name.parts:
                raise ValueError(f"{archive}: refusing member path {member.filename}")
            wanted.append(member)
        root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=root, prefix=".unpack-") as scratch:
            for member in wanted:
                bundle.extract(member, scratch)  # raises BadZipFile on a CRC error
            moved = []
            for member in wanted:
                target = root / member.filename
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(str(Path(scratch) / member.filename), target)
                moved.append(target)
    logger.info("unpacked %d recording files from %s", len(moved), archive.name)
    return moved


def verify_recordings(root: Path) -> tuple[list[Path], bool]:
    """Check the unpacked files against ``eegstate-checksums.tsv`` (written if absent).

    Every ``.set`` must be readable as an EEGLAB header by MNE and, when it stores its data in
    a separate ``.fdt``, that file must be present.

    Returns
    -------
    tuple
        The files and whether they were compared with earlier checksums (False at the first
        verification, which records them).

    Raises
    ------
    ChecksumError
        A file differs from its recorded checksum, is unreadable or lacks its ``.fdt``.
    """
    import mne

    from eegstate.datasets.download import ChecksumError, manifest_table

    table = scan_recordings(root)
    sets = [Path(path) for path in table["path"]]
    files = list(sets)
    for path in sets:
        try:
            mne.io.read_raw_eeglab(path, preload=False, verbose="error")
        except Exception as err:  # MNE raises many types for broken files
            raise ChecksumError(f"{path} is not a readable EEGLAB recording: {err}") from err
        data = path.with_suffix(".fdt")
        if data.is_file():
            files.append(data)
    current = manifest_table(files)
    current["path"] = [str(Path(path).relative_to(root)) for path in current["path"]]
    record = root / CHECKSUMS
    if not record.is_file():
        current.to_csv(record, sep="\t", index=False)
        return files, False
    known = pd.read_csv(record, sep="\t", dtype={"path": str, "sha256": str})
    merged = current.merge(known, on="path", how="left", suffixes=("", "_known"))
    changed = merged[merged["sha256_known"].notna() & (merged["sha256"] != merged["sha256_known"])]
    if len(changed):
        raise ChecksumError(
            f"{len(changed)} file(s) under {root} differ from the checksums recorded in "
            f"{record} at the first fetch: {', '.join(changed['path'][:5])}; copy them again "
            "from the zip (or delete the record if you replaced them on purpose)"
        )
    new = merged[merged["sha256_known"].isna()]
    if len(new):
        pd.concat([known, current[current["path"].isin(new["path"])]]).to_csv(
            record, sep="\t", index=False
        )
    return files, True


def fetch_farnes(
    data_dir: str | Path | None,
    *,
    api: str = ZENODO_API,
    record: str = ZENODO_RECORD,
):
    """Make the recordings available: download or take the zip, unpack, verify.

    Parameters
    ----------
    data_dir : str or pathlib.Path or None
        Dataset folder (see :func:`farnes_dir`).
    api : str
        Base URL of the mirror's JSON API (tests point it at a local server).
    record : str
        Record of the mirror holding the zip.

    Returns
    -------
    eegstate.datasets.download.FetchSummary
        What was downloaded, unpacked and verified.

    Raises
    ------
    ManualDownloadRequired
        With the exact manual step when nothing is present and the mirror fails.
    """
    from eegstate.datasets.download import FetchSummary

    root = farnes_dir(data_dir)
    summary = FetchSummary(DATASET, root)
    present = scan_recordings(root) if root.is_dir() else pd.DataFrame()
    if present.empty:
        archives = sorted(root.glob("*.zip")) if root.is_dir() else []
        if archives:
            archive, status = archives[0], "present"
        else:
            archive, status = download_zip(root, api=api, record=record)
        summary.add(archive, status)
        unpack_recordings(archive, root)
    files, compared = verify_recordings(root)
    for path in files:
        summary.add(path, "verified" if compared else "present")
    n_subjects = scan_recordings(root)["subject"].nunique()
    logger.info("%s: %d recordings of %d subjects under %s", DATASET, len(files), n_subjects, root)
    return summary


class FarnesAdapter(DatasetAdapter):
    """Farnes et al. 2020: awake vs subanaesthetic ketamine (EEGLAB ``.set``)."""

    name = DATASET
    info = DatasetInfo(
        description="Farnes et al. 2020: 10 healthy volunteers, awake vs subanaesthetic "
        "ketamine, spontaneous EEG eyes open and eyes closed, 62 channels, EEGLAB .set. "
        "Open-label with a fixed order (awake first): time and drowsiness are confounded "
        "with the drug.",
        licence="CC0 1.0",
        citation="Farnes N, Juel BE, Nilsen AS, Romundstad LG, Storm JF. Increased signal "
        "diversity/complexity of spontaneous EEG, but not evoked EEG responses, in "
        "ketamine-induced psychedelic state in humans. PLOS ONE 15(11):e0242056, 2020, "
        "doi:10.1371/journal.pone.0242056. Data: Dryad, doi:10.5061/dryad.j9kd51c9q.",
        size="about 934 MB (Farnes_et_al_PLOS_ONE_Dryad.zip)",
        access="Dryad (browser download; `eegstate fetch farnes-ketamine` says where to "
        "put it, then unpacks and verifies)",
        config="config/farnes-ketamine.yaml",
    )

    def plan(self, config: Mapping[str, Any]) -> pd.DataFrame:
        """See :func:`plan_farnes` (the files must be present)."""
        return plan_farnes(config)

    def fetch(
        self,
        config: Mapping[str, Any],
        subjects: Sequence[Any] | None,
        *,
        progressbar: bool = True,
    ) -> list[FetchSummary]:
        """The whole dataset, see :func:`fetch_farnes` (``subjects`` is not used)."""
        return [fetch_farnes(config["data_dir"])]

    def preparation_jobs(
        self, config: Mapping[str, Any], results: str, recordings: pd.DataFrame
    ) -> tuple[PreparationJob, ...]:
        """One job verifying the whole dataset against its recorded checksums."""
        return (
            PreparationJob(
                level="dataset",
                outputs=(dataset_manifest(results),),
                log=f"{results}/logs/fetch/dataset.log",
            ),
        )

    def recording_input(self, row: Any, results: str) -> list[str]:
        """The recording's file (present: the plan found it) and the verification manifest."""
        return [str(row["path"]), dataset_manifest(results)]
