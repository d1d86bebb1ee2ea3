"""Gradient descent with recorded trajectories of conserved quantities.

:func:`gradient_descent` runs full-batch GD with optional weight decay (PyTorch convention,
MATH.md §A: θ⁺ = θ − η(g + λθ)) and records, for each tracked quantity, its value at every
iterate and the per-step increment predicted exactly by (T1)/(T2) (MATH.md B8). Other update
rules (SGD, heavy ball, Adam, ...) and their equivariance live in :mod:`eqalg.optimizers` and
are re-exported here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from .errors import InvalidValueError, SpaceMismatchError, check_positive
from .models.base import Model, require_derivatives

__all__ = ["gradient_descent", "Trajectory", "QuantityTrace", "TrainingDivergedError",
           "Optimizer", "SGD", "HeavyBall", "Adam", "RMSProp", "SignGD", "run_optimizer",
           "optimizer_commutes", "commutation_residual"]


class TrainingDivergedError(InvalidValueError):
    """The loss or the parameters became non-finite during training (step size too large)."""


@dataclass(frozen=True)
class QuantityTrace:
    """Values of a quantity along a trajectory and the exactly predicted per-step increments.

    Attributes
    ----------
    name : str
    values : ndarray, shape (steps + 1,)
        Q(θ_k), k = 0..steps.
    predicted_increments : ndarray, shape (steps,)
        Predicted Q(θ_{k+1}) − Q(θ_k) from (T1)/(T2).
    magnitudes : ndarray, shape (steps + 1,), optional
        Size of the terms of Q at each iterate (e.g. ½|θ|ᵀ|S||θ|), the scale of floating-point
        round-off in the measured values; |Q| when omitted.

    Notes
    -----
    A law is judged by ``passed``: |measured − predicted| ≤ rtol · drift_scale + roundoff_bound
    with rtol = 1e-10. The round-off bound is 8 ε Σ_k magnitude_k: each step's update and the
    two evaluations of Q it separates are exact up to a few ε times the size of Q's terms, so a
    law that holds exactly cannot be failed by round-off even when the drift itself is tiny
    (small step sizes make the η² drift vanish faster than the round-off).
    """

    name: str
    values: np.ndarray
    predicted_increments: np.ndarray
    magnitudes: np.ndarray = None

    #: Relative tolerance of a drift law (on top of the round-off bound).
    rtol: ClassVar[float] = 1e-10

    @property
    def roundoff_bound(self) -> float:
        """8 ε Σ_k magnitude_k: the largest |measured − predicted| floating-point round-off can cause."""
        mags = np.abs(self.values) if self.magnitudes is None else self.magnitudes
        return 8.0 * float(np.finfo(float).eps) * float(np.sum(mags))

    @property
    def tolerance(self) -> float:
        """rtol · drift_scale + roundoff_bound."""
        return self.rtol * self.drift_scale + self.roundoff_bound

    @property
    def passed(self) -> bool:
        """True when the measured drift matches the predicted drift within :attr:`tolerance`."""
        return abs(self.measured_drift - self.predicted_drift) <= self.tolerance

    @property
    def start(self) -> float:
        """Q(θ_0)."""
        return float(self.values[0])

    @property
    def end(self) -> float:
        """Q(θ_steps)."""
        return float(self.values[-1])

    @property
    def measured_drift(self) -> float:
        """Q(θ_steps) − Q(θ_0)."""
        return self.end - self.start

    @property
    def predicted_drift(self) -> float:
        """Sum of the predicted per-step increments."""
        return float(np.sum(self.predicted_increments))

    @property
    def drift_scale(self) -> float:
        """Σ_k |predicted increment_k|: the size of the drift, against which errors are measured."""
        return float(np.sum(np.abs(self.predicted_increments)))

    @property
    def relative_error(self) -> float:
        """|measured − predicted| / drift_scale (0 when both vanish)."""
        err = abs(self.measured_drift - self.predicted_drift)
        scale = self.drift_scale
        return err / scale if scale > 0 else (0.0 if err == 0 else float("inf"))

    @property
    def max_step_error(self) -> float:
        """max_k |observed − predicted increment at step k|."""
        if self.predicted_increments.size == 0:
            return 0.0
        return float(np.max(np.abs(np.diff(self.values) - self.predicted_increments)))

    def to_dict(self) -> dict:
        """JSON-ready summary (the ``conservation`` entries of the report schema)."""
        return {"quantity": self.name, "start": self.start, "end": self.end,
                "measured_drift": self.measured_drift, "predicted_drift": self.predicted_drift,
                "relative_error": self.relative_error, "max_step_error": self.max_step_error,
                "tolerance": self.tolerance, "roundoff_bound": self.roundoff_bound, "passed": self.passed}


@dataclass(frozen=True)
class Trajectory:
    """Result of :func:`gradient_descent`.

    Attributes
    ----------
    theta : ndarray (D,)
        Final iterate.
    losses : ndarray (steps + 1,)
        L(θ_k) (without the weight-decay term).
    quantities : dict of str -> QuantityTrace
    lr, weight_decay : float
    steps : int
    """

    theta: np.ndarray
    losses: np.ndarray
    quantities: dict = field(default_factory=dict)
    lr: float = 0.0
    weight_decay: float = 0.0
    steps: int = 0


def gradient_descent(model: Model, theta0, lr: float, steps: int, *, weight_decay: float = 0.0,
                     quantities=()) -> Trajectory:
    """Full-batch gradient descent θ_{k+1} = θ_k − lr (∇L(θ_k) + weight_decay θ_k).

    Parameters
    ----------
    model : Model
        Must provide ``loss_and_gradient``.
    theta0 : array_like (D,)
    lr : float
        Step size η > 0.
    steps : int
        Number of steps (> 0).
    weight_decay : float
        λ ≥ 0.
    quantities : iterable
        Objects with ``name``, ``value(θ)`` and ``step_increment(θ, g, lr, weight_decay)``
        (e.g. :class:`~eqalg.predictions.QuadraticQuantity`), tracked at every step.

    Returns
    -------
    Trajectory

    Raises
    ------
    InvalidValueError
        Non-positive ``lr`` or ``steps``, negative ``weight_decay``.
    MissingMethodError
        The model has no gradient (e.g. a :class:`~eqalg.CallableModel` with a loss only).
    TrainingDivergedError
        The loss or θ became non-finite (reports the step).
    """
    require_derivatives(model, "gradient_descent")
    check_positive(lr, "lr")
    check_positive(steps, "steps", integer=True)
    check_positive(weight_decay, "weight_decay", allow_zero=True)
    theta = model.validate_theta(theta0, "theta0").copy()
    quantities = _check_quantities(quantities, model)
    if steps > MAX_RECORDED_STEPS:
        raise InvalidValueError(f"steps: at most {MAX_RECORDED_STEPS} steps are recorded, got {steps}")
    with np.errstate(over="ignore", invalid="ignore"):  # divergence is detected and reported below
        return _run_gd(model, theta, lr, steps, weight_decay, quantities)


#: Largest number of steps :func:`gradient_descent` records (losses and quantities per step).
MAX_RECORDED_STEPS = 10 ** 8


def _check_quantities(quantities, model):
    out = list(quantities)
    for k, q in enumerate(out):
        for attr in ("name", "value", "step_increment"):
            if not hasattr(q, attr):
                raise InvalidValueError(f"quantities[{k}]: expected an object with name, value(θ) and "
                                        f"step_increment(θ, g, lr, weight_decay); got {type(q).__name__}")
        space = getattr(q, "space", None)
        if space is not None and space != model.space:
            raise SpaceMismatchError(f"quantities[{k}] ({q.name}): defined on {space.describe()}, "
                                     f"the model on {model.space.describe()}")
    return out


def _magnitude(q, theta, value):
    fn = getattr(q, "magnitude", None)
    return fn(theta) if fn is not None else abs(value)


class _Recorder:
    """Values, magnitudes and (T1)/(T2)-predicted increments of tracked quantities along a run."""

    def __init__(self, quantities, steps):
        from .predictions.conservation import QuantityBatch     # (predictions imports this module)
        self.quantities = quantities
        self.values = np.empty((len(quantities), steps + 1))
        self.magnitudes = np.empty((len(quantities), steps + 1))
        self.increments = np.empty((len(quantities), steps))
        self.batch = QuantityBatch(quantities)             # quadratic and linear charges, vectorized
        handled = set(self.batch.indices.tolist())
        self.rest = [i for i in range(len(quantities)) if i not in handled]

    def step(self, k, theta, g, lr, weight_decay):
        """Record Q(θ_k) and the predicted increment of the step θ_k → θ_k − lr (g + weight_decay θ_k)."""
        if self.batch.indices.size:
            idx = self.batch.indices
            self.values[idx, k], self.magnitudes[idx, k], self.increments[idx, k] = \
                self.batch.record(theta, g, lr, weight_decay)
        for i in self.rest:
            q = self.quantities[i]
            self.values[i, k] = q.value(theta)
            self.magnitudes[i, k] = _magnitude(q, theta, self.values[i, k])
            self.increments[i, k] = q.step_increment(theta, g, lr, weight_decay)

    def traces(self, theta, k) -> dict:
        """Record Q at the last iterate θ_k and return {name: QuantityTrace}."""
        if self.batch.indices.size:
            self.values[self.batch.indices, k], self.magnitudes[self.batch.indices, k] = self.batch.values(theta)
        for i in self.rest:
            q = self.quantities[i]
            self.values[i, k] = q.value(theta)
            self.magnitudes[i, k] = _magnitude(q, theta, self.values[i, k])
        return {q.name: QuantityTrace(q.name, self.values[i], self.increments[i], self.magnitudes[i])
                for i, q in enumerate(self.quantities)}


def _run_gd(model, theta, lr, steps, weight_decay, quantities):
    losses = np.empty(steps + 1)
    recorder = _Recorder(quantities, steps)
    for k in range(steps):
        loss, g = model.loss_and_gradient(theta)
        if not (np.isfinite(loss) and np.all(np.isfinite(g))):
            raise TrainingDivergedError(f"training diverged at step {k} (loss = {loss}); lower lr (now {lr})")
        losses[k] = loss
        recorder.step(k, theta, g, lr, weight_decay)
        theta = theta - lr * (g + weight_decay * theta) if weight_decay else theta - lr * g
    losses[steps] = model.loss(theta)
    if not (np.isfinite(losses[steps]) and np.all(np.isfinite(theta))):
        raise TrainingDivergedError(f"training diverged at step {steps} (loss = {losses[steps]}); lower lr (now {lr})")
    return Trajectory(theta, losses, recorder.traces(theta, steps), float(lr), float(weight_decay), int(steps))


# The update rules are re-exported: they were defined here first and scripts import them from here.
from .optimizers import (SGD, Adam, HeavyBall, Optimizer, RMSProp, SignGD, commutation_residual,  # noqa: E402
                         optimizer_commutes, run_optimizer)
