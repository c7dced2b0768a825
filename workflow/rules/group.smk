# Group tables (the statistics and the group report are in report.smk).
# Group jobs ask for memory and run time from the size of their input tables
# (eegstate.steps.resources).
from eegstate.steps.resources import (
    table_job_mem_mb,
    table_job_runtime_min,
    table_mem_mb_resource as table_mem_mb,
    table_runtime_resource,
)

table_runtime = table_runtime_resource()



# The group QC table has a rule of its own that never fails for exclusions: when every
# recording is excluded, group_tables fails, and Snakemake deletes only that job's outputs, so
# qc.tsv (and the page listing the exclusions) remain for the error message to point at.
rule group_qc:
    input:
        qc=recording_files("qc.tsv"),
    output:
        qc=f"{RESULTS}/group/qc.tsv",
    log:
        f"{RESULTS}/logs/group_qc.log",
    threads: 1
    resources:
        mem_mb=table_mem_mb(500),
        runtime=table_runtime,
    conda:
        ENV
    script:
        "../scripts/group_qc.py"


# group_tables also writes the classifier's feature table (features.tsv) when classification
# is enabled: both only gather per-recording tables, and one job saves a process start-up on
# the group stage's serial path (eegstate.steps.group).
GROUP_FEATURES = CONFIG["classification"]["enabled"]


rule group_tables:
    input:
        qc=rules.group_qc.output.qc,
        bandpower=recording_files("bandpower.tsv"),
        psd=recording_files("psd.tsv"),
        emg=recording_files("emg.tsv"),
        **(
            {
                "connectivity": recording_files("connectivity.tsv"),
                "dmn_summary": recording_files("dmn-summary.tsv"),
            }
            if CONFIG["connectivity"]["enabled"]
            else {}
        ),
        **({"epochs": recording_files("bandpower-epochs.tsv")} if GROUP_FEATURES else {}),
    output:
        bandpower=f"{RESULTS}/group/bandpower.tsv",
        regions=f"{RESULTS}/group/bandpower_regions.tsv",
        psd=f"{RESULTS}/group/psd.tsv",
        emg=f"{RESULTS}/group/emg.tsv",
        **(
            {
                "connectivity": f"{RESULTS}/group/connectivity.tsv",
                "dmn_summary": f"{RESULTS}/group/dmn_summary.tsv",
            }
            if CONFIG["connectivity"]["enabled"]
            else {}
        ),
        **({"features": f"{RESULTS}/group/features.tsv"} if GROUP_FEATURES else {}),
    params:
        # Written only when no recording is usable: a page listing every exclusion, at the
        # group report's path (not an output here, so it survives this job's failure; the
        # group_report rule replaces it once recordings are usable). Not with a remote storage,
        # where a failed job's files never reach the storage: qc.tsv lists the exclusions.
        exclusions=None if REMOTE_STORAGE else f"{RESULTS}/group/report.html",
        # classification.level only when the features are written (no rerun otherwise)
        config={
            key: value
            for key, value in step_params("group_tables").items()
            if key != "classification" or GROUP_FEATURES
        },
    log:
        f"{RESULTS}/logs/group_tables.log",
    threads: 1
    resources:
        mem_mb=table_mem_mb(1000),
        runtime=table_runtime,
    conda:
        ENV
    script:
        "../scripts/group_tables.py"
