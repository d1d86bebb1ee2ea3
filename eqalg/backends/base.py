"""The backend interface: the derivative primitives every constraint is written in.

A backend supplies four loss-level primitives, each returning an :class:`Estimate` (value,
absolute error estimate, non-smoothness flag, evaluation evidence):

* ``curve_derivative(model, θ, t)`` — d/ds L(T_s θ) at s = 0 (= ⟨g, J⟩, MATH.md (I1));
* ``gradient(model, θ)`` — g = ∇L(θ);
* ``gradient_projections(model, θ, U)`` — Uᵀ g for probe directions U (D, k);
* ``hvp(model, θ, V)`` — H(θ) V for V (D, k);

and four model-level primitives for models with outputs f(θ, x_i) ∈ R^o (MATH.md B4, B7):

* ``output_curve_derivative(model, θ, t)`` — d/ds f(T_s θ, x_i) at s = 0 (= Df J), shape (N, o);
* ``output_jvp(model, θ, V)`` — Df(θ) v for each column of V (D, k), shape (k, N, o);
* ``output_vjp(model, θ, W)`` — Df(θ)ᵀ w = ∇_θ Σ_iq w_iq f_q(θ, x_i) for W (N, o), shape (D,);
* ``output_hvp(model, θ, W, V)`` — ∇²_θ(Σ_iq w_iq f_q(θ, x_i)) V, shape (D, k).

Constraints (:mod:`eqalg.constraints`, :mod:`eqalg.constraints_model`) use only these, so a new
backend plugs in by implementing them; ``tolerance`` and ``probe_matrix`` have defaults.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

import numpy as np

from ..errors import InvalidValueError, check_choice

__all__ = ["Estimate", "Backend", "get_backends", "BACKEND_NAMES"]


@dataclass(frozen=True)
class Estimate:
    """A computed quantity with its absolute error estimate.

    Attributes
    ----------
    value : float or ndarray
    error : float
        Absolute error estimate in the norm of ``value`` (0 for exact analytic values, whose
        round-off is covered by the backend's relative tolerance).
    nonsmooth : bool
        A non-smooth point (kink) lies inside the finite-difference stencil; ``value`` is not
        trustworthy.
    step : float or None
        Largest finite-difference step used (in parameter-space norm), if any.
    roundoff : float
        The part of ``error`` that is the round-off of the differenced function values
        (4ε·max|f|/h of :func:`~eqalg.backends.finite_difference.richardson_central`): a limit
        set by the point (e.g. a gradient near a critical point, far below the loss over the
        step), not by the choice of steps. 0 when not known.
    """

    value: object
    error: float = 0.0
    nonsmooth: bool = False
    step: float | None = None
    roundoff: float = 0.0


@dataclass(frozen=True)
class Backend(ABC):
    """Abstract backend.

    Attributes
    ----------
    rtol : float
        Relative tolerance: an identity passes when residual ≤ rtol · scale + safety · error.
    safety : float
        Multiplier of the backend's own error estimate in the tolerance.
    probes : int
        Number of random probe directions for matrix-free checks of vector/matrix identities.
    seed : int
        Seed of the probe directions (checks are reproducible).
    loss_rtol : float
        Relative tolerance of the zeroth-order checks (D0)/(I0), which compare loss values and
        involve no derivatives: the same default (1e-9) for every backend, so a finite-difference
        backend's looser ``rtol`` never certifies a loss-level violation.

    Obligatory
    ----------
    curve_derivative, gradient, gradient_projections, hvp, output_curve_derivative, output_jvp,
    output_vjp, output_hvp (see module docstring); ``name``.
    """

    rtol: float = 1e-9
    safety: float = 10.0
    probes: int = 4
    seed: int = 0
    loss_rtol: float = 1e-9
    name: str = field(default="backend", init=False)
    # Memo of per-point quantities shared by many checks (gradient with its round-off, Hessian
    # gain), keyed by (model object, θ bytes); lives as long as this backend instance (one
    # ``eqalg.check`` call when backends are given by name). Models are treated as immutable.
    _memo: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self):
        if not (np.isfinite(self.rtol) and self.rtol > 0):
            raise InvalidValueError(f"rtol: expected a positive number, got {self.rtol!r}")
        if not (np.isfinite(self.loss_rtol) and self.loss_rtol > 0):
            raise InvalidValueError(f"loss_rtol: expected a positive number, got {self.loss_rtol!r}")
        if not (isinstance(self.probes, (int, np.integer)) and self.probes >= 1):
            raise InvalidValueError(f"probes: expected a positive integer, got {self.probes!r}")
        if not (np.isfinite(self.safety) and self.safety > 0):
            raise InvalidValueError(f"safety: expected a positive number, got {self.safety!r}")

    #: True when first-order vector identities are compared on whole gradients (cheap and exact);
    #: False when they are compared on random projections Uᵀg (matrix-free).
    full_vectors: bool = field(default=False, init=False)

    @abstractmethod
    def curve_derivative(self, model, theta, transformation) -> Estimate:
        """d/ds L(T_s θ)|_{s=0} for a continuous transformation (a scalar Estimate)."""

    @abstractmethod
    def gradient(self, model, theta) -> Estimate:
        """∇L(θ), shape (D,)."""

    @abstractmethod
    def gradient_projections(self, model, theta, U) -> Estimate:
        """Uᵀ ∇L(θ) for probe directions U of shape (D, k); value of shape (k,)."""

    @abstractmethod
    def hvp(self, model, theta, V) -> Estimate:
        """H(θ) V for V of shape (D, k); value of shape (D, k)."""

    @abstractmethod
    def output_curve_derivative(self, model, theta, transformation) -> Estimate:
        """d/ds f(T_s θ, x_i)|_{s=0} = Df(θ, x_i) J(θ) for every sample; value of shape (N, o) (MATH.md (M1))."""

    @abstractmethod
    def output_jvp(self, model, theta, V) -> Estimate:
        """Df(θ) v for each column v of V (D, k); value of shape (k, N, o)."""

    @abstractmethod
    def output_vjp(self, model, theta, W) -> Estimate:
        """Df(θ)ᵀ W = ∇_θ Σ_iq W_iq f_q(θ, x_i) for output weights W (N, o); value of shape (D,)."""

    @abstractmethod
    def output_hvp(self, model, theta, W, V) -> Estimate:
        """∇²_θ(Σ_iq W_iq f_q(θ, x_i)) V for W (N, o), V (D, k); value of shape (D, k)."""

    def gradient_with_roundoff(self, model, theta) -> Estimate:
        """The model's own gradient with a round-off estimate: ‖g(θ') − g(θ)‖ for θ' = θ ⊙ (1 + 4ε s).

        Perturbing θ at the level of its own rounding measures how much g can change from
        round-off alone (≈ ε‖H‖‖θ‖ plus the rounding of both evaluations). At a critical point g is
        nothing but such noise, and identities between gradients must not be judged more finely
        than this (see ``CheckResult.status == "trivial"``).
        """
        return self._memoized("gradient", model, theta, lambda: self._gradient_with_roundoff(model, theta))

    def _memoized(self, what, model, theta, compute):
        base = model
        while hasattr(base, "inner"):          # CountingModel wrappers: the same underlying model
            base = base.inner
        key = (what, id(base), np.asarray(theta, dtype=np.float64).tobytes())
        hit = self._memo.get(key)
        if hit is not None and hit[0] is base:
            return hit[1]
        value = compute()
        if len(self._memo) >= 64:
            self._memo.pop(next(iter(self._memo)))
        self._memo[key] = (base, value)
        return value

    def _gradient_with_roundoff(self, model, theta) -> Estimate:
        g = model.gradient(theta)
        signs = np.random.default_rng(self.seed + 2).choice((-1.0, 1.0), size=theta.shape[0])
        nudged = theta * (1.0 + 4.0 * np.finfo(float).eps * signs)
        pattern = model.activation_pattern(theta)
        if pattern is not None and not np.array_equal(model.activation_pattern(nudged), pattern):
            # θ sits on a kink: the nudge measures the jump of g, not round-off; kinks are reported
            # separately (Model.at_kink), so no round-off allowance is claimed here
            return Estimate(g, 0.0)
        noise = float(np.linalg.norm(model.gradient(nudged) - g))
        return Estimate(g, noise)

    def gradient_roundoff(self, model, theta) -> float:
        """Round-off level of the model's gradient at θ (see :meth:`gradient_with_roundoff`); 0 when
        the model has no gradient (loss-only models: round-off enters the loss differences' own
        error estimates)."""
        return self.gradient_with_roundoff(model, theta).error if model.has_gradient else 0.0

    def gradient_norm(self, model, theta) -> float:
        """‖∇L(θ)‖, used only as the scale of first-order identities."""
        return float(np.linalg.norm(self.gradient(model, theta).value))

    def hessian_gain(self, model, theta, probes: int = 2) -> Estimate:
        """Typical gain of H on a direction: sqrt(mean ‖H u‖²/‖u‖²) over seeded Gaussian u (≈ ‖H‖_F/√D).

        Used as the scale of Hessian identities whose terms may all vanish (e.g. H c = 0, (L7)),
        where the norms of the terms themselves would give no scale.
        """
        return self._memoized(("gain", probes), model, theta, lambda: self._hessian_gain(model, theta, probes))

    def _hessian_gain(self, model, theta, probes) -> Estimate:
        rng = np.random.default_rng(self.seed + 1)
        U = rng.standard_normal((model.space.size, probes))
        est = self.hvp(model, theta, U)
        # only a scale: probes that cross a kink are dropped rather than spoiling the whole check
        ok = np.all(np.isfinite(est.value), axis=0)
        if not np.any(ok):
            return Estimate(0.0, 0.0, False)
        gain = np.sqrt(np.sum(est.value[:, ok] ** 2) / np.sum(U[:, ok] ** 2))
        err = est.error / np.sqrt(np.sum(U[:, ok] ** 2)) if np.isfinite(est.error) else 0.0
        return Estimate(float(gain), float(err), False)

    def probe_matrix(self, size: int) -> np.ndarray:
        """Seeded Gaussian probe directions with entries N(0, 1/probes), shape (size, probes).

        The variance makes E[U Uᵀ] = I, so norms of projected identities estimate the norms of
        the full ones (‖Uᵀx‖ ≈ ‖x‖): residuals and scales are comparable across backends.
        """
        rng = np.random.default_rng(self.seed)
        return rng.standard_normal((size, self.probes)) / np.sqrt(self.probes)

    def tolerance(self, scale: float, error: float) -> float:
        """rtol · scale + safety · error (relative to the terms, and to the backend's own error)."""
        return self.rtol * scale + self.safety * error


BACKEND_NAMES = ("analytic", "finite-difference")


def get_backends(spec) -> tuple:
    """Turn ``"analytic" | "finite-difference" | "both"`` or a Backend (or a list of them) into a tuple.

    Raises
    ------
    UnknownNameError
        Unknown backend name.
    InvalidValueError
        Neither a name, a Backend nor a non-empty list of them.
    """
    from .analytic import Analytic
    from .finite_difference import FiniteDifference

    if isinstance(spec, Backend):
        return (spec,)
    if isinstance(spec, str):
        check_choice(spec, "backend", BACKEND_NAMES + ("both",))
        if spec == "both":
            return (Analytic(), FiniteDifference())
        return (Analytic(),) if spec == "analytic" else (FiniteDifference(),)
    try:
        items = list(spec)
    except TypeError:
        raise InvalidValueError(f"backend: expected 'analytic', 'finite-difference', 'both', a Backend or a list of "
                                f"them, got {type(spec).__name__}") from None
    if not items:
        raise InvalidValueError("backend: expected at least one backend, got an empty list")
    out = []
    for s in items:
        out.extend(get_backends(s))
    return tuple(out)
