"""The finite-difference backend: matrix-free central differences with Richardson extrapolation.

* First-order quantities come from losses only: d/ds L(c(s)) at s = 0 along a curve c (the
  one-parameter subgroup T_s θ itself when it is known exactly, else the line θ + s v), by
  central differences at steps h, h/2, …, h/2^(levels−1) combined in a Richardson tableau
  (even error expansion in h², ratio 2). Three levels use 6 loss evaluations and leave an
  O(h⁶) truncation error.
* Hessian-vector products are central differences of gradients, H v ≈ [g(θ + h v) − g(θ − h v)]/2h,
  Richardson-extrapolated over two levels (4 gradients per direction). Without a model
  gradient, g itself is a coordinatewise central difference of losses.
* Error estimate: the larger of |T_{L,L} − T_{L−1,L−1}| (truncation, conservative) and the
  round-off bound ε · max|f| / h_min.
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


def richardson_central(f, h: float, levels: int):
    """Richardson-extrapolated central difference of f at 0.

    Parameters
    ----------
    f : callable float -> float or ndarray
        The function to differentiate (evaluated at ±h/2^i).
    h : float
        Largest step (> 0).
    levels : int
        Number of step halvings used (≥ 1); 2·levels evaluations of f.

    Returns
    -------
    value : float or ndarray
        Estimate of f'(0), truncation error O(h^(2·levels)).
    error : float
        Absolute error estimate (norm).
    """
    table = []
    mag = 0.0
    for i in range(levels):
        hi = h / 2.0 ** i
        fp, fm = np.asarray(f(hi), dtype=float), np.asarray(f(-hi), dtype=float)
        mag = max(mag, float(np.max(np.abs(fp), initial=0.0)), float(np.max(np.abs(fm), initial=0.0)))
        row = [(fp - fm) / (2.0 * hi)]
        for j in range(1, i + 1):
            row.append(row[j - 1] + (row[j - 1] - table[i - 1][j - 1]) / (4.0 ** j - 1.0))
        table.append(row)
    value = table[-1][-1]
    trunc = float(np.linalg.norm(np.ravel(value - table[-2][-1]))) if levels >= 2 else 0.0
    size = np.sqrt(max(np.size(value), 1))
    roundoff = 4.0 * _EPS * mag * size / (h / 2.0 ** (levels - 1))
    return value, max(trunc, roundoff)


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
    name: str = field(default="finite-difference", init=False)

    def __post_init__(self):
        super().__post_init__()
        for nm in ("step", "hvp_step"):
            v = getattr(self, nm)
            if not (np.isfinite(v) and v > 0):
                raise InvalidValueError(f"{nm}: expected a positive number, got {v!r}")
        for nm in ("levels", "hvp_levels"):
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

    # -- primitives -----------------------------------------------------------------------------------
    def curve_derivative(self, model, theta, transformation) -> Estimate:
        """d/ds L(T_s θ)|₀ from losses along the transformation's curve (exact flow when known)."""
        J = transformation.generator(theta)
        if not np.any(J):
            return Estimate(0.0, 0.0, False, 0.0)
        h = self._base_step(theta, J, self.step)

        def curve(s):
            return transformation.curve(theta, s)

        h, nonsmooth = self._admissible_step(model, theta, J, h, curve)
        if nonsmooth:
            return Estimate(float("nan"), float("inf"), True, h * float(np.linalg.norm(J)))
        value, err = richardson_central(lambda s: model.loss(curve(s)), h, self.levels)
        return Estimate(float(value), err, False, h * float(np.linalg.norm(J)))

    def _directional(self, model, theta, u):
        h = self._base_step(theta, u, self.step)
        h, nonsmooth = self._admissible_step(model, theta, u, h)
        if nonsmooth:
            return float("nan"), float("inf"), True
        value, err = richardson_central(lambda s: model.loss(theta + s * u), h, self.levels)
        return float(value), err, False

    def gradient_projections(self, model, theta, U) -> Estimate:
        """Uᵀ g from directional derivatives of the loss along each column of U (2·levels losses each)."""
        U = np.asarray(U, dtype=float)
        vals, errs, bad = [], [], False
        for k in range(U.shape[1]):
            if not np.any(U[:, k]):
                vals.append(0.0)
                errs.append(0.0)
                continue
            v, e, ns = self._directional(model, theta, U[:, k])
            vals.append(v)
            errs.append(e)
            bad |= ns
        return Estimate(np.array(vals), float(np.linalg.norm(errs)), bad)

    def gradient(self, model, theta) -> Estimate:
        """The model's gradient when it has one; else coordinatewise central differences of losses."""
        if model.has_gradient:
            return Estimate(model.gradient(theta))
        eye = np.eye(model.space.size)
        return self.gradient_projections(model, theta, eye)

    def gradient_norm(self, model, theta) -> float:
        """‖g‖ (the model's gradient, or the RMS of directional derivatives along Gaussian probes)."""
        if model.has_gradient:
            return float(np.linalg.norm(model.gradient(theta)))
        est = self.gradient_projections(model, theta, self.probe_matrix(model.space.size))
        return float(np.sqrt(np.mean(np.square(est.value))))

    def hvp(self, model, theta, V) -> Estimate:
        """H V by Richardson-extrapolated central differences of gradients, column by column."""
        V = np.asarray(V, dtype=float)
        out = np.zeros_like(V)
        errs, bad, hmax = [], False, 0.0
        for k in range(V.shape[1]):
            v = V[:, k]
            if not np.any(v):
                continue
            h = self._base_step(theta, v, self.hvp_step)
            h, nonsmooth = self._admissible_step(model, theta, v, h)
            if nonsmooth:
                out[:, k] = np.nan
                bad = True
                errs.append(np.inf)
                continue
            inner = []

            def grad_at(s):
                est = self.gradient(model, theta + s * v)
                inner.append(est.error)
                return est.value

            val, err = richardson_central(grad_at, h, self.hvp_levels)
            out[:, k] = val
            errs.append(err + (max(inner) / h if inner else 0.0))
            hmax = max(hmax, h * float(np.linalg.norm(v)))
        return Estimate(out, float(np.linalg.norm(errs)) if errs else 0.0, bad, hmax)
