"""Simulated EEG cohort with planted, documented dissociative-vs-baseline effects.

Recordings are generated from dipoles in a template sphere head (MNE forward model) driven by
Gaussian noise with known spectra: a 1/f background, posterior alpha, frontal midline theta,
delta and gamma generators, a coupled default-mode network and a control network, plus
blinks, line noise and occasional noisy channels. The default effects follow subanesthetic
ketamine (Vlisides et al. 2018, Br J Anaesth 121:249; Hong et al. 2010,
Neuropsychopharmacology 35:632; Vlisides et al. 2017, Anesthesiology 127:58) and are calibrated
per subject on the expected sensor-level band power; ``ground_truth.json`` records them.
"""

from __future__ import annotations

from eegstate.simulate.cohort import (
    plan_simulated_recordings,
    prepare_subject,
    simulate_cohort,
    simulate_recording,
    simulate_recording_with_truth,
)
from eegstate.simulate.head import HeadModel, build_head_model
from eegstate.simulate.model import SubjectModel
from eegstate.simulate.params import default_simulation_params, merge_simulation_params

__all__ = [
    "HeadModel",
    "SubjectModel",
    "build_head_model",
    "default_simulation_params",
    "merge_simulation_params",
    "plan_simulated_recordings",
    "prepare_subject",
    "simulate_cohort",
    "simulate_recording",
    "simulate_recording_with_truth",
]
