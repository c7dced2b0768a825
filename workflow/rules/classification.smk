# Classification of target vs baseline state: subject-wise nested evaluation with a
# permutation test (eegstate.steps.classify) of the per-epoch features that group_tables writes
# (group.smk); only with classification.enabled.

CLASSIFICATION = CONFIG["classification"]


rule evaluate_classifier:
    input:
        features=f"{RESULTS}/group/features.tsv",  # written by group_tables
    output:
        summary=f"{RESULTS}/group/classification.json",
        folds=f"{RESULTS}/group/classification_folds.tsv",
        predictions=f"{RESULTS}/group/classification_predictions.tsv",
        recordings=f"{RESULTS}/group/classification_recordings.tsv",
    params:
        config=step_params("classification"),
    log:
        f"{RESULTS}/logs/evaluate_classifier.log",
    # n_jobs -1 means every core Snakemake may use; the script passes the granted threads on.
    threads: (workflow.cores or 1) if CLASSIFICATION["n_jobs"] == -1 else CLASSIFICATION["n_jobs"]
    resources:
        # each worker process holds the feature table
        mem_mb=lambda wildcards, input, threads: table_job_mem_mb(
            input, base_mb=1500 + 300 * threads
        ),
        runtime=lambda wildcards, input: table_job_runtime_min(input, seconds_per_mb=60.0),
    conda:
        ENV
    script:
        "../scripts/evaluate_classifier.py"
