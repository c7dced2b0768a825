"""Classification on data that went through the whole per-recording analysis.

A simulated cohort at the default (ketamine-like) effect sizes, and the real PhysioNet EEGBCI
resting runs (eyes closed vs eyes open, a strong Berger effect), each evaluated with the
default classification configuration: nothing here is tuned to the data.
"""

from __future__ import annotations

import pandas as pd
import pytest

from eegstate.classify import epoch_features, evaluate, prepare_data
from eegstate.config import load_config, validate_config
from eegstate.datasets import plan_recordings, prepare_raw
from eegstate.io import read_raw
from eegstate.paths import workflow_root
from eegstate.pipeline import analyse_raw, epoch_band_power_table, recording_settings


def epoch_bandpower_of(plan: pd.DataFrame, config: dict) -> pd.DataFrame:
    """Run the per-recording analysis of every planned recording; stack per-epoch band power."""
    tables = []
    settings = recording_settings(config)
    for row in plan.itertuples():
        identity = {key: str(getattr(row, key)) for key in ("subject", "session", "state")}
        identity["recording"] = row.recording
        raw = prepare_raw(config["adapter"], read_raw(row.path))
        result = analyse_raw(raw, settings, identity, source=row.path)
        tables.append(epoch_band_power_table(result, settings, identity))
    return pd.concat(tables, ignore_index=True)


def evaluate_default(epochs: pd.DataFrame, config: dict, n_permutations: int = 0, **kwargs):
    options = config["classification"]
    features = epoch_features(epochs, level=options["level"])
    data = prepare_data(
        features, features=options["features"], baseline=config["baseline"], target=config["target"]
    )
    return evaluate(
        data,
        estimator=options["estimator"],
        param_grids=options["param_grids"],
        normalize=options["normalize"],
        inner_folds=options["inner_folds"],
        n_permutations=n_permutations,
        seed=config["seed"],
        **kwargs,
    )


@pytest.fixture(scope="session")
def simulated_config(tmp_path_factory) -> dict:
    """A simulated cohort (8 subjects x 60 s, default effects) written to a temporary folder.

    ICA is switched off to keep the test fast (it is tested with the preprocessing); the
    planted effects and every other option are the defaults.
    """
    from eegstate.simulate import simulate_cohort

    out_dir = tmp_path_factory.mktemp("classify-cohort")
    config = validate_config(
        {
            "data_dir": str(out_dir),
            "simulation": {"n_subjects": 8, "duration_s": 60},
            "preprocess": {"ica": "none"},
        }
    )
    simulate_cohort(
        out_dir, config["simulation"], config["baseline"], config["target"], config["seed"]
    )
    return config


def test_simulated_cohort_default_effects_are_classified(simulated_config):
    epochs = epoch_bandpower_of(plan_recordings(simulated_config), simulated_config)
    result = evaluate_default(epochs, simulated_config, n_permutations=19)
    summary = result.summary
    assert summary["n_subjects"] == 8
    assert summary["balanced_accuracy"] >= 0.8
    assert summary["recordings"]["accuracy"] >= 0.8
    assert summary["p_value"] <= 0.1  # 19 permutations: the smallest possible p is 0.05


@pytest.mark.realdata
def test_eegbci_eyes_closed_vs_open_leave_one_subject_out(eegbci_dir, eegbci_subjects):
    config = load_config(
        workflow_root() / "config" / "eegbci.yaml",
        {"data_dir": str(eegbci_dir), "subjects": eegbci_subjects},
    )
    epochs = epoch_bandpower_of(plan_recordings(config), config)
    options = config["classification"]
    summary = evaluate_default(
        epochs, config, n_permutations=options["n_permutations"], compare_none=True
    ).summary
    assert summary["n_subjects"] == len(eegbci_subjects)
    assert summary["balanced_accuracy"] >= 0.9, summary["per_subject"]
    assert summary["recordings"]["accuracy"] == 1.0
    # One eyes-open and one eyes-closed run per subject: 2 ** n labellings, fewer than the
    # configured permutations, so every one is scored; the flip scores as the observed.
    n_labellings = 2 ** len(eegbci_subjects)
    assert options["n_permutations"] >= n_labellings == summary["n_distinct_labellings"]
    assert summary["permutation_exact"] is True
    assert summary["p_value_floor"] == 2 / n_labellings
    assert summary["p_value"] == 2 / n_labellings
    comparison = summary["normalize_comparison"]
    assert comparison["normalize"] == "none" and comparison["n_subjects"] == len(eegbci_subjects)
    assert 0.5 < comparison["balanced_accuracy"] < summary["balanced_accuracy"]
