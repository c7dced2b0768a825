# State tracking of the recordings named in `track.recordings` (eegstate.steps.track): one
# job per recording (read and analysed in chunks), then the group summary table.

TRACK = CONFIG["track"]
TRACKED = (
    list(RECORDINGS["recording"])
    if TRACK["recordings"] == "all"
    else list(TRACK["recordings"])
)
_unknown_tracked = sorted(set(TRACKED) - set(RECORDINGS["recording"]))
if _unknown_tracked:
    raise ValueError(
        f"track.recordings names {_unknown_tracked}, which are not recordings of dataset "
        f"{CONFIG['dataset']!r} (known: {', '.join(list(RECORDINGS['recording'])[:5])}, ...)"
    )
# Target of `rule all`: the track summary when recordings are tracked.
TRACK_OUTPUTS = [f"{RESULTS}/track/summary.tsv"] if TRACKED else []


rule track_recording:
    input:
        raw=recording_input,
        **({"model": TRACK["model"]} if TRACK["model"] else {}),
    output:
        table=f"{RESULTS}/track/{{recording}}/track.tsv",
        events=f"{RESULTS}/track/{{recording}}/events.json",
        figure=f"{RESULTS}/track/{{recording}}/track.png",
    params:
        raw_path=recording_raw_path,
        name=lambda wildcards: wildcards.recording,
        config=step_params("track_recording"),
    log:
        f"{RESULTS}/logs/track/{{recording}}.log",
    threads: 1
    resources:
        mem_mb=2000,
    conda:
        ENV
    script:
        "../scripts/track_recording.py"


rule track_summary:
    input:
        events=[f"{RESULTS}/track/{recording}/events.json" for recording in TRACKED],
    output:
        summary=f"{RESULTS}/track/summary.tsv",
    log:
        f"{RESULTS}/logs/track_summary.log",
    resources:
        mem_mb=500,
    conda:
        ENV
    script:
        "../scripts/track_summary.py"
