"""Preprocessing of one recording: channels, montage, bad channels, filters, reference, epochs.

Pure functions on MNE objects. The result of :func:`preprocess_raw` is the cleaned
:class:`mne.Epochs` and a QC record. Every step follows a field library: pyprep (bad channels),
MNE (filters, reference, surface Laplacian), Picard ICA with mne-icalabel (eye and muscle
components), autoreject (epoch threshold). Epoch rejection always adapts to the recording: a
fixed threshold (e.g. 150 µV) rejects every epoch of some real resting recordings (PhysioNet
EEGBCI peak-to-peak amplitudes are 200-530 µV per 4-s epoch).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from eegstate.channels import (
    ChannelChanges,
    ChannelNameError,
    check_explicit_rename,
    infer_channel_types,
    match_montage,
    rename_mapping,
)
from eegstate.ica import remove_artefact_components
from eegstate.io import RecordingError
from eegstate.montage import standard_montage
from eegstate.quality import emg_range, line_noise_db, window_emg_index
from eegstate.settings import PreprocessSettings, coerce

logger = logging.getLogger(__name__)

#: Scale factor turning a median absolute deviation into a normal-consistent spread estimate.
MAD_TO_SD = 1.4826
#: A channel whose peak-to-peak amplitude over the whole recording is below this (volts) is flat.
FLAT_PTP_V = 1e-9
#: autoreject's 5-fold cross-validation needs enough epochs; below this ptp_mad is used.
MIN_EPOCHS_AUTOREJECT = 10


@dataclass
class PreprocessQC:
    """What preprocessing did to one recording (becomes a row of ``qc.tsv``)."""

    sfreq_raw: float
    sfreq: float = float("nan")
    duration_s: float = float("nan")
    n_channels: int = 0
    bad_channels: list[str] = field(default_factory=list)
    n_epochs_total: int = 0
    n_epochs_kept: int = 0
    reject_threshold_uv: float = float("nan")
    reject_method: str = ""
    line_noise_db_before: float = float("nan")
    line_noise_db_after: float = float("nan")
    ica_n_components: int = 0
    ica_labels: str = ""
    ica_excluded: str = ""
    emg_slope_median: float = float("nan")
    channel_changes: str = ""
    ica_eog: str = ""
    emg_band: str = ""
    emg_slope_epochs: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False)

    def as_row(self) -> dict[str, Any]:
        """Return the QC record as a flat mapping of ``qc.tsv`` columns."""
        return {
            "sfreq_raw": self.sfreq_raw,
            "sfreq": self.sfreq,
            "duration_s": round(self.duration_s, 3),
            "n_channels": self.n_channels,
            "bad_channels": ",".join(self.bad_channels),
            "n_bad_channels": len(self.bad_channels),
            "n_epochs_total": self.n_epochs_total,
            "n_epochs_kept": self.n_epochs_kept,
            "n_epochs_dropped": self.n_epochs_total - self.n_epochs_kept,
            "reject_threshold_uv": self.reject_threshold_uv,
            "reject_method": self.reject_method,
            "line_noise_db_before": round(self.line_noise_db_before, 3),
            "line_noise_db_after": round(self.line_noise_db_after, 3),
            "ica_n_components": self.ica_n_components,
            "ica_labels": self.ica_labels,
            "ica_excluded": self.ica_excluded,
            "emg_slope_median": round(self.emg_slope_median, 4),
            "channel_changes": self.channel_changes,
            "ica_eog": self.ica_eog,
            "emg_band": self.emg_band,
        }


def prepare_channels(raw: Any, rename: Any, source: str, changes: ChannelChanges) -> None:
    """Apply explicit renames, then set channel types from names the file typed EEG.

    Parameters
    ----------
    raw : mne.io.BaseRaw
        Recording with all its channels (modified in place).
    rename : mapping or str or None
        Option ``preprocess.channel_rename``: old -> new names, or the path of a two-column TSV
        (:func:`eegstate.channels.rename_mapping`).
    source : str
        File name used in error messages.
    changes : eegstate.channels.ChannelChanges
        Record of the changes (updated).

    Raises
    ------
    RecordingError
        When an explicit rename does not fit the recording's channels.
    """
    try:
        explicit = check_explicit_rename(raw.ch_names, rename_mapping(rename))
    except ChannelNameError as err:
        raise RecordingError(source, str(err)) from err
    if explicit:
        raw.rename_channels(explicit, verbose="error")
        changes.rename(explicit, dict.fromkeys(explicit, ("explicit",)))
    types = infer_channel_types(raw.ch_names, raw.get_channel_types())
    if types:
        logger.info("%s: channel types from names: %s", source, types)
        raw.set_channel_types(types, on_unit_change="ignore", verbose="error")
        changes.retyped.extend(types.items())


def set_montage(
    raw: Any, montage_name: str, source: str, changes: ChannelChanges | None = None
) -> None:
    """Give EEG channels positions from a built-in montage when the file has none.

    Channel names are matched to the montage with the naming conventions of
    :mod:`eegstate.channels` (``Fc5.``, ``EEG Fp1-REF``, ``O2-M1``, ``FP1``, ``T3``, ...) and
    renamed to its names. Channels the montage does not know are dropped (with a warning); if
    more than half of the EEG channels do not match, the recording is refused because
    topographies and interpolation would be meaningless.

    Parameters
    ----------
    raw : mne.io.BaseRaw
        Recording with only EEG channels picked (modified in place).
    montage_name : str
        Name of an MNE built-in montage (e.g. ``standard_1005``), or ``none`` to keep every
        channel as it is, with or without positions (bipolar or low-density data).
    source : str
        File name used in error messages.
    changes : eegstate.channels.ChannelChanges, optional
        Record of renamed and dropped channels (updated).

    Raises
    ------
    RecordingError
        When too many names are unknown, or names match the montage ambiguously.
    """
    if montage_name == "none":
        return

    positions = np.array([ch["loc"][:3] for ch in raw.info["chs"]])
    has_positions = np.isfinite(positions).all(axis=1) & (np.abs(positions).sum(axis=1) > 0)
    if has_positions.all():
        return
    montage = standard_montage(montage_name)
    try:
        match = match_montage(raw.ch_names, montage.ch_names, montage_name)
    except ChannelNameError as err:
        raise RecordingError(source, str(err)) from err
    unknown = match.unknown
    if len(unknown) > len(raw.ch_names) / 2:
        raise RecordingError(
            source,
            f"{len(unknown)} of {len(raw.ch_names)} channel names are not in the montage "
            f"'{montage_name}' (e.g. {', '.join(unknown[:5])}), even after the usual naming "
            "conventions (Fc5., EEG Fp1-REF, O2-M1, FP1, T3); map them to 10-10 names with "
            "'preprocess.channel_rename' or set 'preprocess.montage' to a matching montage",
        )
    if unknown:
        logger.warning("%s: dropping channels without montage position: %s", source, unknown)
        raw.drop_channels(unknown)
    if match.rename:
        logger.info("%s: channels renamed to montage names: %s", source, match.rename)
        raw.rename_channels(match.rename, verbose="error")
    if changes is not None:
        changes.rename(match.rename, match.rules)
        changes.dropped.extend((name, f"not in {montage_name}") for name in unknown)
    raw.set_montage(montage, match_case=False, on_missing="raise")


#: Channels whose per-channel statistics :func:`find_bad_channels` computes at a time.
BAD_CHANNEL_BLOCK = 4
#: pyprep's scale factors: interquartile range and median absolute deviation to a normal SD.
_IQR_TO_SD = 0.7413
#: pyprep's flat-channel threshold (SD or MAD below it, in volts).
_PREP_FLAT_V = 1e-15


def find_bad_channels(raw: Any, seed: int, *, block_channels: int = BAD_CHANNEL_BLOCK) -> list[str]:
    """Detect flat, noisy and uncorrelated channels by pyprep's ``NoisyChannels`` criteria.

    RANSAC is not run (it is slow and random); the deterministic PREP criteria are: NaN/flat,
    robust amplitude deviation, high-frequency noise (only when the sampling rate exceeds
    100 Hz), low correlation with other channels and dropouts, plus the channels already
    marked bad in ``raw.info["bads"]``.

    The decisions are pyprep's (``NoisyChannels(raw, do_detrend=True)`` followed by
    ``find_bad_by_nan_flat``, ``find_bad_by_deviation``, ``find_bad_by_hfnoise`` and
    ``find_bad_by_correlation``; ``tests/preprocess/test_memory.py`` compares them), computed
    with pyprep's own detrending (``removeTrend``), filter (``_filter_design``) and robust
    statistics (``_mad``, ``_mat_iqr``, ``_mat_quantile``), but a few channels at a time. This
    is hand-written for memory only: ``NoisyChannels`` preloads the caller's recording and
    holds a copy, the detrended data, the 1-50 Hz filtered data and their difference of the
    whole recording at once (about 6x the recording); this keeps only the filtered data (1x)
    that the windowed correlations need. Every per-channel statistic is computed row by row,
    so the blocks change no value. Keep it in step with pyprep's methods when pyprep changes.

    Parameters
    ----------
    raw : mne.io.BaseRaw
        Unfiltered recording with EEG channels only (not modified).
    seed : int
        Random seed (only RANSAC, which is not run, would use it).
    block_channels : int
        Channels per block of the per-channel statistics.

    Returns
    -------
    list of str
        Names of the bad channels.
    """
    from mne.utils import use_log_level
    from pyprep.removeTrend import removeTrend
    from pyprep.utils import _filter_design, _mad, _mat_iqr, _mat_quantile
    from scipy.signal import filtfilt

    del seed  # RANSAC is not run
    picks = np.asarray(mne_pick_eeg(raw.info))
    names = np.asarray(raw.ch_names)[picks]
    sfreq = float(raw.info["sfreq"])
    n_channels, n_times = len(picks), raw.n_times
    kernel = None
    if sfreq > 100:  # pyprep's 1-50 Hz band-pass (NoisyChannels._get_filtered_data)
        kernel = _filter_design(
            N_order=100,
            amp=np.array([1, 1, 0, 0]),
            freq=np.array([0, 90 / sfreq, 100 / sfreq, 1]),
        )
    nan = np.zeros(n_channels, dtype=bool)
    flat = np.zeros(n_channels, dtype=bool)
    amplitude = np.full(n_channels, np.nan)
    noisiness = np.full(n_channels, np.nan)
    filtered = np.empty((n_channels, n_times))
    for first, block in zip(
        range(0, n_channels, block_channels),
        channel_blocks(raw, block_channels, picks),
        strict=True,
    ):
        rows = slice(first, first + block_channels)
        with use_log_level("warning"):  # MNE's filter description, once per block otherwise
            detrended = removeTrend(block, sfreq, copy=False)  # block is already a copy
        del block
        nan[rows] = np.isnan(np.sum(detrended, axis=1))
        flat[rows] = (_mad(detrended, axis=1) < _PREP_FLAT_V) | (
            np.std(detrended, axis=1) < _PREP_FLAT_V
        )
        amplitude[rows] = np.atleast_1d(_mat_iqr(detrended, axis=1)) * _IQR_TO_SD
        if kernel is None:
            filtered[rows] = detrended
        else:
            filtered[rows] = filtfilt(kernel, 1, detrended, axis=1)
            with np.errstate(divide="ignore", invalid="ignore"):  # flat rows: not used below
                noisiness[rows] = _mad(detrended - filtered[rows], axis=1) / _mad(
                    filtered[rows], axis=1
                )
        del detrended
    manual = list(set(raw.info["bads"]))
    usable = ~np.isin(names, manual + names[nan].tolist() + names[flat].tolist())
    bads = set(manual) | set(names[nan]) | set(names[flat])

    # find_bad_by_deviation
    chan_amplitudes = amplitude[usable]
    zscore = np.zeros(n_channels)
    zscore[usable] = (chan_amplitudes - np.nanmedian(chan_amplitudes)) / (
        _mat_iqr(chan_amplitudes) * _IQR_TO_SD
    )
    bads |= set(names[np.isnan(zscore) | (np.abs(zscore) > 5.0)])

    # find_bad_by_hfnoise
    if kernel is not None:
        noise = noisiness[usable]
        median = np.nanmedian(noise)
        zscore = np.zeros(n_channels)
        zscore[usable] = (noise - median) / (np.median(np.abs(noise - median)) * MAD_TO_SD)
        bads |= set(names[np.isnan(zscore) | (zscore > 5.0)])

    # find_bad_by_correlation (1-s windows, threshold 0.4, fraction 0.01)
    window = int(sfreq)
    n_windows = len(np.arange(1, n_times - window, window))
    max_correlations = np.ones((n_windows, n_channels))
    dropout = np.zeros((n_windows, n_channels), dtype=bool)
    usable_rows = np.flatnonzero(usable)
    for index in range(n_windows):
        window_data = filtered[usable_rows, index * window : (index + 1) * window]
        active = usable.copy()
        spread = _mad(window_data, axis=1)
        dropout[index, active] = spread == 0
        active[active] = spread > 0
        correlations = np.corrcoef(window_data[spread > 0, :])
        off_diagonal = np.abs(correlations - np.diag(np.diag(correlations)))
        max_correlations[index, active] = _mat_quantile(off_diagonal, 0.98, axis=0)
        max_correlations[index, dropout[index, :]] = 0
    bads |= set(names[np.mean(max_correlations < 0.4, axis=0) > 0.01])
    bads |= set(names[np.mean(dropout, axis=0) > 0.01])
    return sorted(bads)


def channel_blocks(raw: Any, n_channels: int, picks: Any = None) -> Iterator[np.ndarray]:
    """The samples of ``raw`` a few channels at a time (copies of at most ``n_channels`` rows).

    Parameters
    ----------
    raw : mne.io.BaseRaw
        Recording, preloaded or not (not modified).
    n_channels : int
        Channels per block.
    picks : array of int, optional
        Channel indices (default: every channel), in the order the blocks follow.

    Yields
    ------
    numpy.ndarray, shape (n, n_times)
        The next ``n <= n_channels`` channels, in volts.
    """
    picks = np.arange(len(raw.ch_names)) if picks is None else np.asarray(picks)
    for first in range(0, len(picks), n_channels):
        yield raw.get_data(picks=picks[first : first + n_channels])


def mne_pick_eeg(info: Any) -> np.ndarray:
    """Indices of the EEG channels of ``info``, bad ones included (``raw.pick("eeg")``)."""
    import mne

    return mne.pick_types(info, meg=False, eeg=True, exclude=[])


def peak_to_peak_uv(data: np.ndarray) -> np.ndarray:
    """Largest channel peak-to-peak amplitude per epoch, in µV.

    Parameters
    ----------
    data : numpy.ndarray, shape (n_epochs, n_channels, n_times)
        Epoch data in volts.

    Returns
    -------
    numpy.ndarray, shape (n_epochs,)
        Peak-to-peak amplitude of the worst channel of each epoch in µV.
    """
    return np.ptp(data, axis=2).max(axis=1) * 1e6


def autoreject_threshold_uv(epochs: Any, seed: int) -> float:
    """Global peak-to-peak threshold learnt by autoreject (Jas et al. 2017, NeuroImage 159:417).

    The threshold of ``autoreject.get_rejection_threshold(epochs, random_state=seed, cv=5)``
    for EEG epochs, computed without its copies of the epochs (memory): in each of the 5
    cross-validation folds of each of its Bayesian-optimisation steps, autoreject copies the
    training epochs (scikit-learn's indexing) and then the kept ones (``X[train][keep]``),
    about 1.6x the epochs. Here the kept training epochs are summed one by one in the same
    order as NumPy's ``mean(axis=0)`` adds them, so the fold means, the scores (autoreject's
    own ``_GlobalAutoReject.score``), the optimisation (autoreject's ``bayes_opt``) and the
    threshold are the same (``tests/preprocess/test_memory.py`` compares them). Epochs
    without EEG channels (``reference: csd``) go to autoreject itself.

    Parameters
    ----------
    epochs : mne.Epochs
        EEG epochs (at least :data:`MIN_EPOCHS_AUTOREJECT`), preloaded.
    seed : int
        Random seed of autoreject's Bayesian optimisation.

    Returns
    -------
    float
        Threshold in µV.
    """
    import mne

    if "eeg" not in epochs:
        from autoreject import get_rejection_threshold

        thresholds = get_rejection_threshold(epochs, random_state=seed, cv=5, verbose=False)
        kind = "csd" if "csd" in thresholds else "eeg"
        return float(thresholds[kind]) * 1e6

    from autoreject.autoreject import _GlobalAutoReject
    from autoreject.bayesopt import bayes_opt, expected_improvement
    from sklearn.model_selection import check_cv

    picks = mne.pick_types(epochs.info, meg=False, eeg=True)  # autoreject's picks
    data = epochs.get_data(picks, copy=False)
    n_epochs, n_channels, n_times = data.shape
    epoch_ptp = np.array([np.ptp(epoch, axis=1) for epoch in data]).max(axis=1)
    all_thresholds = np.sort(epoch_ptp)
    folds = list(check_cv(5).split(data))
    scorer = _GlobalAutoReject(n_channels=n_channels, n_times=n_times)
    cache: dict[float, float] = {}

    def fold_score(train: np.ndarray, test: np.ndarray, threshold: float) -> float:
        kept = train[epoch_ptp[train] <= threshold]
        if kept.size:
            total = data[kept[0]].copy()
            for index in kept[1:]:
                total += data[index]
            scorer.mean_ = total / kept.size
        else:
            scorer.mean_ = np.nan
        return scorer.score(data[test])

    def loss(threshold: float) -> float:  # autoreject's get_rejection_threshold.func
        index = np.where(threshold - all_thresholds >= 0)[0][-1]
        threshold = all_thresholds[index]
        if threshold not in cache:
            scores = [fold_score(train, test, threshold) for train, test in folds]
            cache[threshold] = -np.mean(scores)
        return cache[threshold]

    index = np.unique(
        np.concatenate((np.linspace(0, n_epochs, 5, endpoint=False, dtype=int), [n_epochs - 1]))
    )
    best, _ = bayes_opt(
        loss,
        all_thresholds[index],
        all_thresholds,
        expected_improvement,
        max_iter=10,
        debug=False,
        random_state=seed,
    )
    return float(best) * 1e6


def rejection_threshold_uv(
    ptp_uv: np.ndarray, method: str, mad_factor: float, fixed_uv: float
) -> float:
    """Peak-to-peak rejection threshold in µV for one recording.

    Parameters
    ----------
    ptp_uv : numpy.ndarray
        Worst-channel peak-to-peak amplitude per epoch (µV).
    method : {"none", "ptp_mad", "ptp_threshold"}
        ``ptp_mad``: median + ``mad_factor`` x 1.4826 x MAD of ``ptp_uv`` (adapts to the
        recording's amplitude); ``ptp_threshold``: ``fixed_uv``; ``none``: infinity.
    mad_factor : float
        Number of robust standard deviations above the median.
    fixed_uv : float
        Fixed threshold in µV.

    Returns
    -------
    float
        The threshold.
    """
    if method == "none":
        return float("inf")
    if method == "autoreject":
        raise ValueError("autoreject needs the epochs: use autoreject_threshold_uv")
    if method == "ptp_threshold":
        return float(fixed_uv)
    if method == "ptp_mad":
        median = float(np.median(ptp_uv))
        mad = float(np.median(np.abs(ptp_uv - median)))
        return median + mad_factor * MAD_TO_SD * mad
    raise ValueError(f"unknown rejection method {method!r}; use none, ptp_mad or ptp_threshold")


def preprocess_raw(
    raw: Any,
    settings: PreprocessSettings,
    *,
    seed: int,
    source: str = "<raw>",
    emg_above_hz: float | None = None,
):
    """Preprocess one recording into clean fixed-length epochs.

    Steps: apply ``channel_rename``; type non-EEG channels from their names (EOG channels are
    kept aside for ICA); keep EEG channels; match names to the montage and set it if the file has
    no positions (:func:`set_montage`); measure line noise;
    detect bad channels (pyprep) and interpolate them; notch the mains frequency and its
    harmonics below Nyquist; band-pass; resample if configured; average reference; ICA with
    ICLabel to remove eye and muscle components, blink components checked against the EOG
    channels when there are any (if configured); measure line noise again;
    surface Laplacian (if ``reference: csd``); cut fixed-length epochs (segments overlapping
    ``BAD`` annotations are skipped); drop epochs by peak-to-peak amplitude (autoreject's global
    threshold, or a robust per-recording threshold).

    Parameters
    ----------
    raw : mne.io.BaseRaw
        Recording, preloaded or not (:func:`eegstate.io.read_raw` reads on demand). It is
        copied, never modified; only its EEG (and EOG) channels are loaded into the copy.
    settings : eegstate.settings.PreprocessSettings
        The ``preprocess`` settings (see the config schema for each option); a mapping of
        the section still works, with a deprecation warning.
    seed : int
        Random seed for the randomised parts (bad-channel detection).
    source : str
        Name of the recording for messages.
    emg_above_hz : float, optional
        Upper edge of the highest analysed band: the muscle (EMG) index is measured above it
        (:func:`eegstate.quality.emg_range`, ``preprocess.emg_fmin``/``emg_fmax``), per epoch,
        into ``qc.emg_slope_epochs`` (aligned with the kept epochs) and ``qc.emg_band``.
        None skips the index.

    Returns
    -------
    epochs : mne.Epochs
        Clean epochs.
    qc : PreprocessQC
        What was done.

    Raises
    ------
    RecordingError
        When the recording cannot give at least ``min_epochs`` clean epochs, has too many bad
        channels, non-finite samples, a sampling rate too low for the filters, channel names
        that do not match the montage (or match it ambiguously) or renames that do not fit.
    """
    import mne

    settings = coerce(PreprocessSettings, settings, "preprocess")
    raw = raw.copy()
    qc = PreprocessQC(sfreq_raw=float(raw.info["sfreq"]))
    changes = ChannelChanges()
    prepare_channels(raw, settings.channel_rename, source, changes)
    eog = None
    if "eog" in raw.get_channel_types():
        eog = raw.copy().pick("eog").load_data(verbose="error")
    use_eog = eog is not None and settings.ica != "none"
    changes.dropped.extend(
        (name, f"{kind}, used by ICA" if kind == "eog" and use_eog else kind)
        for name, kind in zip(raw.ch_names, raw.get_channel_types(), strict=True)
        if kind != "eeg"
    )
    raw.pick("eeg")
    if len(raw.ch_names) == 0:
        raise RecordingError(source, "no EEG channels found")
    # The working copy: only the EEG channels are read into memory (the caller's recording,
    # preloaded or not, is left as it was).
    raw.load_data(verbose="error")
    finite, flat = True, []
    for block in channel_blocks(raw, BAD_CHANNEL_BLOCK):  # no second copy of the recording
        finite = finite and bool(np.isfinite(block).all())
        flat.extend(np.ptp(block, axis=1) <= FLAT_PTP_V)
        del block
    if not finite:
        raise RecordingError(source, "contains NaN or infinite samples; repair or exclude it")
    if all(flat):
        raise RecordingError(source, "every channel is flat (no signal); check the recording")
    nyquist = raw.info["sfreq"] / 2
    if settings.h_freq >= nyquist:
        raise RecordingError(
            source,
            f"'preprocess.h_freq' = {settings.h_freq} Hz is not below the Nyquist frequency "
            f"{nyquist} Hz of this recording; lower 'preprocess.h_freq' (and the bands above it)",
        )
    set_montage(raw, settings.montage, source, changes)
    qc.channel_changes = changes.summary()
    line_freq = settings.line_freq
    qc.line_noise_db_before = line_noise_db(raw, line_freq)

    if settings.bad_channels == "deviation":
        bads = find_bad_channels(raw, seed)
        if len(bads) > len(raw.ch_names) / 2:
            raise RecordingError(
                source,
                f"{len(bads)} of {len(raw.ch_names)} channels are bad ({', '.join(bads[:10])}); "
                "the recording is unusable",
            )
        qc.bad_channels = bads
        if bads:
            logger.info("%s: interpolating bad channels %s", source, bads)
            raw.info["bads"] = bads
            raw.interpolate_bads(reset_bads=True, verbose="error")

    if line_freq:
        notches = np.arange(line_freq, nyquist, line_freq)
        notches = notches[notches < nyquist - 1]
        if notches.size:
            raw.notch_filter(notches, verbose="error")
    emg_windows = None
    if emg_above_hz is not None:
        band, qc.emg_band = emg_range(
            raw.info["sfreq"], settings.emg_fmin, settings.emg_fmax, emg_above_hz
        )
        if band is not None:  # before the low-pass removes the range
            emg_windows = window_emg_index(
                raw,
                window_s=settings.epoch_length_s,
                fmin=band[0],
                fmax=band[1],
                line_freq=line_freq,
                average_reference=settings.reference != "none",
            )
    raw.filter(settings.l_freq, settings.h_freq, verbose="error")
    if settings.resample_sfreq:
        raw.resample(settings.resample_sfreq, verbose="error")
    if settings.reference != "none":  # none: keep the recorded (e.g. bipolar) reference
        raw.set_eeg_reference("average", projection=False, verbose="error")
    if settings.ica != "none":
        ica = remove_artefact_components(
            raw,
            n_components=settings.ica_n_components,
            exclude_labels=settings.ica_exclude_labels,
            min_probability=settings.ica_min_probability,
            seed=seed,
            method=settings.ica,
            eog=eog,
        )
        qc.ica_n_components = ica.n_components
        qc.ica_labels = ica.label_counts()
        qc.ica_excluded = ica.excluded_summary()
        qc.ica_eog = ica.eog_summary()
    qc.line_noise_db_after = line_noise_db(raw, line_freq)
    if settings.reference == "csd":
        raw = mne.preprocessing.compute_current_source_density(raw, verbose="error")
    qc.sfreq = float(raw.info["sfreq"])
    qc.duration_s = raw.n_times / raw.info["sfreq"]
    qc.n_channels = len(raw.ch_names)

    if qc.duration_s < settings.epoch_length_s:
        raise RecordingError(
            source,
            f"recording lasts {qc.duration_s:.1f} s, shorter than one epoch "
            f"('preprocess.epoch_length_s' = {settings.epoch_length_s} s)",
        )
    epochs = mne.make_fixed_length_epochs(
        raw,
        duration=settings.epoch_length_s,
        preload=True,
        reject_by_annotation=True,
        verbose="error",
    )
    del raw  # the epochs hold their own copy; free the continuous one before autoreject
    qc.n_epochs_total = len(epochs)
    if len(epochs):
        ptp = peak_to_peak_uv(epochs.get_data(copy=False))
        method = settings.reject
        if method == "autoreject" and len(epochs) < MIN_EPOCHS_AUTOREJECT:
            logger.warning(
                "%s: %d epochs are too few for autoreject; using ptp_mad", source, len(epochs)
            )
            method = "ptp_mad"
        qc.reject_method = method
        if method == "autoreject":
            threshold = autoreject_threshold_uv(epochs, seed)
        else:
            threshold = rejection_threshold_uv(
                ptp, method, settings.reject_mad_factor, settings.reject_ptp_uv
            )
        qc.reject_threshold_uv = round(threshold, 3) if np.isfinite(threshold) else float("nan")
        drop = np.flatnonzero(ptp > threshold)
        if drop.size:
            epochs.drop(drop, reason=method.upper(), verbose="error")
    qc.n_epochs_kept = len(epochs)
    if emg_windows is not None:  # epochs.selection: the kept epochs' window numbers
        selection = np.asarray(epochs.selection, dtype=int)
        qc.emg_slope_epochs = np.full(selection.size, np.nan)
        inside = selection < emg_windows.size
        qc.emg_slope_epochs[inside] = emg_windows[selection[inside]]
    else:
        qc.emg_slope_epochs = np.full(len(epochs), np.nan)
    if qc.n_epochs_kept < settings.min_epochs:
        raise RecordingError(
            source,
            f"only {qc.n_epochs_kept} of {qc.n_epochs_total} epochs survive rejection, fewer than "
            f"'preprocess.min_epochs' = {settings.min_epochs}; check the recording or relax "
            "'preprocess.reject'",
        )
    return epochs, qc
