"""Parameters, constants and literature references of the simulated cohort.

The default effects follow subanesthetic ketamine:

* Vlisides et al. 2018, Br J Anaesth 121:249 (occipital alpha −1.8 dB, parietal alpha −0.94 dB);
* Hong et al. 2010, Neuropsychopharmacology 35:632 (delta power down, gamma power up);
* Vlisides et al. 2017, Anesthesiology 127:58 (theta unchanged at subanesthetic dose).

The key names mirror ``properties.simulation`` of ``workflow/schemas/config.schema.yaml``.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Mapping
from typing import Any

logger = logging.getLogger(__name__)

#: 32 channels of the 10-10 system (the default of ``simulation.channels``).
DEFAULT_CHANNELS: tuple[str, ...] = (
    "Fp1", "Fp2", "AF3", "AF4", "F7", "F3", "Fz", "F4", "F8", "FC5", "FC1", "FC2", "FC6", "T7",
    "C3", "Cz", "C4", "T8", "CP5", "CP1", "CP2", "CP6", "P7", "P3", "Pz", "P4", "P8", "PO3",
    "PO4", "O1", "Oz", "O2",
)  # fmt: skip

_DEFAULTS: dict[str, Any] = {
    "n_subjects": 12,
    "duration_s": 180.0,
    "sfreq": 250.0,
    "channels": list(DEFAULT_CHANNELS),
    "line_freq": 50.0,
    "file_format": "fif",
    "effects": {
        "alpha_occipital_db": -1.8,
        "alpha_parietal_db": -0.9,
        "theta_frontal_db": 0.0,
        "delta_db": -1.5,
        "gamma_db": 1.5,
        "remove_alpha": False,
        "aperiodic_exponent_change": -0.2,
        "dmn_coupling_baseline": 0.6,
        "dmn_coupling_target": 0.15,
    },
    "effect_sd": {
        "alpha_occipital_db": 1.2,
        "alpha_parietal_db": 0.7,
        "theta_frontal_db": 0.4,
        "delta_db": 0.8,
        "gamma_db": 1.0,
        "aperiodic_exponent_change": 0.1,
        "dmn_coupling_baseline": 0.1,
        "dmn_coupling_target": 0.1,
    },
    "artefacts": {
        "blink_rate_per_min": 8.0,
        "blink_amplitude_uv": 120.0,
        "line_noise_uv": 8.0,
        "noisy_channel_probability": 0.3,
        "muscle_bursts_per_min": 0.0,
        "muscle_amplitude_uv": 10.0,
    },
    # Continuous recordings with a planted time course (eegstate.simulate.continuous).
    "continuous": {
        "duration_s": 3600.0,
        "onset_s": 600.0,
        "peak_s": 1080.0,
        "offset_s": 3000.0,
        "decay_s": 600.0,
        "muscle_bursts_per_min": 0.5,
        "muscle_episodes": [],
        "block_s": 60,
        "overlap_s": 10,
    },
}

#: Frequency bands [low, high) in Hz used for calibration and expected effects.
BANDS: dict[str, tuple[float, float]] = {
    "delta": (1.0, 4.0),
    "theta": (4.0, 8.0),
    "alpha": (8.0, 13.0),
    "beta": (13.0, 30.0),
    "gamma": (30.0, 45.0),
}

#: Scalp regions (channels absent from a recording are skipped); ``all`` means every channel.
REGIONS: dict[str, tuple[str, ...]] = {
    "frontal": (
        "Fp1", "Fpz", "Fp2", "AF7", "AF3", "AFz", "AF4", "AF8", "F7", "F5", "F3", "F1", "Fz",
        "F2", "F4", "F6", "F8",
    ),
    "central": (
        "FC5", "FC3", "FC1", "FCz", "FC2", "FC4", "FC6", "C5", "C3", "C1", "Cz", "C2", "C4", "C6",
    ),
    "temporal": (
        "FT9", "FT7", "FT8", "FT10", "T9", "T7", "T8", "T10", "TP9", "TP7", "TP8", "TP10",
    ),
    "parietal": (
        "CP5", "CP3", "CP1", "CPz", "CP2", "CP4", "CP6", "P9", "P7", "P5", "P3", "P1", "Pz", "P2",
        "P4", "P6", "P8", "P10",
    ),
    "occipital": (
        "PO9", "PO7", "PO3", "POz", "PO4", "PO8", "PO10", "O1", "Oz", "O2", "O9", "O10", "Iz",
    ),
}  # fmt: skip

#: Region names of the expected effects, including ``all`` (every channel).
EFFECT_REGIONS: tuple[str, ...] = (*REGIONS, "all")

#: Literature behind the default effects (also written to ``ground_truth.json``).
REFERENCES: list[dict[str, str]] = [
    {
        "citation": (
            "Vlisides PE, Bel-Bahar T, Nelson A, et al. Subanaesthetic ketamine and altered "
            "states of consciousness in humans. Br J Anaesth. 2018;121(1):249-259."
        ),
        "finding": "Posterior alpha power decreases: occipital -1.8 dB, parietal -0.94 dB.",
        "used_for": "alpha_occipital_db, alpha_parietal_db",
    },
    {
        "citation": (
            "Hong LE, Summerfelt A, Buchanan RW, et al. Gamma and delta neural oscillations "
            "and association with clinical symptoms under subanesthetic ketamine. "
            "Neuropsychopharmacology. 2010;35(3):632-640."
        ),
        "finding": "Delta power decreases and gamma power increases under subanesthetic ketamine.",
        "used_for": "delta_db, gamma_db",
    },
    {
        "citation": (
            "Vlisides PE, Bel-Bahar T, Lee U, et al. Neurophysiologic correlates of ketamine "
            "sedation and anesthesia: a high-density electroencephalography study in healthy "
            "volunteers. Anesthesiology. 2017;127(1):58-69."
        ),
        "finding": "Theta power is not changed at subanesthetic doses.",
        "used_for": "theta_frontal_db",
    },
]


def default_simulation_params() -> dict[str, Any]:
    """Return the default ``simulation`` parameters.

    Returns
    -------
    dict
        A fresh (deep-copied) dict with the keys of ``properties.simulation`` in the workflow
        config schema: ``n_subjects``, ``duration_s``, ``sfreq``, ``channels``, ``line_freq``,
        ``file_format``, ``effects``, ``effect_sd`` and ``artefacts``.
    """
    return copy.deepcopy(_DEFAULTS)


def _merge(base: dict[str, Any], update: Mapping[str, Any], where: str) -> dict[str, Any]:
    for key, value in update.items():
        if key not in base:
            known = ", ".join(sorted(base))
            raise ValueError(f"Unknown simulation parameter {where}{key}; known: {known}.")
        if isinstance(base[key], dict):
            if not isinstance(value, Mapping):
                raise ValueError(f"Simulation parameter {where}{key} must be a mapping.")
            base[key] = _merge(base[key], value, f"{where}{key}.")
        else:
            base[key] = copy.deepcopy(value)
    return base


def merge_simulation_params(params: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Merge user parameters recursively onto the defaults and validate them.

    Parameters
    ----------
    params : mapping | None
        Partial or complete ``simulation`` parameters; missing keys take their defaults.

    Returns
    -------
    dict
        The complete, validated parameters.

    Raises
    ------
    ValueError
        If a key is unknown or a value is out of range.
    """
    merged = _merge(default_simulation_params(), params or {}, "")
    _validate(merged)
    return merged


def _validate(p: dict[str, Any]) -> None:
    def fail(msg: str) -> None:
        raise ValueError(f"Invalid simulation parameters: {msg}")

    if int(p["n_subjects"]) != p["n_subjects"] or p["n_subjects"] < 1:
        fail(f"n_subjects must be a positive integer, got {p['n_subjects']!r}.")
    p["n_subjects"] = int(p["n_subjects"])
    if not p["duration_s"] >= 10:
        fail(f"duration_s must be at least 10 s, got {p['duration_s']!r}.")
    if not p["sfreq"] >= 100:
        fail(f"sfreq must be at least 100 Hz, got {p['sfreq']!r}.")
    if p["line_freq"] <= 0:
        fail(f"line_freq must be positive, got {p['line_freq']!r}.")
    if p["file_format"] not in ("fif", "edf"):
        fail(f"file_format must be 'fif' or 'edf', got {p['file_format']!r}.")
    channels = list(p["channels"])
    if len(channels) < 2 or len(set(channels)) != len(channels):
        fail("channels must hold at least two distinct names.")
    eff = p["effects"]
    for key in ("dmn_coupling_baseline", "dmn_coupling_target"):
        if not 0 <= eff[key] <= 1:
            fail(f"effects.{key} must be within [0, 1], got {eff[key]!r}.")
    for key, sd in p["effect_sd"].items():
        if not sd >= 0:
            fail(f"effect_sd.{key} must be >= 0, got {sd!r}.")
    art = p["artefacts"]
    for key in (
        "blink_rate_per_min",
        "blink_amplitude_uv",
        "line_noise_uv",
        "muscle_bursts_per_min",
        "muscle_amplitude_uv",
    ):
        if art[key] < 0:
            fail(f"artefacts.{key} must be >= 0, got {art[key]!r}.")
    if not 0 <= art["noisy_channel_probability"] <= 1:
        fail("artefacts.noisy_channel_probability must be within [0, 1].")
    _validate_continuous(p["continuous"], fail)


def _validate_continuous(c: dict[str, Any], fail: Any) -> None:
    """Check the planted time course of ``simulation.continuous`` (see its schema entry)."""
    times = {key: float(c[key]) for key in ("onset_s", "peak_s", "offset_s", "duration_s")}
    plateau_end = times["offset_s"] - float(c["decay_s"])
    if not 0 <= times["onset_s"] <= times["peak_s"] <= plateau_end <= times["offset_s"]:
        fail(
            "continuous time course must satisfy 0 <= onset_s <= peak_s <= offset_s - decay_s "
            f"<= offset_s, got onset_s={times['onset_s']:g}, peak_s={times['peak_s']:g}, "
            f"offset_s={times['offset_s']:g}, decay_s={float(c['decay_s']):g}."
        )
    if times["offset_s"] > times["duration_s"]:
        fail(
            f"continuous.offset_s ({times['offset_s']:g} s) lies after the end of the recording "
            f"(continuous.duration_s = {times['duration_s']:g} s)."
        )
    block, overlap = c["block_s"], c["overlap_s"]
    if int(block) != block or int(overlap) != overlap or not 1 <= overlap < block:
        fail(
            "continuous.block_s and overlap_s must be whole seconds with 1 <= overlap_s < "
            f"block_s, got block_s={block!r}, overlap_s={overlap!r}."
        )
    for episode in c["muscle_episodes"]:
        if len(episode) != 2 or min(episode) < 0:
            fail(f"continuous.muscle_episodes holds [onset_s, duration_s] pairs, got {episode!r}.")
