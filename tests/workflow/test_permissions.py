"""Outputs get the permissions a normally created file gets (umask), so collaborators can read.

Each writer is run under umask 002 (group-writable folders) and 022 (the common default), and
its file's mode is compared with that of a file created with plain ``open()`` in the same
folder, which is what "normally created" means (it also honours a folder's default ACL).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import mne
import numpy as np
import pandas as pd
import pytest
from helpers.raws import make_raw

from eegstate.io import atomic_path, write_bytes, write_table, write_text

UMASKS = (0o002, 0o022)


@pytest.fixture(params=UMASKS, ids=lambda mask: f"umask{mask:03o}")
def umask(request) -> Iterator[int]:
    """Run the test under a umask, restoring the previous one afterwards."""
    previous = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def assert_normal_permissions(path: Path, umask: int) -> None:
    """``path`` has the mode of a normally created file beside it, readable by the group."""
    reference = path.parent / f".reference-{path.name}"
    with open(reference, "w", encoding="utf-8"):
        pass
    try:
        assert mode(path) == mode(reference), (oct(mode(path)), oct(mode(reference)))
        assert mode(path) & stat.S_IRGRP, oct(mode(path))
        if umask == 0o002:
            assert mode(path) & stat.S_IWGRP, oct(mode(path))
    finally:
        reference.unlink()


def test_tables_text_and_bytes(tmp_path, umask):
    table = write_table(pd.DataFrame({"a": [1]}), tmp_path / "t.tsv")
    text = write_text("hello", tmp_path / "t.txt")
    data = write_bytes(b"\x00\x01", tmp_path / "sub" / "t.bin")
    for path in (table, text, data):
        assert_normal_permissions(path, umask)
    with atomic_path(tmp_path / "raw.npz", suffix=".npz") as tmp:
        np.savez(tmp, x=np.arange(3))
    assert_normal_permissions(tmp_path / "raw.npz", umask)


def test_recording_reports(tmp_path, umask):
    from eegstate.report.recording import write_recording_report

    identity = {"subject": "01", "recording": "sub-01_state-rest", "state": "rest"}
    excluded = write_recording_report(tmp_path / "x.html", identity=identity, excluded="broken")
    raw = make_raw(n_seconds=10)
    full = write_recording_report(tmp_path / "r.html", identity=identity, raw=raw)  # mne.Report
    for path in (excluded, full):
        assert_normal_permissions(path, umask)


@pytest.mark.parametrize("file_format", ["fif", "edf"])
def test_simulated_recordings(tmp_path, umask, file_format):
    from eegstate.simulate.cohort import _write_raw

    path = tmp_path / f"sub-01_eeg.{file_format}"
    _write_raw(make_raw(n_seconds=5), path, file_format)
    assert_normal_permissions(path, umask)


def test_model_file(tmp_path, umask):
    from sklearn.linear_model import LogisticRegression

    from eegstate.classify.model import TrainedModel
    from eegstate.io import save_model

    model = TrainedModel(LogisticRegression(), {"feature_names": ["a"]})
    assert_normal_permissions(save_model(model, tmp_path / "m.eegstate"), umask)


def test_sleep_stage_extraction(tmp_path, umask):
    from helpers.sleep import HYPNOGRAM, PSG, write_night

    from eegstate.datasets.sleep_physionet import extract_stage_recordings

    write_night(tmp_path)
    out = tmp_path / "sourcedata" / "wake_eeg.fif"
    extract_stage_recordings(tmp_path / PSG, tmp_path / HYPNOGRAM, {"wake": ["W"]}, {"wake": out})
    assert_normal_permissions(out, umask)


def test_fif_written_by_mne_keeps_the_mode(tmp_path, umask):
    """MNE truncates the temporary file (keeping its mode) or replaces it: both are fine."""
    raw = make_raw(n_seconds=5)
    with atomic_path(tmp_path / "a_raw.fif", suffix="_raw.fif") as tmp:
        raw.save(tmp, overwrite=True, verbose="error")
    with atomic_path(tmp_path / "b.edf", suffix=".edf") as tmp:
        mne.export.export_raw(tmp, raw, fmt="edf", overwrite=True, verbose="error")
    for name in ("a_raw.fif", "b.edf"):
        assert_normal_permissions(tmp_path / name, umask)
