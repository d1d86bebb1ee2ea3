"""Lie brackets and conjugation of continuous generators (MATH.md §A, B2, D.2).

Both verbs are generic functions (:mod:`eqalg.dispatch`) dispatching on the types of both
arguments; :mod:`eqalg.transforms.vector_field` registers the methods for nonlinear fields.

Sign convention
---------------
``bracket(X, Y)`` is the bracket of the *matrix group*: for linear generators the matrix
commutator [A, B] = AB − BA, for affine ones the commutator of the homogeneous matrices
[[A, a], [0, 0]], and for general fields (DX)Y − (DY)X. The vector-field bracket of MATH.md §A,
[X, Y]_vf = (DY)X − (DX)Y, is its negative (:func:`vector_field_bracket`). Spans, closures,
dimensions and orbits do not depend on the sign.

Promotion: the bracket, sum and scalar multiple of symmetries are symmetries (MATH.md B2), so
``bracket`` returns a :class:`~eqalg.transforms.linear.LinearGenerator` for two linear/affine
generators and a :class:`~eqalg.transforms.vector_field.VectorField` as soon as one argument is
nonlinear; ``conjugate(A, g)`` of a generator by a discrete transformation is a generator.

Examples
--------
>>> import numpy as np
>>> E = LinearGenerator(np.array([[0.0, 1.0], [0.0, 0.0]]))
>>> F = LinearGenerator(np.array([[0.0, 0.0], [1.0, 0.0]]))
>>> bracket(E, F).to_dense()          # [E, F] = H (sl(2))
array([[ 1.,  0.],
       [ 0., -1.]])
"""

from __future__ import annotations

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp

from ..dispatch import generic
from ..errors import ShapeError, SpaceMismatchError
from .base import DiscreteTransformation, inverse
from .discrete import MatrixMap, SignedPermutation
from .linear import LinearGenerator

__all__ = ["bracket", "vector_field_bracket", "conjugate", "DENSE_CONJUGATE_LIMIT"]

#: Largest D for which conjugation by a general (non-orthogonal) discrete map builds dense matrices.
DENSE_CONJUGATE_LIMIT = 2000


@generic(nargs=2)
def bracket(x, y):
    """The Lie bracket of two continuous generators, in the matrix-group convention.

    Parameters
    ----------
    x, y : LinearGenerator or VectorField
        Generators over the same :class:`~eqalg.space.ParameterSpace`.

    Returns
    -------
    LinearGenerator
        For two linear/affine generators: matrix part AB − BA, translation part A c_y − B c_x
        (homogeneous commutator; diagonal and sparse forms are kept, MATH.md §A).
    VectorField
        When either argument is a :class:`~eqalg.transforms.vector_field.VectorField`:
        θ ↦ DX(θ) Y(θ) − DY(θ) X(θ), evaluated lazily at each point.

    Raises
    ------
    SpaceMismatchError
        ``x`` and ``y`` act on different parameter spaces.
    DispatchError
        No bracket is defined for the pair of types (e.g. a discrete transformation).

    Notes
    -----
    [X, Y] = −[X, Y]_vf with [X, Y]_vf = DY·X − DX·Y the vector-field bracket of MATH.md §A;
    see :func:`vector_field_bracket`. Antisymmetric, bilinear, satisfies the Jacobi identity.
    """


@bracket.register(LinearGenerator, LinearGenerator)
def _bracket_linear(x, y):
    return x.commutator(y)


def vector_field_bracket(x, y):
    """The vector-field bracket [X, Y]_vf(θ) = DY(θ) X(θ) − DX(θ) Y(θ) of MATH.md §A.

    Equal to ``-bracket(x, y)``; for linear fields Aθ, Bθ it is (BA − AB)θ. Same arguments,
    return types and exceptions as :func:`bracket`.
    """
    return -bracket(x, y)


@generic(nargs=2)
def conjugate(a, g):
    """Conjugate a generator by a discrete transformation: the push-forward g_* J = Dg · J ∘ g⁻¹.

    For a linear generator J = Aθ + c and an affine map g(θ) = Mθ + t this is the generator
    M A M⁻¹ θ + (M c − M A M⁻¹ t), the infinitesimal version of g ∘ T_s ∘ g⁻¹. If J is a
    symmetry and g is a symmetry, the result is a symmetry (MATH.md D.2).

    Parameters
    ----------
    a : LinearGenerator or VectorField
    g : DiscreteTransformation
        A :class:`SignedPermutation` is applied by index and sign permutation (no densifying);
        an orthogonal :class:`MatrixMap` uses Mᵀ; other maps invert M densely (D ≤ 2000).

    Returns
    -------
    LinearGenerator (or VectorField for a nonlinear ``a``)

    Raises
    ------
    SpaceMismatchError
        ``a`` and ``g`` act on different parameter spaces.
    ShapeError
        A non-orthogonal map with D > :data:`DENSE_CONJUGATE_LIMIT`.
    DispatchError
        No method for the pair of types.
    """


def _same(a, g):
    if a.space != g.space:
        raise SpaceMismatchError(f"conjugate: generator acts on {a.space.describe()}, "
                                 f"transformation on {g.space.describe()}")


@conjugate.register(LinearGenerator, SignedPermutation)
def _conjugate_signed(a, g):
    _same(a, g)
    p, s = g.perm, g.signs.astype(float)
    q = np.empty_like(p)
    q[p] = np.arange(p.shape[0])
    # (M A Mᵀ)[i, j] = s_i s_j A[p_i, p_j];  (M c)_i = s_i c_{p_i}
    off = None if a.offset is None else s * a.offset[p]
    name = f"{g.name}·{a.name}"
    if a.form == "diagonal":
        return LinearGenerator.diagonal(a.matrix[p], a.space, offset=off, name=name)
    if a.form == "dense":
        return LinearGenerator(a.matrix[np.ix_(p, p)] * np.outer(s, s), a.space, offset=off, name=name)
    coo = a.matrix.tocoo()
    rows, cols = q[coo.row], q[coo.col]
    mat = sp.csr_array((coo.data * s[rows] * s[cols], (rows, cols)), shape=coo.shape)
    return LinearGenerator(mat, a.space, offset=off, name=name)


def _conjugated(a, m, minv, t, name):
    """M A M⁻¹ θ + (M c − M A M⁻¹ t) for M, M⁻¹ given as dense or sparse matrices."""
    A = a.matrix if a.form == "dense" else a.to_sparse()
    mat = m @ (A @ minv)
    mat = sp.csr_array(mat) if sp.issparse(mat) else np.asarray(mat)
    off = np.zeros(a.space.size)
    if a.offset is not None:
        off += m @ a.offset
    if t is not None:
        off -= mat @ t
    return LinearGenerator(mat, a.space, offset=off, name=name)


def _dense_limit(d):
    if d > DENSE_CONJUGATE_LIMIT:
        raise ShapeError(f"conjugate: a non-orthogonal map with D = {d} > {DENSE_CONJUGATE_LIMIT} "
                         "would need a dense inverse")


@conjugate.register(LinearGenerator, MatrixMap)
def _conjugate_matrix(a, g):
    _same(a, g)
    m = g.matrix
    if g.is_orthogonal:
        minv = m.T
    else:
        _dense_limit(a.space.size)
        minv = sla.inv(g.to_dense())
    return _conjugated(a, m, minv, g.offset, f"{g.name}·{a.name}")


@conjugate.register(LinearGenerator, DiscreteTransformation)
def _conjugate_general(a, g):
    # Any other discrete map (e.g. a one-parameter element exp(B, t)): dense M and M⁻¹ from its action.
    _same(a, g)
    d = a.space.size
    _dense_limit(d)
    eye = np.eye(d)
    m, minv = g.linear_apply(eye), inverse(g).linear_apply(eye)
    t = g.act(np.zeros(d))
    return _conjugated(a, m, minv, t if np.any(t) else None, f"{g.name}·{a.name}")
