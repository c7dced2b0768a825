# Group statistics, the claims table and the group report (eegstate.steps.stats, .report).
#
# Connectivity and classification outputs are inputs only when their steps are enabled;
# without them their claims are `not_testable` ("step not run").

CONNECTIVITY_ON = CONFIG["connectivity"]["enabled"]
CLASSIFICATION_ON = CONFIG["classification"]["enabled"]


# Connectivity and classification tables, when those steps run.
OPTIONAL_GROUP_INPUTS = {
    **(
        {
            "dmn_summary": f"{RESULTS}/group/dmn_summary.tsv",
            "connectivity": f"{RESULTS}/group/connectivity.tsv",
        }
        if CONNECTIVITY_ON
        else {}
    ),
    **(
        {
            "classification": f"{RESULTS}/group/classification.json",
            "predictions": f"{RESULTS}/group/classification_predictions.tsv",
            "folds": f"{RESULTS}/group/classification_folds.tsv",
        }
        if CLASSIFICATION_ON
        else {}
    ),
}


rule group_stats:
    input:
        unpack(lambda wildcards: OPTIONAL_GROUP_INPUTS),
        bandpower=f"{RESULTS}/group/bandpower.tsv",
        regions=f"{RESULTS}/group/bandpower_regions.tsv",
        psd=f"{RESULTS}/group/psd.tsv",
        qc=f"{RESULTS}/group/qc.tsv",
        electrodes=recording_files("electrodes.tsv"),
    output:
        stats_regions=f"{RESULTS}/group/stats_regions.tsv",
        stats_channels=f"{RESULTS}/group/stats_channels.tsv",
        clusters=f"{RESULTS}/group/clusters.tsv",
        aperiodic=f"{RESULTS}/group/aperiodic.tsv",
        claims=report(
            f"{RESULTS}/group/claims.tsv",
            caption="../report/claims.rst",
            category="Claims",
        ),
        claims_tests=f"{RESULTS}/group/claims_tests.tsv",
        # What the group report shows (eegstate.stats.summaries.SUMMARY_TABLES).
        coverage=f"{RESULTS}/group/coverage.tsv",
        psd_summary=f"{RESULTS}/group/psd_summary.tsv",
        channel_means=f"{RESULTS}/group/channel_means.tsv",
        subject_changes=f"{RESULTS}/group/subject_changes.tsv",
        group_changes=f"{RESULTS}/group/group_changes.tsv",
        aperiodic_contrasts=f"{RESULTS}/group/aperiodic_contrasts.tsv",
        aperiodic_peaks=f"{RESULTS}/group/aperiodic_peaks.tsv",
        connectivity_summary=f"{RESULTS}/group/connectivity_summary.tsv",
        classification_roc=f"{RESULTS}/group/classification_roc.tsv",
    params:
        config=step_params("stats"),
    log:
        f"{RESULTS}/logs/group_stats.log",
    threads: 1
    resources:
        mem_mb=table_mem_mb(1000),
        runtime=table_runtime,
    conda:
        ENV
    script:
        "../scripts/group_stats.py"


if TRACKED:  # the tracking section of the group report (track.smk)
    OPTIONAL_GROUP_INPUTS["track_summary"] = rules.track_summary.output.summary
    OPTIONAL_GROUP_INPUTS["track_figures"] = [
        f"{RESULTS}/track/{recording}/track.png" for recording in TRACKED
    ]

POWER_ON = CONFIG["power"]["enabled"]
if POWER_ON:
    OPTIONAL_GROUP_INPUTS["power"] = f"{RESULTS}/group/power.tsv"
    OPTIONAL_GROUP_INPUTS["power_summary"] = f"{RESULTS}/group/power_summary.tsv"
    OPTIONAL_GROUP_INPUTS["power_figure"] = f"{RESULTS}/group/figures/power.png"

    # Power and false-verdict rates of the claims: the run's subjects resampled into studies of
    # each size (power.*), the claims engine run on each (eegstate.steps.power).
    rule power_analysis:
        input:
            bandpower=f"{RESULTS}/group/bandpower.tsv",
            qc=f"{RESULTS}/group/qc.tsv",
            aperiodic=rules.group_stats.output.aperiodic,
            **(
                {"dmn_summary": f"{RESULTS}/group/dmn_summary.tsv"}
                if CONNECTIVITY_ON
                else {}
            ),
            **(
                {
                    "classification": f"{RESULTS}/group/classification.json",
                    "features": f"{RESULTS}/group/features.tsv",
                }
                if CLASSIFICATION_ON
                else {}
            ),
        output:
            power=f"{RESULTS}/group/power.tsv",
            summary=f"{RESULTS}/group/power_summary.tsv",
            figure=report(
                f"{RESULTS}/group/figures/power.png",
                caption="../report/power.rst",
                category="Figures",
            ),
        params:
            config=step_params("power"),
        log:
            f"{RESULTS}/logs/power_analysis.log",
        threads: workflow.cores or 1
        resources:
            mem_mb=table_mem_mb(2000),
            runtime=table_runtime,
        conda:
            ENV
        script:
            "../scripts/power_analysis.py"


# The report only renders: its inputs are the statistics step's tables (and the QC table,
# electrode positions and classification results); it computes nothing itself. Optional inputs
# `power` (group/power.tsv) and `power_figure` (group/power.png) fill its power section.
rule group_report:
    input:
        unpack(lambda wildcards: OPTIONAL_GROUP_INPUTS),
        qc=f"{RESULTS}/group/qc.tsv",
        electrodes=recording_files("electrodes.tsv"),
        stats_regions=rules.group_stats.output.stats_regions,
        stats_channels=rules.group_stats.output.stats_channels,
        clusters=rules.group_stats.output.clusters,
        aperiodic=rules.group_stats.output.aperiodic,
        claims=rules.group_stats.output.claims,
        claims_tests=rules.group_stats.output.claims_tests,
        coverage=rules.group_stats.output.coverage,
        psd_summary=rules.group_stats.output.psd_summary,
        channel_means=rules.group_stats.output.channel_means,
        subject_changes=rules.group_stats.output.subject_changes,
        group_changes=rules.group_stats.output.group_changes,
        aperiodic_contrasts=rules.group_stats.output.aperiodic_contrasts,
        aperiodic_peaks=rules.group_stats.output.aperiodic_peaks,
        connectivity_summary=rules.group_stats.output.connectivity_summary,
        classification_roc=rules.group_stats.output.classification_roc,
    output:
        html=report(
            f"{RESULTS}/group/report.html",
            caption="../report/group_report.rst",
            category="Group",
        ),
        psd=report(
            f"{RESULTS}/group/figures/psd.png",
            caption="../report/psd.rst",
            category="Figures",
        ),
        topomaps=report(
            f"{RESULTS}/group/figures/topomaps.png",
            caption="../report/topomaps.rst",
            category="Figures",
        ),
        aperiodic=report(
            f"{RESULTS}/group/figures/aperiodic.png",
            caption="../report/aperiodic.rst",
            category="Figures",
        ),
        dmn=report(
            f"{RESULTS}/group/figures/dmn.png",
            caption="../report/dmn.rst",
            category="Figures",
        ),
        classification=report(
            f"{RESULTS}/group/figures/classification.png",
            caption="../report/classification.rst",
            category="Figures",
        ),
    params:
        config=step_params("report"),
    log:
        f"{RESULTS}/logs/group_report.log",
    threads: 1
    resources:
        mem_mb=table_mem_mb(1500),
        runtime=table_runtime,
    conda:
        ENV
    script:
        "../scripts/group_report.py"
