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
import stat
from array import array

import numpy as np

from ..errors import InvalidValueError, NonFiniteError, ShapeError, UnknownNameError, check_choice

__all__ = ["load_csv", "TASKS", "MAX_CSV_BYTES", "csv_path_problem"]

#: Accepted values of ``task``: decide from the target column, or force one.
TASKS = ("auto", "classification", "regression")

#: Largest CSV file :func:`load_csv` reads by default (256 MiB, some 10⁷ numbers: far more than
#: full-batch training and exact Hessian checks can use). Parsed values take 8 bytes each.
MAX_CSV_BYTES = 256 * 2 ** 20



#: Target cells read as missing values (compared in lower case), as spreadsheet and pandas exports
#: write them; a class label "NA" would otherwise be made of the missing rows.
MISSING_MARKERS = frozenset({"na", "n/a", "#n/a", "null", "none", "<na>"})  # "nan": non-finite label error

def csv_path_problem(path, max_bytes: int | None = MAX_CSV_BYTES) -> str | None:
    """Why ``path`` cannot be read as a CSV file, or None: missing, a directory, not a regular file, too large.

    Checked before opening: a device such as ``/dev/zero`` never ends (reading it exhausted
    memory), and opening a FIFO blocks.

    Parameters
    ----------
    path : str or os.PathLike
    max_bytes : int or None
        Largest accepted size (None: no limit).
    """
    path = os.fspath(path)
    try:
        st = os.stat(path)
    except OSError as exc:
        return f"cannot read CSV file {path!r}: {exc.strerror or exc}"
    if stat.S_ISDIR(st.st_mode):
        return f"{path!r} is a directory, expected a CSV file"
    if not stat.S_ISREG(st.st_mode):
        return f"{path!r} is not a regular file (a device, pipe or socket), expected a CSV file"
    if max_bytes is not None and st.st_size > max_bytes:
        return (f"CSV file {path!r} has {st.st_size} bytes, more than the limit of {max_bytes} "
                f"({max_bytes / 2 ** 20:g} MiB)")
    return None


def _number(text):
    try:
        return float(text)
    except ValueError:
        return None


def _label_name(value: float) -> str:
    """A numeric class label as text: ``1.0`` and ``1`` both read ``"1"``; ``0.5`` reads ``"0.5"``."""
    return str(int(value)) if value.is_integer() else repr(value)


def _encode_labels(labels, numbers, path, target, lines):
    """(one-hot Y, class names, class indices). ``numbers``: the labels' values when all are numeric;
    ``lines``: each label's line number in the file.

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
        raise NonFiniteError(f"data: {path!r} line {lines[bad]}, target column {target!r}: non-finite label "
                             f"{labels[bad]!r}")
    classes, codes = np.unique(values, return_inverse=True)
    return one_hot(codes)[0], tuple(_label_name(float(c)) for c in classes), codes


def load_csv(path, target: str | None = None, *, task: str = "auto", name: str | None = None,
             max_bytes: int | None = MAX_CSV_BYTES):
    """Read a CSV file with a header row into a :class:`~eqalg.datasets.Dataset`.

    Parameters
    ----------
    path : str or os.PathLike
        The file (comma-separated, first row = column names; blank lines are skipped), with
        any extension. It must be a regular file of at most ``max_bytes`` bytes.
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
    max_bytes : int or None
        Largest file accepted (default :data:`MAX_CSV_BYTES`, 256 MiB; None: no limit).

    Returns
    -------
    Dataset
        Standardized features X (N, d); Y one-hot (N, C) or a standardized column (N, 1).

    Raises
    ------
    InvalidValueError
        The file is missing, a directory, not a regular file (``/dev/zero``, a pipe), larger
        than ``max_bytes`` or cannot be read; a feature value is missing or not a number; a
        feature column or a regression target is constant, also to round-off (nothing to
        standardize or to fit; the message gives its values); a regression target is not
        numeric; a classification target has fewer than two classes.
        A column of the header has an empty name.
    ShapeError
        The file is empty, has no data rows or no feature column, or a row has the wrong
        number of fields.
    UnknownNameError
        ``target`` is not a column of the header, or ``task`` is unknown.
    NonFiniteError
        A feature or target value (or a numeric class label) is NaN or infinite.

    Notes
    -----
    Line numbers in messages are those of the file (blank lines counted), as in an editor.
    """
    from . import Dataset, standardize

    check_choice(task, "task", TASKS)
    path = os.fspath(path)
    problem = csv_path_problem(path, max_bytes)
    if problem is not None:
        raise InvalidValueError(f"data: {problem}")
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            header, features, target, values, labels, lines = _read_rows(fh, path, target)
    except OSError as exc:
        raise InvalidValueError(f"data: cannot read CSV file {path!r}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InvalidValueError(f"data: {path!r} is not a readable CSV text file ({exc})") from None
    X = np.frombuffer(values, dtype=np.float64).reshape(len(labels), len(features)).copy()
    del values
    missing = next((i for i, lab in enumerate(labels) if lab == "" or lab.lower() in MISSING_MARKERS), None)
    if missing is not None:
        shown = f" ({labels[missing]!r})" if labels[missing] else ""
        raise InvalidValueError(f"data: {path!r} line {lines[missing]}, target column {target!r}: missing value{shown}")
    numbers = [_number(lab) for lab in labels]
    numeric = all(v is not None for v in numbers)
    if task == "auto":
        task = "regression" if numeric else "classification"
    if task == "regression":
        if not numeric:
            bad = next(i for i, v in enumerate(numbers) if v is None)
            raise InvalidValueError(f"data: {path!r} line {lines[bad]}, target column {target!r}: non-numeric value "
                                    f"{labels[bad]!r}; for labels use --task classification "
                                    "(task='classification' in Python)")
        y = np.array(numbers)
        if not np.all(np.isfinite(y)):
            raise NonFiniteError(f"data: {path!r}, target column {target!r}: non-finite values")
        Y = standardize(y[:, None], [target], where=f"data: {path!r}", role="target column")
        classes, codes = (target,), None
    else:
        Y, classes, codes = _encode_labels(labels, numbers if numeric else None, path, target, lines)
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


def _read_rows(fh, path, target):
    """Parse the open file row by row: (header, features, target, values, labels, lines).

    Feature values go straight into a flat ``array('d')`` (8 bytes each) rather than lists of
    strings (some 60 bytes a cell); ``lines`` holds each data row's line number in the file.
    """
    reader = csv.reader(fh)
    header = None
    values, labels, lines = array("d"), [], array("q")
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        if header is None:
            header, target, t_col, features = _parse_header(row, path, target)
            continue
        i = reader.line_num                                  # line numbers as in an editor
        if len(row) != len(header):
            raise ShapeError(f"data: {path!r} line {i}: expected {len(header)} fields, got {len(row)}")
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
            values.append(value)
        lines.append(i)
    if header is None:
        raise ShapeError(f"data: CSV file {path!r} is empty")
    if not labels:
        raise ShapeError(f"data: CSV file {path!r} has a header but no data rows")
    return header, features, target, values, labels, lines


def _parse_header(row, path, target):
    """Validate the header row: (column names, target name, target index, feature names)."""
    header = [c.strip() for c in row]
    if "" in header:
        raise InvalidValueError(f"data: CSV file {path!r}: column {header.index('') + 1} of the header has an empty "
                                f"name (columns are counted from 1; header: {row})")
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
    return header, target, t_col, [h for i, h in enumerate(header) if i != t_col]
