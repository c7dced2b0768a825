"""Synthetic epoch feature tables for the classifier tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

from eegstate.classify import prepare_data


def feature_table(
    n_subjects=12,
    n_epochs=20,
    effect=1.0,
    subject_sd=3.0,
    n_features=6,
    seed=0,
    recordings=("baseline", "drug"),
):
    """Epoch features: subject offsets (large), recording offsets, target effect on f0, f1."""
    rng = np.random.default_rng(seed)
    rows = []
    for s in range(n_subjects):
        subject = f"s{s:02d}"
        offset = rng.normal(0, subject_sd, n_features)
        for r, state in enumerate(recordings):
            level = offset + rng.normal(0, 0.3, n_features)
            if state == "drug":
                level[:2] += effect
            values = level + rng.normal(0, 1, (n_epochs, n_features))
            for epoch, row in enumerate(values):
                rows.append(
                    {
                        "subject": subject,
                        "session": "",
                        "recording": f"{subject}_r{r}",
                        "state": state,
                        "epoch": epoch,
                        **{f"f{i}": row[i] for i in range(n_features)},
                    }
                )
    return pd.DataFrame(rows)


def data_of(table, **kwargs):
    return prepare_data(table, baseline="baseline", target="drug", features=["f*"], **kwargs)
