"""Nonlinear continuous generators: a vector field J(θ) with an analytic or numerical Jacobian.

A :class:`VectorField` is the general :class:`~eqalg.transforms.base.ContinuousTransformation`
(MATH.md §A, B3): its first- and second-order constraints (I1) ⟨g, J⟩ = σ and
(I2) H J + DJᵀ g = σ' g come from :func:`~eqalg.constraints.derive` and are evaluated by both
backends like those of linear generators, with DJ(θ) no longer constant.

The Jacobian DJ(θ) is taken, in this order of preference, from ``jvp``/``vjp`` callables, from
a ``jacobian`` callable returning the (D, D) matrix, or from Richardson-extrapolated central
differences of J (:func:`~eqalg.backends.finite_difference.richardson_central`; DJᵀ v then needs
the whole numerical Jacobian, D directional derivatives, so keep D small).

Examples
--------
MATH.md B3: L = ℓ(θ₁ + θ₂³) is invariant along J = (−3θ₂², 1).

>>> import numpy as np
>>> J = VectorField(lambda t: np.array([-3 * t[1] ** 2, 1.0]), 2,
...                 jacobian=lambda t: np.array([[0.0, -6 * t[1]], [0.0, 0.0]]))
>>> J.generator([0.5, 2.0])
array([-12.,   1.])
>>> float(np.abs(J.jacobian_matrix([0.5, 2.0]) - VectorField(J.generator, 2).jacobian_matrix([0.5, 2.0])).max()) < 1e-8
True
"""

from __future__ import annotations

import numpy as np

from ..backends.finite_difference import richardson_central
from ..errors import InvalidValueError, NonFiniteError, ShapeError, SpaceMismatchError, check_positive
from ..space import ParameterSpace
from .base import ContinuousTransformation, DiscreteTransformation, inverse
from .brackets import bracket, conjugate
from .linear import LinearGenerator, _as_scalar

__all__ = ["VectorField"]


def _value(out, d: int, what: str) -> np.ndarray:
    arr = np.asarray(out, dtype=np.float64)
    if arr.shape != (d,):
        raise ShapeError(f"{what}: expected a vector of shape ({d},), got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise NonFiniteError(f"{what}: expected finite entries, got NaN/inf")
    return arr


def _columns(fn, v):
    """Apply a vector function column by column to v of shape (D,) or (D, k)."""
    v = np.asarray(v, dtype=np.float64)
    if v.ndim == 1:
        return fn(v)
    return np.stack([fn(v[:, j]) for j in range(v.shape[1])], axis=1) if v.shape[1] else np.zeros_like(v)


class VectorField(ContinuousTransformation):
    """A nonlinear generator J(θ) on a parameter space, with its Jacobian DJ(θ).

    Parameters
    ----------
    field : callable θ (D,) -> (D,)
        J(θ).
    space : ParameterSpace or int
        The space it acts on (an int D means ``ParameterSpace.flat(D)``).
    jacobian : callable θ -> ndarray (D, D), optional
        DJ(θ) as a matrix.
    jvp, vjp : callable (θ, v (D,)) -> (D,), optional
        DJ(θ) v and DJ(θ)ᵀ v (matrix-free; preferred over ``jacobian`` when given).
    flow : callable (θ, s) -> (D,), optional
        The exact one-parameter family T_s θ; without it :meth:`curve` is the tangent line
        θ + s J(θ) (enough for first derivatives along the family).
    name : str, optional
    step : float
        Largest finite-difference step of the numerical Jacobian, relative to max(1, ‖θ‖∞)
        (default 1e-3), Richardson-extrapolated over ``levels`` halvings (default 3).
    levels : int

    Raises
    ------
    ShapeError, NonFiniteError
        (at use) J or its Jacobian has the wrong shape or non-finite entries.
    InvalidValueError
        ``field`` (or a Jacobian argument) is not callable, or ``step``/``levels`` are invalid.

    Notes
    -----
    Sums and scalar multiples (``X + Y``, ``c * X``, also with a LinearGenerator) are vector
    fields; :func:`~eqalg.transforms.brackets.bracket` gives θ ↦ DX·Y − DY·X (the negative of
    the vector-field bracket of MATH.md §A) with a numerical Jacobian.
    """

    __slots__ = ("_field", "_space", "_jacobian", "_jvp", "_vjp", "_flow", "_name", "_step", "_levels")

    def __init__(self, field, space, *, jacobian=None, jvp=None, vjp=None, flow=None, name: str | None = None,
                 step: float = 1e-3, levels: int = 3):
        for arg, val in (("field", field), ("jacobian", jacobian), ("jvp", jvp), ("vjp", vjp), ("flow", flow)):
            if val is not None and not callable(val):
                raise InvalidValueError(f"{arg}: expected a callable, got {type(val).__name__}")
        if field is None:
            raise InvalidValueError("field: expected a callable θ -> J(θ), got None")
        if isinstance(space, (int, np.integer)) and not isinstance(space, bool):
            space = ParameterSpace.flat(int(space))
        if not isinstance(space, ParameterSpace):
            raise ShapeError(f"space: expected a ParameterSpace or an int, got {type(space).__name__}")
        check_positive(step, "step")
        check_positive(levels, "levels", integer=True)
        self._field, self._space, self._jacobian, self._jvp, self._vjp = field, space, jacobian, jvp, vjp
        self._flow, self._name, self._step, self._levels = flow, name, float(step), int(levels)

    @classmethod
    def from_linear(cls, a: LinearGenerator) -> "VectorField":
        """The field θ ↦ Aθ + c of a linear generator, with its exact Jacobian A and flow."""
        if not isinstance(a, LinearGenerator):
            raise InvalidValueError(f"a: expected a LinearGenerator, got {type(a).__name__}")
        return cls(a.generator, a.space, jvp=lambda t, v: a.apply(v), vjp=lambda t, v: a.apply_transpose(v),
                   flow=a.curve, name=a.name)

    @property
    def space(self) -> ParameterSpace:
        return self._space

    @property
    def exact_curve(self) -> bool:
        return self._flow is not None

    @property
    def has_analytic_jacobian(self) -> bool:
        """True when DJ comes from user callables (not finite differences)."""
        return self._jacobian is not None or self._jvp is not None

    # -- evaluation ------------------------------------------------------------------------------
    def generator(self, theta) -> np.ndarray:
        """J(θ), shape (D,)."""
        theta = self._check_theta(theta)
        return _value(self._field(theta), self.space.size, "field(theta)")

    def _matrix(self, theta):
        m = np.asarray(self._jacobian(theta), dtype=np.float64)
        d = self.space.size
        if m.shape != (d, d):
            raise ShapeError(f"jacobian(theta): expected shape ({d}, {d}), got {m.shape}")
        if not np.all(np.isfinite(m)):
            raise NonFiniteError("jacobian(theta): expected finite entries")
        return m

    def _numerical_jvp(self, theta, v):
        vmax = float(np.max(np.abs(v), initial=0.0))
        if vmax == 0:
            return np.zeros_like(v)
        h = self._step * max(1.0, float(np.max(np.abs(theta), initial=0.0))) / vmax
        value, _ = richardson_central(lambda s: self.generator(theta + s * v), h, self._levels)
        return np.asarray(value, dtype=float)

    def jacobian_apply(self, theta, v) -> np.ndarray:
        """DJ(θ) v for v of shape (D,) or (D, k)."""
        theta = self._check_theta(theta)
        d = self.space.size
        if self._jvp is not None:
            return _columns(lambda u: _value(self._jvp(theta, u), d, "jvp(theta, v)"), v)
        if self._jacobian is not None:
            return self._matrix(theta) @ np.asarray(v, dtype=float)
        return _columns(lambda u: self._numerical_jvp(theta, u), v)

    def jacobian_transpose_apply(self, theta, v) -> np.ndarray:
        """DJ(θ)ᵀ v for v of shape (D,) or (D, k) (numerically: from the whole Jacobian)."""
        theta = self._check_theta(theta)
        d = self.space.size
        if self._vjp is not None:
            return _columns(lambda u: _value(self._vjp(theta, u), d, "vjp(theta, v)"), v)
        return self.jacobian_matrix(theta).T @ np.asarray(v, dtype=float)

    def jacobian_matrix(self, theta) -> np.ndarray:
        """DJ(θ) as a dense (D, D) array (from ``jacobian``, D products with ``jvp``, or finite differences)."""
        theta = self._check_theta(theta)
        if self._jacobian is not None:
            return self._matrix(theta)
        return self.jacobian_apply(theta, np.eye(self.space.size))

    def curve(self, theta, s: float) -> np.ndarray:
        """T_s θ from ``flow`` when given, else the tangent line θ + s J(θ)."""
        theta = self._check_theta(theta)
        if self._flow is None:
            return theta + float(s) * self.generator(theta)
        return _value(self._flow(theta, float(s)), self.space.size, "flow(theta, s)")

    # -- linear combinations ------------------------------------------------------------------------
    def _combine(self, other, a: float, b: float) -> "VectorField":
        other = _promote(other)
        if other.space != self.space:
            raise SpaceMismatchError("generators: defined over different parameter spaces "
                                     f"({self.space.describe()} vs {other.space.describe()})")
        x, y = self, other
        analytic = x.has_analytic_jacobian and y.has_analytic_jacobian
        return VectorField(lambda t: a * x.generator(t) + b * y.generator(t), self.space,
                           jvp=(lambda t, v: a * x.jacobian_apply(t, v) + b * y.jacobian_apply(t, v)) if analytic else None,
                           vjp=(lambda t, v: a * x.jacobian_transpose_apply(t, v)
                                + b * y.jacobian_transpose_apply(t, v)) if analytic else None,
                           name=f"{a:g}*{x.name}+{b:g}*{y.name}", step=self._step, levels=self._levels)

    def __add__(self, other):
        if not isinstance(other, (VectorField, LinearGenerator)):
            return NotImplemented
        return self._combine(other, 1.0, 1.0)

    def __radd__(self, other):
        if not isinstance(other, (VectorField, LinearGenerator)):
            return NotImplemented
        return _promote(other)._combine(self, 1.0, 1.0)

    def __sub__(self, other):
        if not isinstance(other, (VectorField, LinearGenerator)):
            return NotImplemented
        return self._combine(other, 1.0, -1.0)

    def __rsub__(self, other):
        if not isinstance(other, (VectorField, LinearGenerator)):
            return NotImplemented
        return _promote(other)._combine(self, 1.0, -1.0)

    def __mul__(self, c):
        c = _as_scalar(c)
        if c is None:
            return NotImplemented
        x = self
        analytic = x.has_analytic_jacobian
        return VectorField(lambda t: c * x.generator(t), self.space,
                           jvp=(lambda t, v: c * x.jacobian_apply(t, v)) if analytic else None,
                           vjp=(lambda t, v: c * x.jacobian_transpose_apply(t, v)) if analytic else None,
                           flow=(lambda t, s: x.curve(t, c * s)) if x.exact_curve else None,
                           name=f"{c:g}*{x.name}", step=self._step, levels=self._levels)

    __rmul__ = __mul__

    def __neg__(self):
        return self * -1.0

    def __repr__(self):
        jac = "analytic" if self.has_analytic_jacobian else "numerical"
        return f"VectorField({self.name!r}, D={self.space.size}, jacobian={jac})"


def _promote(x) -> VectorField:
    return x if isinstance(x, VectorField) else VectorField.from_linear(x)


def _field_bracket(x, y):
    x, y = _promote(x), _promote(y)
    if x.space != y.space:
        raise SpaceMismatchError("bracket: generators defined over different parameter spaces "
                                 f"({x.space.describe()} vs {y.space.describe()})")

    def field(t):
        # matrix-group convention: DX·Y − DY·X (= −[X, Y]_vf, MATH.md §A)
        return x.jacobian_apply(t, y.generator(t)) - y.jacobian_apply(t, x.generator(t))

    return VectorField(field, x.space, name=f"[{x.name},{y.name}]", step=x._step, levels=x._levels)


bracket.register(VectorField, VectorField)(_field_bracket)
bracket.register(LinearGenerator, VectorField)(_field_bracket)
bracket.register(VectorField, LinearGenerator)(_field_bracket)


@conjugate.register(VectorField, DiscreteTransformation)
def _conjugate_field(x, g):
    if x.space != g.space:
        raise SpaceMismatchError(f"conjugate: generator acts on {x.space.describe()}, "
                                 f"transformation on {g.space.describe()}")
    ginv = inverse(g)
    analytic = x.has_analytic_jacobian
    # g_*J(θ) = M J(g⁻¹θ); D(g_*J)(θ) = M DJ(g⁻¹θ) M⁻¹
    return VectorField(
        lambda t: g.linear_apply(x.generator(ginv.act(t))), x.space,
        jvp=(lambda t, v: g.linear_apply(x.jacobian_apply(ginv.act(t), ginv.linear_apply(v)))) if analytic else None,
        vjp=(lambda t, v: ginv.linear_apply_transpose(
            x.jacobian_transpose_apply(ginv.act(t), g.linear_apply_transpose(v)))) if analytic else None,
        flow=(lambda t, s: g.act(x.curve(ginv.act(t), s))) if x.exact_curve else None,
        name=f"{g.name}·{x.name}", step=x._step, levels=x._levels)
