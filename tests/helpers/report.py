"""Builders shared by the report, summaries and browser tests: a small synthetic study, its
group tables on disk and the statistics step run on them (no test in this module)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from eegstate.config import validate_config
from eegstate.io import write_table
from eegstate.tables import (
    BANDPOWER_COLUMNS,
    CLASSIFICATION_FOLD_COLUMNS,
    CLASSIFICATION_PREDICTION_COLUMNS,
    PSD_COLUMNS,
    QC_COLUMNS,
    REGION_BANDPOWER_COLUMNS,
)

BASE, TARG = "baseline", "dissociative"
BANDS = {"delta": (1.0, 4.0), "theta": (4.0, 8.0), "alpha": (8.0, 13.0), "beta": (13.0, 30.0)}
BANDS["gamma"] = (30.0, 45.0)
REGIONS = {
    "frontal": ["Fp1", "Fp2", "AF3", "AF4", "F7", "F3", "Fz", "F4", "F8"],
    "central": ["FC5", "FC1", "FC2", "FC6", "C3", "Cz", "C4"],
    "temporal": ["T7", "T8"],
    "parietal": ["CP5", "CP1", "CP2", "CP6", "P7", "P3", "Pz", "P4", "P8"],
    "occipital": ["PO3", "PO4", "O1", "Oz", "O2"],
}
CHANNELS = [ch for chans in REGIONS.values() for ch in chans]
#: Posterior alpha change planted in :func:`synthetic_study` (dB of the Gaussian alpha bump).
ALPHA_DROP_DB = 1.8


def study_config(**overrides: Any) -> dict:
    """A validated configuration for the synthetic study (small bootstraps, fast tests)."""
    config = {
        "dataset": "synthetic",
        "seed": 3,
        "bandpower": {"bands": {k: list(v) for k, v in BANDS.items()}},
        "report": {"n_bootstrap": 300},
        "stats": {"n_permutations": 100},
        "connectivity": {"enabled": False},
    }
    for key, value in overrides.items():
        if isinstance(value, Mapping) and isinstance(config.get(key), Mapping):
            config[key] = {**config[key], **value}
        else:
            config[key] = value
    return validate_config(config)


def synthetic_study(
    n_subjects: int = 5, seed: int = 0, baseline: str = BASE, target: str = TARG
) -> dict:
    """Channel band power, region band power, PSD, QC and a montage for a synthetic study.

    The last subject has no target recording, and a recording of ``sub-77`` is excluded in the
    QC table. Posterior alpha falls by :data:`ALPHA_DROP_DB` in the target state. A few
    channel names are upper-cased to check case-insensitive matching against the montage.
    """
    import mne

    rng = np.random.default_rng(seed)
    region_of = {ch: region for region, chans in REGIONS.items() for ch in chans}
    shown = {ch: (ch.upper() if ch in ("Fp1", "Cz", "Oz") else ch) for ch in CHANNELS}
    recordings = []
    for s in range(n_subjects):
        subject = f"sub-{s + 1:02d}"
        states = (baseline,) if s == n_subjects - 1 else (baseline, target)
        recordings.extend((subject, state) for state in states)

    freqs = np.arange(1.0, 45.5, 0.5)
    subject_offset = {subject: rng.normal(0, 2.0) for subject, _ in recordings}
    bp_rows, psd_rows = [], []
    for subject, state in recordings:
        rec = f"{subject}_task-{state}"
        subj_offset = subject_offset[subject] + rng.normal(0, 0.1)
        for ch in CHANNELS:
            region = region_of[ch]
            posterior = region in ("parietal", "occipital")
            drop = ALPHA_DROP_DB if state == target and posterior else 0.0
            alpha_gain = (6.0 if posterior else 2.0) - drop
            spectrum = (
                25.0
                - 12.0 * np.log10(freqs)
                + alpha_gain * np.exp(-0.5 * ((freqs - 10.0) / 1.5) ** 2)
                + subj_offset
                + rng.normal(0, 0.3, freqs.size)
            )
            psd_rows.extend(
                (subject, "", rec, state, shown[ch], f, v)
                for f, v in zip(freqs, spectrum, strict=True)
            )
            lin = 10.0 ** (spectrum / 10.0)
            total = lin.sum()
            for band, (fmin, fmax) in BANDS.items():
                sel = (freqs >= fmin) & (freqs < fmax)
                power = lin[sel].sum() * 0.5
                ident = (subject, "", rec, state, shown[ch], region, band, fmin, fmax)
                bp_rows.append((*ident, 10.0 * np.log10(power), lin[sel].sum() / total, 40))
    bandpower = pd.DataFrame(bp_rows, columns=list(BANDPOWER_COLUMNS))
    psd = pd.DataFrame(psd_rows, columns=list(PSD_COLUMNS))
    keys = ["subject", "session", "recording", "state", "region", "band", "fmin", "fmax"]
    region_bp = (
        bandpower.assign(lin=10.0 ** (bandpower["power_db"] / 10.0))
        .groupby(keys, sort=False)
        .agg(lin=("lin", "mean"), relative_power=("relative_power", "mean"), n=("lin", "size"))
        .reset_index()
    )
    region_bp["power_db"] = 10.0 * np.log10(region_bp.pop("lin"))
    region_bp = region_bp.rename(columns={"n": "n_channels"})[list(REGION_BANDPOWER_COLUMNS)]

    qc_rows = []
    for subject, state in [*recordings, ("sub-77", target)]:
        excluded = "too few epochs (3 < 5)" if subject == "sub-77" else ""
        bad = "T7" if subject == "sub-02" else ""
        qc_rows.append(
            {
                "subject": subject,
                "session": "",
                "recording": f"{subject}_task-{state}",
                "state": state,
                "path": f"/data/{subject}_{state}.edf",
                "sfreq_raw": 160.0,
                "sfreq": 160.0,
                "duration_s": 120.0,
                "n_channels": 32,
                "bad_channels": bad,
                "n_bad_channels": int(bool(bad)),
                "n_epochs_total": 60,
                "n_epochs_kept": 3 if excluded else 55,
                "n_epochs_dropped": 57 if excluded else 5,
                "reject_threshold_uv": 412.5,
                "excluded": excluded,
            }
        )
    qc = pd.DataFrame(qc_rows, columns=list(QC_COLUMNS))

    info = mne.create_info(CHANNELS, 250.0, "eeg")
    # MNE >= 1.13 renames the template montage; same positions.
    name = "colin27_1005" if "colin27_1005" in mne.channels.get_builtin_montages() else None
    info.set_montage(name or "standard_1005")
    return {
        "bandpower": bandpower,
        "region_bandpower": region_bp,
        "psd": psd,
        "qc": qc,
        "info": info,
    }


def connectivity_tables(
    study: dict, target: str = TARG, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Synthetic ``connectivity.tsv`` for every usable recording (alpha, both metrics; DMN
    pairs weaker in the target state) and its ``dmn_summary.tsv``."""
    from eegstate.connectivity.nodes import node_names
    from eegstate.connectivity.summary import network_summary

    rng = np.random.default_rng(seed)
    names = node_names()
    recordings = study["bandpower"][["subject", "session", "recording", "state"]]
    rows = []
    for rec in recordings.drop_duplicates().itertuples(index=False):
        for metric in ("aec_orth", "dwpli"):
            for i in range(len(names)):
                for j in range(i + 1, len(names)):
                    value = 0.2 + rng.normal(0, 0.02)
                    if rec.state == target and i < 6 and j < 6:
                        value -= 0.1
                    rows.append((*rec, "alpha", metric, names[i], names[j], value))
    columns = ["subject", "session", "recording", "state", "band", "metric", "node_a", "node_b"]
    connectivity = pd.DataFrame(rows, columns=[*columns, "value"])
    return connectivity, network_summary(connectivity)


def classification_results(
    subjects: list[str], *, p_value: float, p_floor: float, comparison: bool = True
) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    """A ``classification.json`` summary with its predictions and folds tables."""
    rng = np.random.default_rng(1)
    rows, folds = [], []
    for subject in subjects:
        for state, y in ((BASE, 0), (TARG, 1)):
            for epoch in range(10):
                prob = float(np.clip(0.5 + (0.3 if y else -0.3) + rng.normal(0, 0.2), 0, 1))
                rows.append((subject, f"{subject}_{state}", state, epoch, y, prob, int(prob > 0.5)))
        folds.append((subject, 20, 0.9, 0.95, 0.9, "{}"))
    summary = {
        "balanced_accuracy": 0.912,
        "roc_auc": 0.955,
        "n_subjects": len(subjects),
        "chance_level": 0.5,
        "balanced_accuracy_ci_low": 0.85,
        "balanced_accuracy_ci_high": 0.97,
        "p_value": p_value,
        "p_value_floor": p_floor,
        "permutation_exact": True,
        "n_permutations": 1000,
        "n_distinct_labellings": 2 ** len(subjects),
        "ci_level": 0.95,
        "estimator": "logistic",
        "normalize": "subject",
        "normalize_assumption": "z-score within subject; assumes the recordings span its states",
        "normalize_comparison": (
            {
                "normalize": "none",
                "assumption": "features as measured; assumes between-subject differences are "
                "negligible",
                "balanced_accuracy": 0.734,
                "ci_low": 0.61,
                "ci_high": 0.83,
                "roc_auc": 0.801,
                "n_subjects": len(subjects),
                "per_subject_balanced_accuracy": dict.fromkeys(subjects, 0.7),
            }
            if comparison
            else None
        ),
    }
    predictions = pd.DataFrame(rows, columns=list(CLASSIFICATION_PREDICTION_COLUMNS))
    return summary, predictions, pd.DataFrame(folds, columns=list(CLASSIFICATION_FOLD_COLUMNS))


def power_summary_table() -> pd.DataFrame:
    """A small ``power_summary.tsv`` (two claims, two sizes, both scenarios)."""
    rows = [
        ("alpha_abolished", "null", 8, 0.03, 0.0171, 100, 0.05),
        ("alpha_abolished", "null", 16, 0.05, 0.0218, 100, 0.05),
        ("alpha_abolished", "planted", 8, 0.80, 0.04, 100, 0.05),
        ("alpha_abolished", "planted", 16, 0.99, 0.00995, 100, 0.05),
        ("gamma_increases", "null", 8, 0.0, 0.0, 100, 0.05),
        ("gamma_increases", "planted", 8, 0.0, 0.0, 100, 0.05),
    ]
    from eegstate.tables import POWER_SUMMARY_COLUMNS

    return pd.DataFrame(rows, columns=list(POWER_SUMMARY_COLUMNS))


def placeholder_png(text: str) -> bytes:
    """A small PNG (e.g. a stand-in for ``power.png``)."""
    from eegstate.report.figures import plot_placeholder
    from eegstate.report.images import figure_png

    return figure_png(plot_placeholder(text))


def write_study(study: dict, folder: Path) -> dict[str, Any]:
    """Write the study's group tables and one electrodes table per recording."""
    folder.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Any] = {
        "bandpower": write_table(study["bandpower"], folder / "bandpower.tsv"),
        "regions": write_table(study["region_bandpower"], folder / "bandpower_regions.tsv"),
        "psd": write_table(study["psd"], folder / "psd.tsv"),
        "qc": write_table(study["qc"], folder / "qc.tsv"),
    }
    info = study["info"]
    positions = pd.DataFrame(
        [(ch["ch_name"], *ch["loc"][:3]) for ch in info["chs"]], columns=["name", "x", "y", "z"]
    )
    paths["electrodes"] = [write_table(positions, folder / "sub-01_electrodes.tsv")]
    return paths


def run_stats(
    study: dict,
    folder: Path,
    config: Mapping[str, Any],
    *,
    connectivity: bool = False,
    classification: tuple[dict, pd.DataFrame, pd.DataFrame] | None = None,
) -> dict[str, Any]:
    """Run the statistics step on the study; return every input and output path by name."""
    from eegstate.stats.summaries import SUMMARY_TABLES
    from eegstate.steps.stats import make_group_stats

    paths = write_study(study, folder)
    if connectivity:
        table, summary = connectivity_tables(study)
        paths["connectivity"] = write_table(table, folder / "connectivity.tsv")
        paths["dmn_summary"] = write_table(summary, folder / "dmn_summary.tsv")
    if classification is not None:
        summary, predictions, folds = classification
        paths["classification"] = folder / "classification.json"
        paths["classification"].write_text(json.dumps(summary), encoding="utf-8")
        paths["predictions"] = write_table(predictions, folder / "predictions.tsv")
        paths["classification_folds"] = write_table(folds, folder / "classification_folds.tsv")
    outputs = ("stats_regions", "stats_channels", "clusters", "aperiodic", "claims")
    outs = {name: folder / f"{name}.tsv" for name in (*outputs, "claims_tests")}
    summaries = {name: folder / f"{name}.tsv" for name in SUMMARY_TABLES}
    make_group_stats(
        bandpower_path=paths["bandpower"],
        regions_path=paths["regions"],
        psd_path=paths["psd"],
        qc_path=paths["qc"],
        electrodes_paths=paths["electrodes"],
        config=config,
        **{f"{name}_out": outs[name] for name in outputs},
        claims_tests_out=outs["claims_tests"],
        summaries_out=summaries,
        dmn_summary_path=paths.get("dmn_summary"),
        connectivity_path=paths.get("connectivity"),
        classification_path=paths.get("classification"),
        predictions_path=paths.get("predictions"),
    )
    return {**paths, **outs, **summaries}


def run_report(
    paths: Mapping[str, Any],
    config: Mapping[str, Any],
    out: Path,
    *,
    power: Path | None = None,
    power_figure: Path | None = None,
    track_summary: Path | None = None,
    track_figures: tuple[Path, ...] = (),
    figures_out: Mapping[str, Path] | None = None,
) -> str:
    """Run the report step on the outputs of :func:`run_stats`; return the HTML."""
    from eegstate.steps.report import TABLES, make_group_report

    make_group_report(
        qc_path=paths["qc"],
        electrodes_paths=paths["electrodes"],
        config=config,
        report_out=out,
        tables_paths={name: paths.get(name) for name in TABLES},
        classification_path=paths.get("classification"),
        power_path=power,
        power_figure=power_figure,
        track_summary_path=track_summary,
        track_figures=track_figures,
        figures_out=figures_out,
    )
    return out.read_text(encoding="utf-8")


def report_tables(paths: Mapping[str, Any], **extra: Any):
    """:class:`eegstate.report.GroupTables` read from the outputs of :func:`run_stats`."""
    from eegstate.io import read_table
    from eegstate.report import GroupTables
    from eegstate.steps.report import TABLES

    tables = {name: read_table(paths[name]) for name in TABLES if paths.get(name) is not None}
    summary = paths.get("classification")
    classification = json.loads(Path(summary).read_text()) if summary else None
    return GroupTables(qc=read_table(paths["qc"]), **tables, classification=classification, **extra)
