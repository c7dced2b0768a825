# Making recordings available: the dataset adapter's preparation jobs (generate a cohort, fetch
# or verify files, cut recordings out of longer ones). The adapter says which jobs exist, at
# most one per level (prepare_dataset: one job; prepare_subject: one per subject;
# prepare_session: one per subject and session), their files and the options they read
# (eegstate.datasets.base.PreparationJob); every job runs eegstate.steps.data.prepare_data,
# which asks the adapter again. A download job's only output is a manifest in results, never
# the dataset's files, so Snakemake can never delete users' data. What each recording job
# waits for is the adapter's too (recording_input in common.smk). With a remote default storage
# the job's files are named relative to the working directory (workflow_file in common.smk).
for job in DATASET.preparation_jobs(CONFIG, RESULTS, RECORDINGS):

    rule:
        name:
            f"prepare_{job.level}"
        input:
            [workflow_file(path, f"input of prepare_{job.level}") for path in job.inputs],
        output:
            [workflow_file(path, f"output of prepare_{job.level}") for path in job.outputs],
        params:
            config=job.job_config(CONFIG),
            level=job.level,
        wildcard_constraints:
            session="[A-Za-z0-9]+",
        log:
            workflow_file(job.log, f"log of prepare_{job.level}"),
        conda:
            ENV
        resources:
            mem_mb=job.mem_mb,
        script:
            "../scripts/prepare_data.py"
