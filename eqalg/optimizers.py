"""First-order update rules as small immutable values, and which of them commute with which maps.

Update rules (:class:`SGD`, :class:`HeavyBall`, :class:`Adam`, :class:`RMSProp`, :class:`SignGD`;
``step(θ, ĝ, state) -> (θ⁺, state⁺)``, PyTorch conventions with coupled L2 weight decay) run with
:func:`run_optimizer`. Which of them commute with a symmetry M of the loss — U(Mθ) = M U(θ), so
that Fix(M) is an invariant set (MATH.md (D4)) — is stated by :func:`optimizer_commutes` and
measured by :func:`commutation_residual`:

* SGD/GD and heavy ball are linear in the gradient: they commute with every **orthogonal** M
  (g(Mθ) = M^{-T} g(θ) = M g(θ) needs Mᵀ = M⁻¹);
* Adam, RMSProp and sign-GD act coordinatewise: they commute only with **signed permutations**
  (coordinatewise maps commute with signed permutations, not with general rotations);
* an affine map θ ↦ Mθ + t commutes only without weight decay; a non-orthogonal map (the
  sigmoid neuron flip, MATH.md D7) commutes with none of them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import scipy.sparse as sp

from .dynamics import MAX_RECORDED_STEPS, TrainingDivergedError, Trajectory, _check_quantities, _Recorder
from .errors import InvalidValueError, check_positive
from .models.base import Model, require_derivatives
from .transforms.base import ContinuousTransformation, DiscreteTransformation
from .transforms.discrete import SignedPermutation
from .transforms.equivariance import Equivariance
from .transforms.linear import LinearGenerator

__all__ = ["Optimizer", "SGD", "HeavyBall", "Adam", "RMSProp", "SignGD", "run_optimizer",
           "optimizer_commutes", "commutation_residual", "COMMUTE_RTOL"]

#: Default tolerance of the structural tests of :func:`optimizer_commutes`: entries within 1e-12 of
#: a signed permutation's (whose entries have magnitude 1, so the tolerance is relative to them),
#: ‖MᵀM − I‖_F ≤ 1e-12 √D, ‖A + Aᵀ‖_F ≤ 1e-12 ‖A‖_F. It absorbs the round-off of computed maps —
#: the flow of rotate[0,1] at π is a signed permutation up to 2.2e-16 — and nothing else.
COMMUTE_RTOL = 1e-12


# -- update rules ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Optimizer(ABC):
    """A first-order update rule θ⁺, state⁺ = step(θ, ĝ, state) (PyTorch conventions, MATH.md §A).

    Parameters
    ----------
    lr : float
        Step size η > 0.
    weight_decay : float
        Coupled L2 weight decay λ ≥ 0: the rule sees d = ĝ + λθ.

    Obligatory
    ----------
    step(theta, grad, state) -> (theta_new, state_new)
        ``grad`` is the (minibatch) loss gradient without the weight-decay term.

    Defaults
    --------
    init_state(theta) -> {} ; coordinatewise = False (the update is linear in the gradient).

    Raises
    ------
    InvalidValueError
        Non-positive ``lr``, negative ``weight_decay`` or out-of-range hyperparameters.
    """

    lr: float
    weight_decay: float = 0.0
    #: True when the update acts coordinate by coordinate through a nonlinearity (Adam, RMSProp, sign).
    coordinatewise: ClassVar[bool] = False

    def __post_init__(self):
        check_positive(self.lr, "lr")
        check_positive(self.weight_decay, "weight_decay", allow_zero=True)

    def init_state(self, theta) -> dict:
        """The initial optimizer state (buffers start at zero)."""
        return {}

    @abstractmethod
    def step(self, theta, grad, state) -> tuple:
        """One update: returns (θ⁺, state⁺); inputs are not modified."""

    def _direction(self, theta, grad):
        return grad + self.weight_decay * theta if self.weight_decay else grad


def _check_unit(value, name):
    if not (isinstance(value, (int, float)) and 0.0 <= value < 1.0):
        raise InvalidValueError(f"{name}: expected a number in [0, 1), got {value!r}")


@dataclass(frozen=True)
class SGD(Optimizer):
    """θ⁺ = θ − η(ĝ + λθ): gradient descent with full-batch ĝ, SGD with minibatch ĝ (MATH.md §A)."""

    def step(self, theta, grad, state):
        """θ − η(ĝ + λθ)."""
        return theta - self.lr * self._direction(theta, grad), state


@dataclass(frozen=True)
class HeavyBall(Optimizer):
    """Heavy ball: m⁺ = βm + (ĝ + λθ), θ⁺ = θ − η m⁺, m₀ = 0 (PyTorch SGD with momentum, MATH.md §A)."""

    momentum: float = 0.9

    def __post_init__(self):
        super().__post_init__()
        _check_unit(self.momentum, "momentum")

    def init_state(self, theta):
        """m = 0."""
        return {"m": np.zeros_like(theta)}

    def step(self, theta, grad, state):
        """m⁺ = βm + d, θ⁺ = θ − η m⁺."""
        m = self.momentum * state["m"] + self._direction(theta, grad)
        return theta - self.lr * m, {"m": m}


@dataclass(frozen=True)
class Adam(Optimizer):
    """Adam (Kingma & Ba 2015) with bias correction and coupled L2 weight decay (PyTorch ``Adam``)."""

    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    coordinatewise: ClassVar[bool] = True

    def __post_init__(self):
        super().__post_init__()
        _check_unit(self.beta1, "beta1")
        _check_unit(self.beta2, "beta2")
        check_positive(self.eps, "eps")

    def init_state(self, theta):
        """m = v = 0, t = 0."""
        return {"m": np.zeros_like(theta), "v": np.zeros_like(theta), "t": 0}

    def step(self, theta, grad, state):
        """m⁺ = β₁m + (1−β₁)d, v⁺ = β₂v + (1−β₂)d², θ⁺ = θ − η m̂/(√v̂ + ε)."""
        d = self._direction(theta, grad)
        t = state["t"] + 1
        m = self.beta1 * state["m"] + (1.0 - self.beta1) * d
        v = self.beta2 * state["v"] + (1.0 - self.beta2) * d * d
        mhat, vhat = m / (1.0 - self.beta1 ** t), v / (1.0 - self.beta2 ** t)
        return theta - self.lr * mhat / (np.sqrt(vhat) + self.eps), {"m": m, "v": v, "t": t}


@dataclass(frozen=True)
class RMSProp(Optimizer):
    """RMSProp: v⁺ = αv + (1−α)d², θ⁺ = θ − η d/(√v⁺ + ε) (PyTorch ``RMSprop``, no momentum)."""

    alpha: float = 0.99
    eps: float = 1e-8
    coordinatewise: ClassVar[bool] = True

    def __post_init__(self):
        super().__post_init__()
        _check_unit(self.alpha, "alpha")
        check_positive(self.eps, "eps")

    def init_state(self, theta):
        """v = 0."""
        return {"v": np.zeros_like(theta)}

    def step(self, theta, grad, state):
        """One RMSProp step."""
        d = self._direction(theta, grad)
        v = self.alpha * state["v"] + (1.0 - self.alpha) * d * d
        return theta - self.lr * d / (np.sqrt(v) + self.eps), {"v": v}


@dataclass(frozen=True)
class SignGD(Optimizer):
    """Sign gradient descent θ⁺ = θ − η sign(ĝ + λθ)."""

    coordinatewise: ClassVar[bool] = True

    def step(self, theta, grad, state):
        """θ − η sign(d)."""
        return theta - self.lr * np.sign(self._direction(theta, grad)), state


def run_optimizer(model: Model, theta0, optimizer: Optimizer, steps: int, *, batch_size: int | None = None,
                  seed: int = 0, quantities=()) -> Trajectory:
    """Run an update rule for ``steps`` steps, full batch or on seeded minibatches.

    Parameters
    ----------
    model : Model
        Needs ``loss_and_gradient``; minibatches also need ``inputs``, ``targets`` and
        ``with_data`` (e.g. :class:`~eqalg.TwoLayerMLP`).
    theta0 : array_like (D,)
    optimizer : Optimizer
    steps : int
    batch_size : int, optional
        Minibatch size (sampled without replacement at every step); full batch when None.
    seed : int
        Seed of the minibatch sequence (two runs with one seed see the same batches).
    quantities : iterable
        Conserved quantities to track (as in :func:`~eqalg.dynamics.gradient_descent`), with the
        increments (T1)/(T2) predict from each step's minibatch gradient ĝ: the exact SGD drift
        Q(θ⁺) − Q(θ) = ((1 − ηλ)² − 1) Q(θ) + ½η² ĝᵀSĝ (MATH.md B8). Only for :class:`SGD`, the
        update rule these laws describe.

    Returns
    -------
    Trajectory
        ``losses`` are the losses of the batch used at each step (the full loss at the end);
        ``quantities`` holds a :class:`~eqalg.dynamics.QuantityTrace` per tracked quantity.

    Raises
    ------
    InvalidValueError
        Bad ``steps``/``batch_size`` or optimizer; ``quantities`` with another rule than SGD.
    MissingMethodError
        The model has no gradient (e.g. a :class:`~eqalg.CallableModel` with a loss only).
    TrainingDivergedError
        The loss or θ became non-finite.
    """
    if not isinstance(optimizer, Optimizer):
        raise InvalidValueError(f"optimizer: expected an eqalg Optimizer, got {type(optimizer).__name__}")
    require_derivatives(model, "run_optimizer")
    check_positive(steps, "steps", integer=True)
    theta = model.validate_theta(theta0, "theta0").copy()
    quantities = _check_quantities(quantities, model)
    if quantities and type(optimizer) is not SGD:
        raise InvalidValueError(f"quantities: the drift laws (T1)/(T2) describe SGD steps θ⁺ = θ − η(ĝ + λθ); "
                                f"got {type(optimizer).__name__}")
    if steps > MAX_RECORDED_STEPS:
        raise InvalidValueError(f"steps: at most {MAX_RECORDED_STEPS} steps are recorded, got {steps}")
    recorder = _Recorder(quantities, steps)
    rng = np.random.default_rng(seed)
    n = None
    if batch_size is not None:
        check_positive(batch_size, "batch_size", integer=True)
        n = model.inputs.shape[0]
        if batch_size > n:
            raise InvalidValueError(f"batch_size: expected at most {n} (the number of samples), got {batch_size}")
    state = optimizer.init_state(theta)
    losses = np.empty(steps + 1)
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(steps):
            batch = model
            if n is not None:
                idx = rng.choice(n, batch_size, replace=False)
                batch = model.with_data(X=model.inputs[idx], Y=model.targets[idx])
            loss, g = batch.loss_and_gradient(theta)
            if not (np.isfinite(loss) and np.all(np.isfinite(g))):
                raise TrainingDivergedError(f"training diverged at step {k} (loss = {loss}); lower lr")
            losses[k] = loss
            recorder.step(k, theta, g, optimizer.lr, optimizer.weight_decay)
            theta, state = optimizer.step(theta, g, state)
        losses[steps] = model.loss(theta)
    if not (np.isfinite(losses[steps]) and np.all(np.isfinite(theta))):
        raise TrainingDivergedError(f"training diverged at step {steps}; lower lr")
    return Trajectory(theta, losses, recorder.traces(theta, steps), float(optimizer.lr),
                      float(optimizer.weight_decay), int(steps))


# -- optimizer equivariance (MATH.md D4) -------------------------------------------------------------------
def _dense_linear_part(t):
    if isinstance(t, SignedPermutation):
        return None
    m = t.to_dense() if hasattr(t, "to_dense") else t.linear_apply(np.eye(t.space.size))
    return np.asarray(m.toarray() if sp.issparse(m) else m, dtype=float)


def _is_signed_permutation(t, rtol: float = COMMUTE_RTOL) -> bool:
    m = _dense_linear_part(t)
    if m is None:
        return True
    r = np.rint(m)                                       # the nearest integer matrix
    nonzero = r != 0
    return bool(np.all(np.isin(r, (-1.0, 0.0, 1.0))) and np.all(nonzero.sum(axis=0) == 1)
                and np.all(nonzero.sum(axis=1) == 1) and np.abs(m - r).max(initial=0.0) <= rtol)


def _is_orthogonal_linear_part(t, rtol: float = COMMUTE_RTOL) -> bool:
    m = _dense_linear_part(t)
    if m is None:
        return True
    d = m.shape[0]
    return bool(np.linalg.norm(m.T @ m - np.eye(d)) <= rtol * np.sqrt(max(d, 1)))


def optimizer_commutes(optimizer: Optimizer, transformation, *, rtol: float = COMMUTE_RTOL) -> bool:
    """Whether the update rule commutes with a symmetry: U(Mθ) = M U(θ) for every loss invariant under M.

    Then Fix(M) (and Fix(K) for a group of such maps) is an invariant set of the optimizer, with
    the optimizer state (momentum, second moments) transformed alike (MATH.md (D4)).

    Parameters
    ----------
    optimizer : Optimizer
    transformation : Transformation
        Assumed to be a symmetry of the loss (of every minibatch loss, for SGD). An
        Equivariance that is not a symmetry returns False (its gradients pick up S′ or change
        data). A continuous transformation is judged by its flow exp(sA) for all s.
    rtol : float
        Tolerance of the structural tests (default :data:`COMMUTE_RTOL` = 1e-12): the linear part
        is a signed permutation when every entry is within ``rtol`` of one's (entries ±1, 0),
        orthogonal when ‖MᵀM − I‖_F ≤ rtol √D; a generator is skew when ‖A + Aᵀ‖_F ≤ rtol ‖A‖_F.
        Computed maps, e.g. ``eqalg.flow(rotate, π)``, are signed permutations only up to
        round-off; 0 demands exact structure.

    Returns
    -------
    bool
        Linear rules (SGD, heavy ball): the linear part of M is orthogonal. Coordinatewise rules
        (Adam, RMSProp, sign-GD): it is a signed permutation (for a flow: A = 0). An affine map
        (t ≠ 0) additionally needs ``weight_decay == 0``. Nonlinear vector fields: False.

    Raises
    ------
    InvalidValueError
        ``optimizer`` is not an Optimizer, or ``rtol`` is negative.

    Notes
    -----
    Sources: MATH.md (D4), (D7) (non-orthogonal maps such as the sigmoid flip: the fixed set is
    not GD-invariant, Ziyin 2024); coordinatewise optimizers and signed permutations, e.g.
    Tanaka & Kunin 2021 on symmetry breaking by the learning rule.
    """
    if not isinstance(optimizer, Optimizer):
        raise InvalidValueError(f"optimizer: expected an eqalg Optimizer, got {type(optimizer).__name__}")
    check_positive(rtol, "rtol", allow_zero=True)
    if isinstance(transformation, Equivariance):
        if not transformation.is_symmetry:
            return False
        transformation = transformation.transformation
    if isinstance(transformation, ContinuousTransformation):
        if not isinstance(transformation, LinearGenerator) or transformation.is_affine:
            return False
        A = transformation.to_dense()
        if optimizer.coordinatewise:
            return not np.any(A)
        return bool(np.linalg.norm(A + A.T) <= rtol * np.linalg.norm(A))
    if not isinstance(transformation, DiscreteTransformation):
        raise InvalidValueError(f"transformation: expected a Transformation, got {type(transformation).__name__}")
    if getattr(transformation, "offset", None) is not None and optimizer.weight_decay:
        return False
    if optimizer.coordinatewise:
        return _is_signed_permutation(transformation, rtol)
    return _is_orthogonal_linear_part(transformation, rtol)


def commutation_residual(optimizer: Optimizer, transformation, model: Model, theta, steps: int = 1, *,
                         batch_size: int | None = None, seed: int = 0) -> float:
    """Measured ‖U^k(Mθ) − M U^k(θ)‖ relative to the displacements, for k steps from a fresh state.

    Parameters
    ----------
    optimizer : Optimizer
    transformation : DiscreteTransformation
        The map M (θ ↦ Mθ + t); use :func:`eqalg.flow` for a continuous one.
    model : Model
    theta : array_like (D,)
    steps : int
    batch_size, seed
        As in :func:`run_optimizer` (both runs see the same minibatches).

    Returns
    -------
    float
        ‖U^k(Mθ) − M(U^k(θ))‖ / (‖U^k(Mθ) − Mθ‖ + ‖M(U^k(θ)) − Mθ‖): round-off (~1e-15) when the
        optimizer commutes with a symmetry M, O(1) otherwise.

    Raises
    ------
    InvalidValueError
        ``transformation`` is not discrete.
    """
    if not isinstance(transformation, DiscreteTransformation):
        raise InvalidValueError("transformation: expected a discrete map (use eqalg.flow(t, s) for a continuous one), "
                                f"got {type(transformation).__name__}")
    theta = model.validate_theta(theta)
    mtheta = transformation.act(theta)
    a = run_optimizer(model, mtheta, optimizer, steps, batch_size=batch_size, seed=seed).theta
    b = transformation.act(run_optimizer(model, theta, optimizer, steps, batch_size=batch_size, seed=seed).theta)
    scale = float(np.linalg.norm(a - mtheta) + np.linalg.norm(b - mtheta))
    err = float(np.linalg.norm(a - b))
    return err / scale if scale > 0 else (0.0 if err == 0 else float("inf"))
