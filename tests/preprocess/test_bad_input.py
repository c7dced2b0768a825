"""Bad input: every kind gets a clear error naming the file or option, and loses nothing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers.raws import make_raw

from eegstate.config import ConfigError, check_writable, validate_config
from eegstate.io import read_table
from eegstate.samplesheet import SampleSheetError, read_samplesheet
from eegstate.steps.recording import process_recording

CONFIG = validate_config({})
CHANNELS = (
    "Fp1", "Fp2", "F3", "F4", "Fz", "C3", "C4", "Cz", "P3", "P4",
    "Pz", "O1", "O2", "Oz", "T7", "T8", "F7", "F8", "P7", "P8",
)  # fmt: skip


def good_raw(**kwargs):
    return make_raw(n_seconds=kwargs.pop("n_seconds", 30), channels=CHANNELS, **kwargs)


def save_fif(raw, path: Path) -> Path:
    raw.save(path, overwrite=True, verbose="error")
    return path


def save_edf(raw, path: Path) -> Path:
    import mne

    mne.export.export_raw(path, raw, fmt="edf", overwrite=True, verbose="error")
    return path


def run_recording(path: Path, out: Path, config=CONFIG) -> tuple[bool, pd.Series]:
    out.mkdir(parents=True, exist_ok=True)
    identity = {"subject": "01", "session": "", "recording": "sub-01_state-baseline"}
    usable = process_recording(
        raw_path=path,
        identity={**identity, "state": "baseline"},
        config=config,
        bandpower_out=out / "bp.tsv",
        epoch_bandpower_out=out / "bpe.tsv",
        psd_out=out / "psd.tsv",
        electrodes_out=out / "el.tsv",
        qc_out=out / "qc.tsv",
        emg_out=out / "emg.tsv",
    )
    assert not list(out.glob(".*tmp")), "temporary files left behind"
    return usable, read_table(out / "qc.tsv").iloc[0]


def assert_excluded(path: Path, out: Path, *fragments: str) -> None:
    before = path.read_bytes() if path.is_file() else None
    usable, qc = run_recording(path, out)
    assert not usable
    for fragment in (str(path), *fragments):
        assert fragment in qc["excluded"], qc["excluded"]
    for table in ("bp.tsv", "bpe.tsv", "psd.tsv", "el.tsv", "emg.tsv"):
        assert len(read_table(out / table)) == 0  # header only: nothing looks complete
    if before is not None:
        assert path.read_bytes() == before  # input untouched


def test_good_recording_is_usable(tmp_path):
    usable, qc = run_recording(save_fif(good_raw(), tmp_path / "ok_raw.fif"), tmp_path / "out")
    assert usable and qc["excluded"] == ""
    assert len(read_table(tmp_path / "out" / "bp.tsv")) == len(CHANNELS) * 5
    emg = read_table(tmp_path / "out" / "emg.tsv")
    assert len(emg) == qc["n_epochs_kept"] and emg["emg_slope"].notna().all()
    assert abs(emg["emg_slope"].median() - qc["emg_slope_median"]) < 1e-3


def test_truncated_edf(tmp_path):
    path = save_edf(good_raw(), tmp_path / "trunc.edf")
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 3])
    assert_excluded(path, tmp_path / "out", "looks truncated", "allow_truncated_files")


def test_garbage_header(tmp_path):
    path = tmp_path / "garbage.edf"
    path.write_bytes(np.random.default_rng(0).bytes(5000))
    assert_excluded(path, tmp_path / "out", "MNE cannot read")


def test_wrong_extension(tmp_path):
    path = save_edf(good_raw(), tmp_path / "rec.edf").rename(tmp_path / "rec.txt")
    assert_excluded(path, tmp_path / "out", "MNE cannot read")


def test_nan_samples(tmp_path):
    raw = good_raw()
    raw._data[3, 1000:1010] = np.nan
    assert_excluded(save_fif(raw, tmp_path / "nan_raw.fif"), tmp_path / "out", "NaN")


def test_all_flat(tmp_path):
    raw = good_raw()
    raw._data[:] = 0.0
    assert_excluded(save_fif(raw, tmp_path / "flat_raw.fif"), tmp_path / "out", "flat")


def test_one_flat_channel_is_interpolated_not_excluded(tmp_path):
    raw = good_raw()
    raw._data[CHANNELS.index("P4")] = 0.0
    usable, qc = run_recording(save_fif(raw, tmp_path / "oneflat_raw.fif"), tmp_path / "out")
    assert usable
    assert "P4" in qc["bad_channels"].split(",")


def test_more_than_half_channels_bad(tmp_path):
    raw = good_raw()
    rng = np.random.default_rng(5)
    for index in range(12):
        raw._data[index] = rng.normal(0, 1, raw.n_times) * 1e-6 * rng.choice([0.01, 50.0])
    assert_excluded(save_fif(raw, tmp_path / "bad_raw.fif"), tmp_path / "out", "channels are bad")


def test_shorter_than_one_epoch(tmp_path):
    raw = good_raw(n_seconds=3)
    assert_excluded(save_fif(raw, tmp_path / "short_raw.fif"), tmp_path / "out", "epoch_length_s")


def test_sampling_rate_too_low_for_the_low_pass(tmp_path):
    raw = good_raw(sfreq=80)
    assert_excluded(save_fif(raw, tmp_path / "slow_raw.fif"), tmp_path / "out", "preprocess.h_freq")


def test_band_above_the_low_pass_is_a_config_error():
    with pytest.raises(ConfigError, match=r"bandpower\.bands\.gamma.*preprocess\.h_freq"):
        validate_config({"preprocess": {"h_freq": 30.0}})


def test_unknown_channel_names(tmp_path):
    import mne

    raw = good_raw()
    raw.set_montage(None)
    mne.rename_channels(raw.info, {name: f"E{i}" for i, name in enumerate(CHANNELS)})
    assert_excluded(save_fif(raw, tmp_path / "names_raw.fif"), tmp_path / "out", "montage")


def test_missing_file(tmp_path):
    assert_excluded(tmp_path / "gone.edf", tmp_path / "out", "file not found")


def test_fail_mode_raises(tmp_path):
    from eegstate.io import RecordingError

    config = {**CONFIG, "on_recording_error": "fail"}
    with pytest.raises(RecordingError, match="file not found"):
        run_recording(tmp_path / "gone.edf", tmp_path / "out", config)
    assert not (tmp_path / "out" / "qc.tsv").exists()


def write_sheet(folder: Path, rows: list[dict]) -> Path:
    path = folder / "samples.tsv"
    pd.DataFrame(rows).to_csv(path, sep="\t", index=False)
    return path


def test_duplicate_rows(tmp_path):
    (tmp_path / "a.edf").write_bytes(b"")
    row = {"subject": "01", "state": "baseline", "path": "a.edf"}
    sheet = write_sheet(tmp_path, [row, row])
    with pytest.raises(SampleSheetError, match=r"samples\.tsv lists the same .* \(lines 2, 3"):
        read_samplesheet(sheet, baseline="baseline", target="dissociative")


def test_unknown_state_label(tmp_path):
    sheet = write_sheet(tmp_path, [{"subject": "01", "state": "asleep", "path": "a.edf"}])
    with pytest.raises(SampleSheetError, match="asleep"):
        read_samplesheet(sheet, baseline="baseline", target="dissociative", check_files=False)


def test_path_outside_data_root(tmp_path):
    (tmp_path / "sheets").mkdir()
    sheet = write_sheet(
        tmp_path / "sheets", [{"subject": "01", "state": "baseline", "path": "../../etc/passwd"}]
    )
    with pytest.raises(SampleSheetError, match="outside its data root"):
        read_samplesheet(sheet, baseline="baseline", target="dissociative", check_files=False)
    table = read_samplesheet(
        sheet,
        baseline="baseline",
        target="dissociative",
        check_files=False,
        allow_outside_root=True,
    )
    assert len(table) == 1


def test_unwritable_output_folder(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(ConfigError, match=r"cannot write to the output folder .*'results_dir'"):
        check_writable(blocker / "results", "results_dir")
