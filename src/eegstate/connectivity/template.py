"""Offline template head: fsaverage files shipped with MNE, a sphere conductor, a volume grid.

No download is needed: MNE's wheel ships ``mne/data/fsaverage/`` with the fsaverage head
surface, inner-skull surface, fiducials and the head<->MRI transform. The montage positions of
MNE's template montages (``standard_1005`` / ``colin27_1005``) are given in the fsaverage MRI
frame with the same fiducials, so ``fsaverage-trans.fif`` maps a recording's head frame to
fsaverage MRI (surface RAS ≈ MNI305) coordinates.

The conductor is a 4-shell sphere model fitted to the electrode positions
(:func:`mne.make_sphere_model` with ``"auto"`` centre and radius; Berg & Scherg relative radii
and conductivities). The source space is a regular grid (``spacing_mm``) of free-orientation
dipoles inside the inner skull (:func:`mne.setup_volume_source_space`); the forward model
(:func:`mne.make_forward_solution`) keeps the grid points that also lie inside the brain
shell of the sphere. The whole brain inside the conductor is modelled, so activity is not forced
onto the regions of interest.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)

#: Minimum distance (mm) of a source from the inner skull and from the sphere's brain shell.
MINDIST_MM = 5.0
#: Icosahedron grade of the inner-skull surface bounding the grid (MNE's default BEM grade).
INNER_SKULL_GRADE = 4


def template_dir() -> Path:
    """Return the folder of the fsaverage files shipped in MNE's wheel."""
    import mne

    return Path(mne.__file__).parent / "data" / "fsaverage"


def template_trans() -> Any:
    """Return the fsaverage head -> MRI transform (:class:`mne.transforms.Transform`)."""
    import mne

    return mne.read_trans(template_dir() / "fsaverage-trans.fif")


def mri_to_head(points_m: np.ndarray) -> np.ndarray:
    """Map fsaverage MRI (surface RAS) coordinates in metres to the template head frame."""
    import mne

    return mne.transforms.apply_trans(mne.transforms.invert_transform(template_trans()), points_m)


def scalp_distance_mm(info: Any) -> float:
    """Return the median distance (mm) of the electrodes from the fsaverage scalp.

    A coregistration check: template montages lie on the fsaverage scalp (a few millimetres,
    the scalp mesh being coarse); positions far from it are not in the template head frame
    (e.g. individually digitised positions), and the template model then misplaces sources.
    """
    import mne
    from scipy.spatial import cKDTree

    scalp = mne.read_bem_surfaces(template_dir() / "fsaverage-head.fif", verbose="error")[0]
    positions = np.array([ch["loc"][:3] for ch in info["chs"]])
    distances, _ = cKDTree(mri_to_head(scalp["rr"])).query(positions)
    return float(np.median(distances) * 1000.0)


def inner_skull_surface() -> dict[str, Any]:
    """Return the fsaverage inner-skull surface at ico-4 resolution, head frame, metres.

    The shipped surface is an ico-5 tessellation (10242 vertices); interior tests against it
    take over 10 s without PyVista. MNE builds BEM models at ico-4 by default, so the surface is
    downsampled the same way (``mne.bem._ico_downsample``, MNE's own routine; there is no public
    equivalent). If that fails, the full surface is used.
    """
    import mne

    path = template_dir() / "fsaverage-inner_skull-bem.fif"
    surface = mne.read_bem_surfaces(path, verbose="error")[0]
    try:
        from mne.bem import _ico_downsample

        with mne.utils.use_log_level("error"):
            surface = _ico_downsample(surface, INNER_SKULL_GRADE)
    except (ImportError, RuntimeError, ValueError) as err:  # pragma: no cover - MNE internals
        logger.warning("using the full-resolution inner skull (%s)", err)
    return {"rr": mri_to_head(surface["rr"]), "tris": surface["tris"]}


def volume_source_space(spacing_mm: float) -> Any:
    """Return a regular volume grid inside the fsaverage inner skull, in the head frame.

    The grid is built directly in head coordinates (MNE labels the frame "MRI"; the forward
    model is then computed with an identity transform). MNE 1.13 tests sources against a
    sphere conductor after mapping them to MRI coordinates while the sphere centre is in head
    coordinates; with an identity transform both frames coincide and the test is exact.

    Parameters
    ----------
    spacing_mm : float
        Grid spacing in millimetres.

    Returns
    -------
    mne.SourceSpaces
        One volume source space (free orientations).
    """
    return _volume_source_space(float(spacing_mm)).copy()


@functools.lru_cache(maxsize=2)
def _volume_source_space(spacing_mm: float) -> Any:
    import mne

    surface = inner_skull_surface()
    src = mne.setup_volume_source_space(
        pos=float(spacing_mm),
        surface={"rr": surface["rr"] * 1000.0, "tris": surface["tris"]},
        mindist=MINDIST_MM,
        verbose="error",
    )
    logger.info("volume source space: %d grid points, %g mm", src[0]["nuse"], spacing_mm)
    return src


def sphere_model(info: Any) -> Any:
    """Return the 4-shell sphere conductor fitted to the electrode positions of ``info``."""
    import mne

    return mne.make_sphere_model("auto", "auto", info, verbose="error")


def volume_forward(info: Any, spacing_mm: float, sphere: Any | None = None) -> Any:
    """Return the forward model of the template head for the channels of ``info``.

    Parameters
    ----------
    info : mne.Info
        EEG channels with positions (head frame of a template montage).
    spacing_mm : float
        Grid spacing of the volume source space (mm).
    sphere : mne.bem.ConductorModel | None
        Sphere conductor; None fits one to the electrodes (:func:`sphere_model`).

    Returns
    -------
    mne.Forward
        Free-orientation forward solution; grid points outside the sphere's brain shell (minus
        ``MINDIST_MM``) are left out by MNE.
    """
    import mne

    src = volume_source_space(float(spacing_mm))
    if sphere is None:
        sphere = sphere_model(info)
    fwd = mne.make_forward_solution(
        info,
        trans=None,  # the grid is already in the head frame (see volume_source_space)
        src=src,
        bem=sphere,
        eeg=True,
        meg=False,
        mindist=MINDIST_MM,
        verbose="error",
    )
    logger.info(
        "forward model: %d channels x %d of %d grid points inside the sphere (r0 %s mm)",
        len(info["ch_names"]),
        fwd["nsource"],
        src[0]["nuse"],
        [round(1000 * float(v), 1) for v in sphere["r0"]],
    )
    return fwd
