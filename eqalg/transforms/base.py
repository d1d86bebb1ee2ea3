"""Abstract transformation types and the generic verbs of the algebra.

The hierarchy mirrors the mathematics (MATH.md §A):

* :class:`Transformation` — anything acting on a :class:`~eqalg.space.ParameterSpace`.
* :class:`ContinuousTransformation` — a one-parameter family T_s with generator
  J(θ) = ∂_s T_s(θ)|_{s=0}. Obligatory: :meth:`~ContinuousTransformation.generator` and
  :meth:`~ContinuousTransformation.jacobian_transpose_apply` (DJ(θ)ᵀ v).
* :class:`DiscreteTransformation` — a single map θ ↦ Mθ + t. Obligatory:
  :meth:`~DiscreteTransformation.act`, :meth:`~DiscreteTransformation.linear_apply` (M v) and
  :meth:`~DiscreteTransformation.linear_apply_transpose` (Mᵀ v).

Every transformation also carries its loss-level output map (MATH.md §A, "Equivariance (loss
level)"): L(T θ) = S(L(θ)). A symmetry has S = id; the defaults below say so, and
equivariances override :meth:`Transformation.loss_rate` and friends.

Generic verbs (:func:`compose`, :func:`inverse`, :func:`act`) dispatch on argument types through
:mod:`eqalg.dispatch`; operators are sugar: ``a @ b`` composes (``b`` applied first),
``g @ theta`` acts, ``g ** k`` is a power.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

from ..dispatch import generic
from ..errors import DispatchError, InvalidValueError, MissingMethodError, as_vector
from ..space import ParameterSpace

__all__ = [
    "Transformation",
    "ContinuousTransformation",
    "DiscreteTransformation",
    "compose",
    "inverse",
    "act",
]


def _missing(obj, signature: str):
    return MissingMethodError(f"{type(obj).__name__} must implement `{signature}` "
                              f"(obligatory method of {type(obj).__mro__[1].__name__})")


class Transformation(ABC):
    """A transformation of a parameter space.

    Obligatory
    ----------
    space : ParameterSpace (property)

    Defaults (symmetry)
    -------------------
    loss_rate(value) -> 0.0, loss_rate_derivative(value) -> 0.0,
    loss_map_derivatives(value) -> (1.0, 0.0), is_symmetry -> True.
    """

    # numpy must not broadcast arithmetic over transformations (``A * np.ones(3)`` would be an
    # object array of generators): it defers, and an unsupported operand is a TypeError
    __array_ufunc__ = None

    #: "continuous" or "discrete"; set by the two abstract subclasses.
    kind: str = "transformation"

    @property
    @abstractmethod
    def space(self) -> ParameterSpace:
        """The :class:`~eqalg.space.ParameterSpace` the transformation acts on."""

    @property
    def name(self) -> str:
        """Human-readable name used in reports (``"rescale[3]"``)."""
        return getattr(self, "_name", None) or type(self).__name__

    @property
    def is_symmetry(self) -> bool:
        """True when the loss is invariant (output map S = id, MATH.md §A)."""
        return True

    def loss_rate(self, value: float) -> float:
        """σ(ℓ) = ∂_s S_s(ℓ)|_{s=0}: the loss-level rate of a continuous equivariance (0 for symmetries)."""
        return 0.0

    def loss_rate_derivative(self, value: float) -> float:
        """σ'(ℓ), the derivative of the rate in the loss value (0 for symmetries)."""
        return 0.0

    def loss_map_derivatives(self, value: float) -> tuple[float, float]:
        """(S'(ℓ), S''(ℓ)) of a discrete loss map L(Mθ) = S(L(θ)); (1, 0) for symmetries."""
        return 1.0, 0.0

    def loss_map_value(self, value: float, s: float = 1.0) -> float:
        """S(ℓ) of a discrete map, or S_s(ℓ) of a continuous one at time s; ℓ itself for symmetries."""
        return value

    def _check_theta(self, theta) -> np.ndarray:
        return as_vector(theta, "theta", self.space.size)


class ContinuousTransformation(Transformation):
    """A one-parameter family T_s of maps with generator J(θ) (MATH.md §A).

    Obligatory
    ----------
    generator(theta) -> ndarray (D,)
        J(θ).
    jacobian_transpose_apply(theta, v) -> ndarray (D,) or (D, k)
        DJ(θ)ᵀ v.

    Defaults
    --------
    jacobian_apply(theta, v) : via the dense Jacobian (override for large D)
    curve(theta, s) : θ + s J(θ), a first-order curve with the right tangent; subtypes with a
        known flow (linear generators: exp(sA)θ) return the exact one-parameter subgroup.
    """

    kind = "continuous"

    def generator(self, theta) -> np.ndarray:
        """J(θ), shape (D,)."""
        raise _missing(self, "generator(self, theta) -> ndarray (D,)")

    def jacobian_transpose_apply(self, theta, v) -> np.ndarray:
        """DJ(θ)ᵀ v for v of shape (D,) or (D, k)."""
        raise _missing(self, "jacobian_transpose_apply(self, theta, v) -> ndarray")

    def jacobian_apply(self, theta, v) -> np.ndarray:
        """DJ(θ) v, by default from DJᵀ applied to the identity (small D only)."""
        d = self.space.size
        dense_t = self.jacobian_transpose_apply(theta, np.eye(d))
        return dense_t.T @ np.asarray(v, dtype=float)

    def curve(self, theta, s: float) -> np.ndarray:
        """A point on a curve through θ with tangent J(θ) at s = 0 (default θ + s J(θ))."""
        theta = self._check_theta(theta)
        return theta + s * self.generator(theta)

    @property
    def exact_curve(self) -> bool:
        """True when :meth:`curve` is the one-parameter subgroup T_s itself (not only tangent to it)."""
        return False


class DiscreteTransformation(Transformation):
    """A single map θ ↦ Mθ + t on parameter space (MATH.md §A, "Discrete transformation").

    Obligatory
    ----------
    act(theta) -> ndarray (D,)
        Mθ + t.
    linear_apply(v) -> ndarray (D,) or (D, k)
        M v (the Jacobian of the map, constant for affine maps).
    linear_apply_transpose(v) -> ndarray (D,) or (D, k)
        Mᵀ v.

    Defaults
    --------
    is_orthogonal : False (signed permutations override with True)
    """

    kind = "discrete"

    def act(self, theta) -> np.ndarray:
        """Mθ + t."""
        raise _missing(self, "act(self, theta) -> ndarray (D,)")

    def linear_apply(self, v) -> np.ndarray:
        """M v for v of shape (D,) or (D, k)."""
        raise _missing(self, "linear_apply(self, v) -> ndarray")

    def linear_apply_transpose(self, v) -> np.ndarray:
        """Mᵀ v for v of shape (D,) or (D, k)."""
        raise _missing(self, "linear_apply_transpose(self, v) -> ndarray")

    @property
    def is_orthogonal(self) -> bool:
        """True when M is orthogonal and t = 0 (needed by (D3)–(D5), MATH.md B6)."""
        return False

    def __call__(self, theta) -> np.ndarray:
        return self.act(theta)

    def __matmul__(self, other):
        if isinstance(other, Transformation):
            return compose(self, other)
        if isinstance(other, np.ndarray) or isinstance(other, (list, tuple)):
            return act(self, np.asarray(other))
        return NotImplemented

    def __pow__(self, k):
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
            raise InvalidValueError(f"exponent: expected an integer, got {k!r}")
        return power(self, int(k))


@generic(nargs=2)
def compose(a, b):
    """Composition a ∘ b (apply ``b`` first, then ``a``); ``a @ b`` is sugar.

    Promotion (DESIGN.md): symmetry ∘ symmetry → symmetry; signed permutation ∘ signed
    permutation → signed permutation; otherwise the most general common type.

    Continuous transformations compose at the level of generators: the composite of the
    one-parameter subgroups T_s = e^{sA} and U_s = e^{sB} has generator d/ds (T_s ∘ U_s)|₀ = A + B
    (exact to first order in s; T_s U_s = e^{s(A+B)} + O(s²[A, B])), so ``compose`` returns the
    sum of the generators (rates of equivariances add). It is *not* the group product of the
    finite flows unless A and B commute: for that, compose their exponentials,
    ``compose(exp(A, s), exp(B, s))``.

    Raises
    ------
    SpaceMismatchError
        The two transformations act on different parameter spaces.
    DispatchError
        No composition rule exists for the pair of types.
    """


@generic(nargs=1)
def inverse(g):
    """The inverse transformation g⁻¹ (``g ** -1`` is sugar).

    Raises
    ------
    DispatchError
        ``g`` has no inverse method (continuous generators are not invertible maps).
    """


@generic(nargs=2)
def act(g, theta):
    """Apply ``g`` to a parameter vector: θ ↦ g(θ) (``g @ theta`` is sugar).

    Raises
    ------
    ShapeError, NonFiniteError
        ``theta`` is not a finite vector of the space's dimension.
    """


@act.register(DiscreteTransformation, np.ndarray)
def _act_discrete(g, theta):
    return g.act(theta)


@generic(nargs=1)
def power(g, k):
    """g^k for an integer k (negative k uses :func:`inverse`); ``g ** k`` is sugar."""


@power.register(DiscreteTransformation)
def _power_discrete(g, k):
    base = g if k >= 0 else inverse(g)
    result = None
    acc = base
    n = abs(k)
    while True:  # binary exponentiation: O(log k) compositions
        if n & 1:
            result = acc if result is None else compose(result, acc)
        n >>= 1
        if not n:
            break
        acc = compose(acc, acc)
    if result is None:
        ident = getattr(type(g), "identity", None)
        if ident is None:
            raise DispatchError(f"power: {type(g).__name__} has no identity element for exponent 0")
        return ident(g.space)
    return result
