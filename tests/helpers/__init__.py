"""Builders shared by the tests (importable as ``helpers.<module>``: ``tests`` is on the path).

* :mod:`helpers.raws`: small synthetic recordings with a montage;
* :mod:`helpers.features`: synthetic epoch feature tables for the classifiers;
* :mod:`helpers.models`: classifier models trained on recordings analysed in memory;
* :mod:`helpers.bids`: a small ds005620-like BIDS dataset;
* :mod:`helpers.sleep`: a small Sleep-EDF-like night;
* :mod:`helpers.cohorts`: a simulated cohort analysed in memory, for the claims;
* :mod:`helpers.report`: the tables a group report reads;
* :mod:`helpers.plugins`: installing a plugin package into a temporary folder;
* :mod:`helpers.server`: a local HTTP server for the download tests;
* :mod:`helpers.workflow_runs`: workflow runs on a tiny cohort compared with a local run;
* ``helpers/local_cluster``: a local stand-in batch scheduler (submit, status, cancel
  scripts) for the cluster-generic executor test.
"""

from pathlib import Path

#: The repository root.
REPO = Path(__file__).resolve().parents[2]
