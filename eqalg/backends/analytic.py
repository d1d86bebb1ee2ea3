"""The analytic backend: the model's own exact gradient and Hessian-vector products."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import MissingMethodError
from .base import Backend, Estimate

__all__ = ["Analytic"]

_TRAITS = {"gradient": "has_gradient", "hvp": "has_hvp", "output derivatives": "has_output_derivatives"}


@dataclass(frozen=True)
class Analytic(Backend):
    """Exact derivatives from ``model.gradient`` and ``model.hvp``.

    At a point where the loss is not differentiable (``model.at_kink(θ)``: a ReLU pre-activation
    exactly 0) the derivatives do not exist; the model's one-sided convention is still computed
    but every estimate is flagged non-smooth, so checks there are inconclusive.

    Parameters
    ----------
    rtol : float
        Relative tolerance (default 1e-9: float64 round-off of sums over samples, with margin).
    probes : int
        Random probes for Hessian identities when D > ``full_limit``.
    full_limit : int
        For D ≤ full_limit (default 100), Hessian identities are checked on all D coordinate
        directions (the whole matrix, by one batched HVP) instead of random probes, which detect
        a violation with probability one at a fraction of the cost.
    seed : int

    Raises
    ------
    MissingMethodError
        (at use) the model has no analytic gradient, HVP or output derivatives.
    """

    rtol: float = 1e-9
    probes: int = 8
    full_limit: int = 100
    name: str = field(default="analytic", init=False)
    full_vectors: bool = field(default=True, init=False)

    def _require(self, model, what):
        if not getattr(model, _TRAITS[what]):
            name = type(getattr(model, "inner", model)).__name__
            raise MissingMethodError(f"backend 'analytic': model {name} provides no {what}; "
                                     "use backend='finite-difference'")

    def curve_derivative(self, model, theta, transformation) -> Estimate:
        """⟨∇L(θ), J(θ)⟩ (MATH.md (I1))."""
        g = self.gradient(model, theta)
        J = transformation.generator(theta)
        return Estimate(float(g.value @ J), g.error * float(np.linalg.norm(J)), g.nonsmooth)

    def gradient(self, model, theta) -> Estimate:
        """∇L(θ) from the model."""
        self._require(model, "gradient")
        est = self.gradient_with_roundoff(model, theta)
        return Estimate(est.value, est.error, model.at_kink(theta))

    def gradient_projections(self, model, theta, U) -> Estimate:
        """Uᵀ ∇L(θ)."""
        g = self.gradient(model, theta)
        U = np.asarray(U)
        return Estimate(U.T @ g.value, g.error * float(np.linalg.norm(U, 2)), g.nonsmooth)

    def hvp(self, model, theta, V) -> Estimate:
        """H(θ) V from the model's batched HVP."""
        self._require(model, "hvp")
        return Estimate(np.asarray(model.hvp(theta, V)).reshape(np.shape(V)), 0.0, model.at_kink(theta))

    def output_curve_derivative(self, model, theta, transformation) -> Estimate:
        """Df(θ) J(θ) from the model's output JVP, shape (N, o) (MATH.md (M1))."""
        self._require(model, "output derivatives")
        return Estimate(model.output_jvp(theta, transformation.generator(theta)), 0.0, model.at_kink(theta))

    def output_jvp(self, model, theta, V) -> Estimate:
        """Df(θ) V from the model, shape (k, N, o)."""
        self._require(model, "output derivatives")
        return Estimate(model.output_jvp(theta, np.asarray(V, dtype=float).reshape(model.space.size, -1)), 0.0,
                        model.at_kink(theta))

    def output_vjp(self, model, theta, W) -> Estimate:
        """Df(θ)ᵀ W from the model, shape (D,)."""
        self._require(model, "output derivatives")
        return Estimate(model.output_vjp(theta, W), 0.0, model.at_kink(theta))

    def output_hvp(self, model, theta, W, V) -> Estimate:
        """∇²_θ(Σ W·f) V from the model, shape (D, k)."""
        self._require(model, "output derivatives")
        return Estimate(model.output_hvp(theta, W, np.asarray(V, dtype=float).reshape(model.space.size, -1)), 0.0,
                        model.at_kink(theta))

    def probe_matrix(self, size: int) -> np.ndarray:
        """The identity (all coordinates) for size ≤ full_limit, else seeded Gaussian probes."""
        if size <= self.full_limit:
            return np.eye(size)
        return super().probe_matrix(size)
