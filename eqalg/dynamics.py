"""Optimizers with recorded trajectories of conserved quantities.

:func:`gradient_descent` runs full-batch GD with optional weight decay (PyTorch convention,
MATH.md §A: θ⁺ = θ − η(g + λθ)) and records, for each tracked quantity, its value at every
iterate and the per-step increment predicted exactly by (T1)/(T2) (MATH.md B8).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .errors import InvalidValueError, check_positive
from .models.base import Model

__all__ = ["gradient_descent", "Trajectory", "QuantityTrace", "TrainingDivergedError"]


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
    """

    name: str
    values: np.ndarray
    predicted_increments: np.ndarray

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
                "relative_error": self.relative_error, "max_step_error": self.max_step_error}


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
    TrainingDivergedError
        The loss or θ became non-finite (reports the step).
    """
    check_positive(lr, "lr")
    check_positive(steps, "steps", integer=True)
    check_positive(weight_decay, "weight_decay", allow_zero=True)
    theta = model.validate_theta(theta0, "theta0").copy()
    quantities = list(quantities)
    with np.errstate(over="ignore", invalid="ignore"):  # divergence is detected and reported below
        return _run_gd(model, theta, lr, steps, weight_decay, quantities)


def _run_gd(model, theta, lr, steps, weight_decay, quantities):
    values = np.empty((len(quantities), steps + 1))
    increments = np.empty((len(quantities), steps))
    losses = np.empty(steps + 1)
    for k in range(steps):
        loss, g = model.loss_and_gradient(theta)
        if not (np.isfinite(loss) and np.all(np.isfinite(g))):
            raise TrainingDivergedError(f"training diverged at step {k} (loss = {loss}); lower lr (now {lr})")
        losses[k] = loss
        for i, q in enumerate(quantities):
            values[i, k] = q.value(theta)
            increments[i, k] = q.step_increment(theta, g, lr, weight_decay)
        theta = theta - lr * (g + weight_decay * theta) if weight_decay else theta - lr * g
    losses[steps] = model.loss(theta)
    if not (np.isfinite(losses[steps]) and np.all(np.isfinite(theta))):
        raise TrainingDivergedError(f"training diverged at step {steps} (loss = {losses[steps]}); lower lr (now {lr})")
    for i, q in enumerate(quantities):
        values[i, steps] = q.value(theta)
    traces = {q.name: QuantityTrace(q.name, values[i], increments[i]) for i, q in enumerate(quantities)}
    return Trajectory(theta, losses, traces, float(lr), float(weight_decay), int(steps))
