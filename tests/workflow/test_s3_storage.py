"""The workflow with a remote default storage: an S3 server on 127.0.0.1 (moto), no local files.

The recordings are uploaded to the bucket first; the working directory holds only the
configuration and the sample sheet (read when the workflow is parsed). Snakemake runs with
``--default-storage-provider s3``, the storage plugin's endpoint option and its credentials
in the environment (``SNAKEMAKE_STORAGE_S3_ACCESS_KEY``/``_SECRET_KEY``, as docs/cluster.md
advises), and the default batches of recordings (rules ``process_recordings_<n>``). Every
output must arrive in the bucket and nothing may be written to a local results folder.

The outputs are compared with a local run's byte for byte, every TSV and JSON file, with
nothing normalised: both runs start from the same working directory path, so the recording
paths the QC tables record are equal, and those files carry no timestamps. Logs and the HTML
report (timestamps, durations) are only checked to have arrived.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from helpers.workflow_runs import (
    assert_same_outputs,
    check_run,
    compared_outputs,
    recording_files,
    reference_outputs,
    require_plugin,
    run_folder,
    run_workflow,
    working_directory,
)

require_plugin("snakemake_storage_plugin_s3", "snakemake-storage-plugin-s3")
require_plugin("moto.server", "moto[server]")
import boto3  # noqa: E402
import moto.server as moto_server  # noqa: E402

BUCKET = "eegstate-test"
PREFIX = "runs/tiny"
#: Any credentials do for moto; the run gets them as the storage plugin's environment variables.
ACCESS_KEY, SECRET_KEY = "testing-key", "testing-secret"


@pytest.fixture
def s3_endpoint() -> Iterator[str]:
    """An S3-compatible server on 127.0.0.1 (a free port) with an empty bucket."""
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        s3_client(endpoint).create_bucket(Bucket=BUCKET)
        yield endpoint
    finally:
        server.stop()


def s3_client(endpoint: str):
    """A boto3 S3 client of the test server."""
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name="us-east-1",
    )


def bucket_objects(client, prefix: str) -> dict[str, bytes]:
    """Every object under ``prefix/``: name relative to it -> content."""
    objects = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix):
        for item in page.get("Contents", []):
            name = item["Key"].removeprefix(f"{prefix}/")
            objects[name] = client.get_object(Bucket=BUCKET, Key=item["Key"])["Body"].read()
    return objects


def storage_args(endpoint: str) -> list[str]:
    """Snakemake's options: S3 default storage under ``s3://BUCKET/PREFIX`` at the endpoint."""
    return [
        "--default-storage-provider",
        "s3",
        "--default-storage-prefix",
        f"s3://{BUCKET}/{PREFIX}",
        "--storage-s3-endpoint-url",
        endpoint,
    ]


#: The storage plugin's credentials, as environment variables (never on the command line).
CREDENTIALS = {
    "SNAKEMAKE_STORAGE_S3_ACCESS_KEY": ACCESS_KEY,
    "SNAKEMAKE_STORAGE_S3_SECRET_KEY": SECRET_KEY,
}


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_s3_default_storage_run_equals_local_run(tmp_path_factory, s3_endpoint):
    base = tmp_path_factory.getbasetemp()
    reference = reference_outputs(base)
    folder = run_folder(base)
    client = s3_client(s3_endpoint)
    # the inputs go to the bucket first, named as the sample sheet (in data/) names them
    uploaded = recording_files(folder.cohort)
    for relative in uploaded:
        key = f"{PREFIX}/data/{relative.as_posix()}"
        client.upload_file(str(folder.cohort / relative), BUCKET, key)
    with working_directory(folder, "s3", with_recordings=False) as work:
        result = run_workflow(work, storage_args(s3_endpoint), env=CREDENTIALS)
        check_run(result)
        # the recordings were analysed in batches (execution.recordings_per_job: 4 of 6)
        assert "process_recordings_2" in result.stdout + result.stderr
        assert "rule process_recording:" not in result.stdout + result.stderr
        # nothing but the storage's temporary copies was written locally
        assert not (work / "results").exists()
        assert not list((work / "data").rglob("*.fif"))
    objects = bucket_objects(client, PREFIX)
    assert {f"data/{relative.as_posix()}" for relative in uploaded} <= set(objects)
    outputs = {name: objects[name] for name in compared_outputs(list(objects))}
    assert_same_outputs(outputs, reference)
    # the group report and the logs arrived too
    assert "results/cohort/group/report.html" in objects
    assert "results/cohort/logs/group_report.log" in objects
