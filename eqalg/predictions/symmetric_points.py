"""Second-order structure at symmetric points: gradient, Hessian blocks and eigenvalue multiplicities.

Let ρ be an orthogonal representation of a finite group of loss symmetries (neuron permutations
and sign flips, MATH.md §C #12–#14) and θ ∈ Fix(K) for a subgroup K. Then (MATH.md B6):

* (D3) the gradient lies in Fix(K), and the Hessian commutes with every ρ(k), k ∈ K;
* (D5) hence H preserves every isotypic component V_π ≅ W_π^{m_π}: in the isotypic basis its
  off-block part vanishes, and every eigenvalue of H on V_π has a multiplicity that is a
  multiple of d_π = dim_R W_π — generically exactly d_π, with m_π distinct eigenvalues;
* (D4) gradient descent, SGD (every minibatch loss is K-invariant), heavy ball and, because the
  ρ(k) are signed permutations, Adam/RMSProp/sign-GD map Fix(K) into itself: a run started in
  Fix(K) stays there exactly.

:func:`hessian_block_report` measures all of it at one point and returns the evidence;
:func:`fixed_set_invariance` runs an optimizer from a point of Fix(K); :func:`point_stabilizer`
finds the subgroup K fixing θ (MATH.md D.8), in O(n²) for the full S_n / B_n of a network's
hidden units. Maps that are not orthogonal (the sigmoid neuron flip, MATH.md D7) are refused
with :class:`~eqalg.transforms.commutant.NotOrthogonalError`: for them only Mᵀ g(Mθ) = g(θ) holds.

Symmetric points are synthesized by tying neurons or, for odd σ, zeroing them (MATH.md D.9;
:meth:`~eqalg.TwoLayerMLP.tie_neurons`, :meth:`~eqalg.TwoLayerMLP.zero_neurons`). Sources:
MATH.md B6 (D3)–(D5), (D7); Ziyin, "Symmetry Induces Structure and Constraint of Learning"
(ICML 2024) for mirror symmetries and their fixed sets; Serre, *Linear Representations of
Finite Groups* (1977) for characters and isotypic projectors.

Examples
--------
>>> import numpy as np, eqalg
>>> data = eqalg.load_iris()
>>> model = eqalg.TwoLayerMLP(data.X, data.Y, 4, "tanh", "cross_entropy")
>>> theta = model.tie_neurons(model.init_params(np.random.default_rng(0)), [0, 1, 2])
>>> rep = hessian_block_report(model, theta, model.discrete_symmetry_group())
>>> rep.subgroup.order, rep.dim_fixed, rep.irreducible_dims, rep.predicted_multiplicities
(6, 19, (1, 2), {'1': 19, '2': 8})
>>> rep.off_block_norm < 1e-10, rep.gradient_in_fixed, rep.passed
(True, True, True)
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from math import factorial

import numpy as np

from ..dynamics import Optimizer, optimizer_commutes, run_optimizer
from ..errors import InvalidValueError, SpaceMismatchError, as_vector, check_positive
from ..models.base import Model, require_derivatives
from ..transforms.commutant import (CLUSTER_RTOL, EigenClusters, as_representation, as_subgroup, cluster_eigenvalues,
                                    require_orthogonal)
from ..transforms.finite import FiniteGroup
from ..transforms.isotypic import IsotypicDecomposition, isotypic_decomposition, off_block
from ..transforms.representations import BlockRepresentation, Representation

__all__ = ["point_stabilizer", "hessian_block_report", "HessianBlockReport", "fixed_set_invariance",
           "FixedSetInvariance", "fixed_residual", "symmetric_point_study", "validate_symmetric_points",
           "OFF_BLOCK_RTOL", "GRADIENT_RTOL", "FIXED_RTOL"]

#: Largest relative off-block norm ‖off(QᵀHQ)‖_F / ‖H‖_F of a block-diagonal Hessian.
OFF_BLOCK_RTOL = 1e-10
#: Largest ‖g − P_K g‖ / ‖g‖ of a gradient in Fix(K).
GRADIENT_RTOL = 1e-10
#: Largest max_k ‖ρ(k)θ − θ‖ / ‖θ‖ of a point of Fix(K) (exact for signed permutations up to round-off).
FIXED_RTOL = 1e-12


# -- stabilizers --------------------------------------------------------------------------------------------------
def _is_full_group(G: FiniteGroup, n: int) -> bool:
    """G is all of S_n (plain permutations) or all of B_n (signed permutations) of its n points."""
    if G.degree != n:
        return False
    return G.order == factorial(n) * (1 if G.is_permutation_group else 2 ** n)


def point_stabilizer(rho, theta, rtol: float = 1e-10) -> FiniteGroup:
    """K_θ = {k : ρ(k)θ = θ} within ``rtol`` (MATH.md §A and D.8), as a subgroup of ``rho.group``.

    For a :class:`~eqalg.transforms.representations.BlockRepresentation` of the full S_n or B_n
    (a network's hidden-unit group, ``TwoLayerMLP.discrete_symmetry_group``) the stabilizer is
    read off the blocks without listing the group: blocks equal within the tolerance are
    permuted freely (S_r on each class), for B_n also blocks equal up to sign (signed
    transpositions) and zero blocks (B_r). Other representations use
    :meth:`Representation.stabilizer` (lists the group).

    Parameters
    ----------
    rho : Representation, DiscreteTransformation or list of DiscreteTransformation
    theta : array_like (D,)
    rtol : float
        Blocks are equal when max |θ_i − θ_j| ≤ rtol · ‖θ‖∞.

    Returns
    -------
    FiniteGroup
        Named after its factors, e.g. ``"S3[0,1,2]"`` or ``"B2[6,7]"`` (``"1"`` when trivial).

    Raises
    ------
    ShapeError, NonFiniteError
        ``theta`` is not a finite vector of the representation's dimension.
    InvalidValueError
        ``rtol`` is not positive; (other representations) the elements passing the tolerance do
        not form a group.
    """
    rho = as_representation(rho)
    theta = as_vector(theta, "theta", rho.space.size)
    check_positive(rtol, "rtol")
    G = rho.group
    if not (isinstance(rho, BlockRepresentation) and _is_full_group(G, rho.blocks.shape[0])):
        return rho.stabilizer(theta, rtol)
    n = rho.blocks.shape[0]
    T = theta[rho.blocks]
    atol = rtol * max(float(np.abs(theta).max(initial=0.0)), np.finfo(float).tiny)
    signed = not G.is_permutation_group
    unused = np.ones(n, dtype=bool)
    gens, parts, order = [], [], 1

    def swap(i, j, sign):
        p, s = np.arange(n), np.ones(n, dtype=np.int8)
        p[i], p[j] = j, i
        s[i] = s[j] = sign
        return p, s

    if signed:
        zero = np.flatnonzero(np.abs(T).max(axis=1, initial=0.0) <= atol)
        for z in zero:
            s = np.ones(n, dtype=np.int8)
            s[z] = -1
            gens.append((np.arange(n), s))
        gens += [swap(zero[0], z, 1) for z in zero[1:]]
        unused[zero] = False
        if zero.size:
            parts.append(f"B{zero.size}[{','.join(map(str, zero))}]")
            order *= 2 ** zero.size * factorial(zero.size)
    for i in range(n):
        if not unused[i]:
            continue
        same = unused & (np.abs(T - T[i]).max(axis=1, initial=0.0) <= atol)
        opposite = unused & ~same & (np.abs(T + T[i]).max(axis=1, initial=0.0) <= atol) if signed else \
            np.zeros(n, dtype=bool)
        members = np.flatnonzero(same | opposite)
        unused[members] = False
        gens += [swap(i, j, -1 if opposite[j] else 1) for j in members[1:]]
        if members.size > 1:
            parts.append(f"S{members.size}[{','.join(map(str, members))}]")
            order *= factorial(members.size)     # signed transpositions of one class generate S_r
    return G.subgroup(gens, name=" x ".join(parts) or "1", _order=order)


def fixed_residual(rho: Representation, K: FiniteGroup, theta) -> float:
    """How far θ is from Fix(K): max over K's generators k of ‖ρ(k)θ − θ‖ / ‖θ‖.

    Parameters
    ----------
    rho : Representation
    K : FiniteGroup
        A subgroup of ``rho.group``.
    theta : array_like (D,)

    Returns
    -------
    float
        0 iff θ ∈ Fix(K) (exactly 0 for signed permutations of a tied or zeroed point); 0 when
        θ = 0 or K is trivial.

    Raises
    ------
    ShapeError, NonFiniteError
        ``theta`` is not a finite vector of length D.
    """
    theta = as_vector(theta, "theta", rho.space.size)
    nrm = float(np.linalg.norm(theta))
    if nrm == 0:
        return 0.0
    return max((float(np.linalg.norm(rho.act(g, theta) - theta)) / nrm for g in K.generators), default=0.0)


# -- the Hessian report ------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class HessianBlockReport:
    """The symmetric-point predictions (D3)–(D5) measured at one θ (see :func:`hessian_block_report`).

    Attributes
    ----------
    subgroup : FiniteGroup
        K.
    decomposition : IsotypicDecomposition
        ρ|_K in isotypic components (with its own evidence).
    fixed_residual : float
        max_k ‖ρ(k)θ − θ‖ / ‖θ‖ over K's generators (0 at a point of Fix(K)).
    gradient_residual : float
        ‖g − P_K g‖ / ‖g‖, the part of the gradient outside Fix(K) (D3).
    off_block_norm : float
        ‖off-diagonal blocks of QᵀHQ‖_F / ‖H‖_F in the isotypic basis Q (D5).
    eigenvalues : ndarray (D,)
        The Hessian spectrum, increasing.
    clusters : EigenClusters
        Its clusters (measured multiplicities) with the tolerance and gaps used.
    block_clusters : tuple of EigenClusters
        The clusters of each component's diagonal block Q_πᵀHQ_π (same absolute tolerance).
    tolerances : dict
        ``fixed_rtol``, ``gradient_rtol``, ``off_block_rtol``, ``eig_rtol``.
    seconds : float
    """

    subgroup: FiniteGroup
    decomposition: IsotypicDecomposition = field(repr=False)
    fixed_residual: float
    gradient_residual: float
    off_block_norm: float
    eigenvalues: np.ndarray = field(repr=False)
    clusters: EigenClusters = field(repr=False)
    block_clusters: tuple = field(repr=False)
    tolerances: dict = field(repr=False)
    seconds: float = 0.0

    @property
    def dim_fixed(self) -> int:
        """dim Fix(K)."""
        return self.decomposition.dim_fixed

    @property
    def irreducible_dims(self) -> tuple:
        """Real dimension of each isotypic component's irreducible (trivial first)."""
        return self.decomposition.dims

    @property
    def predicted_multiplicities(self) -> dict:
        """Generic pattern ``{"d": m}``: every component gives m_π distinct eigenvalues of multiplicity d_π."""
        return self.decomposition.predicted_multiplicities()

    @property
    def measured_multiplicities(self) -> dict:
        """``{"multiplicity": number of distinct eigenvalues}`` of the clustered Hessian spectrum."""
        return self.clusters.pattern()

    @property
    def point_fixed(self) -> bool:
        """θ ∈ Fix(K) within ``fixed_rtol``."""
        return self.fixed_residual <= self.tolerances["fixed_rtol"]

    @property
    def gradient_in_fixed(self) -> bool:
        """(D3) g ∈ Fix(K) within ``gradient_rtol``."""
        return self.gradient_residual <= self.tolerances["gradient_rtol"]

    @property
    def block_diagonal(self) -> bool:
        """(D5) the off-block norm is below ``off_block_rtol``."""
        return self.off_block_norm <= self.tolerances["off_block_rtol"]

    @property
    def divisible(self) -> bool:
        """(D5) in every component every eigenvalue multiplicity is a multiple of d_π."""
        return all(size % c.dim == 0 for c, bc in zip(self.decomposition.components, self.block_clusters)
                   for size in bc.sizes)

    @property
    def generic(self) -> bool:
        """The measured pattern equals the generic prediction (no further degeneracy). Not part of
        :attr:`passed`: structural zeros (e.g. the ±s, 0 spectrum on zeroed neurons) coarsen it."""
        return self.measured_multiplicities == self.predicted_multiplicities

    @property
    def passed(self) -> bool:
        """θ ∈ Fix(K), g ∈ Fix(K), H block-diagonal, multiplicities divisible, decomposition consistent."""
        return (self.point_fixed and self.gradient_in_fixed and self.block_diagonal and self.divisible
                and self.decomposition.consistent)

    def to_dict(self) -> dict:
        """The JSON entry of ``symmetric_points`` (README.md, ``eqalg check``)."""
        iso = self.decomposition
        return {
            "subgroup": self.subgroup.name, "order": self.subgroup.order, "dim_fixed": self.dim_fixed,
            "irreducible_dims": list(self.irreducible_dims), "multiplicities": list(iso.multiplicities),
            "types": list(iso.types), "predicted_multiplicities": self.predicted_multiplicities,
            "measured_multiplicities": self.measured_multiplicities,
            "block_multiplicities": [bc.pattern() for bc in self.block_clusters],
            "off_block_norm": self.off_block_norm, "gradient_in_fixed": self.gradient_in_fixed,
            "gradient_residual": self.gradient_residual, "point_fixed": self.point_fixed,
            "fixed_residual": self.fixed_residual, "multiplicities_divisible": self.divisible,
            "generic": self.generic, "decomposition_consistent": iso.consistent,
            "tolerances": dict(self.tolerances), "eigenvalue_clusters": self.clusters.evidence(),
            "decomposition": iso.evidence.to_dict(), "passed": self.passed, "seconds": self.seconds,
        }


def _check_rtol(value, name):
    if not (isinstance(value, (int, float)) and 0 < value < 1):
        raise InvalidValueError(f"{name}: expected a number in (0, 1), got {value!r}")
    return float(value)


def hessian_block_report(model: Model, theta, rho, K: FiniteGroup | None = None, *,
                         decomposition: IsotypicDecomposition | None = None, rng: np.random.Generator | None = None,
                         eig_rtol: float = CLUSTER_RTOL, off_block_rtol: float = OFF_BLOCK_RTOL,
                         gradient_rtol: float = GRADIENT_RTOL, fixed_rtol: float = FIXED_RTOL) -> HessianBlockReport:
    """Measure the symmetric-point predictions (D3)–(D5) at θ: gradient in Fix(K), Hessian blocks,
    eigenvalue multiplicities against the irreducible dimensions.

    Parameters
    ----------
    model : Model
        Needs ``loss_and_gradient`` and ``hessian`` (dense, D ≤ 4000; e.g. :class:`~eqalg.TwoLayerMLP`).
    theta : array_like (D,)
        The point (normally in Fix(K); a point outside it is reported as failing, not refused).
    rho : Representation, DiscreteTransformation or list of DiscreteTransformation
        An orthogonal representation of loss symmetries on the model's space.
    K : FiniteGroup, optional
        A subgroup of ``rho.group``; default :func:`point_stabilizer` of θ.
    decomposition : IsotypicDecomposition, optional
        A precomputed ``isotypic_decomposition(rho, K)`` (reused along a trajectory).
    rng : numpy.random.Generator, optional
        Passed to :func:`~eqalg.transforms.isotypic.isotypic_decomposition`.
    eig_rtol : float
        Eigenvalues closer than eig_rtol · ‖H‖₂ are one cluster (one multiplicity).
    off_block_rtol, gradient_rtol, fixed_rtol : float
        Thresholds of :attr:`~HessianBlockReport.block_diagonal`, ``gradient_in_fixed``, ``point_fixed``.

    Returns
    -------
    HessianBlockReport

    Raises
    ------
    NotOrthogonalError
        ρ (or a map given as ρ) is not orthogonal, e.g. ``TwoLayerMLP.logistic_flip(j)`` (MATH.md D7).
    SpaceMismatchError
        ρ acts on another parameter space than the model's.
    InvalidValueError, GroupMismatchError
        ``K`` is not a subgroup of ``rho.group``; ``decomposition`` belongs to another (ρ, K); bad tolerances.
    ShapeError, NonFiniteError
        ``theta`` is not a finite vector of length D.
    MissingMethodError
        The model has no gradient or no HVPs (e.g. a :class:`~eqalg.CallableModel` with a loss only).

    Notes
    -----
    The Hessian is the model's exact one (analytic HVPs), symmetrized. Multiplicities are
    counted per component (divisibility, exact theory) and on the whole spectrum (measured
    pattern, compared with the generic prediction). Sources: MATH.md B6 (D3), (D5), (D7);
    Serre (1977) §2.6; Ziyin (ICML 2024).
    """
    t0 = time.perf_counter()
    if not isinstance(model, Model):
        raise InvalidValueError(f"model: expected an eqalg Model, got {type(model).__name__}")
    require_derivatives(model, "hessian_block_report", hvp=True)
    rho = as_representation(rho)
    if rho.space != model.space:
        raise SpaceMismatchError(f"rho: acts on {rho.space.describe()}, the model on {model.space.describe()}")
    tol = {name: _check_rtol(v, name) for name, v in (("fixed_rtol", fixed_rtol), ("gradient_rtol", gradient_rtol),
                                                        ("off_block_rtol", off_block_rtol), ("eig_rtol", eig_rtol))}
    theta = model.validate_theta(theta)
    K = point_stabilizer(rho, theta) if K is None else as_subgroup(rho, K)
    require_orthogonal(rho, K)
    if decomposition is None:
        decomposition = isotypic_decomposition(rho, K, rng=rng)
    elif not isinstance(decomposition, IsotypicDecomposition) or decomposition.representation is not rho \
            or decomposition.subgroup != K:
        raise InvalidValueError("decomposition: expected isotypic_decomposition(rho, K) of this rho and K")
    _, g = model.loss_and_gradient(theta)
    F = decomposition.fixed_basis
    g_norm = float(np.linalg.norm(g))
    g_res = float(np.linalg.norm(g - F @ (F.T @ g))) / g_norm if g_norm > 0 else 0.0
    H = model.hessian(theta)
    B = decomposition.in_basis(H)
    off = off_block(B, decomposition.slices)[1]
    eigenvalues = np.linalg.eigvalsh(H)
    scale = float(np.abs(eigenvalues).max(initial=0.0))
    clusters = cluster_eigenvalues(eigenvalues, eig_rtol, scale)
    blocks = tuple(cluster_eigenvalues(np.linalg.eigvalsh(0.5 * (B[s, s] + B[s, s].T)), eig_rtol, scale)
                   for s in decomposition.slices)
    return HessianBlockReport(K, decomposition, fixed_residual(rho, K, theta), g_res, off, eigenvalues, clusters,
                              blocks, tol, time.perf_counter() - t0)


# -- invariance of Fix(K) under optimizers ------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class FixedSetInvariance:
    """A run of an optimizer from a point of Fix(K) (see :func:`fixed_set_invariance`).

    Attributes
    ----------
    optimizer : Optimizer
    predicted : bool
        (D4) the optimizer commutes with ρ(k) for every generator k of K, so Fix(K) is invariant.
    end_residual : float
        max_k ‖ρ(k)θ_T − θ_T‖ / ‖θ_T‖ at the end of the run.
    theta : ndarray (D,)
        θ_T.
    steps : int
    rtol : float
    """

    optimizer: Optimizer
    predicted: bool
    end_residual: float
    theta: np.ndarray = field(repr=False)
    steps: int
    rtol: float

    @property
    def stays(self) -> bool:
        """θ_T ∈ Fix(K) within ``rtol``."""
        return self.end_residual <= self.rtol

    @property
    def passed(self) -> bool:
        """A predicted invariance is observed (no claim is made when it is not predicted)."""
        return self.stays or not self.predicted


def fixed_set_invariance(model: Model, theta, rho, K: FiniteGroup, optimizer: Optimizer, steps: int, *,
                         batch_size: int | None = None, seed: int = 0, rtol: float = FIXED_RTOL) -> FixedSetInvariance:
    """Run ``optimizer`` from θ ∈ Fix(K) and measure whether it stays in Fix(K) (MATH.md (D4)).

    Parameters
    ----------
    model : Model
    theta : array_like (D,)
        A point of Fix(K).
    rho : Representation, DiscreteTransformation or list of DiscreteTransformation
        Orthogonal loss symmetries on the model's space.
    K : FiniteGroup
        A subgroup of ``rho.group``.
    optimizer : Optimizer
        E.g. ``SGD(lr)``, ``HeavyBall(lr)``, ``Adam(lr)`` (:mod:`eqalg.dynamics`).
    steps : int
    batch_size, seed
        Minibatches as in :func:`~eqalg.dynamics.run_optimizer` (SGD: each minibatch loss is
        K-invariant, so the invariance holds step by step).
    rtol : float
        Tolerance of :attr:`FixedSetInvariance.stays`.

    Returns
    -------
    FixedSetInvariance

    Raises
    ------
    InvalidValueError
        θ is not in Fix(K) within ``rtol``; bad optimizer or steps; K not a subgroup.
    NotOrthogonalError, SpaceMismatchError
        As in :func:`hessian_block_report`.
    """
    rho = as_representation(rho)
    if rho.space != model.space:
        raise SpaceMismatchError(f"rho: acts on {rho.space.describe()}, the model on {model.space.describe()}")
    K = as_subgroup(rho, K)
    require_orthogonal(rho, K)
    theta = model.validate_theta(theta)
    rtol = _check_rtol(rtol, "rtol")
    start = fixed_residual(rho, K, theta)
    if start > rtol:
        raise InvalidValueError(f"theta: not a point of Fix(K) (max |rho(k) theta - theta| / |theta| = {start:.3g})")
    predicted = all(optimizer_commutes(optimizer, rho.image(g)) for g in K.generators)
    end = run_optimizer(model, theta, optimizer, steps, batch_size=batch_size, seed=seed).theta
    return FixedSetInvariance(optimizer, predicted, fixed_residual(rho, K, end), end, int(steps), rtol)



# -- a study for the command line -----------------------------------------------------------------------------------
def validate_symmetric_points(model, tied: int = 0, zeroed: int = 0) -> None:
    """Check the arguments of :func:`symmetric_point_study` before any training.

    Raises
    ------
    InvalidValueError
        ``tied`` not 0 or in [2, h], ``zeroed`` not 0 or in [1, h], or ``zeroed`` for an
        activation that is not odd (zeroed neurons are fixed by sign flips only for odd σ).
    """
    h = model.hidden
    for value, name, low in ((tied, "tied", 2), (zeroed, "zeroed", 1)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0 \
                or (value and not low <= value <= h):
            allowed = f"or an integer in [{low}, {h}] ({h} hidden units)" if h >= low else \
                f"(the network has {h} hidden unit{'s' if h > 1 else ''}; {low} are needed)"
            raise InvalidValueError(f"{name}: expected 0 (none) {allowed}, got {value!r}")
    if zeroed and not model.act.odd:
        raise InvalidValueError(f"zeroed: zeroed neurons are fixed by sign flips only for odd activations (tanh, "
                                f"linear), got {model.activation}")


def symmetric_point_study(model, theta, lr: float, steps: int, *, tied: int = 0, zeroed: int = 0,
                          weight_decay: float = 0.0) -> list:
    """Synthesize symmetric points of a two-layer network, train from them, report (D3)–(D5) at both ends.

    For ``tied = r``: neurons 0 … r−1 are tied (:meth:`~eqalg.TwoLayerMLP.tie_neurons`); for
    ``zeroed = r`` (odd σ): the last r neurons are zeroed (MATH.md D.9). K is the stabilizer of the
    synthesized point in the network's hidden-unit group (:func:`point_stabilizer`); gradient
    descent from it must stay in Fix(K) (D4), and :func:`hessian_block_report` is evaluated at the
    start (``"init"``) and at the end of training (``"trained"``) with the same K.

    Parameters
    ----------
    model : TwoLayerMLP
        Provides ``hidden``, ``tie_neurons``, ``zero_neurons``, ``discrete_symmetry_group``.
    theta : array_like (D,)
        The point the symmetric points are made from.
    lr, steps, weight_decay
        Full-batch gradient descent as in :func:`~eqalg.dynamics.gradient_descent`.
    tied, zeroed : int
        Number of tied neurons (0 or ≥ 2) and of zeroed neurons (0 or ≥ 1, odd σ only).

    Returns
    -------
    list of dict
        :meth:`HessianBlockReport.to_dict` entries with ``"point"`` (init / trained) and
        ``"construction"`` (e.g. ``"tied [0, 1, 2]"``) first.

    Raises
    ------
    InvalidValueError
        ``tied``/``zeroed`` out of range, or ``zeroed`` for an activation that is not odd.
    TrainingDivergedError
        Training from the symmetric point diverged.
    """
    from ..dynamics import gradient_descent

    validate_symmetric_points(model, tied, zeroed)
    h, odd = model.hidden, model.act.odd
    rho = model.discrete_symmetry_group(max_order=factorial(h) * (2 ** h if odd else 1))
    theta = model.validate_theta(theta)
    entries = []
    for kind, count in (("tied", tied), ("zeroed", zeroed)):
        if not count:
            continue
        neurons = list(range(count)) if kind == "tied" else list(range(h - count, h))
        start = model.tie_neurons(theta, neurons) if kind == "tied" else model.zero_neurons(theta, neurons)
        K = point_stabilizer(rho, start)
        iso = isotypic_decomposition(rho, K)
        end = gradient_descent(model, start, lr, steps, weight_decay=weight_decay).theta
        for point, th in (("init", start), ("trained", end)):
            rep = hessian_block_report(model, th, rho, K, decomposition=iso)
            entries.append({"point": point, "construction": f"{kind} {neurons}", **rep.to_dict()})
    return entries
