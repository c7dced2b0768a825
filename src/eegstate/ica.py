"""ICA artefact removal with automatic component labels (mne-icalabel's ICLabel).

ICA is fitted with Picard in its extended-infomax-equivalent mode (``ortho=False,
extended=True``), which is what ICLabel was trained on (Pion-Tonachini et al. 2019,
NeuroImage 198:181). Components whose most probable label is one of the configured artefact
classes (default: eye blink, muscle artifact) with at least the configured probability are
removed.

When the recording has EOG channels, components are also correlated with them (MNE's
:meth:`mne.preprocessing.ICA.find_bads_eog`, z-scored correlation above 3): ICLabel's eye-blink
components that correlate are *confirmed*, and correlated components ICLabel did not remove are
removed too when eye blinks are among the removed classes. Without EOG channels nothing changes.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)


@dataclass
class ICAResult:
    """What ICA did to a recording."""

    n_components: int = 0
    labels: list[str] = field(default_factory=list)
    probabilities: list[float] = field(default_factory=list)
    excluded: list[int] = field(default_factory=list)
    eog_channels: list[str] = field(default_factory=list)
    eog_components: list[int] = field(default_factory=list)

    def eog_summary(self) -> str:
        """Blink components checked against the EOG channels (``""`` without EOG channels).

        For example ``EOG VEOG: blink 0 confirmed; 4 correlated, removed too``: ICLabel's
        eye-blink components that correlate with an EOG channel (confirmed) or not (not
        confirmed), and the correlated components that ICLabel did not label as blinks.
        """
        if not self.eog_channels:
            return ""
        blinks = [index for index, label in enumerate(self.labels) if label == "eye blink"]
        correlated = set(self.eog_components)
        confirmed = [index for index in blinks if index in correlated]
        unconfirmed = [index for index in blinks if index not in correlated]
        others = [index for index in self.eog_components if index not in blinks]

        def listed(indices: list[int]) -> str:
            return ",".join(map(str, indices))

        parts = [f"blink {listed(confirmed)} confirmed"] if confirmed else []
        if unconfirmed:
            parts.append(f"blink {listed(unconfirmed)} not confirmed")
        if not blinks:
            parts.append("no blink component")
        if others:
            removed = all(index in self.excluded for index in others)
            parts.append(f"{listed(others)} correlated" + (", removed too" if removed else ""))
        return f"EOG {','.join(self.eog_channels)}: " + "; ".join(parts)

    def excluded_summary(self) -> str:
        """Removed components as ``index:label(probability)``, comma-separated."""
        return ",".join(
            f"{index}:{self.labels[index]}({self.probabilities[index]:.2f})"
            for index in self.excluded
        )

    def label_counts(self) -> str:
        """How many components got each label, e.g. ``brain=12;eye blink=2``."""
        counts: dict[str, int] = {}
        for label in self.labels:
            counts[label] = counts.get(label, 0) + 1
        return ";".join(f"{label}={count}" for label, count in sorted(counts.items()))


def fit_decimation(raw: Any) -> int:
    """Decimation for fitting ICA: keep about 2.5 samples per cycle of the low-pass edge.

    ICA needs many samples, not a high rate; decimating the (already low-passed) data makes
    the fit several times faster without changing the unmixing (MNE's ``ICA.fit(decim=...)``).
    """
    low_pass = raw.info["lowpass"] or raw.info["sfreq"] / 2
    return max(1, int(raw.info["sfreq"] // (2.5 * low_pass)))


#: An EOG channel whose peak-to-peak amplitude is below this (volts) is flat and not used.
FLAT_EOG_PTP_V = 1e-9


def eog_components(ica: Any, raw: Any, eog: Any) -> tuple[list[str], list[int]]:
    """Components correlating with the EOG channels (MNE's ``find_bads_eog``, default z > 3).

    Parameters
    ----------
    ica : mne.preprocessing.ICA
        Fitted ICA.
    raw : mne.io.BaseRaw
        The EEG the ICA was fitted on.
    eog : mne.io.BaseRaw
        The recording's EOG channels, as read (resampled here to the EEG's rate if needed;
        ``find_bads_eog`` band-passes both to 1-10 Hz).

    Returns
    -------
    channels : list of str
        EOG channels used (flat ones are left out).
    components : list of int
        Correlated component indices.
    """
    eog = eog.copy()
    if eog.info["sfreq"] != raw.info["sfreq"]:
        eog.resample(raw.info["sfreq"], verbose="error")
    eog.pick(
        [
            name
            for name, ptp in zip(eog.ch_names, np.ptp(eog.get_data(), axis=1), strict=True)
            if ptp > FLAT_EOG_PTP_V
        ]
    )
    if not eog.ch_names or eog.n_times != raw.n_times:
        return [], []
    combined = raw.copy().add_channels([eog], force_update_info=True)
    indices, _ = ica.find_bads_eog(combined, ch_name=list(eog.ch_names), verbose="error")
    return list(eog.ch_names), sorted(int(index) for index in indices)


def remove_artefact_components(
    raw: Any,
    *,
    n_components: int | None,
    exclude_labels: Sequence[str],
    min_probability: float,
    seed: int,
    method: str = "picard",
    eog: Any = None,
) -> ICAResult:
    """Fit ICA, label components with ICLabel and remove artefact components in place.

    Parameters
    ----------
    raw : mne.io.BaseRaw
        Filtered (≥ 1 Hz high-pass), average-referenced EEG with channel positions; modified
        in place.
    n_components : int or None
        Number of components; capped at the data rank (None: the rank, at most 20).
    exclude_labels : sequence of str
        ICLabel classes to remove (``eye blink``, ``muscle artifact``, ``heart beat``,
        ``line noise``, ``channel noise``, ``other``).
    min_probability : float
        Minimum ICLabel probability of the winning class for removal.
    seed : int
        Random seed of the ICA.
    method : {"picard", "picard_o"}
        ``picard``: Picard without orthogonality constraint, equivalent to extended infomax
        (ICLabel's training setting). ``picard_o``: with the constraint (extended FastICA-like),
        about twice as fast; labels were the same on the simulated cohort.
    eog : mne.io.BaseRaw, optional
        The recording's EOG channels (same time span as ``raw``): blink components are checked
        against them (:func:`eog_components`).

    Returns
    -------
    ICAResult
        Components, labels and the removed ones.
    """
    import mne
    from mne_icalabel import label_components

    rank = mne.compute_rank(raw, rank="info", verbose="error")["eeg"]
    wanted = min(n_components or 20, rank)
    if wanted < 2:
        logger.warning("ICA skipped: data rank %d is too low", rank)
        return ICAResult()
    ica = mne.preprocessing.ICA(
        n_components=wanted,
        method="picard",
        fit_params={"ortho": method == "picard_o", "extended": True},
        random_state=seed,
        max_iter="auto",
        verbose="error",
    )
    with warnings.catch_warnings():
        # ICLabel warns when data are not filtered 1-100 Hz; eegstate's band-pass is narrower
        # by design (it is documented in the QC notes of the report instead).
        warnings.simplefilter("ignore")
        ica.fit(raw, decim=fit_decimation(raw), verbose="error")
        labelled = label_components(raw, ica, method="iclabel")
    labels = list(labelled["labels"])
    probabilities = [float(p) for p in labelled["y_pred_proba"]]
    excluded = [
        index
        for index, (label, probability) in enumerate(zip(labels, probabilities, strict=True))
        if label in exclude_labels and probability >= min_probability
    ]
    eog_channels, correlated = ([], []) if eog is None else eog_components(ica, raw, eog)
    if "eye blink" in exclude_labels:
        excluded = sorted(set(excluded) | set(correlated))
    if excluded:
        ica.apply(raw, exclude=excluded, verbose="error")
    return ICAResult(
        n_components=wanted,
        labels=labels,
        probabilities=probabilities,
        excluded=excluded,
        eog_channels=eog_channels,
        eog_components=correlated,
    )
