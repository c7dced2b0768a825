"""Inverse operator restricted to the regions of interest, cached per channel set.

The forward model, the inverse operator and therefore the rows of the inverse kernel that map
the channels onto the sources of each region of interest depend only on the channel names and
positions and on the model options, never on the data. :func:`roi_operator` computes them once
per process (memory cache) and, when given a cache folder, once per folder (one small ``.npz``
per channel set and option set, written atomically so parallel jobs can share it). The job
that finds no cached operator builds it under an exclusive lock on
``roi-operator-<key>.npz.lock`` (:func:`fcntl.flock`, which also works across the nodes of a
cluster on file systems that support it, such as NFSv4 and Lustre); a job that needs the same
operator meanwhile waits for it and reads it, so parallel jobs never build it twice.

Inverse
-------
``eLORETA`` (default; exact low-resolution electromagnetic tomography, Pascual-Marqui 2007,
arXiv:0710.3341) or ``MNE``/``dSPM``/``sLORETA`` from :mod:`mne.minimum_norm`, with free
orientations in the volume model (``loose=1``) and MNE's default ``loose=0.2`` in the surface
model (whose normal component is used). Regularisation is ``lambda2 = 1 / snr**2`` in whitened
units (default ``snr`` 3, MNE's usual choice). The noise covariance is an ad-hoc diagonal
(:func:`mne.make_ad_hoc_cov`): resting recordings have no noise-only segment, and a single
covariance keeps the operator identical for every recording of a channel set. The LCMV
beamformer is deliberately not offered as default: it suppresses correlated sources and damps
the posterior midline hub of the DMN (Sjøgård et al. 2019, NeuroImage).

Kernel
------
The kernel (sources x channels, average-reference projection included) is obtained with public
MNE calls by applying the inverse to an identity "evoked" whose columns are unit channel
vectors: ``apply_inverse(EvokedArray(eye(n_channels)))``. Only the rows of the ROI sources are
kept, so applying the inverse to a recording costs an ``(n_roi_rows x n_channels)`` matrix
product instead of a whole-brain source estimate per epoch (MNE's label-restricted
``apply_inverse_epochs`` only exists for surface labels).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from eegstate.connectivity import fsaverage
from eegstate.connectivity.nodes import NODES
from eegstate.connectivity.template import (
    mri_to_head,
    scalp_distance_mm,
    sphere_model,
    volume_forward,
)
from eegstate.io import atomic_path
from eegstate.settings import ConnectivitySettings

logger = logging.getLogger(__name__)

#: Bump when the cached content or its computation changes (invalidates disk caches).
CACHE_VERSION = 1
#: Median electrode distance from the template scalp (mm) above which a warning is logged.
MAX_SCALP_DISTANCE_MM = 15.0
#: Options of ``connectivity`` the operator depends on.
MODEL_KEYS: tuple[str, ...] = ("method", "inverse", "snr", "spacing_mm", "roi_radius_mm")


@dataclass(frozen=True)
class RoiOperator:
    """Rows of the inverse kernel for the sources of each region of interest.

    Attributes
    ----------
    ch_names : tuple of str
        Channels, in the column order of the kernels.
    nodes : tuple of str
        Region names, in the order of ``kernels``.
    kernels : tuple of ndarray
        Per region, shape (n_rows, n_channels): source amplitude (A·m) per volt. Rows are the
        x/y/z components of each grid point (volume) or the normal component of each vertex
        (surface).
    flips : tuple of ndarray
        Per region, shape (n_rows,): the reference direction of the sign flip (outward radial
        component of each row in the volume model, :func:`mne.label_sign_flip` on the surface).
    description : dict
        JSON-serialisable summary (model, inverse, source and ROI sizes).
    """

    ch_names: tuple[str, ...]
    nodes: tuple[str, ...]
    kernels: tuple[np.ndarray, ...] = field(repr=False)
    flips: tuple[np.ndarray, ...] = field(repr=False)
    description: dict[str, Any] = field(default_factory=dict)


#: Operators computed or read in this process, by :func:`model_key`.
_MEMORY: dict[str, RoiOperator] = {}


def model_key(info: Any, params: ConnectivitySettings) -> str:
    """Return a hash identifying the operator of ``info``'s channels under ``params``."""
    import mne

    positions = [np.round(ch["loc"][:3] * 1e4).astype(int).tolist() for ch in info["chs"]]
    payload = {
        "version": CACHE_VERSION,
        "mne": mne.__version__.split(".")[:2],
        "channels": list(info["ch_names"]),
        "positions_0.1mm": positions,
        "nodes": [(n.name, n.mni_mm, n.aparc) for n in NODES],
        **{key: getattr(params, key) for key in MODEL_KEYS},
    }
    if params.method == "fsaverage_surface":
        payload["subjects_dir"] = str(fsaverage.default_subjects_dir(params.subjects_dir).resolve())
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:20]


def roi_operator(
    info: Any, params: ConnectivitySettings, cache_dir: str | Path | None = None
) -> RoiOperator:
    """Return the ROI inverse operator for the EEG channels of ``info``.

    Parameters
    ----------
    info : mne.Info
        EEG channels with positions (only channels and positions are used).
    params : eegstate.settings.ConnectivitySettings
        The ``connectivity`` options (``method``, ``inverse``, ``snr``, ``spacing_mm``,
        ``roi_radius_mm``, ``subjects_dir``).
    cache_dir : path-like | None
        Folder for the disk cache; None keeps the operator in memory only.

    Returns
    -------
    RoiOperator
        The operator (shared, read-only arrays).
    """
    key = model_key(info, params)
    path = None if cache_dir is None else Path(cache_dir) / f"roi-operator-{key}.npz"
    if key in _MEMORY:
        operator = _MEMORY[key]
        if path is not None and not path.is_file():
            # Built earlier in this process for another cache folder (or none):
            # the caller asked for a disk copy here, so write one.
            _save(operator, path)
            logger.info("ROI inverse operator cached in %s", path)
        return operator
    if path is None:
        operator = build_roi_operator(info, params)
    else:
        operator = _read_cache(path)
        if operator is None:
            start = time.perf_counter()
            with file_lock(path.with_name(path.name + ".lock")):
                waited = time.perf_counter() - start
                # Another job may have built it while this one waited for the lock.
                operator = _read_cache(path)
                if operator is None:
                    operator = build_roi_operator(info, params)
                    _save(operator, path)
                    logger.info("ROI inverse operator cached in %s", path)
                elif waited > 0.1:
                    logger.info("waited %.1f s for another job to build it", waited)
    _MEMORY[key] = operator
    return operator


def _read_cache(path: Path) -> RoiOperator | None:
    """The operator cached in ``path``, or None when absent or unreadable."""
    if not path.is_file():
        return None
    try:
        operator = _load(path)
    except (OSError, ValueError, KeyError) as err:
        logger.warning("ignoring unreadable cache %s: %s", path, err)
        return None
    logger.info("ROI inverse operator read from cache %s", path)
    return operator


@contextmanager
def file_lock(path: str | Path) -> Iterator[None]:
    """Hold an exclusive advisory lock on ``path`` (created if needed) while in the block.

    Uses :func:`fcntl.flock`; where :mod:`fcntl` does not exist (Windows) the block runs
    unlocked, and parallel jobs may then both build the operator (the atomic write keeps the
    cache valid either way). The lock file is left in place: deleting it could let a third job
    lock a new file while a second still holds the old one.

    Parameters
    ----------
    path : path
        The lock file.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _readonly(array: np.ndarray) -> np.ndarray:
    array = np.ascontiguousarray(array, dtype=float)
    array.flags.writeable = False
    return array


def _save(operator: RoiOperator, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays = {f"kernel_{i}": k for i, k in enumerate(operator.kernels)}
    arrays.update({f"flip_{i}": f for i, f in enumerate(operator.flips)})
    meta = {
        "ch_names": list(operator.ch_names),
        "nodes": list(operator.nodes),
        "description": operator.description,
    }
    # atomic: concurrent jobs never read a partial file
    with atomic_path(path, suffix=".npz") as tmp:
        np.savez(tmp, meta=np.array(json.dumps(meta)), **arrays)


def _load(path: Path) -> RoiOperator:
    with np.load(path, allow_pickle=False) as data:
        meta = json.loads(str(data["meta"]))
        n = len(meta["nodes"])
        kernels = tuple(_readonly(data[f"kernel_{i}"]) for i in range(n))
        flips = tuple(_readonly(data[f"flip_{i}"]) for i in range(n))
    return RoiOperator(
        ch_names=tuple(meta["ch_names"]),
        nodes=tuple(meta["nodes"]),
        kernels=kernels,
        flips=flips,
        description=meta["description"],
    )


def _identity_evoked(info: Any) -> Any:
    """An evoked whose columns are unit channel vectors, with an average-reference projector."""
    import mne

    evoked = mne.EvokedArray(np.eye(len(info["ch_names"])), info, verbose="error")
    evoked.set_eeg_reference("average", projection=True, verbose="error")
    return evoked


def build_roi_operator(info: Any, params: ConnectivitySettings) -> RoiOperator:
    """Compute the forward model, inverse operator and ROI kernel rows (no caching).

    Parameters
    ----------
    info : mne.Info
        EEG channels with positions.
    params : eegstate.settings.ConnectivitySettings
        The ``connectivity`` options.

    Returns
    -------
    RoiOperator
        The operator.

    Raises
    ------
    ValueError
        If a region of interest contains no source.
    """
    import mne

    evoked = _identity_evoked(info)
    surface = params.method == "fsaverage_surface"
    if surface:
        fwd = fsaverage.surface_forward(evoked.info, params.subjects_dir)
        loose, pick_ori = 0.2, "normal"
    else:
        sphere = sphere_model(evoked.info)
        fwd = volume_forward(evoked.info, params.spacing_mm, sphere)
        loose, pick_ori = 1.0, "vector"
    noise_cov = mne.make_ad_hoc_cov(evoked.info, verbose="error")
    inverse = mne.minimum_norm.make_inverse_operator(
        evoked.info, fwd, noise_cov, loose=loose, depth=0.8, verbose="error"
    )
    lambda2 = 1.0 / float(params.snr) ** 2
    stc = mne.minimum_norm.apply_inverse(
        evoked, inverse, lambda2, params.inverse, pick_ori=pick_ori, verbose="error"
    )
    if surface:
        kernels, flips, sizes = _surface_rows(stc, inverse, params)
    else:
        kernels, flips, sizes = _volume_rows(stc, fwd, np.asarray(sphere["r0"]), params)
    empty = [name for name, size in sizes.items() if size == 0]
    if empty:
        raise ValueError(
            f"regions of interest {empty} contain no source of the {params.method} model; "
            "increase connectivity.roi_radius_mm"
        )
    scalp_mm = scalp_distance_mm(info)
    if scalp_mm > MAX_SCALP_DISTANCE_MM:
        logger.warning(
            "electrodes lie %.0f mm (median) from the fsaverage scalp: their positions are "
            "probably not in the template head frame, so template source estimates are displaced",
            scalp_mm,
        )
    description = {
        "method": params.method,
        "electrode_scalp_distance_mm": round(scalp_mm, 1),
        "inverse": params.inverse,
        "lambda2": lambda2,
        "n_channels": len(info["ch_names"]),
        "n_sources": int(fwd["nsource"]),
        "roi_n_sources": sizes,
    }
    logger.info(
        "ROI operator: %s, %s (lambda2 %.3g), %d sources, ROI sizes %s",
        params.method,
        params.inverse,
        lambda2,
        fwd["nsource"],
        sizes,
    )
    return RoiOperator(
        ch_names=tuple(info["ch_names"]),
        nodes=tuple(node.name for node in NODES),
        kernels=tuple(_readonly(k) for k in kernels),
        flips=tuple(_readonly(f) for f in flips),
        description=description,
    )


def _volume_rows(stc: Any, fwd: Any, centre: np.ndarray, params: ConnectivitySettings):
    """Kernel rows (x, y, z per grid point) of the grid points within the ROI radius.

    ``centre`` is the sphere centre (head frame); the flip reference of a grid point is its
    outward radial direction, the volume analogue of a cortical normal.
    """
    src = fwd["src"][0]
    rr = src["rr"][src["vertno"]]  # head frame (see template.volume_source_space)
    outward = rr - centre
    outward /= np.linalg.norm(outward, axis=1, keepdims=True)
    radius = float(params.roi_radius_mm) / 1000.0
    # stc.data: (n_sources, 3, n_channels), components along the x/y/z axes of the head frame.
    kernels, flips, sizes = [], [], {}
    for node in NODES:
        centre_head = mri_to_head(np.asarray(node.mni_mm) / 1000.0)
        inside = np.flatnonzero(np.linalg.norm(rr - centre_head, axis=1) <= radius)
        sizes[node.name] = int(inside.size)
        kernels.append(stc.data[inside].reshape(-1, stc.data.shape[-1]))
        flips.append(outward[inside].reshape(-1))
    return kernels, flips, sizes


def _surface_rows(stc: Any, inverse: Any, params: ConnectivitySettings):
    """Kernel rows (normal component) of the vertices of each node's ``aparc`` labels."""
    import mne

    labels = fsaverage.node_labels(params.subjects_dir)
    kernels, flips, sizes = [], [], {}
    for node in NODES:
        label = labels[node.name]
        try:
            rows = stc.in_label(label).data
        except ValueError:  # no vertex of the label in the source space
            rows = np.zeros((0, stc.data.shape[-1]))
            flip = np.zeros(0)
        else:
            flip = mne.label_sign_flip(label, inverse["src"])
        sizes[node.name] = int(rows.shape[0])
        kernels.append(rows)
        flips.append(np.asarray(flip, float).reshape(-1))
    return kernels, flips, sizes
