"""Perceptron with a weight-normalized hidden layer: per-row scale invariance.

The first layer computes with the row-normalized weights u_j = w_j / ‖w_j‖ (weight normalization
without gain, Salimans & Kingma 2016; the same per-channel invariance as batch normalization):

    z_j = ⟨w_j, x⟩ / ‖w_j‖ + b_j,   f(x) = W_L σ(… σ(z) …) + b_L.

Scaling a row w_j by c > 0 leaves the loss unchanged, so with P_j the coordinate projector onto
w_j (J = P_jθ, DJ = P_j, MATH.md B5 / §C #10, Kunin et al. 2021):

    (P_jθ)ᵀ g = 0,   H (P_jθ) = −P_j g,   (P_jθ)ᵀ H (P_jθ) = 0,

and gradient descent grows ½‖w_j‖² by exactly ½η²‖∇_{w_j} L‖² per step (T1).

Derivatives. With r = ‖w‖, u = w/r and G = ∂L/∂u (from the dense stack), the chain rule gives
∂L/∂w = (G − ⟨u, G⟩u)/r (the Jacobian J = (I − uuᵀ)/r is symmetric). The HVP is
H_w v = J H_u (J v) + D(Jᵀ G)[v] with the exact second-order term

    D(JᵀG)[v] = −(⟨δu, G⟩ u + ⟨u, G⟩ δu)/r − (∂L/∂w) ⟨u, v⟩/r,    δu = J v,

applied row by row and batched over directions.
"""

from __future__ import annotations

import numpy as np

from ..errors import InvalidValueError
from ..transforms.linear import LinearGenerator
from .catalogue import column_scaling
from .deep_mlp import MLP

__all__ = ["NormalizedMLP"]


class NormalizedMLP(MLP):
    """An MLP whose first layer's incoming weight rows are normalized (per-row scale invariance).

    Parameters
    ----------
    X : array_like (N, d)
    Y : array_like (N, o)
    hidden : int or sequence of int
        Hidden widths (default 8); the first hidden layer is normalized.
    depth : int
        Number of weight layers L ≥ 2 (default 2).
    activation : {"tanh", "relu", "leaky_relu", "linear", "sigmoid"}
        Hidden activation (default tanh).
    loss : {"mse", "cross_entropy"}
    bias : bool

    Raises
    ------
    ShapeError, NonFiniteError, InvalidValueError, UnknownNameError
        Bad data or hyperparameters; at evaluation, a row of W1 with zero norm (the layer is
        undefined there).

    Notes
    -----
    Catalogue: ``scale[j]`` (continuous, J = P_jθ, one per normalized row; B5), adjacent neuron
    swaps of every hidden layer, sign flips for odd σ. Conserved charges: ½‖w_j‖² (growing by
    (T1)). Controls: scaling the outgoing weights W2[:, 0], an input permutation, and the sign
    flip ``flip[1][0]`` when σ is not odd.
    """

    zoo_name = "normalized-mlp"
    _hvp_needs_gradient = True

    def __init__(self, X, Y, hidden=8, depth: int = 2, activation: str = "tanh", loss: str = "mse", *,
                 bias: bool = True):
        super().__init__(X, Y, hidden, depth, activation, loss, bias=bias)

    @property
    def homogeneity_degree(self):
        """None: the normalized first layer is scale-invariant (degree 0), so θ ↦ cθ does not scale f by
        c^depth; only the last layer's 1-homogeneity is catalogued (MATH.md B4, B5)."""
        return None

    def describe(self) -> dict:
        """Hyperparameters as a JSON-ready dict (``normalized``: the normalized layer)."""
        d = super().describe()
        d["normalized"] = "W1 rows (weight normalization)"
        return d

    # -- reparameterization hooks -------------------------------------------------------------------
    def _norms(self, W1):
        r = np.linalg.norm(W1, axis=1)
        if np.any(r == 0):
            raise InvalidValueError(f"theta: rows {np.flatnonzero(r == 0).tolist()} of W1 have zero norm; "
                                    "the normalized layer is undefined there")
        return r

    def _effective(self, Ws):
        return [Ws[0] / self._norms(Ws[0])[:, None]] + list(Ws[1:])

    def _pull_gradient(self, Ws, Ue, gUs):
        r, u, G = self._norms(Ws[0])[:, None], Ue[0], gUs[0]
        return [(G - np.sum(u * G, axis=1, keepdims=True) * u) / r] + list(gUs[1:])

    def _push_directions(self, Ws, Ue, dWs):
        r, u, dW = self._norms(Ws[0])[:, None], Ue[0], dWs[0]               # dW: (k, h, d)
        du = (dW - np.sum(dW * u, axis=2, keepdims=True) * u) / r
        return [du] + list(dWs[1:])

    def _pull_hvp(self, Ws, Ue, dWs, HUs, gUs):
        r, u, G, dW = self._norms(Ws[0])[:, None], Ue[0], gUs[0], dWs[0]
        H = HUs[0]                                                           # (k, h, d)
        JH = (H - np.sum(H * u, axis=2, keepdims=True) * u) / r              # J (H_u δu)
        du = (dW - np.sum(dW * u, axis=2, keepdims=True) * u) / r            # δu = J v
        uG = np.sum(u * G, axis=1, keepdims=True)                            # (h, 1)
        gW = (G - uG * u) / r                                                # ∂L/∂w
        second = (-(np.sum(du * G, axis=2, keepdims=True) * u + uG * du)
                  - gW * np.sum(u * dW, axis=2, keepdims=True)) / r
        return [JH + second] + list(HUs[1:])

    # -- catalogue -----------------------------------------------------------------------------------------
    def scale_generator(self, j: int) -> LinearGenerator:
        """J = P_jθ, P_j the coordinate projector onto row j of W1 (MATH.md B5, §C #10)."""
        self._check_neuron(1, j)
        return LinearGenerator.from_selections(self.space, plus=[self.space["W1"][j, :]], name=f"scale[{j}]")

    def symmetries(self) -> dict:
        """Per-row scalings of W1, adjacent neuron swaps of each hidden layer, sign flips for odd σ, logit translations (cross-entropy)."""
        out = {}
        for j in range(self.widths[1]):
            t = self.scale_generator(j)
            out[t.name] = t
        for l in range(1, self.depth):
            for j in range(self.widths[l] - 1):
                t = self.transposition(l, j, j + 1)
                out[t.name] = t
            if self.act.odd:
                for j in range(self.widths[l]):
                    t = self.sign_flip(l, j)
                    out[t.name] = t
        out.update(self.softmax_translations())
        return out

    def conserved_generators(self) -> dict:
        """The scalings ``scale[j]`` (diagonal P_j): ½‖w_j‖², growing by exactly (T1) under GD (B5, L4).

        With the cross-entropy loss also the logit translations (charges cᵀθ, (T2)). The only
        linear generators of the catalogue; built directly so that the swaps and flips are not
        built a second time.
        """
        out = {}
        for j in range(self.widths[1]):
            t = self.scale_generator(j)
            out[t.name] = t
        out.update(self.softmax_translations())
        return out

    def controls(self) -> dict:
        """Non-symmetries: scaling W2[:, 0], exchanging two input features, a sign flip for non-odd σ."""
        t = column_scaling(self.space, "W2", 0, name="scale_out[0]")
        out = {t.name: t}
        if self.widths[0] >= 2:
            t = self.input_permutation(0, 1)
            out[t.name] = t
        if not self.act.odd:
            t = self.sign_flip(1, 0)
            out[t.name] = t
        return out
