"""Column contracts of the tidy (long-format) tables that eegstate writes.

Every table is a TSV with one observation per row. The constants here are the single place
where column names are defined; steps, reports and tests import them instead of repeating
strings.
"""

from __future__ import annotations

#: Columns identifying one recording. ``session`` is an empty string when the dataset has none.
RECORDING_COLUMNS: tuple[str, ...] = ("subject", "session", "recording", "state")

#: ``bandpower.tsv``: one row per recording x channel x band (mean over kept epochs).
#: ``power_db`` is 10*log10 of absolute band power in µV²; ``relative_power`` is band power
#: divided by the power over ``bandpower.relative_range``; ``region`` is the scalp region of the
#: channel ("" when the channel is in no configured region).
BANDPOWER_COLUMNS: tuple[str, ...] = (
    *RECORDING_COLUMNS,
    "channel",
    "region",
    "band",
    "fmin",
    "fmax",
    "power_db",
    "relative_power",
    "n_epochs",
)

#: ``bandpower_regions.tsv``: one row per recording x region x band. Power is averaged over the
#: region's channels in linear units (µV²) before conversion to dB.
REGION_BANDPOWER_COLUMNS: tuple[str, ...] = (
    *RECORDING_COLUMNS,
    "region",
    "band",
    "fmin",
    "fmax",
    "power_db",
    "relative_power",
    "n_channels",
)

#: ``<recording>_bandpower-epochs.tsv`` (per recording): one row per epoch x channel x band.
EPOCH_BANDPOWER_COLUMNS: tuple[str, ...] = (
    *RECORDING_COLUMNS,
    "epoch",
    "channel",
    "region",
    "band",
    "power_db",
    "relative_power",
)

#: ``psd.tsv``: one row per recording x channel x frequency; ``psd_db`` is 10*log10(µV²/Hz),
#: averaged over kept epochs in linear units.
PSD_COLUMNS: tuple[str, ...] = (*RECORDING_COLUMNS, "channel", "freq", "psd_db")

#: ``emg.tsv`` / ``<recording>_emg.tsv``: one row per kept epoch; ``emg_slope`` is the muscle
#: index of :func:`eegstate.quality.window_emg_index` (log-log spectral slope above the analysed
#: bands, before the low-pass: qc.tsv ``emg_band``; median over channels; higher = more EMG;
#: empty when the sampling rate leaves no range).
EMG_COLUMNS: tuple[str, ...] = (*RECORDING_COLUMNS, "epoch", "emg_slope")

#: ``<recording>_electrodes.tsv`` (as BIDS ``electrodes.tsv``): channel positions in metres,
#: MNE head coordinates, of the preprocessed recording.
ELECTRODES_COLUMNS: tuple[str, ...] = ("name", "x", "y", "z")

#: ``qc.tsv``: one row per recording. ``excluded`` is empty for a usable recording, otherwise
#: the reason it was left out of the group results. ``notes`` is free text ("" when none), e.g.
#: why the connectivity step was skipped for a low-density montage. ``channel_changes`` says
#: which channels were renamed (and by which naming convention), retyped from their names and
#: dropped from the EEG analyses (:class:`eegstate.channels.ChannelChanges`; "" when none).
#: ``ica_eog`` says which ICA blink components the recording's EOG channels confirmed ("" when
#: it has none).
QC_COLUMNS: tuple[str, ...] = (
    *RECORDING_COLUMNS,
    "path",
    "sfreq_raw",
    "sfreq",
    "duration_s",
    "n_channels",
    "bad_channels",
    "n_bad_channels",
    "n_epochs_total",
    "n_epochs_kept",
    "n_epochs_dropped",
    "reject_threshold_uv",
    "reject_method",
    "line_noise_db_before",
    "line_noise_db_after",
    "ica_n_components",
    "ica_labels",
    "ica_excluded",
    "emg_slope_median",
    "excluded",
    "notes",
    "channel_changes",
    "ica_eog",
    "emg_band",
)

#: ``connectivity.tsv``: one row per recording x band x metric x region pair (``node_a`` before
#: ``node_b`` in :data:`eegstate.connectivity.nodes.NODES` order). ``metric`` is ``aec_orth``
#: (orthogonalised amplitude-envelope correlation) or ``dwpli`` (debiased weighted phase-lag
#: index); see :mod:`eegstate.connectivity.metrics`.
CONNECTIVITY_COLUMNS: tuple[str, ...] = (
    *RECORDING_COLUMNS,
    "band",
    "metric",
    "node_a",
    "node_b",
    "value",
)

#: ``dmn_summary.tsv``: one row per recording x band x metric. ``dmn_mean`` is the mean over
#: the pairs inside the default mode network, ``control_mean`` over the pairs inside the control
#: network(s), ``dmn_minus_control`` their difference.
DMN_SUMMARY_COLUMNS: tuple[str, ...] = (
    *RECORDING_COLUMNS,
    "band",
    "metric",
    "dmn_mean",
    "control_mean",
    "dmn_minus_control",
)

#: ``features.tsv``: identifying columns of one row (one epoch); every other column is a
#: numeric feature named ``<band>_<db|rel>_<region or channel>`` (see
#: :func:`eegstate.classify.features.epoch_features`).
FEATURE_ID_COLUMNS: tuple[str, ...] = (*RECORDING_COLUMNS, "epoch")

#: ``classification_predictions.tsv``: one row per epoch of a held-out subject.
#: ``y_true``/``y_pred`` are 1 for the target state and 0 for the baseline; ``probability``
#: is the predicted probability of the target state.
CLASSIFICATION_PREDICTION_COLUMNS: tuple[str, ...] = (
    "subject",
    "recording",
    "state",
    "epoch",
    "y_true",
    "probability",
    "y_pred",
)

#: ``classification_recordings.tsv``: one row per held-out recording (mean epoch probability).
CLASSIFICATION_RECORDING_COLUMNS: tuple[str, ...] = (
    "subject",
    "recording",
    "state",
    "n_epochs",
    "y_true",
    "probability",
    "y_pred",
)

#: ``classification_folds.tsv``: one row per held-out subject of the outer cross-validation;
#: ``best_params`` is the JSON of the hyper-parameters chosen by the inner search.
CLASSIFICATION_FOLD_COLUMNS: tuple[str, ...] = (
    "subject",
    "n_epochs",
    "balanced_accuracy",
    "roc_auc",
    "accuracy",
    "best_params",
)

#: Shared columns of a paired target − baseline summary (:mod:`eegstate.stats.contrasts`):
#: subjects with both states, mean difference (dB), percentile-bootstrap CI over subjects,
#: subjects lower / higher in the target state, Wilcoxon signed-rank statistic and two-sided
#: p-value, the Holm-adjusted p-value over the whole table, and ``p_floor``, the smallest Holm
#: p the row's number of subjects allows (``m · 2 / 2**n`` for ``m`` rows): where it is not below
#: ``stats.alpha`` no row could be significant, whatever the data.
_PAIRED_SUMMARY_COLUMNS: tuple[str, ...] = (
    "n_subjects",
    "mean_db",
    "ci_low",
    "ci_high",
    "n_decrease",
    "n_increase",
    "statistic",
    "p_value",
    "p_holm",
    "p_floor",
)

#: ``stats_regions.tsv``: one row per band x region (Holm family: every row).
STATS_REGION_COLUMNS: tuple[str, ...] = ("band", "fmin", "fmax", "region", *_PAIRED_SUMMARY_COLUMNS)

#: ``stats_channels.tsv``: one row per band x channel (Holm family: every row).
STATS_CHANNEL_COLUMNS: tuple[str, ...] = (
    "band",
    "fmin",
    "fmax",
    "channel",
    *_PAIRED_SUMMARY_COLUMNS,
)

#: ``clusters.tsv``: one row per spatial cluster of the channel-level cluster permutation test
#: (:func:`eegstate.stats.clusters.cluster_tests`). ``direction`` is ``increase`` or
#: ``decrease``; ``channels`` is a space-separated list; ``statistic`` the sum of t values;
#: ``p_value`` the permutation p-value (family-wise over clusters of that band).
CLUSTER_COLUMNS: tuple[str, ...] = (
    "band",
    "cluster",
    "direction",
    "n_channels",
    "channels",
    "statistic",
    "p_value",
    "n_subjects",
    "t_threshold",
    "n_permutations",
)

#: ``aperiodic.tsv``: one row per recording x site (a channel set, e.g. parietal+occipital):
#: the spectral parameterisation (specparam, fixed aperiodic mode) of the site's channel-average
#: PSD. ``offset`` and ``exponent`` describe the aperiodic fit (log10 µV²/Hz); ``*_freq``,
#: ``*_height_db`` (power above the aperiodic fit, dB) and ``*_present`` describe the largest
#: periodic peak in the alpha and theta peak ranges (empty / False: no peak); ``alpha_slow_*``
#: the largest peak within ``stats.aperiodic.slowing_hz`` below the alpha range (a slowed alpha
#: rhythm, e.g. 8 -> 7 Hz).
APERIODIC_COLUMNS: tuple[str, ...] = (
    *RECORDING_COLUMNS,
    "site",
    "n_channels",
    "fit_fmin",
    "fit_fmax",
    "offset",
    "exponent",
    "r_squared",
    "fit_error",
    "alpha_freq",
    "alpha_height_db",
    "alpha_bandwidth",
    "alpha_present",
    "theta_freq",
    "theta_height_db",
    "theta_bandwidth",
    "theta_present",
    "alpha_slow_freq",
    "alpha_slow_height_db",
    "alpha_slow_bandwidth",
    "alpha_slow_present",
)

#: ``claims_tests.tsv``: every paired test behind the claims (:mod:`eegstate.stats.claims`):
#: ``in_family`` tests are Holm-adjusted together (``p_holm``; ``p_floor`` is the smallest
#: adjusted p their number of subjects allows), the others are checks read at their raw
#: ``p_value`` (DMN specificity, muscle index). ``result``: decrease, increase, none or
#: not_testable.
CLAIM_TESTS_COLUMNS: tuple[str, ...] = (
    "claim",
    "test",
    "measure",
    "in_family",
    "n_subjects",
    "effect",
    "ci_low",
    "ci_high",
    "n_decrease",
    "n_increase",
    "p_value",
    "p_holm",
    "p_floor",
    "result",
)

#: ``power.tsv``: probability of each verdict per claim, study size (``n_subjects``) and
#: ``scenario`` (``planted``: resampled pilot subjects, i.e. power; ``null``: states swapped
#: at random within subject, i.e. false verdicts; ``planned``: a study simulated from effect
#: sizes), over ``replicates`` simulated studies, with its Monte Carlo standard error
#: (:mod:`eegstate.stats.power`).
POWER_COLUMNS: tuple[str, ...] = (
    "claim",
    "n_subjects",
    "scenario",
    "verdict",
    "probability",
    "mc_se",
    "replicates",
)

#: ``power_summary.tsv``: per claim, scenario and study size, the probability of a "changed"
#: verdict (anything but unchanged / not_testable), its Monte Carlo SE and the nominal
#: ``alpha`` (``stats.alpha``).
POWER_SUMMARY_COLUMNS: tuple[str, ...] = (
    "claim",
    "scenario",
    "n_subjects",
    "probability_changed",
    "mc_se",
    "replicates",
    "alpha",
)

#: ``claims.tsv``: one row per popular claim (:mod:`eegstate.stats.claims`); ``verdict`` is one
#: of :data:`VERDICTS`, decided by the rules of :mod:`eegstate.stats.verdicts`.
CLAIMS_COLUMNS: tuple[str, ...] = (
    "claim",
    "measure",
    "effect",
    "ci_low",
    "ci_high",
    "p_value",
    "n_subjects",
    "verdict",
    "caveat",
)

#: The verdict vocabulary of ``claims.tsv``.
VERDICTS: tuple[str, ...] = (
    "abolished",
    "reduced",
    "unchanged",
    "increased",
    "emerged",
    "not_testable",
)

# ------------------------------------------------------------------------------------------
# Group summaries written by the statistics step for the group report
# (:mod:`eegstate.stats.summaries`): every number the report shows is in one of these tables,
# in the tables above, in ``classification.json`` or in ``power.tsv``.

#: ``coverage.tsv``: one row per subject x state with usable recordings (and a row with
#: ``n_recordings`` 0 for a baseline or target state a subject lacks). ``paired`` is True for
#: subjects with both the baseline and the target state (the subjects of every contrast).
COVERAGE_COLUMNS: tuple[str, ...] = ("subject", "state", "n_recordings", "paired")

#: ``psd_summary.tsv``: group spectrum per channel site x state x frequency. ``site`` is ``all``
#: (every channel) or a claim site (``claims.alpha_regions`` joined by ``+``, the posterior
#: site); per subject and state the site's spectra are averaged in linear power (channels and
#: recordings) and converted to dB; ``mean_db`` is the mean over subjects, ``ci_low``/``ci_high``
#: its percentile-bootstrap CI over subjects, ``n_subjects`` the subjects with that state.
PSD_SUMMARY_COLUMNS: tuple[str, ...] = (
    "site",
    "n_channels",
    "state",
    "freq",
    "n_subjects",
    "mean_db",
    "ci_low",
    "ci_high",
)

#: ``channel_means.tsv``: group band power per band x channel x state (the topomaps):
#: recordings of a subject and state averaged in linear power, ``mean_db`` the mean over the
#: ``n_subjects`` subjects with that state. The paired difference is ``stats_channels.tsv``.
CHANNEL_MEANS_COLUMNS: tuple[str, ...] = (
    "band",
    "fmin",
    "fmax",
    "channel",
    "state",
    "n_subjects",
    "mean_db",
)

#: ``subject_changes.tsv``: per-subject baseline and target values of the measures the report
#: plots, one row per measure x site x band x subject with both states (``diff`` = target −
#: baseline). ``measure`` is ``power_db`` (band power at the posterior site, channels pooled in
#: linear power per recording as for the claims), ``exponent``, ``offset`` or ``alpha_peak_db``
#: (specparam fit at the posterior site; ``alpha_peak_db`` is the alpha-peak height above the
#: aperiodic fit, 0 without a peak) or a connectivity metric (``aec_orth``, ``dwpli``; ``site``
#: ``dmn`` or ``control``: the within-network mean of ``dmn_summary.tsv``). ``band`` is "" for
#: the specparam parameters.
SUBJECT_CHANGES_COLUMNS: tuple[str, ...] = (
    "measure",
    "site",
    "band",
    "subject",
    "baseline",
    "target",
    "diff",
)

#: ``group_changes.tsv``: the group means of ``subject_changes.tsv`` per measure x site x band
#: (mean over the paired subjects of the baseline and of the target values; descriptive, the
#: tests are in ``claims_tests.tsv``, ``aperiodic_contrasts.tsv`` and ``stats_regions.tsv``).
GROUP_CHANGES_COLUMNS: tuple[str, ...] = (
    "measure",
    "site",
    "band",
    "n_subjects",
    "baseline_mean",
    "target_mean",
)

#: ``aperiodic_contrasts.tsv``: paired target − baseline contrast of each specparam parameter
#: (``exponent``, ``offset``, ``alpha_peak_db``) at the posterior site: mean change, bootstrap
#: CI, sign counts, Wilcoxon signed-rank p, Holm over the parameters and its floor (as
#: :data:`STATS_REGION_COLUMNS`).
APERIODIC_CONTRAST_COLUMNS: tuple[str, ...] = (
    "site",
    "parameter",
    "n_subjects",
    "mean_change",
    "ci_low",
    "ci_high",
    "n_decrease",
    "n_increase",
    "statistic",
    "p_value",
    "p_holm",
    "p_floor",
)

#: ``aperiodic_peaks.tsv``: periodic peaks per site x state x peak kind (``alpha``, ``theta``,
#: ``alpha_slow``): recordings, recordings with the peak present, and the mean frequency and
#: height above the aperiodic fit (dB) of the present peaks (empty when none).
APERIODIC_PEAK_COLUMNS: tuple[str, ...] = (
    "site",
    "state",
    "peak",
    "n_recordings",
    "n_present",
    "mean_freq",
    "mean_height_db",
)

#: ``connectivity_summary.tsv``: group node-pair connectivity per band x metric x pair (the
#: report's matrices): per subject and state the mean over recordings; ``baseline_mean`` and
#: ``target_mean`` the means over the ``n_baseline`` / ``n_target`` subjects with that state,
#: ``mean_change`` the mean target − baseline over the ``n_paired`` subjects with both.
CONNECTIVITY_SUMMARY_COLUMNS: tuple[str, ...] = (
    "band",
    "metric",
    "node_a",
    "node_b",
    "n_baseline",
    "baseline_mean",
    "n_target",
    "target_mean",
    "n_paired",
    "mean_change",
)

#: ``classification_roc.tsv``: ROC curve points of the held-out predictions, pooled
#: (``scope`` ``pooled``) and per held-out subject (``scope`` = subject); empty when the
#: classification step did not run.
CLASSIFICATION_ROC_COLUMNS: tuple[str, ...] = ("scope", "fpr", "tpr", "threshold")
