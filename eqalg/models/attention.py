"""Single-head bilinear attention with analytic gradient, batched HVP and the GL(d_k) symmetry.

For a sequence X ∈ R^{T×d} (rows are token embeddings) the model computes

    S = c · X W_Q (X W_K)ᵀ   (T×T scores, c = 1/√d_k),   A = softmax of each row of S,
    F = A X W_V              (T×o outputs),

θ = [vec W_Q, vec W_K, vec W_V] (row-major), W_Q, W_K ∈ R^{d×d_k}, W_V ∈ R^{d×o}. The loss is the
mean over sequences of ℓ_n = (1/2T) ‖F_n − Y_n‖²_F.

The scores depend on W_Q, W_K only through W_Q W_Kᵀ, so GL(d_k) acts by
(W_Q, W_K) ↦ (W_Q G, W_K G^{−ᵀ}) (MATH.md §C #6): generators δW_Q = W_Q M, δW_K = −W_K Mᵀ,
symmetric when M is, with conserved charges W_QᵀW_Q − W_KᵀW_K (d_k(d_k+1)/2 of them, (L4);
cf. Marcotte, Gribonval & Peyré 2025 for attention's conservation laws).
"""

from __future__ import annotations

import numpy as np
from scipy.special import softmax

from ..errors import InvalidValueError, NonFiniteError, ShapeError, check_positive, real_array
from ..space import ParameterSpace
from ..transforms.discrete import MatrixMap, SignedPermutation
from ..transforms.linear import LinearGenerator
from .base import Model
from .catalogue import block_generator, block_map, right_multiply, shear, symmetric_unit, unit_matrix

__all__ = ["BilinearAttention", "SEQUENCE_CHUNK_ELEMENTS"]

#: Target size (entries) of one (n, T, k, ·) intermediate of a batched attention HVP: chunks of
#: sequences this small keep the R-passes in cache; the whole batch would stream through memory.
SEQUENCE_CHUNK_ELEMENTS = 1 << 17


def _softmax_jvp(A, R):
    """R{softmax rows} = A ⊙ (R − rowsum(A ⊙ R)) (also the softmax backward pass)."""
    return A * (R - np.sum(A * R, axis=-1, keepdims=True))


class BilinearAttention(Model):
    """Single-head attention ``softmax(c X W_Q W_Kᵀ Xᵀ) X W_V`` fitted to per-token targets.

    Parameters
    ----------
    X : array_like, shape (N, T, d)
        N sequences of T token embeddings.
    Y : array_like, shape (N, T, o)
        Targets per token.
    key_dim : int
        d_k, the width of queries and keys, 1 ≤ d_k ≤ d (default 3, as in the zoo and
        ``eqalg check``).

    Raises
    ------
    ShapeError, NonFiniteError, InvalidValueError
        Bad shapes, non-finite data, ``key_dim`` not positive or above the embedding dimension d
        (the scores W_Q W_Kᵀ have rank ≤ d, so wider keys add only redundant directions).

    Notes
    -----
    Gradient by backpropagation through the softmax; the HVP is the exact R-operator of the
    backward pass (Pearlmutter 1994), batched over k directions with ``np.matmul``.
    Catalogue: the gl(d_k) basis ``gl[a,b]`` (L1/L2), one non-orthogonal group element ``G``
    (D1/D2), swaps and sign flips of key/query columns (signed permutations inside GL(d_k)).
    Controls: the generator with the wrong sign on W_K, scaling W_V, exchanging W_Q and W_K
    (transposes the scores), and a permutation of the embedding coordinates.
    """

    zoo_name = "attention"

    def __init__(self, X, Y, key_dim: int = 3):
        X, Y = real_array(X, "X"), real_array(Y, "Y")
        if X.ndim != 3 or X.shape[0] == 0 or X.shape[1] == 0:
            raise ShapeError(f"X: expected shape (N, T, d) of token sequences, got {X.shape}")
        if Y.ndim != 3 or Y.shape[:2] != X.shape[:2]:
            raise ShapeError(f"Y: expected shape ({X.shape[0]}, {X.shape[1]}, o), got {Y.shape}")
        if not (np.all(np.isfinite(X)) and np.all(np.isfinite(Y))):
            raise NonFiniteError("X, Y: expected finite entries")
        self.key_dim = int(check_positive(key_dim, "key_dim", integer=True))
        if self.key_dim > X.shape[2]:
            raise InvalidValueError(f"key_dim: expected at most the embedding dimension d = {X.shape[2]}, "
                                    f"got {self.key_dim}")
        self.X, self.Y = X, Y
        self.n_samples, self.length, self.embed_dim = X.shape
        self.n_outputs = Y.shape[2]
        self.scale = 1.0 / np.sqrt(self.key_dim)
        self._X2 = X.reshape(-1, self.embed_dim)
        d, k = self.embed_dim, self.key_dim
        self._space = ParameterSpace([("WQ", (d, k)), ("WK", (d, k)), ("WV", (d, self.n_outputs))])

    @property
    def space(self) -> ParameterSpace:
        return self._space

    def describe(self) -> dict:
        """Hyperparameters as a JSON-ready dict."""
        return {"name": self.zoo_name, "class": type(self).__name__, "embed_dim": self.embed_dim,
                "key_dim": self.key_dim, "outputs": self.n_outputs, "sequence_length": self.length,
                "score_scale": self.scale, "parameters": self.space.size}

    # -- forward and derivatives ---------------------------------------------------------------------
    def _blocks(self, theta):
        p = self.space.unflatten(self.validate_theta(theta))
        return p["WQ"], p["WK"], p["WV"]

    def _forward(self, theta):
        WQ, WK, WV = self._blocks(theta)
        n, t = self.n_samples, self.length
        Q = (self._X2 @ WQ).reshape(n, t, -1)
        K = (self._X2 @ WK).reshape(n, t, -1)
        V = (self._X2 @ WV).reshape(n, t, -1)
        A = softmax(self.scale * (Q @ K.transpose(0, 2, 1)), axis=-1)
        return Q, K, V, A, A @ V

    def output(self, theta) -> np.ndarray:
        """Outputs F_n = A_n X_n W_V, shape (N, T, o)."""
        return self._forward(theta)[-1]

    def per_sample_loss(self, theta) -> np.ndarray:
        """ℓ_n = ‖F_n − Y_n‖²_F / (2T), shape (N,)."""
        r = self.output(theta) - self.Y
        return 0.5 * np.sum(r * r, axis=(1, 2)) / self.length

    def loss(self, theta) -> float:
        """L(θ) = mean of the per-sample losses."""
        return float(np.mean(self.per_sample_loss(theta)))

    def _backward(self, Q, K, V, A, F):
        dF = (F - self.Y) / (self.length * self.n_samples)
        dA = dF @ V.transpose(0, 2, 1)
        dS = _softmax_jvp(A, dA)
        return dF, dA, dS

    def loss_and_gradient(self, theta):
        """(L, ∇L) by backpropagation through the row softmax."""
        Q, K, V, A, F = self._forward(theta)
        dF, dA, dS = self._backward(Q, K, V, A, F)
        c, X2 = self.scale, self._X2
        gQ = c * X2.T @ (dS @ K).reshape(-1, self.key_dim)
        gK = c * X2.T @ (dS.transpose(0, 2, 1) @ Q).reshape(-1, self.key_dim)
        gV = X2.T @ (A.transpose(0, 2, 1) @ dF).reshape(-1, self.n_outputs)
        r = F - self.Y
        loss = 0.5 * float(np.sum(r * r)) / (self.length * self.n_samples)
        return loss, np.concatenate([gQ.ravel(), gK.ravel(), gV.ravel()])

    def gradient(self, theta) -> np.ndarray:
        """∇L(θ), shape (D,)."""
        return self.loss_and_gradient(theta)[1]

    # Batched R-passes keep k directions next to the token axis, layout (N, T, k, ·): the projections
    # by the k direction blocks are then one (N·T, d) @ (d, k·width) product each, and every
    # per-sequence product with a shared matrix (K, Q, V, A, dS, ...) stacks the k directions
    # into its rows or columns, instead of N·k tiny products. The HVP runs over chunks of
    # sequences whose (n, T, k, ·) intermediates stay in cache (see SEQUENCE_CHUNK_ELEMENTS).
    def _columns(self, Vd, block):
        """The k direction blocks of ``block`` side by side: (d, k·width), column (j, c) = δW[:, c] of direction j."""
        (d, w), k = self.space[block].shape, Vd.shape[1]
        return Vd[self.space.slice(block)].reshape(d, w, k).transpose(0, 2, 1).reshape(d, k * w)

    def _rows(self, P, block, k):
        """Inverse of :meth:`_columns` for a (d, k·width) result: the block's entries as rows (d·width, k)."""
        (d, w) = self.space[block].shape
        return P.reshape(d, k, w).transpose(0, 2, 1).reshape(d * w, k)

    @staticmethod
    def _per_sequence(A, B):
        """Σ_s A[n, t, s] B[n, s, k, w] → (N, T, k, w): a shared matrix times k stacked directions."""
        n, s, k, w = B.shape
        return (A @ B.reshape(n, s, k * w)).reshape(n, A.shape[1], k, w)

    @staticmethod
    def _stacked(R, B):
        """Σ_s R[n, t, k, s] B[n, s, w] → (N, T, k, w): k stacked rows times a shared matrix."""
        n, t, k, s = R.shape
        return (R.reshape(n, t * k, s) @ B).reshape(n, t, k, B.shape[2])

    @staticmethod
    def _stacked_t(R, B):
        """Σ_t R[n, t, k, s] B[n, t, w] → (N, S, k, w): the transposed stack times a shared matrix."""
        n, t, k, s = R.shape
        return (R.reshape(n, t, k * s).transpose(0, 2, 1) @ B).reshape(n, k, s, -1).transpose(0, 2, 1, 3)

    def _r_forward(self, X2, Q, K, V, A, cols, k):
        """R{Q}, R{K}, R{V} (n, T, k, ·), R{A} (n, T, k, T) and R{F} (n, T, k, o) of n sequences.

        ``X2`` holds their tokens as rows (n·T, d), ``cols`` the direction blocks of
        :meth:`_columns` for W_Q, W_K, W_V.
        """
        n, t = Q.shape[:2]
        RQ, RK, RV = ((X2 @ c).reshape(n, t, k, -1) for c in cols)
        # R{S} = c (R{Q} Kᵀ + Q R{K}ᵀ); the second term is (R{K} Qᵀ) with the two token axes exchanged
        RS = self._stacked(RQ, K.transpose(0, 2, 1))
        RS += self._stacked(RK, Q.transpose(0, 2, 1)).transpose(0, 3, 2, 1)
        RS *= self.scale
        RA = _softmax_jvp(A[:, :, None, :], RS)
        RF = self._stacked(RA, V)
        RF += self._per_sequence(A, RV)
        return RQ, RK, RV, RA, RF

    def output_jvp(self, theta, v) -> np.ndarray:
        """DF(θ)[v], shape (N, T, o) for v (D,) or (k, N, T, o) for v (D, k)."""
        Vd, single = self.validate_directions(v)
        Q, K, V, A, _ = self._forward(theta)
        k = Vd.shape[1]
        cols = [self._columns(Vd, b) for b in ("WQ", "WK", "WV")]
        RF = self._r_forward(self._X2, Q, K, V, A, cols, k)[-1]
        return RF[:, :, 0] if single else RF.transpose(2, 0, 1, 3)

    def hvp(self, theta, v) -> np.ndarray:
        """H(θ) v for v of shape (D,) or (D, k), exact (R-operator through softmax), one pass."""
        Vd, single = self.validate_directions(v)
        Q, K, V, A, F = self._forward(theta)
        dF, dA, dS = self._backward(Q, K, V, A, F)
        (n, t, d), k = self.X.shape, Vd.shape[1]
        blocks = ("WQ", "WK", "WV")
        cols = [self._columns(Vd, b) for b in blocks]
        acc = [np.zeros_like(c) for c in cols]                     # X_flatᵀ R{∂L/∂(XW)}, (d, k·width)
        step = max(1, SEQUENCE_CHUNK_ELEMENTS // (t * k * max(t, self.key_dim, self.n_outputs)))
        for s0 in range(0, n, step):
            sl = slice(s0, s0 + step)
            X2 = self.X[sl].reshape(-1, d)
            for a, R in zip(acc, self._hvp_sequences(X2, Q[sl], K[sl], V[sl], A[sl], dF[sl], dA[sl], dS[sl],
                                                      cols, k)):
                a += X2.T @ R.reshape(X2.shape[0], -1)
        out = np.empty(Vd.shape)
        for b, a, factor in zip(blocks, acc, (self.scale, self.scale, 1.0)):      # c = 1/√d_k on Q, K
            out[self.space.slice(b)] = factor * self._rows(a, b, k)
        return out[:, 0] if single else out

    def _hvp_sequences(self, X2, Q, K, V, A, dF, dA, dS, cols, k):
        """R{∂L/∂Q} / c, R{∂L/∂K} / c, R{∂L/∂V} of a chunk of sequences, each (n, T, k, width)."""
        RQ, RK, RV, RA, RF = self._r_forward(X2, Q, K, V, A, cols, k)
        RdF = RF
        RdF /= self.length * self.n_samples
        RdA = self._stacked(RdF, V.transpose(0, 2, 1))
        RdA += self._stacked(RV, dF.transpose(0, 2, 1)).transpose(0, 3, 2, 1)
        RdV = self._stacked_t(RA, dF)
        RdV += self._per_sequence(A.transpose(0, 2, 1), RdF)
        A4, dA4 = A[:, :, None, :], dA[:, :, None, :]
        s = np.sum(A4 * dA4, axis=-1, keepdims=True)
        Rs = np.sum(RA * dA4, axis=-1, keepdims=True)
        Rs += np.sum(A4 * RdA, axis=-1, keepdims=True)
        RdS = RA * (dA4 - s)                               # R{softmax backward}: R{A}⊙(dA − s) + A⊙(R{dA} − R{s})
        RdA -= Rs
        RdA *= A4
        RdS += RdA
        RdQ = self._stacked(RdS, K)
        RdQ += self._per_sequence(dS, RK)
        RdK = self._stacked_t(RdS, Q)
        RdK += self._per_sequence(dS.transpose(0, 2, 1), RQ)
        return RdQ, RdK, RdV

    def init_params(self, rng: np.random.Generator) -> np.ndarray:
        """Generic random θ with entries N(0, 1/d)."""
        if not isinstance(rng, np.random.Generator):
            raise InvalidValueError(f"rng: expected a numpy.random.Generator, got {type(rng).__name__}")
        s = 1.0 / np.sqrt(self.embed_dim)
        return s * rng.standard_normal(self.space.size)

    # -- catalogue --------------------------------------------------------------------------------------
    def gl_generator(self, M, *, name: str | None = None) -> LinearGenerator:
        """δW_Q = W_Q M, δW_K = −W_K Mᵀ (MATH.md §C #6); symmetric exactly when M is.

        Parameters
        ----------
        M : array_like (d_k, d_k)
        """
        shape = (self.embed_dim, self.key_dim)
        M = np.asarray(M, dtype=np.float64)
        return block_generator(self.space, {"WQ": right_multiply(M, shape), "WK": -right_multiply(M.T, shape)},
                               name=name)

    def gl_element(self, G, *, name: str | None = None) -> MatrixMap:
        """(W_Q, W_K) ↦ (W_Q G, W_K G^{−ᵀ}), one element of GL(d_k) (non-orthogonal unless G is)."""
        shape = (self.embed_dim, self.key_dim)
        G = np.asarray(G, dtype=np.float64)
        return block_map(self.space, {"WQ": right_multiply(G, shape),
                                      "WK": right_multiply(np.linalg.inv(G).T, shape)}, name=name)

    def symmetries(self) -> dict:
        """gl(d_k) basis, one GL(d_k) element, adjacent key/query column swaps and column sign flips."""
        out = {}
        r = self.key_dim
        for a in range(r):
            for b in range(r):
                t = self.gl_generator(unit_matrix(r, a, b), name=f"gl[{a},{b}]")
                out[t.name] = t
        t = self.gl_element(shear(r), name="G")
        out[t.name] = t
        WQ, WK = self.space["WQ"], self.space["WK"]
        for a in range(r - 1):
            t = SignedPermutation.swap_blocks(self.space, [(WQ[:, a], WQ[:, a + 1]), (WK[:, a], WK[:, a + 1])],
                                              name=f"swap[{a},{a + 1}]")
            out[t.name] = t
        for a in range(r):
            t = SignedPermutation.negate(self.space, WQ[:, a], WK[:, a], name=f"flip[{a}]")
            out[t.name] = t
        return out

    def controls(self) -> dict:
        """Non-symmetries: wrong-sign generator, scaling W_V, exchanging W_Q and W_K, permuting embedding coordinates."""
        r = self.key_dim
        b = 1 if r > 1 else 0
        shape = (self.embed_dim, r)
        M = unit_matrix(r, 0, b)
        wrong = block_generator(self.space, {"WQ": right_multiply(M, shape), "WK": right_multiply(M.T, shape)},
                                name=f"gl_wrong_sign[0,{b}]")
        scale = LinearGenerator.from_selections(self.space, plus=[self.space["WV"].indices], name="scale_WV")
        swap_qk = SignedPermutation.swap_blocks(self.space, [(self.space["WQ"].indices, self.space["WK"].indices)],
                                                name="swap_QK")
        out = {t.name: t for t in (wrong, scale, swap_qk)}
        if self.embed_dim >= 2:
            pairs = [(self.space[blk][0, :], self.space[blk][1, :]) for blk in ("WQ", "WK", "WV")]
            t = SignedPermutation.swap_blocks(self.space, pairs, name="permute_embedding[0,1]")
            out[t.name] = t
        return out

    def conserved_generators(self) -> dict:
        """A_M for symmetric M = E_ab + E_ba / E_aa: ½θᵀA_Mθ = ½⟨M, W_QᵀW_Q − W_KᵀW_K⟩ (L4)."""
        r = self.key_dim
        return {f"C[{a},{b}]": self.gl_generator(symmetric_unit(r, a, b), name=f"C[{a},{b}]")
                for a in range(r) for b in range(a, r)}
