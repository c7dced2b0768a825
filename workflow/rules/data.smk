# Making recordings available: generate the simulated cohort or fetch EEGBCI runs.

if ADAPTER == "simulated":

    rule simulate_cohort:
        output:
            recordings=RECORDINGS["path"].tolist(),
        params:
            config=CONFIG,
            out_dir=str(Path(RECORDINGS["path"].iloc[0]).parents[1]),
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
