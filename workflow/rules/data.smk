# Making recordings available: generate the simulated cohort, fetch or verify a dataset.

if ADAPTER == "simulated":

    rule simulate_cohort:
        output:
            recordings=RECORDINGS["path"].tolist(),
        params:
            # only what the cohort depends on, so other options never regenerate it
            config={key: CONFIG[key] for key in ("simulation", "seed", "baseline", "target")},
            out_dir=lambda wildcards, output: str(Path(output[0]).parents[1]),
        log:
            f"{RESULTS}/logs/simulate_cohort.log",
        conda:
            ENV
        resources:
            mem_mb=4000,
        script:
            "../scripts/simulate_cohort.py"


if ADAPTER == "eegbci":

    rule fetch_eegbci:
        output:
            manifest=f"{RESULTS}/sourcedata/sub-{{subject}}_fetched.tsv",
        params:
            runs=[CONFIG["eegbci"]["runs"][CONFIG[role]] for role in ("baseline", "target")],
            data_dir=CONFIG["data_dir"],
        log:
            f"{RESULTS}/logs/fetch_eegbci/sub-{{subject}}.log",
        conda:
            ENV
        resources:
            mem_mb=500,
        script:
            "../scripts/fetch_eegbci.py"


# Downloadable datasets other than EEGBCI: one fetch job per subject (or one for the whole
# dataset) whose only output is a manifest in results, never the dataset files themselves, so
# Snakemake can never delete users' data. The recording jobs wait for it (recording_input).
if ADAPTER in ("sleep-physionet", "openneuro"):

    rule fetch_dataset_subject:
        output:
            manifest=f"{RESULTS}/sourcedata/sub-{{subject}}_fetched.tsv",
        params:
            config=CONFIG,
            subject=lambda wildcards: wildcards.subject,
        log:
            f"{RESULTS}/logs/fetch/sub-{{subject}}.log",
        conda:
            ENV
        resources:
            mem_mb=500,
        script:
            "../scripts/fetch_dataset.py"


if ADAPTER == "farnes-ketamine":

    rule verify_farnes_ketamine:
        output:
            manifest=f"{RESULTS}/sourcedata/dataset_fetched.tsv",
        params:
            config=CONFIG,
            subject=None,
        log:
            f"{RESULTS}/logs/fetch/dataset.log",
        conda:
            ENV
        resources:
            mem_mb=500,
        script:
            "../scripts/fetch_dataset.py"


if ADAPTER == "sleep-physionet":

    # One night (PSG + hypnogram) -> one FIF per state: the night's 30-s epochs of that stage.
    # Outputs are derived data in results (absolute paths, as planned by plan_recordings).
    rule extract_sleep_stages:
        input:
            manifest=f"{RESULTS}/sourcedata/sub-{{subject}}_fetched.tsv",
        output:
            [
                str(
                    Path(RESULTS).resolve()
                    / "sourcedata"
                    / "sub-{subject}"
                    / "ses-{session}"
                    / f"sub-{{subject}}_ses-{{session}}_state-{CONFIG[role]}_eeg.fif"
                )
                for role in ("baseline", "target")
            ],
        params:
            config=CONFIG,
        wildcard_constraints:
            session="[A-Za-z0-9]+",
        log:
            f"{RESULTS}/logs/extract_sleep_stages/sub-{{subject}}_ses-{{session}}.log",
        conda:
            ENV
        resources:
            mem_mb=1500,
        script:
            "../scripts/extract_sleep_stages.py"
