"""eegstate: band power, DMN connectivity and state classification for EEG.

The science functions take arrays or MNE objects and return tidy pandas DataFrames or MNE
objects; the :mod:`eegstate.steps` layer reads and writes files; the Snakemake workflow wires
files to steps. Importing the package is cheap: heavy libraries are imported by the functions
that need them.
"""

from __future__ import annotations

__version__ = "0.1.0"
