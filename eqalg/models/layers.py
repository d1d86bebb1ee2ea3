"""Dense feed-forward stacks: forward pass, backpropagation and the batched R-operator.

A stack of L dense layers maps inputs a₀ = X (N, n₀) through

    z_l = a_{l−1} W_lᵀ + b_l   (W_l of shape (n_l, n_{l−1}), b_l optional),
    a_l = σ_l(z_l)  for the hidden layers l < L,   f = z_L  (the output, no activation),

and the loss is L = (1/N) Σ_i ℓ(f_i, y_i). This module holds the derivative code shared by the
MLP-like models of the zoo (:class:`~eqalg.models.deep_mlp.MLP`,
:class:`~eqalg.models.deep_linear.DeepLinear`, :class:`~eqalg.models.sigmoid.SigmoidMLP`,
:class:`~eqalg.models.normalized.NormalizedMLP`; ``MLP`` of depth 2 is the network of
:class:`~eqalg.models.mlp.TwoLayerMLP`, with the same θ layout): gradients by backpropagation,
output VJPs/JVPs, and exact Hessian-vector products by the forward-over-reverse R-operator
(Pearlmutter 1994, "Fast exact multiplication by the Hessian"), batched over k directions.

Layout. Batched quantities are stored as (N, k, n): every product with a weight matrix is then
one BLAS matrix product over N·k rows, and every product with a direction's weights is one
product with the (k·n_l, n_{l−1}) stack of the k directions. A single HVP costs three passes of
the size of a gradient's largest matrix product (forward, R-forward, R-backward) against the
gradient's two; the forward pass is shared by all k directions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import softmax

from ..space import ParameterSpace
from .functions import ACTIVATIONS, LOSSES, Activation, OutputLoss

__all__ = ["DenseStack", "DensePass", "dense_blocks", "split_layers", "split_layer_directions", "join_layers",
           "rows_to_columns", "CHUNK_ELEMENTS"]

#: Target size (entries) of one (N, chunk, n_l) intermediate of a batched HVP (see DenseStack.hvp).
CHUNK_ELEMENTS = 1 << 18


def dense_blocks(widths, bias: bool) -> list:
    """Block declarations ``[("W1", (n1, n0)), ("b1", (n1,)), ("W2", ...), ...]`` for widths (n₀, …, n_L)."""
    blocks = []
    for l in range(1, len(widths)):
        blocks.append((f"W{l}", (int(widths[l]), int(widths[l - 1]))))
        if bias:
            blocks.append((f"b{l}", (int(widths[l]),)))
    return blocks


def split_layers(space: ParameterSpace, theta: np.ndarray, depth: int) -> tuple[list, list]:
    """(weights, biases) of θ as lists of views; a bias is None when the space has no ``b{l}`` block."""
    p = space.unflatten(theta)
    return [p[f"W{l}"] for l in range(1, depth + 1)], [p.get(f"b{l}") for l in range(1, depth + 1)]


#: Rows per block of :func:`rows_to_columns` (blocks of 512 × k doubles stay in L1/L2 cache).
_TRANSPOSE_ROWS = 512


def rows_to_columns(M: np.ndarray) -> np.ndarray:
    """Mᵀ as a new C-contiguous array, M of shape (m, k) (directions as columns → as rows).

    Copied in blocks of rows: ``np.ascontiguousarray(M.T)`` of a tall (m, 32) matrix writes with a
    stride of m doubles and runs 5× slower than the blocked copy on large blocks (m ≈ 10⁶).
    """
    m, k = M.shape
    out = np.empty((k, m))
    for r in range(0, m, _TRANSPOSE_ROWS):
        out[:, r:r + _TRANSPOSE_ROWS] = M[r:r + _TRANSPOSE_ROWS].T
    return out


def split_layer_directions(space: ParameterSpace, V: np.ndarray, depth: int) -> tuple[list, list]:
    """Directions V (D, k) as per-layer stacks: weights (k, n_l, n_{l−1}) and biases (k, n_l) (or None)."""
    k = V.shape[1]
    dWs, dbs = [], []
    for l in range(1, depth + 1):
        name = f"W{l}"
        dWs.append(rows_to_columns(V[space.slice(name)]).reshape((k,) + space[name].shape))
        dbs.append(np.ascontiguousarray(V[space.slice(f"b{l}")].T) if f"b{l}" in space else None)
    return dWs, dbs


def join_layers(space: ParameterSpace, Ws, bs, k: int | None = None) -> np.ndarray:
    """Inverse of the splitters: per-layer arrays → θ-shaped output (D,) or, with ``k``, (D, k).

    ``Ws[l]`` has shape (n_l, n_{l−1}) (or (k, n_l, n_{l−1}) when ``k`` is given), ``bs[l]``
    shape (n_l,) (or (k, n_l)); biases are written only where the space has a ``b{l}`` block.
    """
    if k is None:
        out = np.empty(space.size)
        for l, (W, b) in enumerate(zip(Ws, bs), start=1):
            out[space.slice(f"W{l}")] = W.ravel()
            if f"b{l}" in space:
                out[space.slice(f"b{l}")] = b
        return out
    out = np.empty((k, space.size))
    for l, (W, b) in enumerate(zip(Ws, bs), start=1):
        out[:, space.slice(f"W{l}")] = W.reshape(k, -1)
        if f"b{l}" in space:
            out[:, space.slice(f"b{l}")] = b
    return out.T


@dataclass(frozen=True)
class DensePass:
    """The forward pass of a :class:`DenseStack` and, after :meth:`DenseStack.backward`, its deltas.

    Attributes
    ----------
    acts : list of ndarray
        a₀ = X, a₁, …, a_{L−1} (inputs of the L layers), shapes (N, n_{l}).
    zs : list of ndarray
        Hidden pre-activations z₁ … z_{L−1}.
    f : ndarray (N, o)
        Output.
    d1s : list of ndarray or None
        σ'(z_l) per hidden layer (None for a linear layer), when the pass was run with order ≥ 1.
    curvatures : list
        Per hidden layer, when run with order 2: None where σ'' ≡ 0 on z_l; else the ratio
        σ''(z_l)/σ'(z_l) as an array (N, n_l), or ``("affine", α, β)`` when the ratio is
        α a_l + β (tanh, sigmoid), or ``("keep", σ''(z_l))`` where σ' vanishes but σ'' does not.
    """

    acts: list
    zs: list
    f: np.ndarray
    d1s: list = None
    curvatures: list = None


def _tanh_d1(a):
    d1 = a * a
    return np.subtract(1.0, d1, out=d1)          # 1 − tanh², as in functions.py, one temporary


def _sigmoid_d1(a):
    d1 = 1.0 - a
    d1 *= a                                      # σ(1 − σ)
    return d1


#: Derivatives computed from the activation's output a = σ(z) instead of from z (the formulas of
#: :mod:`eqalg.models.functions`, without re-evaluating σ): σ'(z), and the curvature ratio
#: σ''(z)/σ'(z) = α a + β as (α, β): −2 tanh(z) for tanh, 1 − 2σ(z) for the logistic σ.
_FROM_OUTPUT = {
    "tanh": (_tanh_d1, (-2.0, 0.0)),
    "sigmoid": (_sigmoid_d1, (-2.0, 1.0)),
}


def _curvature_coefficient(curvature, d_act, a):
    """∂L/∂a ⊙ σ''(z) (kept R{z}) or ∂L/∂a ⊙ σ''/σ' (applied to R{a}), shaped (N, 1, n) to broadcast."""
    if curvature is None:
        return None
    if isinstance(curvature, tuple) and curvature[0] == "affine":
        alpha, beta = curvature[1], curvature[2]
        c = d_act * a
        c *= alpha
        if beta:
            c += beta * d_act
    else:
        c = d_act * (curvature[1] if isinstance(curvature, tuple) else curvature)
    return c[:, None, :]


def _loss_hessian(loss: OutputLoss, f, Y, n):
    """r ↦ ∇²_f ℓ(f, y) r / N for r of shape (N, k, o), with the per-sample curvature data computed once.

    Fast paths (same formulas as :mod:`eqalg.models.functions`) for ``mse`` (identity) and
    ``cross_entropy`` (diag(p) − ppᵀ with p = softmax(f) evaluated once for all directions);
    any other loss object (even one with the same name) uses its ``hess_apply``.
    """
    # identity, not name: a user's OutputLoss called "cross_entropy" must use its own hess_apply
    if loss is LOSSES["mse"]:
        return lambda r: r / n
    if loss is LOSSES["cross_entropy"]:
        p = softmax(f, axis=-1)[:, None, :]

        def apply(r):
            t = p * r
            t -= p * np.sum(t, axis=-1, keepdims=True)
            t /= n
            return t
        return apply
    return lambda r: loss.hess_apply(f[:, None, :], Y[:, None, :], r) / n


def _derivatives(act: Activation, z, a, order: int):
    """(σ'(z), curvature) for one hidden layer; curvature as documented in :class:`DensePass`."""
    fast = _FROM_OUTPUT.get(act.name)
    d1 = fast[0](a) if fast else act.df(z)
    if order < 2:
        return d1, None
    if fast:
        return d1, ("affine",) + fast[1]
    d2 = act.d2f(z)
    if not np.any(d2):
        return d1, None
    zero = d1 == 0
    if np.any(zero & (d2 != 0)):
        return d1, ("keep", d2)
    return d1, np.divide(d2, d1, out=np.zeros_like(d2), where=~zero)


class DenseStack:
    """The derivative engine of a dense feed-forward network with a per-sample output loss.

    Parameters
    ----------
    activations : sequence of Activation
        σ₁ … σ_{L−1} of the hidden layers (``len(activations) = L − 1``).
    loss : OutputLoss
        The per-sample loss ℓ(f, y) (:mod:`eqalg.models.functions`).

    Notes
    -----
    Weights are lists of arrays (W_l of shape (n_l, n_{l−1})), biases lists of arrays or None.
    All methods are pure; nothing is cached between calls.
    """

    def __init__(self, activations, loss: OutputLoss):
        self.activations = tuple(activations)
        if not all(isinstance(a, Activation) for a in self.activations):
            raise TypeError("activations: expected Activation objects")
        self.loss = loss
        self._linear = tuple(a is ACTIVATIONS["linear"] for a in self.activations)

    @property
    def depth(self) -> int:
        """L, the number of weight layers."""
        return len(self.activations) + 1

    # -- forward and backward -------------------------------------------------------------------
    def forward(self, Ws, bs, X, order: int = 0) -> DensePass:
        """Forward pass: pre-activations, activations and output f (N, o).

        ``order`` 1 also evaluates σ'(z_l), order 2 also the curvature data of each hidden layer
        (see :class:`DensePass`).
        """
        a, acts, zs, d1s, curv = X, [X], [], [], []
        for l, W in enumerate(Ws):
            z = a @ W.T
            if bs[l] is not None:
                z += bs[l]
            if l == len(Ws) - 1:
                return DensePass(acts, zs, z, d1s if order else None, curv if order > 1 else None)
            zs.append(z)
            if self._linear[l]:
                a = z
                d1s.append(None)
                curv.append(None)
            else:
                act = self.activations[l]
                a = act.f(z)
                if order:
                    d1, c = _derivatives(act, z, a, order)
                    d1s.append(d1)
                    curv.append(c)
            acts.append(a)
        raise ValueError("Ws: expected at least one layer")

    def deltas(self, fw: DensePass, Ws, Y, output_weights=None, *, first: bool = True) -> tuple[list, list]:
        """Backpropagated δ_l = ∂L/∂z_l (δ_L = ∂L/∂f) and ∂L/∂a_l, for every layer.

        With ``output_weights`` w (N, o) the backpropagated function is Σ_iq w_iq f_q(x_i)
        instead of the loss (δ_L = w; ``Y`` is not used). ``first=False`` skips δ₁ (None), which
        only the gradient of the first layer needs.

        Returns
        -------
        (deltas, d_acts) : lists indexed by layer 0 … L−1
            ``deltas[l]`` (N, n_{l+1}) is ∂L/∂(pre-activation of layer l+1); ``d_acts[l]`` (for
            l ≥ 1) is ∂L/∂a_l, shape (N, n_l) (``d_acts[0]`` is None: the inputs are data).
        """
        n = fw.f.shape[0]
        L = len(Ws)
        deltas, d_acts = [None] * L, [None] * L
        d = self.loss.grad(fw.f, Y) / n if output_weights is None else output_weights
        deltas[L - 1] = d
        for l in range(L - 1, 0, -1):
            da = d @ Ws[l]
            d_acts[l] = da
            if l == 1 and not first:
                break
            d = da if fw.d1s[l - 1] is None else da * fw.d1s[l - 1]
            deltas[l - 1] = d
        return deltas, d_acts

    def loss_and_gradient(self, Ws, bs, X, Y) -> tuple[float, list, list]:
        """(L, [∂L/∂W_l], [∂L/∂b_l or None]) by backpropagation."""
        fw = self.forward(Ws, bs, X, order=1)
        deltas, _ = self.deltas(fw, Ws, Y)
        gWs = [d.T @ a for d, a in zip(deltas, fw.acts)]
        gbs = [d.sum(axis=0) if b is not None else None for d, b in zip(deltas, bs)]
        return float(np.mean(self.loss.value(fw.f, Y))), gWs, gbs

    def vjp(self, Ws, bs, X, w) -> tuple[list, list]:
        """Df(θ)ᵀ w = ∇_θ Σ_iq w_iq f_q(θ, x_i) for output weights w (N, o), per layer."""
        fw = self.forward(Ws, bs, X, order=1)
        deltas, _ = self.deltas(fw, Ws, None, output_weights=w)
        return [d.T @ a for d, a in zip(deltas, fw.acts)], \
            [d.sum(axis=0) if b is not None else None for d, b in zip(deltas, bs)]

    # -- R-operator -------------------------------------------------------------------------------
    def _r_forward(self, fw: DensePass, Ws, dWs, dbs):
        """R{a_l} for k directions, each (N, k, n_l); R{z_l} where it must be kept (else None); R{f}.

        ``fw`` must come from a forward pass of order ≥ 1 (order 2 when the R-backward pass follows).
        """
        n = fw.f.shape[0]
        k = dWs[0].shape[0]
        Ra, Racts, kept = None, [None], []
        for l, (W, dW) in enumerate(zip(Ws, dWs)):
            n_out, n_in = W.shape
            Rz = (fw.acts[l] @ dW.reshape(k * n_out, n_in).T).reshape(n, k, n_out)
            if Ra is not None:
                Rz += (Ra.reshape(n * k, n_in) @ W.T).reshape(n, k, n_out)
            if dbs[l] is not None:
                Rz += dbs[l]
            if l == len(Ws) - 1:
                return Racts, kept, Rz
            c = None if fw.curvatures is None else fw.curvatures[l]
            kept.append(Rz.copy() if isinstance(c, tuple) and c[0] == "keep" else None)
            if fw.d1s[l] is not None:
                Rz *= fw.d1s[l][:, None, :]
            Ra = Rz
            Racts.append(Ra)
        raise ValueError("Ws: expected at least one layer")

    def preactivation_jvp(self, Ws, bs, X, dWs, dbs) -> tuple[list, list]:
        """Hidden pre-activations z_l and R{z_l} for one direction (given as k = 1 stacks), (N, n_l) each."""
        fw = self.forward(Ws, bs, X, order=1)
        Ra, Rzs = None, []
        for l, z in enumerate(fw.zs):
            Rz = fw.acts[l] @ dWs[l][0].T
            if Ra is not None:
                Rz += Ra @ Ws[l].T
            if dbs[l] is not None:
                Rz += dbs[l][0]
            Rzs.append(Rz)
            Ra = Rz if fw.d1s[l] is None else fw.d1s[l] * Rz
        return fw.zs, Rzs

    def output_jvp(self, Ws, bs, X, dWs, dbs) -> np.ndarray:
        """Df(θ)[v] for k directions: the output's directional derivatives, shape (N, k, o)."""
        fw = self.forward(Ws, bs, X, order=1)
        return self._r_forward(fw, Ws, dWs, dbs)[2]

    def hvp(self, Ws, bs, X, Y, dWs, dbs, *, with_gradient: bool = False, chunk: int | None = None,
            output_weights=None):
        """Exact H(θ)v for k directions given per layer, by the R-operator.

        Parameters
        ----------
        Ws, bs : lists
            Weights (n_l, n_{l−1}) and biases (n_l,) or None.
        X, Y : ndarray
            Inputs (N, n₀) and targets (N, o).
        dWs, dbs : lists
            Directions: (k, n_l, n_{l−1}) per weight, (k, n_l) per bias (None where no bias).
        with_gradient : bool
            Also return the gradient (one more matrix product per layer).
        chunk : int, optional
            Directions processed together. By default as many as keep each (N, chunk, n_l)
            intermediate near :data:`CHUNK_ELEMENTS` entries: the forward pass is shared by all
            directions, and the R-passes of a chunk stay in cache instead of streaming through
            memory (the batched pass is bound by memory traffic, not by arithmetic, otherwise).
        output_weights : ndarray (N, o), optional
            Differentiate Σ_iq w_iq f_q(θ, x_i) instead of the loss: returns ∇²_θ(Σ w·f) v, the
            model-level second-order term of (M2)/(M4) (``Y`` is not used).

        Returns
        -------
        (HWs, Hbs) or (HWs, Hbs, gWs, gbs)
            HWs[l] of shape (k, n_l, n_{l−1}), Hbs[l] of shape (k, n_l) (None without bias).
        """
        fw = self.forward(Ws, bs, X, order=2)
        deltas, d_acts = self.deltas(fw, Ws, Y, output_weights, first=with_gradient)
        coefs = [_curvature_coefficient(c, d_acts[l + 1], fw.acts[l + 1]) for l, c in enumerate(fw.curvatures)]
        n, k = fw.f.shape[0], dWs[0].shape[0]
        if chunk is None:
            width = max(max(W.shape) for W in Ws)
            chunk = max(1, CHUNK_ELEMENTS // (n * width))
        hess = None if output_weights is not None else _loss_hessian(self.loss, fw.f, Y, n)
        if chunk >= k:
            HWs, Hbs = self._hvp_chunk(fw, deltas, coefs, Ws, bs, hess, dWs, dbs)
        else:
            HWs = [np.empty(dW.shape) for dW in dWs]
            Hbs = [np.empty(db.shape) if db is not None else None for db in dbs]
            for c0 in range(0, k, chunk):
                sl = slice(c0, c0 + chunk)
                hw, hb = self._hvp_chunk(fw, deltas, coefs, Ws, bs, hess, [dW[sl] for dW in dWs],
                                         [db[sl] if db is not None else None for db in dbs])
                for l, (H, h) in enumerate(zip(hw, hb)):
                    HWs[l][sl] = H
                    if h is not None:
                        Hbs[l][sl] = h
        if not with_gradient:
            return HWs, Hbs
        gWs = [dl.T @ a for dl, a in zip(deltas, fw.acts)]
        gbs = [dl.sum(axis=0) if b is not None else None for dl, b in zip(deltas, bs)]
        return HWs, Hbs, gWs, gbs

    def _hvp_chunk(self, fw, deltas, coefs, Ws, bs, hess, dWs, dbs):
        """R-forward and R-backward passes of one chunk of directions (see :meth:`hvp`).

        ``hess`` applies the output loss's curvature (None: R{δ_L} = 0, for Σ w·f, linear in f).
        """
        Racts, kept, Rf = self._r_forward(fw, Ws, dWs, dbs)
        n, k = fw.f.shape[0], dWs[0].shape[0]
        Rd = np.zeros_like(Rf) if hess is None else hess(Rf)                  # R{δ_L}, (N, k, o)
        L = len(Ws)
        HWs, Hbs = [None] * L, [None] * L
        for l in range(L - 1, -1, -1):
            W, dW, d = Ws[l], dWs[l], deltas[l]
            n_out, n_in = W.shape
            H = (Rd.reshape(n, k * n_out).T @ fw.acts[l]).reshape(k, n_out, n_in)
            if l > 0:
                H += (d.T @ Racts[l].reshape(n, k * n_in)).reshape(n_out, k, n_in).transpose(1, 0, 2)
            HWs[l] = H
            Hbs[l] = Rd.sum(axis=0) if bs[l] is not None else None
            if l == 0:
                break
            # R{δ_{l-1}} = (R{δ_l} W_l + δ_l dW_l) ⊙ σ'(z) + (∂L/∂a ⊙ σ''(z)) ⊙ R{z}
            if k == 1:                             # one product [R{δ_l}, δ_l] @ [W_l; dW_l]
                Rda = (np.concatenate([Rd.reshape(n, n_out), d], axis=1)
                       @ np.concatenate([W, dW[0]], axis=0)).reshape(n, 1, n_in)
            else:
                Rda = (Rd.reshape(n * k, n_out) @ W).reshape(n, k, n_in)
                Rda += (d @ dW.transpose(1, 0, 2).reshape(n_out, k * n_in)).reshape(n, k, n_in)
            if fw.d1s[l - 1] is not None:
                Rda *= fw.d1s[l - 1][:, None, :]
                c = coefs[l - 1]
                if c is not None:
                    # (∂L/∂a ⊙ σ'') ⊙ R{z} with R{z} kept, or (∂L/∂a ⊙ σ''/σ') ⊙ R{a}: R{a_l} is no longer needed
                    Rr = kept[l - 1] if kept[l - 1] is not None else Racts[l]
                    Rr *= c
                    Rda += Rr
            Rd = Rda
        return HWs, Hbs
