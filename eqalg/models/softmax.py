"""Softmax (multinomial logistic) regression with analytic gradient and batched HVP.

Logits f(x) = W x + b, W ∈ R^{C×d}, b ∈ R^C, θ = [vec W, b]; loss = mean cross-entropy.
Symmetry (MATH.md §C #9, (L7)): the softmax is invariant under adding the same number to every
logit, so translating every class's weight vector by a common v (W ↦ W + 1vᵀ) and every bias by
a common a (b ↦ b + a1) leaves the loss unchanged: d + 1 translation generators c_j, with
gᵀc = 0 and H c = 0 at every θ.
"""

from __future__ import annotations

import numpy as np
from scipy.special import log_softmax, softmax

from .functions import get_loss
from ..errors import InvalidValueError, NonFiniteError, ShapeError, check_bool, real_array
from ..space import ParameterSpace
from ..transforms._closure import check_encoding
from ..transforms.discrete import SignedPermutation
from ..transforms.linear import LinearGenerator
from .base import Model

__all__ = ["SoftmaxRegression"]


class SoftmaxRegression(Model):
    """Multinomial logistic regression on a fixed data set.

    Parameters
    ----------
    X : array_like (N, d)
    Y : array_like (N, C)
        One-hot (or probability) rows, C ≥ 2.
    bias : bool
        Include the bias vector b (default True).

    Raises
    ------
    ShapeError, NonFiniteError, InvalidValueError
        Bad shapes, non-finite data, rows of Y that are not probability vectors.
    """

    def __init__(self, X, Y, *, bias: bool = True):
        X = real_array(X, "X")
        Y = real_array(Y, "Y")
        if X.ndim != 2 or X.shape[0] == 0:
            raise ShapeError(f"X: expected shape (N, d) with N ≥ 1, got {X.shape}")
        if Y.ndim != 2 or Y.shape[0] != X.shape[0] or Y.shape[1] < 2:
            raise ShapeError(f"Y: expected shape ({X.shape[0]}, C) with C ≥ 2, got {Y.shape}")
        if not (np.all(np.isfinite(X)) and np.all(np.isfinite(Y))):
            raise NonFiniteError("X, Y: expected finite entries")
        if np.any(Y < 0) or not np.allclose(Y.sum(axis=1), 1.0):
            raise InvalidValueError("Y: expected rows that are probability vectors (e.g. one-hot)")
        self.X, self.Y, self.bias = X, Y, check_bool(bias, "bias")
        self.n_samples, self.n_inputs = X.shape
        self.n_classes = Y.shape[1]
        blocks = [("W", (self.n_classes, self.n_inputs))] + ([("b", (self.n_classes,))] if self.bias else [])
        self._space = ParameterSpace(blocks)

    @property
    def space(self) -> ParameterSpace:
        return self._space

    def describe(self) -> dict:
        """Hyperparameters as a JSON-ready dict."""
        return {"name": "softmax", "class": type(self).__name__, "inputs": self.n_inputs,
                "classes": self.n_classes, "bias": self.bias, "parameters": self.space.size}

    def _wb(self, theta):
        p = self.space.unflatten(self.validate_theta(theta))
        return p["W"], p.get("b")

    def output(self, theta, X=None) -> np.ndarray:
        """Logits f(θ, x_i), shape (N, C)."""
        W, b = self._wb(theta)
        Xa = self.X if X is None else real_array(X, "X")
        if Xa.ndim != 2 or Xa.shape[1] != self.n_inputs:
            raise ShapeError(f"X: expected shape (N, {self.n_inputs}), got {Xa.shape}")
        f = Xa @ W.T
        return f if b is None else f + b

    # -- output derivatives: f is linear in θ, so Df is θ-independent and ∇²f = 0 ----------------------
    def output_jvp(self, theta, v) -> np.ndarray:
        """Df(θ) v = X dWᵀ + db: shape (N, C) for v (D,), (k, N, C) for v (D, k)."""
        self.validate_theta(theta)
        V, single = self.validate_directions(v)
        out = self._logit_directions(V)                                # (N, C, k)
        return out[:, :, 0] if single else out.transpose(2, 0, 1)

    def _logit_directions(self, V) -> np.ndarray:
        """Df V = X δWᵀ + δb for directions V (D, k), shape (N, C, k).

        The k direction blocks are stacked as the columns of one (d, C·k) matrix: one pass over
        X for all k directions, not k thin memory-bound products.
        """
        C, d, k = self.n_classes, self.n_inputs, V.shape[1]
        dW = V[: C * d].reshape(C, d, k).transpose(1, 0, 2).reshape(d, C * k)
        R = (self.X @ dW).reshape(self.n_samples, C, k)
        if self.bias:
            R += V[C * d:]
        return R

    def output_vjp(self, theta, w) -> np.ndarray:
        """Df(θ)ᵀ w for output weights w (N, C): ∇_W = wᵀX, ∇_b = Σ_i w_i; returns (D,)."""
        self.validate_theta(theta)
        w = self._output_weights(w)
        parts = [(w.T @ self.X).ravel()] + ([w.sum(axis=0)] if self.bias else [])
        return np.concatenate(parts)

    def output_hvp(self, theta, w, v) -> np.ndarray:
        """∇²_θ(Σ w_iq f_q) v = 0 (f is linear in θ): zeros of the shape of v."""
        self.validate_theta(theta)
        self._output_weights(w)
        V, single = self.validate_directions(v)
        return np.zeros(V.shape[0]) if single else np.zeros_like(V)

    # model-level interface of the equivariance checks (M1)–(M4): L = (1/N) Σ_i ℓ(f_i, y_i)
    @property
    def targets(self) -> np.ndarray:
        """Targets y_i (probability vectors), shape (N, C)."""
        return self.Y

    @property
    def output_loss(self):
        """The per-sample :class:`~eqalg.models.functions.OutputLoss` ℓ(z, y): cross-entropy of logits."""
        return get_loss("cross_entropy")

    @property
    def inputs(self) -> np.ndarray:
        """Inputs x_i, shape (N, d)."""
        return self.X

    def per_sample_loss(self, theta) -> np.ndarray:
        """Cross-entropy −Σ_c y_c log softmax(f)_c, shape (N,)."""
        return -np.sum(self.Y * log_softmax(self.output(theta), axis=1), axis=1)

    def loss(self, theta) -> float:
        """Mean cross-entropy."""
        return float(np.mean(self.per_sample_loss(theta)))

    def loss_and_gradient(self, theta):
        """(L, ∇L): ∇_W L = (P − Y)ᵀ X / N, ∇_b L = mean(P − Y)."""
        f = self.output(theta)
        d = (softmax(f, axis=1) - self.Y) / self.n_samples
        parts = [(d.T @ self.X).ravel()] + ([d.sum(axis=0)] if self.bias else [])
        return float(np.mean(-np.sum(self.Y * log_softmax(f, axis=1), axis=1))), np.concatenate(parts)

    def gradient(self, theta) -> np.ndarray:
        """∇L(θ), shape (D,)."""
        return self.loss_and_gradient(theta)[1]

    def hvp(self, theta, v) -> np.ndarray:
        """H(θ) v for v of shape (D,) or (D, k), exact (softmax Hessian diag(p) − ppᵀ per sample)."""
        V, single = self.validate_directions(v)
        (D, k), C, d, n = V.shape, self.n_classes, self.n_inputs, self.n_samples
        p = softmax(self.output(theta), axis=1)[:, :, None]             # (N, C, 1)
        R = self._logit_directions(V)                                  # R{f}, (N, C, k)
        R *= p                                                         # (diag p − ppᵀ) R{f} / N
        R -= p * R.sum(axis=1, keepdims=True)
        R /= n
        out = np.empty((D, k))
        out[: C * d] = (self.X.T @ R.reshape(n, C * k)).reshape(d, C, k).transpose(1, 0, 2).reshape(C * d, k)
        if self.bias:
            out[C * d:] = R.sum(axis=0)
        return out[:, 0] if single else out

    def init_params(self, rng: np.random.Generator) -> np.ndarray:
        """Generic random θ (weights N(0, 1/d), biases N(0, 0.1²))."""
        if not isinstance(rng, np.random.Generator):
            raise InvalidValueError(f"rng: expected a numpy.random.Generator, got {type(rng).__name__}")
        blocks = {"W": rng.standard_normal((self.n_classes, self.n_inputs)) / np.sqrt(self.n_inputs)}
        if self.bias:
            blocks["b"] = 0.1 * rng.standard_normal(self.n_classes)
        return self.space.flatten(blocks)

    def output_fields(self, theta, X=None) -> list:
        """The gradient fields of the centred logits f̃_c = f_c − mean_c' f_c' (constant: translations).

        Softmax cross-entropy (and every loss of the predicted probabilities) depends on the
        logits only through f̃, which is linear in θ: ∇f̃_c(x) has (δ_cc' − 1/C) x on W[c', :] and
        (δ_cc' − 1/C) on b[c']. The count D − dim Lie(W)_θ = d + 1 (with bias) then recovers the
        translation laws 1ᵀW, 1ᵀb (MATH.md §C #9) as the laws valid for every data set.

        Parameters
        ----------
        theta : array_like (D,)
            Validated only.
        X : array_like (N, d), optional
            Inputs (default: the training inputs).

        Returns
        -------
        list of LinearGenerator
            N·C translations named ``"grad f[c](x[n])"``.

        Raises
        ------
        ShapeError, NonFiniteError
        """
        self.validate_theta(theta)
        Xa = self.X if X is None else real_array(X, "X")
        if Xa.ndim != 2 or Xa.shape[1] != self.n_inputs or Xa.shape[0] == 0:
            raise ShapeError(f"X: expected shape (N, {self.n_inputs}) with N ≥ 1, got {Xa.shape}")
        if not np.all(np.isfinite(Xa)):
            raise NonFiniteError("X: expected finite entries")
        C = self.n_classes
        # constant fields: translations over every parameter (the offset column of the D × (D+1) block)
        check_encoding(Xa.shape[0] * C, self.space.size, self.space.size,
                       f"X: {Xa.shape[0]} inputs{' (the training inputs)' if X is None else ''}", "gradient fields")
        P = np.eye(C) - 1.0 / C
        out = []
        for n, x in enumerate(Xa):
            for c in range(C):
                blocks = {"W": np.outer(P[c], x)}
                if self.bias:
                    blocks["b"] = P[c]
                out.append(LinearGenerator.translation(self.space.flatten(blocks), self.space,
                                                       name=f"grad f[{c}](x[{n}])"))
        return out

    # -- catalogue ------------------------------------------------------------------------------------
    def translation_generators(self) -> dict:
        """The d (+1) translations c_j = Σ_c e_{W[c, j]} (and c_b = Σ_c e_{b[c]}) (MATH.md §C #9)."""
        out = {}
        for j in range(self.n_inputs):
            c = self.space.indicator(self.space["W"][:, j])
            out[f"translate_W[:,{j}]"] = LinearGenerator.translation(c, self.space, name=f"translate_W[:,{j}]")
        if self.bias:
            c = self.space.indicator(self.space["b"].indices)
            out["translate_b"] = LinearGenerator.translation(c, self.space, name="translate_b")
        return out

    def symmetries(self) -> dict:
        """The translation symmetries (no discrete symmetry acts on θ alone with the data fixed)."""
        return self.translation_generators()

    def controls(self) -> dict:
        """Non-symmetries: translating one class's weights only; exchanging two input features' weights.

        (Exchanging two classes' parameters is not used: it changes the loss but preserves the
        Hessian, which does not depend on the labels — a data-coupled equivariance, MATH.md B7.)
        """
        W = self.space["W"]
        one = LinearGenerator.translation(self.space.indicator(W[0, :]), self.space, name="translate_W[0,:]")
        out = {one.name: one}
        if self.n_inputs >= 2:
            perm = SignedPermutation.swap_blocks(self.space, [(W[:, 0], W[:, 1])], name="permute_inputs[0,1]")
            out[perm.name] = perm
        return out
