"""Isotypic decomposition of an orthogonal representation of a finite group (MATH.md §A, B6 (D5)).

An orthogonal representation ρ of a finite group K on R^N splits into isotypic components
V_π ≅ W_π^{m_π}: m_π copies of a real irreducible representation W_π of real dimension d_π
(Serre, *Linear Representations of Finite Groups*, §2.6 and §13.2). A real irreducible is of
**real**, **complex** or **quaternionic** type as its commutant End_K(W) is R, C or H; complex
and quaternionic ones (the rotation planes of C_n, n ≥ 3; the quaternion group acting on H)
have real dimension 2 or 4 times that of a complex irreducible constituent.

Algorithm (only K's generators are needed; no element is listed unless characters are asked for):

1. **Generic commutant elements** C = |K|⁻¹ Σ_k ρ(k) S ρ(k)ᵀ of random symmetric (and skew) S.
   For signed permutations the average is taken over *orbitals*: the map k ↦ k·(x, y) hits every
   point of the orbit of a pair of signed coordinates (x, y) equally often, so
   C[i, j] = mean of σ τ S[a, b] over the orbit of (+e_i, +e_j) ∋ (σ e_a, τ e_b). The orbits
   are the connected components of the pair graph of the generators (gathers, O(N²) work).
   Matrix representations are averaged element by element (small groups only).
2. **Irreducible subspaces** are the eigenspaces of a generic symmetric commutant element C₁:
   its restriction to V_π is B_π ⊗ I (real type) with B_π a generic symmetric m_π × m_π
   matrix (Hermitian over C or H for the other types), so each eigenvalue has multiplicity
   exactly dim_R W_π. Eigenvalues are clustered with a relative tolerance
   (:func:`cluster_eigenvalues`); a second element C₂ compressed to each cluster must be a
   scalar (a merged cluster is split by it — evidence ``splits``).
3. **Type**: compressions of three random *skew* commutant elements to W span Im End_K(W), of
   dimension 0, 1, 3 for real, complex, quaternionic type.
4. **Isotypic components**: two irreducible subspaces are isomorphic iff a generic commutant
   element C₃ has a nonzero block between them (Schur's lemma). When |K| ≤ ``character_limit``
   the characters on conjugacy-class representatives decide the grouping instead (and must
   agree), and give the cross-checks m_π = ⟨χ_ρ, χ_W⟩ / ⟨χ_W, χ_W⟩, ⟨χ_W, χ_W⟩ = dim End_K(W)
   and dim Fix(K) = |K|⁻¹ Σ_k tr ρ(k) (MATH.md (D5)).
5. A :class:`~eqalg.transforms.representations.BlockRepresentation` (ρ = P ⊗ I_b ⊕ I on n
   blocks of b coordinates) is decomposed on its n points and lifted: each irreducible V ⊂ R^n
   gives b copies V ⊗ e_k, the coordinates outside the blocks are trivial.

Every numerical decision returns its evidence (:class:`IsotypicEvidence`): eigenvalue gaps,
the scalar deviations, intertwiner norms on both sides of the cut, tolerances.

Examples
--------
>>> from eqalg.transforms.families import symmetric_group, cyclic_group
>>> from eqalg.transforms.representations import natural_representation
>>> iso = isotypic_decomposition(natural_representation(symmetric_group(5)))
>>> iso.dims, iso.multiplicities, iso.types
((1, 4), (1, 1), ('real', 'real'))
>>> isotypic_decomposition(natural_representation(cyclic_group(5))).dims
(1, 2, 2)
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from ..errors import InvalidValueError, ShapeError
from .commutant import (CHARACTER_LIMIT, CLUSTER_RTOL, INTERTWINER_RTOL, EigenClusters, as_representation,
                        as_subgroup, cluster_eigenvalues, reduced_action, require_orthogonal)
from .finite import FiniteGroup
from .representations import Representation

__all__ = ["isotypic_decomposition", "IsotypicDecomposition", "IsotypicComponent", "IsotypicEvidence", "off_block"]

#: Absolute tolerance on character values (bounded by the dimension) deciding equality.
CHARACTER_ATOL = 1e-6


# -- results ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class IsotypicComponent:
    """One isotypic component V_π ≅ W_π^m of ρ restricted to K.

    Attributes
    ----------
    dim : int
        d = real dimension of the real irreducible W_π (the predicted eigenvalue multiplicity).
    multiplicity : int
        m, the number of copies of W_π (the number of distinct eigenvalues predicted in V_π).
    type : {"real", "complex", "quaternionic"}
        End_K(W_π) = R, C or H.
    basis : ndarray (D, m·d)
        Orthonormal columns; copy r spans columns r·d … r·d + d − 1.
    trivial : bool
        W_π is the trivial representation (V_π = Fix(K)).
    skew_rank : int
        dim Im End_K(W) measured from skew commutant elements (0, 1, 3).
    character : ndarray or None
        χ_W on K's conjugacy-class representatives (when K is small enough to list).
    character_norm : float or None
        ⟨χ_W, χ_W⟩ = |K|⁻¹ Σ_k χ_W(k)²; equals dim End_K(W) = 1, 2, 4 (Serre §13.2).
    character_multiplicity : float or None
        ⟨χ_ρ, χ_W⟩ / ⟨χ_W, χ_W⟩, the multiplicity predicted by characters.
    """

    dim: int
    multiplicity: int
    type: str
    basis: np.ndarray = field(repr=False)
    trivial: bool
    skew_rank: int
    character: np.ndarray | None = field(default=None, repr=False)
    character_norm: float | None = None
    character_multiplicity: float | None = None

    @property
    def total_dim(self) -> int:
        """m · d = dim V_π."""
        return int(self.basis.shape[1])

    @property
    def endomorphism_dim(self) -> int:
        """dim End_K(W_π): 1, 2 or 4 for real, complex, quaternionic type."""
        return {"real": 1, "complex": 2, "quaternionic": 4}[self.type]

    def project(self, v) -> np.ndarray:
        """Orthogonal projection onto V_π (the isotypic projector P_π of MATH.md §A)."""
        v = np.asarray(v, dtype=np.float64)
        return self.basis @ (self.basis.T @ v)


@dataclass(frozen=True, eq=False)
class IsotypicEvidence:
    """How the decomposition was decided (every numerical choice with its tolerance and margin).

    Attributes
    ----------
    grouping : {"characters", "intertwiners"}
        What grouped irreducible subspaces into components.
    reduced_dimension : int
        The dimension the generic commutant elements live on (n points of a block
        representation, else D).
    clusters : EigenClusters
        Eigenvalues of the generic symmetric commutant element C₁ and their clusters.
    splits : int
        Clusters split by C₂ (accidentally equal eigenvalues of C₁); normally 0.
    max_scalar_deviation : float
        max over irreducible subspaces E of the eigenvalue spread of Q_Eᵀ C₂ Q_E, relative to ‖S₂‖_F
        (≈ 1e-16: every subspace is irreducible).
    intertwiner_rtol : float
    intertwiner_linked_min, intertwiner_unlinked_max : float
        Smallest relative norm ‖Q_aᵀ C₃ Q_b‖_F / ‖S₃‖_F among pairs grouped together, largest among
        pairs kept apart (the two sides of the cut; nan when empty).
    skew_rtol : float
    groupings_agree : bool or None
        Characters and intertwiners give the same components (None without characters).
    average_trace : float or None
        |K|⁻¹ Σ_k tr ρ(k) = dim Fix(K) by characters (MATH.md (D5)).
    orthonormality : float
        max |QᵀQ − I| of the assembled basis.
    problems : tuple of str
        Failed cross-checks (empty when consistent).
    seconds : float
    """

    grouping: str
    reduced_dimension: int
    clusters: EigenClusters = field(repr=False)
    splits: int
    max_scalar_deviation: float
    intertwiner_rtol: float
    intertwiner_linked_min: float
    intertwiner_unlinked_max: float
    skew_rtol: float
    groupings_agree: bool | None
    average_trace: float | None
    orthonormality: float
    problems: tuple
    seconds: float

    def to_dict(self) -> dict:
        """JSON-ready evidence."""
        return {"grouping": self.grouping, "reduced_dimension": self.reduced_dimension,
                "commutant_clusters": self.clusters.evidence(), "splits": self.splits,
                "max_scalar_deviation": self.max_scalar_deviation, "intertwiner_rtol": self.intertwiner_rtol,
                "intertwiner_linked_min": self.intertwiner_linked_min,
                "intertwiner_unlinked_max": self.intertwiner_unlinked_max, "groupings_agree": self.groupings_agree,
                "average_trace": self.average_trace, "orthonormality": self.orthonormality,
                "problems": list(self.problems), "seconds": self.seconds}


@dataclass(frozen=True, eq=False)
class IsotypicDecomposition:
    """ρ|_K = ⊕_π W_π^{m_π}: components, class data and evidence (see :func:`isotypic_decomposition`).

    Attributes
    ----------
    representation : Representation
    subgroup : FiniteGroup
        K.
    components : tuple of IsotypicComponent
        The trivial component (Fix(K)) first when present, then by irreducible dimension.
    evidence : IsotypicEvidence
    class_sizes : ndarray or None
        Sizes of K's conjugacy classes (None when K was too large to list).
    character_of_rho : ndarray or None
        χ_ρ = tr ρ(k) on the class representatives.
    """

    representation: Representation = field(repr=False)
    subgroup: FiniteGroup
    components: tuple
    evidence: IsotypicEvidence = field(repr=False)
    class_sizes: np.ndarray | None = field(default=None, repr=False)
    character_of_rho: np.ndarray | None = field(default=None, repr=False)

    @property
    def dims(self) -> tuple:
        """Real dimension d_π of each component's irreducible."""
        return tuple(c.dim for c in self.components)

    @property
    def multiplicities(self) -> tuple:
        """Multiplicity m_π of each component."""
        return tuple(c.multiplicity for c in self.components)

    @property
    def types(self) -> tuple:
        """Type of each component's irreducible."""
        return tuple(c.type for c in self.components)

    @property
    def dim_fixed(self) -> int:
        """dim Fix(K) (the trivial component's dimension)."""
        return sum(c.total_dim for c in self.components if c.trivial)

    @property
    def fixed_basis(self) -> np.ndarray:
        """Orthonormal basis (D, dim Fix(K)) of Fix(K)."""
        cols = [c.basis for c in self.components if c.trivial]
        return cols[0] if cols else np.zeros((self.representation.space.size, 0))

    @property
    def basis(self) -> np.ndarray:
        """The isotypic basis (D, D): the components' bases side by side."""
        return np.concatenate([c.basis for c in self.components], axis=1)

    @property
    def slices(self) -> tuple:
        """Column slice of each component in :attr:`basis`."""
        ends = np.cumsum([0] + [c.total_dim for c in self.components])
        return tuple(slice(int(a), int(b)) for a, b in zip(ends[:-1], ends[1:]))

    @property
    def consistent(self) -> bool:
        """True when every cross-check passed (``evidence.problems`` is empty)."""
        return not self.evidence.problems

    def predicted_multiplicities(self) -> dict:
        """Generic eigenvalue-multiplicity pattern of a K-commuting symmetric matrix (MATH.md (D5)):
        each component contributes m_π distinct eigenvalues of multiplicity d_π;
        ``{"d": number of distinct eigenvalues}``."""
        out: dict = {}
        for c in self.components:
            out[c.dim] = out.get(c.dim, 0) + c.multiplicity
        return {str(d): out[d] for d in sorted(out)}

    def in_basis(self, H) -> np.ndarray:
        """QᵀHQ for a (D, D) matrix H and the isotypic basis Q (:attr:`basis`).

        Raises
        ------
        ShapeError
            ``H`` is not (D, D).
        """
        D = self.representation.space.size
        H = np.asarray(H, dtype=np.float64)
        if H.shape != (D, D):
            raise ShapeError(f"H: expected shape ({D}, {D}), got {H.shape}")
        Q = self.basis
        return Q.T @ H @ Q

    def blocks(self, H) -> tuple:
        """The diagonal blocks Q_πᵀ H Q_π of a (D, D) matrix, one per component (see :meth:`in_basis`)."""
        B = self.in_basis(H)
        return tuple(B[s, s] for s in self.slices)

    def off_block_norm(self, H) -> tuple:
        """(‖off-diagonal blocks of QᵀHQ‖_F, the same relative to ‖H‖_F): ≈ 0 iff H preserves every
        isotypic component, as every symmetric matrix commuting with ρ(K) does (MATH.md (D5)).

        Raises
        ------
        ShapeError
            ``H`` is not (D, D).
        """
        return off_block(self.in_basis(H), self.slices)

    def to_dict(self) -> dict:
        """JSON-ready summary: per component dim, multiplicity, type, trivial, character cross-checks."""
        return {"subgroup": self.subgroup.name, "order": self.subgroup.order, "dim_fixed": self.dim_fixed,
                "components": [{"dim": c.dim, "multiplicity": c.multiplicity, "type": c.type, "trivial": c.trivial,
                                "character_norm": c.character_norm,
                                "character_multiplicity": c.character_multiplicity} for c in self.components],
                "predicted_multiplicities": self.predicted_multiplicities(), "evidence": self.evidence.to_dict()}


def off_block(B, slices) -> tuple:
    """The part of a matrix outside given diagonal blocks.

    Parameters
    ----------
    B : ndarray (D, D)
        E.g. QᵀHQ in an isotypic basis Q.
    slices : sequence of slice
        The diagonal blocks (e.g. :attr:`IsotypicDecomposition.slices`).

    Returns
    -------
    (float, float)
        ‖B outside the blocks‖_F and the same relative to ‖B‖_F (0 for B = 0).
    """
    off = np.array(B, dtype=np.float64)
    for s in slices:
        off[s, s] = 0.0
    num, total = float(np.linalg.norm(off)), float(np.linalg.norm(B))
    return num, (num / total if total > 0 else 0.0)


# -- the decomposition ---------------------------------------------------------------------------------------------
def _random_symmetric(rng, n):
    a = rng.standard_normal((n, n))
    return a + a.T


def _random_skew(rng, n):
    a = rng.standard_normal((n, n))
    return a - a.T


def _irreducibles(C1, C2, scale2, cluster_rtol):
    """Eigenspaces of C₁, each refined by C₂ (split when C₂ is not scalar on it); scale2 = ‖S₂‖_F."""
    w, V = np.linalg.eigh(C1)
    clusters = cluster_eigenvalues(w, cluster_rtol)
    pieces, splits, deviation = [], 0, 0.0
    for a, b in clusters.bounds:
        Q = V[:, a:b]
        M = Q.T @ C2 @ Q
        mu, U = np.linalg.eigh(0.5 * (M + M.T))
        sub = cluster_eigenvalues(mu, cluster_rtol, scale=scale2)
        splits += len(sub.bounds) > 1
        for c, d in sub.bounds:
            pieces.append(Q @ U[:, c:d])
            deviation = max(deviation, float(mu[d - 1] - mu[c]) / scale2)
    return pieces, clusters, splits, deviation


def _skew_rank(Q, skews, scales, rtol):
    vecs = np.array([(Q.T @ A @ Q).ravel() / s for A, s in zip(skews, scales)])
    s = np.linalg.svd(vecs, compute_uv=False)
    return int(np.sum(s > rtol))


def _link_groups(pieces, C3, scale, rtol):
    """Components of the graph 'a ~ b when ‖Q_aᵀ C₃ Q_b‖ > rtol ‖S₃‖' (Schur's lemma), with the margins."""
    Q = np.concatenate(pieces, axis=1)
    Z = Q.T @ C3 @ Q
    starts = np.cumsum([0] + [p.shape[1] for p in pieces])[:-1]
    R = np.sqrt(np.add.reduceat(np.add.reduceat(Z * Z, starts, axis=0), starts, axis=1)) / scale
    dims = np.array([p.shape[1] for p in pieces])
    labels = _components((R > rtol) & (dims[:, None] == dims[None, :]))
    return labels, *_margins(R, labels)


def _components(adjacency) -> np.ndarray:
    return connected_components(sp.csr_array(adjacency.astype(np.int8)), directed=False)[1]


def _margins(R, labels):
    """(smallest R inside a group, largest R between groups), nan when there is no such pair."""
    k = labels.size
    off = ~np.eye(k, dtype=bool)
    same = off & (labels[:, None] == labels[None, :])
    apart = off & ~same
    low = float(R[same].min()) if same.any() else float("nan")
    return low, (float(R[apart].max()) if apart.any() else float("nan"))


def _partition(labels) -> set:
    groups: dict = {}
    for i, lab in enumerate(labels):
        groups.setdefault(lab, []).append(i)
    return {tuple(g) for g in groups.values()}


def _characters(action, K, pieces):
    """Class sizes, class representatives and the character of every piece on them."""
    classes = K.conjugacy_classes()
    sizes = np.array([c.size for c in classes], dtype=np.float64)
    reps = [c.representative for c in classes]
    chars = np.array([[float(np.sum(Q * action.apply(action.image(r), Q))) for r in reps] for Q in pieces])
    return sizes, reps, chars


def isotypic_decomposition(rho, K: FiniteGroup | None = None, *, rng: np.random.Generator | None = None,
                           cluster_rtol: float = CLUSTER_RTOL, intertwiner_rtol: float = INTERTWINER_RTOL,
                           character_limit: int = CHARACTER_LIMIT) -> IsotypicDecomposition:
    """Decompose an orthogonal representation restricted to K into isotypic components.

    Parameters
    ----------
    rho : Representation, DiscreteTransformation or list of DiscreteTransformation
        An orthogonal representation ρ: G → O(D) (maps are taken as generators of G).
    K : FiniteGroup, optional
        A subgroup of ``rho.group`` (default: the whole group).
    rng : numpy.random.Generator, optional
        Source of the random matrices S (default seeded ``default_rng(0)``).
    cluster_rtol : float
        Relative tolerance clustering eigenvalues of the generic commutant elements.
    intertwiner_rtol : float
        Relative norm below which a commutant block between two irreducibles counts as zero, and
        below which a skew compression counts as zero (type detection).
    character_limit : int
        Characters on class representatives (and the cross-checks they give) are computed when
        |K| ≤ character_limit; larger groups use only their generators.

    Returns
    -------
    IsotypicDecomposition
        Components with real irreducible dimensions d_π, multiplicities m_π, types and
        orthonormal bases; Σ m_π d_π = D.

    Raises
    ------
    NotOrthogonalError
        ρ(k) is not orthogonal for a generator k of K (MATH.md D7).
    InvalidValueError, GroupMismatchError
        ``K`` is not a subgroup of ``rho.group``; bad tolerances or ``rng``.
    GroupTooLargeError
        A matrix (non signed-permutation) representation with |K| > ``character_limit``.

    Notes
    -----
    Sources: MATH.md §A (isotypic component, character) and B6 (D5); characters, isotypic
    projectors and real/complex/quaternionic types: Serre, *Linear Representations of Finite
    Groups* (1977), §2.6, §12–13. Complex-type irreducibles (rotation planes of C_n, n ≥ 3)
    and quaternionic ones report their *real* dimension 2·d or 4·d', the multiplicity forced on
    the eigenvalues of a symmetric commuting matrix. Cost for signed permutations: O(P²) with
    P = 2N (N with no sign changes), N = n for a block representation, plus an N × N eigensolve.
    """
    t0 = time.perf_counter()
    rho = as_representation(rho)
    K = as_subgroup(rho, K)
    require_orthogonal(rho, K)
    rng = np.random.default_rng(0) if rng is None else rng
    if not isinstance(rng, np.random.Generator):
        raise InvalidValueError(f"rng: expected a numpy.random.Generator, got {type(rng).__name__}")
    for value, label in ((cluster_rtol, "cluster_rtol"), (intertwiner_rtol, "intertwiner_rtol")):
        if not (isinstance(value, (int, float)) and 0 < value < 1):
            raise InvalidValueError(f"{label}: expected a number in (0, 1), got {value!r}")
    action, blocks = reduced_action(rho, K, character_limit)
    N = action.dim
    inputs = [_random_symmetric(rng, N) for _ in range(3)] + [_random_skew(rng, N) for _ in range(3)]
    scales = [float(np.linalg.norm(S)) or 1.0 for S in inputs]     # roundoff of an average is relative to its input
    mats = action.averages(inputs)
    pieces, clusters, splits, deviation = _irreducibles(mats[0], mats[1], scales[1], cluster_rtol)
    ranks = [_skew_rank(Q, mats[3:], scales[3:], intertwiner_rtol) for Q in pieces]
    links, linked_min, unlinked_max = _link_groups(pieces, mats[2], scales[2], intertwiner_rtol)
    problems = []
    sizes = chars = None
    agree = None
    labels = links
    if K.order <= character_limit:
        sizes, reps, chars = _characters(action, K, pieces)
        char_labels = _components(np.abs(chars[:, None, :] - chars[None, :, :]).max(axis=2) <= CHARACTER_ATOL)
        agree = _partition(char_labels) == _partition(links)
        if not agree:
            problems.append("characters and intertwiners group the irreducible subspaces differently")
        labels = char_labels
    components = _assemble(rho, K, action, pieces, ranks, labels, blocks, sizes, chars, problems)
    trivial_first = sorted(range(len(components)), key=lambda i: (not components[i][0].trivial, components[i][0].dim,
                                                                 components[i][1]))
    comps = tuple(components[i][0] for i in trivial_first)
    Q = np.concatenate([c.basis for c in comps], axis=1)
    ortho = float(np.abs(Q.T @ Q - np.eye(Q.shape[1])).max(initial=0.0))
    if Q.shape[1] != rho.space.size:
        problems.append(f"the components span {Q.shape[1]} of {rho.space.size} dimensions")
    if ortho > 1e-10:
        problems.append(f"the isotypic basis is not orthonormal (max |Q^T Q - I| = {ortho:.3g})")
    chi_rho = avg_trace = None
    if sizes is not None:
        chi_rho = np.array([rho.trace(r) for r in reps])
        avg_trace = float(sizes @ chi_rho / K.order)
        comps = tuple(_with_characters(c, chi_rho, sizes, K.order, problems) for c in comps)
        fixed = sum(c.total_dim for c in comps if c.trivial)
        if abs(avg_trace - fixed) > 1e-6:
            problems.append(f"dim Fix(K) = {fixed} but the average trace is {avg_trace:.6g}")
    evidence = IsotypicEvidence("characters" if sizes is not None else "intertwiners", N, clusters, int(splits),
                                deviation, float(intertwiner_rtol), linked_min, unlinked_max, float(intertwiner_rtol),
                                agree, avg_trace, ortho, tuple(problems), time.perf_counter() - t0)
    return IsotypicDecomposition(rho, K, comps, evidence, sizes, chi_rho)


def _is_fixed(action, Q):
    return all(np.abs(action.apply(g, Q) - Q).max(initial=0.0) <= 1e-8 for g in action.generators)


def _assemble(rho, K, action, pieces, ranks, labels, blocks, sizes, chars, problems):
    """Components (IsotypicComponent, first piece index) lifted to the D coordinates."""
    D = rho.space.size
    free = np.setdiff1d(np.arange(D), blocks.ravel()) if blocks is not None else np.zeros(0, dtype=np.intp)
    out = []
    have_trivial = False
    for lab in np.unique(labels):
        members = np.flatnonzero(labels == lab)
        d = pieces[members[0]].shape[1]
        rank = ranks[members[0]]
        kind = {0: "real", 1: "complex"}.get(rank, "quaternionic")
        if any(ranks[i] != rank or pieces[i].shape[1] != d for i in members):
            problems.append(f"isomorphic irreducible subspaces of dimension {d} with different types")
        if (kind == "complex" and d % 2) or (kind == "quaternionic" and (d % 4 or rank != 3)):
            problems.append(f"an irreducible of dimension {d} has a skew commutant of dimension {rank}")
        trivial = d == 1 and _is_fixed(action, pieces[members[0]])
        cols = []
        for i in members:
            V = pieces[i]
            if blocks is None:
                cols.append(V)
            else:
                for k in range(blocks.shape[1]):
                    Qk = np.zeros((D, d))
                    Qk[blocks[:, k]] = V
                    cols.append(Qk)
        if trivial and free.size:
            cols.append(np.eye(D)[:, free])
            have_trivial = True
        basis = np.concatenate(cols, axis=1)
        char = chars[members[0]] if chars is not None else None
        out.append((IsotypicComponent(d, basis.shape[1] // d, kind, basis, trivial, rank, char), int(members[0])))
    if free.size and not have_trivial:
        char = np.ones(len(sizes)) if sizes is not None else None
        out.append((IsotypicComponent(1, int(free.size), "real", np.eye(D)[:, free], True, 0, char), -1))
    return out


def _with_characters(c, chi_rho, sizes, order, problems):
    weighted = sizes * c.character
    norm = float(weighted @ c.character / order)
    mult = float(weighted @ chi_rho / order) / norm if norm > 0 else float("nan")
    if abs(norm - c.endomorphism_dim) > 1e-6:
        problems.append(f"<chi, chi> = {norm:.6g} of a {c.type}-type irreducible of dimension {c.dim} "
                        f"(expected {c.endomorphism_dim})")
    if not abs(mult - c.multiplicity) <= 1e-6:
        problems.append(f"characters give multiplicity {mult:.6g} for an irreducible of dimension {c.dim}, "
                        f"the decomposition {c.multiplicity}")
    return IsotypicComponent(c.dim, c.multiplicity, c.type, c.basis, c.trivial, c.skew_rank, c.character, norm, mult)
