"""Subject-wise feature normalisation, applied per subject before the sklearn pipeline.

Raw EEG features differ more between people (skull, montage fit, alpha frequency, aperiodic
offset) than between states of one person, so removing each subject's own level usually
matters more than the choice of classifier. Each method states the assumption it makes about
the data available for a new subject:

``none``
    Features are used as measured. Assumes between-subject differences are small next to the
    state effect; nothing about the new subject is needed beyond the epoch itself.
``subject``
    Each feature is z-scored within the subject, over all of that subject's epochs, without
    their labels. Assumes the new subject's recordings together span its states (e.g. both a
    pre and a post recording); otherwise the subject mean is not a neutral reference.
``baseline``
    Each feature is expressed relative to the mean of the subject's own baseline recording
    (a difference: dB change for ``*_db`` features). Assumes the baseline recording of every
    subject is known at prediction time, as in pre/post drug designs; it uses *which recording
    is the baseline*, which is part of the label, so it is only valid in such designs.

None of these learns anything across subjects: the statistics of a subject come from that
subject's own epochs only, so applying them to all subjects before the cross-validation
cannot leak information from the held-out subject into training (or back). That is why they
run outside the sklearn ``Pipeline``, whose steps (scaling, selection, PCA) are fit on the
training subjects of each fold.
"""

from __future__ import annotations

import numpy as np

#: Normalisation methods and the assumption each makes (documented in the module docstring).
NORMALIZATIONS: dict[str, str] = {
    "none": "features as measured; assumes between-subject differences are negligible",
    "subject": "z-score within subject over its unlabelled epochs; assumes the new subject's "
    "recordings span its states",
    "baseline": "difference from the subject's baseline-recording mean; assumes the baseline "
    "recording is known at prediction time (pre/post designs)",
}


def _group_means(
    values: np.ndarray, inverse: np.ndarray, n_groups: int, rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per-group mean (and count) of the selected ``rows`` of ``values``."""
    sums = np.zeros((n_groups, values.shape[1]))
    np.add.at(sums, inverse[rows], values[rows])
    counts = np.bincount(inverse[rows], minlength=n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        return sums / counts[:, np.newaxis], counts


def normalize_per_subject(
    features: np.ndarray,
    groups: np.ndarray,
    method: str,
    *,
    reference: np.ndarray | None = None,
) -> np.ndarray:
    """Normalise features within each subject (see the module docstring for the methods).

    Parameters
    ----------
    features : numpy.ndarray, shape (n_epochs, n_features)
        Feature matrix (not modified).
    groups : numpy.ndarray, shape (n_epochs,)
        Subject of each epoch.
    method : {"none", "subject", "baseline"}
        Normalisation.
    reference : numpy.ndarray of bool, shape (n_epochs,), optional
        For ``baseline``: True for epochs of the subject's baseline recording(s).

    Returns
    -------
    numpy.ndarray
        Normalised copy (float). Features constant within a subject become 0 under
        ``subject``.

    Raises
    ------
    ValueError
        For an unknown method, or a subject without baseline epochs under ``baseline``.
    """
    if method not in NORMALIZATIONS:
        raise ValueError(
            f"unknown normalisation {method!r}; use one of {', '.join(NORMALIZATIONS)}"
        )
    values = np.asarray(features, dtype=float)
    if method == "none":
        return values.copy()
    subjects, inverse = np.unique(np.asarray(groups), return_inverse=True)
    everything = np.ones(len(values), dtype=bool)
    if method == "subject":
        mean, _ = _group_means(values, inverse, len(subjects), everything)
        centred = values - mean[inverse]
        variance, _ = _group_means(centred**2, inverse, len(subjects), everything)
        scale = np.sqrt(variance)
        scale[scale == 0] = 1.0
        return centred / scale[inverse]
    if reference is None:
        raise ValueError("normalisation 'baseline' needs the baseline epochs (reference)")
    mean, counts = _group_means(values, inverse, len(subjects), np.asarray(reference, bool))
    lacking = subjects[counts == 0]
    if len(lacking):
        raise ValueError(
            f"normalisation 'baseline' needs a baseline recording of every subject; none for "
            f"subjects {[str(s) for s in lacking]}"
        )
    return values - mean[inverse]
