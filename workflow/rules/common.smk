# Shared definitions: validated config, the table of recordings, output paths.
from pathlib import Path

from snakemake.utils import validate

from eegstate.channels import rename_mapping
from eegstate.config import check_writable, coerce_config, validate_config
from eegstate.datasets import get_adapter, plan_recordings
from eegstate.steps import step_config

# `--config` values arrive as text ('true', '[2, 3]', every value inside a mapping): convert
# them to the types the schema declares. Snakemake has already merged `--config` mappings into
# the config file's (recursively). Then eegstate's own check (its messages name the option and
# the allowed values), then Snakemake's validation against the same schema, which also fills
# the documented defaults.
config.update(coerce_config(config))
CONFIG = validate_config(config)
validate(config, "../schemas/config.schema.yaml")

RESULTS = str(Path(CONFIG["results_dir"]) / CONFIG["dataset"])
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


def recording_raw_path(wildcards):
    return str(recording_row(wildcards)["path"])


def recording_input(wildcards):
    """What a recording job waits for (the adapter says: its file, or its fetch manifest)."""
    return DATASET.recording_input(recording_row(wildcards), RESULTS)


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
