"""Derive reproducible seeds for sub-tasks from the one master seed of the config."""

from __future__ import annotations

import zlib


def derive_seed(seed: int, *keys: str | int) -> int:
    """Seed for a sub-task, stable across runs and independent of processing order.

    Parameters
    ----------
    seed : int
        Master seed (config option ``seed``).
    *keys : str or int
        Names of the sub-task (e.g. a recording identifier); integers count as their decimal
        text (``7`` and ``"7"`` give the same seed).

    Returns
    -------
    int
        A 32-bit seed.
    """
    import numpy as np

    entropy = [seed, *(zlib.crc32(str(key).encode("utf-8")) for key in keys)]
    return int(np.random.SeedSequence(entropy).generate_state(1)[0])
