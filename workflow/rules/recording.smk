# Per-recording work: one job runs every per-recording step of one recording.


rule process_recording:
    input:
        raw=recording_input,
    output:
        bandpower=f"{RESULTS}/sub-{{subject}}/{{recording}}_bandpower.tsv",
        epoch_bandpower=f"{RESULTS}/sub-{{subject}}/{{recording}}_bandpower-epochs.tsv",
        psd=f"{RESULTS}/sub-{{subject}}/{{recording}}_psd.tsv",
        electrodes=f"{RESULTS}/sub-{{subject}}/{{recording}}_electrodes.tsv",
        emg=f"{RESULTS}/sub-{{subject}}/{{recording}}_emg.tsv",
        qc=f"{RESULTS}/sub-{{subject}}/{{recording}}_qc.tsv",
        # DMN connectivity (connectivity.enabled).
        **(
            {
                "connectivity": f"{RESULTS}/sub-{{subject}}/{{recording}}_connectivity.tsv",
                "dmn_summary": f"{RESULTS}/sub-{{subject}}/{{recording}}_dmn-summary.tsv",
            }
            if CONFIG["connectivity"]["enabled"]
            else {}
        ),
        # Per-recording mne.Report (report.recording_reports).
        **(
            {"report": f"{RESULTS}/sub-{{subject}}/{{recording}}_report.html"}
            if CONFIG["report"]["recording_reports"]
            else {}
        ),
    params:
        raw_path=recording_raw_path,
        # the planned path, recorded in the QC row (raw_path may be a storage's local copy)
        source=recording_source,
        identity=recording_identity,
        config=step_params("recording"),
        # Shared by the jobs of a dataset: the connectivity inverse operator of a channel set.
        cache_dir=f"{RESULTS}/cache/connectivity",
    log:
        f"{RESULTS}/logs/recording/sub-{{subject}}/{{recording}}.log",
    threads: 1
    resources:
        mem_mb=2000,
    conda:
        ENV
    script:
        "../scripts/process_recording.py"
