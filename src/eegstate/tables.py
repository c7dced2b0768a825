"""Column contracts of the tidy (long-format) tables that eegstate writes.

Every table is a TSV with one observation per row. The constants here are the single place
where column names are defined; steps, reports and tests import them instead of repeating
strings.
"""

from __future__ import annotations

#: Columns identifying one recording. ``session`` is an empty string when the dataset has none.
RECORDING_COLUMNS: tuple[str, ...] = ("subject", "session", "recording", "state")

#: ``bandpower.tsv``: one row per recording x channel x band (mean over kept epochs).
#: ``power_db`` is 10*log10 of absolute band power in µV²; ``relative_power`` is band power
#: divided by the power over ``bandpower.relative_range``; ``region`` is the scalp region of the
#: channel ("" when the channel is in no configured region).
BANDPOWER_COLUMNS: tuple[str, ...] = (
    *RECORDING_COLUMNS,
    "channel",
    "region",
    "band",
    "fmin",
    "fmax",
    "power_db",
    "relative_power",
    "n_epochs",
)

#: ``bandpower_regions.tsv``: one row per recording x region x band. Power is averaged over the
#: region's channels in linear units (µV²) before conversion to dB.
REGION_BANDPOWER_COLUMNS: tuple[str, ...] = (
    *RECORDING_COLUMNS,
    "region",
    "band",
    "fmin",
    "fmax",
    "power_db",
    "relative_power",
    "n_channels",
)

#: ``bandpower_epochs.tsv`` (per recording): one row per epoch x channel x band.
EPOCH_BANDPOWER_COLUMNS: tuple[str, ...] = (
    *RECORDING_COLUMNS,
    "epoch",
    "channel",
    "region",
    "band",
    "power_db",
    "relative_power",
)

#: ``psd.tsv``: one row per recording x channel x frequency; ``psd_db`` is 10*log10(µV²/Hz),
#: averaged over kept epochs in linear units.
PSD_COLUMNS: tuple[str, ...] = (*RECORDING_COLUMNS, "channel", "freq", "psd_db")

#: ``<recording>_electrodes.tsv`` (as BIDS ``electrodes.tsv``): channel positions in metres,
#: MNE head coordinates, of the preprocessed recording.
ELECTRODES_COLUMNS: tuple[str, ...] = ("name", "x", "y", "z")

#: ``qc.tsv``: one row per recording. ``excluded`` is empty for a usable recording, otherwise
#: the reason it was left out of the group results.
QC_COLUMNS: tuple[str, ...] = (
    *RECORDING_COLUMNS,
    "path",
    "sfreq_raw",
    "sfreq",
    "duration_s",
    "n_channels",
    "bad_channels",
    "n_bad_channels",
    "n_epochs_total",
    "n_epochs_kept",
    "n_epochs_dropped",
    "reject_threshold_uv",
    "excluded",
)

#: ``features.tsv``: identifying columns of one row (one epoch); every other column is a
#: numeric feature named ``<band>_<db|rel>_<region or channel>`` (see
#: :func:`eegstate.classify.features.epoch_features`).
FEATURE_ID_COLUMNS: tuple[str, ...] = (*RECORDING_COLUMNS, "epoch")

#: ``classification_predictions.tsv``: one row per epoch of a held-out subject.
#: ``y_true``/``y_pred`` are 1 for the target state and 0 for the baseline; ``probability``
#: is the predicted probability of the target state.
CLASSIFICATION_PREDICTION_COLUMNS: tuple[str, ...] = (
    "subject",
    "recording",
    "state",
    "epoch",
    "y_true",
    "probability",
    "y_pred",
)

#: ``classification_recordings.tsv``: one row per held-out recording (mean epoch probability).
CLASSIFICATION_RECORDING_COLUMNS: tuple[str, ...] = (
    "subject",
    "recording",
    "state",
    "n_epochs",
    "y_true",
    "probability",
    "y_pred",
)

#: ``classification_folds.tsv``: one row per held-out subject of the outer cross-validation;
#: ``best_params`` is the JSON of the hyper-parameters chosen by the inner search.
CLASSIFICATION_FOLD_COLUMNS: tuple[str, ...] = (
    "subject",
    "n_epochs",
    "balanced_accuracy",
    "roc_auc",
    "accuracy",
    "best_params",
)
