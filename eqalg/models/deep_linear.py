"""Deep linear network f(x) = W_L ⋯ W_1 x with the GL symmetries between consecutive layers.

For every hidden layer l (width n_l) the group GL(n_l) acts by (W_l, W_{l+1}) ↦ (G W_l, W_{l+1} G⁻¹)
and leaves the product, hence the loss, unchanged (MATH.md §C #5). Its Lie algebra gl(n_l) has
the generators A_M: δW_l = M W_l, δW_{l+1} = −W_{l+1} M; A_M is symmetric when M is, so by (L4)
the n_l(n_l+1)/2 entries of the **balancedness** matrix

    C_l = W_l W_lᵀ − W_{l+1}ᵀ W_{l+1}

are conserved by gradient flow (Arora, Cohen & Hazan 2018, "On the optimization of deep
networks: implicit acceleration by overparameterization"; Du, Hu & Lee 2018, "Algorithmic
regularization in learning deep homogeneous models"). ½θᵀA_Mθ = ½⟨M, C_l⟩, so M = E_ab + E_ba
(a ≠ b) gives (C_l)_ab and M = E_aa gives ½(C_l)_aa; gradient descent changes each by exactly
½η² gᵀA_M g per step (T1).
(The sign convention C_l = W_l W_lᵀ − W_{l+1}ᵀW_{l+1} is that of ½θᵀA_Mθ; the issue's
W_{l+1}ᵀW_{l+1} − W_l W_lᵀ is its negative, equally conserved.)
"""

from __future__ import annotations

import numpy as np

from ..transforms.linear import LinearGenerator
from .catalogue import block_generator, left_multiply, right_multiply, shear, symmetric_unit, unit_matrix
from .deep_mlp import MLP

__all__ = ["DeepLinear"]


class DeepLinear(MLP):
    """Deep linear regression ``f(x) = W_L ⋯ W_1 x`` (no biases) with loss ½‖f − y‖².

    Parameters
    ----------
    X : array_like (N, d)
    Y : array_like (N, o)
    hidden : int or sequence of int
        Hidden widths n_1 … n_{L−1} (default 4).
    depth : int
        Number of factors L ≥ 2 (default 3).

    Raises
    ------
    ShapeError, NonFiniteError, InvalidValueError
        Bad data, widths or depth.

    Notes
    -----
    Catalogue (:meth:`symmetries`), per hidden layer l: the gl(n_l) basis ``gl[l][a,b]``
    (M = E_ab, MATH.md §C #5, (L1)/(L2)); one non-orthogonal group element ``G[l]`` ∈ GL(n_l)
    (a :class:`~eqalg.transforms.discrete.MatrixMap`, (D1)/(D2), (L8)); adjacent neuron swaps and
    sign flips (the signed permutations inside GL(n_l)). Conserved charges
    (:meth:`conserved_generators`): the entries (C_l)_ab, a < b, and ½(C_l)_aa of the
    balancedness matrices.
    Controls: the gl generator with the wrong sign on W_{l+1}, scaling W_1 alone, and a
    permutation of the input features.
    """

    zoo_name = "deep-linear"

    def __init__(self, X, Y, hidden=4, depth: int = 3):
        super().__init__(X, Y, hidden, depth, "linear", "mse", bias=False)

    def describe(self) -> dict:
        """Hyperparameters as a JSON-ready dict."""
        d = super().describe()
        for key in ("activation", "bias"):
            d.pop(key)
        return d

    def balancedness(self, theta, layer: int) -> np.ndarray:
        """C_l = W_l W_lᵀ − W_{l+1}ᵀ W_{l+1}, shape (n_l, n_l), conserved by gradient flow."""
        self._check_neuron(layer)
        p = self.space.unflatten(self.validate_theta(theta))
        W, Wn = p[f"W{layer}"], p[f"W{layer + 1}"]
        return W @ W.T - Wn.T @ Wn

    def _wrong_sign_generator(self, layer: int, M, name: str) -> LinearGenerator:
        n = self.widths[layer]
        return block_generator(self.space, {f"W{layer}": left_multiply(M, (n, self.widths[layer - 1])),
                                            f"W{layer + 1}": right_multiply(M, (self.widths[layer + 1], n))},
                               name=name)

    def symmetries(self) -> dict:
        """gl(n_l) basis generators, one GL(n_l) element, neuron swaps and sign flips per hidden layer."""
        out = {}
        for l in range(1, self.depth):
            n = self.widths[l]
            for a in range(n):
                for b in range(n):
                    t = self.gl_generator(l, unit_matrix(n, a, b), name=f"gl[{l}][{a},{b}]")
                    out[t.name] = t
            t = self.gl_element(l, shear(n), name=f"G[{l}]")
            out[t.name] = t
            for j in range(n - 1):
                t = self.transposition(l, j, j + 1)
                out[t.name] = t
            for j in range(n):
                t = self.sign_flip(l, j)
                out[t.name] = t
        return out

    def controls(self) -> dict:
        """Non-symmetries: δW_1 = M W_1 with δW_2 = +W_2 M (wrong sign), scaling W_1 alone, an input permutation."""
        n = self.widths[1]
        b = 1 if n > 1 else 0
        wrong = self._wrong_sign_generator(1, unit_matrix(n, 0, b), f"gl_wrong_sign[1][0,{b}]")
        scale = LinearGenerator.from_selections(self.space, plus=[self.space["W1"].indices], name="scale_W1")
        out = {wrong.name: wrong, scale.name: scale}
        if self.widths[0] >= 2:
            t = self.input_permutation(0, 1)
            out[t.name] = t
        return out

    def conserved_generators(self) -> dict:
        """A_M for M = E_ab + E_ba (a < b) and E_aa: ½θᵀA_Mθ = (C_l)_ab resp. ½(C_l)_aa (L4, T1)."""
        out = {}
        for l in range(1, self.depth):
            n = self.widths[l]
            for a in range(n):
                for b in range(a, n):
                    out[f"C[{l}][{a},{b}]"] = self.gl_generator(l, symmetric_unit(n, a, b), name=f"C[{l}][{a},{b}]")
        return out
