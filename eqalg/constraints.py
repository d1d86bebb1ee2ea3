"""Constraints derived from transformations, and their evaluation on a model.

``derive(t)`` returns the constraint objects a transformation implies (MATH.md B1, B2, B6):

=====================  =====  ======================================================  ==========
constraint             label  identity                                                order
=====================  =====  ======================================================  ==========
InfinitesimalGradient  I1/L1  ⟨g(θ), J(θ)⟩ = σ(L(θ))                                  1
                       L7     gᵀc = 0 (translation J = c)
InfinitesimalHessian   I2/L2  H(θ) J(θ) + DJ(θ)ᵀ g(θ) = σ'(L(θ)) g(θ)                 2
                       L7     H c = 0 (translation J = c)
FiniteGradient         D1     Mᵀ g(Mθ + t) = S'(L) g(θ)                               1
FiniteHessian          D2     Mᵀ H(Mθ + t) M = S'(L) H(θ) + S''(L) g gᵀ               2
=====================  =====  ======================================================  ==========

LossInvariance         D0/I0  L(Mθ + t) = S(L(θ)); L(T_s θ) = S_s(L(θ)) on an exact flow 0

(L1, L2 are the linear-symmetry forms gᵀAθ = 0 and H Aθ = −Aᵀg; D1, D2 are (I1f), (I2f) for
an affine map; D0/I0 is the defining statement itself, which D1/D2 cannot see a constant in.) ``evaluate(c, model, θ, backend)`` returns a :class:`CheckResult`; a failed
identity is data, not an exception. Vector and matrix identities are checked on the backend's
probe directions (all coordinates for the analytic backend at small D, seeded Gaussian probes
otherwise): a violated identity is caught by a random probe with probability one.
"""

from __future__ import annotations

import functools
import time
from dataclasses import asdict, dataclass, field

import numpy as np

from .backends.base import Backend, get_backends
from .dispatch import GenericFunction
from .errors import DispatchError, InvalidValueError, NonFiniteError, SpaceMismatchError
from .models.base import CountingModel, Model
from .transforms.base import ContinuousTransformation, DiscreteTransformation, Transformation
from .transforms.lie import LieAlgebra
from .transforms.linear import LinearGenerator

__all__ = [
    "Constraint",
    "LossInvariance",
    "InfinitesimalGradient",
    "InfinitesimalHessian",
    "FiniteGradient",
    "FiniteHessian",
    "CheckResult",
    "derive",
    "evaluate",
]


@dataclass(frozen=True, eq=False)
class Constraint:
    """A derived identity of a transformation; evaluate it with :func:`evaluate`.

    Attributes
    ----------
    transformation : Transformation
    label : str
        Equation label of MATH.md (``"I1"``, ``"L2"``, ``"D1"``, ...).
    order : int
        1 for gradient identities, 2 for Hessian identities.
    equation : str
        The identity in plain text.
    """

    transformation: Transformation
    label: str = field(init=False)
    order: int = field(init=False)
    equation: str = field(init=False)

    def __post_init__(self):
        label, eq, order = self._describe()
        object.__setattr__(self, "label", label)
        object.__setattr__(self, "order", order)
        object.__setattr__(self, "equation", eq)

    def _describe(self) -> tuple:
        """(label, equation, order) of the identity for this transformation."""
        raise NotImplementedError

    @property
    def name(self) -> str:
        """``"<label>: <equation>"``."""
        return f"{self.label}: {self.equation}"

    def transported_model(self, model):
        """The model whose loss is evaluated at the transformed point Mθ.

        ``model`` itself, except for the data-coupled forms of MATH.md B7, where it is the model
        on the transported data P·D (see :class:`~eqalg.constraints_model.CoupledGradient`).
        An equivariance's declared maps are checked against the model here (an identity input
        map of the wrong size raises :class:`~eqalg.errors.ShapeError`).
        """
        transport = getattr(self.transformation, "transported_model", None)
        return model if transport is None else transport(model)

    def __repr__(self):
        return f"{type(self).__name__}({self.transformation.name!r}, {self.label})"


def _is_linear_symmetry(t):
    return isinstance(t, LinearGenerator) and t.is_symmetry and not t.is_affine


def _is_translation_symmetry(t):
    return (isinstance(t, LinearGenerator) and t.is_symmetry and t.is_affine and t.form == "diagonal"
            and not np.any(t.matrix))


class InfinitesimalGradient(Constraint):
    """(I1) ⟨g, J⟩ = σ(L); for a linear symmetry (L1) gᵀAθ = 0 (MATH.md B1, B2)."""

    def _describe(self):
        if _is_linear_symmetry(self.transformation):
            return "L1", "g^T A theta = 0", 1
        if _is_translation_symmetry(self.transformation):
            return "L7", "g^T c = 0", 1
        if self.transformation.is_symmetry:
            return "I1", "<g, J> = 0", 1
        return "I1", "<g, J> = sigma(L)", 1


class InfinitesimalHessian(Constraint):
    """(I2) H J + DJᵀ g = σ'(L) g; for a linear symmetry (L2) H Aθ = −Aᵀ g (MATH.md B1, B2)."""

    def _describe(self):
        if _is_linear_symmetry(self.transformation):
            return "L2", "H A theta = -A^T g", 2
        if _is_translation_symmetry(self.transformation):
            return "L7", "H c = 0", 2
        if self.transformation.is_symmetry:
            return "I2", "H J + DJ^T g = 0", 2
        return "I2", "H J + DJ^T g = sigma'(L) g", 2


class FiniteGradient(Constraint):
    """(D1) Mᵀ g(Mθ + t) = S'(L) g(θ) (MATH.md B6, B7; (I1f) for an affine map)."""

    def _describe(self):
        if self.transformation.is_symmetry:
            return "D1", "M^T g(M theta) = g(theta)", 1
        return "D1", "M^T g(M theta) = S'(L) g(theta)", 1


class FiniteHessian(Constraint):
    """(D2) Mᵀ H(Mθ + t) M = S'(L) H(θ) + S''(L) g gᵀ (MATH.md B6, B7; (I2f) for an affine map)."""

    def _describe(self):
        if self.transformation.is_symmetry:
            return "D2", "M^T H(M theta) M = H(theta)", 2
        return "D2", "M^T H(M theta) M = S' H + S'' g g^T", 2


#: Time s of the flow T_s at which (I0) compares L(T_s θ) with S_s(L(θ)).
LOSS_FLOW_TIME = 0.5


class LossInvariance(Constraint):
    """(D0) L(Mθ + t) = S(L(θ)) for a discrete map; (I0) L(T_s θ) = S_s(L(θ)) along an exact flow.

    The defining (zeroth-order) statement of a symmetry or loss-level equivariance. (D1)/(D2)
    differentiate it and cannot see a constant: an affine shift that changes L by a constant
    passes them, not this (MATH.md §A, B1, B7). Continuous transformations are compared at flow
    time s = ``LOSS_FLOW_TIME`` when their curve is the exact one-parameter group.
    """

    def _describe(self):
        t = self.transformation
        if t.kind == "continuous":
            rhs = "L(theta)" if t.is_symmetry else "S_s(L(theta))"
            return "I0", f"L(T_s theta) = {rhs} (s = {LOSS_FLOW_TIME:g})", 0
        return "D0", "L(M theta) = " + ("L(theta)" if t.is_symmetry else "S(L(theta))"), 0


@dataclass(frozen=True)
class CheckResult:
    """Outcome of evaluating one constraint: the evidence and the verdict.

    Attributes
    ----------
    transformation : str
    kind : str
        ``"continuous"`` or ``"discrete"`` (``"equivariance"`` for non-symmetries).
    constraint : str
        Label and equation, e.g. ``"L2: H A theta = -A^T g"``.
    label : str
    order : int
    backend : str
    residual : float
        Norm of (left side − right side) of the identity (on the probe directions).
    scale : float
        Sum of the norms of the identity's terms (same probes); for first-order generator
        identities the Cauchy–Schwarz bound ‖g‖‖J‖, and Hessian generator identities add
        ‖J‖ times the typical gain of H (so H c = 0 has a scale). The residual is judged
        relative to it.
    tolerance : float
        rtol · scale + safety · fd_error.
    fd_error : float or None
        The finite-difference backend's own absolute error estimate (None for analytic).
    error : float
        The backend's error estimate used in the tolerance (finite differences: Richardson and
        round-off; analytic: the round-off probe of gradients, 0 for exact Hessian products).
    reason : str or None
        Why a check could not be made (status ``"unsupported"``: the model does not provide what
        the backend needs, e.g. an HVP for the analytic backend; unsupported checks are listed
        and counted, and do not decide the verdict), or why it is ``"inconclusive"`` when the
        cause is known (:data:`NEAR_CRITICAL_REASON`).
    passed : bool or None
        True when residual ≤ tolerance; None when the result cannot be trusted (non-smooth or
        inconclusive).
    status : str
        ``"holds"``, ``"violated"``, ``"trivial"`` (both sides vanish: the scale is 0 or below the
        backend's error, as for gradients at a critical point — uninformative, accepted for
        symmetries and controls alike),
        ``"non-smooth"`` (a kink at the point, inside every admissible finite-difference
        stencil) or ``"inconclusive"`` (the residual is within tolerance, but the backend's error
        estimate times its safety factor exceeds 1e-4 of the scale: the numbers cannot resolve a
        violation that small, so "holds" would promise more than the backend can deliver). A
        residual above the tolerance is "violated" whatever the error estimate.
    evaluations : dict
        ``{"loss": n, "gradient": n, "hvp": n}`` evaluations used (HVPs counted per direction).
    seconds : float
    point : str or None
        Name of the parameter point (set by :func:`eqalg.report.check`).
    control : bool
        True for a negative control (a transformation that is *not* a symmetry).
    """

    transformation: str
    kind: str
    constraint: str
    label: str
    order: int
    backend: str
    residual: float
    scale: float
    tolerance: float
    fd_error: float | None
    passed: bool | None
    status: str
    evaluations: dict
    seconds: float
    point: str | None = None
    control: bool = False
    error: float = 0.0
    reason: str | None = None

    @property
    def relative_residual(self) -> float:
        """residual / scale (0 when both vanish, inf when only the scale does)."""
        if self.scale > 0:
            return self.residual / self.scale
        return 0.0 if self.residual == 0 else float("inf")

    @property
    def as_expected(self) -> bool:
        """True when a true identity holds, or a negative control is violated (not for non-smooth or
        inconclusive results). A ``trivial`` result says nothing either way and is accepted for both:
        at a critical point every first-order identity holds, symmetry or not (I6)."""
        if self.status in ("trivial", "unsupported"):
            return True
        if self.passed is None:
            return False
        return self.passed != self.control

    def to_dict(self) -> dict:
        """JSON-ready dict (the ``checks`` entries of the report schema)."""
        d = asdict(self)
        d["relative_residual"] = self.relative_residual
        return d


#: A result is "inconclusive" when safety · error exceeds this fraction of the scale.
UNTRUSTED_ERROR_FRACTION = 1e-4


# -- derive ---------------------------------------------------------------------------------------------
@functools.singledispatch
def derive(t) -> list:
    """The constraints implied by a transformation (MATH.md B1, B2, B6, B7).

    Parameters
    ----------
    t : Transformation or LieAlgebra

    Returns
    -------
    list of Constraint
        Continuous: [InfinitesimalGradient, InfinitesimalHessian]; discrete:
        [FiniteGradient, FiniteHessian]; a LieAlgebra: those of every basis element.

    Raises
    ------
    DispatchError
        ``t`` is not a transformation eqalg knows how to derive constraints for.
    """
    raise DispatchError(f"derive: no constraints known for {type(t).__name__}")


@derive.register
def _derive_continuous(t: ContinuousTransformation) -> list:
    return [InfinitesimalGradient(t), InfinitesimalHessian(t)] + ([LossInvariance(t)] if t.exact_curve else [])


@derive.register
def _derive_discrete(t: DiscreteTransformation) -> list:
    return [FiniteGradient(t), FiniteHessian(t), LossInvariance(t)]


@derive.register
def _derive_algebra(algebra: LieAlgebra) -> list:
    # Every element of an algebra of symmetries is a symmetry: the constraints of a basis span them all.
    return [c for b in algebra.basis for c in derive(b)]


# -- evaluate ---------------------------------------------------------------------------------------------
class _EvaluateFunction(GenericFunction):
    """Dispatch on (type(constraint), type(backend)) — arguments 0 and 3."""

    def __call__(self, constraint, model, theta, backend, **kwargs):
        if not isinstance(model, Model):
            raise DispatchError(f"evaluate: model must be an eqalg Model, got {type(model).__name__}")
        if isinstance(backend, str):
            found = get_backends(backend)
            if len(found) != 1:
                raise InvalidValueError(f"backend: evaluate takes one backend, got {backend!r}; "
                                        "use 'analytic' or 'finite-difference'")
            backend = found[0]
        if not isinstance(backend, Backend):
            raise DispatchError(f"backend: expected a Backend or a backend name, got {type(backend).__name__}")
        if not isinstance(constraint, Constraint):
            raise DispatchError(f"constraint: expected a Constraint (from derive), got {type(constraint).__name__}")
        method = self.resolve((type(constraint), type(backend)))
        theta = model.validate_theta(theta)
        with np.errstate(all="ignore"):
            loss = model.loss(theta)
        if not np.isfinite(loss):
            raise NonFiniteError(f"theta: the loss is not finite there (L = {loss}); nothing can be checked")
        if constraint.transformation.space != model.space:
            raise SpaceMismatchError(f"evaluate: transformation {constraint.transformation.name!r} acts on "
                                     f"{constraint.transformation.space.describe()}, model on {model.space.describe()}")
        counting = CountingModel(model)
        start = time.perf_counter()
        out = method(constraint, counting, theta, backend, **kwargs)
        residual, scale, error, nonsmooth = out[:4]
        floor = out[4] if len(out) > 4 else 0.0    # optional: the part of the error that is round-off
        roundoff = out[5] if len(out) > 5 else 0.0  # optional: round-off of differenced loss values
        seconds = time.perf_counter() - start
        return _result(constraint, backend, residual, scale, error, nonsmooth, counting.counts, seconds, floor,
                       roundoff)


def evaluate(constraint, model, theta, backend):
    """Evaluate a constraint on ``model`` at ``theta`` with ``backend``; returns a :class:`CheckResult`.

    Methods are registered for (constraint type, backend type) and return
    ``(residual, scale, error, nonsmooth)``, optionally followed by ``floor``, the part of the
    error caused by round-off in the model's gradient at θ, and ``roundoff``, the part caused by
    round-off of the loss values a finite-difference estimate differences. A result within
    tolerance whose gradient round-off floor alone prevents certification is ``trivial`` (the
    point, near-critical, limits the precision), one whose method error does is
    ``inconclusive``; when that error is the loss values' round-off, its ``reason`` says so.

    Raises
    ------
    ShapeError, NonFiniteError
        ``theta`` is not a finite vector of length D.
    SpaceMismatchError
        The transformation and the model live on different parameter spaces.
    MissingMethodError
        The analytic backend is asked for derivatives the model does not provide.
    NonFiniteError
        The loss is not finite at ``theta``.
    DispatchError, InvalidValueError
        ``backend`` is neither a Backend nor a single backend name.
    """


evaluate = _EvaluateFunction(evaluate, nargs=2)


#: ``reason`` of an inconclusive finite-difference check whose error is the round-off of the loss values.
NEAR_CRITICAL_REASON = ("the finite-difference error is the round-off of the loss values: the gradient is too "
                        "small next to |L| / step to be resolved (a near-critical point, or too small a step); "
                        "the analytic backend decides it")


def judge(residual, scale, error, tol, safety, floor=0.0, roundoff=0.0) -> tuple:
    """(passed, status, reason) of a smooth check: the status rules of :class:`CheckResult`.

    ``floor`` is the part of ``error`` due to round-off of the model's gradient at θ, ``roundoff``
    the part due to round-off of differenced loss values (see :func:`evaluate`).
    """
    if scale == 0 and residual == 0:
        return True, "trivial", None
    if residual <= tol and scale <= safety * error:
        # every term is at the level of the backend's own error (e.g. g at a critical point)
        return True, "trivial", None
    if residual > tol:
        # beyond even the error allowance: a violation, whatever the size of the error
        return False, "violated", None
    if safety * floor > UNTRUSTED_ERROR_FRACTION * scale:
        # the point itself limits the precision (g at round-off level: near a critical point)
        return True, "trivial", None
    if safety * error > UNTRUSTED_ERROR_FRACTION * scale:
        # within tolerance only thanks to a large error estimate: cannot certify "holds"
        near = safety * roundoff > UNTRUSTED_ERROR_FRACTION * scale
        return None, "inconclusive", NEAR_CRITICAL_REASON if near else None
    return True, "holds", None


def _result(c, backend, residual, scale, error, nonsmooth, counts, seconds, floor=0.0, roundoff=0.0) -> CheckResult:
    t = c.transformation
    fd_error = float(error) if backend.name != "analytic" else None
    if nonsmooth or not (np.isfinite(residual) and np.isfinite(scale)):
        passed, status, tol, reason = None, "non-smooth", float("nan"), None
    else:
        if isinstance(c, LossInvariance):
            # loss values only, no derivatives: every backend judges them alike
            tol = float(backend.loss_rtol * scale + backend.safety * error)
        else:
            tol = float(backend.tolerance(scale, error))
        passed, status, reason = judge(residual, scale, error, tol, backend.safety, floor, roundoff)
    kind = t.kind if t.is_symmetry else "equivariance"
    return CheckResult(transformation=t.name, kind=kind, constraint=c.name, label=c.label, order=c.order,
                       backend=backend.name, residual=float(residual), scale=float(scale), tolerance=tol,
                       fd_error=fd_error, passed=passed, status=status, evaluations=dict(counts),
                       seconds=seconds, error=float(error), reason=reason)


@evaluate.register(InfinitesimalGradient, Backend)
def _eval_inf_gradient(c, model, theta, backend):
    t = c.transformation
    loss = model.loss(theta)
    J = t.generator(theta)
    est = backend.curve_derivative(model, theta, t)
    sigma = t.loss_rate(loss)
    residual = abs(est.value - sigma)
    normJ = float(np.linalg.norm(J))
    scale = backend.gradient_norm(model, theta) * normJ + abs(sigma)
    floor = backend.gradient_roundoff(model, theta) * normJ
    return residual, scale, est.error, est.nonsmooth, floor, est.roundoff


def generator_hessian_terms(t, model, theta, backend):
    """The left side H J + DJᵀ g shared by (I2) and (M4), with its scale and error.

    Returns
    -------
    lhs : ndarray (D,)
    g : Estimate
        The gradient (the right side of (I2) is σ′ g).
    scale : float
        ‖HJ‖ + ‖DJᵀg‖ + ‖H‖·‖J‖ (the gain term keeps a scale when every term vanishes
        identically, e.g. H c = 0 for translations).
    error : float
    nonsmooth : bool
    """
    J = t.generator(theta)
    g = backend.gradient(model, theta)
    hj = backend.hvp(model, theta, J[:, None])
    djt_g = t.jacobian_transpose_apply(theta, g.value)
    gain = backend.hessian_gain(model, theta)
    scale = float(np.linalg.norm(hj.value) + np.linalg.norm(djt_g) + gain.value * np.linalg.norm(J))
    return hj.value[:, 0] + djt_g, g, scale, hj.error + g.error, hj.nonsmooth or g.nonsmooth or gain.nonsmooth


@evaluate.register(InfinitesimalHessian, Backend)
def _eval_inf_hessian(c, model, theta, backend):
    t = c.transformation
    lhs, g, scale, error, nonsmooth = generator_hessian_terms(t, model, theta, backend)
    rate = t.loss_rate_derivative(model.loss(theta)) if not t.is_symmetry else 0.0
    rhs = rate * g.value
    residual = float(np.linalg.norm(lhs - rhs))
    return residual, scale + float(np.linalg.norm(rhs)), error + g.error * abs(rate), nonsmooth


@evaluate.register(FiniteGradient, Backend)
def _eval_fin_gradient(c, model, theta, backend):
    t = c.transformation
    mtheta, left = t.act(theta), c.transported_model(model)
    s1, _ = t.loss_map_derivatives(model.loss(theta)) if not t.is_symmetry else (1.0, 0.0)
    if backend.full_vectors:
        a_est, b_est = backend.gradient(left, mtheta), backend.gradient(model, theta)
        a = t.linear_apply_transpose(a_est.value)
    else:
        U = backend.probe_matrix(model.space.size)
        a_est = backend.gradient_projections(left, mtheta, t.linear_apply(U))   # (MU)ᵀ g(Mθ) = Uᵀ Mᵀ g(Mθ)
        b_est = backend.gradient_projections(model, theta, U)
        a = a_est.value
    b = s1 * b_est.value
    residual = float(np.linalg.norm(a - b))
    scale = float(np.linalg.norm(a) + np.linalg.norm(b))
    probe_gain = 1.0 if backend.full_vectors else float(np.linalg.norm(U, 2))
    floor = probe_gain * (backend.gradient_roundoff(left, mtheta) + abs(s1) * backend.gradient_roundoff(model, theta))
    return (residual, scale, a_est.error + abs(s1) * b_est.error, a_est.nonsmooth or b_est.nonsmooth, floor,
            a_est.roundoff + abs(s1) * b_est.roundoff)


@evaluate.register(LossInvariance, Backend)
def _eval_loss_invariance(c, model, theta, backend):
    # losses only: the same numbers for every backend, judged with each backend's tolerance
    t = c.transformation
    left = c.transported_model(model)
    base = model.loss(theta)
    if t.kind == "continuous":
        moved, target = t.curve(theta, LOSS_FLOW_TIME), t.loss_map_value(base, LOSS_FLOW_TIME)
    else:
        moved, target = t.act(theta), t.loss_map_value(base)
    value = left.loss(moved)
    residual = abs(value - target)
    scale = abs(value) + abs(target)
    # round-off of the loss values: re-evaluate at θ ⊙ (1 + 4ε s) (≈ ε‖g‖‖θ‖ plus rounding)
    signs = np.random.default_rng(backend.seed + 2).choice((-1.0, 1.0), size=theta.shape[0])
    floor = abs(model.loss(theta * (1.0 + 4.0 * np.finfo(float).eps * signs)) - base) + 4 * np.finfo(float).eps * scale
    return residual, scale, floor, False, floor


@evaluate.register(FiniteHessian, Backend)
def _eval_fin_hessian(c, model, theta, backend):
    t = c.transformation
    mtheta = t.act(theta)
    V = backend.probe_matrix(model.space.size)
    h_m = backend.hvp(c.transported_model(model), mtheta, t.linear_apply(V))
    h_0 = backend.hvp(model, theta, V)
    a = t.linear_apply_transpose(h_m.value)
    if t.is_symmetry:
        b, err_g, ns_g = h_0.value, 0.0, False
    else:
        s1, s2 = t.loss_map_derivatives(model.loss(theta))
        g = backend.gradient(model, theta)
        b = s1 * h_0.value + s2 * np.outer(g.value, V.T @ g.value)
        err_g, ns_g = abs(s2) * g.error * 2 * float(np.linalg.norm(g.value)), g.nonsmooth
    residual = float(np.linalg.norm(a - b))
    scale = float(np.linalg.norm(a) + np.linalg.norm(b))
    return residual, scale, h_m.error + h_0.error + err_g, h_m.nonsmooth or h_0.nonsmooth or ns_g


# Equivariance types register their derive/evaluate methods there (imported last: it uses this module).
from . import constraints_model  # noqa: E402,F401
