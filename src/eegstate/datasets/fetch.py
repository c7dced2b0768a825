"""One entry point for downloading any dataset: ``eegstate fetch`` and the workflow's fetch jobs.

Each downloadable adapter has its own fetcher (MNE's for EEGBCI; pooch with MNE's pinned SHA-1
for Sleep-EDF; the mirror or a manual step for Farnes et al.; openneuro-py for OpenNeuro),
its :meth:`~eegstate.datasets.base.DatasetAdapter.fetch`; this module asks the configuration's
adapter and writes the workflow's manifests.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from eegstate.datasets.download import FetchSummary


def fetch_dataset(
    config: Mapping[str, Any],
    subjects: Sequence[Any] | None = None,
    *,
    progressbar: bool = True,
) -> list[FetchSummary]:
    """Download (or verify) the data of a configuration: its adapter's
    :meth:`~eegstate.datasets.base.DatasetAdapter.fetch` of ``subjects`` (default: the
    config's ``subjects``); a ValueError for adapters that read local files only."""
    from eegstate.datasets.registry import ADAPTERS

    adapter = ADAPTERS[config["adapter"]]
    return adapter.fetch(
        config, subjects if subjects else config["subjects"], progressbar=progressbar
    )


def fetch_manifest(summaries: Sequence[FetchSummary], out: str | Path) -> Any:
    """Write the workflow's fetch manifest (``path, bytes, sha256``) of the fetched files."""
    from eegstate.datasets.download import manifest_table
    from eegstate.io import write_table

    manifest = manifest_table(path for summary in summaries for path in summary.files)
    write_table(manifest, out)
    return manifest
