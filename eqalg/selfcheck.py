"""Consistency of a model's own derivatives with differences of its loss (G1, G2).

The identities of :mod:`eqalg.constraints` are consequences of a symmetry; a model whose gradient
is wrong *in a way that respects the symmetry* (twice the true gradient, say) satisfies all of
them. These checks compare the model's derivative code with finite differences directly:

* (G1) Uᵀ g(θ) (the model's gradient) = d/ds L(θ + s u) for probe directions u (losses only);
* (G2) H(θ) U (the model's HVP) = [g(θ + h u) − g(θ − h u)] / 2h (Richardson-extrapolated).

G1 ties the gradient to the loss, G2 the HVP to the gradient; together they tie both to the
loss. They use the finite-difference backend's machinery (step selection below the nearest kink,
Richardson error estimates) and its tolerances.
"""

from __future__ import annotations

import time

import numpy as np

from .backends.finite_difference import FiniteDifference
from .constraints import CheckResult, judge
from .models.base import CountingModel, Model

__all__ = ["derivative_checks"]


def _row(label, equation, order, residual, scale, error, nonsmooth, counts, seconds, fd, roundoff=0.0):
    if nonsmooth or not np.isfinite(residual):
        passed, status, tol, reason = None, "non-smooth", float("nan"), None
    else:
        tol = float(fd.tolerance(scale, error))
        passed, status, reason = judge(residual, scale, error, tol, fd.safety, roundoff=roundoff)
    return CheckResult(transformation="(model derivatives)", kind="derivatives", constraint=f"{label}: {equation}",
                       label=label, order=order, backend=fd.name,
                       residual=float(residual), scale=float(scale), tolerance=tol, fd_error=float(error),
                       passed=passed, status=status, evaluations=dict(counts), seconds=seconds, error=float(error),
                       reason=reason)


def derivative_checks(model: Model, theta, fd: FiniteDifference | None = None) -> list:
    """(G1) the model's gradient against loss differences, (G2) its HVP against gradient differences.

    Parameters
    ----------
    model : Model
        Checks are made only for what the model provides (``has_gradient``, ``has_hvp``).
    theta : array_like (D,)
    fd : FiniteDifference, optional
        The finite-difference backend (probes, steps, tolerances); default ``FiniteDifference()``.

    Returns
    -------
    list of CheckResult
        ``transformation = "(model derivatives)"``, ``kind = "derivatives"``, ``backend =
        "finite-difference"`` (the backend that judges the model's analytic derivatives); empty
        when the model has no analytic derivatives.

    Raises
    ------
    ShapeError, NonFiniteError
        ``theta`` is not a finite vector of length D.
    """
    fd = fd or FiniteDifference()
    theta = model.validate_theta(theta)
    U = fd.probe_matrix(model.space.size)
    out = []
    if model.has_gradient:
        counting = CountingModel(model)
        start = time.perf_counter()
        g = fd.gradient_with_roundoff(counting, theta)
        analytic = U.T @ g.value
        est = fd.gradient_projections(counting, theta, U)
        residual = float(np.linalg.norm(analytic - est.value))
        scale = float(np.linalg.norm(analytic) + np.linalg.norm(est.value))
        error = est.error + g.error * float(np.linalg.norm(U, 2))
        out.append(_row("G1", "U^T g = d/ds L(theta + s u)", 1, residual, scale, error, est.nonsmooth,
                        counting.counts, time.perf_counter() - start, fd, roundoff=est.roundoff))
    if model.has_hvp and model.has_gradient:
        counting = CountingModel(model)
        start = time.perf_counter()
        analytic = np.asarray(counting.hvp(theta, U)).reshape(U.shape)
        est = fd.hvp(counting, theta, U)
        residual = float(np.linalg.norm(analytic - est.value))
        scale = float(np.linalg.norm(analytic) + np.linalg.norm(est.value))
        out.append(_row("G2", "H U = differences of g", 2, residual, scale, est.error, est.nonsmooth,
                        counting.counts, time.perf_counter() - start, fd))
    return out
