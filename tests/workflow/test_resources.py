"""Resources the rules ask for (eegstate.steps.resources) and the recording jobs' file names."""

from __future__ import annotations

import pytest

from eegstate.steps import resources
from eegstate.steps.recording import (
    OUTPUT_SUFFIXES,
    recording_batches,
    recording_log_path,
    recording_output_paths,
)


def test_recording_size_follows_file_size_and_format(tmp_path):
    fif = tmp_path / "a_raw.fif"
    fif.write_bytes(b"\0" * 1_000_000)
    edf = tmp_path / "a.edf"
    edf.write_bytes(b"\0" * 1_000_000)
    assert resources.recording_float64_mb(fif) == pytest.approx(2.0)  # float32 samples
    assert resources.recording_float64_mb(edf) == pytest.approx(4.0)  # int16 samples
    missing = tmp_path / "not_yet.fif"
    assert resources.recording_float64_mb(missing) == resources.FALLBACK_RECORDING_MB
    # a BrainVision header counts its data file
    (tmp_path / "b.vhdr").write_text("header")
    (tmp_path / "b.eeg").write_bytes(b"\0" * 500_000)
    assert resources.recording_float64_mb(tmp_path / "b.vhdr") == pytest.approx(
        (500_000 + len("header")) * 4.0 / 1e6
    )


def test_batch_resources_count_the_largest_recording_and_the_sum_of_times(tmp_path):
    small, large = tmp_path / "s_raw.fif", tmp_path / "l_raw.fif"
    small.write_bytes(b"\0" * 1_000_000)
    large.write_bytes(b"\0" * 50_000_000)  # 100 MB as float64
    mem = resources.recording_job_mem_mb([small, large])
    assert mem == resources.recording_job_mem_mb([large]) > resources.recording_job_mem_mb([small])
    assert mem == 500 + 10 * 100  # base + factor x largest, rounded up to 100 MB
    one = resources.recording_job_runtime_min([large])
    assert resources.recording_job_runtime_min([large] * 20) > one >= resources.MIN_RUNTIME_MIN
    resource = resources.paths_resource(resources.recording_job_mem_mb, [small, large])
    assert resource({}) == mem


def test_group_resources_grow_with_the_input_tables(tmp_path):
    table = tmp_path / "t.tsv"
    table.write_bytes(b"x" * 100_000_000)
    mem = resources.table_mem_mb_resource(1000)
    assert mem({}, []) == 1000
    assert mem({}, [str(table)]) == 1000 + 400
    runtime = resources.table_runtime_resource(seconds_per_mb=60.0)
    assert runtime({}, []) == resources.MIN_RUNTIME_MIN
    assert runtime({}, [str(table)]) == 1 + 100


def test_recording_outputs_and_batches():
    paths = recording_output_paths(
        "R", "01", "sub-01_state-x", with_connectivity=False, with_report=True
    )
    assert list(paths) == [
        name for name in OUTPUT_SUFFIXES if name not in ("connectivity", "dmn_summary")
    ]
    assert paths["epoch_bandpower"] == "R/sub-01/sub-01_state-x_bandpower-epochs.tsv"
    full = recording_output_paths(
        "R", "{subject}", "{recording}", with_connectivity=True, with_report=False
    )
    assert full["dmn_summary"] == "R/sub-{subject}/{recording}_dmn-summary.tsv"
    assert "report" not in full
    assert recording_log_path("R", "01", "r") == "R/logs/recording/sub-01/r.log"
    assert recording_batches(list("abcdefg"), 3) == [("a", "b", "c"), ("d", "e", "f"), ("g",)]
    with pytest.raises(ValueError, match="at least 1"):
        recording_batches(["a"], 0)
    with pytest.raises(ValueError, match="repeat"):
        recording_batches(["a", "a"], 2)
