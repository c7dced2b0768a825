"""Aperiodic-adjusted spectra: specparam fits of each recording's channel-average PSD.

A band-power drop can come from a flatter or lower aperiodic (1/f) component rather than a
weaker oscillation (Donoghue et al. 2020, Nat Neurosci 23:1655). Each recording's PSD,
averaged in linear power over the channels of a *site* (e.g. the parietal and occipital
channels), is parameterised with specparam (the successor of FOOOF) in the ``fixed``
aperiodic mode over ``freq_range``: ``log10 P(f) = offset − log10(f**exponent) + peaks``.
The largest periodic peak in the alpha and theta peak ranges is reported with its centre
frequency, its height above the aperiodic fit in dB (10 × specparam's log10 power) and
whether it reaches ``min_peak_height_db`` ("present").
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from eegstate.settings import AperiodicSettings, ClaimsOptions
from eegstate.stats.paired import check_columns
from eegstate.tables import APERIODIC_COLUMNS, RECORDING_COLUMNS

logger = logging.getLogger(__name__)

#: Peak ranges reported per fit: name -> how its [low, high) range is found in the settings.
PEAK_NAMES: tuple[str, ...] = ("alpha", "theta", "alpha_slow")


def peak_range(settings: AperiodicSettings, name: str) -> tuple[float, float]:
    """Centre-frequency range [low, high) of a reported peak (``alpha_slow``: just below alpha).

    The settings must be resolved (:func:`resolve_settings`: no null range left).
    """
    alpha, theta = settings.alpha_range, settings.theta_range
    if alpha is None or theta is None:
        raise ValueError(
            "resolve the peak ranges first (eegstate.stats.aperiodic.resolve_settings)"
        )
    if name == "alpha_slow":
        return max(0.0, alpha[0] - settings.slowing_hz), alpha[0]
    return alpha if name == "alpha" else theta


def _largest_peak(peaks: np.ndarray, fmin: float, fmax: float) -> tuple[float, float, float]:
    """Centre frequency, height (log10) and bandwidth of the highest peak in [fmin, fmax)."""
    best = (np.nan, np.nan, np.nan)
    for cf, pw, bw in peaks:
        if fmin <= cf < fmax and (np.isnan(best[1]) or pw > best[1]):
            best = (float(cf), float(pw), float(bw))
    return best


def fit_spectrum(
    freqs: np.ndarray, power: np.ndarray, settings: AperiodicSettings
) -> dict[str, float | bool]:
    """Parameterise one power spectrum (linear units) with specparam.

    Parameters
    ----------
    freqs : numpy.ndarray
        Frequencies (Hz).
    power : numpy.ndarray
        Power spectral density in linear units (e.g. µV²/Hz).
    settings : eegstate.settings.AperiodicSettings
        ``stats.aperiodic`` settings with ``alpha_range`` and ``theta_range`` resolved to
        numbers (:func:`resolve_settings`).

    Returns
    -------
    dict
        ``offset``, ``exponent``, ``r_squared``, ``fit_error``, and per peak range
        (:data:`PEAK_NAMES`: ``alpha``, ``theta``, ``alpha_slow``) ``<name>_freq``,
        ``<name>_height_db``, ``<name>_bandwidth``, ``<name>_present``; NaN / False when the
        fit or the peak is missing.
    """
    from specparam import SpectralModel

    s = settings
    fmin, fmax = s.freq_range
    model = SpectralModel(
        aperiodic_mode="fixed",
        peak_width_limits=list(s.peak_width_limits),
        max_n_peaks=s.max_n_peaks,
        peak_threshold=s.peak_threshold,
        min_peak_height=s.min_peak_height_db / 10.0,
        verbose=False,
    )
    out: dict[str, float | bool] = {
        "offset": np.nan,
        "exponent": np.nan,
        "r_squared": np.nan,
        "fit_error": np.nan,
    }
    for name in PEAK_NAMES:
        out.update(
            {
                f"{name}_freq": np.nan,
                f"{name}_height_db": np.nan,
                f"{name}_bandwidth": np.nan,
                f"{name}_present": False,
            }
        )
    freqs = np.asarray(freqs, dtype=float)
    power = np.asarray(power, dtype=float)
    keep = (freqs > 0) & np.isfinite(power) & (power > 0)
    if np.sum(keep & (freqs >= fmin) & (freqs <= fmax)) < 10:
        logger.warning("too few frequencies in %g-%g Hz for a spectral fit", fmin, fmax)
        return out
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(freqs[keep], power[keep], [fmin, fmax])
    aperiodic = np.asarray(model.get_params("aperiodic"), dtype=float).ravel()
    if aperiodic.size < 2 or not np.all(np.isfinite(aperiodic)):
        logger.warning("spectral fit failed")
        return out
    out["offset"], out["exponent"] = float(aperiodic[0]), float(aperiodic[-1])
    metrics = model.results.metrics.results if hasattr(model.results, "metrics") else {}
    for key, value in dict(metrics).items():
        if key.startswith("gof_rsquared"):
            out["r_squared"] = float(value)
        elif key.startswith("error"):
            out["fit_error"] = float(value)
    peaks = np.atleast_2d(np.asarray(model.get_params("periodic"), dtype=float))
    peaks = peaks[np.all(np.isfinite(peaks), axis=1)] if peaks.size else np.empty((0, 3))
    min_height = s.min_peak_height_db
    for name in PEAK_NAMES:
        lo, hi = peak_range(s, name)
        cf, pw, bw = _largest_peak(peaks, lo, hi)
        height_db = 10.0 * pw
        out[f"{name}_freq"] = cf
        out[f"{name}_height_db"] = height_db
        out[f"{name}_bandwidth"] = bw
        out[f"{name}_present"] = bool(np.isfinite(height_db) and height_db >= min_height)
    return out


def resolve_settings(
    settings: AperiodicSettings, bands: Mapping[str, Sequence[float]], claims: ClaimsOptions
) -> AperiodicSettings:
    """Fill the peak ranges left null in ``stats.aperiodic`` with the claim bands' edges.

    Parameters
    ----------
    settings : eegstate.settings.AperiodicSettings
        ``stats.aperiodic`` settings.
    bands : mapping
        ``bandpower.bands`` (name -> [low, high)).
    claims : eegstate.settings.ClaimsOptions
        ``claims`` settings (``alpha_band``, ``theta_band``).

    Returns
    -------
    eegstate.settings.AperiodicSettings
        The settings with both peak ranges set (a band missing from ``bands`` keeps the
        schema's documented fallback: the claim's default band edges, 8-13 and 4-8 Hz).
    """
    fallback = {"alpha": (8.0, 13.0), "theta": (4.0, 8.0)}
    ranges = {}
    for name in ("alpha", "theta"):
        given = getattr(settings, f"{name}_range")
        band = getattr(claims, f"{name}_band")
        if given is not None:
            ranges[f"{name}_range"] = tuple(float(v) for v in given)
        elif band in bands:
            ranges[f"{name}_range"] = tuple(float(v) for v in bands[band])
        else:
            ranges[f"{name}_range"] = fallback[name]
    return replace(settings, **ranges)


def aperiodic_table(
    psd: pd.DataFrame,
    sites: Mapping[str, Sequence[str]],
    settings: AperiodicSettings,
) -> pd.DataFrame:
    """Fit every recording's site-average spectrum (``aperiodic.tsv``).

    Parameters
    ----------
    psd : pandas.DataFrame
        :data:`eegstate.tables.PSD_COLUMNS` (``psd_db`` = 10·log10 µV²/Hz).
    sites : mapping
        Site name -> channel names (matched case-insensitively; a site with no channel in a
        recording is skipped for it).
    settings : eegstate.settings.AperiodicSettings
        Resolved ``stats.aperiodic`` settings (:func:`resolve_settings`).

    Returns
    -------
    pandas.DataFrame
        :data:`eegstate.tables.APERIODIC_COLUMNS`, one row per recording × site.
    """
    check_columns(psd, (*RECORDING_COLUMNS, "channel", "freq", "psd_db"), "psd")
    s = settings
    rows = []
    lower = psd["channel"].astype(str).str.lower()
    for site, channels in sites.items():
        wanted = {str(c).lower() for c in channels}
        sub = psd[lower.isin(wanted)]
        if sub.empty:
            continue
        linear = sub.assign(_lin=np.power(10.0, sub["psd_db"].to_numpy(dtype=float) / 10.0))
        keys = [*RECORDING_COLUMNS, "freq"]
        mean = linear.groupby(keys, sort=False).agg(
            power=("_lin", "mean"), n_channels=("channel", "nunique")
        )
        mean = mean.reset_index()
        for ident, rec in mean.groupby(list(RECORDING_COLUMNS), sort=False):
            rec = rec.sort_values("freq")
            fit = fit_spectrum(rec["freq"].to_numpy(), rec["power"].to_numpy(), s)
            rows.append(
                {
                    **dict(zip(RECORDING_COLUMNS, ident, strict=True)),
                    "site": site,
                    "n_channels": int(rec["n_channels"].max()),
                    "fit_fmin": float(s.freq_range[0]),
                    "fit_fmax": float(s.freq_range[1]),
                    **fit,
                }
            )
    return pd.DataFrame(rows, columns=list(APERIODIC_COLUMNS))
