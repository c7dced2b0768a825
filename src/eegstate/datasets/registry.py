"""The registry of dataset adapters: the only list of their names.

:data:`ADAPTERS` maps each adapter name (the config option ``adapter``) to its
:class:`~eegstate.datasets.base.DatasetAdapter`: the built-in ones of this package
(:data:`BUILTIN`) and those other installed packages register under the entry-point group
:data:`ENTRY_POINT_GROUP` (``eegstate.datasets``), e.g. in the package's ``pyproject.toml``::

    [project.entry-points."eegstate.datasets"]
    edf-folder = "mylab_eeg.adapter:EdfFolderAdapter"

The entry point's name is the adapter's name; its object is an adapter class (instantiated
without arguments) or instance. ``eegstate datasets``, ``eegstate fetch``, config validation
and the workflow's rules all ask this registry. Adapters are imported when first used, so
listing the names stays fast.
"""

from __future__ import annotations

import importlib
import logging
import textwrap
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from eegstate.datasets.base import DatasetAdapter, DatasetInfo

logger = logging.getLogger(__name__)

#: Entry-point group under which other packages register adapters.
ENTRY_POINT_GROUP = "eegstate.datasets"
#: Built-in adapters: name -> ``module:attribute`` of the adapter class.
BUILTIN: dict[str, str] = {
    "simulated": "eegstate.datasets.simulated:SimulatedAdapter",
    "eegbci": "eegstate.datasets.eegbci:EEGBCIAdapter",
    "sleep-physionet": "eegstate.datasets.sleep_physionet:SleepPhysionetAdapter",
    "farnes-ketamine": "eegstate.datasets.farnes:FarnesAdapter",
    "openneuro": "eegstate.datasets.openneuro:OpenNeuroAdapter",
    "bids": "eegstate.datasets.bids:BIDSAdapter",
    "samplesheet": "eegstate.datasets.samplesheet:SampleSheetAdapter",
}


class AdapterError(ValueError):
    """A registered adapter cannot be loaded, or an adapter name is unknown."""


class UnknownAdapterError(AdapterError, KeyError):
    """No adapter has this name (a KeyError too, as a mapping raises)."""

    def __str__(self) -> str:
        return str(self.args[0])


def _load(target: str) -> Any:
    module, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module), attribute)


class AdapterRegistry(Mapping[str, "DatasetAdapter"]):
    """Adapter name -> adapter, built-in first, then registered entry points (lazy)."""

    def __init__(self) -> None:
        self._targets: dict[str, Any] | None = None
        self._loaded: dict[str, DatasetAdapter] = {}

    def refresh(self) -> None:
        """Look for entry points again (after installing a package in a running process)."""
        self._targets = None
        self._loaded = {}

    def _entries(self) -> dict[str, Any]:
        """Name -> ``module:attribute`` text (built-in) or entry point (other packages)."""
        if self._targets is None:
            from importlib.metadata import entry_points

            targets: dict[str, Any] = dict(BUILTIN)
            for entry in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
                if entry.name in targets:
                    logger.warning(
                        "ignoring the %s entry point %r (%s): the name is taken",
                        ENTRY_POINT_GROUP,
                        entry.name,
                        entry.value,
                    )
                    continue
                targets[entry.name] = entry
            self._targets = targets
        return self._targets

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries())

    def __len__(self) -> int:
        return len(self._entries())

    def __contains__(self, name: object) -> bool:
        return name in self._entries()

    def __getitem__(self, name: str) -> DatasetAdapter:
        if name not in self._loaded:
            self._loaded[name] = self._instantiate(name)
        return self._loaded[name]

    def _instantiate(self, name: str) -> DatasetAdapter:
        from eegstate.datasets.base import DatasetAdapter

        entries = self._entries()
        if name not in entries:
            raise UnknownAdapterError(f"unknown adapter {name!r}; use one of {', '.join(entries)}")
        target = entries[name]
        where = target if isinstance(target, str) else f"entry point {name} = {target.value}"
        try:
            loaded = _load(target) if isinstance(target, str) else target.load()
        except Exception as err:  # a broken plugin raises anything on import
            raise AdapterError(
                f"adapter {name!r} ({where}) cannot be loaded: {type(err).__name__}: {err}"
            ) from err
        adapter = loaded() if isinstance(loaded, type) else loaded
        if not isinstance(adapter, DatasetAdapter):
            raise AdapterError(
                f"adapter {name!r} ({where}) is not an eegstate.datasets.base.DatasetAdapter"
            )
        if adapter.name != name:
            raise AdapterError(
                f"adapter {name!r} ({where}) calls itself {adapter.name!r}; register it under "
                "its own name"
            )
        return adapter


#: Every adapter: name -> adapter.
ADAPTERS = AdapterRegistry()


def get_adapter(name: str) -> DatasetAdapter:
    """The adapter of a name; :class:`AdapterError` naming the known ones otherwise."""
    return ADAPTERS[name]


def dataset_info(name: str) -> DatasetInfo:
    """What ``eegstate datasets`` prints about one adapter."""
    return ADAPTERS[name].info


def dataset_citation(config: Mapping[str, Any]) -> str:
    """Citation of the data a configuration analyses (for the group report).

    Parameters
    ----------
    config : mapping
        Validated configuration.

    Returns
    -------
    str
        The adapter's citation (for ``openneuro`` it names the accession).
    """
    return ADAPTERS[config["adapter"]].citation(config)


def format_datasets(width: int = 100) -> str:
    """Plain-text listing of every adapter for ``eegstate datasets``."""

    def field(label: str, text: str) -> str:
        return textwrap.fill(
            text,
            width=width,
            initial_indent=f"  {label:<9}",
            subsequent_indent=" " * 11,
            break_on_hyphens=False,
        )

    blocks = []
    for name, adapter in ADAPTERS.items():
        info = adapter.info
        lines = [
            name,
            textwrap.fill(
                info.description, width=width, initial_indent="  ", subsequent_indent="  "
            ),
            field("licence", info.licence),
            field("size", info.size),
            field("access", info.access),
            field("config", info.config),
            field("cite", info.citation),
        ]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)
