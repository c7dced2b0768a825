"""Built-in montages under stable names."""

from __future__ import annotations

from typing import Any

#: MNE 1.13 renamed the template montages after their head (``standard_1005`` is the Colin27
#: template); the old names are deprecated there and removed later.
_RENAMED = {"standard_1005": "colin27_1005", "standard_1020": "colin27_1020"}


def standard_montage(name: str) -> Any:
    """Return an MNE built-in montage, accepting both old and new template names.

    Parameters
    ----------
    name : str
        A name from :func:`mne.channels.get_builtin_montages`, or the pre-1.13 names
        ``standard_1005`` / ``standard_1020``.

    Returns
    -------
    mne.channels.DigMontage
        The montage.
    """
    import mne

    available = mne.channels.get_builtin_montages()
    if name in _RENAMED and _RENAMED[name] in available:
        name = _RENAMED[name]
    if name not in available:
        raise ValueError(
            f"unknown montage {name!r}; use one of {', '.join(sorted(available))} "
            "(option 'preprocess.montage')"
        )
    return mne.channels.make_standard_montage(name)
