"""Point domains: how a finite group of linear maps of R^d becomes a permutation group.

A finite group G of invertible d×d matrices permutes the finite set

    Ω = {Mᵀ e_j : M ∈ G, j < d}          (the orbit of the basis vectors under the transposes),

and since Ω spans R^d the action is faithful. Point k of Ω is a vector ω_k; points 0..d-1 are
e_0..e_{d-1}. An element M is stored as the row ``q`` with ``Mᵀ ω_k = ω_{q[k]}``, and the rows
compose as right actions: the row of the matrix product M_g M_h is ``q_h[q_g]`` — the product
g*h of :mod:`~eqalg.transforms.stabchain`. The matrix is read back from its row: row j of M is
``ω_{q[j]}`` (j < d).

* **Signed permutations** (gather form ``(Mx)[i] = s[i] x[p[i]]``, as
  :class:`~eqalg.transforms.discrete.SignedPermutation`): Ω ⊆ {±e_j}, so a plain permutation
  group of n points stays on n points and the hyperoctahedral group B_n uses 2n. Exact.
* **General matrices**: Ω is found by breadth-first search; vectors are identified by a
  canonical rounded key ``floor(ω / tol + φ)`` (φ = 0.381966…, an offset keeping the grid
  boundaries away from 0, ±1/2, ±1 and other round values). Two vectors are the same point
  when every coordinate falls in the same cell of width ``tol``; products are accurate to
  ~1e-15 · depth, far inside the default ``tol = 1e-9``.
"""

from __future__ import annotations

from fractions import Fraction
from math import lcm

import numpy as np

from ..errors import GroupTooLargeError, InvalidValueError
from ..space import ParameterSpace
from .stabchain import row_dtype

__all__ = ["Domain", "signed_domain", "matrix_domain", "finite_order", "signed_form"]

_OFFSET = 0.3819660112501051   # 2 - golden ratio


class Domain:
    """The point set Ω of a group of d×d signed permutations or matrices (see module docstring).

    Attributes
    ----------
    kind : {"signed", "matrix"}
    d : int
        Dimension of the natural representation R^d.
    m : int
        Number of points.
    space : ParameterSpace
        The space the natural representation acts on.
    dtype : numpy dtype
        Integer dtype of rows.
    """

    __slots__ = ("kind", "d", "m", "space", "dtype", "point_index", "point_sign", "lut",
                 "vectors", "tol", "_keys", "root")

    def __init__(self, kind, d, m, space, *, point_index=None, point_sign=None, lut=None,
                 vectors=None, tol=None, keys=None):
        self.kind, self.d, self.m, self.space = kind, int(d), int(m), space
        self.dtype = row_dtype(max(m, 1))
        self.point_index, self.point_sign, self.lut = point_index, point_sign, lut
        self.vectors, self.tol, self._keys = vectors, tol, keys
        self.root = None        # the group this domain was built for (set by FiniteGroup)

    @property
    def is_permutation(self) -> bool:
        """True when every point is a positive basis vector (a plain permutation group)."""
        return self.kind == "signed" and self.m == self.d

    # -- natural form <-> rows --------------------------------------------------------------------
    def rows_from_signed(self, perms, signs, name="generators") -> np.ndarray:
        """Rows (N, m) of signed permutations given by gather arrays ``perms``/``signs`` (N, d)."""
        P = np.asarray(perms, dtype=np.intp)[:, self.point_index]
        S = np.asarray(signs, dtype=np.int8)[:, self.point_index] * self.point_sign
        rows = self.lut[(S < 0).astype(np.intp), P]
        if np.any(rows < 0):
            raise InvalidValueError(f"{name}: not an element of this group (maps a point outside its domain)")
        return rows.astype(self.dtype)

    def rows_from_matrices(self, mats, name="generators") -> np.ndarray:
        """Rows (N, m) of matrices (N, d, d) by looking up the rounded keys of ωᵀ M."""
        mats = np.asarray(mats, dtype=np.float64).reshape(-1, self.d, self.d)
        out = np.empty((mats.shape[0], self.m), dtype=self.dtype)
        for n, M in enumerate(mats):
            W = self.vectors @ M
            keys = _keys(W, self.tol)
            try:
                out[n] = [self._keys[k] for k in keys]
            except KeyError:
                raise InvalidValueError(f"{name}: not an element of this group (maps a vector outside its "
                                        f"domain at tolerance {self.tol})") from None
        return out

    def signed(self, rows):
        """(perms, signs) gather arrays (N, d) of signed-permutation rows (N, m)."""
        r = np.asarray(rows)[..., :self.d]
        return self.point_index[r], self.point_sign[r]

    def matrices(self, rows) -> np.ndarray:
        """Natural matrices (N, d, d): row j of M is ω_{q[j]}."""
        r = np.asarray(rows)[..., :self.d]
        if self.kind == "signed":
            out = np.zeros(r.shape + (self.d,))
            np.put_along_axis(out, self.point_index[r][..., None], self.point_sign[r][..., None].astype(float), -1)
            return out
        return self.vectors[r]

    def key(self, row) -> tuple:
        """Canonical key of one element: equal maps have equal keys across groups and kinds.

        Signed permutations — also matrix elements that are signed permutations within ``tol`` —
        are keyed exactly by (perm, signs); other matrices by their entries rounded to the
        group's ``tol`` (so two such elements compare equal only at equal tolerances).
        """
        if self.kind == "signed":
            p, s = self.signed(row)
        else:
            M = self.matrices(row)
            p, s = signed_form(M[None], self.tol)
            if p is None:
                return ("matrix", self.d, np.floor(M / self.tol + _OFFSET).astype(np.int64).tobytes())
            p, s = p[0], s[0]
        return ("signed", self.d, p.astype(np.int64).tobytes(), s.astype(np.int8).tobytes())


def signed_form(mats, tol: float = 1e-9):
    """Gather arrays (perms, signs) of (N, d, d) matrices that are signed permutations within
    ``tol`` (entrywise, e.g. rotations by π/2 built from cos/sin), else (None, None)."""
    mats = np.asarray(mats, dtype=np.float64)
    rounded = np.rint(mats)
    if np.abs(mats - rounded).max(initial=0.0) > tol:
        return None, None
    perms = np.argmax(np.abs(rounded), axis=2)
    signs = np.take_along_axis(rounded, perms[..., None], axis=2)[..., 0]
    rebuilt = np.zeros_like(rounded)
    np.put_along_axis(rebuilt, perms[..., None], signs[..., None], axis=2)
    if not (np.array_equal(np.abs(signs), np.ones_like(signs)) and np.array_equal(rebuilt, rounded)):
        return None, None
    return perms, signs.astype(np.int8)


def _keys(W, tol):
    k = np.floor(W / tol + _OFFSET)
    if not np.all(np.isfinite(k)) or np.abs(k).max(initial=0) > 2.0 ** 62:
        raise GroupTooLargeError("generators: the orbit of the basis vectors is unbounded, so the matrices "
                                 "do not generate a finite group")
    k = k.astype(np.int64)
    return [row.tobytes() for row in k]


def signed_domain(perms, signs, space: ParameterSpace) -> Domain:
    """Domain of the group generated by signed permutations (gather arrays, shape (k, d))."""
    d = space.size
    perms = np.asarray(perms, dtype=np.intp).reshape(-1, d)
    signs = np.asarray(signs, dtype=np.int8).reshape(-1, d)
    has_neg = np.zeros(d, dtype=bool)
    pos = np.ones(d, dtype=bool)
    while True:   # close {±e_j} reachable from e_0..e_{d-1}: Mᵀ(σ e_j) = σ s_j e_{p_j}
        new = has_neg.copy()
        for p, s in zip(perms, signs):
            new[p[pos & (s < 0)]] = True
            new[p[has_neg & (s > 0)]] = True
        if np.array_equal(new, has_neg):
            break
        has_neg = new
    neg = np.flatnonzero(has_neg)
    m = d + neg.size
    lut = np.full((2, d), -1, dtype=np.intp)
    lut[0] = np.arange(d)
    lut[1, neg] = d + np.arange(neg.size)
    point_index = np.concatenate([np.arange(d), neg])
    point_sign = np.concatenate([np.ones(d, np.int8), -np.ones(neg.size, np.int8)])
    for a in (lut, point_index, point_sign):
        a.setflags(write=False)
    return Domain("signed", d, m, space, point_index=point_index, point_sign=point_sign, lut=lut)


def _smallest_denominator(a: float, max_q: int, atol: float):
    """The denominator of the first continued-fraction convergent p/q of a with |a − p/q| ≤ atol
    (q ≤ max_q), else None: the simplest rational within the tolerance."""
    h0, h1, k0, k1 = 0, 1, 1, 0
    x = a
    for _ in range(64):
        ai = int(np.floor(x))
        h0, h1, k0, k1 = h1, ai * h1 + h0, k1, ai * k1 + k0
        if k1 > max_q:
            return None
        if abs(a - h1 / k1) <= atol:
            return k1
        frac = x - ai
        if frac <= 1e-15:
            return k1
        x = 1.0 / frac
    return None


def finite_order(M: np.ndarray, max_order: int, tol: float = 1e-9):
    """The order of the matrix M if it is at most ``max_order``, else None.

    The order of a finite-order matrix is the lcm q of the denominators of its eigenvalue
    angles (eigenvalues e^{2πi p/q}); each angle is replaced by the simplest rational within
    ``max(10 tol, 1e-8)`` (continued-fraction convergents) and M^q ≈ I is then checked within
    ``max(10 tol, 1e-8)`` relative to the entries, so a generator rounded to float32 (tol
    ≈ 1e-6) keeps its order, while an irrational rotation, a Jordan block or a matrix with
    |λ| ≠ 1 is rejected at once instead of by a long search.
    """
    atol = max(10.0 * tol, 1e-8)
    ev = np.linalg.eigvals(M)
    if np.any(np.abs(np.abs(ev) - 1.0) > max(1e-6, atol)):
        return None
    q = 1
    for a in np.mod(np.angle(ev) / (2 * np.pi), 1.0):
        den = _smallest_denominator(float(a), max_order, atol)
        if den is None:
            return None
        q = lcm(q, den)
        if q > max_order:
            return None
    P = np.linalg.matrix_power(M, q)
    scale = max(1.0, float(np.abs(M).max()))
    return q if np.abs(P - np.eye(M.shape[0])).max() <= atol * scale else None


def matrix_domain(mats, space: ParameterSpace, tol: float, max_points: int, max_order: int | None = None) -> Domain:
    """Domain of the group generated by matrices (k, d, d): BFS of the basis vectors under Mᵀ.

    Every generator and every product of two generators must first have finite order at most
    ``max_order`` (:func:`finite_order`); this stops the common infinite groups (irrational
    rotations, two reflections at an irrational angle, shears, scalings) immediately. Any other
    infinite group stops when the orbit passes ``max_points``.

    Raises
    ------
    GroupTooLargeError
        A generator or product of two has infinite order or order above ``max_order``; more than
        ``max_points`` points; unbounded vectors.
    """
    d = space.size
    mats = np.asarray(mats, dtype=np.float64).reshape(-1, d, d)
    if max_order is not None:
        words = [(f"generators[{i}]", mats[i]) for i in range(len(mats))]
        words += [(f"generators[{i}] @ generators[{j}]", mats[i] @ mats[j])
                  for i in range(len(mats)) for j in range(i + 1, len(mats))]
        for name, M in words:
            if finite_order(M, max_order, tol) is None:
                raise GroupTooLargeError(f"max_order: {name} has infinite order or an order above max_order = "
                                         f"{max_order}, so the group is infinite or too large")
    vectors = [np.eye(d)]
    keys: dict = {}
    for j, k in enumerate(_keys(vectors[0], tol)):
        keys.setdefault(k, j)
    front = vectors[0]
    count = d
    while front.shape[0]:
        W = (front[None, :, :] @ mats).reshape(-1, d)        # ωᵀ M for every (M, ω)
        new = []
        for w, k in zip(W, _keys(W, tol)):
            if k not in keys:
                keys[k] = count
                count += 1
                new.append(w)
        if count > max_points:
            raise GroupTooLargeError(f"max_order: the basis vectors have more than {max_points} images, so the "
                                     "group is larger than max_order (or infinite)")
        front = np.array(new).reshape(-1, d)
        if new:
            vectors.append(front)
    V = np.concatenate(vectors)
    V.setflags(write=False)
    return Domain("matrix", d, V.shape[0], space, vectors=V, tol=float(tol), keys=keys)
