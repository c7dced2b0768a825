"""Logging set-up for steps run as workflow jobs."""

from __future__ import annotations

import logging
import os
from pathlib import Path


def configure_logging(log_path: str | Path | None = None, level: int = logging.INFO) -> None:
    """Send eegstate's log records to ``log_path`` (if given) and to standard error.

    Parameters
    ----------
    log_path : str or pathlib.Path, optional
        Log file of the job (truncated).
    level : int
        Logging level.
    """
    # MNE logs every filter design at INFO; keep job logs to what eegstate reports.
    os.environ.setdefault("MNE_LOGGING_LEVEL", "WARNING")
    handlers: list[logging.Handler] = [logging.StreamHandler()]
    if log_path is not None:
        Path(log_path).parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(log_path, mode="w", encoding="utf-8"))
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        handlers=handlers,
        force=True,
    )
    logging.captureWarnings(True)


def run_logged(step, log_path: str | Path | None, /, *args, **kwargs):
    """Run ``step(*args, **kwargs)`` with logging to ``log_path``; failures logged, re-raised.

    Parameters
    ----------
    step : callable
        A step function.
    log_path : str or pathlib.Path, optional
        Log file of the job.
    *args, **kwargs
        Arguments of the step.

    Returns
    -------
    object
        What the step returns.
    """
    configure_logging(log_path)
    try:
        return step(*args, **kwargs)
    except Exception:
        logging.getLogger(step.__module__).exception("step %s failed", step.__name__)
        raise
