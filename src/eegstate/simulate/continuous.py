"""Continuous simulated recordings whose state follows a planted time course.

Each subject's recording follows the planted **intensity** ``s(t)``, a trapezoid (continuous,
piecewise linear; :class:`TimeCourse`): 0 (baseline) until ``onset_s`` (the dose), rising
linearly to 1 at ``peak_s``, 1 until ``offset_s - decay_s``, falling linearly to 0 at
``offset_s``. The dissociative profile at ``s = 1`` is the subject's calibrated target state of
the cohort simulator (:mod:`eegstate.simulate.cohort`: ``simulation.effects`` drawn per subject
with ``simulation.effect_sd``).

Method (time-varying mixture of two stationary syntheses)
---------------------------------------------------------
The brain signal is ``x(t) = sqrt(1 - s(t))·b(t) + sqrt(s(t))·g(t)``, where ``b`` and ``g`` are
independent realisations of the subject's baseline- and target-state models. Because they are
independent, the expected power of every band and channel at time ``t`` is exactly
``(1 - s(t))·P_baseline + s(t)·P_target`` (linear units), and the DMN nodes' coherency is
``(1 - s)·c_baseline + s·c_target`` (node power does not depend on the coupling); both are
written to ``ground_truth.json``. The aperiodic exponent of the mixture lies between the two
states' exponents but a mixture of two power laws is not one: it is stated as such.

The recording is generated in blocks of ``block_s`` seconds that overlap by ``overlap_s``;
consecutive blocks are independent realisations joined by power-complementary crossfades
(``cos²(πu/2) + sin²(πu/2) = 1``), so the expected power stays exact through the joins and no
FFT ever spans more than one block: memory does not depend on ``duration_s``. Artefacts are
added per output segment (``block_s - overlap_s`` seconds): blinks and muscle bursts as Poisson
processes (a Poisson process restricted to disjoint segments is a Poisson process on each),
line noise as one continuous sinusoid per channel (segments last whole seconds, so every
segment starts at the same mains phase), one noisy channel throughout (chosen once), and the
sustained muscle episodes of ``muscle_episodes``. The recording is written as FIF through a
lazily generated :class:`mne.io.BaseRaw`, which MNE saves buffer by buffer.

Seeds derive from ``seed`` with spawn keys ``(KEY_CONTINUOUS, subject, ...)``, so files are
reproducible and independent of the number of subjects.
"""

from __future__ import annotations

import json
import logging
import os
from collections import OrderedDict
from dataclasses import dataclass
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
from eegstate.simulate.calibrate import expected_band_power_db
from eegstate.simulate.head import HeadModel, build_head_model, make_info
from eegstate.simulate.model import SubjectModel, seed_rng
from eegstate.simulate.params import BANDS, EFFECT_REGIONS, REFERENCES, merge_simulation_params

if TYPE_CHECKING:
    import mne
    import pandas as pd

logger = logging.getLogger(__name__)

#: Seed-sequence key of the continuous recordings (the cohort uses 1-3).
KEY_CONTINUOUS = 5
#: Streams under ``(KEY_CONTINUOUS, subject)``: brain blocks, and per segment the artefacts.
STREAM_BRAIN, STREAM_NOISY, STREAM_BLINKS, STREAM_LINE, STREAM_MUSCLE = range(5)
#: Resolution (s) of the sampled planted trajectory in ground_truth.json.
TRUTH_STEP_S = 60.0


@dataclass(frozen=True)
class TimeCourse:
    """Breakpoints (s) of the planted trapezoid intensity ``s(t)``."""

    onset_s: float
    peak_s: float
    plateau_end_s: float
    offset_s: float

    @classmethod
    def from_params(cls, continuous: dict[str, Any]) -> TimeCourse:
        """The time course of ``simulation.continuous``."""
        return cls(
            onset_s=float(continuous["onset_s"]),
            peak_s=float(continuous["peak_s"]),
            plateau_end_s=float(continuous["offset_s"]) - float(continuous["decay_s"]),
            offset_s=float(continuous["offset_s"]),
        )

    def intensity(self, times: np.ndarray) -> np.ndarray:
        """Planted intensity in [0, 1] at ``times`` (s)."""
        t = np.asarray(times, dtype=float)
        return np.interp(
            t,
            [self.onset_s, self.peak_s, self.plateau_end_s, self.offset_s],
            [0.0, 1.0, 1.0, 0.0],
            left=0.0,
            right=0.0,
        )

    @property
    def has_event(self) -> bool:
        """Whether the intensity ever leaves 0 (``offset_s > onset_s``)."""
        return self.offset_s > self.onset_s


def _synthesize_state(
    model: SubjectModel, state: str, head: HeadModel, rng: np.random.Generator
) -> np.ndarray:
    """One block of the reference-free brain signal of ``state`` (n_channels, n_samples)."""
    grid = model.grid
    components = model.components(state, head)
    spectrum = sum(comp.synthesize(head, grid, rng) for comp in components if not comp.is_network)
    data = np.fft.irfft(spectrum, n=grid.n_samples, axis=1)
    for comp in components:
        if comp.is_network:
            data += comp.synthesize_network(head, grid, rng)
    return data


class ContinuousGenerator:
    """Deterministic, block-wise generator of one continuous recording (module docstring).

    Parameters
    ----------
    model : SubjectModel
        Calibrated subject model whose frequency grid spans one block (``block_s``).
    head : HeadModel
        Template head.
    params : dict
        Complete ``simulation`` parameters.
    seed : int
        Master seed.
    """

    def __init__(
        self, model: SubjectModel, head: HeadModel, params: dict[str, Any], seed: int
    ) -> None:
        cont = params["continuous"]
        self.model, self.head, self.params, self.seed = model, head, params, int(seed)
        self.sfreq = float(params["sfreq"])
        self.course = TimeCourse.from_params(cont)
        self.n_times = round(float(cont["duration_s"]) * self.sfreq)
        self.n_overlap = round(float(cont["overlap_s"]) * self.sfreq)
        self.n_block = round(float(cont["block_s"]) * self.sfreq)
        self.n_hop = self.n_block - self.n_overlap
        if model.grid.n_samples != self.n_block:
            raise ValueError("the subject model must be prepared with duration_s = block_s")
        self.n_segments = -(-self.n_times // self.n_hop)
        fade = (np.arange(self.n_overlap) + 0.5) / self.n_overlap
        self._fade_in, self._fade_out = np.sin(0.5 * np.pi * fade), np.cos(0.5 * np.pi * fade)
        self._blocks: OrderedDict[int, np.ndarray] = OrderedDict()
        self._segments: OrderedDict[int, np.ndarray] = OrderedDict()
        self.truth: dict[str, Any] = {"blinks": [], "muscle_bursts": [], "segments": 0}
        self._noisy: dict[str, Any] | None = None

    def _rng(self, *keys: int) -> np.random.Generator:
        return seed_rng(self.seed, KEY_CONTINUOUS, self.model.index, *keys)

    def block(self, k: int) -> np.ndarray:
        """Brain signal of block ``k`` (samples ``k·hop`` to ``k·hop + block``), cached."""
        if k in self._blocks:
            self._blocks.move_to_end(k)
            return self._blocks[k]
        start = k * self.n_hop
        s = self.course.intensity((start + np.arange(self.n_block)) / self.sfreq)
        data = np.zeros((len(self.head.channels), self.n_block))
        for index, (state, weight) in enumerate((("baseline", 1.0 - s), ("target", s))):
            if np.any(weight > 0):
                rng = self._rng(STREAM_BRAIN, k, index)
                data += np.sqrt(weight) * _synthesize_state(self.model, state, self.head, rng)
        self._blocks[k] = data
        while len(self._blocks) > 2:
            self._blocks.popitem(last=False)
        return data

    def segment(self, k: int) -> np.ndarray:
        """Output segment ``k`` (samples ``k·hop`` to ``(k + 1)·hop``) with artefacts, cached."""
        if k in self._segments:
            return self._segments[k]
        current = self.block(k)
        data = current[:, : self.n_hop].copy()
        if k > 0:
            previous = self.block(k - 1)[:, self.n_hop :]
            data[:, : self.n_overlap] = (
                previous * self._fade_out + current[:, : self.n_overlap] * self._fade_in
            )
        stop = min(self.n_hop, self.n_times - k * self.n_hop)
        data = np.ascontiguousarray(data[:, :stop])
        self._add_artefacts(data, k)
        self._segments[k] = data
        while len(self._segments) > 2:
            self._segments.popitem(last=False)
        return data

    def _add_artefacts(self, data: np.ndarray, k: int) -> None:
        art, p, head = self.params["artefacts"], self.params, self.head
        offset = k * self.n_hop / self.sfreq
        if k == 0 or self._noisy is None:
            self._noisy = add_noisy_channel(
                data, head.channels, art["noisy_channel_probability"], self._rng(STREAM_NOISY)
            )
        elif self._noisy["noisy_channel"] is not None:
            row = list(head.channels).index(self._noisy["noisy_channel"])
            noise = self._rng(STREAM_NOISY, k).standard_normal(data.shape[1])
            data[row] += self._noisy["noise_std_uv"] * 1e-6 * noise
        blinks = add_blinks(
            data,
            head,
            self.sfreq,
            art["blink_rate_per_min"],
            art["blink_amplitude_uv"],
            self._rng(STREAM_BLINKS, k),
        )
        # the same draw in every segment: one sinusoid per channel (segments are whole seconds)
        self.truth["line_noise"] = add_line_noise(
            data,
            head.channels,
            self.sfreq,
            float(p["line_freq"]),
            art["line_noise_uv"],
            self._rng(STREAM_LINE),
        )
        cont = p["continuous"]
        muscle = add_muscle_bursts(
            data,
            head,
            self.sfreq,
            cont["muscle_bursts_per_min"],
            art["muscle_amplitude_uv"],
            self._rng(STREAM_MUSCLE, k),
        )
        end = offset + data.shape[1] / self.sfreq
        episodes = [
            (max(on, offset) - offset, min(on + length, end) - max(on, offset))
            for on, length in cont["muscle_episodes"]
            if on < end and on + length > offset
        ]
        if episodes:
            add_muscle_bursts(
                data,
                head,
                self.sfreq,
                0.0,
                art["muscle_amplitude_uv"],
                self._rng(STREAM_MUSCLE, k, 1),
                bursts=episodes,
            )
        if k >= self.truth["segments"]:  # record each segment's artefacts once
            self.truth["segments"] = k + 1
            self.truth["blinks"].extend(round(offset + v, 3) for v in blinks["onsets_s"])
            self.truth["muscle_bursts"].extend(
                [round(offset + on, 3), round(d, 3)]
                for on, d in zip(muscle["onsets_s"], muscle["durations_s"], strict=True)
            )

    def read(self, start: int, stop: int) -> np.ndarray:
        """Samples ``start`` to ``stop`` of the recording (volts), shape (n_channels, n)."""
        first, last = start // self.n_hop, (stop - 1) // self.n_hop
        parts = [self.segment(k) for k in range(first, last + 1)]
        data = parts[0] if len(parts) == 1 else np.concatenate(parts, axis=1)
        begin = start - first * self.n_hop
        return data[:, begin : begin + stop - start]

    def artefact_truth(self) -> dict[str, Any]:
        """Artefacts planted so far (complete once every segment was generated)."""
        noisy = self._noisy or {"noisy_channel": None, "std_factor": None, "noise_std_uv": None}
        return {
            "noisy_channel": noisy["noisy_channel"],
            "noisy_channel_std_factor": noisy["std_factor"],
            "noisy_channel_std_uv": noisy["noise_std_uv"],
            "blink_onsets_s": list(self.truth["blinks"]),
            "muscle_bursts_s": list(self.truth["muscle_bursts"]),
            "muscle_episodes_s": [list(e) for e in self.params["continuous"]["muscle_episodes"]],
            "line_noise": self.truth.get("line_noise"),
        }


def lazy_raw(generator: ContinuousGenerator, info: mne.Info) -> mne.io.BaseRaw:
    """A :class:`mne.io.BaseRaw` (``preload=False``) whose samples come from ``generator``.

    MNE's readers implement ``_read_segment_file`` the same way; :meth:`mne.io.Raw.save` then
    asks for the data buffer by buffer, so saving never holds the whole recording.
    """
    from mne.io import BaseRaw

    class ContinuousRaw(BaseRaw):
        def __init__(self) -> None:
            super().__init__(
                info,
                preload=False,
                last_samps=[generator.n_times - 1],
                filenames=[None],
                raw_extras=[None],
                verbose="error",
            )

        def _read_segment_file(self, data, idx, fi, start, stop, cals, mult):
            one = generator.read(int(start), int(stop))
            if mult is not None:
                data[:] = mult @ one[idx]
            else:
                data[:] = one[idx] * cals

    return ContinuousRaw()


def prepare_block_subject(
    index: int, params: dict[str, Any], seed: int, head: HeadModel
) -> SubjectModel:
    """Calibrated model of subject ``index`` on the frequency grid of one block."""
    from eegstate.simulate.cohort import prepare_subject

    block = {**params, "duration_s": float(params["continuous"]["block_s"])}
    return prepare_subject(index, block, seed, head)


def simulate_continuous_recording(
    subject: int,
    params: dict[str, Any] | None = None,
    seed: int = 0,
    *,
    head: HeadModel | None = None,
    dose_annotation: str = "dose",
) -> tuple[mne.io.BaseRaw, ContinuousGenerator]:
    """The continuous recording of one subject, generated lazily (module docstring).

    Parameters
    ----------
    subject : int
        Subject number (1-based).
    params : dict, optional
        ``simulation`` parameters (merged onto the defaults); ``continuous`` sets the time
        course.
    seed : int
        Master seed.
    head : HeadModel, optional
        Template head (built from ``params["channels"]`` when None).
    dose_annotation : str
        Description of the annotation marking ``onset_s`` (``track.dose_annotation``).

    Returns
    -------
    raw : mne.io.BaseRaw
        Unloaded recording; ``raw.get_data(start=, stop=)``, ``raw.save`` and
        ``raw.load_data`` generate the samples asked for.
    generator : ContinuousGenerator
        Its generator (``course``, ``model`` and the artefacts in ``artefact_truth()``).
    """
    import mne

    p = merge_simulation_params(params)
    head = head or build_head_model(p["channels"])
    model = prepare_block_subject(subject, p, seed, head)
    generator = ContinuousGenerator(model, head, p, seed)
    info = make_info(head.channels, float(p["sfreq"]), float(p["line_freq"]))
    info["description"] = (
        f"eegstate continuous simulated EEG: subject {model.label}, seed {seed}, planted time "
        f"course onset {generator.course.onset_s:g} s, peak {generator.course.peak_s:g} s, "
        f"offset {generator.course.offset_s:g} s"
    )
    info["subject_info"] = {"his_id": f"sub-{model.label}"}
    raw = lazy_raw(generator, info)
    raw.set_annotations(
        mne.Annotations([generator.course.onset_s], [0.0], [dose_annotation]), verbose="error"
    )
    return raw, generator


def planted_trajectory(
    model: SubjectModel, head: HeadModel, course: TimeCourse, duration_s: float
) -> dict[str, Any]:
    """Expected band power (dB re 1 µV²) per band and region over time, sampled every minute.

    ``P(t) = (1 - s(t))·P_baseline + s(t)·P_target`` in linear units (module docstring).
    """
    levels = expected_band_power_db(model, head)
    times = np.arange(0.0, float(duration_s) + 1e-9, TRUTH_STEP_S)
    s = course.intensity(times)
    out: dict[str, Any] = {"time_s": times.tolist(), "intensity": s.tolist()}
    for band in BANDS:
        out[band] = {}
        for region in EFFECT_REGIONS:
            base, target = levels["baseline"][band][region], levels["target"][band][region]
            if base is None:
                out[band][region] = None
                continue
            linear = (1 - s) * 10 ** (base / 10) + s * 10 ** (target / 10)
            out[band][region] = (10 * np.log10(linear)).round(4).tolist()
    return out


def write_continuous_recording(raw: mne.io.BaseRaw, path: str | Path) -> Path:
    """Save a (lazy) recording as FIF, buffer by buffer, atomically."""
    path = Path(path)
    with atomic_path(path, suffix=path.name) as tmp:
        raw.save(tmp, fmt="single", buffer_size_sec=10.0, overwrite=True, verbose="error")
    return path


def simulate_continuous_cohort(
    out_dir: str | Path,
    params: dict[str, Any] | None,
    seed: int,
    *,
    dose_annotation: str = "dose",
    progress: bool = False,
) -> pd.DataFrame:
    """Write one continuous recording per subject, ``recordings.tsv`` and ``ground_truth.json``.

    Parameters
    ----------
    out_dir : path-like
        Output folder (created if needed).
    params : dict, optional
        ``simulation`` parameters (``n_subjects``, ``continuous``, ``effects``, ...).
    seed : int
        Master seed.
    dose_annotation : str
        Description of the dose annotation.
    progress : bool
        Show a progress bar over subjects (tqdm).

    Returns
    -------
    pandas.DataFrame
        ``subject, path, duration_s, onset_s, peak_s, offset_s`` (paths relative to
        ``out_dir``).
    """
    import pandas as pd
    from tqdm import tqdm

    from eegstate import __version__
    from eegstate.simulate.cohort import _subject_truth

    p = merge_simulation_params(params)
    root = Path(os.path.abspath(Path(out_dir).expanduser()))
    root.mkdir(parents=True, exist_ok=True)
    head = build_head_model(p["channels"])
    cont = p["continuous"]
    rows, subjects = [], {}
    indices = range(1, p["n_subjects"] + 1)
    for index in tqdm(indices, desc="subjects", unit="recording", disable=not progress):
        raw, generator = simulate_continuous_recording(
            index, p, seed, head=head, dose_annotation=dose_annotation
        )
        label = generator.model.label
        relative = f"sub-{label}/sub-{label}_task-continuous_raw.fif"
        write_continuous_recording(raw, root / relative)
        course = generator.course
        subjects[label] = {
            **_subject_truth(generator.model, head),
            "artefacts": generator.artefact_truth(),
            "planted_trajectory": planted_trajectory(
                generator.model, head, course, float(cont["duration_s"])
            ),
        }
        rows.append(
            {
                "subject": label,
                "path": relative,
                "duration_s": float(cont["duration_s"]),
                "onset_s": course.onset_s if course.has_event else None,
                "peak_s": course.peak_s if course.has_event else None,
                "offset_s": course.offset_s if course.has_event else None,
            }
        )
        logger.info("Wrote %s (%.0f s)", relative, float(cont["duration_s"]))
    course = TimeCourse.from_params(cont)
    truth = {
        "generator": "eegstate.simulate.continuous",
        "eegstate_version": __version__,
        "seed": int(seed),
        "params": p,
        "dose_annotation": {"description": dose_annotation, "onset_s": course.onset_s},
        "events": {
            "onset_s": course.onset_s if course.has_event else None,
            "peak_s": course.peak_s if course.has_event else None,
            "plateau_end_s": course.plateau_end_s if course.has_event else None,
            "offset_s": course.offset_s if course.has_event else None,
        },
        "definitions": {
            "intensity": (
                "s(t): 0 until onset_s, linear to 1 at peak_s, 1 until plateau_end_s = offset_s "
                "- decay_s, linear to 0 at offset_s, 0 after"
            ),
            "signal": (
                "sqrt(1 - s(t)) x baseline-state synthesis + sqrt(s(t)) x target-state "
                "synthesis (independent); expected band power (1 - s) P_baseline + s P_target "
                "in linear units; DMN coherency (1 - s) c_baseline + s c_target; the aperiodic "
                "exponent of the mixture lies between the states' exponents"
            ),
            "planted_trajectory": (
                "per subject: expected average-referenced band power in dB re 1 uV^2 per band "
                f"and region every {TRUTH_STEP_S:g} s (artefact-free)"
            ),
            "expected_band_power_db": "per subject: the baseline (s = 0) and target (s = 1) levels",
            "data_units": "volts, reference-free (potentials re infinity)",
        },
        "sources": REFERENCES,
        "head_model": head.describe(),
        "subjects": subjects,
        "recordings": rows,
    }
    from eegstate.simulate.cohort import _round

    write_text(json.dumps(_round(truth), indent=1, allow_nan=False), root / "ground_truth.json")
    table = pd.DataFrame(rows)
    write_text(table.to_csv(sep="\t", index=False), root / "recordings.tsv")
    return table
