"""DMN connectivity: planted decoupling recovered, control network unchanged, real data, skips.

The simulated cohort plants alpha-band DMN coupling 0.6 (baseline) -> 0.15 (dissociative) with
node lags and a sensorimotor control network with fixed coupling 0.5 (ground_truth.json,
``networks``). Preprocessing here skips ICA and autoreject (``FAST_PREPROCESS``) to keep the
module fast; they do not touch the connectivity method under test.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers.raws import make_raw
from scipy.stats import wilcoxon

from eegstate.config import validate_config
from eegstate.connectivity import (
    METRICS,
    NODES,
    recording_connectivity,
    resolve_bands,
)
from eegstate.connectivity import inverse as inverse_module
from eegstate.connectivity.figures import plot_connectivity_matrices, plot_dmn_change
from eegstate.io import read_table
from eegstate.pipeline import analyse_raw
from eegstate.tables import CONNECTIVITY_COLUMNS, DMN_SUMMARY_COLUMNS

FAST_PREPROCESS = {"preprocess": {"ica": "none", "reject": "ptp_mad"}}
CONFIG = validate_config(FAST_PREPROCESS)
BANDS = resolve_bands(CONFIG["connectivity"]["bands"], CONFIG["bandpower"]["bands"])
N_PAIRS = len(NODES) * (len(NODES) - 1) // 2
CHANNELS_20 = (
    "Fp1", "Fp2", "F3", "F4", "Fz", "C3", "C4", "Cz", "P3", "P4",
    "Pz", "O1", "O2", "Oz", "T7", "T8", "F7", "F8", "P7", "P8",
)  # fmt: skip


def _identity(subject: str, state: str) -> dict[str, str]:
    return {
        "subject": subject,
        "session": "",
        "recording": f"sub-{subject}_state-{state}",
        "state": state,
    }


@pytest.fixture(scope="session")
def simulated(tmp_path_factory) -> dict:
    """Connectivity of a small simulated cohort (6 subjects x 90 s x 2 states)."""
    import mne

    from eegstate.simulate import simulate_cohort

    out = tmp_path_factory.mktemp("connectivity_sim")
    params = {**CONFIG["simulation"], "n_subjects": 6, "duration_s": 90}
    plan = simulate_cohort(out, params, "baseline", "dissociative", seed=CONFIG["seed"])
    tables, summaries = [], []
    for row in plan.itertuples():
        identity = _identity(row.subject, row.state)
        raw = mne.io.read_raw(row.path, preload=True, verbose="error")
        epochs = analyse_raw(raw, CONFIG, identity).epochs
        result = recording_connectivity(
            epochs, CONFIG["connectivity"], identity, BANDS, cache_dir=out / "cache"
        )
        assert result.note == ""
        tables.append(result.connectivity)
        summaries.append(result.summary)
    truth = json.loads((out / "ground_truth.json").read_text())
    return {
        "connectivity": pd.concat(tables, ignore_index=True),
        "summary": pd.concat(summaries, ignore_index=True),
        "truth": truth,
        "cache": out / "cache",
    }


def _paired_change(summary: pd.DataFrame, band: str, metric: str, column: str) -> pd.Series:
    rows = summary[(summary["band"] == band) & (summary["metric"] == metric)]
    wide = rows.pivot_table(index="subject", columns="state", values=column)
    return wide["dissociative"] - wide["baseline"]


def test_ground_truth_states_the_planted_networks(simulated):
    networks = simulated["truth"]["networks"]
    for pair in networks["dmn"]["pairs"]:
        assert pair["coupling"]["baseline"] > pair["coupling"]["target"]
    for pair in networks["control"]["pairs"]:
        assert pair["coupling"]["baseline"] == pair["coupling"]["target"]


def test_tables_are_complete_and_finite(simulated):
    table, summary = simulated["connectivity"], simulated["summary"]
    assert list(table.columns) == list(CONNECTIVITY_COLUMNS)
    assert list(summary.columns) == list(DMN_SUMMARY_COLUMNS)
    per_recording = table.groupby(["recording", "band", "metric"]).size()
    assert set(per_recording) == {N_PAIRS}
    assert len(per_recording) == 12 * len(BANDS) * len(METRICS)
    assert np.isfinite(table["value"]).all()
    assert np.isfinite(summary[["dmn_mean", "control_mean", "dmn_minus_control"]]).all().all()
    assert len(list(simulated["cache"].glob("roi-operator-*.npz"))) == 1


def test_planted_dmn_decoupling_is_detected(simulated):
    """Alpha dwPLI within the DMN is lower in the dissociative state in >= 80% of subjects."""
    change = _paired_change(simulated["summary"], "alpha", "dwpli", "dmn_mean")
    assert len(change) == 6
    assert (change < 0).mean() >= 0.8, change


def test_control_network_change_is_not_significant(simulated):
    change = _paired_change(simulated["summary"], "alpha", "dwpli", "control_mean")
    assert wilcoxon(change).pvalue > 0.05, change


def test_envelope_coupling_falls_on_average(simulated):
    change = _paired_change(simulated["summary"], "alpha", "aec_orth", "dmn_mean")
    assert change.mean() < 0, change


def test_figures(simulated):
    from eegstate.stats.changes import group_changes, network_changes
    from eegstate.stats.summaries import connectivity_summary

    states = {"baseline": "baseline", "target": "dissociative"}
    summary = connectivity_summary(simulated["connectivity"], **states)
    matrices = plot_connectivity_matrices(summary, **states)
    both = plot_connectivity_matrices(summary, **states, metrics=("aec_orth", "dwpli"))
    changes = network_changes(simulated["summary"], **states, band="alpha", metrics=["aec_orth"])
    change = plot_dmn_change(changes, group_changes(changes), **states, metrics=("aec_orth",))
    assert len(matrices.axes) == 6  # three panels and their colour bars
    assert len(both.axes) == 12  # one row per metric
    assert len(change.axes) == 2
    with pytest.raises(ValueError, match="no connectivity rows"):
        plot_connectivity_matrices(summary, **states, band="gamma-none")


def test_two_channel_recording_is_skipped_with_a_qc_note(tmp_path):
    from eegstate.steps.recording import process_recording

    raw = make_raw(n_seconds=40, channels=("Fpz", "Pz"))
    path = tmp_path / "sleep_raw.fif"
    raw.save(path, verbose="error")
    config = validate_config({"preprocess": {"ica": "none", "bad_channels": "none"}})
    outputs = {name: tmp_path / f"{name}.tsv" for name in ("bp", "bpe", "psd", "el", "qc")}
    usable = process_recording(
        raw_path=path,
        identity=_identity("01", "baseline"),
        config=config,
        bandpower_out=outputs["bp"],
        epoch_bandpower_out=outputs["bpe"],
        psd_out=outputs["psd"],
        electrodes_out=outputs["el"],
        qc_out=outputs["qc"],
        connectivity_out=tmp_path / "conn.tsv",
        dmn_summary_out=tmp_path / "dmn.tsv",
    )
    assert usable  # the rest of the pipeline continues
    qc = read_table(outputs["qc"]).iloc[0]
    assert qc["excluded"] == ""
    assert "connectivity skipped" in qc["notes"] and "min_channels" in qc["notes"]
    assert len(read_table(outputs["bp"])) == 2 * len(config["bandpower"]["bands"])
    for name, columns in (("conn", CONNECTIVITY_COLUMNS), ("dmn", DMN_SUMMARY_COLUMNS)):
        table = read_table(tmp_path / f"{name}.tsv")
        assert table.empty and list(table.columns) == list(columns)


def test_disabled_step_writes_nothing():
    params = {**CONFIG["connectivity"], "enabled": False}
    raw = make_raw(n_seconds=20, channels=CHANNELS_20)
    epochs = analyse_raw(raw, CONFIG, _identity("01", "baseline")).epochs
    result = recording_connectivity(epochs, params, _identity("01", "baseline"), BANDS)
    assert result.connectivity.empty and result.summary.empty
    assert "disabled" in result.note


def test_unknown_band_is_named():
    with pytest.raises(ValueError, match="mu"):
        resolve_bands(["alpha", "mu"], CONFIG["bandpower"]["bands"])


@pytest.mark.realdata
def test_eegbci_runs_and_is_deterministic(eegbci_dir: Path, eegbci_subjects, tmp_path):
    """64-channel EEGBCI rest: finite values, identical when rebuilt from scratch."""
    from eegstate.datasets import prepare_raw
    from eegstate.io import read_raw

    subject = eegbci_subjects[0]
    path = (
        eegbci_dir / "MNE-eegbci-data" / "files" / "eegmmidb" / "1.0.0" / f"S{subject:03d}"
    ) / f"S{subject:03d}R02.edf"
    identity = _identity(f"{subject:03d}", "eyesclosed")
    epochs = analyse_raw(prepare_raw("eegbci", read_raw(path)), CONFIG, identity).epochs
    runs = []
    for cache in (tmp_path / "a", None):
        inverse_module._MEMORY.clear()  # rebuild the forward and inverse model each time
        runs.append(
            recording_connectivity(epochs, CONFIG["connectivity"], identity, BANDS, cache_dir=cache)
        )
    first, second = runs
    assert first.note == ""
    assert len(first.connectivity) == len(BANDS) * len(METRICS) * N_PAIRS
    assert np.isfinite(first.connectivity["value"]).all()
    pd.testing.assert_frame_equal(first.connectivity, second.connectivity, check_exact=True)
    pd.testing.assert_frame_equal(first.summary, second.summary, check_exact=True)


def test_fsaverage_surface_without_the_subject_says_how_to_get_it(tmp_path):
    params = {
        **CONFIG["connectivity"],
        "method": "fsaverage_surface",
        "subjects_dir": str(tmp_path / "subjects"),
    }
    epochs = analyse_raw(
        make_raw(n_seconds=20, channels=CHANNELS_20), CONFIG, _identity("01", "a")
    ).epochs
    with pytest.raises(FileNotFoundError, match="eegstate fetch fsaverage"):
        recording_connectivity(epochs, params, _identity("01", "a"), BANDS)


def _synthetic_fsaverage(subjects_dir: Path):
    """A tiny stand-in for fsaverage: two ico-3 'hemispheres' and an aparc annotation.

    Every label a node uses gets the vertices nearest the node coordinate. Geometry only: it
    exercises the surface code path (labels, normals, sign flips), not anatomy.
    """
    import mne
    from mne.surface import _get_ico_surface

    root = subjects_dir / "fsaverage"
    for folder in ("surf", "bem", "label"):
        (root / folder).mkdir(parents=True)
    ico = _get_ico_surface(3)
    for hemi, centre_x in (("lh", -0.035), ("rh", 0.035)):
        rr = ico["rr"] * np.array([0.025, 0.05, 0.035]) + np.array([centre_x, 0.0, 0.045])
        mne.write_surface(root / "surf" / f"{hemi}.white", rr * 1000, ico["tris"])
    src = mne.setup_source_space(
        "fsaverage", spacing="all", add_dist=False, subjects_dir=subjects_dir, verbose="error"
    )
    labels = []
    for index, hemi in enumerate(("lh", "rh")):
        rr, taken = src[index]["rr"], np.zeros(src[index]["np"], bool)
        for node in NODES:
            for name in node.aparc:
                if name.endswith(hemi) and name not in {label.name for label in labels}:
                    order = np.argsort(np.linalg.norm(rr - np.array(node.mni_mm) / 1000, axis=1))
                    vertices = np.sort(order[~taken[order]][:30])
                    taken[vertices] = True
                    labels.append(mne.Label(vertices, hemi=hemi, name=name, subject="fsaverage"))
    mne.write_labels_to_annot(labels, "fsaverage", "aparc", subjects_dir=subjects_dir)
    mne.write_source_spaces(root / "bem" / "fsaverage-ico-5-src.fif", src, verbose="error")
    for name in ("fsaverage-5120-5120-5120-bem-sol.fif", "fsaverage-trans.fif"):
        (root / "bem" / name).touch()  # replaced by the sphere forward below
    return src


def test_fsaverage_surface_model_on_a_synthetic_subject(tmp_path, monkeypatch):
    """Surface path: aparc labels, normal orientation, label sign flips (forward: sphere)."""
    import mne

    from eegstate.connectivity import fsaverage
    from eegstate.connectivity.template import sphere_model

    src = _synthetic_fsaverage(tmp_path)

    def sphere_forward(info, subjects_dir=None):
        fsaverage.check_available(subjects_dir)
        return mne.make_forward_solution(
            info, None, src, sphere_model(info), eeg=True, meg=False, verbose="error"
        )

    monkeypatch.setattr(fsaverage, "surface_forward", sphere_forward)
    params = {
        **CONFIG["connectivity"],
        "method": "fsaverage_surface",
        "subjects_dir": str(tmp_path),
    }
    identity = _identity("01", "baseline")
    epochs = analyse_raw(make_raw(n_seconds=30, channels=CHANNELS_20), CONFIG, identity).epochs
    inverse_module._MEMORY.clear()
    result = recording_connectivity(epochs, params, identity, BANDS, cache_dir=tmp_path / "c")
    assert result.note == ""
    assert len(result.connectivity) == len(BANDS) * len(METRICS) * N_PAIRS
    assert np.isfinite(result.connectivity["value"]).all()
    operator = inverse_module._load(next((tmp_path / "c").glob("*.npz")))
    sizes = operator.description["roi_n_sources"]
    assert sizes["PCC"] > sizes["lAG"] > 0  # midline nodes combine both hemispheres


def test_region_filter_is_mnes_pca_flip():
    """The covariance route gives MNE's pca_flip time course (direction, sign and scale)."""
    from mne.source_estimate import _pca_flip

    from eegstate.connectivity.inverse import RoiOperator
    from eegstate.connectivity.roi import pca_flip_filters, roi_time_courses

    rng = np.random.default_rng(0)
    kernel, flip = rng.standard_normal((9, 6)), rng.choice([-1.0, 1.0], 9)
    data = rng.standard_normal((3, 6, 200))
    operator = RoiOperator(("a", "b", "c", "d", "e", "f"), ("x",), (kernel,), (flip,))
    joined = data.transpose(1, 0, 2).reshape(6, -1)
    filters = pca_flip_filters(operator, joined @ joined.T / joined.shape[1])
    ours = roi_time_courses(filters, data)[:, 0].reshape(-1)
    np.testing.assert_allclose(ours, _pca_flip(flip, kernel @ joined), rtol=1e-10, atol=1e-12)
