# Shared definitions: validated config, the table of recordings, output paths.
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

from eegstate.channels import rename_mapping
from eegstate.config import check_writable, coerce_config, validate_config
from eegstate.datasets import get_adapter, plan_recordings
from eegstate.datasets.base import storage_name
from eegstate.steps import step_config

# `--config` values arrive as text ('true', '[2, 3]', every value inside a mapping): convert
# them to the types the schema declares. Snakemake has already merged `--config` mappings into
# the config file's (recursively). Then eegstate's own check (its messages name the option and
# the allowed values), then Snakemake's validation against the same schema, which also fills
# the documented defaults.
config.update(coerce_config(config))
CONFIG = validate_config(config)
validate(config, "../schemas/config.schema.yaml")

# A remote default storage (`--default-storage-provider s3 --default-storage-prefix
# s3://bucket/path`, docs/cluster.md) holds every input and output as an object named by its
# path relative to the working directory; without one, files are local and named as planned.
REMOTE_STORAGE = (
    getattr(workflow, "storage_settings", None) is not None
    and workflow.storage_settings.default_storage_provider is not None
)


def workflow_file(path, what):
    """The name of an input or output file in the workflow: unchanged with local files; with a
    remote default storage, relative to the working directory (its object's name under the
    storage prefix), and an error naming `what` when the file lies outside it."""
    if not REMOTE_STORAGE:
        return str(path)
    name = storage_name(path)
    if name is None:
        raise WorkflowError(
            f"{what} {path} lies outside the working directory {Path.cwd()}: with a default "
            "storage provider every input and output is the object named by its path relative "
            "to the working directory under --default-storage-prefix; give a relative path"
        )
    return name


RESULTS = workflow_file(Path(CONFIG["results_dir"]) / CONFIG["dataset"], "results_dir")
if not REMOTE_STORAGE:  # with remote storage the outputs are objects, not files in a folder
    check_writable(RESULTS, "results_dir")
# The dataset's adapter (eegstate.datasets.registry): the rules ask it, never test its name.
DATASET = get_adapter(CONFIG["adapter"])
ENV = "../../environment.yml"
RECORDINGS = plan_recordings(CONFIG).set_index("recording", drop=False)
# What the steps read: the validated configuration, with a channel_rename TSV passed on as its
# content (so editing the TSV reprocesses the recordings).
STEP_INPUT_CONFIG = {
    **CONFIG,
    "preprocess": {
        **CONFIG["preprocess"],
        "channel_rename": rename_mapping(CONFIG["preprocess"]["channel_rename"]),
    },
}


def step_params(name):
    """The options step `name` declares it consumes (eegstate.steps): only a change of those
    reruns its jobs."""
    return step_config(name, STEP_INPUT_CONFIG)


wildcard_constraints:
    subject="[A-Za-z0-9]+",
    recording="sub-[A-Za-z0-9]+(_[a-z]+-[A-Za-z0-9]+)*",


def recording_files(suffix):
    """Per-recording output files of one kind, for every recording of the dataset."""
    return [
        f"{RESULTS}/sub-{row.subject}/{row.recording}_{suffix}"
        for row in RECORDINGS.itertuples()
    ]


def recording_row(wildcards):
    return RECORDINGS.loc[wildcards.recording]


def recording_identity(wildcards):
    row = recording_row(wildcards)
    return {key: str(row[key]) for key in ("subject", "session", "recording", "state")}


def recording_source(wildcards):
    """The recording's path as planned (what its QC row records, wherever the job runs)."""
    return str(recording_row(wildcards)["path"])


def row_inputs(row):
    """What the job of a recording (a row of RECORDINGS) waits for: the adapter says (its
    file, or its fetch manifest).

    With a remote default storage the job can open only what Snakemake retrieves for it, so
    the recording file itself is an input too when it lies in the working directory (one
    outside it, e.g. a downloaded `data_dir` on a filesystem every job mounts, is read where
    it lies).
    """
    files = [
        workflow_file(path, f"input of recording {row.recording}")
        for path in DATASET.recording_input(row, RESULTS)
    ]
    name = storage_name(row["path"]) if REMOTE_STORAGE else None
    if name is not None and name not in files:
        files.append(name)
    return files


def row_raw_path(row, inputs, local_inputs):
    """The file the job of a recording opens: its input when the recording file is one of the
    job's `inputs` (as named in the rule; `local_inputs` are Snakemake's paths of them: under
    a remote storage, the local copies it retrieved), else the planned path."""
    planned = storage_name(row["path"]) if REMOTE_STORAGE else str(row["path"])
    if planned is not None and planned in inputs:
        return str(local_inputs[inputs.index(planned)])
    return str(row["path"])


def recording_input(wildcards):
    """What a recording job waits for (row_inputs of its recording)."""
    return row_inputs(recording_row(wildcards))


def recording_raw_path(wildcards, input):
    """The file a recording job opens (row_raw_path of its recording)."""
    row = recording_row(wildcards)
    return row_raw_path(row, row_inputs(row), list(input.raw))


def batch_raw_paths(rows, inputs):
    """The `raw_paths` parameter of the batch rules in recording.smk, from a batch's input
    list `inputs`: the file each recording of the batch (`rows`) opens (row_raw_path)."""
    return lambda wildcards, input: [row_raw_path(row, inputs, list(input.raw)) for row in rows]


def group_outputs():
    """The group outputs the workflow ends with: tables, claims, report, optional steps' outputs."""
    outputs = [
        f"{RESULTS}/group/bandpower.tsv",
        f"{RESULTS}/group/bandpower_regions.tsv",
        f"{RESULTS}/group/psd.tsv",
        f"{RESULTS}/group/qc.tsv",
        f"{RESULTS}/group/report.html",
        f"{RESULTS}/group/claims.tsv",
    ]
    if CONFIG["connectivity"]["enabled"]:
        outputs += [f"{RESULTS}/group/connectivity.tsv", f"{RESULTS}/group/dmn_summary.tsv"]
    if CONFIG["classification"]["enabled"]:
        outputs.append(f"{RESULTS}/group/classification.json")
    return outputs
