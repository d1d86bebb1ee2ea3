"""The finite-difference backend: matrix-free central differences with Richardson extrapolation.

* First-order quantities come from losses only: d/ds L(c(s)) at s = 0 along a curve c (the
  one-parameter subgroup T_s θ itself when it is known exactly, else the line θ + s v), by
  central differences at steps h, h/2, …, h/2^(levels−1) combined in a Richardson tableau
  (even error expansion in h², ratio 2). Three levels use 6 loss evaluations and leave an
  O(h⁶) truncation error.
* Hessian-vector products are central differences of gradients, H v ≈ [g(θ + h v) − g(θ − h v)]/2h,
  Richardson-extrapolated over two levels (4 gradients per direction). Without a model
  gradient, g itself is a coordinatewise central difference of losses.
* Error estimate: the larger of |T_{L,L} − T_{L,L−1}| (truncation; conservative in the asymptotic
  regime) and the round-off bound ε · max|f| / h_min.
* Non-smooth points: steps are shrunk below the model's ``smooth_radius`` (distance to the
  nearest kink along the direction), and the model's ``activation_pattern`` is compared at the
  stencil ends; if no admissible step remains the estimate is flagged ``nonsmooth``.

Reference: Richardson extrapolation of central differences, e.g. Fornberg (1988); the
two-level form is the classical h⁴-accurate 4-point stencil.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import InvalidValueError
from .base import Backend, Estimate

__all__ = ["FiniteDifference", "richardson_central"]

_EPS = np.finfo(np.float64).eps


def richardson_central(f, h: float, levels: int, max_levels: int | None = None, rtol: float = 0.0, *,
                       full: bool = False):
    """Richardson-extrapolated central difference of f at 0, refined adaptively.

    Parameters
    ----------
    f : callable float -> float or ndarray
        The function to differentiate (evaluated at ±h/2^i).
    h : float
        Largest step (> 0).
    levels : int
        Step halvings always used (≥ 1); 2 evaluations of f each.
    max_levels : int, optional
        Up to this many levels are used while the error estimate is above ``rtol`` times the
        value's norm and still decreasing (default: ``levels``, no refinement).
    rtol : float
        Relative error target of the refinement.
    full : bool
        Also return the round-off bound of the chosen level (a third element).

    Returns
    -------
    value : float or ndarray
        Estimate of f'(0) (truncation error O(h^(2L)) after L levels): the level with the
        smallest error estimate. When a tableau ends above ``rtol`` with an error that is not
        round-off (f still varies on a finer scale than the steps), up to :data:`RESTARTS`
        fresh tableaux start below its smallest step, and the best estimate of all is kept.
    error : float
        Its absolute error estimate (norm): the larger of |T_{L,L} − T_{L,L−1}| (truncation) and
        the round-off bound 4ε · max|f| / h_L.
    roundoff : float
        With ``full``: that round-off bound alone.
    """
    max_levels = max(levels, max_levels or levels)
    best = _richardson_pass(f, h, levels, max_levels, rtol)
    for _ in range(RESTARTS):
        value, err, roundoff, used = best
        if err <= rtol * float(np.linalg.norm(np.ravel(value))) or err <= 10.0 * roundoff:
            break
        # still truncation-dominated: the largest steps were outside the asymptotic regime (f varies
        # on a finer scale, e.g. a saturated sigmoid at large weights) and their extrapolation error
        # estimate cannot be trusted; start a new tableau below the smallest step used
        h = h / 2.0 ** used
        again = _richardson_pass(f, h, levels, max_levels, rtol)
        if again[1] < err:
            best = again
    return best[:3] if full else best[:2]


#: Fresh Richardson tableaux started at smaller steps when one ends truncation-dominated above its
#: target (see :func:`richardson_central`); each costs up to 2·max_levels evaluations.
RESTARTS = 3


def _richardson_pass(f, h, levels, max_levels, rtol):
    """One tableau from step h: (value, error, roundoff, levels used), the level with the smallest error."""
    table, best, mag = [], None, 0.0
    size = None
    for i in range(max_levels):
        hi = h / 2.0 ** i
        fp, fm = np.asarray(f(hi), dtype=float), np.asarray(f(-hi), dtype=float)
        mag = max(mag, float(np.max(np.abs(fp), initial=0.0)), float(np.max(np.abs(fm), initial=0.0)))
        row = [(fp - fm) / (2.0 * hi)]
        for j in range(1, i + 1):
            row.append(row[j - 1] + (row[j - 1] - table[i - 1][j - 1]) / (4.0 ** j - 1.0))
        table.append(row)
        if i + 1 < levels:
            continue
        value = row[-1]
        size = size or np.sqrt(max(np.size(value), 1))
        # the same row one order lower: the usual (and still conservative) Richardson error estimate
        trunc = float(np.linalg.norm(np.ravel(value - row[-2]))) if i >= 1 else 0.0
        roundoff = 4.0 * _EPS * mag * size / hi
        err = max(trunc, roundoff)
        if best is not None and err >= best[1]:
            break                      # no longer improving (round-off dominates smaller steps, or not asymptotic)
        best = (value, err, roundoff, i + 1)
        if err <= rtol * float(np.linalg.norm(np.ravel(value))):
            break
    return best


@dataclass(frozen=True)
class FiniteDifference(Backend):
    """Matrix-free finite differences with Richardson extrapolation and error estimates.

    Parameters
    ----------
    step : float
        Largest first-derivative step, as the largest coordinate change relative to
        max(1, ‖θ‖_∞) (default 1e-3).
    levels : int
        Richardson levels for first derivatives of the loss (default 3: 6 evaluations).
    hvp_step : float
        Largest step for Hessian-vector products (same convention, default 1e-3).
    hvp_levels : int
        Richardson levels for HVPs (default 2: 4 gradients per direction).
    rtol : float
        Relative tolerance (default 1e-6).
    safety : float
        Multiplier of the error estimate in the tolerance (default 10).
    probes : int
        Random probe directions for vector and matrix identities (default 4).
    seed : int
    max_levels, hvp_max_levels : int
        Richardson levels are added (smaller steps) while the error estimate is above ``target``
        times the value's norm and still decreasing, up to these numbers (defaults 5 and 4).
    target : float
        Relative error target of that refinement (default 1e-9).
    model_gradient : bool
        Use the model's own gradient (and output VJP) where one is needed — for HVPs as central
        differences of gradients (default). With False every derivative comes from differences
        of losses (or outputs) only: slower, but independent of the model's backpropagation code.

    Raises
    ------
    InvalidValueError
        Non-positive steps or levels.
    """

    step: float = 1e-3
    levels: int = 3
    hvp_step: float = 1e-3
    hvp_levels: int = 2
    rtol: float = 1e-6
    probes: int = 4
    model_gradient: bool = True
    max_levels: int = 5
    hvp_max_levels: int = 4
    target: float = 1e-9
    name: str = field(default="finite-difference", init=False)

    def __post_init__(self):
        super().__post_init__()
        for nm in ("step", "hvp_step"):
            v = getattr(self, nm)
            if not (np.isfinite(v) and v > 0):
                raise InvalidValueError(f"{nm}: expected a positive number, got {v!r}")
        if not isinstance(self.model_gradient, (bool, np.bool_)):
            raise InvalidValueError(f"model_gradient: expected True or False, got {self.model_gradient!r}")
        for nm in ("levels", "hvp_levels", "max_levels", "hvp_max_levels"):
            v = getattr(self, nm)
            if not (isinstance(v, (int, np.integer)) and v >= 1):
                raise InvalidValueError(f"{nm}: expected a positive integer, got {v!r}")

    # -- step selection -----------------------------------------------------------------------------
    @staticmethod
    def _base_step(theta, v, rel):
        vmax = float(np.max(np.abs(v), initial=0.0))
        return rel * max(1.0, float(np.max(np.abs(theta), initial=0.0))) / vmax

    def _admissible_step(self, model, theta, v, h, curve=None):
        """Shrink h below the smooth radius along v; check activation patterns at the stencil ends."""
        r = model.smooth_radius(theta, v)
        if r <= 1e-6 * h:
            return h, True
        h = min(h, 0.5 * r)
        pattern = model.activation_pattern(theta)
        if pattern is None:
            return h, False
        point = curve if curve is not None else (lambda s: theta + s * v)
        for _ in range(40):
            if all(np.array_equal(model.activation_pattern(point(s)), pattern) for s in (h, -h)):
                return h, False
            h *= 0.5
        return h, True

    def _along(self, model, theta, v, fn, curve=None, *, hessian: bool = False):
        """d/ds fn(c(s)) at s = 0 along c (the line θ + s v unless ``curve`` is given).

        Returns (value, error, nonsmooth, h, roundoff): Richardson over ``levels``
        (``hvp_levels`` when ``hessian``), refined up to ``max_levels`` (``hvp_max_levels``), from
        the largest admissible step h (shrunk below the smooth radius along v); ``roundoff`` is
        the round-off part of the error (see :class:`~eqalg.backends.base.Estimate`).
        """
        h = self._base_step(theta, v, self.hvp_step if hessian else self.step)
        h, nonsmooth = self._admissible_step(model, theta, v, h, curve)
        if nonsmooth:
            return None, float("inf"), True, h, 0.0
        point = curve if curve is not None else (lambda s: theta + s * v)
        levels, top = (self.hvp_levels, self.hvp_max_levels) if hessian else (self.levels, self.max_levels)
        value, err, roundoff = richardson_central(lambda s: fn(point(s)), h, levels, top, self.target, full=True)
        return value, err, False, h, roundoff

    def _curve_estimate(self, model, theta, transformation, fn, shape):
        J = transformation.generator(theta)
        if not np.any(J):
            return Estimate(np.zeros(shape) if shape else 0.0, 0.0, False, 0.0)

        def curve(s):
            return transformation.curve(theta, s)

        value, err, nonsmooth, h, roundoff = self._along(model, theta, J, fn, curve)
        step = h * float(np.linalg.norm(J))
        if nonsmooth:
            return Estimate(np.full(shape, np.nan) if shape else float("nan"), float("inf"), True, step)
        return Estimate(value if shape else float(value), err, False, step, roundoff)

    def _columns(self, model, theta, V, field, shape):
        """d/ds field(θ + s v) for each column v of V; ``field`` returns an Estimate whose error is
        propagated (divided by the step). Returns stacked values of shape (k,) + shape."""
        V = np.asarray(V, dtype=float)
        out = np.zeros((V.shape[1],) + tuple(shape))
        errs, bad, hmax = [], False, 0.0
        for k in range(V.shape[1]):
            v = V[:, k]
            if not np.any(v):
                continue
            inner, kinked = [], []

            def fn(point):
                est = field(point)
                inner.append(est.error)
                kinked.append(est.nonsmooth)
                return est.value

            val, err, nonsmooth, h, _ = self._along(model, theta, v, fn, hessian=True)
            if nonsmooth or any(kinked):
                out[k] = np.nan
                bad = True
                errs.append(np.inf)
                continue
            out[k] = val
            errs.append(err + (max(inner) / h if inner else 0.0))
            hmax = max(hmax, h * float(np.linalg.norm(v)))
        return out, float(np.linalg.norm(errs)) if errs else 0.0, bad, hmax

    # -- primitives -----------------------------------------------------------------------------------
    def curve_derivative(self, model, theta, transformation) -> Estimate:
        """d/ds L(T_s θ)|₀ from losses along the transformation's curve (exact flow when known)."""
        return self._curve_estimate(model, theta, transformation, model.loss, ())

    def _directional(self, model, theta, u):
        value, err, nonsmooth, _, roundoff = self._along(model, theta, u, model.loss)
        if nonsmooth:
            return float("nan"), float("inf"), True, 0.0
        return float(value), err, False, roundoff

    def gradient_projections(self, model, theta, U) -> Estimate:
        """Uᵀ g from directional derivatives of the loss along each column of U (2·levels losses each)."""
        U = np.asarray(U, dtype=float)
        vals, errs, rounds, bad = [], [], [], False
        for k in range(U.shape[1]):
            if not np.any(U[:, k]):
                vals.append(0.0)
                errs.append(0.0)
                continue
            v, e, ns, r = self._directional(model, theta, U[:, k])
            vals.append(v)
            errs.append(e)
            rounds.append(r)
            bad |= ns
        return Estimate(np.array(vals), float(np.linalg.norm(errs)), bad,
                        roundoff=float(np.linalg.norm(rounds)) if rounds else 0.0)

    def gradient(self, model, theta) -> Estimate:
        """The model's gradient when it has one; else coordinatewise central differences of losses."""
        if model.has_gradient and self.model_gradient:
            est = self.gradient_with_roundoff(model, theta)
            if model.at_kink(theta):     # the model's gradient there is one one-sided choice
                return Estimate(est.value, est.error, True)
            return est
        eye = np.eye(model.space.size)
        return self.gradient_projections(model, theta, eye)

    def gradient_norm(self, model, theta) -> float:
        """‖g‖ (the model's gradient, or the RMS of directional derivatives along Gaussian probes)."""
        if model.has_gradient and self.model_gradient:
            return float(np.linalg.norm(model.gradient(theta)))
        est = self.gradient_projections(model, theta, self.probe_matrix(model.space.size))
        return float(np.sqrt(np.mean(np.square(est.value))))

    def hvp(self, model, theta, V) -> Estimate:
        """H V by Richardson-extrapolated central differences of gradients, column by column."""
        out, err, bad, hmax = self._columns(model, theta, V, lambda p: self.gradient(model, p), (model.space.size,))
        return Estimate(out.T, err, bad, hmax)

    # -- model-level primitives (outputs f(θ, x_i)) ---------------------------------------------------
    def output_curve_derivative(self, model, theta, transformation) -> Estimate:
        """d/ds f(T_s θ, x_i)|₀ from outputs along the transformation's curve (no derivative code), (N, o)."""
        return self._curve_estimate(model, theta, transformation, model.output, model.output(theta).shape)

    def output_jvp(self, model, theta, V) -> Estimate:
        """Df(θ) V from outputs along the lines θ + s v (2·levels outputs per column), shape (k, N, o)."""
        V = np.asarray(V, dtype=float)
        shape = model.output(theta).shape
        out = np.zeros((V.shape[1],) + shape)
        errs, bad = [], False
        for k in range(V.shape[1]):
            if not np.any(V[:, k]):
                continue
            val, err, nonsmooth, _, _ = self._along(model, theta, V[:, k], model.output)
            out[k] = np.nan if nonsmooth else val
            errs.append(err)
            bad |= nonsmooth
        return Estimate(out, float(np.linalg.norm(errs)) if errs else 0.0, bad)

    def output_vjp(self, model, theta, W) -> Estimate:
        """Df(θ)ᵀ W: the model's VJP when it has one, else directional differences of Σ W·f per coordinate."""
        if model.has_output_derivatives and self.model_gradient:
            return Estimate(model.output_vjp(theta, W))
        W = np.asarray(W, dtype=float)
        weighted = _Weighted(model, W)
        return self.gradient_projections(weighted, theta, np.eye(model.space.size))

    def output_hvp(self, model, theta, W, V) -> Estimate:
        """∇²(Σ W·f) V by Richardson central differences of :meth:`output_vjp`, column by column, (D, k)."""
        out, err, bad, hmax = self._columns(model, theta, V, lambda p: self.output_vjp(model, p, W),
                                            (model.space.size,))
        return Estimate(out.T, err, bad, hmax)


class _Weighted:
    """θ ↦ Σ_iq W_iq f_q(θ, x_i) presented as a loss (for differences of weighted outputs)."""

    def __init__(self, model, W):
        self.model, self.W = model, W
        self.space = model.space

    def loss(self, theta):
        return float(np.sum(self.W * self.model.output(theta)))

    def smooth_radius(self, theta, v):
        return self.model.smooth_radius(theta, v)

    def activation_pattern(self, theta):
        return self.model.activation_pattern(theta)
