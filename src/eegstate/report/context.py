"""What every section needs to know besides the tables: states, settings, region sets.

Read once from the validated configuration (:meth:`ReportContext.from_config`), so option
values and their defaults are never restated in the report. The posterior site is the alpha
claim's regions and the frontal site the theta claim's (``claims.alpha_regions``,
``claims.theta_regions`` named by :func:`eegstate.stats.claims.site_name`), as in the claims
and the statistics.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from eegstate.stats.claims import DESIGN_CAVEAT, site_name

if TYPE_CHECKING:
    import mne

#: Shown next to every gamma-band result.
GAMMA_NOTE = (
    "Power above about 30 Hz is prone to muscle (EMG) artefact in scalp EEG; treat gamma-band "
    "differences with care (Whitham et al. 2007, Clin Neurophysiol 118:1877)."
)


@dataclass(frozen=True)
class Band:
    """A frequency band of ``bandpower.bands``."""

    name: str
    fmin: float
    fmax: float

    @property
    def is_gamma(self) -> bool:
        """Whether the band is named gamma or starts at or above 30 Hz (muscle-prone)."""
        return "gamma" in self.name.lower() or self.fmin >= 30.0


@dataclass(frozen=True)
class ReportContext:
    """Settings of one report (from the validated configuration) and the figure sink."""

    config: Mapping[str, Any]
    dataset: str
    baseline: str
    target: str
    title: str
    seed: int
    alpha: float
    ci_level: float
    n_bootstrap: int
    bands: tuple[Band, ...]
    alpha_regions: tuple[str, ...]
    posterior_site: str
    frontal_site: str
    dmn_band: str
    dmn_metrics: tuple[str, ...]
    min_peak_height_db: float
    design_note: str | None
    info: mne.Info | None = None
    versions: Mapping[str, str] = field(default_factory=dict)
    sink: MutableMapping[str, bytes] | None = field(default=None, compare=False)

    @classmethod
    def from_config(
        cls,
        config: Mapping[str, Any],
        *,
        info: mne.Info | None = None,
        title: str | None = None,
        versions: Mapping[str, str] | None = None,
        sink: MutableMapping[str, bytes] | None = None,
    ) -> ReportContext:
        """Read the report's settings from a validated configuration.

        Parameters
        ----------
        config : mapping
            Validated configuration (:func:`eegstate.config.validate_config`).
        info : mne.Info, optional
            Channel positions for the topomaps.
        title : str, optional
            Page title; defaults to ``"eegstate group report — <dataset>: <target> vs
            <baseline>"``.
        versions : mapping, optional
            Package name -> version, shown in the header and the last section.
        sink : mutable mapping, optional
            Receives the PNG bytes of the main figures.

        Returns
        -------
        ReportContext
            The settings.
        """
        claims = config["claims"]
        metrics = claims["dmn_metric"]
        bands = sorted(
            (
                Band(str(k), float(v[0]), float(v[1]))
                for k, v in config["bandpower"]["bands"].items()
            ),
            key=lambda b: (b.fmin, b.fmax, b.name),
        )
        dataset, baseline, target = (
            str(config["dataset"]),
            str(config["baseline"]),
            str(config["target"]),
        )
        return cls(
            config=config,
            dataset=dataset,
            baseline=baseline,
            target=target,
            title=title or f"eegstate group report — {dataset}: {target} vs {baseline}",
            seed=int(config["seed"]),
            alpha=float(config["stats"]["alpha"]),
            ci_level=float(config["report"]["ci_level"]),
            n_bootstrap=int(config["report"]["n_bootstrap"]),
            bands=tuple(bands),
            alpha_regions=tuple(str(r) for r in claims["alpha_regions"] or ()),
            posterior_site=site_name(claims["alpha_regions"]),
            frontal_site=site_name(claims["theta_regions"]),
            dmn_band=str(claims["dmn_band"]),
            dmn_metrics=(metrics,) if isinstance(metrics, str) else tuple(metrics),
            min_peak_height_db=float(config["stats"]["aperiodic"]["min_peak_height_db"]),
            design_note=DESIGN_CAVEAT if claims["open_label_fixed_order"] else None,
            info=info,
            versions=dict(versions or {}),
            sink=sink,
        )

    def band(self, name: str) -> Band | None:
        """The configured band of that name (None when not configured)."""
        return next((b for b in self.bands if b.name == str(name)), None)

    def band_frame(self) -> pd.DataFrame:
        """The bands as a table (``band, fmin, fmax``) for the figures."""
        return pd.DataFrame(
            [(b.name, b.fmin, b.fmax) for b in self.bands], columns=["band", "fmin", "fmax"]
        )

    def shown_site(self, sites: Any) -> str | None:
        """The posterior site if the table has it, else its first site (``all`` fallback).

        The statistics step falls back to every channel when no channel lies in
        ``claims.alpha_regions``; the report follows the site the table contains.
        """
        names = list(dict.fromkeys(str(s) for s in sites))
        if not names:
            return None
        return self.posterior_site if self.posterior_site in names else names[0]
