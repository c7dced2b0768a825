# Classification of target vs baseline state: per-epoch features, then subject-wise nested
# evaluation with a permutation test (eegstate.steps.classify); only with
# classification.enabled.

CLASSIFICATION = CONFIG["classification"]


rule classification_features:
    input:
        epochs=recording_files("bandpower-epochs.tsv"),
        # the DMN summary becomes features when connectivity runs
        **(
            {"dmn_summary": f"{RESULTS}/group/dmn_summary.tsv"}
            if CONFIG["connectivity"]["enabled"]
            else {}
        ),
    output:
        features=f"{RESULTS}/group/features.tsv",
    params:
        config=step_params("features"),
    log:
        f"{RESULTS}/logs/classification_features.log",
    resources:
        mem_mb=2000,
    conda:
        ENV
    script:
        "../scripts/build_features.py"


rule evaluate_classifier:
    input:
        features=rules.classification_features.output.features,
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
        mem_mb=3000,
    conda:
        ENV
    script:
        "../scripts/evaluate_classifier.py"
