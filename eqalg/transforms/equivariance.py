"""Equivariances: a parameter transformation paired with maps on losses, outputs and data.

``Equivariance(T, output=R, data=P, loss=S)`` declares (MATH.md §A)

* model level: f(T θ, P x) = R f(θ, x) for every input x (``output``, optionally ``data``);
* loss level: L(T θ) = S(L(θ)) on the same data (``loss``).

For a continuous T the maps are one-parameter families given by their rates
(``ScalarMap.rate``/``power``, ``LinearOutputMap.rate``); for a discrete T they are single maps.
The constructor returns a :class:`ContinuousEquivariance` or a :class:`DiscreteEquivariance`
(both are :class:`Equivariance`), which *are* transformations of the matching kind: every
constraint of :mod:`eqalg.constraints` applies to them, with the loss-level hooks
(``loss_rate``, ``loss_rate_derivative``, ``loss_map_derivatives``) reporting σ, σ′, S′, S″.
A symmetry is the special case with identity maps (:attr:`Transformation.is_symmetry`).

Examples of MATH.md: homogeneity of a bias-free ReLU network of depth k,
``Equivariance(scale_all, output=ScalarMap.power(k))`` (J = θ, ρ(z) = kz, B4); an input
permutation, ``Equivariance(M, data=InputMap.permutation(p))`` (f(Mθ, Px) = f(θ, x), B7); a
class relabelling, ``Equivariance(M, output=LinearOutputMap.permutation(p))`` (B7).

Composition and promotion (DESIGN.md)
-------------------------------------
``compose(a, b)`` (``a @ b``, b first): symmetry ∘ symmetry → symmetry; anything ∘ equivariance →
equivariance with composed maps, level by level (a level declared by only one part is dropped;
a bare symmetry counts as the identity at every level, which holds for the catalogued MLP
symmetries — rescalings, permutations, sign flips leave f unchanged — but not for loss-only
symmetries such as softmax translations). When every remaining map is the identity the result is
promoted back to the bare transformation, so ``compose(E, inverse(E))`` is the identity.

* discrete: maps compose, f(M₁M₂θ, P₁P₂x) = R₁R₂ f(θ, x);
* continuous: generators add and so do the rates (MATH.md (I7): (I1), (M1) are linear in
  (J, σ, ρ)). ``compose`` of continuous transformations is this Lie-algebra sum (the tangent of
  s ↦ T¹_s ∘ T²_s); ``a + b``, ``a - b``, ``c * a``, ``-a`` are the linear combinations.
  The flow of J₁ + J₂ satisfies the finite-s identities with R_s = flow of ρ₁ + ρ₂ exactly,
  because (M1) holds at every θ along it.

Examples
--------
>>> import numpy as np
>>> from eqalg.transforms import LinearGenerator, SignedPermutation
>>> from eqalg.transforms.maps import ScalarMap, LinearOutputMap
>>> scale = LinearGenerator.diagonal(np.ones(3), name="scale")
>>> E = Equivariance(scale, output=ScalarMap.power(2))
>>> type(E).__name__, E.kind, E.is_symmetry
('ContinuousEquivariance', 'continuous', False)
>>> (E - E).is_symmetry
True
>>> g = SignedPermutation([1, 0, 2])
>>> F = Equivariance(g, output=LinearOutputMap.permutation([1, 0]))
>>> compose(F, inverse(F)).is_identity          # promoted to the bare SignedPermutation
True
"""

from __future__ import annotations

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp

from ..dispatch import generic
from ..errors import DispatchError, InvalidValueError, MissingMethodError, SpaceMismatchError
from ..space import ParameterSpace
from .base import ContinuousTransformation, DiscreteTransformation, Transformation, compose, inverse
from .discrete import MatrixMap
from .linear import LinearGenerator
from .maps import InputMap, LinearOutputMap, OutputMap, ScalarMap

__all__ = ["Equivariance", "ContinuousEquivariance", "DiscreteEquivariance", "GeneratorCombination", "flow",
           "FLOW_TIME"]

#: Default time s of the finite-s identities (I1f)/(I2f)/(M1f)/(M2f) derived for a continuous equivariance.
FLOW_TIME = 0.5


def _check_map(m, name, continuous, types):
    if m is None:
        return None
    if not isinstance(m, types):
        expected = " or ".join(t.__name__ for t in types)
        raise InvalidValueError(f"{name}: expected a {expected}, got {type(m).__name__}")
    if isinstance(m, OutputMap) and m.continuous != continuous:
        want = "a rate (ScalarMap.rate/power, LinearOutputMap.rate)" if continuous else \
            "a discrete map (ScalarMap.affine, LinearOutputMap(R))"
        kind = "continuous" if continuous else "discrete"
        raise InvalidValueError(f"{name}: a {kind} transformation needs {want}, got {m!r}")
    return m


class Equivariance(Transformation):
    """A transformation with output, data and loss maps (MATH.md §A, B1, B4, B7).

    Parameters
    ----------
    transformation : ContinuousTransformation or DiscreteTransformation
        T acting on θ (not itself an Equivariance: combine those with :func:`compose`).
    output : ScalarMap or LinearOutputMap, optional
        Model-level map: f(Tθ, Px) = R f(θ, x). A rate for continuous T, a map for discrete T.
    data : InputMap, optional
        Input map P (discrete T only); implies ``output`` = identity when omitted. An identity
        map declares no data coupling but is kept: its size is checked against the model.
    loss : ScalarMap, optional
        Loss-level map on the same data: L(Tθ) = S(L(θ)).
    name : str, optional

    Returns
    -------
    ContinuousEquivariance or DiscreteEquivariance

    Raises
    ------
    InvalidValueError
        ``transformation`` is not a continuous/discrete transformation or is an Equivariance;
        a map of the wrong type or kind (discrete map for continuous T, or the reverse); no
        map given; ``data`` with a continuous T; ``loss`` together with ``data`` (the loss level
        of a data-coupled equivariance follows from the model level, MATH.md B7).

    Notes
    -----
    Derived constraints (:func:`eqalg.derive`): continuous — (I1)/(I2) with σ, σ′ when ``loss``
    is given; (M1)–(M4) when ``output`` is given; and the finite-s forms (I1f)/(I2f),
    (M1f)/(M2f) at s = :data:`FLOW_TIME` when T has an exact flow. Discrete — (D1)/(D2) with
    S′, S″ (``loss``), or their data-coupled forms Mᵀ∇L_{P·D}(Mθ) = ∇L_D(θ) when the output
    map is a relabelling (B7); (M1f)/(M2f) when ``output`` is given. Output and input sizes are
    checked against the model at evaluation (:class:`~eqalg.errors.ShapeError` naming
    ``output``/``data``).
    """

    def __new__(cls, transformation, output=None, data=None, *, loss=None, name=None):
        if cls is Equivariance:
            if isinstance(transformation, Equivariance):
                raise InvalidValueError("transformation: already an Equivariance; combine equivariances with compose()")
            if isinstance(transformation, ContinuousTransformation):
                cls = ContinuousEquivariance
            elif isinstance(transformation, DiscreteTransformation):
                cls = DiscreteEquivariance
            else:
                raise InvalidValueError("transformation: expected a ContinuousTransformation or "
                                        f"DiscreteTransformation, got {type(transformation).__name__}")
        return object.__new__(cls)

    def __init__(self, transformation, output=None, data=None, *, loss=None, name=None):
        continuous = isinstance(transformation, ContinuousTransformation)
        output = _check_map(output, "output", continuous, (ScalarMap, LinearOutputMap))
        loss = _check_map(loss, "loss", continuous, (ScalarMap,))
        data = _check_map(data, "data", continuous, (InputMap,))
        if data is not None and continuous:
            raise InvalidValueError("data: input maps are supported for discrete transformations only "
                                    "(a continuous one would need input derivatives of f)")
        if data is not None and output is None:
            output = ScalarMap.identity(continuous=False)
        if data is not None and loss is not None and not data.is_identity:
            raise InvalidValueError("loss: a loss map states L(T theta) = S(L(theta)) on the same data; with a data "
                                    "map the loss level follows from the model level (Yang & Ziyin 2025, discrete equivariance)")
        if output is None and loss is None:
            raise InvalidValueError("Equivariance: give at least one of output=, data=, loss=")
        self._t, self._output, self._data, self._loss, self._name = transformation, output, data, loss, name

    # -- the declaration ------------------------------------------------------------------------------
    @property
    def transformation(self) -> Transformation:
        """The parameter transformation T."""
        return self._t

    @property
    def output(self):
        """The model-level output map (ScalarMap or LinearOutputMap), or None."""
        return self._output

    @property
    def data(self):
        """The declared input map P, or None (an identity map is kept: :meth:`check_model` checks its size)."""
        return self._data

    @property
    def _moves_data(self) -> bool:
        """True when the input map is declared and is not the identity (a data-coupled declaration)."""
        return self._data is not None and not self._data.is_identity

    @property
    def loss(self):
        """The loss-level ScalarMap S, or None."""
        return self._loss

    @property
    def space(self) -> ParameterSpace:
        return self._t.space

    @property
    def name(self) -> str:
        if self._name:
            return self._name
        parts = [f"output={self._output!r}"] if self._output is not None else []
        parts += [f"data={self._data!r}"] if self._moves_data else []
        parts += [f"loss={self._loss!r}"] if self._loss is not None else []
        return f"{self._t.name}[{', '.join(parts)}]"

    @property
    def is_symmetry(self) -> bool:
        """True when every declared map is the identity (no data map)."""
        return not self._moves_data and all(m is None or m.is_identity for m in (self._output, self._loss))

    @property
    def has_model_level(self) -> bool:
        """True when an output (or data) map is declared: (M1)–(M4) or (M1f)/(M2f) apply."""
        return self._output is not None

    def implied_loss_map(self):
        """The loss-level ScalarMap S: declared, or the identity implied by a model-level symmetry; else None."""
        if self._loss is not None:
            return self._loss
        if self._output is not None and self._output.is_identity and not self._moves_data:
            return ScalarMap.identity(self._output.continuous)
        return None

    def _loss_map(self, what):
        s = self.implied_loss_map()
        if s is None:
            raise InvalidValueError(f"{what}: equivariance {self.name!r} declares no loss-level map (loss=)")
        return s

    # -- loss-level hooks used by the generic constraint evaluations --------------------------------------
    def loss_rate(self, value: float) -> float:
        """σ(ℓ) of the declared loss rate (continuous)."""
        return self._loss_map("loss_rate").rate_value(value)

    def loss_rate_derivative(self, value: float) -> float:
        """σ′(ℓ) of the declared loss rate (continuous)."""
        return self._loss_map("loss_rate_derivative").rate_derivative(value)

    def loss_map_value(self, value: float, s: float = 1.0) -> float:
        """S_s(ℓ): the declared loss rate integrated to time s (continuous)."""
        return float(self._loss_map("loss_map_value").at(s).apply(value))

    # -- models on transformed data ---------------------------------------------------------------------
    def check_model(self, model) -> None:
        """Raise :class:`~eqalg.errors.ShapeError` naming ``output``/``data`` if the maps do not fit the model.

        Uses ``model.targets`` (N, o) and, with a data map (an identity one too), ``model.inputs`` (N, d).
        """
        if self._output is not None:
            self._output.check_outputs(_model_attr(model, "targets").shape[1], "output")
        self._check_data(model)

    def _check_data(self, model) -> None:
        if self._data is not None:
            self._data.check_inputs(_model_attr(model, "inputs").shape[1], "data")

    def __repr__(self):
        return f"{type(self).__name__}({self.name!r})"


def _model_attr(model, attr):
    try:
        return getattr(model, attr)
    except MissingMethodError:
        raise
    except AttributeError:
        inner = getattr(model, "inner", model)      # name the user's model, not a counting wrapper
        raise MissingMethodError(f"{type(inner).__name__} does not provide `{attr}` (the model-level interface "
                                 "of output and data equivariances: targets, output_loss, inputs)") from None


class ContinuousEquivariance(Equivariance, ContinuousTransformation):
    """A continuous equivariance: generator J of T with output rate ρ and/or loss rate σ (MATH.md B1, B4).

    Construct with :class:`Equivariance`. The generator, its Jacobian and the curve are those
    of the underlying transformation; ``at(s)`` is the discrete equivariance of the time-s map.
    """

    def generator(self, theta) -> np.ndarray:
        """J(θ) of the underlying transformation."""
        return self._t.generator(theta)

    def jacobian_transpose_apply(self, theta, v) -> np.ndarray:
        """DJ(θ)ᵀ v."""
        return self._t.jacobian_transpose_apply(theta, v)

    def jacobian_apply(self, theta, v) -> np.ndarray:
        """DJ(θ) v."""
        return self._t.jacobian_apply(theta, v)

    def curve(self, theta, s: float) -> np.ndarray:
        """The underlying transformation's curve (the exact flow T_s θ when known)."""
        return self._t.curve(theta, s)

    @property
    def exact_curve(self) -> bool:
        return self._t.exact_curve

    def output_rate(self, F) -> np.ndarray:
        """ρ(f_i) row-wise for outputs F (N, o)."""
        return self._output.rate_value(F)

    def output_rate_transpose_jacobian(self, F, W) -> np.ndarray:
        """Rows Dρ(f_i)ᵀ w_i."""
        return self._output.rate_transpose_jacobian(F, W)

    @property
    def has_flow(self) -> bool:
        """True when the exact time-s map of T is available (:func:`flow`), e.g. for linear generators."""
        try:
            flow.resolve((type(self._t),))
        except DispatchError:  # no exact flow for this type
            return False
        return True

    def at(self, s: float) -> "DiscreteEquivariance":
        """The discrete equivariance of the time-s maps: (T_s, R_s, S_s) (MATH.md (I1f)/(I2f)).

        Raises
        ------
        DispatchError
            T has no exact flow (only linear/affine generators do).
        """
        out = None if self._output is None else self._output.at(s)
        loss = None if self._loss is None else self._loss.at(s)
        return DiscreteEquivariance(flow(self._t, s), out, loss=loss, name=f"{self.name}(s={s:g})")

    # -- Lie-algebra linear combinations (MATH.md (I7)) -------------------------------------------------
    def _scaled(self, c: float):
        c = float(c)
        out = None if self._output is None else self._output.scaled(c)
        loss = None if self._loss is None else self._loss.scaled(c)
        return _promote(_combine_generators([(c, self._t)]), out, None, loss)

    def __matmul__(self, other):
        return compose(self, other) if isinstance(other, Transformation) else NotImplemented

    def __rmatmul__(self, other):
        return compose(other, self) if isinstance(other, Transformation) else NotImplemented

    def __add__(self, other):
        return compose(self, other) if isinstance(other, ContinuousTransformation) else NotImplemented

    def __radd__(self, other):
        return compose(other, self) if isinstance(other, ContinuousTransformation) else NotImplemented

    def __neg__(self):
        return self._scaled(-1.0)

    def __sub__(self, other):
        return compose(self, _negate(other)) if isinstance(other, ContinuousTransformation) else NotImplemented

    def __rsub__(self, other):
        return compose(other, -self) if isinstance(other, ContinuousTransformation) else NotImplemented

    def __mul__(self, c):
        if isinstance(c, bool) or not isinstance(c, (int, float, np.integer, np.floating)):
            return NotImplemented
        return self._scaled(c)

    __rmul__ = __mul__


class DiscreteEquivariance(Equivariance, DiscreteTransformation):
    """A discrete equivariance: f(Mθ, Px) = R f(θ, x) and/or L(Mθ) = S(L(θ)) (MATH.md B7).

    Construct with :class:`Equivariance`. The action and the linear part are those of the
    underlying map M.
    """

    def act(self, theta) -> np.ndarray:
        """Mθ + t."""
        return self._t.act(theta)

    def linear_apply(self, v) -> np.ndarray:
        """M v."""
        return self._t.linear_apply(v)

    def linear_apply_transpose(self, v) -> np.ndarray:
        """Mᵀ v."""
        return self._t.linear_apply_transpose(v)

    @property
    def is_orthogonal(self) -> bool:
        return self._t.is_orthogonal

    def to_dense(self) -> np.ndarray:
        """M as a dense array (when the underlying map provides it)."""
        return self._t.to_dense()

    def loss_map_value(self, value: float, s: float = 1.0) -> float:
        """S(ℓ) of the declared loss map; ℓ for a relabelling (whose loss level is L_{P·D}(Mθ) = L_D(θ))."""
        if self._loss is not None:
            return float(self._loss.apply(value))
        if self.has_loss_level:
            return value
        return self._loss_map("loss_map_value").apply(value)

    def loss_map_derivatives(self, value: float) -> tuple[float, float]:
        """(S′(ℓ), S″(ℓ)) of the declared loss map; (1, 0) for the loss level implied by a relabelling."""
        if self._loss is not None:
            return self._loss.derivatives(value)
        if self.has_loss_level:
            return 1.0, 0.0
        return self._loss_map("loss_map_derivatives").derivatives(value)

    @property
    def has_loss_level(self) -> bool:
        """True when a loss-level identity follows: ``loss`` declared, or a relabelling output map (B7)."""
        return self._loss is not None or (self._output is not None and self._output.is_relabelling)

    @property
    def is_data_coupled(self) -> bool:
        """True when the loss-level identity compares two data sets: L_{P·D}(Mθ) = L_D(θ) (B7)."""
        return self._loss is None and self.has_loss_level and not self.is_symmetry

    def forward_model(self, model):
        """The model on transformed inputs P x_i (the left side of f(Mθ, Px) = R f(θ, x)); ``model`` if P = id."""
        self.check_model(model)
        if not self._moves_data:
            return model
        return model.with_data(X=self._data.apply(_model_attr(model, "inputs")))

    def transported_model(self, model):
        """The model on the transported data P·D = {(P x_i, R y_i)} (MATH.md B7); ``model`` when uncoupled.

        Raises
        ------
        ShapeError
            A declared input map (an identity one too) or the output map does not fit the model.
        """
        self._check_data(model)
        if not self.is_data_coupled:
            return model
        self.check_model(model)
        X = self._data.apply(_model_attr(model, "inputs")) if self._moves_data else None
        Y = None if self._output.is_identity else self._output.apply(_model_attr(model, "targets"))
        return model.with_data(X=X, Y=Y)


# -- exact flows -----------------------------------------------------------------------------------------
@generic(nargs=1)
def flow(t, s):
    """The time-s map T_s of a continuous transformation, as a :class:`~eqalg.transforms.MatrixMap`.

    For a linear generator J = Aθ + c: T_s θ = exp(sA)θ + T_s(0) (MATH.md §A). For a continuous
    equivariance: the discrete equivariance (T_s, R_s, S_s).

    Raises
    ------
    DispatchError
        No exact flow is known for the type (nonlinear vector fields).
    """


@flow.register(LinearGenerator)
def _flow_linear(t, s):
    s = float(s)
    if t.form == "diagonal":
        matrix = sp.csr_array(sp.diags_array(np.exp(s * t.matrix)))
    else:
        matrix = sla.expm(s * t.to_dense())
    offset = t.curve(np.zeros(t.space.size), s) if t.is_affine else None
    return MatrixMap(matrix, offset, t.space, name=f"exp({s:g} {t.name})")


@flow.register(ContinuousEquivariance)
def _flow_equivariance(t, s):
    return t.at(s)


# -- generator sums for nonlinear fields -----------------------------------------------------------------------
class GeneratorCombination(ContinuousTransformation):
    """J(θ) = Σ_i c_i J_i(θ): a linear combination of continuous transformations (nonlinear fields).

    Linear generators combine into a :class:`~eqalg.transforms.LinearGenerator` instead; this
    type serves vector fields without a matrix. Its curve is θ + sJ(θ) (tangent only).

    Parameters
    ----------
    terms : sequence of (float, ContinuousTransformation)

    Raises
    ------
    SpaceMismatchError
        The terms act on different parameter spaces.
    """

    def __init__(self, terms, name: str | None = None):
        terms = tuple((float(c), t) for c, t in terms)
        space = terms[0][1].space
        for _, t in terms[1:]:
            if t.space != space:
                raise SpaceMismatchError("generators: defined over different parameter spaces "
                                         f"({space.describe()} vs {t.space.describe()})")
        self._terms, self._name = terms, name

    @property
    def space(self) -> ParameterSpace:
        return self._terms[0][1].space

    @property
    def terms(self) -> tuple:
        """The (coefficient, transformation) pairs."""
        return self._terms

    def generator(self, theta) -> np.ndarray:
        """Σ c_i J_i(θ)."""
        return sum(c * t.generator(theta) for c, t in self._terms)

    def jacobian_transpose_apply(self, theta, v) -> np.ndarray:
        """Σ c_i DJ_i(θ)ᵀ v."""
        return sum(c * t.jacobian_transpose_apply(theta, v) for c, t in self._terms)

    def jacobian_apply(self, theta, v) -> np.ndarray:
        """Σ c_i DJ_i(θ) v."""
        return sum(c * t.jacobian_apply(theta, v) for c, t in self._terms)


def _terms(t, c):
    if isinstance(t, GeneratorCombination):
        return [(c * a, u) for a, u in t.terms]
    return [(c, t)]


def _combine_generators(pairs):
    """Σ c_i t_i for bare continuous transformations; a LinearGenerator when every term is one."""
    if all(isinstance(t, LinearGenerator) for _, t in pairs):
        out = None
        for c, t in pairs:
            term = c * t
            out = term if out is None else out + term
        return out
    return GeneratorCombination([p for c, t in pairs for p in _terms(t, c)])


def _negate(t):
    return -t if isinstance(t, ContinuousEquivariance) else _combine_generators([(-1.0, t)])


# -- composition and promotion -----------------------------------------------------------------------------
def _levels(t):
    """(output, data, loss) maps declared by t; a bare symmetry is the identity at every level."""
    if isinstance(t, Equivariance):
        return t.output, t.data, t.implied_loss_map()
    if not t.is_symmetry:
        raise InvalidValueError(f"compose: {t.name!r} is neither a symmetry nor an Equivariance")
    ident = ScalarMap.identity(continuous=isinstance(t, ContinuousTransformation))
    return ident, None, ident


def _inner(t):
    return t.transformation if isinstance(t, Equivariance) else t


def _both(f, a, b):
    return None if a is None or b is None else f(a, b)


def _promote(t, output, data, loss):
    """An Equivariance with the given maps, or the bare transformation when all of them are identities."""
    if output is None and loss is None:
        raise InvalidValueError("compose: the parts declare no common level (output/data or loss)")
    if data is not None and data.is_identity:
        data = None
    if data is None and all(m is None or m.is_identity for m in (output, loss)):
        return t
    if data is not None and loss is not None:
        loss = None  # the loss level of a data-coupled composite follows from its model level (B7)
    return Equivariance(t, output, data, loss=loss)


def _compose_maps(a, b):
    (oa, da, la), (ob, db, lb) = _levels(a), _levels(b)
    output = _both(compose, oa, ob)
    data = None
    if output is not None and (da is not None or db is not None):
        data = da if db is None else db if da is None else compose(da, db)
    return output, data, _both(compose, la, lb)


def _compose_discrete(a, b):
    output, data, loss = _compose_maps(a, b)
    return _promote(compose(_inner(a), _inner(b)), output, data, loss)


def _compose_continuous(a, b):
    output, data, loss = _compose_maps(a, b)
    return _promote(_combine_generators([(1.0, _inner(a)), (1.0, _inner(b))]), output, data, loss)


for _sig in ((DiscreteEquivariance, DiscreteTransformation), (DiscreteTransformation, DiscreteEquivariance),
             (DiscreteEquivariance, DiscreteEquivariance)):
    compose.register(*_sig)(_compose_discrete)
for _sig in ((ContinuousTransformation, ContinuousTransformation), (ContinuousEquivariance, ContinuousTransformation),
             (ContinuousTransformation, ContinuousEquivariance), (ContinuousEquivariance, ContinuousEquivariance)):
    compose.register(*_sig)(_compose_continuous)


@inverse.register(DiscreteEquivariance)
def _inverse_equivariance(e):
    inv = (lambda m: None if m is None else inverse(m))
    return Equivariance(inverse(e.transformation), inv(e.output), inv(e.data), loss=inv(e.loss))
