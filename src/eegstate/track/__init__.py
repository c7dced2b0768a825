"""Time-resolved state tracking of continuous recordings (README "State tracking").

Pure functions: MNE recordings and settings in, tidy tables and records out.

* :func:`track_raw` — the whole track of one recording (:mod:`.core`);
* :mod:`.windows` — chunked reading and preprocessing, per-window components;
* :mod:`.index` — the unsupervised index and the model's probability;
* :mod:`.events` — change points, the event rule, onset/peak/offset and their intervals;
* :mod:`.figure` — the hypnogram-like figure; :mod:`.summary` — the group table and section.

Example
-------
>>> import mne                                                    # doctest: +SKIP
>>> from eegstate.config import validate_config
>>> from eegstate.track import track_raw, events_json
>>> raw = mne.io.read_raw("night.edf", preload=False)
>>> result = track_raw(raw, validate_config({}), baseline=(0, 300))
>>> result.table[["time_s", "index", "alpha_db_occipital"]]
>>> events_json(result)["onset_s"]
"""

from eegstate.track.core import TRACK_COLUMNS, TrackResult, events_json, track_raw
from eegstate.track.events import EventSettings, detect_events
from eegstate.track.summary import SUMMARY_COLUMNS, track_section, track_summary
from eegstate.track.windows import TrackInputError

__all__ = [
    "SUMMARY_COLUMNS",
    "TRACK_COLUMNS",
    "EventSettings",
    "TrackInputError",
    "TrackResult",
    "detect_events",
    "events_json",
    "track_raw",
    "track_section",
    "track_summary",
]
