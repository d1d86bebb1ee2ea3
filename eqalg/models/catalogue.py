"""Building blocks of symmetry catalogues: block-wise operators written by block name.

A model's symmetries act block by block on θ (MATH.md §A: blocks flattened row-major). With
row-major vectorization, for a block W of shape (r, c),

    vec(M W) = (M ⊗ I_c) vec W            (:func:`left_multiply`),
    vec(W M) = (I_r ⊗ Mᵀ) vec W           (:func:`right_multiply`),

and a vector block b (shape (r,)) transforms as M b. :func:`block_operator` places such per-block
matrices on the diagonal of a sparse (D, D) operator (zero or the identity elsewhere), from which
:func:`block_generator` makes a :class:`~eqalg.transforms.linear.LinearGenerator` (continuous
symmetry, e.g. gl(n) acting between two layers, MATH.md §C #3–#6) and :func:`block_map` a
:class:`~eqalg.transforms.discrete.MatrixMap` (one group element, e.g. G ∈ GL(n), not
orthogonal).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..errors import InvalidValueError, NonFiniteError, ShapeError
from ..space import ParameterSpace
from ..transforms.discrete import MatrixMap, SignedPermutation
from ..transforms.linear import LinearGenerator

__all__ = ["left_multiply", "right_multiply", "block_operator", "block_generator", "block_map",
           "unit_matrix", "symmetric_unit", "shear", "column_swap", "column_scaling", "logit_translations"]


def _square(M, n, name="M"):
    M = np.asarray(M, dtype=np.float64)
    if M.shape != (n, n):
        raise ShapeError(f"{name}: expected shape ({n}, {n}), got {M.shape}")
    if not np.all(np.isfinite(M)):
        raise NonFiniteError(f"{name}: expected finite entries")
    return M


def left_multiply(M, shape) -> sp.csr_array:
    """The matrix of W ↦ M W on vec W (row-major): M ⊗ I_c for W of shape (r, c); M for a vector (r,)."""
    M = _square(M, shape[0])
    if len(shape) == 1:
        return sp.csr_array(M)
    return sp.csr_array(sp.kron(sp.csr_array(M), sp.eye_array(shape[1])))


def right_multiply(M, shape) -> sp.csr_array:
    """The matrix of W ↦ W M on vec W (row-major): I_r ⊗ Mᵀ for W of shape (r, c)."""
    if len(shape) != 2:
        raise ShapeError(f"shape: right multiplication needs a matrix block, got shape {shape}")
    M = _square(M, shape[1])
    return sp.csr_array(sp.kron(sp.eye_array(shape[0]), sp.csr_array(M.T)))


def block_operator(space: ParameterSpace, blocks: dict, *, identity: bool = False) -> sp.csr_array:
    """A sparse (D, D) operator acting on each named block by the given (size, size) matrix.

    Parameters
    ----------
    space : ParameterSpace
    blocks : dict of str -> (size, size) matrix
        Per-block action (e.g. from :func:`left_multiply`); blocks not named get zero (generators)
        or the identity (``identity=True``, group elements).

    Raises
    ------
    UnknownNameError
        A block name is not in ``space``.
    ShapeError
        A matrix does not match its block's size.
    """
    parts = []
    for name, shape in space.blocks:
        size = int(np.prod(shape, dtype=np.int64))
        if name in blocks:
            m = sp.csr_array(blocks[name])
            if m.shape != (size, size):
                raise ShapeError(f"blocks[{name!r}]: expected shape ({size}, {size}), got {m.shape}")
            parts.append(m)
        else:
            parts.append(sp.eye_array(size, format="csr") if identity else sp.csr_array((size, size)))
    for name in blocks:
        space[name]                                  # raises UnknownNameError for unknown blocks
    return sp.csr_array(sp.block_diag(parts, format="csr"))


def block_generator(space: ParameterSpace, blocks: dict, *, name: str | None = None) -> LinearGenerator:
    """A :class:`LinearGenerator` J(θ) = Aθ with A = :func:`block_operator` (zero elsewhere)."""
    return LinearGenerator(block_operator(space, blocks), space, name=name)


def block_map(space: ParameterSpace, blocks: dict, *, name: str | None = None) -> MatrixMap:
    """A :class:`MatrixMap` θ ↦ Mθ with M = :func:`block_operator` (identity elsewhere)."""
    return MatrixMap(block_operator(space, blocks, identity=True), None, space, name=name)


def unit_matrix(n: int, a: int, b: int) -> np.ndarray:
    """E_ab, the (n, n) matrix with a single 1 at (a, b) (a basis element of gl(n))."""
    E = np.zeros((n, n))
    E[a, b] = 1.0
    return E


def symmetric_unit(n: int, a: int, b: int) -> np.ndarray:
    """E_ab + E_ba (a ≠ b) or E_aa: the basis of symmetric matrices used for conserved charges (L4)."""
    E = unit_matrix(n, a, b)
    return E + E.T if a != b else E


def shear(n: int) -> np.ndarray:
    """A fixed, well-conditioned, non-orthogonal G ∈ GL(n): I + ½ E_01 with G_00 = 3/2 (n ≥ 2), else [[3/2]].

    Used as a finite group element of GL(n) symmetries (a non-orthogonal discrete symmetry:
    only (D1)/(D2) apply, MATH.md B6, (L8)).
    """
    G = np.eye(n)
    G[0, 0] = 1.5
    if n >= 2:
        G[0, 1] = 0.5
    return G


def column_swap(space: ParameterSpace, block: str, a: int, b: int, *, name: str | None = None) -> SignedPermutation:
    """Exchange columns a and b of a matrix block (e.g. permuting a layer's inputs without permuting data).

    Raises
    ------
    InvalidValueError
        The block has fewer than two columns.
    """
    if len(space[block].shape) != 2 or space[block].shape[1] < 2:
        raise InvalidValueError(f"{block}: exchanging columns needs a matrix block with at least two columns, "
                                f"got shape {space[block].shape}")
    return SignedPermutation.swap_blocks(space, [(space[block][:, a], space[block][:, b])], name=name)


def column_scaling(space: ParameterSpace, block: str, a: int, *, name: str | None = None) -> LinearGenerator:
    """J = Pθ with P the coordinate projector onto column a of a matrix block (scaling that column)."""
    return LinearGenerator.from_selections(space, plus=[space[block][:, a]], name=name)


def logit_translations(space: ParameterSpace, layer: int) -> dict:
    """Translations of output layer ``layer`` (blocks ``W{layer}``, optional ``b{layer}``) that add one
    number to every logit: ``translate_W{layer}[:,j]`` (W ↦ W + 1vᵀ on column j) and
    ``translate_b{layer}``. Symmetries of every loss of the softmax of the logits (cross-entropy):
    gᵀc = 0 and H c = 0 at every θ (L7), cᵀθ decays as (1 − ηλ)^k under GD (T2); Kunin et al.
    2021 (Neural Mechanics)."""
    W, b = f"W{layer}", f"b{layer}"
    out = {}
    for j in range(space[W].shape[1]):
        name = f"translate_{W}[:,{j}]"
        out[name] = LinearGenerator.translation(space.indicator(space[W][:, j]), space, name=name)
    if b in space:
        out[f"translate_{b}"] = LinearGenerator.translation(space.indicator(space[b]), space, name=f"translate_{b}")
    return out
