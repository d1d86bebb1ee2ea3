"""Conserved quantities of gradient flow and their exact per-step drift under GD/SGD.

For a symmetric generator S of a linear symmetry, Q(θ) = ½ θᵀ S θ is conserved by gradient
flow (MATH.md (L4)); one step of (S)GD with weight decay, θ⁺ = θ − η(ĝ + λθ), changes it by
exactly (MATH.md (T1))

    Q(θ⁺) = (1 − ηλ)² Q(θ) + ½ η² ĝᵀ S ĝ,

because ĝᵀ S θ = 0 (L1) for the minibatch loss. For a translation generator c, C(θ) = cᵀθ obeys
(T2) C(θ⁺) = (1 − ηλ) C(θ). Source: Kunin et al., "Neural Mechanics" (ICLR 2021), with the
exact discrete form re-derived in MATH.md B8.

For an *equivariance* with J = Sθ = ∇Q the same expansion gives an exact per-step rate law
(MATH.md B4, B8; :class:`RateLawQuantity`), because ĝᵀSθ = ⟨ĝ, J⟩ is no longer 0 but the rate
r(θ) = E[∇ℓᵀ ρ(f)] (M3) or σ(L) (I1):

    Q(θ⁺) = (1 − ηλ)² Q(θ) − η (1 − ηλ) r(θ) + ½ η² ĝᵀ S ĝ.

Homogeneity of degree k (J = θ, ρ(z) = kz) makes this the discrete-time norm law
½‖θ⁺‖² − ½‖θ‖² = −η(1 − ηλ) k E[∇ℓᵀ f] + ((1 − ηλ)² − 1)·½‖θ‖² + ½η²‖ĝ‖², whose gradient-flow
limit d/dt ½‖θ‖² = −k E[∇ℓᵀ f] is the rate law behind the implicit bias of homogeneous networks
(Lyu & Li, "Gradient Descent Maximizes the Margin of Homogeneous Neural Networks", ICLR 2020).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ..errors import InvalidValueError, as_vector
from ..transforms.equivariance import ContinuousEquivariance
from ..transforms.lie import LieAlgebra
from ..transforms.linear import LinearGenerator

__all__ = ["QuadraticQuantity", "LinearQuantity", "AffineQuantity", "conserved_quantity", "conserved_quantities",
           "RateLawQuantity", "rate_law_quantity", "homogeneity_norm_law", "QuantityBatch"]


def _t1_increment(q, gsg, lr: float, weight_decay: float):
    """(T1): Q(θ⁺) − Q(θ) = ((1 − ηλ)² − 1) Q(θ) + ½η² ĝᵀSĝ, from Q(θ) and ĝᵀSĝ (scalars or arrays)."""
    return ((1.0 - lr * weight_decay) ** 2 - 1.0) * q + 0.5 * lr * lr * gsg


def _t2_increment(c, lr: float, weight_decay: float):
    """(T2): C(θ⁺) − C(θ) = −ηλ C(θ) (the gradient term vanishes by (L7))."""
    return -lr * weight_decay * c


@dataclass(frozen=True, eq=False)
class QuadraticQuantity:
    """Q(θ) = ½ θᵀ S θ for the symmetric matrix S of a linear symmetry generator.

    Parameters
    ----------
    generator : LinearGenerator
        A linear (not affine) generator with A = Aᵀ.
    name : str

    Notes
    -----
    Conserved by gradient flow; exact GD drift (T1) in :meth:`step_increment` (MATH.md B8).
    """

    generator: LinearGenerator
    name: str

    @property
    def space(self):
        """The parameter space of the generator."""
        return self.generator.space

    def value(self, theta) -> float:
        """Q(θ)."""
        return self.generator.quadratic_form(theta)

    def magnitude(self, theta) -> float:
        """½|θ|ᵀ|S||θ|: the size of the terms of Q, the scale of its floating-point round-off."""
        return self.generator.abs_quadratic_form(theta)

    def step_increment(self, theta, g, lr: float, weight_decay: float = 0.0) -> float:
        """Predicted Q(θ⁺) − Q(θ) for θ⁺ = θ − lr (g + weight_decay θ), by (T1).

        Parameters
        ----------
        theta, g : ndarray (D,)
            The iterate and the (minibatch) loss gradient at it, without the weight-decay term.
        lr, weight_decay : float
        """
        return _t1_increment(self.value(theta), float(g @ self.generator.apply(g)), lr, weight_decay)


@dataclass(frozen=True, eq=False)
class LinearQuantity:
    """C(θ) = cᵀθ for a translation generator J = c; exact GD law (T2) C(θ⁺) = (1 − ηλ) C(θ)."""

    direction: np.ndarray
    name: str
    space: object = None

    def value(self, theta) -> float:
        """C(θ)."""
        return float(self.direction @ np.asarray(theta, dtype=float))

    def magnitude(self, theta) -> float:
        """|c|ᵀ|θ|: the scale of the round-off of C."""
        return float(np.abs(self.direction) @ np.abs(np.asarray(theta, dtype=float)))

    def step_increment(self, theta, g, lr: float, weight_decay: float = 0.0) -> float:
        """Predicted C(θ⁺) − C(θ) = −ηλ C(θ) (the gradient term vanishes by (L7))."""
        return _t2_increment(self.value(theta), lr, weight_decay)


class QuantityBatch:
    """Values, round-off magnitudes and predicted GD increments of many quantities at once.

    The :class:`QuadraticQuantity` and :class:`LinearQuantity` entries of a list are evaluated
    together per step — Q_i = ½ Σ S_i[a, b] θ_a θ_b summed over the stacked nonzeros of every S_i
    (``np.bincount``), C = c_iᵀθ as one sparse product — instead of one sparse product (and one
    ``abs`` of the matrix) per quantity, which dominated training loops with hundreds of
    conserved charges. The laws are those of the quantities: (T1) and (T2).

    Parameters
    ----------
    quantities : sequence
        Any quantities; :attr:`indices` lists the positions this batch handles, the others are
        left to the caller.
    """

    def __init__(self, quantities):
        quad = [(i, q) for i, q in enumerate(quantities) if type(q) is QuadraticQuantity]
        lin = [(i, q) for i, q in enumerate(quantities) if type(q) is LinearQuantity]
        self._quad = np.array([i for i, _ in quad], dtype=np.intp)
        self._lin = np.array([i for i, _ in lin], dtype=np.intp)
        self.indices = np.concatenate([self._quad, self._lin])
        parts = [q.generator.to_sparse().tocoo() for _, q in quad]
        self._rows = np.concatenate([S.row for S in parts]).astype(np.intp) if parts else np.zeros(0, np.intp)
        self._cols = np.concatenate([S.col for S in parts]).astype(np.intp) if parts else np.zeros(0, np.intp)
        self._vals = np.concatenate([S.data for S in parts]) if parts else np.zeros(0)
        self._abs_vals = np.abs(self._vals)
        self._owner = np.repeat(np.arange(len(parts)), [S.nnz for S in parts]) if parts else np.zeros(0, np.intp)
        if lin:
            self._C = sp.csr_array(np.vstack([q.direction for _, q in lin]))
            self._absC = abs(self._C)

    def _quadratic(self, x, vals):
        return np.bincount(self._owner, vals * x[self._rows] * x[self._cols], minlength=self._quad.size)

    def values(self, theta):
        """(values, magnitudes) at θ, each of shape (len(indices),), in the order of :attr:`indices`."""
        v, m = [0.5 * self._quadratic(theta, self._vals)], [0.5 * self._quadratic(np.abs(theta), self._abs_vals)]
        if self._lin.size:
            v.append(self._C @ theta)
            m.append(self._absC @ np.abs(theta))
        return np.concatenate(v), np.concatenate(m)

    def record(self, theta, g, lr: float, weight_decay: float):
        """(values, magnitudes, predicted increments) for the step θ⁺ = θ − lr (g + weight_decay θ)."""
        v, m = self.values(theta)
        inc = np.empty_like(v)
        nq = self._quad.size
        inc[:nq] = _t1_increment(v[:nq], self._quadratic(g, self._vals), lr, weight_decay)
        inc[nq:] = _t2_increment(v[nq:], lr, weight_decay)
        return v, m, inc


@dataclass(frozen=True, eq=False)
class AffineQuantity:
    """Q(θ) = ½ θᵀ A θ + cᵀθ for a symmetry generator J = Aθ + c with A = Aᵀ (J = ∇Q).

    Conserved by gradient flow because ⟨∇Q, g⟩ = ⟨J, g⟩ = 0 (I1). One GD step with weight
    decay, θ⁺ = (1 − ηλ)θ − ηĝ, changes it exactly by (using ĝᵀ(Aθ + c) = 0, MATH.md B8)

        ΔQ = ((1 − ηλ)² − 1) ½θᵀAθ − ηλ cᵀθ + ½η² ĝᵀAĝ + η²λ ĝᵀAθ,

    which is (T1) for c = 0 (where ĝᵀAθ = 0) and (T2) for A = 0.
    """

    generator: LinearGenerator
    name: str

    def value(self, theta) -> float:
        """Q(θ)."""
        theta = np.asarray(theta, dtype=float)
        c = self.generator.offset
        return self.generator.quadratic_form(theta) + (0.0 if c is None else float(c @ theta))

    def step_increment(self, theta, g, lr: float, weight_decay: float = 0.0) -> float:
        """Predicted Q(θ⁺) − Q(θ) for θ⁺ = θ − lr (g + weight_decay θ) (exact given ĝᵀJ(θ) = 0)."""
        theta, g = np.asarray(theta, dtype=float), np.asarray(g, dtype=float)
        a = self.generator
        c = a.offset
        quad = a.quadratic_form(theta)
        lin = 0.0 if c is None else float(c @ theta)
        ag = a.apply(g)
        return (((1.0 - lr * weight_decay) ** 2 - 1.0) * quad - lr * weight_decay * lin
                + 0.5 * lr * lr * float(g @ ag) + lr * lr * weight_decay * float(ag @ theta))


def conserved_quantities(algebra) -> list:
    """A basis of the gradient-flow invariants given by a Lie algebra of symmetries (MATH.md L4, L7).

    Every element J = Aθ + c of the algebra with A = Aᵀ is the gradient of
    Q = ½θᵀAθ + cᵀθ, so ⟨∇Q, ∇L⟩ = 0 and Q is conserved by gradient flow. The returned
    quantities span all of them: one per dimension of 𝔤 ∩ {A = Aᵀ} (for a transpose-closed
    linear 𝔤 these are all conserved quadratics, (L4)); skew elements (rotations) give none.

    Parameters
    ----------
    algebra : LieAlgebra
        An algebra of (continuous) symmetry generators.

    Returns
    -------
    list
        :class:`QuadraticQuantity` for c = 0 (drift (T1)), :class:`LinearQuantity` for
        translations A = 0 (decay (T2), (1 − ηλ)^k under weight decay) and :class:`AffineQuantity`
        for the rest; each has ``value(θ)`` and the exact per-step ``step_increment`` under GD
        with weight decay, usable in :func:`eqalg.gradient_descent`.

    Raises
    ------
    InvalidValueError
        ``algebra`` is not a LieAlgebra.
    """
    if not isinstance(algebra, LieAlgebra):
        raise InvalidValueError(f"algebra: expected a LieAlgebra, got {type(algebra).__name__}")
    parts = algebra.gradient_elements()
    out = [QuadraticQuantity(a, f"Q[{a.name}]") for a in parts["quadratic"]]
    out += [LinearQuantity(np.array(a.offset if a.offset is not None else np.zeros(a.space.size)),
                           f"C[{a.name}]") for a in parts["translation"]]
    out += [AffineQuantity(a, f"Q[{a.name}]") for a in parts["mixed"]]
    return out


def conserved_quantity(generator: LinearGenerator, name: str | None = None):
    """The gradient-flow invariant of one generator: ½θᵀAθ for symmetric A, cᵀθ for a translation.

    Raises
    ------
    InvalidValueError
        ``generator`` is neither symmetric-linear nor a pure translation (a skew or general A has
        no quadratic invariant of its own, MATH.md (L4)).
    """
    if not isinstance(generator, LinearGenerator):
        raise InvalidValueError(f"generator: expected a LinearGenerator, got {type(generator).__name__}")
    name = name or f"Q[{generator.name}]"
    if generator.is_affine:
        if generator.form == "diagonal" and not np.any(generator.matrix):
            return LinearQuantity(as_vector(generator.offset, "offset"), name, generator.space)
        raise InvalidValueError("generator: affine generators with A != 0 have no conserved quantity here")
    if not generator.is_symmetric_matrix:
        raise InvalidValueError(f"generator {generator.name!r}: expected a symmetric matrix A = A^T "
                                "(conserved quadratic ½θᵀAθ, (L4))")
    return QuadraticQuantity(generator, name)


@dataclass(frozen=True, eq=False)
class RateLawQuantity:
    """Q(θ) = ½ θᵀ S θ for an equivariance with J = Sθ, and its exact per-step GD rate law.

    Build with :func:`rate_law_quantity` or :func:`homogeneity_norm_law`.

    Attributes
    ----------
    equivariance : ContinuousEquivariance or LinearGenerator
        J = Sθ with S symmetric; a bare generator is a symmetry (rate 0, the law is (T1)).
    model : Model
        The model whose loss gradient drives the steps (its outputs give the rate (M3)).
    name : str

    Notes
    -----
    Q(θ⁺) − Q(θ) = ((1 − ηλ)² − 1) Q(θ) − η(1 − ηλ) r(θ) + ½η² ĝᵀSĝ with r(θ) = E[∇ℓᵀ ρ(f)] (M3)
    for an output rate, σ(L(θ)) (I1) for a loss rate (MATH.md B4, B8). The rate is computed from
    the outputs (or the loss value), never from ⟨g, J⟩, so a wrong degree breaks the law.
    Exact only for full-batch steps on ``model`` (the rate must be the batch's).
    """

    equivariance: object
    model: object
    name: str

    @property
    def generator(self) -> LinearGenerator:
        """The linear generator J = Sθ."""
        e = self.equivariance
        return e.transformation if isinstance(e, ContinuousEquivariance) else e

    @property
    def space(self):
        """The parameter space of the generator."""
        return self.generator.space

    def value(self, theta) -> float:
        """Q(θ) = ½ θᵀ S θ."""
        return self.generator.quadratic_form(theta)

    def magnitude(self, theta) -> float:
        """½|θ|ᵀ|S||θ|: the scale of the round-off of Q."""
        return self.generator.abs_quadratic_form(theta)

    def rate(self, theta) -> float:
        """r(θ) = ⟨g, J⟩ predicted by the equivariance: E[∇ℓᵀ ρ(f)] (M3) or σ(L) (I1); 0 for a symmetry."""
        e = self.equivariance
        if not isinstance(e, ContinuousEquivariance):
            return 0.0
        if e.output is not None:
            F = self.model.output(theta)
            dl = self.model.output_loss.grad(F, self.model.targets)
            return float(np.mean(np.sum(dl * e.output_rate(F), axis=1)))
        return float(e.loss_rate(self.model.loss(theta)))

    def step_increment(self, theta, g, lr: float, weight_decay: float = 0.0) -> float:
        """Predicted Q(θ⁺) − Q(θ) for θ⁺ = θ − lr (g + weight_decay θ) (exact for full-batch g).

        Parameters
        ----------
        theta, g : ndarray (D,)
            The iterate and the loss gradient at it (without the weight-decay term).
        lr, weight_decay : float
        """
        decay = 1.0 - lr * weight_decay
        g = np.asarray(g, dtype=float)
        return ((decay ** 2 - 1.0) * self.value(theta) - lr * decay * self.rate(theta)
                + 0.5 * lr * lr * float(g @ self.generator.apply(g)))


def rate_law_quantity(equivariance, model, name: str | None = None) -> RateLawQuantity:
    """The quantity ½θᵀSθ of an equivariance with J = Sθ and its exact GD rate law (MATH.md B4, B8).

    Parameters
    ----------
    equivariance : ContinuousEquivariance or LinearGenerator
        Its generator must be linear (no offset) with a symmetric matrix S, and the equivariance
        must declare an output rate (model level) or a loss rate.
    model : Model
        The model trained (outputs, ``targets`` and ``output_loss`` needed for output rates).
    name : str, optional

    Returns
    -------
    RateLawQuantity
        Usable in ``eqalg.gradient_descent(..., quantities=[...])``.

    Raises
    ------
    InvalidValueError
        Not a continuous equivariance/linear generator, or its generator is affine or not
        symmetric (J must be the gradient of ½θᵀSθ).
    """
    e = equivariance
    gen = e.transformation if isinstance(e, ContinuousEquivariance) else e
    if not isinstance(gen, LinearGenerator):
        raise InvalidValueError(f"equivariance: expected a continuous equivariance of a LinearGenerator, "
                                f"got {type(gen).__name__}")
    if gen.is_affine or not gen.is_symmetric_matrix:
        raise InvalidValueError(f"equivariance {e.name!r}: the generator must be linear with a symmetric matrix "
                                "(J = S theta = grad of 1/2 theta^T S theta)")
    if not isinstance(e, ContinuousEquivariance) and not e.is_symmetry:
        raise InvalidValueError(f"equivariance {e.name!r}: a bare generator must be a symmetry")
    return RateLawQuantity(e, model, name or f"Q[{e.name}]")


def homogeneity_norm_law(model, degree: float | None = None, name: str | None = None) -> RateLawQuantity:
    """½‖θ‖² under GD for a k-homogeneous model: Δ = −η(1 − ηλ) k E[∇ℓᵀ f] + ((1−ηλ)² − 1)½‖θ‖² + ½η²‖g‖².

    Parameters
    ----------
    model : Model
        Provides ``homogeneity(degree)`` (e.g. a bias-free ReLU :class:`~eqalg.TwoLayerMLP`, k = 2).
    degree : float, optional
        k (the model's own degree by default; k ± 1 gives a negative control).
    name : str, optional

    Returns
    -------
    RateLawQuantity

    Raises
    ------
    InvalidValueError
        The model has no ``homogeneity`` (e.g. :class:`~eqalg.SoftmaxRegression`), or it is not
        homogeneous (biases, a non-homogeneous activation) and no ``degree`` is given.

    Notes
    -----
    Euler's theorem θᵀ∇_θ f = k f (M1) gives ⟨g, θ⟩ = k E[∇ℓᵀ f] (M3); the gradient-flow limit is
    Lyu & Li (ICLR 2020)'s d/dt ½‖θ‖² = −k E[∇ℓᵀ f] (MATH.md B4).
    """
    if not callable(getattr(model, "homogeneity", None)):
        raise InvalidValueError(f"model: {type(model).__name__} has no homogeneity (no `homogeneity(degree)` "
                                "method); the norm law needs a dense network such as a bias-free ReLU "
                                "TwoLayerMLP or MLP")
    e = model.homogeneity(degree)
    return rate_law_quantity(e, model, name or f"1/2|theta|^2 [{e.name}]")
