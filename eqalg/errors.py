"""Exception types of eqalg and the argument validators that raise them.

Every exception eqalg raises for bad input is a subclass of :class:`EqalgError` and of the
built-in :class:`ValueError` or :class:`TypeError`, so ``except ValueError`` keeps working.
Messages name the argument, what was expected and what was received.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = [
    "real_array",
    "EqalgError",
    "ShapeError",
    "NonFiniteError",
    "SpaceMismatchError",
    "UnknownNameError",
    "InvalidValueError",
    "DispatchError",
    "MissingMethodError",
    "GroupTooLargeError",
    "AlgebraTooLargeError",
    "as_vector",
    "as_directions",
    "check_positive",
    "check_choice",
]


class EqalgError(Exception):
    """Base class of every exception raised by eqalg."""


class ShapeError(EqalgError, ValueError):
    """An array has the wrong shape or size."""


class NonFiniteError(EqalgError, ValueError):
    """An array holds NaN or infinite entries where finite numbers are required."""


class SpaceMismatchError(EqalgError, ValueError):
    """Objects defined over different parameter spaces were combined."""


class UnknownNameError(EqalgError, ValueError):
    """A name (activation, data set, backend, block, ...) is not one of the known choices."""


class InvalidValueError(EqalgError, ValueError):
    """A scalar argument is out of its admissible range (e.g. a non-positive step size)."""


class DispatchError(EqalgError, TypeError):
    """No method (or more than one equally specific method) of a generic function applies."""


class MissingMethodError(EqalgError, NotImplementedError):
    """A subtype does not implement an obligatory method of its abstract interface."""


class GroupTooLargeError(EqalgError, ValueError):
    """A finite group would exceed the ``max_order`` the caller allowed."""


class AlgebraTooLargeError(InvalidValueError):
    """A Lie-algebra computation would exceed a size or memory limit (``max_dim``, ``MEMORY_LIMIT``).

    Raised before the large arrays are allocated where the size is known in advance; the message
    names the argument to change. A subclass of :class:`InvalidValueError`, which was raised here
    before.

    Attributes
    ----------
    facts : str
        The message without the advice on which Python argument to change (the command line
        gives its own).
    """

    def __init__(self, facts: str, advice: str = ""):
        super().__init__(f"{facts}; {advice}" if advice else facts)
        self.facts = facts


def as_vector(x, name: str, size: int | None = None, *, finite: bool = True) -> np.ndarray:
    """Return ``x`` as a float64 vector of shape ``(size,)``, or raise naming ``name``.

    Parameters
    ----------
    x : array_like
        Candidate vector.
    name : str
        Argument name used in error messages.
    size : int, optional
        Required length; any length when omitted.
    finite : bool
        Reject NaN/inf entries.

    Returns
    -------
    numpy.ndarray, shape (size,), dtype float64
        A (possibly shared) float64 view or copy of ``x``.

    Raises
    ------
    TypeError
        ``x`` is not numeric.
    ShapeError
        ``x`` is not one-dimensional or has the wrong length.
    NonFiniteError
        ``finite`` is true and ``x`` holds NaN or inf.
    """
    if np.iscomplexobj(x):
        raise ShapeError(f"{name}: expected a real vector, got complex entries")
    arr = _float_array(x, name, "vector")
    if arr.ndim != 1:
        raise ShapeError(f"{name}: expected a vector of shape ({size if size is not None else 'D'},), "
                         f"got an array of shape {arr.shape}")
    if size is not None and arr.shape[0] != size:
        raise ShapeError(f"{name}: expected length {size}, got length {arr.shape[0]}")
    if finite and not np.all(np.isfinite(arr)):
        bad = int(np.count_nonzero(~np.isfinite(arr)))
        raise NonFiniteError(f"{name}: expected finite entries, got {bad} NaN/inf entr{'y' if bad == 1 else 'ies'}")
    return arr


def _float_array(x, name: str, what: str) -> np.ndarray:
    """``x`` as float64; strings, None and other non-numbers raise ShapeError instead of turning into
    NaN or a bare ValueError."""
    try:
        raw = np.asarray(x)
        if raw.dtype.kind == "c" or (raw.dtype.kind == "O" and any(isinstance(e, complex) for e in raw.ravel())):
            raise ShapeError(f"{name}: expected real numbers, got complex entries")
        if raw.dtype.kind in "USVM" or (raw.dtype.kind == "O" and not all(
                isinstance(e, numbers.Real) for e in raw.ravel())):
            raise ValueError(raw.dtype)
        return np.asarray(raw, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ShapeError(f"{name}: expected a numeric {what}, got {type(x).__name__}"
                         + (f" of {np.asarray(x).dtype}" if isinstance(x, np.ndarray) else "")) from exc


def as_directions(v, name: str, size: int) -> tuple[np.ndarray, bool]:
    """Return directions as a float64 matrix ``(size, k)`` and whether the input was one vector.

    Parameters
    ----------
    v : array_like, shape (size,) or (size, k)
        One direction or ``k`` directions as columns.
    name : str
        Argument name used in error messages.
    size : int
        The parameter dimension D.

    Returns
    -------
    (numpy.ndarray of shape (size, k), bool)

    Raises
    ------
    ShapeError, NonFiniteError
    """
    if np.iscomplexobj(v):
        raise ShapeError(f"{name}: expected real directions, got complex entries")
    arr = _float_array(v, name, "array of directions")
    if arr.ndim == 1:
        return as_vector(arr, name, size)[:, None], True
    if arr.ndim != 2 or arr.shape[0] != size:
        raise ShapeError(f"{name}: expected shape ({size},) or ({size}, k), got {arr.shape}")
    if arr.shape[1] == 0:
        raise ShapeError(f"{name}: expected at least one direction (shape ({size}, k) with k ≥ 1), got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise NonFiniteError(f"{name}: expected finite entries")
    return arr, False


def check_positive(value, name: str, *, integer: bool = False, allow_zero: bool = False):
    """Return ``value`` if it is a positive (or non-negative) real/integer, else raise.

    Raises
    ------
    InvalidValueError
        ``value`` is not a finite number of the required sign or kind.
    """
    kind = numbers.Integral if integer else numbers.Real
    if (isinstance(value, bool) or not isinstance(value, kind)
            or (not isinstance(value, numbers.Integral) and not np.isfinite(value))):
        raise InvalidValueError(f"{name}: expected a {'non-negative' if allow_zero else 'positive'} "
                                f"{'integer' if integer else 'number'}, got {value!r}")
    if value < 0 or (value == 0 and not allow_zero):
        raise InvalidValueError(f"{name}: expected a {'non-negative' if allow_zero else 'positive'} "
                                f"value, got {value!r}")
    return value


def check_bool(value, name: str) -> bool:
    """Return ``value`` as a bool if it is True or False (NumPy bools too), else raise.

    Strings such as ``'False'`` are truthy; taking their truth value would silently invert them.

    Raises
    ------
    InvalidValueError
        ``value`` is not a boolean.
    """
    if not isinstance(value, (bool, np.bool_)):
        raise InvalidValueError(f"{name}: expected True or False, got {value!r}")
    return bool(value)


def check_choice(value, name: str, choices) -> str:
    """Return ``value`` if it is one of ``choices``, else raise :class:`UnknownNameError`."""
    if value not in choices:
        raise UnknownNameError(f"{name}: expected one of {', '.join(map(str, choices))}; got {value!r}")
    return value


def real_array(a, name: str) -> np.ndarray:
    """``a`` as a float64 array; complex or non-numeric input is refused (never cast silently).

    Raises
    ------
    ShapeError
        Complex entries (the imaginary part would be dropped) or entries that are not numbers.
    """
    if np.iscomplexobj(a):
        raise ShapeError(f"{name}: expected real numbers, got complex entries")
    return _float_array(a, name, "array")
