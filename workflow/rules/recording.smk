# Per-recording work: every per-recording step of a recording runs in one process. With
# execution.recordings_per_job = 1 (a cluster), rule process_recording runs one recording per
# job; otherwise rules process_recordings_<n> each analyse a fixed batch of consecutive
# recordings one after the other, so the scientific stack is imported once per batch (about 3 s
# of CPU per process). Both write the same files and per-recording logs, and a changed recording
# reruns only its own job (its batch).
from functools import partial

from eegstate.steps.recording import recording_batches, recording_log_path, recording_output_paths
from eegstate.steps.resources import (
    paths_resource,
    recording_job_mem_mb,
    recording_job_runtime_min,
)

RECORDINGS_PER_JOB = CONFIG["execution"]["recordings_per_job"]


# Output files of one recording, by name (the step's output names), and its log.
recording_outputs = partial(
    recording_output_paths,
    RESULTS,
    with_connectivity=CONFIG["connectivity"]["enabled"],  # DMN connectivity
    with_report=CONFIG["report"]["recording_reports"],  # per-recording mne.Report
)
recording_log = partial(recording_log_path, RESULTS)

# Shared by the jobs of a dataset: the connectivity inverse operator of each channel set, built
# once (under a lock) by the first job that needs it (eegstate.connectivity.inverse).
CONNECTIVITY_CACHE = f"{RESULTS}/cache/connectivity"


if RECORDINGS_PER_JOB == 1:

    rule process_recording:
        input:
            raw=recording_input,
        output:
            **recording_outputs("{subject}", "{recording}"),
        params:
            raw_path=recording_raw_path,
            # the planned path, recorded in the QC row (raw_path may be a storage's local copy)
            source=recording_source,
            identity=recording_identity,
            config=step_params("recording"),
            cache_dir=CONNECTIVITY_CACHE,
        log:
            recording_log("{subject}", "{recording}"),
        # A cluster may submit several of these short jobs at once:
        # --group-components recordings=<n>.
        group:
            "recordings"
        threads: 1
        resources:
            mem_mb=lambda wildcards: recording_job_mem_mb([recording_source(wildcards)]),
            runtime=lambda wildcards: recording_job_runtime_min([recording_source(wildcards)]),
        conda:
            ENV
        script:
            "../scripts/process_recording.py"

else:
    for _index, _batch in enumerate(
        recording_batches(list(RECORDINGS["recording"]), RECORDINGS_PER_JOB), start=1
    ):
        _rows = [RECORDINGS.loc[recording] for recording in _batch]
        _paths = [str(row["path"]) for row in _rows]
        _outputs = [recording_outputs(row["subject"], row["recording"]) for row in _rows]
        # the files (or fetch manifests) the batch's recordings wait for, each once
        _inputs = list(dict.fromkeys(path for row in _rows for path in row_inputs(row)))

        rule:
            name:
                f"process_recordings_{_index}"
            input:
                raw=_inputs,
            output:
                **{name: [outputs[name] for outputs in _outputs] for name in _outputs[0]},
            params:
                raw_paths=batch_raw_paths(_rows, _inputs),
                # the planned paths, recorded in the QC rows (raw_paths may be local copies)
                sources=_paths,
                identities=[
                    {key: str(row[key]) for key in ("subject", "session", "recording", "state")}
                    for row in _rows
                ],
                config=step_params("recording"),
                cache_dir=CONNECTIVITY_CACHE,
            log:
                [recording_log(row["subject"], row["recording"]) for row in _rows],
            group:
                "recordings"
            threads: 1
            resources:
                mem_mb=paths_resource(recording_job_mem_mb, _paths),
                runtime=paths_resource(recording_job_runtime_min, _paths),
            conda:
                ENV
            script:
                "../scripts/process_recordings.py"
