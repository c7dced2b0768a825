# Group tables (the statistics and the group report are in report.smk).


rule group_tables:
    input:
        bandpower=recording_files("bandpower.tsv"),
        psd=recording_files("psd.tsv"),
        qc=recording_files("qc.tsv"),
        connectivity=recording_files("connectivity.tsv"),
        dmn_summary=recording_files("dmn-summary.tsv"),
        emg=recording_files("emg.tsv"),
    output:
        bandpower=f"{RESULTS}/group/bandpower.tsv",
        regions=f"{RESULTS}/group/bandpower_regions.tsv",
        psd=f"{RESULTS}/group/psd.tsv",
        qc=f"{RESULTS}/group/qc.tsv",
        connectivity=f"{RESULTS}/group/connectivity.tsv",
        dmn_summary=f"{RESULTS}/group/dmn_summary.tsv",
        emg=f"{RESULTS}/group/emg.tsv",
    log:
        f"{RESULTS}/logs/group_tables.log",
    resources:
        mem_mb=2000,
    conda:
        ENV
    script:
        "../scripts/group_tables.py"

