"""Pointwise activations and per-sample losses with their first and second derivatives.

Each :class:`Activation` records the algebraic properties that decide a network's symmetry
catalogue (MATH.md §C): positive homogeneity σ(cz) = cσ(z) for c > 0 (per-neuron rescaling),
oddness σ(−z) = −σ(z) (sign flips), and the logistic identity σ(−z) = 1 − σ(z) (affine flips).
Each :class:`OutputLoss` gives ℓ(z, y), ∇_z ℓ and the product ∇²_z ℓ · r for a batch of outputs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy.special import expit, log_softmax, softmax

from ..errors import check_choice

__all__ = ["Activation", "ACTIVATIONS", "get_activation", "OutputLoss", "LOSSES", "get_loss"]

LEAKY_SLOPE = 0.1


@dataclass(frozen=True)
class Activation:
    """A scalar activation σ with σ', σ'' and its symmetry-relevant properties.

    Attributes
    ----------
    name : str
    f, df, d2f : callable ndarray -> ndarray
        σ, σ', σ'' elementwise (ReLU-type kinks use σ'(0) = slope of the right piece... see Notes).
    homogeneous : bool
        σ(cz) = cσ(z) for c > 0 (ReLU, leaky ReLU, linear): per-neuron rescaling is a symmetry.
    odd : bool
        σ(−z) = −σ(z) (tanh, linear): per-neuron sign flips are symmetries.
    logistic : bool
        σ(−z) = 1 − σ(z) (sigmoid): the affine neuron flip is a symmetry (MATH.md D7).
    piecewise : bool
        Has kinks at z = 0 (non-smooth points are possible).

    Notes
    -----
    At a kink the derivative convention is σ'(0) = σ'(0⁻) (0 for ReLU), which keeps
    σ'(z) z = σ(z) exactly, so the rescaling identities hold even there.
    """

    name: str
    f: Callable
    df: Callable
    d2f: Callable
    homogeneous: bool = False
    odd: bool = False
    logistic: bool = False
    piecewise: bool = False

    @property
    def family(self) -> str:
        """``"positively-homogeneous"``, ``"odd"``, ``"sigmoid-affine"`` or ``"generic"`` (MATH.md D.3)."""
        if self.homogeneous:
            return "positively-homogeneous" + ("+odd" if self.odd else "")
        if self.odd:
            return "odd"
        if self.logistic:
            return "sigmoid-affine"
        return "generic"


def _zeros(z):
    return np.zeros_like(z)


def _tanh_d2(z):
    t = np.tanh(z)
    return -2.0 * t * (1.0 - t * t)


def _sig_d1(z):
    s = expit(z)
    return s * (1.0 - s)


def _sig_d2(z):
    s = expit(z)
    return s * (1.0 - s) * (1.0 - 2.0 * s)


ACTIVATIONS = {
    "relu": Activation("relu", lambda z: np.maximum(z, 0.0), lambda z: (z > 0).astype(float), _zeros,
                       homogeneous=True, piecewise=True),
    "leaky_relu": Activation("leaky_relu", lambda z: np.where(z > 0, z, LEAKY_SLOPE * z),
                             lambda z: np.where(z > 0, 1.0, LEAKY_SLOPE), _zeros,
                             homogeneous=True, piecewise=True),
    "tanh": Activation("tanh", np.tanh, lambda z: 1.0 - np.tanh(z) ** 2, _tanh_d2, odd=True),
    "linear": Activation("linear", lambda z: z, np.ones_like, _zeros, homogeneous=True, odd=True),
    "sigmoid": Activation("sigmoid", expit, _sig_d1, _sig_d2, logistic=True),
}


def get_activation(name: str) -> Activation:
    """Look up an activation by name.

    Raises
    ------
    UnknownNameError
        ``name`` is not one of :data:`ACTIVATIONS` (relu, leaky_relu, tanh, linear, sigmoid).
    """
    return ACTIVATIONS[check_choice(name, "activation", tuple(ACTIVATIONS))]


@dataclass(frozen=True)
class OutputLoss:
    """A per-sample loss ℓ(z, y) on model outputs z ∈ R^o.

    Attributes
    ----------
    name : str
    value : callable (Z (N, o), Y (N, o)) -> (N,)
    grad : callable (Z, Y) -> (N, o), ∇_z ℓ per sample
    hess_apply : callable (Z, Y, R (..., N, o)) -> (..., N, o), ∇²_z ℓ r per sample
    """

    name: str
    value: Callable
    grad: Callable
    hess_apply: Callable


def _ce_value(z, y):
    return -np.sum(y * log_softmax(z, axis=-1), axis=-1)


def _ce_grad(z, y):
    return softmax(z, axis=-1) - y


def _ce_hess(z, y, r):
    p = softmax(z, axis=-1)
    return p * r - p * np.sum(p * r, axis=-1, keepdims=True)


LOSSES = {
    "mse": OutputLoss("mse", lambda z, y: 0.5 * np.sum((z - y) ** 2, axis=-1), lambda z, y: z - y,
                      lambda z, y, r: r),
    "cross_entropy": OutputLoss("cross_entropy", _ce_value, _ce_grad, _ce_hess),
}


def get_loss(name: str) -> OutputLoss:
    """Look up a per-sample loss by name (``mse`` = ½‖z − y‖², ``cross_entropy`` with softmax).

    Raises
    ------
    UnknownNameError
        ``name`` is not one of :data:`LOSSES`.
    """
    return LOSSES[check_choice(name, "loss", tuple(LOSSES))]
