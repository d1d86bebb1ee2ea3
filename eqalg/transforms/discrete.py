"""Discrete transformations: signed permutations (exact) and general linear/affine maps.

Convention (gather form). A :class:`SignedPermutation` with index array ``p`` and sign array
``s`` acts by ``(M θ)[i] = s[i] * θ[p[i]]``, i.e. M[i, p[i]] = s[i]. Composition ``g @ h``
applies ``h`` first: (g @ h)(θ) = g(h(θ)), so the map is a homomorphism into GL(D):
matrix(g @ h) = matrix(g) @ matrix(h). Signed permutations are orthogonal (Mᵀ = M⁻¹), compare
and hash exactly from their integer arrays.

Examples
--------
>>> g = SignedPermutation([1, 0, 2], [1, 1, -1])
>>> g.act([10.0, 20.0, 30.0])
array([ 20.,  10., -30.])
>>> (g @ g).is_identity
True
"""

from __future__ import annotations

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from ..errors import InvalidValueError, NonFiniteError, ShapeError, SpaceMismatchError, as_vector
from ..space import ParameterSpace
from .base import DiscreteTransformation, compose, inverse

__all__ = ["SignedPermutation", "MatrixMap"]


def _same_space(a, b, what="transformations"):
    if a.space != b.space:
        raise SpaceMismatchError(f"{what}: defined over different parameter spaces "
                                 f"({a.space.describe()} vs {b.space.describe()})")


class SignedPermutation(DiscreteTransformation):
    """A signed permutation of the D coordinates: ``(Mθ)[i] = signs[i] * θ[perm[i]]``.

    Parameters
    ----------
    perm : array_like of int, shape (D,)
        A permutation of ``range(D)``.
    signs : array_like of ±1, shape (D,), optional
        All +1 when omitted (a plain permutation).
    space : ParameterSpace, optional
        Defaults to ``ParameterSpace.flat(D)``.
    name : str, optional

    Raises
    ------
    ShapeError
        ``perm`` is not a permutation of range(D), or ``signs``/``space`` sizes disagree.
    InvalidValueError
        ``signs`` has entries other than ±1.

    Notes
    -----
    Orthogonal, so (D3)/(D4) of MATH.md B6 apply; equality and ``hash`` use the exact integer
    arrays and the space.
    """

    __slots__ = ("_perm", "_signs", "_space", "_name", "_hash")

    def __init__(self, perm, signs=None, space: ParameterSpace | None = None, *, name: str | None = None):
        p = np.asarray(perm)
        if p.ndim != 1 or (p.size and not np.issubdtype(p.dtype, np.integer)):
            if p.ndim == 1 and p.size and p.dtype.kind == "f" and np.all(np.equal(np.mod(p, 1), 0)):
                p = p.astype(np.intp)
            else:
                raise ShapeError(f"perm: expected a 1-D integer array, got shape {p.shape} dtype {p.dtype}")
        p = p.astype(np.intp, copy=True)
        d = p.shape[0]
        if d and not np.array_equal(np.sort(p), np.arange(d)):
            raise ShapeError(f"perm: expected a permutation of range({d}), got {p.tolist()[:12]}"
                             f"{'...' if d > 12 else ''}")
        if signs is None:
            s = np.ones(d, dtype=np.int8)
        else:
            s_raw = np.asarray(signs)
            if np.iscomplexobj(s_raw):
                raise ShapeError("signs: expected real entries +1 or -1, got complex ones")
            if s_raw.shape != (d,):
                raise ShapeError(f"signs: expected shape ({d},), got {s_raw.shape}")
            if not np.all((s_raw == 1) | (s_raw == -1)):
                raise InvalidValueError("signs: expected entries +1 or -1 only")
            s = s_raw.astype(np.int8)
        if space is None:
            space = ParameterSpace.flat(d)
        if space.size != d:
            raise ShapeError(f"perm: expected length {space.size} for the given space, got {d}")
        p.setflags(write=False)
        s.setflags(write=False)
        self._perm, self._signs, self._space, self._name, self._hash = p, s, space, name, None

    @classmethod
    def identity(cls, space: ParameterSpace) -> "SignedPermutation":
        """The identity map of ``space``."""
        return cls(np.arange(space.size), None, space, name="id")

    @classmethod
    def swap_blocks(cls, space: ParameterSpace, pairs, *, name=None) -> "SignedPermutation":
        """Exchange coordinates pairwise: each ``(a, b)`` in ``pairs`` is two equal-length index arrays.

        This is how a neuron transposition is written: ``(space["W1"][i, :], space["W1"][j, :])``,
        and likewise for the neuron's bias and outgoing weights.
        """
        p = np.arange(space.size)
        moved = np.zeros(space.size, dtype=bool)
        for k, (a, b) in enumerate(pairs):
            a, b = space.indices(a, f"pairs[{k}][0]"), space.indices(b, f"pairs[{k}][1]")
            if a.shape != b.shape:
                raise ShapeError(f"pairs[{k}]: index arrays must have equal shapes, got {a.shape} and {b.shape}")
            both = np.concatenate([a, b])
            if np.any(moved[both]) or np.unique(both).size != both.size:
                raise ShapeError(f"pairs[{k}]: an index appears in more than one exchanged position")
            moved[both] = True
            p[a], p[b] = b, a
        return cls(p, None, space, name=name)

    @classmethod
    def negate(cls, space: ParameterSpace, *selections, name=None) -> "SignedPermutation":
        """The sign flip −1 on the union of ``selections`` (flat index arrays), +1 elsewhere."""
        s = np.ones(space.size, dtype=np.int8)
        for k, sel in enumerate(selections):
            s[space.indices(sel, f"selections[{k}]")] = -1
        return cls(np.arange(space.size), s, space, name=name)

    @property
    def space(self) -> ParameterSpace:
        return self._space

    @property
    def perm(self) -> np.ndarray:
        """Index array p (read-only), shape (D,)."""
        return self._perm

    @property
    def signs(self) -> np.ndarray:
        """Sign array s (read-only, int8 ±1), shape (D,)."""
        return self._signs

    @property
    def is_orthogonal(self) -> bool:
        return True

    @property
    def is_identity(self) -> bool:
        """True for the identity map."""
        return bool(np.array_equal(self._perm, np.arange(self._perm.shape[0])) and np.all(self._signs == 1))

    def act(self, theta) -> np.ndarray:
        """Mθ, shape (D,)."""
        theta = as_vector(theta, "theta", self.space.size)
        return self._signs * theta[self._perm]

    def linear_apply(self, v) -> np.ndarray:
        """M v for v of shape (D,) or (D, k)."""
        v = np.asarray(v, dtype=np.float64)
        return (self._signs * v[self._perm]) if v.ndim == 1 else self._signs[:, None] * v[self._perm]

    def linear_apply_transpose(self, v) -> np.ndarray:
        """Mᵀ v = M⁻¹ v for v of shape (D,) or (D, k)."""
        v = np.asarray(v, dtype=np.float64)
        out = np.empty_like(v)
        if v.ndim == 1:
            out[self._perm] = self._signs * v
        else:
            out[self._perm] = self._signs[:, None] * v
        return out

    def to_dense(self) -> np.ndarray:
        """M as a dense (D, D) array."""
        d = self._perm.shape[0]
        m = np.zeros((d, d))
        m[np.arange(d), self._perm] = self._signs
        return m

    def to_sparse(self):
        """M as a ``scipy.sparse.csr_array``."""
        d = self._perm.shape[0]
        return sp.csr_array((self._signs.astype(float), (np.arange(d), self._perm)), shape=(d, d))

    def __eq__(self, other):
        if not isinstance(other, SignedPermutation):
            return NotImplemented
        return (self._space == other._space and np.array_equal(self._perm, other._perm)
                and np.array_equal(self._signs, other._signs))

    def __hash__(self):
        if self._hash is None:
            self._hash = hash((self._space, self._perm.tobytes(), self._signs.tobytes()))
        return self._hash

    def __repr__(self):
        return f"SignedPermutation({self.name!r}, D={self._perm.shape[0]})"


@compose.register(SignedPermutation, SignedPermutation)
def _compose_signed(g, h):
    _same_space(g, h)
    # (g(hθ))_i = s^g_i s^h_{p^g_i} θ_{p^h[p^g_i]}
    name = f"{g._name}∘{h._name}" if g._name and h._name else None
    return SignedPermutation(h._perm[g._perm], g._signs * h._signs[g._perm], g.space, name=name)


@inverse.register(SignedPermutation)
def _inverse_signed(g):
    q = np.empty_like(g._perm)
    q[g._perm] = np.arange(g._perm.shape[0])
    return SignedPermutation(q, g._signs[q], g.space, name=f"{g._name}⁻¹" if g._name else None)


class MatrixMap(DiscreteTransformation):
    """A general invertible linear or affine map θ ↦ Mθ + t.

    Parameters
    ----------
    matrix : ndarray (D, D) or scipy.sparse matrix
        M; must be invertible: checked by its condition number, exactly (2-norm) for dense M up to
        D = 2000, estimated (1-norm, from a sparse LU) for sparse M of any size; a dense M larger
        than 2000 must have an LU factorization.
    offset : array_like (D,), optional
        t (affine part).
    space : ParameterSpace, optional
    name : str, optional
    rtol : float
        Tolerance deciding orthogonality, ‖MᵀM − I‖_F ≤ rtol·√D (documented, user-settable).

    Raises
    ------
    ShapeError, NonFiniteError
        Non-square, wrong size, or non-finite entries.
    InvalidValueError
        M is singular (condition number above 1/ε).
    MemoryError
        The sparse LU of a large sparse M ran out of memory.

    Notes
    -----
    For a non-orthogonal or affine map only (D1)/(D2) apply: the gradient lies in Fix(Mᵀ), not
    Fix(M), and fixed sets need not be invariant under gradient descent (MATH.md B6, D7).
    """

    __slots__ = ("_mat", "_offset", "_space", "_name", "_orth")

    def __init__(self, matrix, offset=None, space: ParameterSpace | None = None, *, name=None, rtol: float = 1e-12):
        if sp.issparse(matrix):
            mat = sp.csr_array(matrix, dtype=np.float64)
            if not np.all(np.isfinite(mat.data)):
                raise NonFiniteError("matrix: expected finite entries")
        else:
            mat = np.array(matrix, dtype=np.float64)
            if mat.ndim == 2 and not np.all(np.isfinite(mat)):
                raise NonFiniteError("matrix: expected finite entries")
        if mat.ndim != 2 or mat.shape[0] != mat.shape[1]:
            raise ShapeError(f"matrix: expected a square (D, D) matrix, got shape {mat.shape}")
        d = mat.shape[0]
        if space is None:
            space = ParameterSpace.flat(d)
        if space.size != d:
            raise ShapeError(f"matrix: expected shape ({space.size}, {space.size}), got {mat.shape}")
        if d and sp.issparse(mat):
            # a sparse LU, never densified: a dense SVD of every catalogue map took seconds each
            cond = _sparse_condition(mat)
            if not np.isfinite(cond) or cond > 1.0 / np.finfo(float).eps:
                raise InvalidValueError(f"matrix: expected an invertible matrix, condition number {cond:.3g} "
                                        "(1-norm estimate)")
        elif d and d <= 2000:
            cond = np.linalg.cond(mat)
            if not np.isfinite(cond) or cond > 1.0 / np.finfo(float).eps:
                raise InvalidValueError(f"matrix: expected an invertible matrix, condition number {cond:.3g}")
        elif d:
            _check_invertible_large(mat)
        off = None if offset is None else as_vector(offset, "offset", d).copy()
        if off is not None and not np.any(off):
            off = None
        if sp.issparse(mat):  # stay sparse: a large map must never be densified
            gram_err = spla.norm(mat.T @ mat - sp.eye_array(d)) if d else 0.0
        else:
            gram_err = np.linalg.norm(mat.T @ mat - np.eye(d))
        orth = off is None and gram_err <= rtol * np.sqrt(max(d, 1))
        if isinstance(mat, np.ndarray):
            mat.setflags(write=False)
        self._mat, self._offset, self._space, self._name, self._orth = mat, off, space, name, bool(orth)

    @property
    def space(self) -> ParameterSpace:
        return self._space

    @property
    def matrix(self):
        """M as stored (dense array or sparse CSR)."""
        return self._mat

    @property
    def offset(self):
        """t, or None when the map is linear."""
        return self._offset

    @property
    def is_orthogonal(self) -> bool:
        return self._orth

    @property
    def is_identity(self) -> bool:
        """True when M = I exactly and t = 0."""
        if self._offset is not None:
            return False
        d = self.space.size
        if sp.issparse(self._mat):
            return (abs(self._mat - sp.eye_array(d))).max() == 0 if d else True
        return bool(np.array_equal(self._mat, np.eye(d)))

    def act(self, theta) -> np.ndarray:
        """Mθ + t."""
        theta = as_vector(theta, "theta", self.space.size)
        out = self._mat @ theta
        return out if self._offset is None else out + self._offset

    def linear_apply(self, v) -> np.ndarray:
        """M v."""
        return self._mat @ np.asarray(v, dtype=np.float64)

    def linear_apply_transpose(self, v) -> np.ndarray:
        """Mᵀ v."""
        return self._mat.T @ np.asarray(v, dtype=np.float64)

    def to_dense(self) -> np.ndarray:
        """M as a dense array."""
        return self._mat.toarray() if sp.issparse(self._mat) else np.array(self._mat)

    @classmethod
    def rotation(cls, space: ParameterSpace, pairs, angle: float, *, name=None) -> "MatrixMap":
        """Rotate coordinate pairs by ``angle``: for each (a, b) index arrays, (θ_a, θ_b) ↦ R(angle)(θ_a, θ_b)."""
        if not np.isfinite(angle):
            raise InvalidValueError(f"angle: expected a finite number, got {angle}")
        c, s = np.cos(angle), np.sin(angle)
        m = sp.lil_array(sp.eye_array(space.size))
        for k, (a, b) in enumerate(pairs):
            a, b = space.indices(a, f"pairs[{k}][0]"), space.indices(b, f"pairs[{k}][1]")
            if a.shape != b.shape:
                raise ShapeError(f"pairs[{k}]: index arrays must have equal shapes, got {a.shape} and {b.shape}")
            m[a, a] = c
            m[a, b] = -s
            m[b, a] = s
            m[b, b] = c
        return cls(sp.csr_array(m), None, space, name=name)

    def __repr__(self):
        return f"MatrixMap({self.name!r}, D={self.space.size}, orthogonal={self._orth})"


def _sparse_lu(mat):
    """The sparse LU of M, or InvalidValueError when M is exactly singular.

    SuperLU reports running out of memory as a RuntimeError too; that is re-raised as a
    MemoryError saying so, not passed off as a singular matrix.
    """
    try:
        return spla.splu(sp.csc_array(mat))
    except (RuntimeError, ValueError) as exc:
        if "MALLOC" in str(exc).upper():
            raise MemoryError(f"matrix: out of memory in the sparse LU of a {mat.shape[0]}x{mat.shape[0]} "
                              f"matrix ({exc})") from None
        raise InvalidValueError(f"matrix: expected an invertible matrix ({exc})") from None


def _sparse_condition(mat) -> float:
    """κ₁(M) = ‖M‖₁ ‖M⁻¹‖₁ of a sparse M, ‖M⁻¹‖₁ estimated from its sparse LU (Higham's onenormest).

    A few triangular solves instead of a dense SVD (O(D³), seconds at D = 2000); κ₁ is within a
    factor D of κ₂. Raises InvalidValueError when M is exactly singular.
    """
    lu = _sparse_lu(mat)
    d = mat.shape[0]
    inv = spla.LinearOperator((d, d), dtype=np.float64, matvec=lu.solve, matmat=lu.solve,
                              rmatvec=lambda v: lu.solve(v, trans="T"), rmatmat=lambda v: lu.solve(v, trans="T"))
    with np.errstate(all="ignore"):
        return float(spla.norm(mat, 1) * spla.onenormest(inv))


def _check_invertible_large(mat):
    """Invertibility of a large dense M: a dense LU must succeed."""
    try:
        sla.lu_factor(mat, check_finite=False)
    except (RuntimeError, ValueError, sla.LinAlgError) as exc:
        raise InvalidValueError(f"matrix: expected an invertible matrix ({exc})") from None


def _as_matrix_map(g):
    if isinstance(g, MatrixMap):
        return g
    return MatrixMap(g.to_sparse(), getattr(g, "offset", None), g.space)


@compose.register(DiscreteTransformation, DiscreteTransformation)
def _compose_affine(g, h):
    _same_space(g, h)
    g, h = _as_matrix_map(g), _as_matrix_map(h)
    off = None
    if h.offset is not None:
        off = g.linear_apply(h.offset)
    if g.offset is not None:
        off = g.offset if off is None else off + g.offset
    return MatrixMap(g.matrix @ h.matrix, off, g.space)


@inverse.register(MatrixMap)
def _inverse_matrix(g):
    dense = g.to_dense()
    minv = sla.inv(dense)
    off = None if g.offset is None else -(minv @ g.offset)
    return MatrixMap(minv, off, g.space)
