"""Head model of the simulated cohort: channel info, source positions and the EEG forward model.

All subjects share one template head: the ``standard_1005`` electrode positions (MNE ships the
same positions as ``colin27_1005``), a three-shell sphere model fitted to them
(``mne.make_sphere_model("auto", "auto", info)``) and fixed-orientation dipoles projected with
``mne.make_forward_solution``. The forward model is computed once per channel set and cached.

Coordinates
-----------
Named sources are placed at approximate MNI (colin27) coordinates in millimetres, chosen from
the usual anatomical landmarks, and mapped to the MNE head frame (metres; x to the right
pre-auricular point, y to the nasion, z up) with the fiducials of the montage, whose positions
are in the same colin27 space. Every dipole points radially away from the sphere centre (an
equivalent dipole of a cortical patch). The aperiodic background is ``N_BACKGROUND`` dipoles
drawn uniformly in the inner sphere (above the skull base) with random orientations from a
fixed template seed, so the head does not depend on the cohort seed.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import mne

logger = logging.getLogger(__name__)

#: Number of dipoles of the aperiodic background.
N_BACKGROUND = 200
#: Seed of the template head (background dipole positions and orientations).
TEMPLATE_SEED = 20_180_701
#: Minimum distance of named sources from the inner sphere surface (m).
MIN_DEPTH_M = 0.008
#: Minimum distance of background dipoles from the inner sphere surface (m).
BACKGROUND_DEPTH_M = 0.012


def _network_sources() -> dict[str, tuple[str, str, tuple[float, float, float]]]:
    """DMN and control-network sources at the analysis' region centres.

    The simulator plants the network couplings on the very nodes the connectivity analysis
    uses (:data:`eegstate.connectivity.nodes.NODES`): a shared convention, like the band
    edges, so that every analysed DMN pair carries the planted effect.
    """
    from eegstate.connectivity.nodes import CONTROL_NETWORKS, DMN, NODES

    return {
        node.name: ("dmn" if node.network == DMN else "control", node.anatomy, node.mni_mm)
        for node in NODES
        if node.network == DMN or node.network in CONTROL_NETWORKS
    }


#: Named sources: name -> (component, anatomical label, approximate MNI coordinates in mm).
NAMED_SOURCES: dict[str, tuple[str, str, tuple[float, float, float]]] = {
    "alpha_occ_L": ("alpha_occipital", "left calcarine sulcus / cuneus", (-10.0, -90.0, 8.0)),
    "alpha_occ_R": ("alpha_occipital", "right calcarine sulcus / cuneus", (12.0, -90.0, 8.0)),
    "alpha_par_L": ("alpha_parietal", "left superior parietal lobule", (-24.0, -62.0, 56.0)),
    "alpha_par_R": ("alpha_parietal", "right superior parietal lobule", (26.0, -62.0, 56.0)),
    "theta_ACC": ("theta_frontal", "dorsal anterior cingulate / medial PFC", (0.0, 30.0, 30.0)),
    "delta_F_L": ("delta", "left middle frontal gyrus", (-30.0, 30.0, 38.0)),
    "delta_F_R": ("delta", "right middle frontal gyrus", (30.0, 30.0, 38.0)),
    "delta_C": ("delta", "supplementary motor area / paracentral", (0.0, -15.0, 60.0)),
    "gamma_T_L": ("gamma", "left superior/middle temporal gyrus", (-52.0, -20.0, -2.0)),
    "gamma_T_R": ("gamma", "right superior/middle temporal gyrus", (52.0, -20.0, -2.0)),
    "gamma_F": ("gamma", "medial superior frontal gyrus", (0.0, 48.0, 28.0)),
    **_network_sources(),
}


@dataclass(frozen=True)
class HeadModel:
    """Forward model shared by every simulated subject.

    Attributes
    ----------
    channels : tuple of str
        Channel names, in data order.
    gain : ndarray, shape (n_channels, n_sources)
        Reference-free fixed-orientation gain (V per A·m), named sources first.
    gain_avg : ndarray, shape (n_channels, n_sources)
        ``gain`` after average reference (column mean removed).
    source_names : tuple of str
        Source names; background dipoles are ``bg000``, ``bg001``, ...
    components : tuple of str
        Component of each source (``aperiodic`` for background dipoles).
    rr, nn : ndarray, shape (n_sources, 3)
        Positions (m) and unit orientations in the head frame.
    mni_mm : dict
        Approximate MNI coordinates (mm) of the named sources.
    sphere_r0 : ndarray, shape (3,)
        Sphere centre (head frame, m).
    sphere_radii : tuple of float
        Radii of the sphere shells (m), innermost first.
    ch_pos : ndarray, shape (n_channels, 3)
        Electrode positions (head frame, m).
    montage_positions : dict
        Head-frame positions (m) of every montage electrode (used e.g. to normalise blinks).
    """

    channels: tuple[str, ...]
    gain: np.ndarray
    gain_avg: np.ndarray
    source_names: tuple[str, ...]
    components: tuple[str, ...]
    rr: np.ndarray
    nn: np.ndarray
    mni_mm: dict[str, tuple[float, float, float]]
    sphere_r0: np.ndarray
    sphere_radii: tuple[float, ...]
    ch_pos: np.ndarray
    montage_positions: dict[str, np.ndarray] = field(repr=False)

    def columns(self, component: str) -> np.ndarray:
        """Return the indices of the sources of ``component``."""
        return np.flatnonzero(np.asarray(self.components) == component)

    def describe(self) -> dict[str, Any]:
        """Return a JSON-serialisable description of the head and named sources."""
        named = []
        for i, name in enumerate(self.source_names):
            if name not in NAMED_SOURCES:
                continue
            component, label, mni = NAMED_SOURCES[name]
            named.append(
                {
                    "name": name,
                    "component": component,
                    "anatomy": label,
                    "mni_mm": list(mni),
                    "pos_head_m": [round(float(v), 5) for v in self.rr[i]],
                    "ori_head": [round(float(v), 4) for v in self.nn[i]],
                }
            )
        return {
            "coordinate_frame": "head (MNE; x right, y nasion, z up), metres",
            "montage": "standard_1005 (same positions as colin27_1005)",
            "conductor": "3-shell sphere fitted to the electrodes (mne.make_sphere_model)",
            "sphere_r0_m": [round(float(v), 5) for v in self.sphere_r0],
            "sphere_radii_m": [round(float(v), 5) for v in self.sphere_radii],
            "orientation": "fixed, radial from the sphere centre (named sources)",
            "n_background_dipoles": int(np.sum(np.asarray(self.components) == "aperiodic")),
            "named_sources": named,
        }


def standard_montage() -> mne.channels.DigMontage:
    """Return MNE's ``standard_1005`` montage (named ``colin27_1005`` from MNE 1.13 on)."""
    from eegstate.montage import standard_montage as builtin_montage

    return builtin_montage("standard_1005")


def make_info(channels: list[str] | tuple[str, ...], sfreq: float, line_freq: float) -> mne.Info:
    """Create the measurement info of a simulated recording.

    Parameters
    ----------
    channels : sequence of str
        10-10 channel names present in the ``standard_1005`` montage.
    sfreq : float
        Sampling rate (Hz).
    line_freq : float
        Mains frequency (Hz), stored in ``info["line_freq"]``.

    Returns
    -------
    mne.Info
        EEG info with the montage set (head frame).

    Raises
    ------
    ValueError
        If a channel is not in the montage.
    """
    import mne

    montage = standard_montage()
    missing = [ch for ch in channels if ch not in montage.ch_names]
    if missing:
        raise ValueError(
            f"Simulated channels {missing} are not in the standard_1005 montage; use 10-10 names "
            "such as 'Fp1', 'Cz', 'O2'."
        )
    info = mne.create_info(list(channels), float(sfreq), "eeg")
    info.set_montage(montage)
    info["line_freq"] = float(line_freq)
    return info


def _mni_to_head(montage: mne.channels.DigMontage) -> np.ndarray:
    import mne

    pos = montage.get_positions()
    return mne.transforms.get_ras_to_neuromag_trans(pos["nasion"], pos["lpa"], pos["rpa"])


def build_head_model(channels: list[str] | tuple[str, ...]) -> HeadModel:
    """Return the (cached) template head model for a channel set.

    Parameters
    ----------
    channels : sequence of str
        Channel names (10-10 system).

    Returns
    -------
    HeadModel
        Gain matrices and source geometry.
    """
    return _build_head_model(tuple(channels))


@functools.lru_cache(maxsize=4)
def _build_head_model(channels: tuple[str, ...]) -> HeadModel:
    import mne

    info = make_info(channels, 250.0, 50.0)
    montage = standard_montage()
    sphere = mne.make_sphere_model("auto", "auto", info, verbose=False)
    r0 = np.asarray(sphere["r0"], float)
    radii = tuple(float(layer["rad"]) for layer in sphere["layers"])
    inner = min(radii)

    trans = _mni_to_head(montage)
    names = list(NAMED_SOURCES)
    mni = np.array([NAMED_SOURCES[n][2] for n in names]) / 1000.0
    rr_named = mne.transforms.apply_trans(trans, mni)
    depth = inner - np.linalg.norm(rr_named - r0, axis=1)
    if np.any(depth < MIN_DEPTH_M):
        bad = [n for n, d in zip(names, depth, strict=True) if d < MIN_DEPTH_M]
        raise RuntimeError(f"Named sources {bad} fall outside the inner sphere of the head model.")
    nn_named = (rr_named - r0) / np.linalg.norm(rr_named - r0, axis=1, keepdims=True)

    rng = np.random.default_rng(TEMPLATE_SEED)
    radius = inner - BACKGROUND_DEPTH_M
    bg: list[np.ndarray] = []
    while sum(len(b) for b in bg) < N_BACKGROUND:
        cand = rng.uniform(-radius, radius, size=(4 * N_BACKGROUND, 3))
        keep = (np.linalg.norm(cand, axis=1) <= radius) & (cand[:, 2] >= -0.035)
        bg.append(cand[keep] + r0)
    rr_bg = np.concatenate(bg)[:N_BACKGROUND]
    nn_bg = rng.standard_normal((N_BACKGROUND, 3))
    nn_bg /= np.linalg.norm(nn_bg, axis=1, keepdims=True)

    rr = np.vstack([rr_named, rr_bg])
    nn = np.vstack([nn_named, nn_bg])
    src = mne.setup_volume_source_space(
        pos={"rr": rr, "nn": nn}, sphere=sphere, mindist=0.0, verbose=False
    )
    if src[0]["nuse"] != len(rr):
        raise RuntimeError("Some simulated sources fell outside the sphere head model.")
    fwd = mne.make_forward_solution(
        info, trans=None, src=src, bem=sphere, eeg=True, meg=False, verbose=False
    )
    fwd = mne.convert_forward_solution(
        fwd, surf_ori=True, force_fixed=True, use_cps=False, verbose=False
    )
    gain = np.asarray(fwd["sol"]["data"], float)
    gain_avg = gain - gain.mean(axis=0, keepdims=True)
    logger.info(
        "Forward model: %d channels x %d fixed dipoles (sphere r0=%s mm, inner radius %.1f mm)",
        gain.shape[0],
        gain.shape[1],
        np.round(r0 * 1000, 1).tolist(),
        inner * 1000,
    )
    components = tuple(NAMED_SOURCES[n][0] for n in names) + ("aperiodic",) * N_BACKGROUND
    source_names = tuple(names) + tuple(f"bg{i:03d}" for i in range(N_BACKGROUND))
    ch_pos = np.array([ch["loc"][:3] for ch in info["chs"]])
    mont_pos = montage.get_positions()["ch_pos"]
    head_pos = mne.transforms.apply_trans(trans, np.array(list(mont_pos.values())))
    montage_positions = dict(zip(mont_pos, head_pos, strict=True))
    for arr in (gain, gain_avg, rr, nn, r0, ch_pos):
        arr.flags.writeable = False
    return HeadModel(
        channels=channels,
        gain=gain,
        gain_avg=gain_avg,
        source_names=source_names,
        components=components,
        rr=rr,
        nn=nn,
        mni_mm={n: NAMED_SOURCES[n][2] for n in names},
        sphere_r0=r0,
        sphere_radii=radii,
        ch_pos=ch_pos,
        montage_positions=montage_positions,
    )
