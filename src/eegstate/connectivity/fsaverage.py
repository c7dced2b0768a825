"""Full fsaverage subject: cortical surface source space, 3-layer BEM, Desikan-Killiany labels.

Used when ``connectivity.method`` is ``fsaverage_surface``. The subject is downloaded once with
:func:`fetch` (``eegstate fetch fsaverage``, wrapping :func:`mne.datasets.fetch_fsaverage`);
the workflow never downloads. Sources are the ico-5 cortical surface shipped with the subject
(``bem/fsaverage-ico-5-src.fif``), the conductor its 3-layer BEM
(``bem/fsaverage-5120-5120-5120-bem-sol.fif``), and the regions of interest the ``aparc``
labels listed for each node in :data:`eegstate.connectivity.nodes.NODES`.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

#: Files of the fsaverage subject this model needs (relative to ``subjects_dir/fsaverage``).
REQUIRED_FILES: tuple[str, ...] = (
    "bem/fsaverage-ico-5-src.fif",
    "bem/fsaverage-5120-5120-5120-bem-sol.fif",
    "bem/fsaverage-trans.fif",
    "label/lh.aparc.annot",
    "label/rh.aparc.annot",
)
#: Parcellation of the regions of interest.
PARCELLATION = "aparc"


def default_subjects_dir(subjects_dir: str | Path | None = None) -> Path:
    """Return the FreeSurfer subjects folder holding ``fsaverage``.

    Parameters
    ----------
    subjects_dir : path-like | None
        Explicit folder; None uses MNE's ``SUBJECTS_DIR`` setting, else
        ``<MNE_DATA or ~/mne_data>/MNE-fsaverage-data`` (where
        :func:`mne.datasets.fetch_fsaverage` puts it).

    Returns
    -------
    pathlib.Path
        The folder (it may not exist).
    """
    import mne

    if subjects_dir is not None:
        return Path(subjects_dir).expanduser()
    configured = mne.get_config("SUBJECTS_DIR")
    if configured:
        return Path(configured).expanduser()
    data = mne.get_config("MNE_DATA") or Path("~/mne_data")
    return Path(data).expanduser() / "MNE-fsaverage-data"


def missing_files(subjects_dir: str | Path | None = None) -> list[str]:
    """Return the files of :data:`REQUIRED_FILES` absent from ``subjects_dir/fsaverage``."""
    root = default_subjects_dir(subjects_dir) / "fsaverage"
    return [name for name in REQUIRED_FILES if not (root / name).is_file()]


def fetch(subjects_dir: str | Path | None = None) -> Path:
    """Download the fsaverage subject if needed (network access) and return its folder.

    Parameters
    ----------
    subjects_dir : path-like | None
        Where to put it (see :func:`default_subjects_dir`).

    Returns
    -------
    pathlib.Path
        ``subjects_dir/fsaverage``.
    """
    import mne

    target = default_subjects_dir(subjects_dir)
    target.mkdir(parents=True, exist_ok=True)
    return Path(mne.datasets.fetch_fsaverage(subjects_dir=target, verbose="error"))


def check_available(subjects_dir: str | Path | None = None) -> Path:
    """Return the subjects folder, or raise naming the missing files and how to get them."""
    missing = missing_files(subjects_dir)
    root = default_subjects_dir(subjects_dir)
    if missing:
        raise FileNotFoundError(
            f"connectivity.method 'fsaverage_surface' needs the fsaverage subject in {root} "
            f"(missing: {', '.join(missing)}); run `eegstate fetch fsaverage"
            f"{'' if subjects_dir is None else f' --subjects-dir {root}'}` once (or set "
            "connectivity.method to 'sphere_volume', the offline model)"
        )
    return root


def surface_forward(info: Any, subjects_dir: str | Path | None = None) -> Any:
    """Return the fsaverage BEM forward model for the channels of ``info``.

    Parameters
    ----------
    info : mne.Info
        EEG channels with positions (template montage head frame).
    subjects_dir : path-like | None
        FreeSurfer subjects folder (see :func:`default_subjects_dir`).

    Returns
    -------
    mne.Forward
        Forward solution on the ico-5 cortical surface (orientations relative to the surface).
    """
    import mne

    root = check_available(subjects_dir) / "fsaverage" / "bem"
    fwd = mne.make_forward_solution(
        info,
        trans=root / "fsaverage-trans.fif",
        src=root / "fsaverage-ico-5-src.fif",
        bem=root / "fsaverage-5120-5120-5120-bem-sol.fif",
        eeg=True,
        meg=False,
        mindist=5.0,
        verbose="error",
    )
    logger.info("fsaverage surface forward: %d sources", fwd["nsource"])
    return fwd


def node_labels(subjects_dir: str | Path | None = None) -> dict[str, Any]:
    """Return, per node, its ``aparc`` label (both hemispheres combined for midline nodes)."""
    import mne

    from eegstate.connectivity.nodes import NODES

    root = check_available(subjects_dir)
    labels = {
        label.name: label
        for label in mne.read_labels_from_annot(
            "fsaverage", PARCELLATION, subjects_dir=root, verbose="error"
        )
    }
    missing = sorted({name for node in NODES for name in node.aparc} - set(labels))
    if missing:
        raise ValueError(f"the {PARCELLATION} parcellation in {root} lacks labels {missing}")
    out = {}
    for node in NODES:
        parts = [labels[name] for name in node.aparc]
        combined = parts[0]
        for part in parts[1:]:
            combined = combined + part
        out[node.name] = combined
    return out
