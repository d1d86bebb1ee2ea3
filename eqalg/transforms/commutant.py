"""Commutant averages, eigenvalue clusters and the argument checks of the symmetric-point tools.

The group average C = |K|⁻¹ Σ_k ρ(k) S ρ(k)ᵀ of a matrix S commutes with ρ(K) (for orthogonal ρ)
and is the orthogonal projection of S onto the commutant (Serre, *Linear Representations of
Finite Groups*, §2.6, the Reynolds operator on End(V)). It is computed through the
representation, never by forming |K| dense D × D matrices for signed permutations:

* **signed permutations** (gather form ``(g x)[i] = s[i] x[p[i]]``): k ↦ k·(x, y) hits every point
  of the orbit of a pair of signed coordinates equally often (orbit–stabilizer), so
  C[i, j] = mean of σ τ S[a, b] over the orbit of (+e_i, +e_j) ∋ (σ e_a, τ e_b). The orbits on
  ordered pairs (*orbitals*) are the connected components of the pair graph of K's generators:
  O(P²) work with P = 2N signed points (N without sign changes), no element listed;
* **matrices**: the elements are listed and averaged one at a time (small groups only).

:func:`cluster_eigenvalues` groups (numerically) equal eigenvalues with a documented relative
tolerance and returns the gaps on both sides of the cut. :class:`NotOrthogonalError` is raised
wherever (D3)–(D5) would be applied to a map that is not orthogonal (MATH.md D7: the sigmoid
neuron flip).

Examples
--------
>>> import numpy as np
>>> from eqalg.transforms.families import symmetric_group
>>> from eqalg.transforms.representations import natural_representation
>>> C = commutant_average(natural_representation(symmetric_group(3)), np.diag([3.0, 0.0, 0.0]))
>>> np.round(C, 12)                                     # the S3-average of e_0 e_0ᵀ is I
array([[1., 0., 0.],
       [0., 1., 0.],
       [0., 0., 1.]])
>>> cluster_eigenvalues([1.0, 1.0 + 1e-12, 2.0]).pattern()
{'1': 1, '2': 1}
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from ..errors import GroupTooLargeError, InvalidValueError, NonFiniteError, ShapeError, as_vector, real_array
from .base import DiscreteTransformation
from .finite import FiniteGroup, GroupMismatchError
from .representations import BlockRepresentation, Representation, natural_representation

__all__ = ["commutant_average", "EigenClusters", "cluster_eigenvalues", "multiplicity_pattern", "as_representation",
           "as_subgroup", "require_orthogonal", "NotOrthogonalError", "CLUSTER_RTOL", "INTERTWINER_RTOL",
           "CHARACTER_LIMIT"]

#: Relative tolerance (to the largest |eigenvalue|) joining consecutive sorted eigenvalues into one cluster.
CLUSTER_RTOL = 1e-8
#: Relative tolerance (to ‖S‖_F of the averaged random matrix) below which a compressed commutant block counts as zero.
INTERTWINER_RTOL = 1e-8
#: Largest |K| for which conjugacy classes and characters are computed (elements are listed).
CHARACTER_LIMIT = 10 ** 6
#: Largest number P² of ordered pairs of signed coordinates in an orbital average (memory ~ 20 bytes each).
PAIR_LIMIT = 2 * 10 ** 7


class NotOrthogonalError(InvalidValueError):
    """A map or representation that is not orthogonal where (D3)–(D5) need orthogonality (MATH.md D7)."""


# -- eigenvalue clusters ----------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class EigenClusters:
    """Sorted eigenvalues grouped into clusters of (numerically) equal values, with the evidence.

    Attributes
    ----------
    values : ndarray (N,)
        Eigenvalues in increasing order.
    bounds : tuple of (start, stop)
        Clusters as index ranges into ``values``.
    rtol, scale, atol : float
        Consecutive values closer than atol = rtol · scale are joined (single linkage).
    max_spread : float
        Largest gap between consecutive values inside a cluster (absolute).
    min_gap : float
        Smallest gap between two clusters (absolute; inf for a single cluster).
    """

    values: np.ndarray
    bounds: tuple
    rtol: float
    scale: float
    atol: float
    max_spread: float
    min_gap: float

    @property
    def sizes(self) -> tuple:
        """Cluster sizes (eigenvalue multiplicities), in increasing eigenvalue order."""
        return tuple(b - a for a, b in self.bounds)

    @property
    def centers(self) -> np.ndarray:
        """Mean value of each cluster."""
        return np.array([self.values[a:b].mean() for a, b in self.bounds])

    def pattern(self) -> dict:
        """``{"multiplicity": number of distinct eigenvalues with it}``, keys as strings in increasing order."""
        return multiplicity_pattern(self.sizes)

    def evidence(self) -> dict:
        """JSON-ready tolerances and relative gaps."""
        s = self.scale if self.scale > 0 else 1.0
        return {"rtol": self.rtol, "scale": self.scale, "atol": self.atol, "relative_max_spread": self.max_spread / s,
                "relative_min_gap": self.min_gap / s if np.isfinite(self.min_gap) else None}


def multiplicity_pattern(sizes) -> dict:
    """The multiplicity pattern of a list of eigenvalue multiplicities.

    Parameters
    ----------
    sizes : iterable of int
        One multiplicity per distinct eigenvalue.

    Returns
    -------
    dict of str -> int
        ``{str(m): number of distinct eigenvalues with multiplicity m}``, sorted by m (JSON keys are
        strings), e.g. ``[1, 2, 1, 2, 2] -> {"1": 2, "2": 3}``.
    """
    vals, counts = np.unique(np.asarray(list(sizes), dtype=np.int64), return_counts=True)
    return {str(int(v)): int(c) for v, c in zip(vals, counts)}


def cluster_eigenvalues(values, rtol: float = CLUSTER_RTOL, scale: float | None = None) -> EigenClusters:
    """Group eigenvalues into clusters of equal values up to a relative tolerance.

    Parameters
    ----------
    values : array_like (N,)
        Real eigenvalues (any order; they are sorted).
    rtol : float
        Consecutive sorted values closer than ``rtol · scale`` join one cluster (single linkage).
    scale : float, optional
        The size the tolerance is relative to; default max |value| (the spectral norm of a
        symmetric matrix).

    Returns
    -------
    EigenClusters

    Raises
    ------
    ShapeError, NonFiniteError
        ``values`` is not a finite vector.
    InvalidValueError
        ``rtol`` is not positive or ``scale`` is negative.
    """
    w = np.sort(as_vector(values, "values"))
    if not (isinstance(rtol, (int, float)) and rtol > 0):
        raise InvalidValueError(f"rtol: expected a positive number, got {rtol!r}")
    scale = float(np.abs(w).max(initial=0.0)) if scale is None else float(scale)
    if not scale >= 0:
        raise InvalidValueError(f"scale: expected a non-negative number, got {scale!r}")
    atol = rtol * scale if scale > 0 else np.finfo(float).tiny
    gaps = np.diff(w)
    cut = np.flatnonzero(gaps > atol) + 1
    edges = np.concatenate([[0], cut, [w.size]]).astype(int)
    bounds = tuple((int(a), int(b)) for a, b in zip(edges[:-1], edges[1:]) if b > a)
    inside = gaps[gaps <= atol]
    between = gaps[gaps > atol]
    return EigenClusters(w, bounds, float(rtol), scale, float(atol), float(inside.max(initial=0.0)),
                         float(between.min()) if between.size else float("inf"))


# -- arguments ------------------------------------------------------------------------------------------------
def as_representation(rho, name: str = "rho") -> Representation:
    """A :class:`Representation` from a representation, a discrete map or a list of discrete maps.

    Maps are taken as generators of a finite group acting by its natural representation; they
    must be orthogonal (checked first, so the sigmoid flip is refused before any group is built).

    Raises
    ------
    NotOrthogonalError
        A map is not orthogonal (e.g. ``TwoLayerMLP.logistic_flip(j)``, MATH.md D7).
    InvalidValueError
        ``rho`` is none of the accepted types.
    GroupTooLargeError
        The maps generate a group of more than 10⁶ elements (build the FiniteGroup with a larger
        ``max_order`` and pass its natural representation).
    """
    if isinstance(rho, Representation):
        return rho
    maps = [rho] if isinstance(rho, DiscreteTransformation) else list(rho) if isinstance(rho, (list, tuple)) else None
    if not maps or not all(isinstance(t, DiscreteTransformation) for t in maps):
        raise InvalidValueError(f"{name}: expected a Representation, a DiscreteTransformation or a list of them, "
                                f"got {type(rho).__name__}")
    for k, t in enumerate(maps):
        if not t.is_orthogonal:
            raise NotOrthogonalError(f"{name}: {t.name!r} is not orthogonal; block structure and invariant-subspace "
                                     "predictions need an orthogonal representation (for such a map only "
                                     "M^T g(M theta) = g(theta) holds, (D7))")
    G = FiniteGroup(maps, name="<" + ", ".join(t.name for t in maps) + ">")
    return natural_representation(G)


def as_subgroup(rho: Representation, K, name: str = "K") -> FiniteGroup:
    """K checked to be a subgroup of ``rho.group`` (the whole group when None).

    Parameters
    ----------
    rho : Representation
    K : FiniteGroup or None
    name : str
        The argument name used in messages.

    Returns
    -------
    FiniteGroup

    Raises
    ------
    InvalidValueError
        ``K`` is not a FiniteGroup, or not contained in the representation's group.
    GroupMismatchError
        ``K`` acts on another space (degree or layout).
    """
    G = rho.group
    if K is None:
        return G
    if not isinstance(K, FiniteGroup):
        raise InvalidValueError(f"{name}: expected a FiniteGroup (a subgroup of {G.name}), got {type(K).__name__}")
    try:
        K_on_G = K._on_domain_of(G)      # a group built separately is carried over to G's point domain
    except GroupMismatchError:
        raise GroupMismatchError(f"{name}: {K.name} is not a subgroup of {G.name} (it acts on another "
                                 "space; take subgroups with G.subgroup(...))") from None
    if K_on_G is None or not K_on_G.is_subgroup_of(G):
        raise InvalidValueError(f"{name}: {K.name} (order {K.order}) is not contained in {G.name}")
    return K_on_G


def require_orthogonal(rho: Representation, K: FiniteGroup, name: str = "rho") -> None:
    """Check that ρ(k) is orthogonal for every generator k of K (then for all of K).

    (D3)–(D5) need ρ(k)ᵀ = ρ(k)⁻¹: for a non-orthogonal symmetry the gradient at a fixed point lies
    in Fix(Mᵀ), not Fix(M), and the Hessian satisfies MᵀHM = H, not HM = MH (MATH.md D7).
    Signed permutations are orthogonal; a ``MatrixMap`` decides by ‖MᵀM − I‖_F ≤ rtol·√D.

    Raises
    ------
    NotOrthogonalError
        A generator's image is not orthogonal.
    """
    for g in K.generators:
        img = rho.image(g)
        if not img.is_orthogonal:
            raise NotOrthogonalError(f"{name}: the image of {K.label(g)} is not orthogonal; the isotypic "
                                     "decomposition, block structure and (D3)-(D5) need an orthogonal "
                                     "representation, (D7))")


# -- actions on the reduced space -------------------------------------------------------------------------------
class SignedAction:
    """Signed permutations of N coordinates in gather form, (g x)[i] = s[i] x[p[i]]."""

    def __init__(self, dim, generators, element):
        self.dim = int(dim)
        self.generators = [self._cast(g) for g in generators]
        self._element = element

    @staticmethod
    def _cast(ps):
        p, s = ps
        return np.asarray(p, dtype=np.intp), np.asarray(s, dtype=np.float64)

    def image(self, k):
        return self._cast(self._element(k))

    @staticmethod
    def apply(img, X):
        p, s = img
        return s[:, None] * X[p]

    def averages(self, mats) -> list:
        """Group averages |K|⁻¹ Σ ρ(k) S ρ(k)ᵀ as means over the orbitals (see the module docstring)."""
        labels, point, sign = _pair_orbits(self.dim, self.generators)
        flat = labels.ravel()
        counts = np.bincount(flat)
        out = []
        for S in mats:
            W = (sign[:, None] * sign[None, :]) * S[np.ix_(point, point)]
            means = np.bincount(flat, weights=W.ravel(), minlength=counts.size) / counts
            out.append(means[labels[:self.dim, :self.dim]])
        return out


def _pair_orbits(dim, generators):
    """Orbit labels (P, P) of the generators on ordered pairs of the P signed points, with the
    coordinate and sign of each point (P = 2N when a sign occurs, else N)."""
    signed = any(np.any(s < 0) for _, s in generators)
    P = 2 * dim if signed else dim
    if P * P > PAIR_LIMIT:
        raise InvalidValueError(f"rho: an orbital average over {P} signed coordinates needs {P * P} pair nodes "
                                f"(limit {PAIR_LIMIT}); act on blocks (BlockRepresentation) to reduce the dimension")
    ar = np.arange(dim)
    images = []
    for p, s in generators:          # the matrix sends e_{p[i]} to s[i] e_i
        img = np.empty(P, dtype=np.intp)
        if signed:
            neg = s < 0
            img[p] = np.where(neg, ar + dim, ar)
            img[p + dim] = np.where(neg, ar, ar + dim)
        else:
            img[p] = ar
        images.append(img)
    nodes = np.arange(P * P)
    if images:
        u, v = np.divmod(nodes, P)
        cols = np.concatenate([img[u] * P + img[v] for img in images])
        graph = sp.csr_array((np.ones(cols.size, dtype=np.int8), (np.tile(nodes, len(images)), cols)),
                             shape=(P * P, P * P))
        labels = connected_components(graph, directed=True, connection="weak")[1]
    else:
        labels = nodes
    point = np.concatenate([ar, ar]) if signed else ar
    sign = np.concatenate([np.ones(dim), -np.ones(dim)]) if signed else np.ones(dim)
    return labels.reshape(P, P), point, sign


class MatrixAction:
    """Dense orthogonal matrices; averages by listing the group (small groups only)."""

    def __init__(self, dim, generators, element, K, limit):
        self.dim = int(dim)
        self.generators = list(generators)
        self._element = element
        self._K, self._limit = K, limit

    def image(self, k):
        return self._element(k)

    @staticmethod
    def apply(M, X):
        return M @ X

    def averages(self, mats) -> list:
        if self._K.order > self._limit:
            raise GroupTooLargeError(f"K: averaging a matrix representation lists the group; |K| = {self._K.order} "
                                     f"exceeds character_limit = {self._limit}")
        out = [np.zeros((self.dim, self.dim)) for _ in mats]
        for k in self._K.elements:
            M = self._element(k)
            for acc, S in zip(out, mats):
                acc += M @ S @ M.T
        return [acc / self._K.order for acc in out]


def reduced_action(rho: Representation, K: FiniteGroup, limit: int, reduce: bool = True):
    """(action, blocks): K acting on the n points of a block representation (``reduce``) with the
    blocks (n, b) to lift by, else on all D coordinates with blocks None."""
    if reduce and isinstance(rho, BlockRepresentation):
        n = rho.blocks.shape[0]
        act = SignedAction(n, [(g.perm, g.signs) for g in K.generators], lambda k: (k.perm, k.signs))
        return act, rho.blocks
    D = rho.space.size
    imgs = [rho.image(g) for g in K.generators]
    if all(hasattr(t, "perm") and hasattr(t, "signs") for t in imgs):
        def signed(k):
            t = rho.image(k)
            return t.perm, t.signs
        return SignedAction(D, [(t.perm, t.signs) for t in imgs], signed), None
    dense = (lambda k: np.asarray(rho.image(k).linear_apply(np.eye(D)), dtype=np.float64))
    return MatrixAction(D, [dense(g) for g in K.generators], dense, K, limit), None


def commutant_average(rho, S, K: FiniteGroup | None = None, *, limit: int = CHARACTER_LIMIT) -> np.ndarray:
    """The group average |K|⁻¹ Σ_k ρ(k) S ρ(k)ᵀ (the projection of S onto the commutant of ρ(K)).

    Parameters
    ----------
    rho : Representation, DiscreteTransformation or list of DiscreteTransformation
        Orthogonal.
    S : array_like (D, D)
    K : FiniteGroup, optional
        A subgroup of ``rho.group`` (default the whole group).
    limit : int
        Largest |K| averaged element by element (matrix representations only).

    Returns
    -------
    ndarray (D, D)
        Commutes with ρ(k) for every k ∈ K; symmetric (skew) when S is.

    Raises
    ------
    NotOrthogonalError
        A generator of K has a non-orthogonal image.
    ShapeError
        ``S`` is not (D, D).
    InvalidValueError, GroupMismatchError
        ``K`` is not a subgroup of ``rho.group``.
    GroupTooLargeError
        A matrix representation with |K| > ``limit``.
    """
    rho = as_representation(rho)
    K = as_subgroup(rho, K)
    require_orthogonal(rho, K)
    D = rho.space.size
    S = real_array(S, "S")
    if S.shape != (D, D):
        raise ShapeError(f"S: expected shape ({D}, {D}), got {S.shape}")
    if not np.all(np.isfinite(S)):
        raise NonFiniteError("S: expected finite entries")
    action, _ = reduced_action(rho, K, limit, reduce=False)
    return action.averages([S])[0]
