"""Verified, resumable downloads (eegstate.datasets.download) against a local HTTP server."""

from __future__ import annotations

import hashlib

import pytest
from helpers.server import LocalServer

from eegstate.datasets.download import (
    ChecksumError,
    DownloadError,
    FetchSummary,
    partial_path,
    retrieve,
)

PAYLOAD = bytes(range(256)) * 400  # 100 kB


@pytest.fixture
def server(tmp_path):
    root = tmp_path / "remote"
    root.mkdir()
    (root / "file.bin").write_bytes(PAYLOAD)
    with LocalServer(root) as running:
        yield running


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def test_download_verifies_and_reports(server, tmp_path):
    destination = tmp_path / "local" / "file.bin"
    status = retrieve(f"{server.url}/file.bin", destination, sha256(PAYLOAD), progressbar=False)
    assert status == "downloaded"
    assert destination.read_bytes() == PAYLOAD
    assert not partial_path(destination).exists()
    again = retrieve(f"{server.url}/file.bin", destination, sha256(PAYLOAD), progressbar=False)
    assert again == "verified"
    assert [method for method, *_ in server.log].count("GET") == 1  # not downloaded twice
    summary = FetchSummary("demo", destination.parent)
    summary.add(destination, status)
    assert "downloaded 1 (102.4 kB)" in summary.describe()


def test_checksum_mismatch_leaves_no_file(server, tmp_path):
    destination = tmp_path / "local" / "file.bin"
    with pytest.raises(
        ChecksumError, match=r"checksum mismatch for file\.bin.*nothing was written"
    ):
        retrieve(f"{server.url}/file.bin", destination, sha256(b"other"), progressbar=False)
    assert not destination.exists()
    assert list(destination.parent.iterdir()) == []  # no temporary or partial file either


def test_interrupted_download_resumes_with_range(server, tmp_path):
    destination = tmp_path / "local" / "file.bin"
    server.cut_once["file.bin"] = 30_000
    status = retrieve(
        f"{server.url}/file.bin", destination, sha256(PAYLOAD), retries=1, progressbar=False
    )
    assert status == "downloaded"
    assert destination.read_bytes() == PAYLOAD
    assert server.ranges("file.bin") == [None, "bytes=30000-"]


def test_partial_file_of_an_earlier_run_is_resumed(server, tmp_path):
    destination = tmp_path / "local" / "file.bin"
    server.cut_once["file.bin"] = 50_000
    with pytest.raises(DownloadError, match=r"kept in .*file\.bin\.part"):
        retrieve(f"{server.url}/file.bin", destination, sha256(PAYLOAD), retries=0)
    assert partial_path(destination).stat().st_size == 50_000
    assert not destination.exists()
    retrieve(f"{server.url}/file.bin", destination, sha256(PAYLOAD), progressbar=False)
    assert destination.read_bytes() == PAYLOAD
    assert server.ranges("file.bin")[-1] == "bytes=50000-"


def test_corrupt_local_file_is_replaced(server, tmp_path):
    destination = tmp_path / "file.bin"
    destination.write_bytes(b"corrupt")
    status = retrieve(f"{server.url}/file.bin", destination, sha256(PAYLOAD), progressbar=False)
    assert status == "downloaded" and destination.read_bytes() == PAYLOAD
