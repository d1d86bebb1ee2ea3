"""Representations of finite groups on parameter space: fixed subspaces, stabilizers, orbits,
isotropy lattices (MATH.md §A and B6).

A :class:`Representation` ρ: G → GL(D) is a homomorphism for the library's product,
ρ(g @ h) = ρ(g) ρ(h) (h applied first). It is applied on demand — ρ(g) is formed for the
elements asked for, never one D-length array per element of a large group.

* :class:`BlockRepresentation`: a signed-permutation group of n points acting on n equal-size
  blocks of coordinates (neurons of a network, MATH.md §C #12–#14); the others are fixed. All
  its answers are exact (gathers and sign changes of floats are exact).
* :class:`MatrixRepresentation`: a matrix group acting by its own matrices on R^d.

Fix(H) = {v : ρ(h)v = v ∀h ∈ H} has dimension |H|⁻¹ Σ_h tr ρ(h) (MATH.md (D5)); its basis is
made of normalized Reynolds averages P_H v = |H|⁻¹ Σ_h ρ(h)v. For signed permutations these are
the signed orbit sums of coordinates. Fix(H) is invariant under gradient descent for every
subgroup H of loss symmetries (MATH.md (D3)–(D4)).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from ..errors import InvalidValueError, ShapeError, as_vector, check_positive
from ..space import ParameterSpace
from .discrete import MatrixMap, SignedPermutation
from .finite import FiniteGroup, GroupMismatchError
from .subgroups import hasse

__all__ = ["Representation", "BlockRepresentation", "MatrixRepresentation", "FixedSubspace", "IsotropyType",
           "IsotropyLattice", "natural_representation"]


#: Largest subgroup whose elements are listed for the average-trace cross-check of a fixed subspace.
AVERAGE_TRACE_LIMIT = 200_000


@dataclass(frozen=True)
class FixedSubspace:
    """Fix(H) with an orthonormal basis and the evidence for its dimension.

    Attributes
    ----------
    subgroup : FiniteGroup
    basis : ndarray (D, k)
        Orthonormal columns spanning Fix(H).
    average_trace : float or None
        |H|⁻¹ Σ_h tr ρ(h) (MATH.md (D5)); equals k. None when H has more than
        :data:`AVERAGE_TRACE_LIMIT` elements (the basis never needs the elements; only this
        independent cross-check lists them).
    """

    subgroup: FiniteGroup
    basis: np.ndarray
    average_trace: float | None

    @property
    def dim(self) -> int:
        """dim Fix(H)."""
        return int(self.basis.shape[1])

    def project(self, theta) -> np.ndarray:
        """Orthogonal projection B Bᵀ θ onto Fix(H) (the Reynolds projector for orthogonal ρ)."""
        theta = as_vector(theta, "theta", self.basis.shape[0])
        return self.basis @ (self.basis.T @ theta)

    def distance(self, theta) -> float:
        """Relative distance ‖θ − Pθ‖ / ‖θ‖ (0 for θ = 0)."""
        theta = as_vector(theta, "theta", self.basis.shape[0])
        nrm = np.linalg.norm(theta)
        return float(np.linalg.norm(theta - self.project(theta)) / nrm) if nrm else 0.0

    def contains(self, theta, rtol: float = 1e-12) -> bool:
        """True when θ lies in Fix(H) up to ``rtol`` (relative)."""
        return self.distance(theta) <= rtol


class Representation(ABC):
    """A homomorphism ρ: G → GL(D) onto a parameter space (convention ρ(g @ h) = ρ(g) ρ(h)).

    Obligatory
    ----------
    group : FiniteGroup (property)
    space : ParameterSpace (property)
    image(g) -> DiscreteTransformation
        ρ(g).

    Defaults
    --------
    act, trace, traces, fixed_subspace (Reynolds averaging, dense), stabilizer and orbit (by
    checking elements), isotropy_lattice — written only in terms of the obligatory methods.
    """

    @property
    @abstractmethod
    def group(self) -> FiniteGroup:
        """The group G."""

    @property
    @abstractmethod
    def space(self) -> ParameterSpace:
        """The parameter space ρ acts on."""

    @abstractmethod
    def image(self, g):
        """ρ(g) as a :class:`~eqalg.transforms.base.DiscreteTransformation`."""

    #: True when ρ(g)θ is computed exactly (signed permutations), so points compare bit for bit.
    exact: bool = False

    def __call__(self, g):
        return self.image(g)

    def act(self, g, theta) -> np.ndarray:
        """ρ(g) θ."""
        return self.image(g).act(theta)

    def trace(self, g) -> float:
        """The character χ(g) = tr ρ(g)."""
        return float(np.trace(self.image(g).to_dense()))

    def traces(self, H: FiniteGroup | None = None) -> np.ndarray:
        """tr ρ(h) for every element of H (default G), in H's element order."""
        H = self.group if H is None else H
        return np.array([self.trace(h) for h in H.elements])

    def _subgroup(self, H):
        if H is None:
            return self.group
        if not isinstance(H, FiniteGroup):
            raise GroupMismatchError(f"H: expected a subgroup of the representation's group, got {type(H).__name__}")
        H2 = H._on_domain_of(self.group)         # a group built separately is carried over to the group's domain
        if H2 is None or not H2.is_subgroup_of(self.group):
            raise GroupMismatchError("H: expected a subgroup of the representation's group")
        return H2

    def fixed_subspace(self, H: FiniteGroup | None = None) -> FixedSubspace:
        """Fix(H) by Reynolds averaging P_H = |H|⁻¹ Σ ρ(h) (dense; override for large D)."""
        H = self._subgroup(H)
        P = sum(self.image(h).to_dense() for h in H.elements) / H.order
        U, svals, _ = np.linalg.svd(P)
        k = int(np.sum(svals > 0.5))        # a projector's nonzero singular values are ≥ 1
        return FixedSubspace(H, U[:, :k], float(np.trace(P)))

    def stabilizer(self, theta, rtol: float = 1e-10) -> FiniteGroup:
        """K_θ = {g : ‖ρ(g)θ − θ‖∞ ≤ rtol · ‖θ‖∞} (MATH.md §A), as a subgroup of G.

        Raises
        ------
        InvalidValueError
            The elements passing the tolerance do not form a group (use a smaller rtol).
        ShapeError, NonFiniteError
            ``theta`` is not a finite vector of the space's dimension.
        """
        idx = np.flatnonzero(self.fixing_mask(theta, rtol))
        K = self.group.subgroup_from_indices(idx, name="Stab(theta)")
        if K.order != idx.size:
            raise InvalidValueError(f"rtol: the {idx.size} elements fixing theta within tolerance do not form a "
                                    f"group (they generate {K.order}); use a smaller rtol")
        return K

    def fixing_mask(self, theta, rtol: float = 1e-10) -> np.ndarray:
        """Boolean mask over ``group.elements`` of the g with ‖ρ(g)θ − θ‖∞ ≤ rtol · ‖θ‖∞."""
        theta = as_vector(theta, "theta", self.space.size)
        atol = _atol(theta, rtol)
        return np.array([np.abs(self.act(g, theta) - theta).max(initial=0.0) <= atol for g in self.group.elements])

    def orbit(self, theta) -> np.ndarray:
        """The distinct points ρ(g)θ, shape (|G| / |K_θ|, D), θ first (BFS with the generators' images).

        Points are identified on a grid of cell 1e-9 · max(‖v‖∞, 1) (exactly for :attr:`exact` ρ).
        """
        theta = as_vector(theta, "theta", self.space.size)
        images = [self.image(g) for g in self.group.generators]
        return _orbit(theta, lambda v: [t.act(v) for t in images], self._orbit_key)

    def _orbit_key(self, v):
        scale = max(np.abs(v).max(initial=0.0), 1.0) * 1e-9
        return np.round(v / scale).astype(np.int64).tobytes()

    def isotropy_lattice(self, rng: np.random.Generator | None = None) -> "IsotropyLattice":
        """The distinct fixed subspaces: isotropy subgroups up to conjugacy, with dim Fix.

        For every class of subgroups H, the pointwise stabilizer K of Fix(H) (the stabilizer of a
        generic point of Fix(H), drawn from ``rng``) has Fix(K) = Fix(H); the distinct classes
        of such K are the isotropy types. Needs G's subgroup lattice. The generic point is fixed
        exactly by K for an :attr:`exact` ρ, else within rtol = 1e-9.
        """
        return IsotropyLattice(self, np.random.default_rng(0) if rng is None else rng)


def _atol(theta, rtol):
    check_positive(rtol, "rtol", allow_zero=True)        # 0: exact equality
    return rtol * max(np.abs(theta).max(initial=0.0), np.finfo(float).tiny)


def _orbit(theta, step, key):
    seen = {key(theta): 0}
    pts = [theta]
    front = [theta]
    while front:
        nxt = []
        for v in front:
            for w in step(v):
                k = key(w)
                if k not in seen:
                    seen[k] = len(pts)
                    pts.append(w)
                    nxt.append(w)
        front = nxt
    return np.array(pts)


class _Stored(Representation):
    """Holds ``_group`` and ``_space`` for the concrete representations."""

    @property
    def group(self) -> FiniteGroup:
        return self._group

    @property
    def space(self) -> ParameterSpace:
        return self._space


class BlockRepresentation(_Stored):
    """A signed-permutation group of n points acting on n blocks of coordinates of a space.

    ``(ρ(g)θ)[blocks[i, k]] = s[i] · θ[blocks[p[i], k]]`` for g = (p, s) in gather form; other
    coordinates are fixed. This is a homomorphism, ρ(g @ h) = ρ(g) ρ(h) (the block gather
    composes as g's gather, i.e. ρ(g) = P_g ⊗ I_block ⊕ I).

    Parameters
    ----------
    group : FiniteGroup
        A signed-permutation group of degree n.
    space : ParameterSpace
    blocks : array_like of int, shape (n, b)
        Flat indices of the n blocks, coordinate k of every block in column k (disjoint).
    name : str, optional

    Raises
    ------
    InvalidValueError
        ``group`` is not a signed-permutation group.
    ShapeError
        ``blocks`` has the wrong shape, repeats an index or leaves the space.
    """

    exact = True

    def __init__(self, group: FiniteGroup, space: ParameterSpace, blocks, *, name: str | None = None):
        if not isinstance(group, FiniteGroup) or not group.is_signed_permutation_group:
            raise InvalidValueError("group: expected a FiniteGroup of signed permutations")
        b = np.asarray(blocks)
        if b.ndim != 2 or b.shape[0] != group.degree or not np.issubdtype(b.dtype, np.integer):
            raise ShapeError(f"blocks: expected an integer array of shape ({group.degree}, b), got {b.shape}")
        if b.size and (b.min() < 0 or b.max() >= space.size or np.unique(b).size != b.size):
            raise ShapeError(f"blocks: expected distinct indices in [0, {space.size})")
        self._group, self._space, self._name = group, space, name
        self._blocks = b.astype(np.intp)
        self._blocks.setflags(write=False)

    @property
    def blocks(self) -> np.ndarray:
        """Block indices (n, b)."""
        return self._blocks

    @property
    def name(self) -> str:
        """Name used in reports."""
        return self._name or f"rho({self._group.name})"

    def _signed(self, g):
        return self._group._domain.signed(self._group._row_of(g))

    def image(self, g) -> SignedPermutation:
        """ρ(g) as a :class:`SignedPermutation` of the space (D-length, formed on demand)."""
        p, s = self._signed(g)
        perm = np.arange(self._space.size)
        signs = np.ones(self._space.size, dtype=np.int8)
        perm[self._blocks] = self._blocks[p]
        signs[self._blocks] = s[:, None]
        return SignedPermutation(perm, signs, self._space)

    def trace(self, g) -> float:
        """tr ρ(g) = b · Σ_{i: p[i]=i} s[i] + (D − n b)."""
        return float(self.traces_of_rows(self._group._row_of(g)[None, :])[0])

    def traces_of_rows(self, rows) -> np.ndarray:
        dom = self._group._domain
        p, s = dom.signed(rows)
        n, b = self._blocks.shape
        fixed = np.where(p == np.arange(n), s, 0).sum(axis=1)
        return (b * fixed + (self._space.size - n * b)).astype(np.float64)

    def traces(self, H: FiniteGroup | None = None) -> np.ndarray:
        """tr ρ(h) for all h in H (default G), vectorized over H's element rows."""
        return self.traces_of_rows(self._subgroup(H)._rows)

    def _point_components(self, H):
        """Orbits of H on the signed points ±e_i (connected components of its generators' action)."""
        dom = self._group._domain
        m = dom.m
        gens = H._gen_rows.astype(np.intp)
        graph = sp.csr_array((np.ones(gens.size, dtype=np.int8), (np.tile(np.arange(m), gens.shape[0]), gens.ravel())),
                             shape=(m, m))
        return connected_components(graph, directed=True, connection="weak")[1]

    def fixed_subspace(self, H: FiniteGroup | None = None) -> FixedSubspace:
        """Fix(H), exactly: one basis vector per signed orbit C ≠ −C of H on the points ±e_i and per
        coordinate of a block, plus the coordinates outside the blocks.

        The vector of orbit C has entries σ/√|C| at the blocks i of the points σe_i ∈ C: it is
        the normalized Reynolds average P_H e_i. ``average_trace`` is computed independently
        from the characters (MATH.md (D5)).
        """
        H = self._subgroup(H)
        dom = self._group._domain
        labels = self._point_components(H)
        n, b = self._blocks.shape
        pos = labels[:n]
        neg = np.full(n, -1)
        neg[dom.point_index[n:]] = labels[n:]
        cols = []
        for c in np.unique(pos[pos != neg]):
            at_pos, at_neg = pos == c, neg == c
            if at_neg.any() and np.argmax(at_neg) < np.argmax(at_pos):
                continue            # the orbit −C gives the same line; keep the one with the first +e_i
            v = at_pos.astype(float) - at_neg.astype(float)
            cols.append(v / np.sqrt(np.count_nonzero(v)))
        V = np.array(cols).T.reshape(n, -1)                   # (n, orbits): Fix of H on R^n
        D = self._space.size
        basis = np.zeros((D, V.shape[1] * b))
        for k in range(b):
            basis[self._blocks[:, k], k::b] = V
        free = np.setdiff1d(np.arange(D), self._blocks.ravel())
        extra = np.zeros((D, free.size))
        extra[free, np.arange(free.size)] = 1.0
        basis = np.concatenate([basis, extra], axis=1)
        avg = float(self.traces(H).mean()) if H.order <= AVERAGE_TRACE_LIMIT else None
        return FixedSubspace(H, basis, avg)

    def fixing_mask(self, theta, rtol: float = 1e-10) -> np.ndarray:
        """Mask of the g with ‖s[i]·θ_{block p[i]} − θ_{block i}‖∞ ≤ rtol·‖θ‖∞ for every block i.

        Only n × 2n block comparisons are made, then one lookup per element of G.
        """
        theta = as_vector(theta, "theta", self._space.size)
        atol = _atol(theta, rtol)
        dom = self._group._domain
        Th = theta[self._blocks]                                       # (n, b)
        img = dom.point_sign[:, None] * Th[dom.point_index]             # block of point σe_j: σ θ_j
        allowed = np.abs(Th[:, None, :] - img[None, :, :]).max(axis=2, initial=0.0) <= atol   # (n, m)
        n = self._blocks.shape[0]
        rows = self._group._rows[:, :n].astype(np.intp)
        return allowed[np.arange(n), rows].all(axis=1)

    def orbit(self, theta) -> np.ndarray:
        """Distinct points ρ(g)θ (exact comparison: signed permutations move floats exactly)."""
        theta = as_vector(theta, "theta", self._space.size)
        images = [self.image(g) for g in self._group.generators]
        return _orbit(theta + 0.0, lambda v: [t.act(v) + 0.0 for t in images], lambda v: v.tobytes())


class MatrixRepresentation(_Stored):
    """A matrix group acting on R^d by its own matrices (its natural representation)."""

    def __init__(self, group: FiniteGroup, space: ParameterSpace | None = None):
        if not isinstance(group, FiniteGroup):
            raise InvalidValueError("group: expected a FiniteGroup")
        space = group.space if space is None else space
        if space.size != group.degree:
            raise ShapeError(f"space: expected dimension {group.degree}, got {space.size}")
        self._group, self._space = group, space

    def image(self, g) -> MatrixMap:
        """ρ(g) = g's matrix."""
        return MatrixMap(self._group._domain.matrices(self._group._row_of(g)), None, self._space)

    def trace(self, g) -> float:
        return float(np.trace(self._group._domain.matrices(self._group._row_of(g))))


def natural_representation(G: FiniteGroup) -> Representation:
    """G acting on R^d (its space): a :class:`BlockRepresentation` with 1-coordinate blocks for
    signed permutations, a :class:`MatrixRepresentation` otherwise."""
    if G.is_signed_permutation_group:
        return BlockRepresentation(G, G.space, np.arange(G.degree)[:, None], name=f"natural({G.name})")
    return MatrixRepresentation(G)


@dataclass(frozen=True)
class IsotropyType:
    """An isotropy subgroup class K (K = pointwise stabilizer of Fix(K)) and its fixed subspace.

    Attributes
    ----------
    subgroup : FiniteGroup
        Representative K.
    order, class_size, dim : int
        |K|, number of conjugates, dim Fix(K).
    fixed : FixedSubspace
        Fix(K) of the representative.
    class_index : int
        Index of K's class in ``group.subgroup_classes()``.
    subgroup_classes : tuple of int
        The subgroup classes H whose Fix(H) is (conjugate to) Fix(K).
    """

    subgroup: FiniteGroup
    order: int
    class_size: int
    dim: int
    fixed: FixedSubspace = field(repr=False)
    class_index: int
    subgroup_classes: tuple


class IsotropyLattice:
    """Isotropy types of a representation, ordered by inclusion (see
    :meth:`Representation.isotropy_lattice`). Sorted by decreasing dim Fix."""

    def __init__(self, rho: Representation, rng: np.random.Generator):
        G = rho.group
        L = G.subgroups()
        closure: dict = {}
        fixed: dict = {}
        for c in L.classes:
            F = rho.fixed_subspace(L[c.members[0]])
            x = F.basis @ rng.standard_normal(F.dim)
            kc = int(L.class_of[L.index_of_mask(rho.fixing_mask(x, 0.0 if rho.exact else 1e-9))])
            closure.setdefault(kc, []).append(c.index)
            fixed[kc] = F
        order = sorted(closure, key=lambda k: (-fixed[k].dim, L.classes[k].order, k))
        self.representation = rho
        self.types = [IsotropyType(L[L.classes[k].members[0]], L.classes[k].order, L.classes[k].size,
                                   fixed[k].dim, rho.fixed_subspace(L[L.classes[k].members[0]]), k,
                                   tuple(closure[k])) for k in order]
        rel = L.class_order()[np.ix_(order, order)]
        self._cover = hasse(rel)

    def __len__(self):
        return len(self.types)

    def __getitem__(self, i) -> IsotropyType:
        return self.types[i]

    def __iter__(self):
        return iter(self.types)

    def graph(self) -> nx.DiGraph:
        """Hasse diagram: an edge A → B when a conjugate of K_A is covered by K_B, i.e. Fix(K_B) is
        a maximal proper fixed subspace inside (a conjugate of) Fix(K_A). Node attributes:
        ``order``, ``class_size``, ``dim``, ``label``."""
        graph = nx.DiGraph(name=f"isotropy lattice of {self.representation.group.name}")
        graph.add_nodes_from((i, {"order": t.order, "class_size": t.class_size, "dim": t.dim,
                                  "label": f"|K| = {t.order}, dim Fix = {t.dim}"}) for i, t in enumerate(self.types))
        graph.add_edges_from(zip(*(a.tolist() for a in np.nonzero(self._cover))))
        return graph

    def __repr__(self):
        return f"IsotropyLattice({self.representation.group.name}: {len(self)} isotropy types)"
