"""Output, loss and input maps of equivariances: what the value, output or data does when θ moves.

An equivariance (MATH.md §A) pairs a parameter transformation with maps on the other side:

* **loss level** L(T θ) = S(L(θ)): a :class:`ScalarMap` S on loss values;
* **model level** f(T θ, P x) = R f(θ, x): an output map R on R^o (:class:`ScalarMap` acting on
  every output coordinate alike, or :class:`LinearOutputMap`) and an :class:`InputMap` P on inputs.

Every map comes in two kinds, matching the transformation it is attached to:

* *discrete* — one map (for a :class:`~eqalg.transforms.base.DiscreteTransformation`):
  ``ScalarMap.affine(a, b)`` is S(ℓ) = aℓ + b, ``LinearOutputMap(R, r)`` is z ↦ Rz + r;
* *continuous* — a one-parameter family S_s, R_s given by its rate at s = 0 (for a
  :class:`~eqalg.transforms.base.ContinuousTransformation`): ``ScalarMap.rate(a, b)`` is
  σ(ℓ) = aℓ + b, ``LinearOutputMap.rate(B, r)`` is ρ(z) = Bz + r. ``ScalarMap.power(k)`` is the
  rate of homogeneity, S_s(ℓ) = e^{ks}ℓ (σ(ℓ) = kℓ, σ′ = k).

``at(s)`` turns a continuous family into its discrete map at time s (the exact flow of the rate).
The generic verbs :func:`~eqalg.transforms.base.compose` and
:func:`~eqalg.transforms.base.inverse` act on maps too: discrete maps compose as maps, continuous
rates add (MATH.md (I7): the rate map J ↦ σ_J is linear) and negate.

Conventions: outputs are rows, Z of shape (N, o), so a linear map acts as Z Rᵀ; inputs are rows
X of shape (N, d) and P acts as X Pᵀ. A permutation ``perm`` gathers: (Rz)[i] = z[perm[i]].

Examples
--------
>>> S = ScalarMap.power(2)
>>> S.continuous, S.rate_value(3.0), S.at(0.5).apply(1.0) == float(np.exp(1.0))
(True, 6.0, True)
>>> R = LinearOutputMap.permutation([1, 2, 0])
>>> R.apply(np.array([[10.0, 20.0, 30.0]]))
array([[20., 30., 10.]])
>>> compose(R, inverse(R)).is_identity
True
"""

from __future__ import annotations

import numpy as np
import scipy.linalg as sla

from ..errors import InvalidValueError, NonFiniteError, ShapeError
from .base import compose, inverse

__all__ = ["OutputMap", "ScalarMap", "LinearOutputMap", "InputMap", "IDENTITY_RTOL"]

#: Relative tolerance deciding that a float map is the identity (after composing with its inverse).
IDENTITY_RTOL = 1e-12


def _finite_scalar(x, name) -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float, np.integer, np.floating)):
        raise InvalidValueError(f"{name}: expected a real number, got {type(x).__name__}")
    x = float(x)
    if not np.isfinite(x):
        raise NonFiniteError(f"{name}: expected a finite number, got {x}")
    return x


def _square(matrix, name) -> np.ndarray:
    try:
        m = np.array(matrix, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ShapeError(f"{name}: expected a numeric square matrix, got {type(matrix).__name__}") from exc
    if m.ndim != 2 or m.shape[0] != m.shape[1] or m.shape[0] == 0:
        raise ShapeError(f"{name}: expected a square (n, n) matrix, got shape {m.shape}")
    if not np.all(np.isfinite(m)):
        raise NonFiniteError(f"{name}: expected finite entries")
    m.setflags(write=False)
    return m


def _permutation_matrix(perm, name) -> np.ndarray:
    p = np.asarray(perm)
    n = p.shape[0] if p.ndim == 1 else -1
    if p.ndim != 1 or n == 0 or not np.array_equal(np.sort(p), np.arange(n)):
        raise ShapeError(f"{name}: expected a permutation of range(n), got {np.asarray(perm).tolist()}")
    m = np.zeros((n, n))
    m[np.arange(n), p.astype(np.intp)] = 1.0
    return m


def _is_permutation_matrix(m) -> bool:
    return bool(np.all((m == 0) | (m == 1)) and np.all(m.sum(axis=0) == 1) and np.all(m.sum(axis=1) == 1))


def _check_invertible(m, name):
    cond = np.linalg.cond(m)
    if not np.isfinite(cond) or cond > 1.0 / np.finfo(float).eps:
        raise InvalidValueError(f"{name}: expected an invertible matrix, condition number {cond:.3g}")


def _near(a, b) -> bool:
    return bool(np.allclose(a, b, rtol=IDENTITY_RTOL, atol=IDENTITY_RTOL))


class OutputMap:
    """A map on output values z ∈ R^o (or loss values, o = 1), discrete or continuous.

    Obligatory
    ----------
    continuous : bool
    apply(Z) (discrete) : the map, Z of shape (N, o) (or a scalar for loss values)
    linear_apply(Z), linear_transpose_apply(W) (discrete) : rows z_i ↦ DR z_i, w_i ↦ DRᵀ w_i
        (the maps here are affine, so DR is constant)
    rate_value(Z) (continuous) : ρ(z_i) row-wise
    rate_transpose_jacobian(Z, W) (continuous) : rows Dρ(z_i)ᵀ w_i
    at(s) (continuous) : the discrete map R_s of the flow of ρ
    is_identity : bool — the identity map (discrete) or the zero rate (continuous)
    check_outputs(o, name) : raise :class:`~eqalg.errors.ShapeError` if not a map on R^o
    """

    continuous: bool = False

    @property
    def is_relabelling(self) -> bool:
        """True for a discrete map permuting output coordinates (or the identity).

        Every per-sample loss treating coordinates alike (MSE, cross-entropy) satisfies
        ℓ(Rz, Ry) = ℓ(z, y) for such R, which turns a model-level equivariance into the
        data-coupled loss identities of MATH.md B7.
        """
        return False

    def _require(self, continuous: bool, what: str):
        if self.continuous != continuous:
            kind = "a continuous rate" if self.continuous else "a discrete map"
            raise InvalidValueError(f"{what}: not defined for {kind} ({self!r})")


class ScalarMap(OutputMap):
    """An affine map on scalars, applied alike to a loss value or to every output coordinate.

    Use the constructors: :meth:`affine` (discrete S(ℓ) = aℓ + b), :meth:`rate` (continuous,
    rate σ(ℓ) = aℓ + b), :meth:`power` (continuous, S_s(ℓ) = e^{ks}ℓ: homogeneity of degree k),
    :meth:`identity`.

    Parameters
    ----------
    a, b : float
        Scale and shift of the map (discrete) or of the rate (continuous).
    continuous : bool

    Raises
    ------
    InvalidValueError, NonFiniteError
        Non-finite ``a``/``b``; ``a = 0`` for a discrete map (not invertible).

    Notes
    -----
    Loss level (MATH.md B1, B7): σ(ℓ) = aℓ + b and σ′ = a enter (I1)/(I2); a discrete map has
    S′ = a, S″ = 0 in (D1)/(D2). The flow of σ is S_s(ℓ) = e^{as}ℓ + b(e^{as} − 1)/a
    (ℓ + bs when a = 0). Model level, a ScalarMap acts on every output coordinate:
    ρ(z) = az + b·1, Dρ = aI.
    """

    __slots__ = ("a", "b", "continuous")

    def __init__(self, a: float, b: float = 0.0, *, continuous: bool):
        a, b = _finite_scalar(a, "a"), _finite_scalar(b, "b")
        if not continuous and a == 0.0:
            raise InvalidValueError("a: a discrete ScalarMap needs a != 0 (the map must be invertible)")
        self.a, self.b, self.continuous = a, b, bool(continuous)

    @classmethod
    def affine(cls, a: float, b: float = 0.0) -> "ScalarMap":
        """The discrete map S(ℓ) = aℓ + b (a ≠ 0)."""
        return cls(a, b, continuous=False)

    @classmethod
    def rate(cls, a: float, b: float = 0.0) -> "ScalarMap":
        """The continuous family with rate σ(ℓ) = aℓ + b."""
        return cls(a, b, continuous=True)

    @classmethod
    def power(cls, k: float) -> "ScalarMap":
        """Homogeneity of degree k: S_s(ℓ) = e^{ks} ℓ, σ(ℓ) = kℓ, σ′ = k (Euler's theorem, MATH.md B4)."""
        return cls(k, 0.0, continuous=True)

    @classmethod
    def identity(cls, continuous: bool = False) -> "ScalarMap":
        """The identity map (discrete) or the zero rate (continuous): the symmetry case."""
        return cls(0.0, 0.0, continuous=True) if continuous else cls(1.0, 0.0, continuous=False)

    @property
    def is_identity(self) -> bool:
        if self.continuous:
            return self.a == 0.0 and self.b == 0.0
        return _near(self.a, 1.0) and _near(self.b, 0.0)

    @property
    def is_relabelling(self) -> bool:
        return not self.continuous and self.is_identity

    def check_outputs(self, o: int, name: str = "output") -> None:
        """A ScalarMap acts on any number of outputs."""

    # -- discrete ---------------------------------------------------------------------------------
    def apply(self, z):
        """S(z) = a z + b elementwise (discrete)."""
        self._require(False, "apply")
        out = self.a * np.asarray(z, dtype=np.float64) + self.b
        return float(out) if np.ndim(out) == 0 else out

    def derivatives(self, value) -> tuple[float, float]:
        """(S′(ℓ), S″(ℓ)) = (a, 0) of the discrete map."""
        self._require(False, "derivatives")
        return self.a, 0.0

    def linear_apply(self, Z) -> np.ndarray:
        """a Z (the linear part DS = aI applied to rows)."""
        self._require(False, "linear_apply")
        return self.a * np.asarray(Z, dtype=np.float64)

    def linear_transpose_apply(self, W) -> np.ndarray:
        """a W (the transpose of DS = aI)."""
        self._require(False, "linear_transpose_apply")
        return self.a * np.asarray(W, dtype=np.float64)

    # -- continuous -------------------------------------------------------------------------------
    def rate_value(self, z):
        """σ(z) = a z + b elementwise (continuous)."""
        self._require(True, "rate_value")
        out = self.a * np.asarray(z, dtype=np.float64) + self.b
        return float(out) if np.ndim(out) == 0 else out

    def rate_derivative(self, value) -> float:
        """σ′(ℓ) = a."""
        self._require(True, "rate_derivative")
        return self.a

    def rate_transpose_jacobian(self, Z, W) -> np.ndarray:
        """Dρ(z_i)ᵀ w_i = a w_i."""
        self._require(True, "rate_transpose_jacobian")
        return self.a * np.asarray(W, dtype=np.float64)

    def at(self, s: float) -> "ScalarMap":
        """The discrete map S_s of the flow of σ: e^{as}ℓ + b(e^{as} − 1)/a."""
        self._require(True, "at")
        s = _finite_scalar(s, "s")
        scale = np.exp(self.a * s)
        shift = self.b * (np.expm1(self.a * s) / self.a if self.a != 0 else s)
        return ScalarMap.affine(scale, shift)

    def scaled(self, c: float) -> "ScalarMap":
        """The rate c·σ (continuous only): the rate of the generator c·J."""
        self._require(True, "scaled")
        return ScalarMap.rate(c * self.a, c * self.b)

    def __repr__(self):
        if self.continuous:
            return f"ScalarMap.rate({self.a:g}, {self.b:g})" if self.b else f"ScalarMap.power({self.a:g})"
        return f"ScalarMap.affine({self.a:g}, {self.b:g})"


class LinearOutputMap(OutputMap):
    """A linear (or affine) map of model outputs, discrete z ↦ Rz + r or continuous ρ(z) = Bz + r.

    Parameters
    ----------
    matrix : array_like (o, o)
        R (discrete, invertible) or B (continuous, any).
    offset : array_like (o,), optional
        r.
    continuous : bool
        Use :meth:`rate` for the continuous kind.

    Raises
    ------
    ShapeError, NonFiniteError
        ``matrix`` not square, ``offset`` of the wrong length, non-finite entries.
    InvalidValueError
        A discrete R is singular.

    Notes
    -----
    Model level only (MATH.md B4, B7): (M1) Df J = ρ(f), (M2) uses Dρ = B; a discrete R gives
    Df(Mθ, Px) M = R Df(θ, x). A permutation R is a relabelling (:attr:`is_relabelling`).
    """

    __slots__ = ("matrix", "offset", "continuous")

    def __init__(self, matrix, offset=None, *, continuous: bool = False):
        m = _square(matrix, "matrix")
        o = m.shape[0]
        off = None
        if offset is not None:
            off = np.array(offset, dtype=np.float64)
            if off.shape != (o,):
                raise ShapeError(f"offset: expected shape ({o},), got {off.shape}")
            if not np.all(np.isfinite(off)):
                raise NonFiniteError("offset: expected finite entries")
            off.setflags(write=False)
            if not np.any(off):
                off = None
        if not continuous:
            _check_invertible(m, "matrix")
        self.matrix, self.offset, self.continuous = m, off, bool(continuous)

    @classmethod
    def rate(cls, matrix, offset=None) -> "LinearOutputMap":
        """The continuous family R_s = flow of ρ(z) = Bz + r (R_s = exp(sB) when r = 0)."""
        return cls(matrix, offset, continuous=True)

    @classmethod
    def permutation(cls, perm) -> "LinearOutputMap":
        """The relabelling (Rz)[i] = z[perm[i]] (discrete)."""
        return cls(_permutation_matrix(perm, "perm"))

    @property
    def size(self) -> int:
        """o, the number of outputs the map acts on."""
        return self.matrix.shape[0]

    @property
    def is_identity(self) -> bool:
        target = np.zeros_like(self.matrix) if self.continuous else np.eye(self.size)
        return _near(self.matrix, target) and (self.offset is None or _near(self.offset, 0.0))

    @property
    def is_relabelling(self) -> bool:
        return not self.continuous and self.offset is None and _is_permutation_matrix(self.matrix)

    def check_outputs(self, o: int, name: str = "output") -> None:
        """Raise :class:`~eqalg.errors.ShapeError` unless the map acts on R^o."""
        if self.size != o:
            raise ShapeError(f"{name}: expected a map on R^{o} (the model has {o} outputs), "
                             f"got a ({self.size}, {self.size}) matrix")

    def _affine(self, Z, m):
        out = np.asarray(Z, dtype=np.float64) @ m.T
        return out if self.offset is None else out + self.offset

    def apply(self, Z) -> np.ndarray:
        """Rows z_i ↦ R z_i + r (discrete)."""
        self._require(False, "apply")
        return self._affine(Z, self.matrix)

    def linear_apply(self, Z) -> np.ndarray:
        """Rows z_i ↦ R z_i (the linear part, without the offset)."""
        self._require(False, "linear_apply")
        return np.asarray(Z, dtype=np.float64) @ self.matrix.T

    def linear_transpose_apply(self, W) -> np.ndarray:
        """Rows w_i ↦ Rᵀ w_i."""
        self._require(False, "linear_transpose_apply")
        return np.asarray(W, dtype=np.float64) @ self.matrix

    def rate_value(self, Z) -> np.ndarray:
        """ρ(z_i) = B z_i + r row-wise (continuous)."""
        self._require(True, "rate_value")
        return self._affine(Z, self.matrix)

    def rate_transpose_jacobian(self, Z, W) -> np.ndarray:
        """Dρ(z_i)ᵀ w_i = Bᵀ w_i."""
        self._require(True, "rate_transpose_jacobian")
        return np.asarray(W, dtype=np.float64) @ self.matrix

    def at(self, s: float) -> "LinearOutputMap":
        """The discrete map R_s: exp(sB) z + (∫₀ˢ exp(uB) du) r, from one augmented matrix exponential."""
        self._require(True, "at")
        s = _finite_scalar(s, "s")
        o = self.size
        aug = np.zeros((o + 1, o + 1))
        aug[:o, :o] = s * self.matrix
        if self.offset is not None:
            aug[:o, o] = s * self.offset
        e = sla.expm(aug)
        return LinearOutputMap(e[:o, :o], e[:o, o] if self.offset is not None else None)

    def scaled(self, c: float) -> "LinearOutputMap":
        """The rate c·ρ (continuous only)."""
        self._require(True, "scaled")
        return LinearOutputMap.rate(c * self.matrix, None if self.offset is None else c * self.offset)

    def __repr__(self):
        kind = "rate" if self.continuous else "map"
        return f"LinearOutputMap({kind}, o={self.size}{', affine' if self.offset is not None else ''})"


class InputMap:
    """An invertible linear map of model inputs, x ↦ P x (data coupling, MATH.md §A and B7).

    Parameters
    ----------
    matrix : array_like (d, d)
        P, invertible.

    Raises
    ------
    ShapeError, NonFiniteError, InvalidValueError
        Not square, non-finite, or singular.

    Notes
    -----
    With f(Mθ, Px) = R f(θ, x), a data set D = {(x_i, y_i)} is transported to
    P·D = {(P x_i, R y_i)} (targets only for relabellings R), and L_{P·D}(Mθ) = L_D(θ).
    """

    __slots__ = ("matrix",)

    def __init__(self, matrix):
        m = _square(matrix, "matrix")
        _check_invertible(m, "matrix")
        self.matrix = m

    @classmethod
    def permutation(cls, perm) -> "InputMap":
        """Permute input features: (Px)[i] = x[perm[i]]."""
        return cls(_permutation_matrix(perm, "perm"))

    @classmethod
    def identity(cls, d: int) -> "InputMap":
        """The identity on R^d."""
        return cls(np.eye(int(d)))

    @property
    def size(self) -> int:
        """d, the number of input features."""
        return self.matrix.shape[0]

    @property
    def is_identity(self) -> bool:
        return _near(self.matrix, np.eye(self.size))

    def check_inputs(self, d: int, name: str = "data") -> None:
        """Raise :class:`~eqalg.errors.ShapeError` unless the map acts on R^d."""
        if self.size != d:
            raise ShapeError(f"{name}: expected a map on R^{d} (the model has {d} input features), "
                             f"got a ({self.size}, {self.size}) matrix")

    def apply(self, X) -> np.ndarray:
        """Rows x_i ↦ P x_i, X of shape (N, d)."""
        return np.asarray(X, dtype=np.float64) @ self.matrix.T

    def __repr__(self):
        return f"InputMap(d={self.size})"


# -- verbs ----------------------------------------------------------------------------------------------
def _same_kind(a, b):
    if a.continuous != b.continuous:
        raise InvalidValueError(f"compose: cannot combine a continuous rate with a discrete map ({a!r}, {b!r})")


def _as_linear(m, o) -> LinearOutputMap:
    """A ScalarMap on R^o as a LinearOutputMap (a I, b 1)."""
    if isinstance(m, LinearOutputMap):
        return m
    off = np.full(o, m.b) if m.b else None
    return LinearOutputMap(m.a * np.eye(o), off, continuous=m.continuous)


@compose.register(ScalarMap, ScalarMap)
def _compose_scalar(f, g):
    _same_kind(f, g)
    if f.continuous:  # rates add (I7)
        return ScalarMap.rate(f.a + g.a, f.b + g.b)
    return ScalarMap.affine(f.a * g.a, f.a * g.b + f.b)


@compose.register(OutputMap, OutputMap)
def _compose_output(f, g):
    _same_kind(f, g)
    o = f.size if isinstance(f, LinearOutputMap) else g.size
    f, g = _as_linear(f, o), _as_linear(g, o)
    f.check_outputs(g.size, "output")
    if f.continuous:
        off = None if f.offset is None and g.offset is None else (
            (0.0 if f.offset is None else f.offset) + (0.0 if g.offset is None else g.offset))
        return LinearOutputMap.rate(f.matrix + g.matrix, off)
    off = None if g.offset is None else f.matrix @ g.offset
    if f.offset is not None:
        off = f.offset if off is None else off + f.offset
    return LinearOutputMap(f.matrix @ g.matrix, off)


@compose.register(InputMap, InputMap)
def _compose_input(p, q):
    p.check_inputs(q.size, "data")
    return InputMap(p.matrix @ q.matrix)


@inverse.register(ScalarMap)
def _inverse_scalar(f):
    if f.continuous:  # the reversed flow
        return ScalarMap.rate(-f.a, -f.b)
    return ScalarMap.affine(1.0 / f.a, -f.b / f.a)


@inverse.register(LinearOutputMap)
def _inverse_linear_output(f):
    if f.continuous:
        return LinearOutputMap.rate(-f.matrix, None if f.offset is None else -f.offset)
    if f.is_relabelling:  # exact for permutations
        return LinearOutputMap(f.matrix.T)
    minv = sla.inv(f.matrix)
    return LinearOutputMap(minv, None if f.offset is None else -(minv @ f.offset))


@inverse.register(InputMap)
def _inverse_input(p):
    if _is_permutation_matrix(p.matrix):
        return InputMap(p.matrix.T)
    return InputMap(sla.inv(p.matrix))
