"""Estimators: the built-in scikit-learn pipelines and plug-ins by import path.

Built-in names (each a ``Pipeline`` of ``StandardScaler`` then the classifier, class weights
balanced, every random choice seeded):

``logistic``
    L2-regularised logistic regression; grid over ``C``.
``linear_svm``
    Linear support-vector machine (``LinearSVC``) with sigmoid (Platt) calibration by
    ``CalibratedClassifierCV`` so it yields probabilities; grid over ``C``.
``random_forest``
    Random forest; grid over ``max_depth`` and ``min_samples_leaf``.

Any other estimator plugs in as ``"package.module:factory"``: a callable returning an
unfitted sklearn-compatible classifier (``fit``, ``predict`` and ``predict_proba`` or
``decision_function``). If the factory accepts a ``seed`` keyword it receives the configured
seed. Such estimators are used as returned (no scaler is added) and their grid keys are
passed to ``set_params`` unchanged. Naming an import path is the only way configuration can
import code.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

#: Built-in estimator names.
BUILTIN_ESTIMATORS: tuple[str, ...] = ("logistic", "linear_svm", "random_forest")

#: Where a built-in's grid keys live inside its pipeline.
_GRID_PREFIX: dict[str, str] = {
    "logistic": "classifier__",
    "linear_svm": "classifier__estimator__",
    "random_forest": "classifier__",
}

#: Default hyper-parameter grids of the built-ins (keys: parameters of the classifier itself).
DEFAULT_PARAM_GRIDS: dict[str, dict[str, list[Any]]] = {
    "logistic": {"C": [0.01, 0.1, 1.0, 10.0]},
    "linear_svm": {"C": [0.001, 0.01, 0.1, 1.0]},
    "random_forest": {"max_depth": [None, 5], "min_samples_leaf": [1, 5]},
}


@dataclass
class EstimatorChoice:
    """An unfitted estimator, its hyper-parameter grid and a name for reports."""

    estimator: Any
    param_grid: dict[str, list[Any]] = field(default_factory=dict)
    name: str = "custom"


def _builtin(name: str, seed: int) -> Any:
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import LinearSVC

    if name == "logistic":
        # The default penalty is L2. Newton-Cholesky needs few iterations for the tens to
        # hundreds of features used here.
        classifier = LogisticRegression(
            class_weight="balanced", solver="newton-cholesky", max_iter=1000
        )
    elif name == "linear_svm":
        classifier = CalibratedClassifierCV(
            LinearSVC(class_weight="balanced", random_state=seed, max_iter=5000),
            method="sigmoid",
            cv=3,
        )
    else:
        classifier = RandomForestClassifier(
            n_estimators=100, class_weight="balanced", random_state=seed, n_jobs=1
        )
    return Pipeline([("scale", StandardScaler()), ("classifier", classifier)])


def load_factory(path: str) -> Any:
    """Import ``"package.module:factory"`` and return the factory.

    Raises
    ------
    ValueError
        If the path is malformed, the module cannot be imported or has no such attribute.
    """
    module_name, _, attribute = path.partition(":")
    if not module_name or not attribute:
        raise ValueError(
            f"estimator {path!r} is neither a built-in ({', '.join(BUILTIN_ESTIMATORS)}) nor "
            "an import path 'package.module:factory'"
        )
    try:
        module = importlib.import_module(module_name)
    except ImportError as err:
        raise ValueError(
            f"cannot import module {module_name!r} of estimator {path!r}: {err}"
        ) from err
    factory = module
    for part in attribute.split("."):
        factory = getattr(factory, part, None)
        if factory is None:
            raise ValueError(f"module {module_name!r} has no attribute {attribute!r}")
    if not callable(factory):
        raise ValueError(f"estimator factory {path!r} is not callable")
    return factory


def check_estimator_api(estimator: Any, name: str) -> None:
    """Refuse objects that cannot act as a classifier here."""
    required = ("fit", "predict", "get_params")
    missing = [method for method in required if not hasattr(estimator, method)]
    if missing or not (
        hasattr(estimator, "predict_proba") or hasattr(estimator, "decision_function")
    ):
        raise ValueError(
            f"estimator {name!r} ({type(estimator).__name__}) is not a sklearn-compatible "
            "classifier: it needs fit, predict, get_params and predict_proba or "
            "decision_function"
        )


def _grid(grid: Mapping[str, Sequence[Any]] | None, prefix: str = "") -> dict[str, list[Any]]:
    return {f"{prefix}{key}": list(values) for key, values in (grid or {}).items()}


def make_estimator(
    spec: str | Any,
    *,
    seed: int = 0,
    param_grids: Mapping[str, Mapping[str, Sequence[Any]]] | None = None,
    param_grid: Mapping[str, Sequence[Any]] | None = None,
) -> EstimatorChoice:
    """Resolve an estimator given by name, import path or object.

    Parameters
    ----------
    spec : str or estimator
        A built-in name, ``"package.module:factory"``, or an unfitted sklearn-compatible
        classifier (cloned, never modified).
    seed : int
        Seed of the built-ins' random choices (and of factories that accept ``seed``).
    param_grids : mapping, optional
        Grids by estimator name or import path (the ``classification.param_grids`` option).
        Built-ins fall back to :data:`DEFAULT_PARAM_GRIDS`.
    param_grid : mapping, optional
        Grid for this estimator, overriding ``param_grids``; for estimator objects, keys are
        their ``set_params`` names.

    Returns
    -------
    EstimatorChoice
        Unfitted estimator, its grid in ``set_params`` names, and its name.
    """
    from sklearn.base import clone

    grids = dict(param_grids or {})
    if not isinstance(spec, str):
        check_estimator_api(spec, type(spec).__name__)
        return EstimatorChoice(clone(spec), _grid(param_grid), type(spec).__name__)
    if spec in BUILTIN_ESTIMATORS:
        grid = param_grid if param_grid is not None else grids.get(spec, DEFAULT_PARAM_GRIDS[spec])
        return EstimatorChoice(_builtin(spec, seed), _grid(grid, _GRID_PREFIX[spec]), spec)
    factory = load_factory(spec)
    try:
        accepts_seed = "seed" in inspect.signature(factory).parameters
    except (TypeError, ValueError):  # builtins without an introspectable signature
        accepts_seed = False
    estimator = factory(seed=seed) if accepts_seed else factory()
    check_estimator_api(estimator, spec)
    grid = param_grid if param_grid is not None else grids.get(spec)
    return EstimatorChoice(estimator, _grid(grid), spec)


def grid_from_chosen(spec: str | Any, params: Mapping[str, Any]) -> dict[str, list[Any]]:
    """A one-point grid (as :func:`make_estimator` takes it) from chosen ``set_params`` values.

    Built-ins' grids are written without their pipeline prefix (``C``, not
    ``classifier__C``); other estimators use the ``set_params`` names as they are.
    """
    prefix = _GRID_PREFIX.get(spec, "") if isinstance(spec, str) else ""
    return {key.removeprefix(prefix): [value] for key, value in params.items()}


def target_probability(model: Any, X: Any) -> Any:
    """Probability of class 1 (the target state) from a fitted classifier.

    Uses ``predict_proba``; estimators without it have their ``decision_function`` mapped
    through the logistic function (monotone, 0.5 at the decision boundary, not calibrated).
    """
    import numpy as np

    classes = list(getattr(model, "classes_", [0, 1]))
    if hasattr(model, "predict_proba"):
        return np.asarray(model.predict_proba(X))[:, classes.index(1)]
    decision = np.asarray(model.decision_function(X), dtype=float)
    if classes[0] == 1:
        decision = -decision
    return 1.0 / (1.0 + np.exp(-decision))
