"""OpenNeuro and BIDS adapters: openneuro-py against a local server, mne-bids layouts."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from helpers.bids import write_bids
from helpers.server import LocalServer

from eegstate.config import load_config, validate_config
from eegstate.datasets import plan_recordings, prepare_raw
from eegstate.datasets.bids import BIDSPlanError
from eegstate.datasets.download import DownloadError
from eegstate.datasets.openneuro import fetch_openneuro, include_patterns, staging_dir
from eegstate.io import read_raw
from eegstate.paths import workflow_root

ACCESSION = "ds005620"


@pytest.fixture(scope="module")
def remote(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("openneuro") / ACCESSION
    write_bids(root)
    return root


def serve(remote: Path) -> LocalServer:
    """openneuro-py's GraphQL API and file storage, both on 127.0.0.1."""
    server = LocalServer(remote)

    def graphql(query: dict) -> dict:
        files = [
            {
                "filename": str(path.relative_to(remote)),
                "urls": [f"{server.url}/{path.relative_to(remote)}"],
                "size": path.stat().st_size,
                "id": hashlib.md5(str(path).encode()).hexdigest(),
            }
            for path in sorted(remote.rglob("*"))
            if path.is_file()
        ]
        snapshot = {"id": f"{ACCESSION}:1.0.0", "files": files}
        return {"data": {"dataset": {"latestSnapshot": snapshot}}}

    server.graphql = graphql
    return server


def openneuro_config(data_dir: Path, **overrides) -> dict:
    return load_config(
        workflow_root() / "config" / "openneuro-ds005620.yaml",
        {"data_dir": str(data_dir), "subjects": ["1010", "1016"], **overrides},
    )


def test_include_patterns_name_only_the_mapped_recordings():
    config = openneuro_config(Path("/nowhere"))
    specs = [config["bids"]["states"][state] for state in ("awake", "sedation")]
    assert include_patterns("1010", specs) == [
        "sub-1010/**/sub-1010_*task-awake_*acq-EC_*",
        "sub-1010/**/sub-1010_*task-sed_*acq-rest_*run-1_*",
        "/*.json",
    ]


def test_fetch_downloads_mapped_files_and_plans_them(remote, tmp_path):
    config = openneuro_config(tmp_path)
    before = plan_recordings(config)  # not downloaded yet: paths from the mapping
    expected = tmp_path / ACCESSION / "sub-1010" / "eeg" / "sub-1010_task-awake_acq-EC_eeg.vhdr"
    assert str(expected) in set(before["path"])
    with serve(remote) as server:
        server.cut_once["sub-1010/eeg/sub-1010_task-awake_acq-EC_eeg.eeg"] = 20_000
        summary = fetch_openneuro(
            config, ["1010"], api_url=f"{server.url}/crn/graphql", max_retries=2
        )
        ranges = server.ranges("sub-1010/eeg/sub-1010_task-awake_acq-EC_eeg.eeg")
    assert ranges[0] is None and ranges[-1] == "bytes=20000-"  # interrupted, then resumed
    root = tmp_path / ACCESSION
    names = {path.name for path in summary.downloaded}
    assert "sub-1010_task-sed_acq-rest_run-1_eeg.eeg" in names
    assert "sub-1010_task-sed_acq-rest_run-1_channels.tsv" in names
    assert not any("run-2" in name for name in names)  # unmapped runs are not downloaded
    assert not any("sub-1016" in name for name in names)
    assert (root / "dataset_description.json").is_file()
    plan = plan_recordings(config)
    assert plan.loc[plan["subject"] == "1010", "path"].map(lambda p: Path(p).is_file()).all()
    assert set(plan["eyes"]) == {"closed"} and set(plan["task"]) == {"rest"}
    raw = prepare_raw("openneuro", read_raw(expected))
    assert raw.get_channel_types(picks=["VEOG"]) == ["eog"]  # from channels.tsv
    assert not staging_dir(root).exists()
    again = fetch_openneuro(config, ["1010"], api_url="http://127.0.0.1:9/unused")
    assert not again.downloaded and again.present  # complete subjects are not fetched again


def test_checksum_mismatch_moves_nothing_into_the_dataset(remote, tmp_path):
    config = openneuro_config(tmp_path)
    corrupt = "sub-1016/eeg/sub-1016_task-awake_acq-EC_eeg.eeg"
    with serve(remote) as server:
        server.corrupt.add(corrupt)
        with pytest.raises(DownloadError, match="Nothing unverified was moved"):
            fetch_openneuro(config, ["1016"], api_url=f"{server.url}/crn/graphql", max_retries=1)
    assert not (tmp_path / ACCESSION / corrupt).exists()
    assert not (tmp_path / ACCESSION / "sub-1016").exists()


def test_bids_adapter_maps_entities_to_states(remote):
    base = {
        "adapter": "bids",
        "baseline": "awake",
        "target": "sedation",
        "bids": {
            "root": str(remote),
            "states": {
                "awake": {"entities": {"task": "awake"}, "eyes": "closed", "task": "rest"},
                "sedation": {"entities": {"task": "sed"}, "eyes": "closed", "task": "rest"},
            },
        },
    }
    with pytest.raises(BIDSPlanError, match=r"2 recordings match.*multiple_matches: first"):
        plan_recordings(validate_config(base))
    first = validate_config({**base, "bids": {**base["bids"], "multiple_matches": "first"}})
    plan = plan_recordings(first)
    assert len(plan) == 4
    assert plan["path"].str.contains("run-1").sum() == 2  # the first run was taken
    missing = {**base["bids"], "states": {**base["bids"]["states"]}}
    missing["states"]["sedation"] = {"entities": {"task": "sleep"}}
    with pytest.raises(BIDSPlanError, match="no eeg recording"):
        plan_recordings(validate_config({**base, "bids": missing}))
