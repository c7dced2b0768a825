"""Parameters, constants and literature references of the simulated cohort.

The default effects follow subanesthetic ketamine:

* Vlisides et al. 2018, Br J Anaesth 121:249 (occipital alpha −1.8 dB, parietal alpha −0.94 dB);
* Hong et al. 2010, Neuropsychopharmacology 35:632 (delta power down, gamma power up);
* Vlisides et al. 2017, Anesthesiology 127:58 (theta unchanged at subanesthetic dose).

The parameters are the ``simulation`` section of the configuration: its schema
(``workflow/schemas/config.schema.yaml``) holds every default and check, and
:func:`merge_simulation_params` validates against it. The simulator plants its effects on the
schema's default bands and regions (:data:`BANDS`, :data:`REGIONS`): a convention it shares with
the analysis, whatever bands a run then analyses.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

logger = logging.getLogger(__name__)


def _schema_default(*path: str) -> Any:
    from eegstate.config import load_schema

    node = load_schema()
    for part in path:
        node = node["properties"][part]
    return node["default"]


#: The default ``simulation.channels`` (32 channels of the 10-10 system).
DEFAULT_CHANNELS: tuple[str, ...] = tuple(_schema_default("simulation", "channels"))

#: Frequency bands [low, high) in Hz of the planted effects: the default ``bandpower.bands``.
BANDS: dict[str, tuple[float, float]] = {
    name: (float(low), float(high))
    for name, (low, high) in _schema_default("bandpower", "bands").items()
}

#: Scalp regions of the planted effects: the default ``regions`` (channels absent from a
#: recording are skipped).
REGIONS: dict[str, tuple[str, ...]] = {
    name: tuple(channels) for name, channels in _schema_default("regions").items()
}

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
    """Return the default ``simulation`` parameters (the schema's defaults).

    Returns
    -------
    dict
        A fresh dict with every option of the ``simulation`` section.
    """
    return merge_simulation_params({})


def merge_simulation_params(params: Any = None) -> dict[str, Any]:
    """Complete and validate ``simulation`` parameters against the configuration schema.

    Parameters
    ----------
    params : mapping, eegstate.settings.SimulationSettings or None
        Partial or complete ``simulation`` parameters; missing options take the schema's
        defaults (settings objects are complete already).

    Returns
    -------
    dict
        The complete, validated parameters.

    Raises
    ------
    ValueError
        If an option is unknown or a value is not allowed (the message names the option).
    """
    from eegstate.config import ConfigError, validate_config
    from eegstate.settings import SimulationSettings, to_config

    if isinstance(params, SimulationSettings):
        return to_config(params)
    if params is not None and not isinstance(params, Mapping):
        raise ValueError(f"simulation parameters must be a mapping, got {type(params).__name__}")
    try:
        return validate_config({"simulation": dict(params or {})})["simulation"]
    except ConfigError as err:
        raise ValueError(f"Invalid simulation parameters: {err}") from err
