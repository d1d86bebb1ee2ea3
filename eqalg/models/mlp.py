"""Two-layer perceptron f(x) = W2 σ(W1 x + b1) + b2 with analytic gradient and batched HVP.

Parameters are flattened as θ = [vec W1, b1, vec W2, b2] (row-major), D = hd + h + oh + o
(MATH.md §C). The loss is L(θ) = (1/N) Σ_i ℓ(f(θ, x_i), y_i). Gradients use backpropagation;
Hessian-vector products use the forward-over-reverse R-operator (Pearlmutter 1994, "Fast
exact multiplication by the Hessian"), batched over k directions with BLAS matrix products.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..errors import InvalidValueError, NonFiniteError, ShapeError, check_positive
from ..space import ParameterSpace
from ..transforms.discrete import SignedPermutation
from ..transforms.linear import LinearGenerator
from .base import Model
from .functions import get_activation, get_loss

__all__ = ["TwoLayerMLP"]


def _as_data(X, Y, loss_name):
    try:
        X = np.asarray(X, dtype=np.float64)
        Y = np.asarray(Y, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ShapeError("X, Y: expected numeric arrays") from exc
    if X.ndim != 2:
        raise ShapeError(f"X: expected shape (N, d), got {X.shape}")
    if Y.ndim == 1:
        Y = Y[:, None]
    if Y.ndim != 2 or Y.shape[0] != X.shape[0]:
        raise ShapeError(f"Y: expected shape ({X.shape[0]}, o) matching X's {X.shape[0]} rows, got {Y.shape}")
    if X.shape[0] == 0:
        raise ShapeError("X: expected at least one sample")
    if not (np.all(np.isfinite(X)) and np.all(np.isfinite(Y))):
        raise NonFiniteError("X, Y: expected finite entries")
    if loss_name == "cross_entropy" and (np.any(Y < 0) or not np.allclose(Y.sum(axis=1), 1.0)):
        raise InvalidValueError("Y: cross_entropy expects rows that are probability vectors (e.g. one-hot)")
    X.setflags(write=False)
    Y.setflags(write=False)
    return X, Y


class TwoLayerMLP(Model):
    """Two-layer MLP ``f(x) = W2 σ(W1 x + b1) + b2`` on a fixed data set, with exact derivatives.

    Parameters
    ----------
    X : array_like, shape (N, d)
        Inputs.
    Y : array_like, shape (N, o)
        Targets (one-hot rows for ``loss="cross_entropy"``).
    hidden : int
        Number of hidden units h.
    activation : {"relu", "leaky_relu", "tanh", "linear", "sigmoid"}
    loss : {"mse", "cross_entropy"}
        ``mse`` is ℓ = ½‖f − y‖², ``cross_entropy`` is −log softmax(f)_y.
    bias : bool
        Include b1 and b2 (True); without them a ReLU network is 2-homogeneous.

    Raises
    ------
    ShapeError, NonFiniteError, InvalidValueError, UnknownNameError
        Bad data, hidden size, activation or loss.

    Notes
    -----
    The symmetry catalogue (:meth:`symmetries`) follows MATH.md §C: per-neuron rescalings A_j
    (#1) for positively homogeneous σ, adjacent neuron transpositions (#12, a generating set of
    S_h) for every σ, per-neuron sign flips (#13) for odd σ, and for linear σ also a skew
    generator mixing neurons 0 and 1 (#3, a rotation in GL(h)).
    """

    def __init__(self, X, Y, hidden: int, activation: str = "relu", loss: str = "mse", *, bias: bool = True):
        self.act = get_activation(activation)
        self.out_loss = get_loss(loss)
        self.X, self.Y = _as_data(X, Y, loss)
        self.hidden = int(check_positive(hidden, "hidden", integer=True))
        self.bias = bool(bias)
        n, d = self.X.shape
        o = self.Y.shape[1]
        self.n_samples, self.n_inputs, self.n_outputs = n, d, o
        blocks = [("W1", (self.hidden, d))]
        if self.bias:
            blocks.append(("b1", (self.hidden,)))
        blocks.append(("W2", (o, self.hidden)))
        if self.bias:
            blocks.append(("b2", (o,)))
        self._space = ParameterSpace(blocks)

    # -- interface ------------------------------------------------------------------------------------
    @property
    def space(self) -> ParameterSpace:
        return self._space

    @property
    def activation(self) -> str:
        """Activation name."""
        return self.act.name

    @property
    def loss_name(self) -> str:
        """Loss name."""
        return self.out_loss.name

    def describe(self) -> dict:
        """Hyperparameters as a JSON-ready dict."""
        return {"name": "mlp", "class": type(self).__name__, "activation": self.act.name,
                "loss": self.out_loss.name, "inputs": self.n_inputs, "hidden": self.hidden,
                "outputs": self.n_outputs, "bias": self.bias, "parameters": self.space.size}

    def _blocks(self, theta):
        p = self.space.unflatten(self.validate_theta(theta))
        return p["W1"], p.get("b1"), p["W2"], p.get("b2")

    def _forward(self, theta):
        W1, b1, W2, b2 = self._blocks(theta)
        z = self.X @ W1.T
        if b1 is not None:
            z += b1
        a = self.act.f(z)
        f = a @ W2.T
        if b2 is not None:
            f += b2
        return W1, W2, z, a, f

    def output(self, theta, X=None) -> np.ndarray:
        """Model outputs f(θ, x_i), shape (N, o) (on ``X`` if given, else the training inputs)."""
        W1, b1, W2, b2 = self._blocks(theta)
        Xa = self.X if X is None else np.asarray(X, dtype=np.float64)
        if Xa.ndim != 2 or Xa.shape[1] != self.n_inputs:
            raise ShapeError(f"X: expected shape (N, {self.n_inputs}), got {Xa.shape}")
        z = Xa @ W1.T + (0.0 if b1 is None else b1)
        f = self.act.f(z) @ W2.T
        return f if b2 is None else f + b2

    def per_sample_loss(self, theta) -> np.ndarray:
        """ℓ(f(θ, x_i), y_i), shape (N,)."""
        return self.out_loss.value(self._forward(theta)[-1], self.Y)

    def loss(self, theta) -> float:
        """L(θ) = mean of the per-sample losses."""
        return float(np.mean(self.per_sample_loss(theta)))

    def loss_and_gradient(self, theta):
        """(L(θ), ∇L(θ)) from one forward and one backward pass."""
        W1, W2, z, a, f = self._forward(theta)
        n = self.n_samples
        d_f = self.out_loss.grad(f, self.Y) / n
        d_z = (d_f @ W2) * self.act.df(z)
        parts = [d_z.T @ self.X]
        if self.bias:
            parts.append(d_z.sum(axis=0))
        parts.append(d_f.T @ a)
        if self.bias:
            parts.append(d_f.sum(axis=0))
        loss = float(np.mean(self.out_loss.value(f, self.Y)))
        return loss, np.concatenate([p.ravel() for p in parts])

    def gradient(self, theta) -> np.ndarray:
        """∇L(θ), shape (D,), by backpropagation."""
        return self.loss_and_gradient(theta)[1]

    def _split_directions(self, V):
        k = V.shape[1]
        blocks = {}
        for name in self.space.names:
            sl = self.space.slice(name)
            blocks[name] = V[sl].T.reshape((k,) + self.space[name].shape)
        return blocks

    def hvp(self, theta, v) -> np.ndarray:
        """H(θ) v for v of shape (D,) or (D, k), exact (R-operator), k directions in one pass."""
        V, single = self.validate_directions(v)
        W1, W2, z, a, f = self._forward(theta)
        n, k = self.n_samples, V.shape[1]
        P = self._split_directions(V)
        dsig, d2sig = self.act.df(z), self.act.d2f(z)
        d_f = self.out_loss.grad(f, self.Y) / n                      # (N, o)
        d_a = d_f @ W2                                               # (N, h)
        Rz = np.matmul(self.X, P["W1"].transpose(0, 2, 1))            # (k, N, h)
        if self.bias:
            Rz += P["b1"][:, None, :]
        Ra = dsig * Rz
        Rf = Ra @ W2.T + np.matmul(a, P["W2"].transpose(0, 2, 1))    # (k, N, o)
        if self.bias:
            Rf += P["b2"][:, None, :]
        Rd_f = self.out_loss.hess_apply(f, self.Y, Rf) / n            # (k, N, o)
        Rd_a = Rd_f @ W2 + np.matmul(d_f, P["W2"])                    # (k, N, h)
        Rd_z = Rd_a * dsig + (d_a * d2sig) * Rz
        parts = [np.matmul(Rd_z.transpose(0, 2, 1), self.X).reshape(k, -1)]
        if self.bias:
            parts.append(Rd_z.sum(axis=1))
        parts.append((np.matmul(Rd_f.transpose(0, 2, 1), a) + np.matmul(d_f.T, Ra)).reshape(k, -1))
        if self.bias:
            parts.append(Rd_f.sum(axis=1))
        out = np.concatenate(parts, axis=1).T
        return out[:, 0] if single else out

    # -- non-smoothness -------------------------------------------------------------------------------
    def _preactivation_direction(self, v):
        P = self._split_directions(np.asarray(v, dtype=np.float64).reshape(-1, 1))
        Rz = self.X @ P["W1"][0].T
        if self.bias:
            Rz = Rz + P["b1"][0]
        return Rz

    def activation_pattern(self, theta):
        """Sign pattern of the pre-activations, shape (N, h), for kinked σ; None for smooth σ."""
        if not self.act.piecewise:
            return None
        W1, b1, _, _ = self._blocks(theta)
        z = self.X @ W1.T + (0.0 if b1 is None else b1)
        return z > 0

    def smooth_radius(self, theta, v) -> float:
        """Distance (in s) along θ + s v to the nearest kink: min |z_ij| / |∂_v z_ij| (exact, z is affine in θ)."""
        if not self.act.piecewise:
            return np.inf
        W1, b1, _, _ = self._blocks(theta)
        z = self.X @ W1.T + (0.0 if b1 is None else b1)
        rz = np.abs(self._preactivation_direction(v))
        moving = rz > 0
        if not np.any(moving):
            return np.inf
        return float(np.min(np.abs(z[moving]) / rz[moving]))

    # -- parameters and catalogue -------------------------------------------------------------------
    def init_params(self, rng: np.random.Generator) -> np.ndarray:
        """A generic random θ: He/Xavier-scaled weights and small random biases.

        Parameters
        ----------
        rng : numpy.random.Generator
        """
        if not isinstance(rng, np.random.Generator):
            raise InvalidValueError(f"rng: expected a numpy.random.Generator, got {type(rng).__name__}")
        h, d, o = self.hidden, self.n_inputs, self.n_outputs
        gain = np.sqrt(2.0) if self.act.homogeneous and not self.act.odd else 1.0
        blocks = {"W1": rng.standard_normal((h, d)) * gain / np.sqrt(d),
                  "W2": rng.standard_normal((o, h)) / np.sqrt(h)}
        if self.bias:
            blocks["b1"] = 0.1 * rng.standard_normal(h)
            blocks["b2"] = 0.1 * rng.standard_normal(o)
        return self.space.flatten(blocks)

    def neuron_in(self, j: int) -> list:
        """Flat index arrays of neuron j's incoming parameters: W1[j, :] and b1[j] (I_in(j), MATH.md §C)."""
        self._check_neuron(j)
        sel = [self.space["W1"][j, :]]
        if self.bias:
            sel.append(self.space["b1"][j])
        return sel

    def neuron_out(self, j: int) -> list:
        """Flat index arrays of neuron j's outgoing parameters: W2[:, j] (I_out(j))."""
        self._check_neuron(j)
        return [self.space["W2"][:, j]]

    def _check_neuron(self, j):
        if not isinstance(j, (int, np.integer)) or not 0 <= j < self.hidden:
            raise InvalidValueError(f"neuron: expected an integer in [0, {self.hidden}), got {j!r}")

    def rescale_generator(self, j: int) -> LinearGenerator:
        """A_j = diag(+1 on I_in(j), −1 on I_out(j)): per-neuron rescaling (MATH.md §C #1)."""
        return LinearGenerator.from_selections(self.space, plus=self.neuron_in(j), minus=self.neuron_out(j),
                                               name=f"rescale[{j}]")

    def transposition(self, i: int, j: int) -> SignedPermutation:
        """Exchange hidden neurons i and j (rows of W1, b1; columns of W2) (MATH.md §C #12)."""
        pairs = list(zip(self.neuron_in(i) + self.neuron_out(i), self.neuron_in(j) + self.neuron_out(j)))
        return SignedPermutation.swap_blocks(self.space, pairs, name=f"swap[{i},{j}]")

    def sign_flip(self, j: int) -> SignedPermutation:
        """Negate neuron j's incoming and outgoing parameters (MATH.md §C #13)."""
        return SignedPermutation.negate(self.space, *self.neuron_in(j), *self.neuron_out(j), name=f"flip[{j}]")

    def rotation_generator(self, i: int, j: int) -> LinearGenerator:
        """Skew generator M = e_j e_iᵀ − e_i e_jᵀ of gl(h) acting as δW1 = MW1, δb1 = Mb1, δW2 = −W2M.

        A symmetry for linear σ (GL(h), MATH.md §C #3); not one for nonlinear σ.
        """
        self._check_neuron(i)
        self._check_neuron(j)
        rows, cols, vals = [], [], []
        # δ(row j) = row i, δ(row i) = −row j on incoming blocks; −W2 M on outgoing columns.
        for a, b in zip(self.neuron_in(i), self.neuron_in(j)):
            rows += [*b, *a]
            cols += [*a, *b]
            vals += [1.0] * len(a) + [-1.0] * len(a)
        for a, b in zip(self.neuron_out(i), self.neuron_out(j)):
            rows += [*b, *a]
            cols += [*a, *b]
            vals += [1.0] * len(a) + [-1.0] * len(a)
        mat = sp.csr_array((vals, (rows, cols)), shape=(self.space.size,) * 2)
        return LinearGenerator(mat, self.space, name=f"rotate[{i},{j}]")

    def input_permutation(self, a: int = 0, b: int = 1) -> SignedPermutation:
        """Exchange columns a and b of W1 (permuting input features without permuting the data)."""
        if self.n_inputs < 2:
            raise InvalidValueError("input_permutation: needs at least two input features")
        return SignedPermutation.swap_blocks(self.space, [(self.space["W1"][:, a], self.space["W1"][:, b])],
                                             name=f"permute_inputs[{a},{b}]")

    def input_scaling_generator(self, a: int = 0) -> LinearGenerator:
        """Scale column a of W1: J = P θ with P the indicator of W1[:, a]."""
        return LinearGenerator.from_selections(self.space, plus=[self.space["W1"][:, a]], name=f"scale_input[{a}]")

    def symmetries(self) -> dict:
        """Catalogue ``{name: transformation}`` of this network's symmetries (MATH.md §C)."""
        out = {}
        if self.act.homogeneous:
            for j in range(self.hidden):
                out[f"rescale[{j}]"] = self.rescale_generator(j)
        if self.act.homogeneous and self.act.odd and self.hidden >= 2:
            out["rotate[0,1]"] = self.rotation_generator(0, 1)
        for j in range(self.hidden - 1):
            out[f"swap[{j},{j + 1}]"] = self.transposition(j, j + 1)
        if self.act.odd:
            for j in range(self.hidden):
                out[f"flip[{j}]"] = self.sign_flip(j)
        return out

    def controls(self) -> dict:
        """Transformations that are not symmetries of this network (negative controls)."""
        out = {}
        if not self.act.odd:
            out["flip[0]"] = self.sign_flip(0)
        if not self.act.homogeneous:
            out["rescale[0]"] = self.rescale_generator(0)
        if not (self.act.homogeneous and self.act.odd) and self.hidden >= 2:
            out["rotate[0,1]"] = self.rotation_generator(0, 1)
        if self.n_inputs >= 2:
            out["permute_inputs[0,1]"] = self.input_permutation(0, 1)
        out["scale_input[0]"] = self.input_scaling_generator(0)
        return out
