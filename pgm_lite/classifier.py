"""A scikit-learn classifier whose model is a Bayesian network over categorical features.

scikit-learn is not imported here: the estimator protocol (``get_params``/``set_params``,
``fit``/``predict``/``predict_proba``/``score``, ``classes_``, ``n_features_in_``) is written out,
and only ``__sklearn_tags__`` (called by scikit-learn itself) imports it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._validate import check_number, format_choices
from .bayesian_network import BayesianNetwork
from .exceptions import ArgumentTypeError, OptionError, PGMError, ShapeError
from .learning import fit as fit_network
from .learning import learn_structure
from .prediction import predict_codes

__all__ = ["BayesianNetworkClassifier"]

STRUCTURES = ("naive_bayes", "tan", "hill_climb")
_PARAMS = ("structure", "target", "prior", "structure_score")


class BayesianNetworkClassifier:
    """Classify rows of categorical features with a Bayesian network (a scikit-learn estimator).

    Every distinct value of a feature is a state (values are compared as strings); a value not
    seen in training, NaN or None counts as missing, and missing features are summed out exactly.

    Parameters
    ----------
    structure : {"naive_bayes", "tan", "hill_climb"} or BayesianNetwork, optional
        ``"naive_bayes"``: the target is the only parent of every feature. ``"tan"``: tree-augmented
        naive Bayes (Chow-Liu tree over the features, given the target). ``"hill_climb"``: a DAG
        over features and target learned by :func:`pgm_lite.learn_structure` with
        ``structure_score``.
        A BayesianNetwork gives the structure (its variables must be the feature columns and the
        target); its tables are re-learned.
    target : str, optional
        Name of the class variable in the network (must not be a feature name).
    prior : float, optional
        Dirichlet pseudo-count added to every cell when fitting the tables (0: maximum
        likelihood, which can leave zero-probability evidence).
    structure_score : str, optional
        Score of the ``"hill_climb"`` search (see :func:`pgm_lite.score`).

    Attributes
    ----------
    model_ : BayesianNetwork
        The fitted network.
    classes_ : ndarray
        The class labels (sorted), in the column order of :meth:`predict_proba`.
    n_features_in_ : int
        Number of feature columns seen in :meth:`fit`.
    feature_names_in_ : ndarray of str
        The feature names (the DataFrame's columns, else ``x0``, ``x1``, ...).

    Examples
    --------
    >>> asia = pl.example("asia")
    >>> data = pl.sample(asia, 2_000, rng=0)
    >>> X, y = data.drop(columns=["lung"]), data["lung"]
    >>> clf = pl.BayesianNetworkClassifier(target="lung").fit(X, y)
    >>> import pandas as pd
    >>> rows = pd.concat([X[y == "no"].iloc[:1], X[y == "yes"].iloc[:1]])   # one of each class
    >>> clf.classes_.tolist(), clf.predict(rows).tolist()
    (['no', 'yes'], ['no', 'yes'])
    >>> proba = clf.predict_proba(rows)       # one column per class, in classes_ order
    >>> proba.shape, bool(proba[0, 0] > 0.9 and proba[1, 1] > 0.5)
    ((2, 2), True)
    >>> bool(clf.score(X, y) > 0.95)          # accuracy, as scikit-learn classifiers score
    True
    """

    def __init__(self, structure: str | BayesianNetwork = "naive_bayes", target: str = "class",
                 prior: float = 1.0, structure_score: str = "bic") -> None:
        self.structure = structure
        self.target = target
        self.prior = prior
        self.structure_score = structure_score

    # -- scikit-learn's estimator protocol --------------------------------------------------------

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Return the constructor parameters (scikit-learn protocol; ``deep`` is ignored)."""
        return {name: getattr(self, name) for name in _PARAMS}

    def set_params(self, **params: Any) -> BayesianNetworkClassifier:
        """Set constructor parameters by name and return the estimator.

        Raises
        ------
        OptionError
            An unknown parameter name (a ValueError, as scikit-learn expects).
        """
        for name, value in params.items():
            if name not in _PARAMS:
                raise OptionError(f"invalid parameter {name!r} for BayesianNetworkClassifier; "
                                  f"valid parameters: {format_choices(_PARAMS)}")
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"BayesianNetworkClassifier({args})"

    def __sklearn_tags__(self) -> Any:
        """Describe the estimator to scikit-learn (imports scikit-learn; it is calling us)."""
        from sklearn.utils import ClassifierTags, InputTags, Tags, TargetTags

        return Tags(estimator_type="classifier", target_tags=TargetTags(required=True),
                    classifier_tags=ClassifierTags(poor_score=True),
                    input_tags=InputTags(categorical=True, string=True, allow_nan=True))

    # -- fitting and predicting -------------------------------------------------------------------

    def fit(self, X: Any, y: Any) -> BayesianNetworkClassifier:
        """Learn the structure (unless given) and the tables from features ``X`` and labels ``y``.

        Raises
        ------
        ShapeError
            ``X`` is not 2-d, has no rows, or ``y`` has another length.
        OptionError
            An unknown ``structure`` or a bad ``prior``.
        PGMError
            ``target`` is also a feature name.
        """
        frame = self._frame(X, fitting=True)
        labels = _labels(y, len(frame))
        if self.target in frame.columns:
            raise PGMError(f"target {self.target!r} is also a feature name; pass another target=")
        prior = check_number("prior", self.prior, minimum=0.0)
        self.classes_ = np.unique(labels)
        data = frame.astype(object).where(frame.notna(), None)
        data[self.target] = [str(v) for v in labels]
        states = {c: sorted({str(v) for v in data[c] if v is not None}) or ["<missing>"]
                  for c in frame.columns}
        states[self.target] = [str(c) for c in self.classes_]
        structure = self._structure(data, states)
        complete = data.dropna()
        if len(complete) < len(data):   # missing cells: EM would be needed, complete cases suffice here
            data = complete
        if prior > 0:
            self.model_ = fit_network(structure, data, method="bayes", pseudo_count=prior)
        else:
            self.model_ = fit_network(structure, data)
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """Return P(class | features) for every row, columns in ``classes_`` order."""
        model = self._fitted()
        frame = self._frame(X, fitting=False)
        known = frame.astype(object).where(frame.notna(), None)
        for c in frame.columns:   # values never seen in fit count as missing
            seen = set(model.states(c))
            known[c] = [v if v is not None and v in seen else None for v in known[c].map(_label)]
        return predict_codes(model, known, [self.target])[1][0]

    def predict(self, X: Any) -> np.ndarray:
        """Return the most probable class of every row (ties go to the first class)."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def score(self, X: Any, y: Any) -> float:
        """Return the accuracy of :meth:`predict` on ``X`` against ``y``."""
        return float(np.mean(self.predict(X) == np.asarray(y)))

    # -- helpers ----------------------------------------------------------------------------------

    def _fitted(self) -> BayesianNetwork:
        model = getattr(self, "model_", None)
        if model is None:
            from sklearn.exceptions import NotFittedError

            raise NotFittedError("this BayesianNetworkClassifier is not fitted yet; call fit(X, y) first")
        return model

    def _frame(self, X: Any, *, fitting: bool) -> Any:
        import pandas as pd

        if hasattr(X, "toarray") or hasattr(X, "tocsr"):
            raise ArgumentTypeError("sparse input is not supported: pass a dense array or a DataFrame "
                                    "of categorical features")
        if hasattr(X, "columns"):
            frame = X.set_axis([str(c) for c in X.columns], axis=1)
        else:
            array = np.asarray(X)
            if array.ndim != 2:
                raise ShapeError(f"X must be 2-d (rows x features), got shape {array.shape}; "
                                 f"Reshape your data with X.reshape(-1, 1) for one feature or "
                                 f"X.reshape(1, -1) for one row")
            if array.dtype.kind == "c":
                raise ShapeError("Complex data not supported: features must be categorical labels")
            frame = pd.DataFrame(array.astype(object), columns=[f"x{j}" for j in range(array.shape[1])])
        if fitting:
            if frame.shape[0] == 0 or frame.shape[1] == 0:
                raise ShapeError(f"X has {frame.shape[0]} sample(s) and {frame.shape[1]} feature(s) "
                                 f"(shape={frame.shape}) while a minimum of 1 is required.")
            self.n_features_in_ = frame.shape[1]
            self.feature_names_in_ = np.asarray(frame.columns, dtype=object)
        elif frame.shape[1] != self.n_features_in_:
            raise ShapeError(f"X has {frame.shape[1]} features, but BayesianNetworkClassifier is "
                             f"expecting {self.n_features_in_} features as input")
        elif hasattr(X, "columns") and set(frame.columns) == set(self.feature_names_in_):
            frame = frame[list(self.feature_names_in_)]
        else:   # positional: an array, or a DataFrame with other column names
            frame = frame.set_axis(list(self.feature_names_in_), axis=1)
        return frame.map(_label)

    def _structure(self, data: Any, states: dict[str, list[str]]) -> BayesianNetwork:
        features = [c for c in data.columns if c != self.target]
        variables = [*features, self.target]
        if isinstance(self.structure, BayesianNetwork):
            if sorted(self.structure.variables) != sorted(variables):
                raise PGMError(f"the given structure has variables {self.structure.variables}; "
                               f"expected the features and the target: {variables}")
            edges = list(self.structure.edges)
        elif self.structure == "naive_bayes":
            edges = [(self.target, f) for f in features]
        elif self.structure in ("tan", "hill_climb"):
            import pandas as pd

            typed = pd.DataFrame({c: pd.Categorical(data[c], categories=states[c]) for c in variables})
            typed = typed.dropna()
            if self.structure == "tan":
                learned = learn_structure(typed, "tan", class_variable=self.target)
            else:
                learned = learn_structure(typed, "hill_climb", score=self.structure_score)
            dag = learned if isinstance(learned, BayesianNetwork) else learned.to_dag()
            edges = list(dag.edges)
        else:
            raise OptionError(f"unknown structure {self.structure!r}; choose from "
                              f"{format_choices(STRUCTURES)} or pass a BayesianNetwork")
        return BayesianNetwork(edges, variables=variables, states=states)


def _labels(y: Any, n_rows: int) -> np.ndarray:
    """Validate class labels: 1-d, one per row, no NaN/inf, not a continuous target."""
    if y is None:
        raise ShapeError("BayesianNetworkClassifier requires y to be passed, but the target y is None")
    labels = np.asarray(y)
    if labels.ndim != 1 or len(labels) != n_rows:
        raise ShapeError(f"y must be 1-d with one label per row of X ({n_rows}), got shape {labels.shape}")
    if labels.dtype.kind == "f":
        if not np.isfinite(labels).all():
            raise ShapeError("Input y contains NaN or infinity; every row needs a class label")
        if (labels != np.round(labels)).any():
            raise ShapeError("Unknown label type: continuous; a classifier needs discrete class labels")
    elif labels.dtype.kind == "c":
        raise ShapeError("Unknown label type: complex values are not class labels")
    return labels


def _label(value: Any) -> Any:
    """State name of a feature value: its string, or None when missing."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    return value if isinstance(value, str) else str(value)

