"""Verified, resumable downloads of single files, and a summary of what a fetch did.

Checksum verification and the atomic move into place are pooch's (:func:`pooch.retrieve`
downloads to a temporary file beside the destination, checks the hash and only then moves it;
on a mismatch the temporary file is deleted, so no corrupt file is ever left under the
destination's name). pooch does not resume an interrupted download, so :class:`ResumableDownloader`
adds that as a pooch downloader: it keeps the bytes received so far in ``<name>.part`` beside
the destination and asks the server for the rest with an HTTP ``Range`` request.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

#: Bytes read from the network per chunk.
CHUNK_SIZE = 1 << 16


class ChecksumError(ValueError):
    """A downloaded or local file does not have the expected checksum."""


class DownloadError(OSError):
    """A file could not be downloaded (network or HTTP error); partial bytes are kept."""


def partial_path(destination: Path) -> Path:
    """Where the bytes of an unfinished download of ``destination`` are kept."""
    return destination.with_name(destination.name + ".part")


@dataclass
class ResumableDownloader:
    """A pooch downloader that resumes from ``partial`` with an HTTP ``Range`` request.

    Written by hand because neither pooch nor requests resume downloads. The bytes received so
    far live in ``partial``; each call asks for the rest (``Range: bytes=<size>-``), appends it
    (or starts over when the server ignores the range and answers 200), shows a tqdm progress
    bar, and when the body is complete moves ``partial`` to the file pooch asked for, which
    pooch then verifies. An interrupted transfer raises :class:`DownloadError` and keeps
    ``partial`` for the next call.

    Parameters
    ----------
    partial : pathlib.Path
        File holding the bytes received so far (created as needed).
    progressbar : bool
        Show a tqdm progress bar (on a terminal only).
    timeout : float
        Seconds to wait for the server to answer or send more bytes.
    """

    partial: Path
    progressbar: bool = True
    timeout: float = 60.0

    def __call__(self, url: str, output_file: Any, pooch: Any = None) -> None:
        """Download ``url`` into ``output_file`` (a path), resuming from ``partial``."""
        import requests
        from tqdm import tqdm

        self.partial.parent.mkdir(parents=True, exist_ok=True)
        have = self.partial.stat().st_size if self.partial.is_file() else 0
        # No compression: byte counts must match the file for resuming.
        headers = {"Accept-Encoding": "identity"}
        if have:
            headers["Range"] = f"bytes={have}-"
        try:
            response = requests.get(url, headers=headers, stream=True, timeout=self.timeout)
            with response:
                if response.status_code == 416:  # the partial file is already complete (or bad)
                    self.partial.unlink()
                    raise DownloadError(f"{url}: server refused to resume; restarting")
                response.raise_for_status()
                if have and response.status_code != 206:
                    logger.info("%s: server does not resume downloads; starting over", url)
                    have = 0
                length = response.headers.get("Content-Length")
                total = have + int(length) if length is not None else None
                if have:
                    logger.info("resuming %s at byte %d", url, have)
                with (
                    open(self.partial, "ab" if have else "wb") as handle,
                    tqdm(
                        total=total,
                        initial=have,
                        unit="B",
                        unit_scale=True,
                        desc=Path(str(self.partial)).name.removesuffix(".part"),
                        disable=None if self.progressbar else True,
                        leave=False,
                    ) as bar,
                ):
                    for chunk in response.iter_content(CHUNK_SIZE):
                        handle.write(chunk)
                        bar.update(len(chunk))
        except requests.RequestException as err:
            raise DownloadError(f"{url}: {type(err).__name__}: {err}") from err
        received = self.partial.stat().st_size
        if total is not None and received < total:
            raise DownloadError(f"{url}: transfer interrupted at {received} of {total} bytes")
        os.replace(self.partial, output_file)


def retrieve(
    url: str,
    destination: str | Path,
    known_hash: str | None,
    *,
    retries: int = 2,
    progressbar: bool = True,
) -> str:
    """Make ``destination`` hold the verified file from ``url``.

    A file already present is kept when it matches ``known_hash`` (or when there is no hash to
    check); otherwise it is downloaded (resuming an earlier partial download), verified and
    moved into place atomically.

    Parameters
    ----------
    url : str
        Where to download from.
    destination : str or pathlib.Path
        Local file.
    known_hash : str or None
        ``"<algorithm>:<hex digest>"`` (``sha256``, ``sha1``, ``md5``) as pooch takes it, or
        None when the host publishes no checksum (the file is then only checked for size).
    retries : int
        Further attempts after an interrupted transfer, each resuming where the last stopped.
    progressbar : bool
        Show a progress bar.

    Returns
    -------
    str
        ``"downloaded"``, ``"verified"`` (present, checksum matches) or ``"present"`` (present,
        nothing to check against).

    Raises
    ------
    ChecksumError
        The downloaded file does not match ``known_hash``; it was deleted.
    DownloadError
        The file could not be downloaded after ``retries`` further attempts; the bytes
        received are kept for the next call.
    """
    import pooch

    destination = Path(destination)
    if destination.is_file():
        if known_hash is None:
            return "present"
        if pooch.file_hash(str(destination), alg=known_hash.split(":")[0]) == _digest(known_hash):
            return "verified"
        logger.warning("%s does not match its checksum; downloading it again", destination)
    downloader = ResumableDownloader(partial_path(destination), progressbar=progressbar)
    for attempt in range(retries + 1):
        try:
            pooch.retrieve(
                url,
                known_hash=known_hash,
                fname=destination.name,
                path=destination.parent,
                downloader=downloader,
            )
        except DownloadError as err:
            if attempt == retries:
                raise DownloadError(
                    f"could not download {destination.name} ({err}); the {_size_of(downloader)} "
                    f"received so far are kept in {downloader.partial} and the next fetch "
                    "resumes from there"
                ) from err
            logger.warning("%s; retrying (%d left)", err, retries - attempt)
        except ValueError as err:  # pooch's hash mismatch; its temporary file is deleted
            raise ChecksumError(
                f"checksum mismatch for {destination.name} downloaded from {url}: {err} The "
                f"download was discarded and nothing was written to {destination}; try again "
                "later, or report it if it persists (the file on the server may have changed)."
            ) from err
        else:
            return "downloaded"
    raise AssertionError("unreachable")  # pragma: no cover


def _digest(known_hash: str) -> str:
    return known_hash.split(":", 1)[1].lower() if ":" in known_hash else known_hash.lower()


def _size_of(downloader: ResumableDownloader) -> str:
    size = downloader.partial.stat().st_size if downloader.partial.is_file() else 0
    return format_bytes(size)


def format_bytes(size: float) -> str:
    """Human-readable size, e.g. ``48.2 MB``."""
    for unit in ("B", "kB", "MB", "GB"):
        if abs(size) < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} TB"  # pragma: no cover


@dataclass
class FetchSummary:
    """What one fetch did, file by file."""

    dataset: str
    root: Path
    downloaded: list[Path] = field(default_factory=list)
    verified: list[Path] = field(default_factory=list)
    present: list[Path] = field(default_factory=list)

    def add(self, path: Path, status: str) -> None:
        """Record the outcome (see :func:`retrieve`) of one file."""
        {"downloaded": self.downloaded, "verified": self.verified, "present": self.present}[
            status
        ].append(Path(path))

    @property
    def files(self) -> list[Path]:
        """Every file the dataset now has locally, sorted."""
        return sorted({*self.downloaded, *self.verified, *self.present})

    def describe(self) -> str:
        """One paragraph for the user: counts, bytes and where the files are."""
        size = sum(path.stat().st_size for path in self.downloaded if path.is_file())
        parts = [
            f"{self.dataset}: {len(self.files)} files in {self.root}",
            f"downloaded {len(self.downloaded)} ({format_bytes(size)})",
            f"verified {len(self.verified)} already present against their checksums",
        ]
        if self.present:
            parts.append(f"kept {len(self.present)} present without a published checksum")
        return "; ".join(parts) + "."


def manifest_table(paths: Iterable[Path]) -> Any:
    """Table ``path, bytes, sha256`` of local files (the workflow's fetch manifests)."""
    import pandas as pd
    import pooch

    paths = sorted(Path(path) for path in paths)
    return pd.DataFrame(
        {
            "path": [str(path) for path in paths],
            "bytes": [path.stat().st_size for path in paths],
            "sha256": [pooch.file_hash(str(path)) for path in paths],
        },
        columns=["path", "bytes", "sha256"],
    )
