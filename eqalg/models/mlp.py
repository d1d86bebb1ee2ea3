"""Two-layer perceptron f(x) = W2 σ(W1 x + b1) + b2 with analytic gradient and batched HVP.

Parameters are flattened as θ = [vec W1, b1, vec W2, b2] (row-major), D = hd + h + oh + o
(MATH.md §C). The loss is L(θ) = (1/N) Σ_i ℓ(f(θ, x_i), y_i). Gradients use backpropagation;
Hessian-vector products use the forward-over-reverse R-operator (Pearlmutter 1994, "Fast
exact multiplication by the Hessian"), batched over k directions with BLAS matrix products.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..errors import (InvalidValueError, NonFiniteError, ShapeError, UnknownNameError, check_bool, check_choice,
                      check_positive, real_array)
from ..space import ParameterSpace
from ..transforms._closure import check_encoding
from ..transforms.discrete import MatrixMap, SignedPermutation
from ..transforms.equivariance import Equivariance
from ..transforms.linear import LinearGenerator
from ..transforms.maps import InputMap, LinearOutputMap
from .base import Model
from .catalogue import logit_translations
from .functions import get_activation, get_loss
from .homogeneity import HomogeneousNetwork
from .layers import DenseStack, join_layers, split_layer_directions, split_layers

__all__ = ["TwoLayerMLP"]


def _as_data(X, Y, loss_name):
    X, Y = real_array(X, "X"), real_array(Y, "Y")
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
        raise InvalidValueError("loss: cross_entropy expects targets Y whose rows are probability vectors (e.g. "
                                "one-hot); use loss='mse' for regression targets")
    X.setflags(write=False)
    Y.setflags(write=False)
    return X, Y


class TwoLayerMLP(HomogeneousNetwork, Model):
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
        self.bias = check_bool(bias, "bias")
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

    def _layers(self, theta):
        return split_layers(self.space, self.validate_theta(theta), 2)

    @property
    def _stack(self) -> DenseStack:
        # derived from act/out_loss on use, so that the two can never disagree
        return DenseStack([self.act], self.out_loss)

    def output(self, theta, X=None) -> np.ndarray:
        """Model outputs f(θ, x_i), shape (N, o) (on ``X`` if given, else the training inputs)."""
        Ws, bs = self._layers(theta)
        Xa = self.X if X is None else real_array(X, "X")
        if Xa.ndim != 2 or Xa.shape[1] != self.n_inputs:
            raise ShapeError(f"X: expected shape (N, {self.n_inputs}), got {Xa.shape}")
        return self._stack.forward(Ws, bs, Xa).f

    def per_sample_loss(self, theta) -> np.ndarray:
        """ℓ(f(θ, x_i), y_i), shape (N,)."""
        return self.out_loss.value(self.output(theta), self.Y)

    def loss(self, theta) -> float:
        """L(θ) = mean of the per-sample losses."""
        return float(np.mean(self.per_sample_loss(theta)))

    # Derivatives come from the dense-network engine shared with the zoo's deeper MLP
    # (eqalg.models.layers): backpropagation and the batched R-operator (Pearlmutter 1994).
    def loss_and_gradient(self, theta):
        """(L(θ), ∇L(θ)) from one forward and one backward pass."""
        Ws, bs = self._layers(theta)
        loss, gWs, gbs = self._stack.loss_and_gradient(Ws, bs, self.X, self.Y)
        return loss, join_layers(self.space, gWs, gbs)

    def gradient(self, theta) -> np.ndarray:
        """∇L(θ), shape (D,), by backpropagation."""
        return self.loss_and_gradient(theta)[1]

    def _hvp(self, theta, v, output_weights=None):
        V, single = self.validate_directions(v)
        Ws, bs = self._layers(theta)
        dWs, dbs = split_layer_directions(self.space, V, 2)
        HWs, Hbs = self._stack.hvp(Ws, bs, self.X, self.Y, dWs, dbs, output_weights=output_weights)[:2]
        out = join_layers(self.space, HWs, Hbs, V.shape[1])
        return out[:, 0] if single else out

    def hvp(self, theta, v) -> np.ndarray:
        """H(θ) v for v of shape (D,) or (D, k), exact (R-operator), k directions in one pass."""
        return self._hvp(theta, v)

    # -- model-level derivatives (outputs f(θ, x_i)) ------------------------------------------------
    def output_jvp(self, theta, v) -> np.ndarray:
        """Df(θ) v: output directional derivatives, shape (N, o) for v (D,), (k, N, o) for v (D, k)."""
        V, single = self.validate_directions(v)
        Ws, bs = self._layers(theta)
        dWs, dbs = split_layer_directions(self.space, V, 2)
        Rf = self._stack.output_jvp(Ws, bs, self.X, dWs, dbs)                 # (N, k, o)
        return Rf[:, 0, :] if single else Rf.transpose(1, 0, 2)

    def output_vjp(self, theta, w) -> np.ndarray:
        """Df(θ)ᵀ w = ∇_θ Σ_iq w_iq f_q(θ, x_i) for output weights w of shape (N, o); returns (D,)."""
        w = self._output_weights(w)
        Ws, bs = self._layers(theta)
        gWs, gbs = self._stack.vjp(Ws, bs, self.X, w)
        return join_layers(self.space, gWs, gbs)

    def output_hvp(self, theta, w, v) -> np.ndarray:
        """∇²_θ(Σ_iq w_iq f_q(θ, x_i)) v for w (N, o) and v (D,) or (D, k) (exact R-operator)."""
        return self._hvp(theta, v, output_weights=self._output_weights(w))

    @property
    def targets(self) -> np.ndarray:
        """Targets y_i, shape (N, o); the loss is (1/N) Σ_i ``output_loss``(f_i, y_i)."""
        return self.Y

    @property
    def output_loss(self):
        """The per-sample :class:`~eqalg.models.functions.OutputLoss` ℓ(z, y)."""
        return self.out_loss

    # -- non-smoothness -------------------------------------------------------------------------------
    def _preactivation_direction(self, v):
        dWs, dbs = split_layer_directions(self.space, np.asarray(v, dtype=np.float64).reshape(-1, 1), 2)
        Rz = self.X @ dWs[0][0].T
        return Rz if dbs[0] is None else Rz + dbs[0][0]

    def activation_pattern(self, theta):
        """Sign pattern of the pre-activations, shape (N, h), for kinked σ; None for smooth σ."""
        if not self.act.piecewise:
            return None
        W1, b1, _, _ = self._blocks(theta)
        z = self.X @ W1.T + (0.0 if b1 is None else b1)
        return z > 0

    def inactive_units(self, theta) -> np.ndarray:
        """Hidden units that are exactly 0 on every training sample (dead ReLUs), as indices.

        At such units the data cannot distinguish many parameter changes, so transformations
        that are not symmetries in general can leave the loss unchanged there (degenerate point).
        """
        W1, b1, _, _ = self._blocks(theta)
        a = self.act.f(self.X @ W1.T + (0.0 if b1 is None else b1))
        return np.flatnonzero(np.all(a == 0, axis=0))

    def at_kink(self, theta) -> bool:
        """True when a kinked σ has a pre-activation exactly at 0 for some sample (L not differentiable)."""
        if not self.act.piecewise:
            return False
        W1, b1, _, _ = self._blocks(theta)
        return bool(np.any(self.X @ W1.T + (0.0 if b1 is None else b1) == 0))

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
        with np.errstate(over="ignore"):        # |z| / (subnormal rate) = inf: no kink within reach
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

    def _unit(self, i, j, sign=1.0):
        self._check_neuron(i)
        self._check_neuron(j)
        M = np.zeros((self.hidden, self.hidden))
        M[i, j] += sign
        return M

    def rotation_generator(self, i: int, j: int) -> LinearGenerator:
        """Skew generator M = e_j e_iᵀ − e_i e_jᵀ of gl(h) (see :meth:`gl_generator`): mixes neurons i, j.

        A symmetry for linear σ (GL(h), MATH.md §C #3); not one for nonlinear σ. Skew, so it has
        no conserved quadratic of its own (L4).
        """
        return self.gl_generator(self._unit(j, i) - self._unit(i, j), name=f"rotate[{i},{j}]")

    def symmetric_gl_generator(self, i: int, j: int) -> LinearGenerator:
        """Symmetric generator M = e_i e_jᵀ + e_j e_iᵀ of gl(h); its charge is (W1W1ᵀ + b1b1ᵀ − W2ᵀW2)_ij."""
        if i == j:
            raise InvalidValueError("i, j: expected two different neurons (i == j is the rescaling)")
        return self.gl_generator(self._unit(i, j) + self._unit(j, i), name=f"glsym[{i},{j}]")

    def softmax_translations(self) -> dict:
        """Translations of the output layer that shift every logit equally (cross-entropy only).

        ``translate_W2[:,j]`` adds a common number to column j of W2 (W2 ↦ W2 + 1vᵀ) and
        ``translate_b2`` to every entry of b2: the softmax is unchanged, so gᵀc = 0 and H c = 0
        at every θ (MATH.md (L7), §C #9), and cᵀθ decays exactly as (1 − ηλ)^k (T2).
        """
        return logit_translations(self.space, 2)

    def gl_generator(self, M, *, name=None) -> LinearGenerator:
        """Generator of GL(h) for M ∈ gl(h): δW1 = M W1, δb1 = M b1, δW2 = −W2 M (sparse).

        A symmetry for linear σ (MATH.md §C #3; the hidden layer can be reparameterized by any
        G ∈ GL(h)); for positively homogeneous σ only diagonal M are, for other σ none.
        ``rotation_generator(i, j)`` is the skew case M = e_j e_iᵀ − e_i e_jᵀ. The generator is a
        symmetric matrix iff M is, and then ½θᵀA_Mθ = ½ tr(M (W1W1ᵀ + b1b1ᵀ − W2ᵀW2)) is
        conserved by gradient flow (L4).

        Raises
        ------
        ShapeError, NonFiniteError
            ``M`` is not a finite (h, h) array.
        """
        h = self.hidden
        M = np.asarray(M, dtype=np.float64)
        if M.shape != (h, h):
            raise ShapeError(f"M: expected shape ({h}, {h}), got {M.shape}")
        if not np.all(np.isfinite(M)):
            raise NonFiniteError("M: expected finite entries")
        a, b = np.nonzero(M)
        rows, cols, vals = [], [], []
        for blk in ("W1", "b1"):
            if blk in self.space:
                idx = self.space[blk].indices.reshape(h, -1)           # δ(row a) += M[a, b] row b
                rows.append(idx[a].ravel())
                cols.append(idx[b].ravel())
                vals.append(np.repeat(M[a, b], idx.shape[1]))
        idx = self.space["W2"].indices.reshape(-1, h).T                  # column j of W2 as row j
        rows.append(idx[b].ravel())                                      # δW2[:, b] −= W2[:, a] M[a, b]
        cols.append(idx[a].ravel())
        vals.append(-np.repeat(M[a, b], idx.shape[1]))
        mat = sp.csr_array((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                           shape=(self.space.size,) * 2)
        return LinearGenerator(mat, self.space, name=name or "gl")

    def output_fields(self, theta, X=None) -> list:
        """The gradient fields θ' ↦ ∇_θ f_q(θ', x) of every output q and input x, valid on θ's region.

        For σ ∈ {linear, relu, leaky_relu} the network is bilinear in (incoming, outgoing)
        weights once the activation pattern of θ on ``X`` is fixed, so each field is affine,
        J(θ') = H θ' + c with H = ∇²f_q (symmetric, constant on the region, 2h(d+1) non-zeros,
        sparse) and c = e_{b2[q]} (MATH.md B3; Marcotte, Gribonval & Peyré 2023).

        Parameters
        ----------
        theta : array_like (D,)
            Fixes the activation pattern (ReLU): no pre-activation may vanish.
        X : array_like (N, d), optional
            Inputs (default: the model's training inputs).

        Returns
        -------
        list of LinearGenerator
            N·o generators named ``"grad f[q](x[n])"``.

        Raises
        ------
        UnknownNameError
            σ is not linear, relu or leaky_relu (fields not linear in θ).
        InvalidValueError
            θ lies on a kink: some pre-activation w_j·x + b_j is zero.
        ShapeError, NonFiniteError
            Bad θ or X.
        """
        if self.act.name not in ("linear", "relu", "leaky_relu"):
            raise UnknownNameError(f"activation: output_fields (and conservation_law_count) need an activation "
                                   f"whose fields are linear in θ: linear, relu or leaky_relu; this model has "
                                   f"{self.act.name!r}")
        W1, b1, W2, _ = self._blocks(theta)
        Xa = self.X if X is None else real_array(X, "X")
        if Xa.ndim != 2 or Xa.shape[1] != self.n_inputs or Xa.shape[0] == 0:
            raise ShapeError(f"X: expected shape (N, {self.n_inputs}) with N ≥ 1, got {Xa.shape}")
        if not np.all(np.isfinite(Xa)):
            raise NonFiniteError("X: expected finite entries")
        z = Xa @ W1.T + (0.0 if b1 is None else b1)
        if self.act.piecewise:
            size = np.abs(Xa) @ np.abs(W1).T + (0.0 if b1 is None else np.abs(b1))
            bad = np.abs(z) <= 1e-12 * np.maximum(size, np.finfo(float).tiny)
            if np.any(bad):
                n, j = np.argwhere(bad)[0]
                raise InvalidValueError(f"theta: pre-activation of neuron {j} vanishes on input {n} (a kink); "
                                        "the fields are linear only inside an activation region")
        h, d, o = self.hidden, self.n_inputs, self.n_outputs
        # refuse before building N·o sparse generators that could never be encoded
        check_encoding(Xa.shape[0] * o, self.space.size, 2 * h * (d + self.bias) * o + (o if self.bias else 0),
                       f"X: {Xa.shape[0]} inputs{' (the training inputs)' if X is None else ''}", "gradient fields")
        slope = self.act.df(z)                                            # (N, h), constant on the region
        w1 = self.space["W1"].indices.reshape(h, d)
        w2 = self.space["W2"].indices.reshape(o, h)
        xt = np.hstack([Xa, np.ones((Xa.shape[0], 1))]) if self.bias else Xa
        inc = np.hstack([w1, self.space["b1"].indices[:, None]]) if self.bias else w1   # (h, d+1) incoming
        out = []
        for n in range(Xa.shape[0]):
            vals_n = (slope[n][:, None] * xt[n][None, :]).ravel()              # H[inc(j,k), W2[q,j]]
            for q in range(o):
                r = inc.ravel()
                c = np.repeat(w2[q], inc.shape[1])
                mat = sp.csr_array((np.concatenate([vals_n, vals_n]), (np.concatenate([r, c]),
                                                                        np.concatenate([c, r]))),
                                   shape=(self.space.size,) * 2)
                off = self.space.indicator(self.space["b2"][q]) if self.bias else None
                out.append(LinearGenerator(mat, self.space, offset=off, name=f"grad f[{q}](x[{n}])"))
        return out

    def input_permutation(self, a: int = 0, b: int = 1) -> SignedPermutation:
        """Exchange columns a and b of W1 (permuting input features without permuting the data)."""
        if self.n_inputs < 2:
            raise InvalidValueError("input_permutation: needs at least two input features")
        return SignedPermutation.swap_blocks(self.space, [(self.space["W1"][:, a], self.space["W1"][:, b])],
                                             name=f"permute_inputs[{a},{b}]")

    def input_scaling_generator(self, a: int = 0) -> LinearGenerator:
        """Scale column a of W1: J = P θ with P the indicator of W1[:, a]."""
        return LinearGenerator.from_selections(self.space, plus=[self.space["W1"][:, a]], name=f"scale_input[{a}]")

    def discrete_symmetry_group(self, max_order: int = 10 ** 6):
        """The hidden-unit group and its representation ρ on θ (MATH.md §C #12–#14).

        B_h (signed permutations of the h neurons, order 2^h h!) for odd σ, S_h otherwise. Neuron
        j's block is I_in(j) followed by I_out(j); a signed permutation (p, s) in gather form
        sends block p[i] to block i times s[i], so the generators act as :meth:`transposition`
        and :meth:`sign_flip`. Returns a :class:`~eqalg.transforms.representations.BlockRepresentation`
        ρ; ``rho.group`` is the FiniteGroup; ρ(g @ h) = ρ(g) ρ(h).

        Raises
        ------
        GroupTooLargeError
            The group's order exceeds ``max_order``.
        """
        from ..transforms.families import hyperoctahedral_group, symmetric_group
        from ..transforms.representations import BlockRepresentation

        family = hyperoctahedral_group if self.act.odd else symmetric_group
        G = family(self.hidden, max_order)
        blocks = np.array([np.concatenate(self.neuron_in(j) + self.neuron_out(j)) for j in range(self.hidden)])
        return BlockRepresentation(G, self.space, blocks, name=f"{G.name} on theta")

    def neuron_blocks(self) -> np.ndarray:
        """Flat indices of every hidden neuron's parameters, shape (h, p): row j is I_in(j) followed by
        I_out(j) (W1[j, :], b1[j], W2[:, j]; MATH.md §C), the blocks ``discrete_symmetry_group`` permutes."""
        return np.array([np.concatenate(self.neuron_in(j) + self.neuron_out(j)) for j in range(self.hidden)])

    def _neuron_list(self, neurons, minimum: int) -> np.ndarray:
        idx = np.asarray(list(neurons) if not isinstance(neurons, np.ndarray) else neurons)
        if idx.ndim != 1 or (idx.size and not np.issubdtype(idx.dtype, np.integer)):
            raise InvalidValueError(f"neurons: expected a list of neuron indices, got {neurons!r}")
        for j in idx.tolist():
            self._check_neuron(j)
        values, counts = np.unique(idx, return_counts=True)
        if np.any(counts > 1):
            raise InvalidValueError(f"neurons: expected distinct neurons, got {idx.tolist()} (neuron "
                                    f"{int(values[counts > 1][0])} repeated)")
        if idx.size < minimum:
            raise InvalidValueError(f"neurons: expected at least {minimum} neuron{'s' if minimum > 1 else ''}, "
                                    f"got {idx.tolist()}")
        return idx.astype(np.intp)

    def tie_neurons(self, theta, neurons) -> np.ndarray:
        """θ with the given hidden neurons made identical (a symmetric point, MATH.md D.9).

        Every tied neuron's incoming (W1 row, b1) and outgoing (W2 column) parameters are replaced
        by their mean over the tied neurons: the orthogonal projection of θ onto Fix(S_r) for the
        permutations S_r of these r neurons (MATH.md §C #12). The blocks are equal bit for bit, so
        every permutation of the tied neurons fixes the result exactly.

        Parameters
        ----------
        theta : array_like (D,)
        neurons : sequence of int
            At least two distinct hidden-neuron indices.

        Returns
        -------
        ndarray (D,)

        Raises
        ------
        ShapeError, NonFiniteError
            ``theta`` is not a finite vector of length D.
        InvalidValueError
            Fewer than two distinct neurons, or an index out of range.
        """
        idx = self._neuron_list(neurons, 2)
        theta = self.validate_theta(theta, "theta").copy()
        blocks = self.neuron_blocks()[idx]
        theta[blocks] = theta[blocks].mean(axis=0)
        return theta

    def zero_neurons(self, theta, neurons) -> np.ndarray:
        """θ with the given hidden neurons' incoming and outgoing parameters set to 0 (MATH.md D.9).

        For odd σ (tanh, linear) the sign flip of a zeroed neuron and the signed permutations of the
        zeroed neurons fix the point (B_r, MATH.md §C #13–#14, Ziyin 2024's mirror symmetry with
        O the neuron's coordinates); for other σ only their permutations (S_r).

        Parameters
        ----------
        theta : array_like (D,)
        neurons : sequence of int
            At least one distinct hidden-neuron index.

        Raises
        ------
        ShapeError, NonFiniteError
            ``theta`` is not a finite vector of length D.
        InvalidValueError
            No neuron, a repeated one, or an index out of range.
        """
        idx = self._neuron_list(neurons, 1)
        theta = self.validate_theta(theta, "theta").copy()
        theta[self.neuron_blocks()[idx]] = 0.0
        return theta

    def symmetries(self) -> dict:
        """Catalogue ``{name: transformation}`` of this network's symmetries (MATH.md §C).

        * ``rescale[j]`` (#1) for positively homogeneous σ;
        * for linear σ (GL(h), #3): ``glsym[j,j+1]`` (symmetric generators, whose charges are the
          off-diagonal entries of W1W1ᵀ + b1b1ᵀ − W2ᵀW2) and ``rotate[0,1]`` (skew);
        * ``swap[j,j+1]`` (#12, adjacent transpositions generate S_h) for every σ;
        * ``flip[j]`` (#13) for odd σ; ``logistic_flip[j]`` (#16, affine-in-the-output-bias,
          not orthogonal) for the sigmoid;
        * ``translate_W2[:,j]``, ``translate_b2`` (#9) for the cross-entropy loss.
        """
        out = {}
        if self.act.homogeneous:
            for j in range(self.hidden):
                out[f"rescale[{j}]"] = self.rescale_generator(j)
        if self.act.homogeneous and self.act.odd:
            for j in range(self.hidden - 1):
                out[f"glsym[{j},{j + 1}]"] = self.symmetric_gl_generator(j, j + 1)
            if self.hidden >= 2:
                out["rotate[0,1]"] = self.rotation_generator(0, 1)
        for j in range(self.hidden - 1):
            out[f"swap[{j},{j + 1}]"] = self.transposition(j, j + 1)
        if self.act.odd:
            for j in range(self.hidden):
                out[f"flip[{j}]"] = self.sign_flip(j)
        if self.act.logistic and self.bias:
            for j in range(self.hidden):
                out[f"logistic_flip[{j}]"] = self.logistic_flip(j)
        if self.out_loss.name == "cross_entropy":
            out.update(self.softmax_translations())
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
            out["glsym[0,1]"] = self.symmetric_gl_generator(0, 1)
        if self.n_inputs >= 2:
            out["permute_inputs[0,1]"] = self.input_permutation(0, 1)
        out["scale_input[0]"] = self.input_scaling_generator(0)
        return out

    # -- data and equivariances (MATH.md B4, B7) --------------------------------------------------------
    @property
    def inputs(self) -> np.ndarray:
        """Inputs x_i, shape (N, d) (read-only)."""
        return self.X

    def with_data(self, X=None, Y=None) -> "TwoLayerMLP":
        """The same architecture, activation, loss and bias setting on inputs ``X`` and targets ``Y``.

        Parameters
        ----------
        X : array_like (N', d), optional
            Inputs (the current ones when None).
        Y : array_like (N', o), optional
            Targets (the current ones when None).

        Raises
        ------
        ShapeError, NonFiniteError, InvalidValueError
            ``X`` with a different number of features, ``Y`` with a different number of outputs,
            mismatched rows, non-finite entries, non-probability targets for cross-entropy.
        """
        X = self.X if X is None else X
        Y = self.Y if Y is None else Y
        Xa, Ya = np.asarray(X), np.asarray(Y)
        if Xa.ndim != 2 or Xa.shape[1] != self.n_inputs:
            raise ShapeError(f"X: expected shape (N, {self.n_inputs}), got {Xa.shape}")
        if Ya.ndim != 2 or Ya.shape[1] != self.n_outputs:
            raise ShapeError(f"Y: expected shape (N, {self.n_outputs}), got {Ya.shape}")
        return TwoLayerMLP(X, Y, self.hidden, self.act.name, self.out_loss.name, bias=self.bias)

    @property
    def homogeneity_degree(self):
        """k with f(cθ) = c^k f(θ) for c > 0: 2 for a bias-free network with positively homogeneous σ, else None."""
        return 2 if (not self.bias and self.act.homogeneous) else None

    @property
    def n_layers(self) -> int:
        """Number of weight layers (2)."""
        return 2

    @staticmethod
    def _cycle(n: int, shift: int = 1) -> np.ndarray:
        return (np.arange(n) + shift) % n

    def input_permutation_equivariance(self, perm=None, data_perm=None) -> Equivariance:
        """Permute input features together with the columns of W1: f(Mθ, Px) = f(θ, x) (MATH.md B7).

        Parameters
        ----------
        perm : array_like of int (d,), optional
            (Px)[i] = x[perm[i]] and W1'[:, i] = W1[:, perm[i]]; a cyclic shift by default.
        data_perm : array_like of int (d,), optional
            A different permutation for the data only: a negative control.

        Raises
        ------
        ShapeError
            ``perm`` is not a permutation of range(d).
        """
        d = self.n_inputs
        perm = self._cycle(d) if perm is None else np.asarray(perm)
        P = InputMap.permutation(perm)
        cols = self.space["W1"].indices.reshape(self.hidden, d)
        p = np.arange(self.space.size)
        p[cols] = cols[:, P.matrix.argmax(axis=1)]
        M = SignedPermutation(p, None, self.space, name="permute_inputs")
        data = P if data_perm is None else InputMap.permutation(data_perm)
        tag = "" if data_perm is None else "(wrong data map)"
        return Equivariance(M, data=data, name=f"permute_inputs{tag}")

    def class_permutation_equivariance(self, perm=None, output_perm=None) -> Equivariance:
        """Permute output classes: rows of W2 and entries of b2, f(Mθ, x) = R f(θ, x) (MATH.md B7).

        A relabelling: with targets permuted alike, L_{(X, RY)}(Mθ) = L_{(X, Y)}(θ).

        Parameters
        ----------
        perm : array_like of int (o,), optional
            (Rz)[i] = z[perm[i]]; a cyclic shift by default.
        output_perm : array_like of int (o,), optional
            A different permutation for R only: a negative control.
        """
        o = self.n_outputs
        perm = self._cycle(o) if perm is None else np.asarray(perm)
        R = LinearOutputMap.permutation(perm)
        src = R.matrix.argmax(axis=1)
        p = np.arange(self.space.size)
        rows = self.space["W2"].indices.reshape(o, self.hidden)
        p[rows] = rows[src]
        if self.bias:
            b2 = self.space["b2"].indices
            p[b2] = b2[src]
        M = SignedPermutation(p, None, self.space, name="permute_classes")
        out = R if output_perm is None else LinearOutputMap.permutation(output_perm)
        tag = "" if output_perm is None else "(wrong output map)"
        return Equivariance(M, output=out, name=f"permute_classes{tag}")

    def logistic_flip(self, j: int) -> MatrixMap:
        """The sigmoid neuron flip (w_j, b_j, a_j, c) ↦ (−w_j, −b_j, −a_j, c + a_j) (MATH.md D7, §C #16).

        A linear involution that is *not* orthogonal: a symmetry when σ(−z) = 1 − σ(z); (D1) puts
        the gradient at its fixed points in Fix(Mᵀ) (∂L/∂a_j = ½ ∂L/∂c), not in Fix(M) (Ziyin 2024).

        Raises
        ------
        InvalidValueError
            The network has no biases (c = b2 is needed), or ``j`` is out of range.
        """
        if not self.bias:
            raise InvalidValueError("logistic_flip: needs the output bias b2 (bias=True)")
        self._check_neuron(j)
        # assembled in CSR directly: a LIL copy of the D x D identity per flip took ~0.1 s each
        d = self.space.size
        diag = np.ones(d)
        for idx in self.neuron_in(j) + self.neuron_out(j):
            diag[idx] = -1.0
        out_j, b2 = self.neuron_out(j)[0], self.space["b2"].indices
        shift = sp.csr_array((np.ones(b2.size), (b2, out_j)), shape=(d, d))   # c' = c + a_j
        return MatrixMap(sp.csr_array(sp.diags_array(diag)) + shift, None, self.space, name=f"logistic_flip[{j}]")

    def equivariances(self) -> dict:
        """Catalogue ``{name: Equivariance}`` of this network's equivariances (MATH.md B4, B7, §C #11).

        ``homogeneity(k=2)`` and ``homogeneity[layer 1]`` for bias-free positively homogeneous σ;
        ``homogeneity[layer 2]`` always; ``permute_inputs`` (d ≥ 2) and ``permute_classes``
        (o ≥ 2), cyclic shifts.
        """
        out = self.homogeneity_equivariances()
        if self.n_inputs >= 2:
            out["permute_inputs"] = self.input_permutation_equivariance()
        if self.n_outputs >= 2:
            out["permute_classes"] = self.class_permutation_equivariance()
        return out

    def equivariance_controls(self) -> dict:
        """Negative controls for :meth:`equivariances`: wrong degrees (k ± 1) and wrong permutations."""
        out = self.homogeneity_controls()
        d, o = self.n_inputs, self.n_outputs
        if d >= 2:
            out["permute_inputs(wrong data map)"] = self.input_permutation_equivariance(
                data_perm=self._cycle(d, -1) if d > 2 else np.arange(d))
        if o >= 2:
            out["permute_classes(wrong output map)"] = self.class_permutation_equivariance(
                output_perm=self._cycle(o, -1) if o > 2 else np.arange(o))
        return out
