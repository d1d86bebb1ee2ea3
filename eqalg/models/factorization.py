"""Matrix factorization / matrix sensing W = U Vᵀ with analytic gradient and batched HVP.

Parameters θ = [vec U, vec V] (row-major), U ∈ R^{n×r}, V ∈ R^{m×r}, D = (n + m) r. Observations
are linear measurements f_k(θ) = ⟨A_k, U Vᵀ⟩ (matrix sensing) or all entries of U Vᵀ (full
observation); the loss is L = (1/N) Σ_k ½ (f_k − y_k)².

Symmetry (MATH.md §C #4): GL(r) acting as (U, V) ↦ (U G, V G^{−ᵀ}), generators
A_M = blockdiag(I_n ⊗ Mᵀ, −I_m ⊗ M); conserved UᵀU − VᵀV (r(r+1)/2 quantities).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..errors import InvalidValueError, NonFiniteError, ShapeError, check_positive, real_array
from ..space import ParameterSpace
from ..transforms._closure import check_encoding
from ..transforms.discrete import SignedPermutation
from ..transforms.linear import LinearGenerator
from .base import Model

__all__ = ["MatrixFactorization"]


class MatrixFactorization(Model):
    """Low-rank factorization U Vᵀ fitted to linear measurements (or to a full target matrix).

    Parameters
    ----------
    shape : (int, int)
        (n, m), the shape of U Vᵀ.
    rank : int
        r, the number of columns of U and V, 1 ≤ r ≤ min(n, m).
    target : array_like (n, m), optional
        Full observation: f = all entries of U Vᵀ, y = entries of ``target`` (N = n m).
    sensing : array_like (N, n, m), optional
        Measurement matrices A_k (matrix sensing); requires ``measurements``.
    measurements : array_like (N,), optional
        y_k for the sensing matrices.

    Raises
    ------
    ShapeError, NonFiniteError, InvalidValueError
        Inconsistent shapes, non-finite data, a rank that is not positive or above min(n, m)
        (U Vᵀ has rank ≤ min(n, m); the GL(r) orbits and conservation-law counts assume
        r ≤ min(n, m)), or both/neither of ``target`` and ``sensing`` given.

    Notes
    -----
    Loss L = (1/N) Σ_k ½ (⟨A_k, U Vᵀ⟩ − y_k)². Gradient ∇_U L = G V, ∇_V L = Gᵀ U with
    G = (1/N) Σ_k r_k A_k; the HVP follows by differentiating once more (exact).
    """

    def __init__(self, shape, rank: int, *, target=None, sensing=None, measurements=None):
        # int() would read the string "86" as (8, 6) and truncate 8.7: only integers are sizes
        if isinstance(shape, (str, bytes)) or not hasattr(shape, "__len__") or len(shape) != 2:
            raise ShapeError(f"shape: expected a pair (n, m) of positive integers, got {shape!r}")
        n, m = (int(check_positive(s, f"shape[{i}]", integer=True)) for i, s in enumerate(shape))
        self.rank = int(check_positive(rank, "rank", integer=True))
        if self.rank > min(n, m):
            raise InvalidValueError(f"rank: expected at most min(n, m) = {min(n, m)} for the {n}x{m} matrix U Vᵀ, "
                                    f"got {self.rank}")
        self.n, self.m = n, m
        if (target is None) == (sensing is None):
            raise InvalidValueError("target, sensing: give exactly one of a full target matrix or sensing matrices")
        if target is not None:
            Y = np.asarray(target, dtype=np.float64)
            if Y.shape != (n, m):
                raise ShapeError(f"target: expected shape ({n}, {m}), got {Y.shape}")
            if not np.all(np.isfinite(Y)):
                raise NonFiniteError("target: expected finite entries")
            self.target, self.sensing, self.measurements = Y, None, None
            self.n_samples = n * m
        else:
            A = np.asarray(sensing, dtype=np.float64)
            y = np.asarray(measurements, dtype=np.float64) if measurements is not None else None
            if A.ndim != 3 or A.shape[1:] != (n, m) or A.shape[0] == 0:
                raise ShapeError(f"sensing: expected shape (N, {n}, {m}) with N ≥ 1, got {A.shape}")
            if y is None or y.shape != (A.shape[0],):
                raise ShapeError(f"measurements: expected shape ({A.shape[0]},), got "
                                 f"{None if y is None else y.shape}")
            if not (np.all(np.isfinite(A)) and np.all(np.isfinite(y))):
                raise NonFiniteError("sensing, measurements: expected finite entries")
            self.target, self.sensing, self.measurements = None, A, y
            self._A_flat = A.reshape(A.shape[0], n * m)
            self.n_samples = A.shape[0]
        self._space = ParameterSpace([("U", (n, self.rank)), ("V", (m, self.rank))])

    @property
    def space(self) -> ParameterSpace:
        return self._space

    def describe(self) -> dict:
        """Hyperparameters as a JSON-ready dict."""
        return {"name": "matrix-factorization", "class": type(self).__name__, "shape": [self.n, self.m],
                "rank": self.rank, "observation": "full" if self.target is not None else "sensing",
                "n_samples": self.n_samples, "parameters": self.space.size}

    def _uv(self, theta):
        p = self.space.unflatten(self.validate_theta(theta))
        return p["U"], p["V"]

    def _measure(self, W):
        """f = ⟨A_k, W⟩ for W of shape (..., n, m); returns (..., N)."""
        if self.target is not None:
            return W.reshape(W.shape[:-2] + (-1,))
        return W.reshape(W.shape[:-2] + (-1,)) @ self._A_flat.T

    def _adjoint(self, R):
        """(1/N) Σ_k R_k A_k for R of shape (..., N); returns (..., n, m)."""
        if self.target is not None:
            return R.reshape(R.shape[:-1] + (self.n, self.m)) / self.n_samples
        return (R @ self._A_flat).reshape(R.shape[:-1] + (self.n, self.m)) / self.n_samples

    def _targets(self):
        return self.target.ravel() if self.target is not None else self.measurements

    def output(self, theta) -> np.ndarray:
        """Measurements f_k(θ) = ⟨A_k, U Vᵀ⟩, shape (N,)."""
        U, V = self._uv(theta)
        return self._measure(U @ V.T)

    def per_sample_loss(self, theta) -> np.ndarray:
        """½ (f_k − y_k)², shape (N,)."""
        return 0.5 * (self.output(theta) - self._targets()) ** 2

    def loss(self, theta) -> float:
        """L(θ) = mean of the per-sample losses."""
        return float(np.mean(self.per_sample_loss(theta)))

    def loss_and_gradient(self, theta):
        """(L, ∇L) with ∇_U L = G V, ∇_V L = Gᵀ U, G = (1/N) Σ_k r_k A_k."""
        U, V = self._uv(theta)
        r = self._measure(U @ V.T) - self._targets()
        G = self._adjoint(r)
        return float(0.5 * np.mean(r * r)), np.concatenate([(G @ V).ravel(), (G.T @ U).ravel()])

    def gradient(self, theta) -> np.ndarray:
        """∇L(θ), shape (D,)."""
        return self.loss_and_gradient(theta)[1]

    def hvp(self, theta, v) -> np.ndarray:
        """H(θ) v for v of shape (D,) or (D, k), exact, k directions in one pass."""
        Vd, single = self.validate_directions(v)
        U, V = self._uv(theta)
        k, n, m, r = Vd.shape[1], self.n, self.m, self.rank
        dU = Vd[: n * r].T.reshape(k, n, r)
        dV = Vd[n * r:].T.reshape(k, m, r)
        res = self._measure(U @ V.T) - self._targets()
        G = self._adjoint(res)                                         # (n, m)
        dW = dU @ V.T + U @ dV.transpose(0, 2, 1)                        # (k, n, m)
        dG = self._adjoint(self._measure(dW))                           # (k, n, m)
        hu = dG @ V + G @ dV                                            # (k, n, r)
        hv = dG.transpose(0, 2, 1) @ U + G.T @ dU                       # (k, m, r)
        out = np.concatenate([hu.reshape(k, -1), hv.reshape(k, -1)], axis=1).T
        return out[:, 0] if single else out

    def init_params(self, rng: np.random.Generator, scale: float = 0.5) -> np.ndarray:
        """Generic random (U, V) with entries N(0, scale²/r)."""
        if not isinstance(rng, np.random.Generator):
            raise InvalidValueError(f"rng: expected a numpy.random.Generator, got {type(rng).__name__}")
        s = scale / np.sqrt(self.rank)
        return self.space.flatten({"U": s * rng.standard_normal((self.n, self.rank)),
                                   "V": s * rng.standard_normal((self.m, self.rank))})

    # -- catalogue ------------------------------------------------------------------------------------
    def gl_generator(self, M, *, name=None) -> LinearGenerator:
        """A_M = blockdiag(I_n ⊗ Mᵀ, −I_m ⊗ M): δU = U M, δV = −V Mᵀ (MATH.md §C #4), sparse.

        Parameters
        ----------
        M : array_like (r, r)
        """
        M = np.asarray(M, dtype=np.float64)
        if M.shape != (self.rank, self.rank):
            raise ShapeError(f"M: expected shape ({self.rank}, {self.rank}), got {M.shape}")
        if not np.all(np.isfinite(M)):
            raise NonFiniteError("M: expected finite entries")
        mat = sp.block_diag([sp.kron(sp.eye_array(self.n), sp.csr_array(M.T)),
                             -sp.kron(sp.eye_array(self.m), sp.csr_array(M))], format="csr")
        return LinearGenerator(mat, self.space, name=name)

    def output_fields(self, theta, X=None) -> list:
        """The gradient fields θ' ↦ ∇_θ f_k(θ') of the measurements f_k = ⟨A_k, U Vᵀ⟩ (exactly linear).

        ∇_U f_k = A_k V, ∇_V f_k = A_kᵀ U, so J_k(θ') = H_k θ' with the constant symmetric
        H_k = ∇²f_k: H[U[a, c], V[b, c]] = A_k[a, b] for every column c (sparse, MATH.md B3).

        Parameters
        ----------
        theta : array_like (D,)
            Validated only: the fields do not depend on the point.
        X : array_like (N, n, m), optional
            Measurement matrices A_k; default: the model's own (every entry E_ab for a full
            observation, the sensing matrices otherwise). All n·m entries give the laws valid
            for every data set.

        Returns
        -------
        list of LinearGenerator

        Raises
        ------
        ShapeError, NonFiniteError
        """
        self.validate_theta(theta)
        n, m, r = self.n, self.m, self.rank
        u = self.space["U"].indices.reshape(n, r)
        v = self.space["V"].indices.reshape(m, r)
        if X is None and self.target is not None:
            check_encoding(n * m, self.space.size, 2 * n * m * r, f"X: the {n * m} entries of the {n}x{m} target",
                           "gradient fields")
            # every entry E_ab, built from its index: np.eye(n·m) would need (n·m)² numbers
            return [self._field(u[a].ravel(), v[b].ravel(), np.ones(r), f"grad f[{a * m + b}]")
                    for a in range(n) for b in range(m)]
        if X is None:
            A = self.sensing
        else:
            A = real_array(X, "X")
            if A.ndim != 3 or A.shape[1:] != (n, m) or A.shape[0] == 0:
                raise ShapeError(f"X: expected measurement matrices of shape (N, {n}, {m}), got {A.shape}")
            if not np.all(np.isfinite(A)):
                raise NonFiniteError("X: expected finite entries")
        support = np.any(A != 0, axis=0)                  # entries measured by some A_k
        check_encoding(A.shape[0], self.space.size, 2 * int(support.sum()) * r,
                       f"X: {A.shape[0]} measurement matrices{' (the sensing matrices)' if X is None else ''}",
                       "gradient fields")
        out = []
        for k, Ak in enumerate(A):
            a, b = np.nonzero(Ak)
            out.append(self._field(u[a].ravel(), v[b].ravel(), np.repeat(Ak[a, b], r), f"grad f[{k}]"))
        return out

    def _field(self, rows, cols, vals, name):
        mat = sp.csr_array((np.concatenate([vals, vals]), (np.concatenate([rows, cols]), np.concatenate([cols, rows]))),
                           shape=(self.space.size,) * 2)
        return LinearGenerator(mat, self.space, name=name)

    def _unit(self, a, b):
        E = np.zeros((self.rank, self.rank))
        E[a, b] = 1.0
        return E

    def conserved_generators(self) -> dict:
        """A_M for symmetric M (E_ab + E_ba, a < b, and E_aa): ½θᵀA_Mθ = ½⟨M, UᵀU − VᵀV⟩ (MATH.md (L4)).

        That is (UᵀU − VᵀV)_ab off the diagonal and ½(UᵀU − VᵀV)_aa on it.

        The r(r+1)/2 balancedness entries, conserved by gradient flow; gradient descent changes
        each by exactly ½η² gᵀA_M g per step (T1) (Marcotte, Gribonval & Peyré 2023).
        """
        out = {}
        for a in range(self.rank):
            for b in range(a, self.rank):
                M = self._unit(a, b) + (self._unit(b, a) if a != b else 0.0)
                out[f"C[{a},{b}]"] = self.gl_generator(M, name=f"C[{a},{b}]")
        return out

    def symmetries(self) -> dict:
        """GL(r) basis generators ``gl[a,b]`` (M = E_ab), column swaps and column sign flips."""
        out = {}
        r = self.rank
        for a in range(r):
            for b in range(r):
                out[f"gl[{a},{b}]"] = self.gl_generator(self._unit(a, b), name=f"gl[{a},{b}]")
        U, V = self.space["U"], self.space["V"]
        for a in range(r - 1):
            out[f"swap[{a},{a + 1}]"] = SignedPermutation.swap_blocks(
                self.space, [(U[:, a], U[:, a + 1]), (V[:, a], V[:, a + 1])], name=f"swap[{a},{a + 1}]")
        for a in range(r):
            out[f"flip[{a}]"] = SignedPermutation.negate(self.space, U[:, a], V[:, a], name=f"flip[{a}]")
        return out

    def controls(self) -> dict:
        """Non-symmetries: δU = U E_01, δV = +V E_10 (wrong sign), scaling U alone, negating U[:, 0] alone."""
        U = self.space["U"]
        b = 1 if self.rank > 1 else 0
        M = self._unit(0, b)
        wrong = LinearGenerator(sp.block_diag([sp.kron(sp.eye_array(self.n), sp.csr_array(M.T)),
                                               sp.kron(sp.eye_array(self.m), sp.csr_array(M))], format="csr"),
                                self.space, name=f"gl_wrong_sign[0,{b}]")
        return {wrong.name: wrong,
                "scale_U": LinearGenerator.from_selections(self.space, plus=[U.indices], name="scale_U"),
                "flip_U[0]": SignedPermutation.negate(self.space, U[:, 0], name="flip_U[0]")}
