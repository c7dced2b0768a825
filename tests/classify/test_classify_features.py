"""Classification features: per-epoch table, region pooling rule, DMN merge."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from eegstate.bandpower import region_band_power
from eegstate.classify import dmn_features, epoch_features
from eegstate.classify.features import feature_columns
from eegstate.tables import EPOCH_BANDPOWER_COLUMNS, FEATURE_ID_COLUMNS

CHANNELS = {"O1": "occipital", "O2": "occipital", "Fz": "frontal", "X1": ""}
BANDS = ("theta", "alpha")


def epoch_table(recordings=(("01", "r1", "base"), ("01", "r2", "drug")), n_epochs=3, seed=0):
    """A per-epoch band-power table with known linear powers."""
    rng = np.random.default_rng(seed)
    rows = []
    for subject, recording, state in recordings:
        for epoch in range(n_epochs):
            for channel, region in CHANNELS.items():
                power = rng.uniform(1, 20, len(BANDS))
                total = power.sum() * 2
                for band, value in zip(BANDS, power, strict=True):
                    rows.append(
                        {
                            "subject": subject,
                            "session": "",
                            "recording": recording,
                            "state": state,
                            "epoch": epoch,
                            "channel": channel,
                            "region": region,
                            "band": band,
                            "power_db": 10 * np.log10(value),
                            "relative_power": value / total,
                        }
                    )
    return pd.DataFrame(rows, columns=list(EPOCH_BANDPOWER_COLUMNS))


def test_one_row_per_epoch_with_named_features():
    table = epoch_table()
    features = epoch_features(table)
    assert len(features) == 6
    assert list(features.columns[: len(FEATURE_ID_COLUMNS)]) == list(FEATURE_ID_COLUMNS)
    assert feature_columns(features) == [
        "theta_db_occipital",
        "theta_db_frontal",
        "theta_rel_occipital",
        "theta_rel_frontal",
        "alpha_db_occipital",
        "alpha_db_frontal",
        "alpha_rel_occipital",
        "alpha_rel_frontal",
    ]
    assert features[["recording", "epoch"]].values.tolist() == [
        ["r1", 0],
        ["r1", 1],
        ["r1", 2],
        ["r2", 0],
        ["r2", 1],
        ["r2", 2],
    ]


def test_region_features_use_the_group_tables_pooling_rule():
    table = epoch_table()
    features = epoch_features(table).set_index(["recording", "epoch"])
    # The recording-level rule applied to one epoch must give the same numbers.
    one = table[(table["recording"] == "r2") & (table["epoch"] == 1)].assign(
        fmin=0, fmax=0, n_epochs=1
    )
    regions = region_band_power(one).set_index(["region", "band"])
    row = features.loc[("r2", 1)]
    for (region, band), values in regions.iterrows():
        assert row[f"{band}_db_{region}"] == pytest.approx(values["power_db"])
        assert row[f"{band}_rel_{region}"] == pytest.approx(values["relative_power"])
    linear = 10 ** (
        one.loc[(one["region"] == "occipital") & (one["band"] == "alpha"), "power_db"] / 10
    )
    assert row["alpha_db_occipital"] == pytest.approx(10 * np.log10(linear.mean()))


def test_channel_and_both_levels():
    table = epoch_table()
    channel = epoch_features(table, level="channel")
    assert "alpha_db_O1" in channel and "alpha_rel_X1" in channel
    assert len(feature_columns(channel)) == len(BANDS) * 2 * len(CHANNELS)
    both = epoch_features(table, level="both")
    assert len(feature_columns(both)) == len(feature_columns(channel)) + 8
    with pytest.raises(ValueError, match="unknown feature level"):
        epoch_features(table, level="sensor")


def dmn_summary(recordings=("r1", "r2")):
    rows = []
    for index, recording in enumerate(recordings):
        for band in ("alpha", "theta"):
            rows.append(
                {
                    "subject": "01",
                    "recording": recording,
                    "state": "base",
                    "band": band,
                    "metric": "wpli",
                    "dmn_mean": 0.5 + index,
                    "control_mean": 0.2,
                    "dmn_minus_control": 0.3 + index,
                }
            )
    return pd.DataFrame(rows)


def test_dmn_summary_is_broadcast_to_the_recordings_epochs():
    wide = dmn_features(dmn_summary())
    assert {"dmn_wpli_alpha", "control_wpli_theta", "dmn_minus_control_wpli_alpha"} <= set(wide)
    features = epoch_features(epoch_table(), dmn_summary=dmn_summary())
    assert len(features) == 6
    per_recording = features.groupby("recording")["dmn_minus_control_wpli_alpha"].agg(set)
    assert per_recording.to_dict() == {"r1": {0.3}, "r2": {1.3}}


def test_dmn_summary_missing_a_recording_is_refused():
    with pytest.raises(ValueError, match=r"no row for recordings \['r2'\]"):
        epoch_features(epoch_table(), dmn_summary=dmn_summary(recordings=("r1",)))
