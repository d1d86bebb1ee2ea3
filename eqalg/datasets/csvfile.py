"""Load a user's CSV file (header row, numeric features, numeric or label target) as a Dataset.

Features are standardized like the bundled data (robustly: values near ±1e308 or subnormal
ones are handled, :func:`~eqalg.datasets.standardize`); the target is one-hot encoded for
classification or standardized for regression. Every malformed input raises an eqalg exception
naming the file, the column and the row: a missing file or column, an empty file, a row with the
wrong number of fields, a missing, non-numeric or non-finite feature value, a constant feature
or regression target, a single class.
"""

from __future__ import annotations

import csv
import os

import numpy as np

from ..errors import InvalidValueError, NonFiniteError, ShapeError, UnknownNameError, check_choice

__all__ = ["load_csv", "TASKS"]

#: Accepted values of ``task``: decide from the target column, or force one.
TASKS = ("auto", "classification", "regression")


def _number(text):
    try:
        return float(text)
    except ValueError:
        return None


def _label_name(value: float) -> str:
    """A numeric class label as text: ``1.0`` and ``1`` both read ``"1"``; ``0.5`` reads ``"0.5"``."""
    return str(int(value)) if value.is_integer() else repr(value)


def _encode_labels(labels, numbers, path, target):
    """(one-hot Y, class names, class indices). ``numbers``: the labels' values when all are numeric.

    Numeric labels are compared as numbers (``1`` and ``1.0`` are one class, sorted numerically);
    otherwise as text.
    """
    from . import one_hot

    if numbers is None:
        Y, classes = one_hot(labels)
        return Y, classes, np.unique(np.asarray(labels), return_inverse=True)[1]
    values = np.array(numbers)
    if not np.all(np.isfinite(values)):
        bad = int(np.flatnonzero(~np.isfinite(values))[0])
        raise NonFiniteError(f"data: {path!r} line {bad + 2}, target column {target!r}: non-finite label "
                             f"{labels[bad]!r}")
    classes, codes = np.unique(values, return_inverse=True)
    return one_hot(codes)[0], tuple(_label_name(float(c)) for c in classes), codes


def load_csv(path, target: str | None = None, *, task: str = "auto", name: str | None = None):
    """Read a CSV file with a header row into a :class:`~eqalg.datasets.Dataset`.

    Parameters
    ----------
    path : str or os.PathLike
        The file (comma-separated, first row = column names; blank lines are skipped).
    target : str, optional
        Name of the target column (default: the last column). All other columns are features
        and must be numeric.
    task : {"auto", "classification", "regression"}
        ``auto`` (default): regression when every target value is a number, classification
        (labels, one-hot encoded) otherwise. ``classification`` also accepts numeric labels:
        when every label is a number they are compared as numbers (``1`` and ``1.0`` are one
        class, named ``"1"``; classes sorted numerically).
    name : str, optional
        Data set name (default: the file's stem).

    Returns
    -------
    Dataset
        Standardized features X (N, d); Y one-hot (N, C) or a standardized column (N, 1).

    Raises
    ------
    InvalidValueError
        The file cannot be read; a feature value is missing or not a number; a feature column
        or a regression target is constant, also to round-off (nothing to standardize or to fit;
        the message gives its values); a regression
        target is not numeric; a classification target has fewer than two classes.
        A column of the header has an empty name.
    ShapeError
        The file is empty, has no data rows or no feature column, or a row has the wrong
        number of fields.
    UnknownNameError
        ``target`` is not a column of the header, or ``task`` is unknown.
    NonFiniteError
        A feature or target value (or a numeric class label) is NaN or infinite.
    """
    from . import Dataset, standardize

    check_choice(task, "task", TASKS)
    path = os.fspath(path)
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            rows = [r for r in csv.reader(fh) if any(cell.strip() for cell in r)]
    except OSError as exc:
        raise InvalidValueError(f"data: cannot read CSV file {path!r}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InvalidValueError(f"data: {path!r} is not a readable CSV text file ({exc})") from None
    if not rows:
        raise ShapeError(f"data: CSV file {path!r} is empty")
    header = [c.strip() for c in rows[0]]
    if "" in header:
        raise InvalidValueError(f"data: CSV file {path!r}: column {header.index('') + 1} of the header has an empty "
                                f"name (columns are counted from 1; header: {rows[0]})")
    body = rows[1:]
    if not body:
        raise ShapeError(f"data: CSV file {path!r} has a header but no data rows")
    if len(header) < 2:
        raise ShapeError(f"data: CSV file {path!r} needs at least two columns (features and a target), "
                         f"got {len(header)}")
    if len(set(header)) != len(header):
        raise ShapeError(f"data: CSV file {path!r} has repeated column names in its header: {header}")
    target = header[-1] if target is None else str(target)
    if target not in header:
        raise UnknownNameError(f"target: column {target!r} is not in the header of {path!r} "
                               f"(columns: {', '.join(header)})")
    t_col = header.index(target)
    features = [h for i, h in enumerate(header) if i != t_col]
    X = np.empty((len(body), len(features)))
    labels = []
    for i, row in enumerate(body, start=2):                  # line numbers as in an editor
        if len(row) != len(header):
            raise ShapeError(f"data: {path!r} line {i}: expected {len(header)} fields, got {len(row)}")
        j = 0
        for c, cell in enumerate(row):
            cell = cell.strip()
            if c == t_col:
                labels.append(cell)
                continue
            if cell == "":
                raise InvalidValueError(f"data: {path!r} line {i}, column {header[c]!r}: missing value")
            value = _number(cell)
            if value is None:
                raise InvalidValueError(f"data: {path!r} line {i}, column {header[c]!r}: non-numeric value "
                                        f"{cell!r} (feature columns must be numeric)")
            if not np.isfinite(value):
                raise NonFiniteError(f"data: {path!r} line {i}, column {header[c]!r}: non-finite value {cell!r}")
            X[i - 2, j] = value
            j += 1
    if any(lab == "" for lab in labels):
        line = labels.index("") + 2
        raise InvalidValueError(f"data: {path!r} line {line}, target column {target!r}: missing value")
    numbers = [_number(lab) for lab in labels]
    numeric = all(v is not None for v in numbers)
    if task == "auto":
        task = "regression" if numeric else "classification"
    if task == "regression":
        if not numeric:
            bad = next(i for i, v in enumerate(numbers) if v is None)
            raise InvalidValueError(f"data: {path!r} line {bad + 2}, target column {target!r}: non-numeric value "
                                    f"{labels[bad]!r}; for labels use --task classification "
                                    "(task='classification' in Python)")
        y = np.array(numbers)
        if not np.all(np.isfinite(y)):
            raise NonFiniteError(f"data: {path!r}, target column {target!r}: non-finite values")
        Y = standardize(y[:, None], [target], where=f"data: {path!r}", role="target column")
        classes, codes = (target,), None
    else:
        Y, classes, codes = _encode_labels(labels, numbers if numeric else None, path, target)
        if len(classes) < 2:
            raise InvalidValueError(f"data: {path!r}, target column {target!r}: classification needs at least "
                                    f"two classes, got {list(classes)}")
    X = standardize(X, features, where=f"data: {path!r}")
    X.setflags(write=False)
    Y.setflags(write=False)
    stem = os.path.splitext(os.path.basename(path))[0]
    return Dataset(name or stem, X, Y, task, tuple(features), classes,
                   f"user CSV file {path} (target column {target!r})", codes,
                   meta={"path": path, "target": target})
