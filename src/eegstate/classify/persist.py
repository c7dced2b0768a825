"""Model files: skops serialisation (never pickle), metadata and checksums, as bytes.

A model file is a small zip archive holding three members:

``metadata.json``
    :attr:`TrainedModel.metadata` (format, feature names, bands, channels, sampling rate,
    preprocessing, package versions, ...).
``pipeline.skops``
    The fitted estimator serialised with :mod:`skops.io`, which rebuilds objects from an
    explicit description instead of executing pickle code.
``SHA256SUMS``
    SHA-256 of the two other members.

Loading refuses anything else: a file that is not such an archive (a pickle, another skops
file), a member whose checksum does not match (the file was modified or corrupted), metadata
of an unknown format, and any serialised type that is neither trusted by skops itself nor on
:data:`TRUSTED_TYPES` or the caller's explicit ``trusted`` list. The checksums detect
corruption and edits that do not also rewrite ``SHA256SUMS``; they are not a signature, so
load models only from sources you trust (the type allow-list still prevents code execution).
The functions here work on bytes; reading and writing files is left to the caller.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import zipfile
import zlib
from collections.abc import Iterable
from typing import Any

from eegstate.classify.model import MODEL_FORMAT, MODEL_FORMAT_VERSION, TrainedModel

logger = logging.getLogger(__name__)

#: Types beyond skops' own defaults that eegstate's built-in estimators need.
TRUSTED_TYPES: frozenset[str] = frozenset(
    {
        "sklearn.calibration._CalibratedClassifier",
        "sklearn.calibration._SigmoidCalibration",
        "sklearn.tree._tree.Tree",
    }
)

_METADATA = "metadata.json"
_PIPELINE = "pipeline.skops"
_SUMS = "SHA256SUMS"
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)


class ModelFileError(ValueError):
    """A model file is not an eegstate model, was modified, or holds untrusted types."""


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def untrusted_types(pipeline_bytes: bytes, trusted: Iterable[str] = ()) -> list[str]:
    """Types in a skops dump that neither skops, :data:`TRUSTED_TYPES` nor ``trusted`` allow."""
    import skops.io

    allowed = TRUSTED_TYPES | set(trusted)
    return sorted(set(skops.io.get_untrusted_types(data=pipeline_bytes)) - allowed)


def model_to_bytes(model: TrainedModel) -> bytes:
    """Serialise a trained model (deterministic bytes for the same model and metadata).

    Warns when the estimator contains types outside the allow-list: loading it will need
    those types to be trusted explicitly.
    """
    import skops.io

    pipeline = skops.io.dumps(model.estimator)
    metadata = json.dumps(model.metadata, indent=2, sort_keys=True, default=str).encode()
    extra = untrusted_types(pipeline)
    if extra:
        logger.warning(
            "the model contains types outside eegstate's allow-list %s; loading it will "
            "require trusting them explicitly",
            extra,
        )
    sums = f"{_sha256(metadata)}  {_METADATA}\n{_sha256(pipeline)}  {_PIPELINE}\n".encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in ((_METADATA, metadata), (_PIPELINE, pipeline), (_SUMS, sums)):
            info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, content)
    return buffer.getvalue()


def _read_members(data: bytes, source: str) -> dict[str, bytes]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            expected = {_METADATA, _PIPELINE, _SUMS}
            if names != expected:
                raise ModelFileError(
                    f"{source} is not an eegstate model file (members {sorted(names)}, "
                    f"expected {sorted(expected)})"
                )
            return {name: archive.read(name) for name in expected}
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        zlib.error,
        EOFError,
        OSError,
        ValueError,
        NotImplementedError,
    ) as err:
        if isinstance(err, ModelFileError):
            raise
        raise ModelFileError(
            f"{source} is not a readable eegstate model file ({type(err).__name__}: {err}); "
            "it may be corrupted, or another format (eegstate never loads pickle files)"
        ) from err


def _check_sums(members: dict[str, bytes], source: str) -> None:
    expected = {}
    for line in members[_SUMS].decode("utf-8", "replace").splitlines():
        digest, _, name = line.partition("  ")
        expected[name.strip()] = digest.strip()
    for name in (_METADATA, _PIPELINE):
        if expected.get(name) != _sha256(members[name]):
            raise ModelFileError(
                f"{source} has been modified or corrupted since it was saved (checksum of "
                f"{name} does not match); refusing to load it"
            )


def _parse_metadata(raw: bytes, source: str) -> dict[str, Any]:
    try:
        metadata = json.loads(raw)
    except ValueError as err:
        raise ModelFileError(f"{source}: metadata is not valid JSON ({err})") from err
    if not isinstance(metadata, dict) or metadata.get("format") != MODEL_FORMAT:
        raise ModelFileError(f"{source} is not an eegstate model file (unknown metadata format)")
    version = metadata.get("format_version")
    if not isinstance(version, int) or version > MODEL_FORMAT_VERSION:
        raise ModelFileError(
            f"{source}: model format version {version!r} is newer than this eegstate "
            f"supports ({MODEL_FORMAT_VERSION}); upgrade eegstate"
        )
    return metadata


def model_from_bytes(
    data: bytes, *, trusted: Iterable[str] = (), source: str = "model"
) -> TrainedModel:
    """Load a model serialised by :func:`model_to_bytes`, refusing anything unsafe.

    Parameters
    ----------
    data : bytes
        Content of a model file.
    trusted : iterable of str
        Extra type names (``module.Class``) to trust, e.g. for a plug-in estimator.
    source : str
        Name of the file for messages.

    Returns
    -------
    TrainedModel

    Raises
    ------
    ModelFileError
        If the file is not an eegstate model, was modified, or contains untrusted types.
    """
    import skops.io

    members = _read_members(data, source)
    _check_sums(members, source)
    metadata = _parse_metadata(members[_METADATA], source)
    pipeline = members[_PIPELINE]
    try:
        unknown = untrusted_types(pipeline, trusted)
    except Exception as err:  # skops raises various errors for malformed dumps
        raise ModelFileError(f"{source}: the estimator cannot be read ({err})") from err
    if unknown:
        raise ModelFileError(
            f"{source} contains types that are not trusted: {unknown}. Refusing to load; if "
            "you trust this file and these types, pass them explicitly as trusted "
            "(eegstate predict --trust TYPE)"
        )
    trusted_here = sorted(set(skops.io.get_untrusted_types(data=pipeline)))
    try:
        estimator = skops.io.loads(pipeline, trusted=trusted_here)
    except Exception as err:
        raise ModelFileError(f"{source}: the estimator cannot be loaded ({err})") from err
    if not hasattr(estimator, "predict"):
        raise ModelFileError(f"{source}: the stored object is not a fitted estimator")
    n_features = getattr(estimator, "n_features_in_", None)
    if n_features is not None and n_features != len(metadata.get("feature_names", [])):
        raise ModelFileError(
            f"{source}: the estimator expects {n_features} features but the metadata lists "
            f"{len(metadata.get('feature_names', []))}"
        )
    return TrainedModel(estimator, metadata)
