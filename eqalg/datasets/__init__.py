"""Bundled real data sets (package data), seeded synthetic data sets, user CSV files.

Every loader returns a :class:`Dataset` with standardized features (zero mean, unit variance per
column, population standard deviation) and targets ready for a loss: one-hot rows for
classification, a standardized column for regression. Provenance and license are recorded in
each loader's docstring and in ``Dataset.source``.

:func:`load_dataset` resolves a name — ``iris``, ``wine``, ``diabetes`` (bundled real data),
``synthetic-teacher``, ``synthetic-lowrank``, ``synthetic-seq`` (:mod:`.synthetic`) — or a path
to a CSV file (:func:`~eqalg.datasets.csvfile.load_csv`).
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass, field
from importlib import resources

import numpy as np

from ..errors import InvalidValueError, UnknownNameError

__all__ = ["Dataset", "load_iris", "load_wine", "load_diabetes", "load_dataset", "DATASETS", "standardize", "one_hot",
           "constant_columns", "CONSTANT_RTOL",
           "load_csv", "make_teacher_student", "make_lowrank_sensing", "make_sequences", "STRUCTURES"]

#: Shapes of data a model can consume: ``tabular`` X (N, d), Y (N, o); ``sensing`` X = measurement
#: matrices (N, n, m), Y (N, 1); ``sequence`` X (N, T, d), Y (N, T, o).
STRUCTURES = ("tabular", "sensing", "sequence")


@dataclass(frozen=True)
class Dataset:
    """A supervised data set.

    Attributes
    ----------
    name : str
    X : ndarray, shape (N, d)
        Standardized features.
    Y : ndarray, shape (N, o)
        One-hot targets (classification) or standardized targets (regression).
    task : str
        ``"classification"`` or ``"regression"``.
    feature_names : tuple of str
    target_names : tuple of str
        Class labels (classification) or the target column name (regression).
    source : str
        Provenance and license, one line.
    labels : ndarray (N,) of int, optional
        Class indices (classification).
    structure : str
        ``"tabular"`` (default), ``"sensing"`` or ``"sequence"`` (see :data:`STRUCTURES`).
    meta : dict
        Generator arguments and other provenance details (e.g. the sensing matrix shape).
    """

    name: str
    X: np.ndarray
    Y: np.ndarray
    task: str
    feature_names: tuple
    target_names: tuple
    source: str
    labels: np.ndarray = field(default=None, repr=False)
    structure: str = "tabular"
    meta: dict = field(default_factory=dict, repr=False)

    @property
    def n_samples(self) -> int:
        """N."""
        return self.X.shape[0]

    def describe(self) -> dict:
        """JSON-ready summary (the ``data`` entry of reports).

        ``n_features`` counts the last axis of X (per token for sequences) and the entries of
        one measurement matrix for sensing data; small ``meta`` entries are included.
        """
        if self.structure == "sensing":
            n_features = int(np.prod(self.X.shape[1:]))
            prep = "sensing matrices with i.i.d. N(0, 1) entries; raw measurements"
        elif self.structure == "sequence":
            n_features = int(self.X.shape[-1])
            prep = "token embeddings; per-token targets"
        else:
            n_features = int(self.X.shape[1])
            prep = ("features standardized (zero mean, unit variance); "
                    + ("targets one-hot" if self.task == "classification" else "target standardized"))
        out = {"name": self.name, "task": self.task, "structure": self.structure, "n_samples": int(self.X.shape[0]),
               "n_features": n_features, "n_outputs": int(self.Y.shape[-1]),
               "features": list(self.feature_names), "targets": list(self.target_names),
               "preprocessing": prep, "source": self.source}
        small = {k: v for k, v in self.meta.items() if not isinstance(v, (list, tuple)) or len(v) <= 4}
        if small:
            out["meta"] = small
        return out


#: A column is constant when its population standard deviation is at most this fraction of its largest
#: magnitude: its spread is then the round-off of the mean (a column of 0.1's has std ≈ 1.4e-17, not 0).
CONSTANT_RTOL = 1e-12


def _power_of_two_scaled(a: np.ndarray) -> np.ndarray:
    """Each column divided by the power of two just above its largest magnitude, into [−1, 1].

    Only exponents change, so the division is exact and the mean and standard deviation of the
    result are exactly those of the column, scaled: standardizing it gives the same numbers bit
    for bit, without overflowing for values near 1e308 (whose squares are inf: the column became
    all zeros) or losing subnormal values such as 1e-320 (whose spread underflowed to 0).
    """
    _, exponent = np.frexp(np.abs(a).max(axis=0, initial=0.0))
    return np.ldexp(a, -exponent)


def constant_columns(a) -> np.ndarray:
    """Indices of the constant columns of ``a`` (N, k): std ≤ :data:`CONSTANT_RTOL` · max |column|.

    Computed on the columns scaled by a power of two (exact), so that neither huge nor
    subnormal values overflow or underflow.

    Examples
    --------
    >>> constant_columns(np.array([[0.1, 1.0], [0.1, 2.0], [0.1, 3.0]]))
    array([0])
    >>> constant_columns(np.array([[1e308, 1e-320], [-1e308, 0.0]]))
    array([], dtype=int64)
    """
    b = _power_of_two_scaled(np.asarray(a, dtype=np.float64))
    return np.flatnonzero(b.std(axis=0) <= CONSTANT_RTOL * np.abs(b).max(axis=0, initial=0.0))


def _constant_reason(col: np.ndarray) -> str:
    """Why a column counts as constant, with its actual values (shortest round-trip reprs)."""
    if np.all(col == col[0]):
        return f"constant (every value is {float(col[0])!r})"
    lo, hi = float(col.min()), float(col.max())
    return (f"constant to round-off (its values range from {lo!r} to {hi!r}, a spread below "
            f"{CONSTANT_RTOL:g} of their magnitude)")


def standardize(a: np.ndarray, names=None, *, where: str = "data", role: str = "column") -> np.ndarray:
    """Columnwise (a − mean) / std (population standard deviation), for any finite values.

    Each column is first scaled by a power of two into [−1, 1] (exact: the result is the same
    bit for bit as the textbook formula wherever that does not overflow or underflow), so
    columns with values near the float64 limits (±1e308) or subnormal ones (1e-320) are
    standardized correctly instead of becoming zeros.

    Parameters
    ----------
    a : array_like, shape (N, k)
    names : sequence of str, optional
        The k column names. When given, a constant column (:func:`constant_columns`) is an
        error naming it: it carries no information, and standardizing would turn it into zeros
        (or, for a column such as 0.1, 0.1, …, into ±1 round-off noise). Without names,
        constant columns become zeros.
    where, role : str
        Error-message prefix and the word for a column, e.g. ``"data: 'f.csv'"`` and
        ``"target column"``: ``"data: 'f.csv', target column 'y': constant ..."``.

    Returns
    -------
    numpy.ndarray, shape (N, k)

    Raises
    ------
    NonFiniteError
        A column has a NaN or infinite value (named, or numbered from 0 without names).
    InvalidValueError
        ``names`` is given and a column is constant (the first one is named, with its values).
    """
    from ..errors import NonFiniteError

    a = np.asarray(a, dtype=np.float64)

    def label(j):
        return repr(names[j]) if names is not None else str(j)

    bad = np.flatnonzero(~np.all(np.isfinite(a), axis=0))
    if bad.size:
        j = int(bad[0])
        raise NonFiniteError(f"{where}, {role} {label(j)}: non-finite value "
                             f"{float(a[np.flatnonzero(~np.isfinite(a[:, j]))[0], j])!r}")
    b = _power_of_two_scaled(a)
    const = constant_columns(a)
    if names is not None and const.size:
        j = int(const[0])
        raise InvalidValueError(f"{where}, {role} {names[j]!r}: {_constant_reason(a[:, j])}; it carries "
                                "no information and cannot be standardized")
    sd = b.std(axis=0)
    sd[const] = 1.0
    out = (b - b.mean(axis=0)) / sd
    out[:, const] = 0.0
    bad = np.flatnonzero(~np.all(np.isfinite(out), axis=0))
    if bad.size:                              # not expected after the scaling; never pass it on silently
        j = int(bad[0])
        raise InvalidValueError(f"{where}, {role} {label(j)}: cannot be standardized to finite values (its values "
                                f"range from {float(a[:, j].min())!r} to {float(a[:, j].max())!r})")
    return out


def one_hot(labels) -> tuple[np.ndarray, tuple]:
    """One-hot encode labels (sorted unique values as classes): (Y (N, C), class names)."""
    labels = np.asarray(labels)
    classes, idx = np.unique(labels, return_inverse=True)
    Y = np.zeros((labels.shape[0], classes.shape[0]))
    Y[np.arange(labels.shape[0]), idx] = 1.0
    return Y, tuple(str(c) for c in classes)


def _read_bundled(filename: str):
    text = resources.files(__package__).joinpath(filename).read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    return rows[0], rows[1:]


def _bundled(name, filename, task, source):
    header, rows = _read_bundled(filename)
    where = f"data: {name!r}"
    X = standardize(np.array([[float(v) for v in r[:-1]] for r in rows]), header[:-1], where=where)
    target = [r[-1] for r in rows]
    if task == "classification":
        Y, classes = one_hot(target)
        labels = np.unique(target, return_inverse=True)[1]
    else:
        Y = standardize(np.array([float(v) for v in target])[:, None], header[-1:], where=where,
                        role="target column")
        classes, labels = (header[-1],), None
    for arr in (X, Y):
        arr.setflags(write=False)
    return Dataset(name, X, Y, task, tuple(header[:-1]), classes, source, labels)


def load_iris() -> Dataset:
    """Fisher's Iris data: 150 flowers, 4 measurements (cm), 3 species (50 each).

    Provenance: R. A. Fisher, "The use of multiple measurements in taxonomic problems", Annals
    of Eugenics 7 (1936); the copy distributed with scikit-learn (``sklearn/datasets/data/
    iris.csv``, which matches R's ``iris`` and fixes two entries of the UCI copy). The UCI
    Machine Learning Repository distributes Iris under CC BY 4.0
    (https://archive.ics.uci.edu/dataset/53/iris); the data are a public-domain measurement
    record.

    Returns
    -------
    Dataset
        X (150, 4) standardized; Y (150, 3) one-hot (setosa, versicolor, virginica).
    """
    return _bundled("iris", "iris.csv", "classification",
                    "Fisher (1936) Iris data via scikit-learn; UCI ML Repository, CC BY 4.0")


def load_wine() -> Dataset:
    """UCI Wine recognition data: 178 wines, 13 chemical measurements, 3 cultivars.

    Provenance: Forina et al., PARVUS (1988); UCI Machine Learning Repository
    (https://archive.ics.uci.edu/dataset/109/wine), CC BY 4.0; copy from scikit-learn's
    ``wine_data.csv``.
    """
    return _bundled("wine", "wine.csv", "classification",
                    "Forina et al. (1988) Wine data, UCI ML Repository, CC BY 4.0 (via scikit-learn)")


def load_diabetes() -> Dataset:
    """Diabetes progression data: 442 patients, 10 baseline variables, a disease-progression score.

    Provenance: Efron, Hastie, Johnstone & Tibshirani, "Least Angle Regression", Annals of
    Statistics 32 (2004); raw (unscaled) copy distributed with scikit-learn (BSD-3-Clause) from
    https://www4.stat.ncsu.edu/~boos/var.select/diabetes.html.
    """
    return _bundled("diabetes", "diabetes.csv", "regression",
                    "Efron et al. (2004) diabetes data (via scikit-learn, BSD-3-Clause)")


from .csvfile import load_csv  # noqa: E402  (needs Dataset, standardize, one_hot)
from .synthetic import make_lowrank_sensing, make_sequences, make_teacher_student  # noqa: E402

#: Data sets by name: the bundled real data and the default synthetic data sets (seed 0).
DATASETS = {"iris": load_iris, "wine": load_wine, "diabetes": load_diabetes,
            "synthetic-teacher": make_teacher_student, "synthetic-lowrank": make_lowrank_sensing,
            "synthetic-seq": make_sequences}


def _looks_like_path(name: str) -> bool:
    # data set names have no extension and no separator: data.txt is a (possibly missing) file
    return bool(os.path.splitext(name)[1]) or os.sep in name or (os.altsep is not None and os.altsep in name)


def load_dataset(name: str, *, target: str | None = None, task: str = "auto") -> Dataset:
    """Load a data set by name (:data:`DATASETS`) or from a CSV file path.

    Parameters
    ----------
    name : str
        ``iris``, ``wine``, ``diabetes``, ``synthetic-teacher``, ``synthetic-lowrank``,
        ``synthetic-seq``, or a path to a CSV file with any extension (a name with an
        extension or a path separator is a path: a missing file is an error saying so). A data set name wins over a file of the same name (``./iris`` is
        the file).
    target, task
        For CSV files only: the target column and the task (see :func:`load_csv`).

    Raises
    ------
    UnknownNameError
        ``name`` is neither a known data set nor a CSV path.
    InvalidValueError
        ``target`` or ``task`` given for a named data set; CSV errors (see :func:`load_csv`).
    """
    if not isinstance(name, str):
        raise UnknownNameError(f"data: expected a data set name or a CSV path, got {type(name).__name__}")
    if name in DATASETS:
        given = [n for n, v in (("target", target is not None), ("task", task != "auto")) if v]
        if given:
            verb = "apply" if len(given) > 1 else "applies"
            raise InvalidValueError(f"{', '.join(f'{n} (--{n})' for n in given)}: {verb} only to CSV files, "
                                    f"not to the data set {name!r}")
        return DATASETS[name]()
    if _looks_like_path(name) or os.path.exists(name):
        return load_csv(name, target, task=task)
    raise UnknownNameError(f"data: expected one of {', '.join(DATASETS)} or the path of an existing CSV file "
                           f"(any extension); got {name!r}")

