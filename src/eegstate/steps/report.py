"""Report step: read the group tables and write the self-contained group HTML report."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from eegstate.io import read_table


def make_group_report(
    *,
    bandpower_path: str | Path,
    regions_path: str | Path,
    psd_path: str | Path,
    qc_path: str | Path,
    info_path: str | Path,
    config: Mapping[str, Any],
    report_out: str | Path,
) -> Path:
    """Write the group report of a dataset.

    Parameters
    ----------
    bandpower_path, regions_path, psd_path, qc_path : path
        Group tables (``bandpower.tsv``, ``bandpower_regions.tsv``, ``psd.tsv``, ``qc.tsv``).
    info_path : path
        Any FIF file of the dataset whose measurement info carries the channel positions
        (e.g. a preprocessed ``*_epo.fif``).
    config : mapping
        Validated configuration.
    report_out : path
        The HTML file.

    Returns
    -------
    pathlib.Path
        The report path.
    """
    import mne

    from eegstate.report import write_group_report

    return write_group_report(
        report_out,
        bandpower=read_table(bandpower_path),
        region_bandpower=read_table(regions_path),
        psd=read_table(psd_path),
        qc=read_table(qc_path),
        info=mne.io.read_info(info_path, verbose="error"),
        baseline=config["baseline"],
        target=config["target"],
        dataset=config["dataset"],
        config=dict(config),
        seed=config["seed"],
        ci_level=config["report"]["ci_level"],
        n_bootstrap=config["report"]["n_bootstrap"],
    )
