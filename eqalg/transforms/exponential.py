"""The exponential map: one-parameter subgroup elements exp(tA) acting on θ (MATH.md §A).

``exp(A, t)`` returns an :class:`ExpMap`, a discrete (affine) transformation θ ↦ e^{tA}θ + u_t
with u_t = ∫₀ᵗ e^{sA} c ds for an affine generator J = Aθ + c (computed in homogeneous
coordinates, e^{tÂ} with Â = [[A, c], [0, 0]]):

* diagonal A: elementwise exponentials, overflow-safe (e^a·θ is formed as sign(θ)e^{a+log|θ|}
  when e^a alone over- or underflows), never a matrix;
* D ≤ :data:`DENSE_EXP_LIMIT`: the dense (D+1)×(D+1) ``scipy.linalg.expm`` once, then products;
* larger D: nothing is formed, the action uses ``scipy.sparse.linalg.expm_multiply`` (through
  :meth:`LinearGenerator.curve`), so no dense D×D exponential ever exists.

Results that overflow float64 raise :class:`~eqalg.errors.InvalidValueError`; underflow gives
(correct) zeros; NaN is never returned.

Examples
--------
>>> import numpy as np
>>> A = LinearGenerator(np.array([[0.0, -1.0], [1.0, 0.0]]))      # rotation generator
>>> np.round(exp(A, np.pi / 2) @ np.array([1.0, 0.0]), 12)
array([0., 1.])
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from ..dispatch import generic
from ..errors import InvalidValueError, ShapeError, SpaceMismatchError, as_vector
from .base import DiscreteTransformation, compose, inverse
from .discrete import MatrixMap
from .linear import EXPM_MULTIPLY_NORM_LIMIT, LinearGenerator, _exp_times

__all__ = ["exp", "ExpMap", "DENSE_EXP_LIMIT"]

#: Largest D for which ``exp`` forms the dense exponential with ``scipy.linalg.expm``.
DENSE_EXP_LIMIT = 256


@generic(nargs=1)
def exp(a, t=1.0):
    """The one-parameter subgroup element exp(tA) of a generator, as a transformation.

    Parameters
    ----------
    a : LinearGenerator
        J(θ) = Aθ + c (dense, sparse or diagonal).
    t : float
        Group parameter (default 1).

    Returns
    -------
    ExpMap
        Acts by ``exp(a, t) @ theta``; composes (``@``), inverts (``** -1``) and conjugates.

    Raises
    ------
    InvalidValueError
        ``t`` is not finite; or (at use) the result overflows float64, or the action for large
        D would need more than ``EXPM_MULTIPLY_NORM_LIMIT`` matrix-vector products.
    DispatchError
        ``a`` is not a linear/affine generator.

    Notes
    -----
    T_s = exp(sA) is the flow of J (MATH.md §A), so a symmetry generator's group leaves the loss
    unchanged: L(exp(a, t) @ θ) = L(θ) for all t.
    """


def _t(t) -> float:
    # float("0.3") would accept a string; only real numbers (NumPy scalars included) are times
    if isinstance(t, (bool, np.bool_)) or not isinstance(t, (numbers.Real, np.number)) or np.iscomplexobj(t):
        raise InvalidValueError(f"t: expected a finite real number, got {t!r}")
    try:
        t = float(t)
    except (TypeError, ValueError):
        raise InvalidValueError(f"t: expected a finite real number, got {t!r}") from None
    if not np.isfinite(t):
        raise InvalidValueError(f"t: expected a finite real number, got {t}")
    return t


class ExpMap(DiscreteTransformation):
    """The group element exp(tA) of a linear/affine generator: θ ↦ e^{tA}θ + u_t.

    Parameters
    ----------
    generator : LinearGenerator
    t : float

    Notes
    -----
    Orthogonal when A is skew-symmetric without translation. Composition of two elements of the
    same one-parameter group adds parameters exactly: exp(A, s) @ exp(A, t) = exp(A, s + t).
    """

    __slots__ = ("_gen", "_t", "_mat", "_off", "_name")

    def __init__(self, generator: LinearGenerator, t: float = 1.0):
        if not isinstance(generator, LinearGenerator):
            raise InvalidValueError(f"generator: expected a LinearGenerator, got {type(generator).__name__}")
        self._gen, self._t = generator, _t(t)
        self._mat = self._off = None
        self._name = f"exp({self._t:g}*{generator.name})"
        d = generator.space.size
        if generator.form != "diagonal" and d <= DENSE_EXP_LIMIT:
            hat = generator.homogeneous().toarray() * self._t
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                e = sla.expm(hat)
            if np.all(np.isfinite(e)):
                self._mat, self._off = e[:d, :d], e[:d, d]
                self._mat.setflags(write=False)
            # else: the matrix overflows; the action may not (θ in a decaying subspace) -> lazy path

    @property
    def space(self):
        return self._gen.space

    @property
    def generator_of(self) -> LinearGenerator:
        """The generator A (+c) whose one-parameter group this element belongs to."""
        return self._gen

    @property
    def parameter(self) -> float:
        """The group parameter t."""
        return self._t

    @property
    def is_dense(self) -> bool:
        """True when the dense exponential was formed (D ≤ DENSE_EXP_LIMIT and finite)."""
        return self._mat is not None

    @property
    def offset(self):
        """The translation u_t, or None for a linear generator."""
        if self._gen.offset is None:
            return None
        return self.act(np.zeros(self.space.size))

    @property
    def is_orthogonal(self) -> bool:
        g = self._gen
        if g.offset is not None:
            return False
        if g.form == "diagonal":
            return not np.any(g.matrix) or self._t == 0
        m = g.matrix
        return bool((abs(m + m.T)).max() == 0) if sp.issparse(m) else bool(np.array_equal(m, -m.T))

    def _finite(self, out, what):
        if not np.all(np.isfinite(out)):
            raise InvalidValueError(f"t: {what} overflows float64 at t = {self._t:g} "
                                    f"(generator {self._gen.name!r})")
        return out

    def act(self, theta) -> np.ndarray:
        """e^{tA}θ + u_t, shape (D,)."""
        theta = as_vector(theta, "theta", self.space.size)
        if self._mat is not None:
            return self._finite(self._mat @ theta + self._off, "exp(tA)θ")
        return self._gen.curve(theta, self._t)

    def _linear(self, v, transpose: bool):
        v = np.asarray(v, dtype=np.float64)
        g = self._gen
        if v.shape[:1] != (self.space.size,):
            raise ShapeError(f"v: expected shape ({self.space.size},) or ({self.space.size}, k), got {v.shape}")
        if self._mat is not None:
            return self._finite((self._mat.T if transpose else self._mat) @ v, "exp(tA)v")
        with np.errstate(all="ignore"):
            if g.form == "diagonal":
                a = self._t * g.matrix
                out = _exp_times(a if v.ndim == 1 else a[:, None], v)
            else:
                A = g.to_sparse() * self._t
                A = A.T if transpose else A
                cost = float(abs(A).sum(axis=0).max()) if A.nnz else 0.0
                if cost > EXPM_MULTIPLY_NORM_LIMIT:
                    raise InvalidValueError(f"t: |t|·‖A‖₁ = {cost:.3g} exceeds {EXPM_MULTIPLY_NORM_LIMIT:.0e} "
                                            "(expm_multiply cost); use a smaller t")
                out = spla.expm_multiply(sp.csc_array(A), v)
        return self._finite(out, "exp(tA)v")

    def linear_apply(self, v) -> np.ndarray:
        """e^{tA} v for v of shape (D,) or (D, k) (the linear part; no translation)."""
        return self._linear(v, transpose=False)

    def linear_apply_transpose(self, v) -> np.ndarray:
        """(e^{tA})ᵀ v = e^{tAᵀ} v."""
        return self._linear(v, transpose=True)

    def to_dense(self) -> np.ndarray:
        """e^{tA} as a dense (D, D) array (D ≤ DENSE_EXP_LIMIT, or diagonal A).

        Raises
        ------
        ShapeError
            D too large for a dense exponential.
        InvalidValueError
            The exponential overflows float64.
        """
        d = self.space.size
        if self._mat is not None:
            return np.array(self._mat)
        if self._gen.form == "diagonal":
            with np.errstate(over="ignore"):
                return np.diag(self._finite(np.exp(self._t * self._gen.matrix), "exp(tA)"))
        if d > DENSE_EXP_LIMIT:
            raise ShapeError(f"to_dense: D = {d} exceeds DENSE_EXP_LIMIT = {DENSE_EXP_LIMIT}; "
                             "act on vectors instead")
        raise InvalidValueError(f"t: exp(tA) overflows float64 at t = {self._t:g}")

    def to_sparse(self):
        """e^{tA} as a ``scipy.sparse.csr_array`` (diagonal A, or small D)."""
        if self._gen.form == "diagonal":
            with np.errstate(over="ignore"):
                return sp.csr_array(sp.diags_array(self._finite(np.exp(self._t * self._gen.matrix), "exp(tA)")))
        return sp.csr_array(self.to_dense())

    def to_matrix_map(self) -> MatrixMap:
        """The same map as a general :class:`MatrixMap` (dense or diagonal; small D)."""
        return MatrixMap(self.to_sparse() if self._gen.form == "diagonal" else self.to_dense(), self.offset,
                         self.space, name=self.name)

    def __repr__(self):
        return f"ExpMap({self.name!r}, D={self.space.size}, dense={self.is_dense})"


@exp.register(LinearGenerator)
def _exp_linear(a, t=1.0):
    return ExpMap(a, t)


@inverse.register(ExpMap)
def _inverse_exp(g):
    return ExpMap(g.generator_of, -g.parameter)


def _same_group(g, h) -> bool:
    a, b = g.generator_of, h.generator_of
    if a is b:
        return True
    if a.space != b.space or a.form != b.form:
        return False
    ma, mb = a.matrix, b.matrix
    same_m = (ma != mb).nnz == 0 if sp.issparse(ma) else np.array_equal(ma, mb)
    oa, ob = a.offset, b.offset
    same_o = (oa is None and ob is None) or (oa is not None and ob is not None and np.array_equal(oa, ob))
    return bool(same_m and same_o)


@compose.register(ExpMap, ExpMap)
def _compose_exp(g, h):
    if g.space != h.space:
        raise SpaceMismatchError(f"transformations: defined over different parameter spaces "
                                 f"({g.space.describe()} vs {h.space.describe()})")
    if _same_group(g, h):
        return ExpMap(g.generator_of, g.parameter + h.parameter)
    return compose(g.to_matrix_map(), h.to_matrix_map())


@compose.register(ExpMap, DiscreteTransformation)
def _compose_exp_left(g, h):
    return compose(g.to_matrix_map(), h)


@compose.register(DiscreteTransformation, ExpMap)
def _compose_exp_right(g, h):
    return compose(g, h.to_matrix_map())
