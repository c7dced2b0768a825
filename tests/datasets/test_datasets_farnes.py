"""Farnes et al. ketamine adapter: file-name parsing, fetch from a local mirror, manual step."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import mne
import pandas as pd
import pytest
from helpers.raws import make_raw
from helpers.server import LocalServer

from eegstate.config import load_config
from eegstate.datasets import plan_recordings
from eegstate.datasets.download import ChecksumError
from eegstate.datasets.farnes import (
    CHECKSUMS,
    DRYAD_URL,
    ZIP_NAME,
    ManualDownloadRequired,
    fetch_farnes,
    scan_recordings,
)
from eegstate.paths import workflow_root

#: subject -> (date, recording numbers in order: awake open, awake closed, ketamine open, closed)
RECORDINGS = {"210": ("20161207", (2, 3, 6, 7)), "318": ("20170206", (2, 3, 7, 8))}
INNER = "Farnes_et_al_PLOS_ONE_Dryad/Spontaneous EEG"


def file_names() -> list[str]:
    names = []
    for subject, (date, numbers) in RECORDINGS.items():
        for number, eyes in zip(numbers, ("Open", "Closed", "Open", "Closed"), strict=True):
            names.append(f"{subject}_{date}_{number:04d}_eyes{eyes}_afterICA.set")
    return names


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    """The dataset zip in its real layout: EEGLAB .set/.fdt files (eeglabio) plus TMS data."""
    folder = tmp_path_factory.mktemp("dryad")
    source = folder / "source" / INNER
    source.mkdir(parents=True)
    for seed, name in enumerate(file_names()):
        raw = make_raw(n_seconds=20, sfreq=200, seed=seed)
        mne.export.export_raw(source / name, raw, fmt="eeglab", verbose="error")
    path = folder / "served" / "records" / "4245091" / "files" / ZIP_NAME
    path.parent.mkdir(parents=True)
    with zipfile.ZipFile(path, "w") as bundle:
        for file in sorted((folder / "source").rglob("*")):
            bundle.write(file, file.relative_to(folder / "source"))
        bundle.writestr("Farnes_et_al_PLOS_ONE_Dryad/TMS/210_tms.mat", b"not EEG")
    return path


def serve_record(archive: Path, checksum: str | None = None) -> LocalServer:
    root = archive.parents[3]
    server = LocalServer(root)
    md5 = checksum or "md5:" + hashlib.md5(archive.read_bytes()).hexdigest()

    def api_record() -> None:
        record = {
            "files": [
                {
                    "key": ZIP_NAME,
                    "size": archive.stat().st_size,
                    "checksum": md5,
                    "links": {"self": f"{server.url}/records/4245091/files/{ZIP_NAME}"},
                }
            ]
        }
        api = root / "api" / "records" / "4245091"
        api.parent.mkdir(parents=True, exist_ok=True)
        api.write_text(json.dumps(record))

    server.__enter__()
    api_record()
    return server


def test_fetch_downloads_unpacks_and_verifies(archive, tmp_path):
    server = serve_record(archive)
    try:
        server.cut_once[f"records/4245091/files/{ZIP_NAME}"] = 50_000
        summary = fetch_farnes(tmp_path, api=f"{server.url}/api")
    finally:
        server.__exit__()
    assert server.ranges(f"records/4245091/files/{ZIP_NAME}") == [None, "bytes=50000-"]
    assert (tmp_path / ZIP_NAME) in summary.downloaded
    table = scan_recordings(tmp_path)
    assert len(table) == 8 and set(table["subject"]) == {"210", "318"}
    assert not list(tmp_path.rglob("*.mat"))  # only the spontaneous EEG is unpacked
    # Drug state from the fixed order of the design: earlier awake, later ketamine.
    later = table[(table["subject"] == "318") & (table["drug"] == "ketamine")]
    assert sorted(Path(p).name[:17] for p in later["path"]) == [
        "318_20170206_0007",
        "318_20170206_0008",
    ]
    assert (tmp_path / CHECKSUMS).is_file()
    again = fetch_farnes(tmp_path, api="http://127.0.0.1:9/unused")  # nothing downloaded
    assert len(again.verified) == 8 and not again.downloaded  # eeglabio embeds the data


def test_checksum_mismatch_leaves_no_zip(archive, tmp_path):
    server = serve_record(archive, checksum="md5:" + "0" * 32)
    try:
        with pytest.raises(ChecksumError, match="checksum mismatch"):
            fetch_farnes(tmp_path, api=f"{server.url}/api")
    finally:
        server.__exit__()
    assert list(tmp_path.iterdir()) == []


def test_manual_step_is_explained_then_verified(archive, tmp_path):
    with LocalServer(tmp_path / "empty") as server:  # the mirror answers 404
        with pytest.raises(ManualDownloadRequired) as err:
            fetch_farnes(tmp_path / "data", api=f"{server.url}/api")
    message = str(err.value)
    assert DRYAD_URL in message and ZIP_NAME in message and str(tmp_path / "data") in message
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / ZIP_NAME).write_bytes(archive.read_bytes())  # the user's download
    summary = fetch_farnes(tmp_path / "data", api="http://127.0.0.1:9/unused")
    assert len(summary.files) == 9  # the zip + 8 .set (eeglabio embeds the data)
    changed = next((tmp_path / "data").rglob("210_*_0002_eyesOpen_afterICA.set"))
    other = make_raw(n_seconds=20, sfreq=200, seed=99)
    mne.export.export_raw(changed, other, fmt="eeglab", overwrite=True, verbose="error")
    with pytest.raises(ChecksumError, match="differ from the checksums recorded"):
        fetch_farnes(tmp_path / "data")


def test_plan_reads_states_and_eyes_from_file_names(archive, tmp_path):
    with zipfile.ZipFile(archive) as bundle:
        bundle.extractall(tmp_path)
    config = load_config(
        workflow_root() / "config" / "farnes-ketamine.yaml", {"data_dir": str(tmp_path)}
    )
    plan = plan_recordings(config)  # eyes balanced across drug states: the guard lets it run
    assert len(plan) == 8
    counts = plan.groupby(["state", "eyes"]).size().to_dict()
    assert counts == {
        ("awake", "closed"): 2,
        ("awake", "open"): 2,
        ("ketamine", "closed"): 2,
        ("ketamine", "open"): 2,
    }
    assert plan["recording"].iloc[0] == "sub-210_task-rest_acq-closed_state-awake"
    closed = load_config(
        workflow_root() / "config" / "farnes-ketamine.yaml",
        {"data_dir": str(tmp_path), "farnes_ketamine": {"eyes": ["closed"]}, "subjects": ["318"]},
    )
    assert len(plan_recordings(closed)) == 2


def test_plan_without_data_says_to_fetch(tmp_path):
    config = load_config(
        workflow_root() / "config" / "farnes-ketamine.yaml", {"data_dir": str(tmp_path)}
    )
    with pytest.raises(FileNotFoundError, match="eegstate fetch farnes-ketamine"):
        plan_recordings(config)


def test_drug_named_in_folders_wins_over_order(tmp_path):
    for drug, name in (("Ketamine", "1_0002_eyesClosed.set"), ("Awake", "1_0005_eyesClosed.set")):
        path = tmp_path / drug / name
        path.parent.mkdir()
        path.write_text("")
    table = scan_recordings(tmp_path)
    folders = table["path"].map(lambda p: Path(p).parent.name)
    assert dict(zip(folders, table["drug"], strict=True)) == {
        "Ketamine": "ketamine",
        "Awake": "awake",
    }
    assert isinstance(table, pd.DataFrame)


def test_workflow_fetch_step_writes_a_manifest(archive, tmp_path):
    from eegstate.datasets import ADAPTERS
    from eegstate.io import read_table
    from eegstate.steps.data import prepare_data

    with zipfile.ZipFile(archive) as bundle:
        bundle.extractall(tmp_path / "data")
    config = load_config(
        workflow_root() / "config" / "farnes-ketamine.yaml", {"data_dir": str(tmp_path / "data")}
    )
    results = str(tmp_path / "results")
    (job,) = ADAPTERS["farnes-ketamine"].preparation_jobs(config, results, plan_recordings(config))
    assert job.level == "dataset" and job.outputs == (f"{results}/sourcedata/dataset_fetched.tsv",)
    prepare_data(job.job_config(config), job.level, job.outputs)  # what the rule runs
    manifest = read_table(job.outputs[0])
    assert list(manifest.columns) == ["path", "bytes", "sha256"] and len(manifest) == 8
