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

from functools import cached_property

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

    # -- Hessian-vector products through the input moments ----------------------------------------------
    @cached_property
    def _input_moment(self):
        """Σ = XᵀX / N (d, d) when d ≤ N (then cheaper than a pass over the data), else None."""
        n, d = self.X.shape
        return self.X.T @ self.X / n if d <= n else None

    def hvp(self, theta, v) -> np.ndarray:
        """H(θ) v for v of shape (D,) or (D, k), exact, k directions in one pass.

        The loss depends on the data only through P = W_L ⋯ W_1 (o, d):
        L = (1/2N) ‖X Pᵀ − Y‖², with G = ∂L/∂P = (X Pᵀ − Y)ᵀ X / N and R{G} = R{P} Σ, Σ = XᵀX/N.
        With A_l = W_L ⋯ W_{l+1} (o, n_l) and B_l = W_l ⋯ W_1 (n_l, d),

            R{∂L/∂W_l} = R{A_l}ᵀ G B_{l−1}ᵀ + A_lᵀ (R{G} B_{l−1}ᵀ + G R{B_{l−1}}ᵀ),

        where R{A_{l−1}} = R{A_l} W_l + A_l δW_l and M_l = R{G} B_lᵀ + G R{B_l}ᵀ obeys
        M_l = M_{l−1} W_lᵀ + G B_{l−1}ᵀ δW_lᵀ, M_0 = R{G} (the forward-over-reverse R-operator,
        Pearlmutter 1994, written for the product of matrices). Every per-direction product has
        rank ≤ o, so a direction costs O(o Σ n_l n_{l−1} + o d²) instead of a pass over the N
        samples; G is formed from the residuals (not from moments), which keeps it accurate where
        the residuals are small.

        Raises
        ------
        ShapeError, NonFiniteError
            Bad θ or directions.
        """
        V, single = self.validate_directions(v)
        L, (D, k), o = self.depth, V.shape, self.widths[-1]
        Ws = self._layers(theta)[0]
        # directions stay in their (D, k) layout: δW_l is the view (n_l, n_{l−1}, k) and every
        # per-direction array is (o, n, k), so no transposes of the k directions are needed
        dWs = [V[self.space.slice(f"W{l}")].reshape(self.space[f"W{l}"].shape + (k,)) for l in range(1, L + 1)]
        # B[l] = W_l ⋯ W_1 (B[0] = I is None), A[l] = W_L ⋯ W_{l+1} (A[L] = I is None)
        B = [None]
        for W in Ws[:-1]:
            B.append(W if B[-1] is None else W @ B[-1])
        A = [None] * (L + 1)
        for l in range(L - 1, -1, -1):
            A[l] = Ws[l] if A[l + 1] is None else A[l + 1] @ Ws[l]
        P, n = A[0], self.X.shape[0]
        G = (self.X @ P.T - self.Y).T @ self.X / n                 # (o, d)
        GB = [G] + [G @ b.T for b in B[1:]]                        # G B_lᵀ, (o, n_l)
        RA = [None] * (L + 1)                                      # R{A_l}, (o, n_l, k); R{A_L} = 0
        RA[L - 1] = dWs[L - 1]
        for l in range(L - 1, 0, -1):
            W, dW = Ws[l - 1], dWs[l - 1]
            RA[l - 1] = np.matmul(W.T, RA[l]) + (A[l] @ dW.reshape(dW.shape[0], -1)).reshape(o, -1, k)
        Sigma = self._input_moment                                 # M_0 = R{G} = R{P} Σ, (o, d, k)
        M = (np.matmul(Sigma, RA[0]) if Sigma is not None
             else np.matmul(self.X.T, np.matmul(self.X, RA[0])) / n)
        out = np.empty((D, k))
        for l in range(1, L + 1):
            W, dW = Ws[l - 1], dWs[l - 1]
            H = out[self.space.slice(f"W{l}")].reshape(dW.shape)
            if A[l] is None:                                       # l = L: A_L = I, R{A_L} = 0
                H[...] = M
                break
            np.matmul(A[l].T, M.reshape(o, -1), out=H.reshape(H.shape[0], -1))      # A_lᵀ M_{l−1}
            H += np.matmul(GB[l - 1].T, RA[l].transpose(1, 0, 2))                   # R{A_l}ᵀ G B_{l−1}ᵀ
            M = np.matmul(W, M) + np.matmul(GB[l - 1], dW).transpose(1, 0, 2)
        return out[:, 0] if single else out

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
