"""ICA artefact removal with automatic component labels (mne-icalabel's ICLabel).

ICA is fitted with Picard in its extended-infomax-equivalent mode (``ortho=False,
extended=True``), which is what ICLabel was trained on (Pion-Tonachini et al. 2019,
NeuroImage 198:181). Components whose most probable label is one of the configured artefact
classes (default: eye blink, muscle artifact) with at least the configured probability are
removed.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger(__name__)


@dataclass
class ICAResult:
    """What ICA did to a recording."""

    n_components: int = 0
    labels: list[str] = field(default_factory=list)
    probabilities: list[float] = field(default_factory=list)
    excluded: list[int] = field(default_factory=list)

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


def remove_artefact_components(
    raw: Any,
    *,
    n_components: int | None,
    exclude_labels: Sequence[str],
    min_probability: float,
    seed: int,
    method: str = "picard",
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
    if excluded:
        ica.apply(raw, exclude=excluded, verbose="error")
    return ICAResult(
        n_components=wanted, labels=labels, probabilities=probabilities, excluded=excluded
    )
