"""DMN connectivity summaries become classification features only when every recording has one."""

from __future__ import annotations

import pandas as pd

from eegstate.io import read_table, write_table
from eegstate.steps.classify import build_features
from eegstate.tables import DMN_SUMMARY_COLUMNS, EPOCH_BANDPOWER_COLUMNS


def epoch_table(recording: str, subject: str, state: str) -> pd.DataFrame:
    rows = [
        {
            "subject": subject,
            "session": "",
            "recording": recording,
            "state": state,
            "epoch": epoch,
            "channel": channel,
            "region": "occipital",
            "band": "alpha",
            "power_db": 10.0 + epoch,
            "relative_power": 0.3,
        }
        for epoch in range(3)
        for channel in ("O1", "O2")
    ]
    return pd.DataFrame(rows, columns=list(EPOCH_BANDPOWER_COLUMNS))


def dmn_row(recording: str, subject: str, state: str, value: float) -> dict:
    row = dict.fromkeys(DMN_SUMMARY_COLUMNS, "")
    row.update(
        subject=subject,
        recording=recording,
        state=state,
        band="alpha",
        metric="dwpli",
        dmn_mean=value,
        control_mean=0.1,
        dmn_minus_control=value - 0.1,
    )
    return row


def test_dmn_features_added_when_complete_and_left_out_when_partial(tmp_path):
    recordings = [("sub-01_state-a", "01", "a"), ("sub-01_state-b", "01", "b")]
    epoch_files = []
    for recording, subject, state in recordings:
        path = tmp_path / f"{recording}_bandpower-epochs.tsv"
        write_table(epoch_table(recording, subject, state), path)
        epoch_files.append(path)
    complete = tmp_path / "dmn_complete.tsv"
    write_table(pd.DataFrame([dmn_row(*rec, 0.3) for rec in recordings]), complete)
    features = build_features(
        epoch_files=epoch_files, features_out=tmp_path / "f.tsv", dmn_summary_path=complete
    )
    assert "dmn_dwpli_alpha" in features.columns
    assert (
        list(features.loc[features["recording"] == recordings[0][0], "dmn_dwpli_alpha"])
        == [0.3] * 3
    )
    partial = tmp_path / "dmn_partial.tsv"
    write_table(pd.DataFrame([dmn_row(*recordings[0], 0.3)]), partial)
    features = build_features(
        epoch_files=epoch_files, features_out=tmp_path / "g.tsv", dmn_summary_path=partial
    )
    assert not any(column.startswith("dmn_") for column in features.columns)
    assert len(read_table(tmp_path / "g.tsv")) == 6
