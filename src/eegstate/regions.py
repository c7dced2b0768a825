"""Scalp regions: which channel belongs to which region (configured by name)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def channel_regions(
    channels: Iterable[str], regions: Mapping[str, Iterable[str]]
) -> dict[str, str]:
    """Map each channel to its region ("" when it is in none), matching names case-insensitively.

    Parameters
    ----------
    channels : iterable of str
        Channel names of a recording.
    regions : mapping
        Region name -> channel names (the ``regions`` config option).

    Returns
    -------
    dict
        Channel name (as in ``channels``) -> region name or "".
    """
    lookup = {name.lower(): region for region, names in regions.items() for name in names}
    return {channel: lookup.get(channel.lower(), "") for channel in channels}
