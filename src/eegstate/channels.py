"""Channel names and types of real recordings: naming conventions mapped to a montage's names.

Pure functions (names in, a mapping and a report out); :mod:`eegstate.preprocess` applies them
to the :class:`mne.io.Raw`. Clinical and public EDF files name channels in a handful of
conventions. A name the montage does not know as it is (compared case-insensitively) is matched
after these rules, in this order (:data:`CONVENTIONS`):

1. ``dots``: padding dots are removed (``Fc5.``, ``Cz..``; PhysioNet EEGBCI).
2. ``type prefix``: a leading ``EEG`` is removed (``EEG Fp1-REF``; the TUH corpus and many
   clinical exports).
3. ``reference suffix``: a trailing reference is removed (``-REF``, ``-LE``, ``-AR``, ``-AVG``,
   ``-A1``, ``-A2``, ``-M1``, ``-M2``, ``-A1A2``, ``-M1M2``, also after ``_`` or a space):
   ``Fp1-A1``, ``O2-M1``, ``EEG O1-LE``. Bipolar derivations such as ``Fp1-F3`` are left alone.
4. ``case``: the montage's spelling is used (``FP1`` → ``Fp1``, ``FPZ`` → ``Fpz``).
5. ``old 10-20 name``: ``T3``, ``T4``, ``T5``, ``T6`` → ``T7``, ``T8``, ``P7``, ``P8`` when the
   montage has the new name.

A name matching two montage channels, or two channels matching one montage name (e.g. ``T3``
and ``T7`` in one file), is an error naming both.

Channels typed EEG whose name says they are something else (:data:`NON_EEG_NAMES`) are retyped
(EDF and BrainVision files do not store channel types, so every signal is read as EEG).

Hand-written because MNE has no general helper: :func:`mne.datasets.eegbci.standardize` only
strips the EEGBCI dots and fixes the case of every name unconditionally, and
``mne.io.read_raw_edf(infer_types=True)`` only reads a ``TYPE name`` prefix (``EOG LOC``), not
names such as ``ECG`` or ``EKG1`` or reference suffixes.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

#: The naming conventions recognised, in the order they are tried.
CONVENTIONS: tuple[str, ...] = (
    "dots",
    "type prefix",
    "reference suffix",
    "case",
    "old 10-20 name",
)

#: Reference names that may end a referential channel name (after ``-``, ``_`` or a space).
REFERENCE_SUFFIXES: tuple[str, ...] = (
    "REF",
    "LE",
    "AR",
    "AVG",
    "A1",
    "A2",
    "M1",
    "M2",
    "A1A2",
    "M1M2",
)

#: Old 10-20 names -> their 10-10 names (same positions in MNE's standard montages).
OLD_1020_NAMES: dict[str, str] = {"T3": "T7", "T4": "T8", "T5": "P7", "T6": "P8"}

#: Words in a channel name (case-insensitive, trailing digits ignored, e.g. ``EKG1``,
#: ``EOG horizontal``, ``STI 014``, ``EEG EKG1-REF``) that make it a non-EEG channel, and the
#: MNE channel type it gets.
NON_EEG_NAMES: dict[str, str] = {
    "EOG": "eog",
    "VEOG": "eog",
    "HEOG": "eog",
    "ECG": "ecg",
    "EKG": "ecg",
    "EMG": "emg",
    "RESP": "resp",
    "STATUS": "stim",
    "TRIGGER": "stim",
    "TRIG": "stim",
    "STI": "stim",
    "STIM": "stim",
    "PHOTIC": "misc",
    "SPO": "bio",  # SpO2
    "SAO": "bio",  # SaO2
    "ANNOTATIONS": "misc",  # "EDF Annotations" read as a signal
}

_TYPE_PREFIX = re.compile(r"^EEG[\s_:-]+", re.IGNORECASE)
_REFERENCE_SUFFIX = re.compile(
    r"[\s_-]+(?:" + "|".join(sorted(REFERENCE_SUFFIXES, key=len, reverse=True)) + r")$",
    re.IGNORECASE,
)
_WORD = re.compile(r"[A-Z]+")


class ChannelNameError(ValueError):
    """Channel names cannot be matched unambiguously, or an explicit rename is invalid."""


@dataclass(frozen=True)
class MontageMatch:
    """How the channels of a recording match a montage.

    Attributes
    ----------
    rename : dict
        Channel name -> montage name, for the channels whose name changes.
    rules : dict
        Channel name -> the conventions (:data:`CONVENTIONS`) used for its new name.
    unknown : list of str
        Channels the montage does not know, even after the conventions.
    """

    rename: dict[str, str]
    rules: dict[str, tuple[str, ...]]
    unknown: list[str]


def candidate_name(name: str) -> tuple[str, tuple[str, ...]]:
    """Strip the dots, type prefix and reference suffix conventions from a channel name.

    Parameters
    ----------
    name : str
        Channel name as in the file.

    Returns
    -------
    candidate : str
        The name without those conventions (case unchanged).
    rules : tuple of str
        The conventions that were removed.
    """
    rules: list[str] = []
    text = name.strip()
    if text.strip(".") != text:
        text = text.strip(".").strip()
        rules.append("dots")
    without_prefix = _TYPE_PREFIX.sub("", text)
    if without_prefix != text and without_prefix:
        text = without_prefix
        rules.append("type prefix")
    without_suffix = _REFERENCE_SUFFIX.sub("", text)
    if without_suffix != text and without_suffix:
        text = without_suffix
        rules.append("reference suffix")
    return text, tuple(rules)


def _montage_lookup(montage_names: Iterable[str]) -> dict[str, list[str]]:
    lookup: dict[str, list[str]] = {}
    for montage_name in montage_names:
        lookup.setdefault(montage_name.lower(), []).append(montage_name)
    return lookup


def _find(
    name: str, lookup: Mapping[str, list[str]], montage_label: str
) -> tuple[str | None, tuple[str, ...]]:
    """Montage name of one channel and the rules used (None when the montage lacks it)."""
    text, rules = (name, ()) if name.lower() in lookup else candidate_name(name)
    matches = lookup.get(text.lower(), [])
    if not matches and text.upper() in OLD_1020_NAMES:
        modern = OLD_1020_NAMES[text.upper()]
        matches = lookup.get(modern.lower(), [])
        rules = (*rules, "old 10-20 name") if matches else rules
    elif matches and text.upper() in OLD_1020_NAMES:
        # The montage knows the old name too (same position): report the 10-10 name, which
        # region definitions use, when the montage has it.
        modern = lookup.get(OLD_1020_NAMES[text.upper()].lower(), [])
        if modern:
            matches, rules = modern, (*rules, "old 10-20 name")
    if len(matches) > 1:
        raise ChannelNameError(
            f"channel {name!r} matches {' and '.join(repr(m) for m in matches)} of the montage "
            f"{montage_label!r}; rename it with 'preprocess.channel_rename'"
        )
    if not matches:
        return None, ()
    match = matches[0]
    if match != text and match.lower() == text.lower() and "old 10-20 name" not in rules:
        rules = (*rules, "case")
    return match, rules


def match_montage(
    names: Sequence[str], montage_names: Sequence[str], montage_label: str = "montage"
) -> MontageMatch:
    """Match channel names to a montage's names, recognising the :data:`CONVENTIONS`.

    Names the montage knows exactly are kept; the others are mapped to its spelling.

    Parameters
    ----------
    names : sequence of str
        EEG channel names of a recording.
    montage_names : sequence of str
        Channel names of the montage.
    montage_label : str
        Name of the montage, for messages.

    Returns
    -------
    MontageMatch
        The renames, the rules used and the channels without a montage name.

    Raises
    ------
    ChannelNameError
        When a name matches two montage channels, or two channels match one montage name.
    """
    lookup = _montage_lookup(montage_names)
    targets: dict[str, list[str]] = {}
    rename: dict[str, str] = {}
    rules: dict[str, tuple[str, ...]] = {}
    unknown: list[str] = []
    for name in names:
        match, used = _find(name, lookup, montage_label)
        if match is None:
            unknown.append(name)
            continue
        targets.setdefault(match, []).append(name)
        if match != name:
            rename[name] = match
            rules[name] = used
    for target, sources in targets.items():
        if len(sources) > 1:
            raise ChannelNameError(
                f"channels {' and '.join(repr(s) for s in sources)} both match the channel "
                f"{target!r} of the montage {montage_label!r}; keep one (give the other a name "
                "the montage does not know with 'preprocess.channel_rename' and it is dropped)"
            )
    return MontageMatch(rename=rename, rules=rules, unknown=unknown)


def non_eeg_type(name: str) -> str | None:
    """MNE channel type that a channel name implies when it is not EEG (:data:`NON_EEG_NAMES`).

    Parameters
    ----------
    name : str
        Channel name.

    Returns
    -------
    str or None
        ``eog``, ``ecg``, ``emg``, ``resp``, ``stim``, ``bio`` or ``misc``; None for a name that
        does not say (an EEG electrode name).
    """
    for word in _WORD.findall(name.upper()):
        if word in NON_EEG_NAMES:
            return NON_EEG_NAMES[word]
    return None


def infer_channel_types(names: Sequence[str], types: Sequence[str]) -> dict[str, str]:
    """Types of the EEG-typed channels whose names say they are something else.

    Parameters
    ----------
    names, types : sequence of str
        Channel names and their current MNE types.

    Returns
    -------
    dict
        Channel name -> new type (only channels that change).
    """
    return {
        name: new
        for name, kind in zip(names, types, strict=True)
        if kind == "eeg" and (new := non_eeg_type(name)) is not None
    }


def check_rename_mapping(mapping: Mapping[str, str], where: str) -> dict[str, str]:
    """Validate an explicit rename mapping on its own (no recording needed).

    Parameters
    ----------
    mapping : mapping
        Old channel name -> new name.
    where : str
        Where the mapping comes from (option or file), for messages.

    Returns
    -------
    dict
        The mapping, as plain ``str -> str``.

    Raises
    ------
    ChannelNameError
        When a new name is empty or two old names get the same new name.
    """
    checked = {str(old): str(new) for old, new in mapping.items()}
    by_new: dict[str, list[str]] = {}
    for old, new in checked.items():
        if not new.strip():
            raise ChannelNameError(f"{where}: channel {old!r} is renamed to an empty name")
        by_new.setdefault(new, []).append(old)
    for new, olds in by_new.items():
        if len(olds) > 1:
            raise ChannelNameError(
                f"{where}: channels {' and '.join(repr(o) for o in olds)} are both renamed to "
                f"{new!r}; give each channel its own name"
            )
    return checked


def read_rename_table(path: str | Path) -> dict[str, str]:
    """Read a two-column TSV of channel renames (``old<TAB>new``).

    Blank lines and lines starting with ``#`` are skipped; a first line ``old<TAB>new`` is a
    header.

    Parameters
    ----------
    path : str or pathlib.Path
        The TSV file.

    Returns
    -------
    dict
        Old name -> new name.

    Raises
    ------
    ChannelNameError
        When the file is missing or unreadable, a line does not have two columns, or an old
        name is listed twice.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as err:
        raise ChannelNameError(
            f"channel rename table {path} cannot be read ({err.strerror}); give the path of a "
            "two-column TSV (old<TAB>new), relative to the working directory"
        ) from err
    mapping: dict[str, str] = {}
    lines: dict[str, int] = {}
    for number, row in enumerate(csv.reader(text.splitlines(), delimiter="\t"), start=1):
        if not row or not "".join(row).strip() or row[0].startswith("#"):
            continue
        if len(row) != 2 or not row[0].strip():
            raise ChannelNameError(
                f"{path}, line {number}: expected two tab-separated columns old<TAB>new, got "
                f"{row!r}"
            )
        old, new = row[0].strip(), row[1].strip()
        if number == 1 and (old.lower(), new.lower()) == ("old", "new"):
            continue
        if old in mapping:
            raise ChannelNameError(
                f"{path}, line {number}: channel {old!r} is already renamed on line {lines[old]}"
            )
        mapping[old], lines[old] = new, number
    return check_rename_mapping(mapping, str(path))


def rename_mapping(value: Mapping[str, str] | str | Path | None) -> dict[str, str]:
    """The explicit renames of option ``preprocess.channel_rename`` (a mapping or a TSV path)."""
    if value is None:
        return {}
    if isinstance(value, str | Path):
        return read_rename_table(value)
    return check_rename_mapping(value, "option 'preprocess.channel_rename'")


def check_explicit_rename(names: Sequence[str], mapping: Mapping[str, str]) -> dict[str, str]:
    """Check that explicit renames fit a recording's channels.

    Parameters
    ----------
    names : sequence of str
        Channel names of the recording.
    mapping : mapping
        Old name -> new name (:func:`rename_mapping`).

    Returns
    -------
    dict
        The renames that change a name.

    Raises
    ------
    ChannelNameError
        When an old name is not a channel of the recording, or a new name is already the name
        of a channel that is not renamed.
    """
    present = set(names)
    missing = [old for old in mapping if old not in present]
    if missing:
        shown = ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")
        raise ChannelNameError(
            f"'preprocess.channel_rename' renames {', '.join(repr(m) for m in missing)}, which "
            f"the recording does not have (its channels: {shown})"
        )
    changes = {old: new for old, new in mapping.items() if old != new}
    kept = present - set(changes)
    clashes = [f"{old!r} -> {new!r}" for old, new in changes.items() if new in kept]
    if clashes:
        raise ChannelNameError(
            f"'preprocess.channel_rename' {', '.join(clashes)}: the recording already has a "
            "channel of that name; rename that one too"
        )
    return changes


def _listing(items: Sequence[str], limit: int) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f", +{len(items) - limit} more" if len(items) > limit else "")


@dataclass
class ChannelChanges:
    """What was renamed, retyped and dropped in one recording (``qc.tsv`` ``channel_changes``)."""

    renamed: list[tuple[str, str, tuple[str, ...]]] = field(default_factory=list)
    retyped: list[tuple[str, str]] = field(default_factory=list)
    dropped: list[tuple[str, str]] = field(default_factory=list)

    def rename(self, mapping: Mapping[str, str], rules: Mapping[str, Sequence[str]]) -> None:
        """Record renames (old -> new) and the conventions used for each.

        A channel renamed again (an explicit rename, then a montage convention) keeps one entry
        from its name in the file to its final name.
        """
        earlier = {new: index for index, (_, new, _) in enumerate(self.renamed)}
        for old, new in mapping.items():
            used = tuple(rules.get(old, ()))
            if old in earlier:
                first, _, before = self.renamed[earlier[old]]
                self.renamed[earlier[old]] = (first, new, (*before, *used))
            else:
                self.renamed.append((old, new, used))

    def summary(self, limit: int = 4) -> str:
        """A short readable account, e.g. ``renamed 64 (dots): Fc5.→FC5, ..., +60 more``.

        Parameters
        ----------
        limit : int
            Examples shown per kind of change.

        Returns
        -------
        str
            ``""`` when nothing changed.
        """
        parts = []
        if self.renamed:
            used = {rule for _, _, rules in self.renamed for rule in rules}
            order = ("explicit", *CONVENTIONS)
            how = ", ".join(rule for rule in order if rule in used)
            how = f" ({how})" if how else ""
            items = [f"{old}→{new}" for old, new, _ in self.renamed]
            parts.append(f"renamed {len(items)}{how}: {_listing(items, limit)}")
        if self.retyped:
            items = [f"{name}→{kind}" for name, kind in self.retyped]
            parts.append(f"retyped {len(items)}: {_listing(items, limit)}")
        if self.dropped:
            items = [f"{name} ({reason})" for name, reason in self.dropped]
            parts.append(f"dropped {len(items)}: {_listing(items, limit)}")
        return "; ".join(parts)
