"""Regions of interest: default-mode-network (DMN) and control-network nodes.

Node centres are literature MNI coordinates (mm). They are used as the centres of spherical
regions of interest in the offline template model and to document the Desikan-Killiany
(``aparc``) labels used with the full fsaverage subject.

Sources of the coordinates
--------------------------
* ``GARCES2016``: Garcés P, Martín-Buro MC, Maestú F. Quantifying the test-retest reliability of
  magnetoencephalography resting-state functional connectivity. Brain Connect.
  2016;6(6):448-460. Node coordinates of the resting-state networks of Laird et al. 2011
  (J Cogn Neurosci 23:4022) and Smith et al. 2009 (PNAS 106:13040), chosen for MEG/EEG source
  connectivity.
* ``ANDREWSHANNA2010``: Andrews-Hanna JR, Reidler JS, Sepulcre J, Poulin R, Buckner RL.
  Functional-anatomic fractionation of the brain's default network. Neuron. 2010;65(4):550-562
  (left-hemisphere ROIs; right-hemisphere homologues here mirror x).

The DMN itself: Raichle ME et al. 2001, PNAS 98:676; Fox MD et al. 2005, PNAS 102:9673.

The coordinates are MNI152 while fsaverage's surface RAS is MNI305 (Talairach-registered); the
two differ by a few millimetres, well below the spatial resolution of template-head EEG source
imaging (MNE's fsaverage tutorial warns of errors of several centimetres). They are used as
fsaverage MRI coordinates without further transformation.
"""

from __future__ import annotations

from dataclasses import dataclass

GARCES2016 = (
    "Garcés P, Martín-Buro MC, Maestú F. Quantifying the test-retest reliability of "
    "magnetoencephalography resting-state functional connectivity. Brain Connect. "
    "2016;6(6):448-460."
)
ANDREWSHANNA2010 = (
    "Andrews-Hanna JR, Reidler JS, Sepulcre J, Poulin R, Buckner RL. Functional-anatomic "
    "fractionation of the brain's default network. Neuron. 2010;65(4):550-562."
)

#: Network of the default mode network nodes.
DMN = "dmn"
#: Networks used as controls: a change confined to the DMN should leave them unchanged.
CONTROL_NETWORKS: tuple[str, ...] = ("sensorimotor",)


@dataclass(frozen=True)
class Node:
    """One region of interest.

    Attributes
    ----------
    name : str
        Short name used in the tables (``node_a``, ``node_b``).
    network : str
        Network the node belongs to (``dmn``, ``sensorimotor``, ...).
    anatomy : str
        Anatomical description.
    mni_mm : tuple of float
        Centre, MNI coordinates in millimetres.
    reference : str
        Citation of the coordinate.
    aparc : tuple of str
        Desikan-Killiany labels (with hemisphere suffix) forming the node in the
        ``fsaverage_surface`` model; midline nodes combine both hemispheres.
    """

    name: str
    network: str
    anatomy: str
    mni_mm: tuple[float, float, float]
    reference: str
    aparc: tuple[str, ...]


#: The nodes, DMN first. Control nodes follow the sensorimotor network of Garcés et al. 2016
#: (primary somatosensory / sensorimotor hand region, next to the motor hand knob).
NODES: tuple[Node, ...] = (
    Node(
        "PCC",
        DMN,
        "posterior cingulate cortex / precuneus",
        (1.0, -57.0, 28.0),
        GARCES2016,
        ("isthmuscingulate-lh", "isthmuscingulate-rh", "precuneus-lh", "precuneus-rh"),
    ),
    Node(
        "mPFC",
        DMN,
        "anterior medial prefrontal cortex",
        (-6.0, 52.0, -2.0),
        ANDREWSHANNA2010,
        (
            "medialorbitofrontal-lh",
            "medialorbitofrontal-rh",
            "rostralanteriorcingulate-lh",
            "rostralanteriorcingulate-rh",
        ),
    ),
    Node(
        "lAG",
        DMN,
        "left angular gyrus (inferior parietal lobule, BA39)",
        (-45.0, -65.0, 30.0),
        GARCES2016,
        ("inferiorparietal-lh",),
    ),
    Node(
        "rAG",
        DMN,
        "right angular gyrus (inferior parietal lobule, BA39)",
        (52.0, -60.0, 26.0),
        GARCES2016,
        ("inferiorparietal-rh",),
    ),
    Node(
        "lLTC",
        DMN,
        "left lateral temporal cortex (middle temporal gyrus)",
        (-60.0, -24.0, -18.0),
        ANDREWSHANNA2010,
        ("middletemporal-lh",),
    ),
    Node(
        "rLTC",
        DMN,
        "right lateral temporal cortex (middle temporal gyrus; mirrored)",
        (60.0, -24.0, -18.0),
        ANDREWSHANNA2010,
        ("middletemporal-rh",),
    ),
    Node(
        "lSM",
        "sensorimotor",
        "left primary sensorimotor cortex (hand region)",
        (-38.0, -27.0, 52.0),
        GARCES2016,
        ("precentral-lh", "postcentral-lh"),
    ),
    Node(
        "rSM",
        "sensorimotor",
        "right primary sensorimotor cortex (hand region)",
        (40.0, -25.0, 50.0),
        GARCES2016,
        ("precentral-rh", "postcentral-rh"),
    ),
)


def node_names() -> list[str]:
    """Return the node names in table order."""
    return [node.name for node in NODES]


def network_of(name: str) -> str:
    """Return the network of node ``name``."""
    for node in NODES:
        if node.name == name:
            return node.network
    raise KeyError(f"unknown node {name!r}; nodes: {', '.join(node_names())}")


def within_network_pairs(networks: tuple[str, ...] | list[str]) -> list[tuple[str, str]]:
    """Return the node pairs ``(a, b)`` (table order, ``a`` before ``b``) inside one network.

    Parameters
    ----------
    networks : sequence of str
        Networks whose within-network pairs are wanted (pairs never cross networks).

    Returns
    -------
    list of tuple
        Node-name pairs.
    """
    names = node_names()
    return [
        (a, b)
        for i, a in enumerate(names)
        for b in names[i + 1 :]
        if network_of(a) == network_of(b) and network_of(a) in networks
    ]
