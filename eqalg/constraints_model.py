"""Constraints of equivariances: model-level forms (M1)–(M4), finite-s and data-coupled forms.

``derive(E)`` for an :class:`~eqalg.transforms.equivariance.Equivariance` returns (MATH.md B1,
B4, B7; the model-level finite forms M1f/M2f are ours, obtained by differentiating
f(Mθ, Px) = R f(θ, x) in θ):

====================  =====  ==============================================================  =====
constraint            label  identity                                                        order
====================  =====  ==============================================================  =====
InfinitesimalGradient I1     ⟨g, J⟩ = σ(L)                         (``loss`` rate declared)  1
InfinitesimalHessian  I2     H J + DJᵀ g = σ′(L) g                                           2
OutputGradient        M1     Df J = ρ(f)                            (``output`` rate)        1
OutputHessian         M2     ∇²(Σ w·f) J + DJᵀ Dfᵀ w = Dfᵀ(Dρ(f)ᵀ w)   for output weights w  2
OutputRateGradient    M3     ⟨g, J⟩ = E[∇ℓᵀ ρ(f)]                                            1
OutputRateHessian     M4     H J + DJᵀ g = E[Dfᵀ(∇²ℓ ρ(f) + Dρ(f)ᵀ ∇ℓ)]                      2
FlowGradient          I1f    DT_sᵀ g(T_s θ) = S_s′(L) g(θ)          (exact flow, s = 0.5)    1
FlowHessian           I2f    DT_sᵀ H(T_s θ) DT_s = S_s′ H + S_s″ g gᵀ                        2
FiniteGradient        D1     Mᵀ g(Mθ) = S′(L) g(θ)                  (discrete ``loss``)      1
FiniteHessian         D2     Mᵀ H(Mθ) M = S′ H + S″ g gᵀ                                     2
CoupledGradient       D1     Mᵀ ∇L_{P·D}(Mθ) = ∇L_D(θ)              (relabelling R, B7)      1
CoupledHessian        D2     Mᵀ H_{P·D}(Mθ) M = H_D(θ)                                       2
FiniteOutputGradient  M1f    Df(Mθ, Px) M = R Df(θ, x)             (discrete ``output``)    1
FiniteOutputHessian   M2f    Mᵀ ∇²(Σ w·f)(Mθ, Px) M = ∇²(Σ (Rᵀw)·f)(θ, x)                    2
====================  =====  ==============================================================  =====

(M2) contracted. (M2) per output coordinate q reads ∇²f_q J + DJᵀ∇f_q = Σ_p Dρ(f)_{qp} ∇f_p
(differentiate Σ_a ∂_a f_q J_a = ρ_q(f) in θ). Weighting sample i, coordinate q by w_iq and
summing: ∇²(Σ_iq w_iq f_q(θ, x_i)) J + DJᵀ Df(θ)ᵀ w = Df(θ)ᵀ w̃ with w̃_i = Dρ(f_i)ᵀ w_i. It is
checked on seeded Gaussian w (N, o), matrix-free: one output-HVP along J and two VJPs per w.

P·D = {(P x_i, R y_i)} is the data set transported by the input map and, for a relabelling R,
the targets: L_{P·D}(Mθ) = (1/N) Σ ℓ(R f(θ, x_i), R y_i) = L_D(θ) for any loss treating
output coordinates alike.

Also here: :func:`fixed_point_constraints` — at a fixed point θ = Mθ of a symmetry, (D1) gives
g ∈ Fix(Mᵀ); only an orthogonal M gives g ∈ Fix(M) and HM = MH (D3). Non-orthogonal maps (the
sigmoid neuron flip, MATH.md D7; Ziyin 2024) get only the first.

Examples
--------
>>> import numpy as np, eqalg
>>> data = eqalg.load_iris()
>>> model = eqalg.TwoLayerMLP(data.X, data.Y, 4, "relu", "mse", bias=False)
>>> theta = model.init_params(np.random.default_rng(0))
>>> E = model.homogeneity()                       # J = θ, ρ(z) = 2z
>>> [c.label for c in eqalg.derive(E)]
['M1', 'M2', 'M3', 'M4', 'M1f', 'M2f']
>>> r = eqalg.evaluate(eqalg.derive(E)[0], model, theta, eqalg.Analytic())
>>> r.kind, r.passed
('equivariance', True)
"""

from __future__ import annotations

import numpy as np

from .backends.base import Backend
from .constraints import (Constraint, FiniteGradient, FiniteHessian, InfinitesimalGradient, InfinitesimalHessian,
                          LossInvariance,
                          _eval_fin_gradient, _eval_fin_hessian, derive, evaluate, generator_hessian_terms)
from .errors import InvalidValueError
from .transforms.base import DiscreteTransformation
from .transforms.equivariance import FLOW_TIME, ContinuousEquivariance, DiscreteEquivariance

__all__ = [
    "OutputGradient", "OutputHessian", "OutputRateGradient", "OutputRateHessian",
    "FiniteOutputGradient", "FiniteOutputHessian", "FlowGradient", "FlowHessian",
    "CoupledGradient", "CoupledHessian", "FixedPointGradient", "SymmetricPointHessian",
    "fixed_point_constraints", "OUTPUT_PROBES",
]

#: Number of seeded Gaussian output-weight probes w (N, o) for contracted (M2)/(M2f).
OUTPUT_PROBES = 2


def _require_output(t, what):
    if getattr(t, "output", None) is None:
        raise InvalidValueError(f"transformation: {what} needs an Equivariance with an output map, got {t.name!r}")


class _ModelLevel(Constraint):
    """Base of the model-level constraints: the transformation must declare an output map."""

    def __post_init__(self):
        _require_output(self.transformation, type(self).__name__)
        super().__post_init__()


class OutputGradient(_ModelLevel):
    """(M1) Df(θ, x_i) J(θ) = ρ(f(θ, x_i)) for every sample (MATH.md B4; homogeneity: Euler's θᵀ∇f = k f)."""

    def _describe(self):
        return "M1", "Df J = rho(f)", 1


class OutputHessian(_ModelLevel):
    """(M2) contracted with output weights w: ∇²(Σ w·f) J + DJᵀ Dfᵀ w = Dfᵀ(Dρ(f)ᵀ w) (MATH.md B4).

    Homogeneity (J = θ, ρ = kz): ∇²f θ = (k − 1)∇f (Euler's theorem applied to ∇f).
    """

    def _describe(self):
        return "M2", "d2(w.f) J + DJ^T Df^T w = Df^T (Drho(f)^T w)", 2


class OutputRateGradient(_ModelLevel):
    """(M3) ⟨g, J⟩ = E[∇ℓᵀ ρ(f)] (MATH.md B4): homogeneity gives the rate law ⟨g, θ⟩ = k E[∇ℓᵀ f]
    behind d/dt ½‖θ‖² = −k E[∇ℓᵀ f] (Lyu & Li 2020)."""

    def _describe(self):
        return "M3", "<g, J> = E[dl^T rho(f)]", 1


class OutputRateHessian(_ModelLevel):
    """(M4) H J + DJᵀ g = E[Dfᵀ(∇²ℓ ρ(f) + Dρ(f)ᵀ ∇ℓ)] (MATH.md B4; the θ-derivative of (M3))."""

    def _describe(self):
        return "M4", "H J + DJ^T g = E[Df^T (d2l rho(f) + Drho(f)^T dl)]", 2


class FiniteOutputGradient(_ModelLevel):
    """(M1f) Df(Mθ, P x_i) M = R Df(θ, x_i) (discrete f(Mθ, Px) = R f(θ, x) differentiated in θ; B7)."""

    def _describe(self):
        return "M1f", "Df(M theta, P x) M = R Df(theta, x)", 1


class FiniteOutputHessian(_ModelLevel):
    """(M2f) Mᵀ ∇²(Σ w·f)(Mθ, Px) M = ∇²(Σ (Rᵀw)·f)(θ, x) for output weights w (B7, second order)."""

    def _describe(self):
        return "M2f", "M^T d2(w.f)(M theta, P x) M = d2((R^T w).f)(theta, x)", 2


class FlowGradient(FiniteGradient):
    """(I1f) DT_sᵀ g(T_s θ) = S_s′(L) g(θ) for the exact time-s map of a linear generator (MATH.md B1)."""

    def _describe(self):
        return "I1f", "DT_s^T g(T_s theta) = S_s'(L) g(theta)", 1


class FlowHessian(FiniteHessian):
    """(I2f) DT_sᵀ H(T_s θ) DT_s = S_s′(L) H(θ) + S_s″(L) g gᵀ (linear flows: ∇²T_s = 0; MATH.md B1)."""

    def _describe(self):
        return "I2f", "DT_s^T H(T_s theta) DT_s = S_s' H + S_s'' g g^T", 2


class CoupledGradient(FiniteGradient):
    """(D1, data-coupled) Mᵀ ∇L_{P·D}(Mθ) = ∇L_D(θ), P·D = {(P x_i, R y_i)} (MATH.md B7)."""

    def _describe(self):
        return "D1", "M^T g_{P.D}(M theta) = g_D(theta)", 1


class CoupledHessian(FiniteHessian):
    """(D2, data-coupled) Mᵀ H_{P·D}(Mθ) M = H_D(θ) (MATH.md B7)."""

    def _describe(self):
        return "D2", "M^T H_{P.D}(M theta) M = H_D(theta)", 2


def _require_fixed_symmetry(t):
    if not isinstance(t, DiscreteTransformation) or not t.is_symmetry:
        raise InvalidValueError(f"transformation: fixed-point identities need a discrete symmetry, got {t.name!r}")


class FixedPointGradient(FiniteGradient):
    """At a fixed point θ = Mθ (+t) of a symmetry: g ∈ Fix(Mᵀ), i.e. Mᵀ g = g (MATH.md B6).

    Labelled (D3) g ∈ Fix(M) for orthogonal M (then Mᵀ = M⁻¹ and the two agree), (D1) otherwise:
    for a non-orthogonal M the gradient is in Fix(Mᵀ), *not* Fix(M) (MATH.md D7, Ziyin 2024).
    Evaluating at a point that is not fixed raises :class:`~eqalg.errors.InvalidValueError`.
    """

    def __post_init__(self):
        _require_fixed_symmetry(self.transformation)
        super().__post_init__()

    def _describe(self):
        if self.transformation.is_orthogonal:
            return "D3", "M g = g at theta = M theta (g in Fix(M))", 1
        return "D1", "M^T g = g at theta = M theta (g in Fix(M^T), not Fix(M))", 1


class SymmetricPointHessian(FiniteHessian):
    """(D3) H M = M H at a fixed point θ = Mθ of an orthogonal symmetry (MATH.md B6).

    Raises
    ------
    InvalidValueError
        (at construction) M is not orthogonal: then only MᵀHM = H holds (MATH.md D7).
    """

    def __post_init__(self):
        _require_fixed_symmetry(self.transformation)
        if not self.transformation.is_orthogonal:
            raise InvalidValueError(f"transformation: (D3) H M = M H needs an orthogonal map; {self.transformation.name!r} "
                                    "is not orthogonal, only M^T H M = H holds, (D7))")
        super().__post_init__()

    def _describe(self):
        return "D3", "H M = M H at theta = M theta", 2


def fixed_point_constraints(t) -> list:
    """Identities at a fixed point θ = Mθ of a discrete symmetry (MATH.md B6, D3, D7).

    Parameters
    ----------
    t : DiscreteTransformation
        A symmetry (e.g. a neuron swap at a point with two identical neurons).

    Returns
    -------
    list of Constraint
        [FixedPointGradient] and, for orthogonal M only, [SymmetricPointHessian].

    Raises
    ------
    InvalidValueError
        ``t`` is not a discrete symmetry.
    """
    _require_fixed_symmetry(t)
    out = [FixedPointGradient(t)]
    if t.is_orthogonal:
        out.append(SymmetricPointHessian(t))
    return out


# -- derive ---------------------------------------------------------------------------------------------
@derive.register
def _derive_continuous_equivariance(t: ContinuousEquivariance, *, flow_time: float = FLOW_TIME) -> list:
    out = []
    if t.loss is not None:
        out += [InfinitesimalGradient(t), InfinitesimalHessian(t)]
    if t.output is not None:
        out += [OutputGradient(t), OutputHessian(t), OutputRateGradient(t), OutputRateHessian(t)]
    if t.has_flow:
        ts = t.at(flow_time)
        if ts.loss is not None:
            out += [FlowGradient(ts), FlowHessian(ts)]
        if ts.output is not None:
            out += [FiniteOutputGradient(ts), FiniteOutputHessian(ts)]
    if t.loss is not None and t.exact_curve:
        out.append(LossInvariance(t))
    return out


@derive.register
def _derive_discrete_equivariance(t: DiscreteEquivariance) -> list:
    out = []
    if t.has_loss_level:
        out += [CoupledGradient(t), CoupledHessian(t)] if t.is_data_coupled else [FiniteGradient(t), FiniteHessian(t)]
    if t.output is not None:
        out += [FiniteOutputGradient(t), FiniteOutputHessian(t)]
    if t.has_loss_level:
        out.append(LossInvariance(t))
    return out


# -- evaluate ----------------------------------------------------------------------------------------------
def _norm(x) -> float:
    return float(np.linalg.norm(np.ravel(x)))


def _output_probes(backend, shape):
    """Seeded Gaussian output weights w, shape (OUTPUT_PROBES, N, o)."""
    rng = np.random.default_rng(backend.seed + 2)
    return rng.standard_normal((OUTPUT_PROBES,) + tuple(shape))


def _loss_terms(model, F):
    """(∇ℓ(f_i, y_i), the per-sample loss) for outputs F (N, o)."""
    return model.output_loss.grad(F, model.targets), model.output_loss


@evaluate.register(OutputGradient, Backend)
def _eval_output_gradient(c, model, theta, backend):
    t = c.transformation
    t.check_model(model)
    F = model.output(theta)
    rho = t.output_rate(F)
    est = backend.output_curve_derivative(model, theta, t)
    # Cauchy–Schwarz scale ‖Df‖_F ‖J‖ (‖Dfᵀw‖ estimates ‖Df‖_F for Gaussian w), as ‖g‖‖J‖ for (I1):
    # for a symmetry both sides vanish and their own norms are round-off, not a scale
    gain = backend.output_vjp(model, theta, _output_probes(backend, F.shape)[0])
    scale = _norm(est.value) + _norm(rho) + _norm(gain.value) * _norm(t.generator(theta))
    return _norm(est.value - rho), scale, est.error, est.nonsmooth or gain.nonsmooth


@evaluate.register(OutputHessian, Backend)
def _eval_output_hessian(c, model, theta, backend):
    t = c.transformation
    t.check_model(model)
    F = model.output(theta)
    J = t.generator(theta)
    res2, scale, error, nonsmooth = 0.0, 0.0, 0.0, False
    for w in _output_probes(backend, F.shape):
        hj = backend.output_hvp(model, theta, w, J[:, None])
        vjp = backend.output_vjp(model, theta, w)
        djt = t.jacobian_transpose_apply(theta, vjp.value)
        rhs = backend.output_vjp(model, theta, t.output_rate_transpose_jacobian(F, w))
        res2 += _norm(hj.value[:, 0] + djt - rhs.value) ** 2
        scale += _norm(hj.value) + _norm(djt) + _norm(rhs.value)
        error += hj.error + vjp.error + rhs.error
        nonsmooth |= hj.nonsmooth
    return float(np.sqrt(res2)), scale, error, nonsmooth


@evaluate.register(OutputRateGradient, Backend)
def _eval_output_rate_gradient(c, model, theta, backend):
    t = c.transformation
    t.check_model(model)
    F = model.output(theta)
    dl, _ = _loss_terms(model, F)
    rhs = float(np.mean(np.sum(dl * t.output_rate(F), axis=1)))
    est = backend.curve_derivative(model, theta, t)
    scale = backend.gradient_norm(model, theta) * _norm(t.generator(theta)) + abs(rhs)
    return abs(est.value - rhs), scale, est.error, est.nonsmooth


@evaluate.register(OutputRateHessian, Backend)
def _eval_output_rate_hessian(c, model, theta, backend):
    t = c.transformation
    t.check_model(model)
    lhs, _, scale, error, nonsmooth = generator_hessian_terms(t, model, theta, backend)
    F = model.output(theta)
    dl, ell = _loss_terms(model, F)
    rho = t.output_rate(F)
    wbar = (ell.hess_apply(F, model.targets, rho) + t.output_rate_transpose_jacobian(F, dl)) / F.shape[0]
    rhs = backend.output_vjp(model, theta, wbar)
    return _norm(lhs - rhs.value), scale + _norm(rhs.value), error + rhs.error, nonsmooth


@evaluate.register(FiniteOutputGradient, Backend)
def _eval_finite_output_gradient(c, model, theta, backend):
    t = c.transformation
    t.check_model(model)
    V = backend.probe_matrix(model.space.size)
    a = backend.output_jvp(t.forward_model(model), t.act(theta), t.linear_apply(V))
    b = backend.output_jvp(model, theta, V)
    rb = t.output.linear_apply(b.value)
    r_norm = float(np.linalg.norm(t.output.linear_apply(np.eye(rb.shape[-1])), 2))   # ‖R‖ propagates b's error
    return _norm(a.value - rb), _norm(a.value) + _norm(rb), a.error + r_norm * b.error, a.nonsmooth or b.nonsmooth


@evaluate.register(FiniteOutputHessian, Backend)
def _eval_finite_output_hessian(c, model, theta, backend):
    t = c.transformation
    t.check_model(model)
    left, mtheta = t.forward_model(model), t.act(theta)
    V = backend.probe_matrix(model.space.size)
    MV = t.linear_apply(V)
    res2, scale, error, nonsmooth = 0.0, 0.0, 0.0, False
    for w in _output_probes(backend, model.output(theta).shape):
        h_m = backend.output_hvp(left, mtheta, w, MV)
        a = t.linear_apply_transpose(h_m.value)
        b = backend.output_hvp(model, theta, t.output.linear_transpose_apply(w), V)
        res2 += _norm(a - b.value) ** 2
        scale += _norm(a) + _norm(b.value)
        error += h_m.error + b.error
        nonsmooth |= h_m.nonsmooth or b.nonsmooth
    return float(np.sqrt(res2)), scale, error, nonsmooth


def _require_fixed_point(t, theta):
    moved = t.act(theta)
    if _norm(moved - theta) > 1e-12 * _norm(theta):
        raise InvalidValueError(f"theta: not a fixed point of {t.name!r} (|M theta - theta| = {_norm(moved - theta):.3g}); "
                                "fixed-point identities need theta = M theta")


@evaluate.register(FixedPointGradient, Backend)
def _eval_fixed_point_gradient(c, model, theta, backend):
    _require_fixed_point(c.transformation, theta)
    return _eval_fin_gradient(c, model, theta, backend)


@evaluate.register(SymmetricPointHessian, Backend)
def _eval_symmetric_point_hessian(c, model, theta, backend):
    _require_fixed_point(c.transformation, theta)
    return _eval_fin_hessian(c, model, theta, backend)
