"""Source-space default-mode-network (DMN) connectivity of EEG recordings.

Pure functions: MNE objects and arrays in, tidy DataFrames out. The only file access is an
optional cache folder for the ROI inverse operator, passed in explicitly. See
:mod:`eegstate.connectivity.estimate` for the method, :mod:`.nodes` for the regions and their
literature coordinates, :mod:`.template` and :mod:`.fsaverage` for the head models and
:mod:`.figures` for the report figures.
"""

from eegstate.connectivity.estimate import (
    ConnectivityResult,
    recording_connectivity,
    resolve_bands,
)
from eegstate.connectivity.metrics import METRICS
from eegstate.connectivity.nodes import CONTROL_NETWORKS, DMN, NODES
from eegstate.connectivity.summary import connectivity_table, network_summary

__all__ = [
    "CONTROL_NETWORKS",
    "DMN",
    "METRICS",
    "NODES",
    "ConnectivityResult",
    "connectivity_table",
    "network_summary",
    "recording_connectivity",
    "resolve_bands",
]
