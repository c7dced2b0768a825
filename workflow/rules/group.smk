# Group tables and the group report.


rule group_tables:
    input:
        bandpower=recording_files("bandpower.tsv"),
        psd=recording_files("psd.tsv"),
        qc=recording_files("qc.tsv"),
    output:
        bandpower=f"{RESULTS}/group/bandpower.tsv",
        regions=f"{RESULTS}/group/bandpower_regions.tsv",
        psd=f"{RESULTS}/group/psd.tsv",
        qc=f"{RESULTS}/group/qc.tsv",
    log:
        f"{RESULTS}/logs/group_tables.log",
    resources:
        mem_mb=2000,
    conda:
        ENV
    script:
        "../scripts/group_tables.py"


rule group_report:
    input:
        bandpower=rules.group_tables.output.bandpower,
        regions=rules.group_tables.output.regions,
        psd=rules.group_tables.output.psd,
        qc=rules.group_tables.output.qc,
        electrodes=recording_files("electrodes.tsv"),
    output:
        report(
            f"{RESULTS}/group/report.html",
            caption="../report/group_report.rst",
            category="Group",
        ),
    params:
        config=CONFIG,
    log:
        f"{RESULTS}/logs/group_report.log",
    resources:
        mem_mb=3000,
    conda:
        ENV
    script:
        "../scripts/group_report.py"
