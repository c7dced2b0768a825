# eegstate: EEG band power and dissociative-vs-baseline state analysis.
#
# Run with `eegstate run` or `snakemake --cores N` from the repository root. The rules only wire
# files to the steps of the installed `eegstate` package; all science lives there.
from snakemake.utils import min_version

min_version("8.10")


configfile: "config/config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/recording.smk"
include: "workflow/rules/group.smk"
include: "workflow/rules/classification.smk"
include: "workflow/rules/track.smk"
include: "workflow/rules/report.smk"


rule all:
    default_target: True
    input:
        group_outputs(),
        TRACK_OUTPUTS,
