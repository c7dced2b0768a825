"""Simulated cohort: plan, generate and write recordings with a documented ground truth.

Every subject has one baseline and one target ("dissociative", subanesthetic-ketamine-like)
recording. The planted effects default to the literature values of Vlisides et al. 2018
(Br J Anaesth 121:249; occipital alpha −1.8 dB, parietal −0.94 dB), Hong et al. 2010
(Neuropsychopharmacology 35:632; delta down, gamma up) and Vlisides et al. 2017
(Anesthesiology 127:58; theta unchanged at subanesthetic dose), plus a flatter aperiodic
exponent and weaker DMN coupling. See :mod:`eegstate.simulate.model` for the generative model
and :mod:`eegstate.simulate.calibrate` for how effects are planted.

Randomness derives from ``seed`` through ``numpy.random.SeedSequence`` spawn keys:
``(1, subject)`` for subject traits and ``(2, subject, state, stream)`` for each recording
(state 0 baseline, 1 target; streams: brain, noisy channel, blinks, line noise). A subject's
data therefore do not depend on the number of subjects, and the same seed writes
byte-identical files.

The written data are reference-free potentials (as if referenced at infinity) in volts;
expected effects refer to average-referenced data.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from eegstate.io import atomic_path, write_text
from eegstate.simulate.artefacts import (
    add_blinks,
    add_line_noise,
    add_muscle_bursts,
    add_noisy_channel,
)
from eegstate.simulate.calibrate import (
    InfeasibleEffectError,
    calibrate_subject,
    expected_band_power_db,
    expected_effects_db,
)
from eegstate.simulate.head import HeadModel, build_head_model, make_info
from eegstate.simulate.model import (
    CONTROL_COUPLING,
    CONTROL_LAGS_S,
    DMN_LAGS_S,
    ENVELOPE_BAND_HZ,
    ENVELOPE_DEPTH,
    KEY_RECORDING,
    STATES,
    SubjectModel,
    make_subject_model,
    seed_rng,
    subject_label,
)
from eegstate.simulate.params import (
    BANDS,
    EFFECT_REGIONS,
    REFERENCES,
    REGIONS,
    merge_simulation_params,
)

if TYPE_CHECKING:
    import mne
    import pandas as pd

logger = logging.getLogger(__name__)

_LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
#: Columns of the recording table.
SAMPLE_COLUMNS: tuple[str, ...] = ("subject", "session", "state", "path")


def _check_labels(baseline: str, target: str) -> None:
    for name, label in (("baseline", baseline), ("target", target)):
        if not isinstance(label, str) or not _LABEL.match(label):
            raise ValueError(f"{name} state label {label!r} must match {_LABEL.pattern}.")
    if baseline == target:
        raise ValueError(f"baseline and target state labels must differ (both {baseline!r}).")


def _file_name(subject: str, state: str, file_format: str) -> str:
    if file_format == "fif":
        return f"sub-{subject}_state-{state}_raw.fif"
    return f"sub-{subject}_state-{state}_eeg.edf"


def plan_simulated_recordings(
    out_dir: Path, params: dict[str, Any], baseline: str, target: str
) -> pd.DataFrame:
    """Return the recordings a simulated cohort will contain, without generating data.

    Parameters
    ----------
    out_dir : path-like
        Folder of the cohort.
    params : dict
        ``simulation`` parameters (merged onto the defaults).
    baseline, target : str
        State labels of the baseline and target recordings.

    Returns
    -------
    pandas.DataFrame
        Columns ``subject`` (zero-padded, at least 2 digits), ``session`` (always ""),
        ``state`` and ``path`` (absolute path of the raw file); subject-major, baseline first.
    """
    import pandas as pd

    _check_labels(baseline, target)
    p = merge_simulation_params(params)
    root = Path(os.path.abspath(Path(out_dir).expanduser()))
    rows = []
    for index in range(1, p["n_subjects"] + 1):
        sub = subject_label(index, p["n_subjects"])
        for state in (baseline, target):
            path = root / f"sub-{sub}" / _file_name(sub, state, p["file_format"])
            rows.append({"subject": sub, "session": "", "state": state, "path": str(path)})
    return pd.DataFrame(rows, columns=list(SAMPLE_COLUMNS))


def prepare_subject(
    index: int, params: dict[str, Any], seed: int, head: HeadModel | None = None
) -> SubjectModel:
    """Draw and calibrate the model of subject ``index`` (1-based).

    Parameters
    ----------
    index : int
        Subject number.
    params : dict
        ``simulation`` parameters (merged onto the defaults).
    seed : int
        Cohort seed.
    head : HeadModel | None
        Template head (built and cached from ``params["channels"]`` when None).

    Returns
    -------
    SubjectModel
        Calibrated subject model.
    """
    p = merge_simulation_params(params)
    if head is None:
        head = build_head_model(p["channels"])
    model = make_subject_model(index, p, seed, head)
    try:
        calibrate_subject(model, head, model.effects)
    except InfeasibleEffectError:
        # The cohort means must be plantable for this subject; a value drawn around them
        # that is not is planted as close as the generators allow (and recorded).
        mean = make_subject_model(index, {**p, "effect_sd": {}}, seed, head)
        calibrate_subject(mean, head, mean.effects)
        calibrate_subject(model, head, model.effects, clip=True)
    return model


def simulate_recording_with_truth(
    subject: int | SubjectModel,
    state: str,
    params: dict[str, Any] | None = None,
    seed: int = 0,
    head: HeadModel | None = None,
) -> tuple[mne.io.RawArray, dict[str, Any]]:
    """Simulate one recording and return it with its artefact ground truth.

    Parameters are those of :func:`simulate_recording`.

    Returns
    -------
    raw : mne.io.RawArray
        The recording.
    truth : dict
        ``noisy_channel``, ``noisy_channel_std_factor``, ``noisy_channel_std_uv``, ``blinks``,
        ``line_noise`` and ``muscle_bursts`` records.
    """
    import mne

    p = merge_simulation_params(params)
    if state not in STATES:
        raise ValueError(f"state must be 'baseline' or 'target', got {state!r}.")
    if head is None:
        head = build_head_model(p["channels"])
    if isinstance(subject, SubjectModel):
        model = subject
        n_samples = round(float(p["duration_s"]) * float(p["sfreq"]))
        if model.grid.n_samples != n_samples or model.grid.sfreq != float(p["sfreq"]):
            raise ValueError("The subject model was prepared with other duration_s/sfreq.")
    else:
        model = prepare_subject(subject, p, seed, head)
    key = (KEY_RECORDING, model.index, STATES.index(state))
    grid = model.grid
    rng = seed_rng(seed, *key, 0)
    components = model.components(state, head)
    spectrum = sum(comp.synthesize(head, grid, rng) for comp in components if not comp.is_network)
    data = np.fft.irfft(spectrum, n=grid.n_samples, axis=1)
    for comp in components:
        if comp.is_network:
            data += comp.synthesize_network(head, grid, rng)

    art = p["artefacts"]
    sfreq = float(p["sfreq"])
    noisy = add_noisy_channel(
        data, head.channels, art["noisy_channel_probability"], seed_rng(seed, *key, 1)
    )
    blinks = add_blinks(
        data,
        head,
        sfreq,
        art["blink_rate_per_min"],
        art["blink_amplitude_uv"],
        seed_rng(seed, *key, 2),
    )
    line = add_line_noise(
        data,
        head.channels,
        sfreq,
        float(p["line_freq"]),
        art["line_noise_uv"],
        seed_rng(seed, *key, 3),
    )
    muscle = add_muscle_bursts(
        data,
        head,
        sfreq,
        art["muscle_bursts_per_min"],
        art["muscle_amplitude_uv"],
        seed_rng(seed, *key, 4),
    )

    info = make_info(head.channels, sfreq, float(p["line_freq"]))
    info["description"] = (
        f"eegstate simulated EEG: subject {model.label}, state role {state}, seed {seed}"
    )
    info["subject_info"] = {"his_id": f"sub-{model.label}"}
    raw = mne.io.RawArray(data, info, verbose=False)
    truth = {
        "noisy_channel": noisy["noisy_channel"],
        "noisy_channel_std_factor": noisy["std_factor"],
        "noisy_channel_std_uv": noisy["noise_std_uv"],
        "blinks": blinks,
        "line_noise": line,
        "muscle_bursts": muscle,
    }
    return raw, truth


def simulate_recording(
    subject: int | SubjectModel,
    state: str,
    params: dict[str, Any] | None = None,
    seed: int = 0,
    head: HeadModel | None = None,
) -> mne.io.RawArray:
    """Simulate one recording in memory.

    Gives the same data as the file :func:`simulate_cohort` writes for this subject and state
    with the same ``params`` and ``seed``.

    Parameters
    ----------
    subject : int | SubjectModel
        Subject number (1-based) or a model from :func:`prepare_subject`.
    state : {"baseline", "target"}
        State role (file labels are chosen by :func:`simulate_cohort`).
    params : dict | None
        ``simulation`` parameters merged onto the defaults (None: defaults).
    seed : int
        Cohort seed.
    head : HeadModel | None
        Template head (built and cached when None).

    Returns
    -------
    mne.io.RawArray
        EEG in volts with the ``standard_1005`` montage and ``info["line_freq"]`` set.
    """
    return simulate_recording_with_truth(subject, state, params, seed, head)[0]


def _write_raw(raw: mne.io.BaseRaw, path: Path, file_format: str) -> None:
    import mne

    # the temporary name keeps the file's ending: MNE checks FIF names and picks formats by it
    with atomic_path(path, suffix=path.name) as tmp:
        if file_format == "fif":
            raw.save(tmp, fmt="single", overwrite=True, verbose=False)
        else:
            mne.export.export_raw(
                tmp, raw, fmt="edf", physical_range="channelwise", overwrite=True, verbose=False
            )


def _round(obj: Any, ndigits: int = 6) -> Any:
    if isinstance(obj, dict):
        return {k: _round(v, ndigits) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_round(v, ndigits) for v in obj]
    if isinstance(obj, float | np.floating):
        return round(float(obj), ndigits)
    if isinstance(obj, np.integer):
        return int(obj)
    return obj


def _networks(head: HeadModel, params: dict[str, Any]) -> dict[str, Any]:
    eff = params["effects"]

    def network(lags: dict[str, float], c_base: float, c_target: float, spectrum: str) -> dict:
        nodes = {}
        for name, lag in lags.items():
            i = head.source_names.index(name)
            nodes[name] = {
                "pos_head_m": [float(v) for v in head.rr[i]],
                "ori_head": [float(v) for v in head.nn[i]],
                "mni_mm": list(head.mni_mm[name]),
                "lag_ms": lag * 1000,
            }
        names = list(lags)
        pairs = [
            {
                "nodes": [a, b],
                "lag_ms": (lags[b] - lags[a]) * 1000,
                "coupling": {"baseline": c_base, "target": c_target},
            }
            for k, a in enumerate(names)
            for b in names[k + 1 :]
        ]
        return {"spectrum": spectrum, "nodes": nodes, "pairs": pairs}

    direction = _coupling_direction(
        float(eff["dmn_coupling_baseline"]), float(eff["dmn_coupling_target"])
    )
    return {
        "model": (
            "node_i(t) = m_i(t) * x_i(t): carrier x_i = sqrt(c)*shared(t - lag_i) + "
            "sqrt(1 - c)*own_i(t) (Gaussian, the node spectrum) and slow envelope "
            f"m_i = exp(k*z_i - k^2), z_i = sqrt(c)*g(t) + sqrt(1 - c)*g_i(t) (unit-variance "
            f"Gaussian, {ENVELOPE_BAND_HZ[0]:g}-{ENVELOPE_BAND_HZ[1]:g} Hz, k = "
            f"{ENVELOPE_DEPTH:g}). Node power does not depend on c; the phase coupling "
            "(coherency of the carriers c*exp(-2j*pi*f*(lag_i - lag_j))) and the envelope "
            "coupling (correlation of z_i, z_j = c) both follow c. 'coupling' is c (cohort mean; "
            "per subject in subjects.<label>.dmn_coupling); 'lag_ms' is lag_j - lag_i."
        ),
        "expected_direction": {
            "definition": (
                "expected sign of the target - baseline change of each connectivity measure "
                "averaged over a network's node pairs, from the planted coupling change "
                "(decrease, increase or none)"
            ),
            "dmn": {"aec_orth": direction, "dwpli": direction},
            "control": {"aec_orth": "none", "dwpli": "none"},
        },
        "dmn": network(
            DMN_LAGS_S,
            float(eff["dmn_coupling_baseline"]),
            float(eff["dmn_coupling_target"]),
            "Gaussian peak at alpha_peak_hz - 0.5 Hz (sd 1.5 Hz); node power equal in both states",
        ),
        "control": network(
            CONTROL_LAGS_S,
            CONTROL_COUPLING,
            CONTROL_COUPLING,
            "Gaussian (mu) peak at alpha_peak_hz + 1 Hz (sd 1.2 Hz); coupling equal in both states",
        ),
    }


def _coupling_direction(baseline: float, target: float) -> str:
    """``decrease``, ``increase`` or ``none``: how the planted coupling changes."""
    if target < baseline:
        return "decrease"
    return "increase" if target > baseline else "none"


def _subject_truth(model: SubjectModel, head: HeadModel) -> dict[str, Any]:
    t = model.traits
    return {
        "planted_effects": dict(model.effects),
        "clipped_effects_db": dict(model.clipped),
        "alpha_peak_hz": t["alpha_peak_hz"],
        "alpha_amplitude_uv2": {
            "occipital": t["alpha_occipital_uv2"],
            "parietal": t["alpha_parietal_uv2"],
            "definition": "baseline variance added to the mean average-referenced channel "
            "of the region by each alpha generator pair",
        },
        "aperiodic_exponent": dict(model.exponent),
        "dmn_coupling": dict(model.coupling),
        "traits": dict(t),
        "power_scale": {state: dict(model.scales[state]) for state in STATES},
        "expected_sensor_effects_db": expected_effects_db(model, head),
        "expected_band_power_db": expected_band_power_db(model, head),
    }


def _cohort_mean(per_subject: list[dict[str, dict]]) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for band in BANDS:
        out[band] = {}
        for region in EFFECT_REGIONS:
            vals = [s[band][region] for s in per_subject if s[band][region] is not None]
            out[band][region] = float(np.mean(vals)) if vals else None
    return out


def simulate_cohort(
    out_dir: Path, params: dict[str, Any], baseline: str, target: str, seed: int
) -> pd.DataFrame:
    """Generate and write the simulated cohort with its ground truth.

    Writes every recording of :func:`plan_simulated_recordings`, ``samples.tsv`` (columns
    subject, session, state, path relative to ``out_dir``) and ``ground_truth.json``; each file
    is written to a temporary name in its folder and renamed, so no partial file looks complete.

    Parameters
    ----------
    out_dir : path-like
        Output folder (created if needed).
    params : dict
        ``simulation`` parameters (merged onto the defaults).
    baseline, target : str
        State labels used in file names and tables.
    seed : int
        Master seed.

    Returns
    -------
    pandas.DataFrame
        The table of :func:`plan_simulated_recordings` (absolute paths).

    Raises
    ------
    ValueError
        If a parameter is invalid or an effect cannot be planted.
    """
    from eegstate import __version__

    p = merge_simulation_params(params)
    plan = plan_simulated_recordings(out_dir, p, baseline, target)
    root = Path(os.path.abspath(Path(out_dir).expanduser()))
    root.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    head = build_head_model(p["channels"])
    labels = {"baseline": baseline, "target": target}

    models = [prepare_subject(i, p, seed, head) for i in range(1, p["n_subjects"] + 1)]
    t_model = time.perf_counter()
    recordings = []
    for model in models:
        for state in STATES:
            raw, truth = simulate_recording_with_truth(model, state, p, seed, head)
            row = plan[(plan.subject == model.label) & (plan.state == labels[state])].iloc[0]
            path = Path(row["path"])
            _write_raw(raw, path, p["file_format"])
            recordings.append(
                {
                    "subject": model.label,
                    "session": "",
                    "state": labels[state],
                    "state_role": state,
                    "path": path.relative_to(root).as_posix(),
                    "sfreq": float(p["sfreq"]),
                    "n_times": int(raw.n_times),
                    "artefacts": truth,
                }
            )
            logger.info(
                "Wrote %s (noisy channel: %s, %d blinks)",
                path.name,
                truth["noisy_channel"],
                truth["blinks"]["count"],
            )
    t_data = time.perf_counter()

    subjects = {m.label: _subject_truth(m, head) for m in models}
    present = set(head.channels)
    truth = {
        "generator": "eegstate.simulate",
        "eegstate_version": __version__,
        "seed": int(seed),
        "states": labels,
        "params": p,
        "planted_effects": dict(p["effects"]),
        "effect_sd": dict(p["effect_sd"]),
        "definitions": {
            "bands_hz": {b: list(v) for b, v in BANDS.items()},
            "regions": {r: [c for c in chs if c in present] for r, chs in REGIONS.items()},
            "effect_db": (
                "10*log10(target/baseline) of the EXPECTED band power of average-referenced "
                "channels (sum of the PSD over rFFT bins in [low, high) times the bin width), "
                "averaged in linear units over the region's channels ('all': every channel). "
                "Computed from the generative model without artefacts."
            ),
            "cohort_mean": "mean over subjects of the per-subject dB values",
            "planted_effects": (
                "cohort means of the effects; each subject's own values, drawn with the "
                "between-subject SDs of 'effect_sd', are in subjects.<label>.planted_effects"
            ),
            "data_units": "volts, reference-free (potentials re infinity)",
        },
        "sources": REFERENCES,
        "head_model": head.describe(),
        "networks": _networks(head, p),
        "expected_sensor_effects_db": _cohort_mean(
            [s["expected_sensor_effects_db"] for s in subjects.values()]
        ),
        "subjects": subjects,
        "recordings": recordings,
    }
    write_text(json.dumps(_round(truth), indent=1, allow_nan=False), root / "ground_truth.json")
    samples = plan.copy()
    samples["path"] = [Path(v).relative_to(root).as_posix() for v in plan["path"]]
    write_text(samples.to_csv(sep="\t", index=False), root / "samples.tsv")
    logger.info(
        "Simulated %d recordings in %.1f s (models %.1f s, data+files %.1f s)",
        len(recordings),
        time.perf_counter() - t0,
        t_model - t0,
        t_data - t_model,
    )
    return plan
