"""Parameter spaces: named blocks flattened in a fixed order, and index selectors.

A model's parameters θ ∈ R^D are the concatenation of named blocks (``W1``, ``b1``, ...), each
flattened row-major (C order), in the declared order (MATH.md §A). :class:`ParameterSpace`
records the blocks and turns block-level selections such as ``space["W1"][j, :]`` into flat
indices, so that generators are written by block name, never by hand-computed offsets.

Examples
--------
>>> space = ParameterSpace([("W1", (3, 2)), ("b1", (3,))])
>>> space.size
9
>>> space["W1"][1, :]
array([2, 3])
>>> space["b1"][1]
array([7])
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .errors import ShapeError, SpaceMismatchError, UnknownNameError, as_vector

__all__ = ["ParameterSpace", "BlockView", "same_space", "as_indices"]


@dataclass(frozen=True, slots=True)
class BlockView:
    """Indexing helper for one block: ``view[key]`` returns the flat indices of ``block[key]``.

    Attributes
    ----------
    name : str
        Block name.
    shape : tuple of int
        Block shape.
    offset : int
        Flat index of the block's first entry.
    """

    name: str
    shape: tuple
    offset: int

    @property
    def size(self) -> int:
        """Number of scalar parameters in the block."""
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def indices(self) -> np.ndarray:
        """Flat indices of the whole block, shape (size,)."""
        return np.arange(self.offset, self.offset + self.size)

    def __array__(self, dtype=None, copy=None):
        # a whole block used as a selection means all of its indices
        return self.indices if dtype is None else self.indices.astype(dtype)

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, key) -> np.ndarray:
        grid = np.arange(self.offset, self.offset + self.size).reshape(self.shape)
        try:
            return np.atleast_1d(grid[key]).ravel()
        except IndexError as exc:
            raise ShapeError(f"index {key!r} is out of range for block {self.name!r} of shape {self.shape}") from exc


@dataclass(frozen=True, slots=True)
class ParameterSpace:
    """An ordered list of named parameter blocks, flattened block by block in C order.

    Parameters
    ----------
    blocks : sequence of (str, tuple of int)
        Block names and shapes, in flattening order. ``()`` denotes a scalar block.

    Attributes
    ----------
    names : tuple of str
    shapes : tuple of tuple of int
    size : int
        Total dimension D.

    Raises
    ------
    ShapeError
        A shape has negative entries, or names repeat.

    Notes
    -----
    Two spaces are equal when their block names and shapes agree; objects defined over unequal
    spaces cannot be combined (:class:`~eqalg.errors.SpaceMismatchError`).
    """

    blocks: tuple = field()
    _offsets: tuple = field(init=False, repr=False, compare=False)

    def __init__(self, blocks):
        blocks = tuple((str(name), tuple(int(s) for s in np.atleast_1d(shape)) if shape != () else ())
                       for name, shape in blocks)
        names = [b[0] for b in blocks]
        if len(set(names)) != len(names):
            raise ShapeError(f"blocks: block names must be unique, got {names}")
        if any(s < 0 for _, shape in blocks for s in shape):
            raise ShapeError(f"blocks: shapes must be non-negative, got {[b[1] for b in blocks]}")
        offsets, total = [], 0
        for _, shape in blocks:
            offsets.append(total)
            total += int(np.prod(shape, dtype=np.int64))
        object.__setattr__(self, "blocks", blocks)
        object.__setattr__(self, "_offsets", tuple(offsets) + (total,))

    @classmethod
    def flat(cls, size: int) -> "ParameterSpace":
        """A space with a single block ``"theta"`` of shape ``(size,)``: a raw R^size."""
        if int(size) < 0:
            raise ShapeError(f"size: expected a non-negative integer, got {size}")
        return cls([("theta", (int(size),))])

    @property
    def names(self) -> tuple:
        """Block names in flattening order."""
        return tuple(b[0] for b in self.blocks)

    @property
    def shapes(self) -> tuple:
        """Block shapes in flattening order."""
        return tuple(b[1] for b in self.blocks)

    @property
    def size(self) -> int:
        """Total number of parameters D."""
        return self._offsets[-1]

    def _position(self, name: str) -> int:
        try:
            return self.names.index(name)
        except ValueError:
            raise UnknownNameError(f"block: expected one of {', '.join(self.names)}; got {name!r}") from None

    def __getitem__(self, name: str) -> BlockView:
        i = self._position(name)
        return BlockView(name, self.blocks[i][1], self._offsets[i])

    def __contains__(self, name) -> bool:
        return name in self.names

    def slice(self, name: str) -> slice:
        """The flat slice occupied by block ``name``."""
        i = self._position(name)
        return slice(self._offsets[i], self._offsets[i + 1])

    def unflatten(self, theta) -> dict:
        """Split a flat vector into ``{name: array of the block's shape}`` (views, no copy).

        Raises
        ------
        ShapeError
            ``theta`` is not a vector of length D.
        """
        theta = as_vector(theta, "theta", self.size, finite=False)
        return {name: theta[self._offsets[i]:self._offsets[i + 1]].reshape(shape)
                for i, (name, shape) in enumerate(self.blocks)}

    def flatten(self, arrays: dict) -> np.ndarray:
        """Concatenate ``{name: array}`` (every block present, correct shapes) into θ of shape (D,).

        Raises
        ------
        ShapeError
            A block is missing, unknown or of the wrong shape.
        """
        missing = [n for n in self.names if n not in arrays]
        extra = [n for n in arrays if n not in self.names]
        if missing or extra:
            raise ShapeError(f"arrays: expected blocks {list(self.names)}; missing {missing}, unexpected {extra}")
        parts = []
        for name, shape in self.blocks:
            a = np.asarray(arrays[name], dtype=np.float64)
            if a.shape != shape:
                raise ShapeError(f"arrays[{name!r}]: expected shape {shape}, got {a.shape}")
            parts.append(a.ravel())
        return np.concatenate(parts) if parts else np.zeros(0)

    def indices(self, selection, name: str = "selection") -> np.ndarray:
        """Validate a selection and return it as flat indices (intp array, no duplicates).

        Parameters
        ----------
        selection : BlockView, array_like of int, or boolean mask of length D
            What ``space[block][key]`` returns, a whole block ``space[block]``, explicit flat
            indices in [0, D), or a boolean mask over all D parameters.
        name : str
            Argument name for error messages.

        Raises
        ------
        ShapeError
            Non-integer or negative or out-of-range indices, repeated indices, or a boolean mask
            of the wrong length.
        """
        return as_indices(selection, self.size, name)

    def indicator(self, *selections) -> np.ndarray:
        """Return a 0/1 vector of length D that is 1 on the union of the given selections.

        Raises
        ------
        ShapeError
            A selection is not valid for this space (see :meth:`indices`).
        """
        out = np.zeros(self.size)
        for k, sel in enumerate(selections):
            out[self.indices(sel, f"selections[{k}]")] = 1.0
        return out

    def describe(self) -> str:
        """One-line human-readable summary, e.g. ``W1 (8, 4) | b1 (8,) | ... (D = 67)``."""
        return " | ".join(f"{n} {s}" for n, s in self.blocks) + f" (D = {self.size})"


def as_indices(selection, size: int, name: str = "selection") -> np.ndarray:
    """Flat indices from a selection over a space of dimension ``size`` (see ParameterSpace.indices).

    Raises
    ------
    ShapeError
        Non-integer, negative, out-of-range or repeated indices; a mask of the wrong length.
    """
    arr = np.asarray(selection)
    if arr.dtype == bool:
        if arr.shape != (size,):
            raise ShapeError(f"{name}: a boolean mask must have shape ({size},), got {arr.shape}")
        return np.flatnonzero(arr)
    arr = np.atleast_1d(arr)
    if arr.size == 0:
        return np.zeros(0, dtype=np.intp)
    if not np.issubdtype(arr.dtype, np.integer):
        raise ShapeError(f"{name}: expected integer indices (or a boolean mask), got dtype {arr.dtype}")
    arr = arr.ravel().astype(np.intp)
    if arr.min() < 0 or arr.max() >= size:
        raise ShapeError(f"{name}: indices must lie in [0, {size}), got range [{arr.min()}, {arr.max()}]")
    if np.unique(arr).size != arr.size:
        raise ShapeError(f"{name}: repeated indices")
    return arr


def same_space(*objects, what: str = "arguments") -> ParameterSpace:
    """Return the common ``.space`` of ``objects`` or raise :class:`SpaceMismatchError`."""
    spaces = [o.space for o in objects]
    first = spaces[0]
    for s in spaces[1:]:
        if s != first:
            raise SpaceMismatchError(f"{what}: defined over different parameter spaces "
                                     f"({first.describe()} vs {s.describe()})")
    return first
