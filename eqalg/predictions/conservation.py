"""Conserved quantities of gradient flow and their exact per-step drift under GD/SGD.

For a symmetric generator S of a linear symmetry, Q(θ) = ½ θᵀ S θ is conserved by gradient
flow (MATH.md (L4)); one step of (S)GD with weight decay, θ⁺ = θ − η(ĝ + λθ), changes it by
exactly (MATH.md (T1))

    Q(θ⁺) = (1 − ηλ)² Q(θ) + ½ η² ĝᵀ S ĝ,

because ĝᵀ S θ = 0 (L1) for the minibatch loss. For a translation generator c, C(θ) = cᵀθ obeys
(T2) C(θ⁺) = (1 − ηλ) C(θ). Source: Kunin et al., "Neural Mechanics" (ICLR 2021), with the
exact discrete form re-derived in MATH.md B8.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InvalidValueError, as_vector
from ..transforms.lie import LieAlgebra
from ..transforms.linear import LinearGenerator

__all__ = ["QuadraticQuantity", "LinearQuantity", "AffineQuantity", "conserved_quantity", "conserved_quantities"]


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

    def value(self, theta) -> float:
        """Q(θ)."""
        return self.generator.quadratic_form(theta)

    def step_increment(self, theta, g, lr: float, weight_decay: float = 0.0) -> float:
        """Predicted Q(θ⁺) − Q(θ) for θ⁺ = θ − lr (g + weight_decay θ), by (T1).

        Parameters
        ----------
        theta, g : ndarray (D,)
            The iterate and the (minibatch) loss gradient at it, without the weight-decay term.
        lr, weight_decay : float
        """
        q = self.value(theta)
        return ((1.0 - lr * weight_decay) ** 2 - 1.0) * q + 0.5 * lr * lr * float(g @ self.generator.apply(g))


@dataclass(frozen=True, eq=False)
class LinearQuantity:
    """C(θ) = cᵀθ for a translation generator J = c; exact GD law (T2) C(θ⁺) = (1 − ηλ) C(θ)."""

    direction: np.ndarray
    name: str

    def value(self, theta) -> float:
        """C(θ)."""
        return float(self.direction @ np.asarray(theta, dtype=float))

    def step_increment(self, theta, g, lr: float, weight_decay: float = 0.0) -> float:
        """Predicted C(θ⁺) − C(θ) = −ηλ C(θ) (the gradient term vanishes by (L7))."""
        return -lr * weight_decay * self.value(theta)


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
            return LinearQuantity(as_vector(generator.offset, "offset"), name)
        raise InvalidValueError("generator: affine generators with A != 0 have no conserved quantity here")
    if not generator.is_symmetric_matrix:
        raise InvalidValueError(f"generator {generator.name!r}: expected a symmetric matrix A = A^T "
                                "(conserved quadratic ½θᵀAθ, MATH.md L4)")
    return QuadraticQuantity(generator, name)
