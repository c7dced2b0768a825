"""Real files as people have them: the shared PhysioNet EEGBCI EDF files, unmodified.

* listed in a sample sheet (no conversion of the ``Fc5.`` channel names), they give exactly the
  band power of the ``eegbci`` adapter (which renames the channels with MNE's helper first);
* converted to BIDS with mne-bids (one subject's EDF copied as it is, one re-encoded as
  BrainVision; eyes open / closed as two acquisitions of task ``rest``) and run through
  ``config/bids.yaml`` with only ``bids.root``, the state mapping and ``preprocess.line_freq``
  set, they give the same per-recording band power within 0.05 dB.

Workflow runs are marked slow; every option that only saves time (no ICA, no connectivity, no
per-recording reports, few resamples and permutations) is the same in every run compared.
"""

from __future__ import annotations

import stat
from pathlib import Path

import mne
import numpy as np
import pandas as pd
import pytest
import yaml
from helpers.workflow_runs import run_eegstate

from eegstate.config import validate_config
from eegstate.datasets.eegbci import eegbci_path
from eegstate.io import read_table
from eegstate.paths import workflow_root
from eegstate.steps.recording import process_recording

pytestmark = pytest.mark.realdata

ROOT = workflow_root()
RUNS = {"eyes_open": 1, "eyes_closed": 2}
#: Options that only make the runs fast, identical in every run compared.
FAST = {
    "preprocess": {"ica": "none"},
    "connectivity": {"enabled": False},
    "report": {"recording_reports": False, "n_bootstrap": 200},
    "stats": {"n_permutations": 50},
    "classification": {"n_permutations": 0},
}
#: Largest per-recording band-power difference allowed after a BIDS round trip (dB).
BIDS_TOLERANCE_DB = 0.05
KEY = ["subject", "state", "channel", "band"]


def config_from(example: str, tmp_path: Path, **options) -> Path:
    """An example config of ``config/`` with ``options`` and :data:`FAST` set, in ``tmp_path``."""
    config = yaml.safe_load((ROOT / "config" / example).read_text())
    for section, values in FAST.items():
        config[section] = {**config.get(section, {}), **values}
    for key, value in options.items():
        if isinstance(value, dict) and isinstance(config.get(key), dict):
            config[key] = {**config[key], **value}
        else:
            config[key] = value
    config["results_dir"] = str(tmp_path / "results")
    path = tmp_path / f"config-{example}"
    path.write_text(yaml.safe_dump(config))
    return path


def run(configfile: Path, cwd: Path, target: str | None = None, umask: int = 0o022) -> None:
    """``eegstate run`` of the whole workflow, or only as far as ``target`` (``--until``)."""
    until = ["--until", target] if target else []
    result = run_eegstate(
        ["run", "--cores", "2", "--configfile", str(configfile), *until], cwd, umask=umask
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]


def sorted_bandpower(table: pd.DataFrame) -> pd.DataFrame:
    return table.sort_values(KEY).reset_index(drop=True)


def test_sheet_recording_matches_the_eegbci_adapter(tmp_path, eegbci_dir, eegbci_subjects):
    """One recording through the Python step: the unmodified file equals the adapter's."""
    subject = eegbci_subjects[0]
    path = eegbci_path(eegbci_dir, subject, 2)
    identity = {"subject": f"{subject:03d}", "session": "", "state": "eyes_closed"}
    identity["recording"] = f"sub-{subject:03d}_state-eyesclosed"
    tables = {}
    for adapter in ("eegbci", "samplesheet"):
        config = validate_config(
            {
                **FAST,
                "adapter": adapter,
                "samples": "unused.tsv",
                "baseline": "eyes_open",
                "target": "eyes_closed",
                "preprocess": {**FAST["preprocess"], "line_freq": 60},
            }
        )
        out = tmp_path / adapter
        usable = process_recording(
            raw_path=path,
            identity=identity,
            config=config,
            bandpower_out=out / "bp.tsv",
            epoch_bandpower_out=out / "bpe.tsv",
            psd_out=out / "psd.tsv",
            electrodes_out=out / "el.tsv",
            qc_out=out / "qc.tsv",
        )
        assert usable
        tables[adapter] = (read_table(out / "bp.tsv"), read_table(out / "qc.tsv").iloc[0])
    (adapter_bp, adapter_qc), (sheet_bp, sheet_qc) = tables["eegbci"], tables["samplesheet"]
    assert len(sheet_bp) == 64 * 5
    pd.testing.assert_frame_equal(sheet_bp, adapter_bp, check_exact=True)
    assert adapter_qc["channel_changes"] == ""  # already renamed by the adapter
    assert sheet_qc["channel_changes"].startswith(
        "renamed 64 (dots, case): Fc5.→FC5, Fc3.→FC3, Fc1.→FC1, Fcz.→FCz, +60 more"
    )


@pytest.fixture(scope="module")
def subjects(eegbci_subjects) -> list[int]:
    return eegbci_subjects[:2]


@pytest.fixture(scope="module")
def adapter_bandpower(tmp_path_factory, eegbci_dir, subjects) -> pd.DataFrame:
    """Per-recording band power of the ``eegbci`` adapter (the reference)."""
    tmp_path = tmp_path_factory.mktemp("eegbci")
    configfile = config_from(
        "eegbci.yaml", tmp_path, data_dir=str(eegbci_dir), subjects=list(subjects)
    )
    target = tmp_path / "results" / "eegbci" / "group" / "bandpower.tsv"
    run(configfile, tmp_path, str(target))
    return sorted_bandpower(read_table(target))


@pytest.mark.slow
def test_sample_sheet_of_unmodified_files_equals_the_adapter(
    tmp_path, eegbci_dir, subjects, adapter_bandpower
):
    rows = [
        {
            "subject": f"{subject:03d}",
            "state": state,
            "path": str(eegbci_path(eegbci_dir, subject, run)),
        }
        for subject in subjects
        for state, run in RUNS.items()
    ]
    sheet = tmp_path / "sheet" / "samples.tsv"
    sheet.parent.mkdir()
    pd.DataFrame(rows).to_csv(sheet, sep="\t", index=False)
    configfile = config_from(
        "samplesheet.yaml",
        tmp_path,
        samples=str(sheet),
        samples_root=str(eegbci_dir),
        baseline="eyes_open",
        target="eyes_closed",
        preprocess={"line_freq": 60},
    )
    group = tmp_path / "results" / "samplesheet" / "group"
    run(configfile, tmp_path, str(group / "bandpower.tsv"))  # qc.tsv is one of its inputs
    qc = read_table(group / "qc.tsv")
    assert (qc["excluded"] == "").all() and len(qc) == 2 * len(subjects)
    assert qc["channel_changes"].str.startswith("renamed 64 (dots, case): Fc5.→FC5").all()
    sheet_bandpower = sorted_bandpower(read_table(group / "bandpower.tsv"))
    pd.testing.assert_frame_equal(sheet_bandpower, adapter_bandpower, check_exact=True)


def write_bids_dataset(root: Path, eegbci_dir: Path, subjects: list[int]) -> None:
    """The EEGBCI resting runs as BIDS: the first subject's EDF copied, the others BrainVision."""
    import mne_bids

    for position, subject in enumerate(subjects):
        for state, run_number in RUNS.items():
            source = eegbci_path(eegbci_dir, subject, run_number)
            copy_as_is = position == 0
            raw = mne.io.read_raw_edf(source, preload=not copy_as_is, verbose="error")
            raw.info["line_freq"] = 60
            bids_path = mne_bids.BIDSPath(
                subject=f"{subject:03d}",
                task="rest",
                acquisition=state.replace("_", ""),
                datatype="eeg",
                root=root,
            )
            mne_bids.write_raw_bids(
                raw,
                bids_path,
                format="auto" if copy_as_is else "BrainVision",
                allow_preload=not copy_as_is,
                overwrite=True,
                verbose="error",
            )


@pytest.mark.slow
def test_bids_round_trip_gives_the_adapter_band_power(
    tmp_path, eegbci_dir, subjects, adapter_bandpower
):
    bids_root = tmp_path / "bids"
    write_bids_dataset(bids_root, eegbci_dir, subjects)
    assert {p.suffix for p in bids_root.rglob("*_eeg.*")} >= {".edf", ".vhdr"}
    states = {
        state: {"entities": {"task": "rest", "acquisition": state.replace("_", "")}, "eyes": eyes}
        for state, eyes in (("eyes_open", "open"), ("eyes_closed", "closed"))
    }
    configfile = config_from(
        "bids.yaml",
        tmp_path,
        baseline="eyes_open",
        target="eyes_closed",
        bids={"root": str(bids_root), "states": states},
        preprocess={"line_freq": 60},
    )
    run(configfile, tmp_path, umask=0o002)  # the whole workflow, report included
    results = tmp_path / "results" / "bids"
    group = results / "group"
    qc = read_table(group / "qc.tsv")
    assert (qc["excluded"] == "").all() and len(qc) == 2 * len(subjects)
    assert {Path(path).suffix for path in qc["path"]} == {".edf", ".vhdr"}
    bids_bandpower = sorted_bandpower(read_table(group / "bandpower.tsv"))
    assert bids_bandpower[KEY].equals(adapter_bandpower[KEY])
    difference = np.abs(bids_bandpower["power_db"] - adapter_bandpower["power_db"]).max()
    print(f"BIDS round trip vs eegbci adapter: max |Δ power_db| = {difference:.3g} dB")
    assert difference <= BIDS_TOLERANCE_DB
    report = (group / "report.html").read_text(encoding="utf-8")
    assert "channel_changes" in report and "renamed 64 (dots, case)" in report
    # Collaborators (umask 002: group-writable) can read every output of the run.
    modes = {stat.S_IMODE(p.stat().st_mode) for p in results.rglob("*") if p.is_file()}
    assert modes == {0o664}, sorted(oct(m) for m in modes)
