"""Multilayer perceptron of any depth with analytic gradient, batched HVP and a symmetry catalogue.

f(x) = W_L σ(… σ(W_1 x + b_1) …) + b_L, θ = [vec W_1, b_1, …, vec W_L, b_L] (row-major, MATH.md
§A); the biases are optional (bias-free ReLU networks are positively homogeneous of degree L,
MATH.md B4 / §C #11). Derivatives come from :class:`~eqalg.models.layers.DenseStack`.

The catalogue (:meth:`MLP.symmetries`) is decided by the activation family (MATH.md D.3): for
each hidden layer l and neuron j,

* positively homogeneous σ (ReLU, leaky ReLU, linear): per-neuron rescaling ``rescale[l][j]``
  (§C #1) and layer balancing ``balance[l]`` (§C #2, Du, Hu & Lee 2018);
* every σ: adjacent neuron transpositions ``swap[l][j,j+1]`` (§C #12, generating S_n);
* odd σ (tanh, linear): sign flips ``flip[l][j]`` (§C #13); linear σ also a rotation in GL(n_l);
* logistic σ (sigmoid): the affine neuron flip ``sflip[l][j]`` (§C #16, (D7)), a non-orthogonal
  linear map: (w_j, b_j, W_{l+1}[:, j], b_{l+1}) ↦ (−w_j, −b_j, −W_{l+1}[:, j], b_{l+1} + W_{l+1}[:, j]);
* cross-entropy loss (any σ): the translations of the output layer that add one number to every
  logit, ``translate_W{L}[:,j]`` (W_L ↦ W_L + 1vᵀ) and ``translate_b{L}`` (§C #9, (L7)).
"""

from __future__ import annotations

import numbers

import numpy as np
import scipy.sparse as sp

from ..errors import InvalidValueError, NonFiniteError, ShapeError, check_bool, check_positive, real_array
from ..space import ParameterSpace
from ..transforms.discrete import MatrixMap, SignedPermutation
from ..transforms.linear import LinearGenerator
from .base import Model
from .catalogue import (block_generator, block_map, column_scaling, column_swap, left_multiply, logit_translations,
                        right_multiply, unit_matrix)
from .functions import get_activation, get_loss
from .homogeneity import HomogeneousNetwork
from .layers import DenseStack, dense_blocks, join_layers, split_layer_directions, split_layers
from .mlp import _as_data

__all__ = ["MLP", "hidden_widths"]


def hidden_widths(hidden, depth) -> tuple:
    """Hidden widths (n_1, …, n_{L−1}) from an int (all equal) or a sequence, checked against depth L.

    Raises
    ------
    InvalidValueError
        Non-positive widths, depth < 1, or a sequence whose length is not depth − 1.
    """
    depth = int(check_positive(depth, "depth", integer=True))
    if isinstance(hidden, numbers.Integral) and not isinstance(hidden, bool):
        return (int(check_positive(hidden, "hidden", integer=True)),) * (depth - 1)
    try:
        widths = tuple(hidden)
    except TypeError:
        raise InvalidValueError(f"hidden: expected a positive integer or a sequence of them, got {hidden!r}") from None
    for w in widths:
        check_positive(w, "hidden", integer=True)
    if len(widths) != depth - 1:
        raise InvalidValueError(f"hidden: expected {depth - 1} widths for depth {depth}, got {len(widths)}")
    return tuple(int(w) for w in widths)


class MLP(HomogeneousNetwork, Model):
    """A depth-L perceptron ``W_L σ(… σ(W_1 x + b_1) …) + b_L`` on a fixed data set, with exact derivatives.

    Parameters
    ----------
    X : array_like, shape (N, d)
    Y : array_like, shape (N, o)
        Targets (one-hot rows for ``loss="cross_entropy"``).
    hidden : int or sequence of int
        Hidden widths: one int for all L − 1 hidden layers, or L − 1 ints.
    depth : int
        Number of weight layers L ≥ 2 (default 2).
    activation : {"relu", "leaky_relu", "tanh", "linear", "sigmoid"}
    loss : {"mse", "cross_entropy"}
    bias : bool
        Include the biases b_l (default True). Without them a ReLU or linear network is
        positively homogeneous of degree L: f(cθ) = c^L f(θ), c > 0 (MATH.md B4).

    Raises
    ------
    ShapeError, NonFiniteError, InvalidValueError, UnknownNameError
        Bad data, widths, depth, activation or loss.

    Notes
    -----
    Gradient by backpropagation, HVP by the batched R-operator (Pearlmutter 1994) — see
    :mod:`eqalg.models.layers`. The catalogue is documented in the module docstring; the
    controls (:meth:`controls`) are transformations of the same form that are *not*
    symmetries for this activation, plus an input-feature permutation and an input scaling.
    """

    zoo_name = "mlp"

    def __init__(self, X, Y, hidden=8, depth: int = 2, activation: str = "relu", loss: str = "mse", *,
                 bias: bool = True):
        self.act = get_activation(activation)
        self.out_loss = get_loss(loss)
        self.X, self.Y = _as_data(X, Y, loss)
        self.depth = int(check_positive(depth, "depth", integer=True))
        if self.depth < 2:
            raise InvalidValueError(f"depth: expected at least 2 weight layers, got {depth}")
        self.widths = (self.X.shape[1],) + hidden_widths(hidden, self.depth) + (self.Y.shape[1],)
        self.bias = check_bool(bias, "bias")
        self.n_samples = self.X.shape[0]
        self._space = ParameterSpace(dense_blocks(self.widths, self.bias))
        self._stack = DenseStack([self.act] * (self.depth - 1), self.out_loss)

    # -- interface ------------------------------------------------------------------------------------
    @property
    def space(self) -> ParameterSpace:
        return self._space

    @property
    def hidden(self) -> tuple:
        """Hidden widths (n_1, …, n_{L−1})."""
        return self.widths[1:-1]

    @property
    def homogeneity_degree(self):
        """k with f(cθ) = c^k f(θ) for c > 0 (bias-free, positively homogeneous σ), else None (MATH.md B4)."""
        return self.depth if (self.act.homogeneous and not self.bias) else None

    @property
    def n_layers(self) -> int:
        """Number of weight layers L (the depth)."""
        return self.depth

    def equivariances(self) -> dict:
        """Homogeneity equivariances ``{name: Equivariance}`` (MATH.md B4, §C #11): the whole network
        (k = depth) and each layer (k = 1) when bias-free with positively homogeneous σ; the last layer
        always."""
        return self.homogeneity_equivariances()

    def equivariance_controls(self) -> dict:
        """Wrong degrees for :meth:`equivariances` (k ± 1; 2 for the last layer)."""
        return self.homogeneity_controls()

    def describe(self) -> dict:
        """Hyperparameters as a JSON-ready dict."""
        return {"name": self.zoo_name, "class": type(self).__name__, "activation": self.act.name,
                "loss": self.out_loss.name, "depth": self.depth, "widths": list(self.widths),
                "inputs": self.widths[0], "hidden": list(self.hidden), "outputs": self.widths[-1],
                "bias": self.bias, "parameters": self.space.size}

    # -- reparameterization hooks (identity here; NormalizedMLP overrides) ---------------------------
    def _effective(self, Ws):
        """The weights the network computes with (identity map here)."""
        return Ws

    def _pull_gradient(self, Ws, Ue, gUs):
        """∂L/∂W from ∂L/∂(effective weights) (identity here)."""
        return gUs

    def _push_directions(self, Ws, Ue, dWs):
        """Directions of the effective weights from directions of W (identity here)."""
        return dWs

    def _pull_hvp(self, Ws, Ue, dWs, HUs, gUs):
        """H_W v from the effective-weight HVP (identity here)."""
        return HUs

    #: True when _pull_hvp needs the effective-weight gradient.
    _hvp_needs_gradient = False

    def _layers(self, theta):
        return split_layers(self.space, self.validate_theta(theta), self.depth)

    # -- loss and derivatives ---------------------------------------------------------------------------
    def output(self, theta, X=None) -> np.ndarray:
        """Model outputs f(θ, x_i), shape (N, o) (on ``X`` if given, else the training inputs)."""
        Ws, bs = self._layers(theta)
        Xa = self.X if X is None else real_array(X, "X")
        if Xa.ndim != 2 or Xa.shape[1] != self.widths[0]:
            raise ShapeError(f"X: expected shape (N, {self.widths[0]}), got {Xa.shape}")
        return self._stack.forward(self._effective(Ws), bs, Xa).f

    def output_jvp(self, theta, v) -> np.ndarray:
        """Df(θ) v: output directional derivatives, shape (N, o) for v (D,), (k, N, o) for v (D, k).

        Used by model-level identities such as Euler's Df θ = k f for homogeneous networks (M1).
        """
        V, single = self.validate_directions(v)
        Ws, bs = self._layers(theta)
        Ue = self._effective(Ws)
        dWs, dbs = split_layer_directions(self.space, V, self.depth)
        Rf = self._stack.output_jvp(Ue, bs, self.X, self._push_directions(Ws, Ue, dWs), dbs)  # (N, k, o)
        return Rf[:, 0, :] if single else Rf.transpose(1, 0, 2)

    def output_vjp(self, theta, w) -> np.ndarray:
        """Df(θ)ᵀ w = ∇_θ Σ_iq w_iq f_q(θ, x_i) for output weights w (N, o); shape (D,)."""
        w = self._output_weights(w)
        Ws, bs = self._layers(theta)
        Ue = self._effective(Ws)
        gUs, gbs = self._stack.vjp(Ue, bs, self.X, w)
        return join_layers(self.space, self._pull_gradient(Ws, Ue, gUs), gbs)

    def output_hvp(self, theta, w, v) -> np.ndarray:
        """∇²_θ(Σ_iq w_iq f_q(θ, x_i)) v for w (N, o) and v (D,) or (D, k), exact (R-operator)."""
        w = self._output_weights(w)
        return self._hvp(theta, v, output_weights=w)

    @property
    def targets(self) -> np.ndarray:
        """Targets y_i, shape (N, o); the loss is (1/N) Σ_i ``output_loss``(f_i, y_i)."""
        return self.Y

    @property
    def output_loss(self):
        """The per-sample :class:`~eqalg.models.functions.OutputLoss` ℓ(z, y)."""
        return self.out_loss

    def per_sample_loss(self, theta) -> np.ndarray:
        """ℓ(f(θ, x_i), y_i), shape (N,)."""
        return self.out_loss.value(self.output(theta), self.Y)

    def loss(self, theta) -> float:
        """L(θ) = mean of the per-sample losses."""
        return float(np.mean(self.per_sample_loss(theta)))

    def loss_and_gradient(self, theta):
        """(L(θ), ∇L(θ)) from one forward and one backward pass."""
        Ws, bs = self._layers(theta)
        Ue = self._effective(Ws)
        loss, gUs, gbs = self._stack.loss_and_gradient(Ue, bs, self.X, self.Y)
        return loss, join_layers(self.space, self._pull_gradient(Ws, Ue, gUs), gbs)

    def gradient(self, theta) -> np.ndarray:
        """∇L(θ), shape (D,), by backpropagation."""
        return self.loss_and_gradient(theta)[1]

    def hvp(self, theta, v) -> np.ndarray:
        """H(θ) v for v of shape (D,) or (D, k), exact (R-operator), k directions in one pass."""
        return self._hvp(theta, v)

    def _hvp(self, theta, v, output_weights=None):
        V, single = self.validate_directions(v)
        Ws, bs = self._layers(theta)
        Ue = self._effective(Ws)
        dWs, dbs = split_layer_directions(self.space, V, self.depth)
        res = self._stack.hvp(Ue, bs, self.X, self.Y, self._push_directions(Ws, Ue, dWs), dbs,
                              with_gradient=self._hvp_needs_gradient, output_weights=output_weights)
        HUs, Hbs = res[0], res[1]
        HWs = self._pull_hvp(Ws, Ue, dWs, HUs, res[2] if self._hvp_needs_gradient else None)
        out = join_layers(self.space, HWs, Hbs, V.shape[1])
        return out[:, 0] if single else out

    def inactive_units(self, theta) -> np.ndarray:
        """Hidden units that are exactly 0 on every training sample (dead ReLUs), as (layer, unit) rows.

        At such units the data cannot distinguish many parameter changes, so transformations that
        are not symmetries in general can leave the loss unchanged there (degenerate point).
        """
        Ws, bs = self._layers(theta)
        acts = self._stack.forward(self._effective(Ws), bs, self.X).acts[1:]
        rows = [(l + 1, j) for l, a in enumerate(acts) for j in np.flatnonzero(np.all(a == 0, axis=0))]
        return np.array(rows, dtype=int).reshape(-1, 2)

    # -- non-smoothness (ReLU-type kinks) ---------------------------------------------------------------
    def activation_pattern(self, theta):
        """Signs of all hidden pre-activations (concatenated, (N, Σ n_l)) for kinked σ; None otherwise."""
        if not self.act.piecewise:
            return None
        Ws, bs = self._layers(theta)
        fw = self._stack.forward(self._effective(Ws), bs, self.X)
        return np.concatenate([z > 0 for z in fw.zs], axis=1)

    def smooth_radius(self, theta, v) -> float:
        """Distance along θ + s v to the nearest kink, min |z| / |∂_v z| over hidden pre-activations.

        Exact for the first hidden layer of a plain MLP (z₁ is affine in θ); a first-order
        estimate for deeper layers and reparameterized layers — the finite-difference backend
        also compares activation patterns at the ends of its stencil.
        """
        if not self.act.piecewise:
            return np.inf
        v = np.asarray(v, dtype=np.float64).reshape(-1, 1)
        Ws, bs = self._layers(theta)
        Ue = self._effective(Ws)
        dWs, dbs = split_layer_directions(self.space, v, self.depth)
        dUs = self._push_directions(Ws, Ue, dWs)
        radius = np.inf
        for z, rz in zip(*self._stack.preactivation_jvp(Ue, bs, self.X, dUs, dbs)):
            rz = np.abs(rz)
            moving = rz > 0
            if np.any(moving):
                with np.errstate(over="ignore"):    # |z| / (subnormal rate) = inf: no kink within reach
                    radius = min(radius, float(np.min(np.abs(z[moving]) / rz[moving])))
        return radius

    # -- parameters ---------------------------------------------------------------------------------------
    def init_params(self, rng: np.random.Generator) -> np.ndarray:
        """A generic random θ: He (ReLU-type) or Xavier-scaled weights, small random biases.

        Parameters
        ----------
        rng : numpy.random.Generator
        """
        if not isinstance(rng, np.random.Generator):
            raise InvalidValueError(f"rng: expected a numpy.random.Generator, got {type(rng).__name__}")
        gain = np.sqrt(2.0) if self.act.homogeneous and not self.act.odd else 1.0
        blocks = {}
        for l in range(1, self.depth + 1):
            n_out, n_in = self.widths[l], self.widths[l - 1]
            g = gain if l < self.depth else 1.0
            blocks[f"W{l}"] = rng.standard_normal((n_out, n_in)) * g / np.sqrt(n_in)
            if self.bias:
                blocks[f"b{l}"] = 0.1 * rng.standard_normal(n_out)
        return self.space.flatten(blocks)

    # -- selectors ------------------------------------------------------------------------------------------
    def _check_neuron(self, layer, j=0):
        if not isinstance(layer, (int, np.integer)) or not 1 <= layer < self.depth:
            raise InvalidValueError(f"layer: expected a hidden layer in [1, {self.depth - 1}], got {layer!r}")
        if not isinstance(j, (int, np.integer)) or not 0 <= j < self.widths[layer]:
            raise InvalidValueError(f"neuron: expected an integer in [0, {self.widths[layer]}), got {j!r}")

    def neuron_in(self, layer: int, j: int) -> list:
        """Flat index arrays of neuron j's incoming parameters in hidden layer ``layer``: W_l[j, :], b_l[j]."""
        self._check_neuron(layer, j)
        sel = [self.space[f"W{layer}"][j, :]]
        if self.bias:
            sel.append(self.space[f"b{layer}"][j])
        return sel

    def neuron_out(self, layer: int, j: int) -> list:
        """Flat index arrays of neuron j's outgoing parameters: W_{l+1}[:, j]."""
        self._check_neuron(layer, j)
        return [self.space[f"W{layer + 1}"][:, j]]

    # -- transformations ----------------------------------------------------------------------------------
    def rescale_generator(self, layer: int, j: int) -> LinearGenerator:
        """A = diag(+1 on I_in(j), −1 on I_out(j)) of hidden layer ``layer`` (MATH.md §C #1)."""
        return LinearGenerator.from_selections(self.space, plus=self.neuron_in(layer, j),
                                               minus=self.neuron_out(layer, j), name=f"rescale[{layer}][{j}]")

    def balance_generator(self, layer: int) -> LinearGenerator:
        """Σ_j A_j of one hidden layer: scale (W_l, b_l) up and W_{l+1} down (MATH.md §C #2, Du et al. 2018).

        Its charge ½(‖W_l‖² + ‖b_l‖² − ‖W_{l+1}‖²) is conserved by gradient flow.
        """
        self._check_neuron(layer)
        plus = [self.space[f"W{layer}"].indices] + ([self.space[f"b{layer}"].indices] if self.bias else [])
        return LinearGenerator.from_selections(self.space, plus=plus, minus=[self.space[f"W{layer + 1}"].indices],
                                               name=f"balance[{layer}]")

    def transposition(self, layer: int, i: int, j: int) -> SignedPermutation:
        """Exchange neurons i and j of a hidden layer (rows of W_l, b_l; columns of W_{l+1}) (MATH.md §C #12)."""
        pairs = list(zip(self.neuron_in(layer, i) + self.neuron_out(layer, i),
                         self.neuron_in(layer, j) + self.neuron_out(layer, j)))
        return SignedPermutation.swap_blocks(self.space, pairs, name=f"swap[{layer}][{i},{j}]")

    def sign_flip(self, layer: int, j: int) -> SignedPermutation:
        """Negate neuron j's incoming and outgoing parameters (MATH.md §C #13; a symmetry for odd σ)."""
        return SignedPermutation.negate(self.space, *self.neuron_in(layer, j), *self.neuron_out(layer, j),
                                        name=f"flip[{layer}][{j}]")

    def sigmoid_flip(self, layer: int, j: int) -> MatrixMap:
        """The logistic neuron flip (MATH.md §C #16, (D7)): a non-orthogonal linear involution.

        (w_j, b_j) ↦ (−w_j, −b_j), W_{l+1}[:, j] ↦ −W_{l+1}[:, j], b_{l+1} ↦ b_{l+1} + W_{l+1}[:, j],
        a symmetry because σ(−z) = 1 − σ(z). Only (D1)/(D2) apply to it: the gradient at a fixed
        point lies in Fix(Mᵀ) (∂L/∂W_{l+1}[q, j] = ½ ∂L/∂b_{l+1}[q]), not in Fix(M).

        Raises
        ------
        InvalidValueError
            The network has no biases (the shift cannot be absorbed).
        """
        if not self.bias:
            raise InvalidValueError("sigmoid_flip: needs biases (the flip shifts b_{l+1})")
        d = self.space.size
        diag = np.ones(d)
        for sel in self.neuron_in(layer, j) + self.neuron_out(layer, j):
            diag[sel] = -1.0
        out_w = self.space[f"W{layer + 1}"][:, j]
        out_b = self.space[f"b{layer + 1}"].indices
        shift = sp.csr_array((np.ones(out_b.size), (out_b, out_w)), shape=(d, d))
        return MatrixMap(sp.csr_array(sp.diags_array(diag)) + shift, None, self.space, name=f"sflip[{layer}][{j}]")

    def gl_generator(self, layer: int, M, *, name: str | None = None) -> LinearGenerator:
        """δW_l = M W_l, δb_l = M b_l, δW_{l+1} = −W_{l+1} M: gl(n_l) between layers l and l+1 (§C #3, #5).

        A symmetry for linear σ only. A_M is symmetric exactly when M is (A_Mᵀ = A_{Mᵀ}).
        """
        self._check_neuron(layer)
        n = self.widths[layer]
        M = np.asarray(M, dtype=np.float64)
        blocks = {f"W{layer}": left_multiply(M, (n, self.widths[layer - 1])),
                  f"W{layer + 1}": -right_multiply(M, (self.widths[layer + 1], n))}
        if self.bias:
            blocks[f"b{layer}"] = left_multiply(M, (n,))
        return block_generator(self.space, blocks, name=name)

    def gl_element(self, layer: int, G, *, name: str | None = None) -> MatrixMap:
        """The group element (W_l, b_l, W_{l+1}) ↦ (G W_l, G b_l, W_{l+1} G⁻¹) of GL(n_l), a MatrixMap (§C #3, (L8))."""
        self._check_neuron(layer)
        n = self.widths[layer]
        G = np.asarray(G, dtype=np.float64)
        blocks = {f"W{layer}": left_multiply(G, (n, self.widths[layer - 1])),
                  f"W{layer + 1}": right_multiply(np.linalg.inv(G), (self.widths[layer + 1], n))}
        if self.bias:
            blocks[f"b{layer}"] = left_multiply(G, (n,))
        return block_map(self.space, blocks, name=name)

    def rotation_generator(self, layer: int, i: int, j: int) -> LinearGenerator:
        """The skew generator M = e_j e_iᵀ − e_i e_jᵀ of gl(n_l) (a rotation mixing neurons i and j)."""
        self._check_neuron(layer, i)
        self._check_neuron(layer, j)
        n = self.widths[layer]
        return self.gl_generator(layer, unit_matrix(n, j, i) - unit_matrix(n, i, j), name=f"rotate[{layer}][{i},{j}]")

    def input_permutation(self, a: int = 0, b: int = 1) -> SignedPermutation:
        """Exchange columns a and b of W_1 (permuting input features without permuting the data)."""
        return column_swap(self.space, "W1", a, b, name=f"permute_inputs[{a},{b}]")

    def input_scaling_generator(self, a: int = 0) -> LinearGenerator:
        """Scale column a of W_1: J = P θ with P the indicator of W_1[:, a] (not a symmetry)."""
        return column_scaling(self.space, "W1", a, name=f"scale_input[{a}]")

    # -- catalogue ----------------------------------------------------------------------------------------
    def symmetries(self) -> dict:
        """Catalogue ``{name: transformation}`` of this network's symmetries (module docstring, MATH.md §C)."""
        out = {}
        for l in range(1, self.depth):
            n = self.widths[l]
            if self.act.homogeneous:
                for j in range(n):
                    t = self.rescale_generator(l, j)
                    out[t.name] = t
                t = self.balance_generator(l)
                out[t.name] = t
            if self.act.homogeneous and self.act.odd and n >= 2:
                t = self.rotation_generator(l, 0, 1)
                out[t.name] = t
            for j in range(n - 1):
                t = self.transposition(l, j, j + 1)
                out[t.name] = t
            if self.act.odd:
                for j in range(n):
                    t = self.sign_flip(l, j)
                    out[t.name] = t
            if self.act.logistic and self.bias:
                for j in range(n):
                    t = self.sigmoid_flip(l, j)
                    out[t.name] = t
        out.update(self.softmax_translations())
        return out

    def controls(self) -> dict:
        """Transformations of the catalogue's forms that are not symmetries here (negative controls)."""
        out = {}
        if not self.act.odd:
            t = self.sign_flip(1, 0)
            out[t.name] = t
        if not self.act.homogeneous:
            t = self.rescale_generator(1, 0)
            out[t.name] = t
        if not (self.act.homogeneous and self.act.odd) and self.widths[1] >= 2:
            t = self.rotation_generator(1, 0, 1)
            out[t.name] = t
        if self.widths[0] >= 2:
            t = self.input_permutation(0, 1)
            out[t.name] = t
        t = self.input_scaling_generator(0)
        out[t.name] = t
        return out

    def conserved_generators(self) -> dict:
        """Symmetric generators S of the catalogue, whose charges ½θᵀSθ are conserved by gradient flow (L4).

        For positively homogeneous σ the rescalings ``rescale[l][j]`` and balancings ``balance[l]``
        (diagonal); the catalogue's other generators (``rotate``) are skew, and other σ have none.
        With the cross-entropy loss also the logit translations c, whose charges cᵀθ (the column
        sums of W_L and the sum of b_L) obey (T2). Built directly rather than filtered from
        :meth:`symmetries`, which would build the whole catalogue (swaps, flips) a second time.
        """
        out = {}
        if self.act.homogeneous:
            for l in range(1, self.depth):
                for j in range(self.widths[l]):
                    t = self.rescale_generator(l, j)
                    out[t.name] = t
                t = self.balance_generator(l)
                out[t.name] = t
        out.update(self.softmax_translations())
        return out

    def softmax_translations(self) -> dict:
        """Translations of the output layer that add one number to every logit (cross-entropy only; else {}).

        ``translate_W{L}[:,j]`` adds a common number to column j of W_L (W_L ↦ W_L + 1vᵀ shifts
        every logit by v·a_{L−1}) and ``translate_b{L}`` to every entry of b_L; the softmax is
        unchanged, so gᵀc = 0 and H c = 0 at every θ (MATH.md (L7), §C #9) and cᵀθ decays exactly
        as (1 − ηλ)^k under gradient descent with weight decay λ (T2). Kunin et al. 2021
        (Neural Mechanics, translation symmetry of softmax).
        """
        return logit_translations(self.space, self.depth) if self.out_loss.name == "cross_entropy" else {}
