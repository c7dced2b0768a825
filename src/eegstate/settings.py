"""Typed, frozen settings: one object per configuration section, built once from the config.

The configuration schema (``workflow/schemas/config.schema.yaml``) is the single source of every
option's name, type, default and documentation. :func:`load_settings` turns a configuration
validated by :func:`eegstate.config.validate_config` (so every default is filled in) into a
:class:`Settings` tree of frozen dataclasses; the classes below state only names and types,
never defaults, and ``tests/config/test_settings.py`` checks that they and the schema agree
key by key (names, types, and that the settings of an empty configuration hold the schema's
defaults).

Science functions take these objects (or explicit keyword arguments), never the raw mapping:
``preprocess_raw(raw, settings.preprocess, ...)``. Lists become tuples; mappings stay
``dict`` (so the objects pickle for worker processes); free-form mappings whose keys are the
user's (bands, regions, state maps, grids) are ``Mapping`` fields.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")

Band = tuple[float, float]


# --------------------------------------------------------------------------- datasets


@dataclass(frozen=True)
class EegbciSettings:
    """``eegbci``: options of the EEGBCI adapter."""

    runs: Mapping[str, int]


@dataclass(frozen=True)
class SleepPhysionetSettings:
    """``sleep_physionet``: options of the Sleep-EDF adapter."""

    study: str
    nights: tuple[int, ...]
    drugs: tuple[str, ...]
    states: Mapping[str, tuple[str | int, ...]]
    wake_margin_min: float | None


@dataclass(frozen=True)
class FarnesKetamineSettings:
    """``farnes_ketamine``: options of the Farnes et al. 2020 adapter."""

    eyes: tuple[str, ...]


@dataclass(frozen=True)
class OpenneuroSettings:
    """``openneuro``: options of the OpenNeuro adapter."""

    accession: str | None
    tag: str | None


@dataclass(frozen=True)
class BidsSettings:
    """``bids``: BIDS entities -> states (bids and openneuro adapters)."""

    root: str | None
    datatype: str
    extensions: tuple[str, ...]
    multiple_matches: str
    states: Mapping[str, Any]


# --------------------------------------------------------------------------- simulation


@dataclass(frozen=True)
class EffectSettings:
    """``simulation.effects``: planted target - baseline effects (cohort means)."""

    alpha_occipital_db: float
    alpha_parietal_db: float
    theta_frontal_db: float
    delta_db: float
    gamma_db: float
    remove_alpha: bool
    aperiodic_exponent_change: float
    dmn_coupling_baseline: float
    dmn_coupling_target: float


@dataclass(frozen=True)
class EffectSdSettings:
    """``simulation.effect_sd``: between-subject SDs of the planted effects."""

    alpha_occipital_db: float
    alpha_parietal_db: float
    theta_frontal_db: float
    delta_db: float
    gamma_db: float
    aperiodic_exponent_change: float
    dmn_coupling_baseline: float
    dmn_coupling_target: float


@dataclass(frozen=True)
class ArtefactSettings:
    """``simulation.artefacts``: artefacts of every simulated recording."""

    blink_rate_per_min: float
    blink_amplitude_uv: float
    line_noise_uv: float
    noisy_channel_probability: float
    muscle_bursts_per_min: float
    muscle_amplitude_uv: float


@dataclass(frozen=True)
class ContinuousSettings:
    """``simulation.continuous``: the planted time course of continuous recordings."""

    duration_s: float
    onset_s: float
    peak_s: float
    offset_s: float
    decay_s: float
    muscle_bursts_per_min: float
    muscle_episodes: tuple[tuple[float, float], ...]
    block_s: int
    overlap_s: int


@dataclass(frozen=True)
class SimulationSettings:
    """``simulation``: the simulated cohort."""

    n_subjects: int
    duration_s: float
    sfreq: float
    channels: tuple[str, ...]
    line_freq: float
    file_format: str
    effects: EffectSettings
    effect_sd: EffectSdSettings
    artefacts: ArtefactSettings
    continuous: ContinuousSettings


# --------------------------------------------------------------------------- analysis


@dataclass(frozen=True)
class PreprocessSettings:
    """``preprocess``: preprocessing of every recording."""

    montage: str
    channel_rename: Mapping[str, str] | str
    l_freq: float
    h_freq: float
    line_freq: float | None
    resample_sfreq: float | None
    bad_channels: str
    ica: str
    ica_n_components: int | None
    ica_exclude_labels: tuple[str, ...]
    ica_min_probability: float
    reference: str
    emg_fmin: float | None
    emg_fmax: float | None
    epoch_length_s: float
    reject: str
    reject_mad_factor: float
    reject_ptp_uv: float
    min_epochs: int


@dataclass(frozen=True)
class BandpowerSettings:
    """``bandpower``: spectra and band power."""

    method: str
    welch_window_s: float
    multitaper_bandwidth: float
    fmin: float
    fmax: float
    bands: Mapping[str, Band]
    relative_range: Band

    @property
    def highest_edge(self) -> float:
        """Upper edge of the highest band (Hz)."""
        return max(high for _, high in self.bands.values())


@dataclass(frozen=True)
class ConnectivitySettings:
    """``connectivity``: source-space DMN connectivity."""

    enabled: bool
    method: str
    inverse: str
    snr: float
    spacing_mm: float
    roi_radius_mm: float
    min_channels: int
    bands: tuple[str, ...]
    metrics: tuple[str, ...]
    subjects_dir: str | None


@dataclass(frozen=True)
class ReportSettings:
    """``report``: intervals and reports."""

    ci_level: float
    n_bootstrap: int
    recording_reports: bool


@dataclass(frozen=True)
class IntervalSettings:
    """``report.ci_level`` and ``report.n_bootstrap`` (what a bootstrap CI needs)."""

    ci_level: float
    n_bootstrap: int


@dataclass(frozen=True)
class AperiodicSettings:
    """``stats.aperiodic``: specparam fits."""

    freq_range: Band
    peak_width_limits: Band
    max_n_peaks: int
    peak_threshold: float
    min_peak_height_db: float
    alpha_range: Band | None
    theta_range: Band | None
    slowing_hz: float


@dataclass(frozen=True)
class StatsSettings:
    """``stats``: group statistics."""

    alpha: float
    n_permutations: int
    aperiodic: AperiodicSettings


@dataclass(frozen=True)
class PowerAnalysisSettings:
    """``power``: the power analysis of the claims."""

    enabled: bool
    subjects: tuple[int, ...]
    replicates: int
    decoding_replicates: int
    decoding_permutations: int


@dataclass(frozen=True)
class ClaimsOptions:
    """``claims``: claim measures and verdict thresholds."""

    alpha_band: str
    theta_band: str
    gamma_band: str
    alpha_regions: tuple[str, ...] | None
    theta_regions: tuple[str, ...] | None
    gamma_regions: tuple[str, ...] | None
    alpha_abolished_fraction: float
    theta_emerged_fraction: float
    min_subjects: int
    unchanged_margin_db: float
    emg_rho_threshold: float
    samples_per_cycle: float
    hardware_lowpass_hz: float | None
    dmn_band: str
    dmn_metric: str | tuple[str, ...]
    open_label_fixed_order: bool

    @property
    def dmn_metrics(self) -> tuple[str, ...]:
        """``dmn_metric`` as a tuple (one name or a list in the configuration)."""
        metric = self.dmn_metric
        return (metric,) if isinstance(metric, str) else tuple(metric)


@dataclass(frozen=True)
class ClassificationSettings:
    """``classification``: state classification."""

    enabled: bool
    estimator: str
    normalize: str
    level: str
    features: tuple[str, ...]
    param_grids: Mapping[str, Mapping[str, tuple[Any, ...]]]
    inner_folds: int
    n_permutations: int
    n_jobs: int


@dataclass(frozen=True)
class TrackComponentSettings:
    """``track.components``: what the unsupervised index is made of."""

    bands: tuple[str, ...] | None
    regions: bool
    aperiodic: bool
    dmn: bool
    dmn_band: str
    dmn_metric: str


@dataclass(frozen=True)
class TrackEventSettings:
    """``track.events``: change points, the no-event rule and the intervals."""

    penalty: float
    min_segment_s: float
    threshold_sd: float
    min_elevation: float
    min_event_s: float
    n_bootstrap: int
    bootstrap_block_s: float


@dataclass(frozen=True)
class TrackClaimedSettings:
    """``track.claimed``: the time course claimed in popular accounts (for comparison)."""

    time_to_peak_min: Band
    duration_min: Band


@dataclass(frozen=True)
class TrackSettings:
    """``track``: state tracking over time."""

    recordings: tuple[str, ...] | str
    model: str | None
    window_s: float
    step_s: float
    baseline_s: float
    chunk_s: float
    pad_s: float
    dose_annotation: str
    min_window_coverage: float
    emg_check: bool
    emg_mad_factor: float
    emg_min_db: float
    emg_channel_quantile: float
    components: TrackComponentSettings
    events: TrackEventSettings
    claimed: TrackClaimedSettings


# --------------------------------------------------------------------------- the whole


@dataclass(frozen=True)
class Settings:
    """The whole configuration, typed (top-level options and one object per section)."""

    dataset: str
    adapter: str
    results_dir: str
    baseline: str
    target: str
    samples: str | None
    samples_root: str | None
    allow_paths_outside_root: bool
    data_dir: str | None
    subjects: tuple[int | str, ...] | None
    allow_truncated_files: bool
    on_recording_error: str
    allow_eyes_task_mismatch: bool
    seed: int
    eegbci: EegbciSettings
    sleep_physionet: SleepPhysionetSettings
    farnes_ketamine: FarnesKetamineSettings
    openneuro: OpenneuroSettings
    bids: BidsSettings
    simulation: SimulationSettings
    preprocess: PreprocessSettings
    bandpower: BandpowerSettings
    regions: Mapping[str, tuple[str, ...]]
    connectivity: ConnectivitySettings
    report: ReportSettings
    stats: StatsSettings
    power: PowerAnalysisSettings
    claims: ClaimsOptions
    classification: ClassificationSettings
    track: TrackSettings


@dataclass(frozen=True)
class RecordingSettings:
    """What the per-recording analysis (:func:`eegstate.pipeline.analyse_raw`) consumes."""

    seed: int
    preprocess: PreprocessSettings
    bandpower: BandpowerSettings
    regions: Mapping[str, tuple[str, ...]]

    @classmethod
    def of(cls, settings: Settings) -> RecordingSettings:
        """The recording settings of a whole configuration's settings."""
        return cls(settings.seed, settings.preprocess, settings.bandpower, settings.regions)


@dataclass(frozen=True)
class StatsStepSettings:
    """What the group statistics and the claims engine consume (and the power analysis)."""

    baseline: str
    target: str
    seed: int
    stats: StatsSettings
    claims: ClaimsOptions
    report: IntervalSettings
    preprocess: PreprocessSettings
    bandpower: BandpowerSettings
    connectivity: ConnectivitySettings


@dataclass(frozen=True)
class PowerStepSettings(StatsStepSettings):
    """What the power analysis consumes: the statistics' settings, ``power`` and the
    classifier's (to refit it on resampled studies)."""

    power: PowerAnalysisSettings
    classification: ClassificationSettings


@dataclass(frozen=True)
class TrackStepSettings:
    """What state tracking consumes: the recording's processing, ``track``, the spectral fit
    and claim regions, and the interval level."""

    adapter: str
    seed: int
    on_recording_error: str
    allow_truncated_files: bool
    preprocess: PreprocessSettings
    bandpower: BandpowerSettings
    regions: Mapping[str, tuple[str, ...]]
    connectivity: ConnectivitySettings
    track: TrackSettings
    stats: StatsSettings
    claims: ClaimsOptions
    report: IntervalSettings


# --------------------------------------------------------------------------- building


def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _is_dataclass_type(tp: Any) -> bool:
    return isinstance(tp, type) and dataclasses.is_dataclass(tp)


def _options(tp: Any) -> tuple[Any, ...]:
    """The alternatives of a union annotation (``X | None`` -> ``(X, NoneType)``)."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return typing.get_args(tp)
    return (tp,)


def _matches(tp: Any, value: Any) -> bool:
    origin = typing.get_origin(tp) or tp
    if tp is Any:
        return True
    if tp is type(None):
        return value is None
    if _is_dataclass_type(tp) or origin in (Mapping, dict):
        return isinstance(value, Mapping)
    if origin is tuple:
        return isinstance(value, list | tuple)
    if tp is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if isinstance(origin, type):
        return isinstance(value, origin)
    return True


def _convert(tp: Any, value: Any, where: str) -> Any:
    """Convert a validated configuration value to the annotated type (recursively)."""
    for option in _options(tp):
        if _matches(option, value):
            break
    else:
        raise TypeError(f"settings: {where} = {value!r} does not fit {tp}")
    if option is type(None) or option is Any:
        return value
    if _is_dataclass_type(option):
        return build_settings(option, value, where)
    origin = typing.get_origin(option)
    args = typing.get_args(option)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_convert(args[0], v, f"{where}[{i}]") for i, v in enumerate(value))
        pairs = enumerate(zip(args, value, strict=True))
        return tuple(_convert(a, v, f"{where}[{i}]") for i, (a, v) in pairs)
    if origin in (Mapping, dict):
        value_type = args[1] if args else Any
        return {k: _convert(value_type, v, f"{where}.{k}") for k, v in value.items()}
    if option is float:
        return float(value)
    return value


def build_settings(cls: type[T], values: Mapping[str, Any], where: str = "") -> T:
    """Build a settings dataclass from a validated mapping (every key present).

    Parameters
    ----------
    cls : type
        A settings dataclass of this module.
    values : mapping
        The validated (defaults filled) configuration section.
    where : str
        Option path for messages.

    Returns
    -------
    object
        An instance of ``cls``.

    Raises
    ------
    KeyError
        If an option is missing (the mapping was not validated).
    TypeError
        If a value does not fit the field's type.
    """
    hints = _hints(cls)
    kwargs = {}
    for field in dataclasses.fields(cls):
        name = f"{where}.{field.name}" if where else field.name
        if field.name not in values:
            raise KeyError(
                f"settings: option {name!r} missing; build settings from a configuration "
                "validated by eegstate.config.validate_config"
            )
        kwargs[field.name] = _convert(hints[field.name], values[field.name], name)
    return cls(**kwargs)


def load_settings(config: Mapping[str, Any] | Settings) -> Settings:
    """The typed settings of a configuration (validated and defaults filled if needed).

    Parameters
    ----------
    config : mapping or Settings
        A configuration (partial mappings get the schema's defaults) or settings (returned
        as they are).

    Returns
    -------
    Settings
        Frozen typed settings.

    Raises
    ------
    eegstate.config.ConfigError
        If the configuration is invalid.
    """
    if isinstance(config, Settings):
        return config
    from eegstate.config import validate_config

    return build_settings(Settings, validate_config(config))


def section_settings(cls: type[T], config: Mapping[str, Any] | T, section: str) -> T:
    """One section's settings from a section mapping, a configuration or the object itself.

    Parameters
    ----------
    cls : type
        The section's settings class.
    config : mapping or settings object
        The section object (returned as is), a validated section mapping, or a whole
        configuration holding ``section``.
    section : str
        The section's name (for whole configurations and messages).

    Returns
    -------
    object
        The section's settings.
    """
    if isinstance(config, cls):
        return config
    if section in config and isinstance(config[section], Mapping):
        return build_settings(cls, config[section], section)
    return build_settings(cls, config, section)


def coerce(cls: type[T], value: Mapping[str, Any] | T, section: str) -> T:
    """A section's settings object; a mapping of the section's options is converted.

    Public functions take a section's settings object or, as before the settings objects
    existed, the section as a mapping (validated against the schema, defaults filled in).

    Parameters
    ----------
    cls : type
        The section's settings class.
    value : mapping or settings object
        What the caller passed.
    section : str
        The section's name (``preprocess``, ``connectivity``, ...).

    Returns
    -------
    object
        The settings object.
    """
    if isinstance(value, cls):
        return value
    return section_settings(cls, value, section)


def settings_fields(cls: type) -> tuple[str, ...]:
    """The option names a settings class holds (a step's ``consumes`` declaration)."""
    return tuple(field.name for field in dataclasses.fields(cls))


def to_config(settings: Any) -> Any:
    """Settings back to a plain configuration mapping (tuples become lists)."""
    if dataclasses.is_dataclass(settings):
        return {f.name: to_config(getattr(settings, f.name)) for f in dataclasses.fields(settings)}
    if isinstance(settings, Mapping):
        return {k: to_config(v) for k, v in settings.items()}
    if isinstance(settings, tuple | list):
        return [to_config(v) for v in settings]
    return settings
