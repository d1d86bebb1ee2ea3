"""User models as plain callables: a loss on a flat θ, optional gradient and HVP.

:class:`CallableModel` turns any function L(θ) — written in NumPy, or a JAX / PyTorch function
wrapped to take and return NumPy arrays (README.md shows both) — into an eqalg
:class:`~eqalg.models.base.Model`. With a loss only, the finite-difference backend computes
everything from loss values (first-order identities from directional derivatives along the
transformation's curve; gradients and Hessian-vector products by nested central differences);
supply ``grad`` and ``hvp`` to enable the analytic backend.
"""

from __future__ import annotations

import numpy as np

from ..errors import InvalidValueError, MissingMethodError, NonFiniteError, ShapeError, as_vector, real_array
from ..space import ParameterSpace
from ..transforms.base import Transformation
from .base import _FD_HINT, Model


def _double(raw, name: str):
    """``raw`` unchanged unless it holds floats of less than double precision (then InvalidValueError).

    eqalg judges identities at float64 round-off (ε ≈ 2e-16). A float32 loss (JAX without x64, a
    float32 PyTorch model) carries round-off near 1e-7 that the finite-difference error estimates
    do not see, and true identities were reported violated.
    """
    dtype = getattr(raw, "dtype", None)
    if dtype is None and isinstance(raw, (list, tuple)) and raw:
        dtype = getattr(raw[0], "dtype", None)
    try:
        low = dtype is not None and np.dtype(dtype).kind in "fc" and np.dtype(dtype).itemsize < (
            8 if np.dtype(dtype).kind == "f" else 16)
    except TypeError:                          # a dtype NumPy does not know (e.g. a torch dtype)
        low = "float32" in str(dtype) or "float16" in str(dtype) or "bfloat16" in str(dtype)
    if low:
        raise InvalidValueError(f"{name}: the callable returned {dtype} values; eqalg needs float64 (its checks "
                                "work at double-precision round-off). JAX: jax.config.update('jax_enable_x64', "
                                "True); PyTorch: .double() the model and inputs")
    return raw

__all__ = ["CallableModel"]


def _named(transformations, space, what):
    """``{name: Transformation}`` from a dict, a list or one Transformation, each checked (named by key/index)."""
    if transformations is None:
        return {}
    if isinstance(transformations, Transformation):
        transformations = [transformations]
    by_name = isinstance(transformations, dict)
    try:
        keyed = list(transformations.items()) if by_name else list(enumerate(transformations))
    except TypeError:
        raise InvalidValueError(f"{what}: expected a dict or a list of Transformation objects, "
                                f"got {type(transformations).__name__}") from None
    out = {}
    for key, t in keyed:
        if not isinstance(t, Transformation):
            raise InvalidValueError(f"{what}[{key!r}]: expected a Transformation, got {type(t).__name__} ({t!r})")
        name = key if by_name else t.name
        if t.space != space:
            raise ShapeError(f"{what}[{name!r}]: acts on {t.space.describe()}, the model on {space.describe()}")
        if name in out:     # a list naming two transformations alike would silently lose one
            raise InvalidValueError(f"{what}[{key!r}]: the name {name!r} is used twice; give a dict to name "
                                    "them apart")
        out[name] = t
    return out


class CallableModel(Model):
    """A model given by callables on the flat parameter vector θ.

    Parameters
    ----------
    space : ParameterSpace or int
        The parameter space (an int D means ``ParameterSpace.flat(D)``).
    loss : callable θ (D,) -> float
        L(θ).
    grad : callable θ (D,) -> ndarray (D,), optional
        ∇L(θ). Without it the model has no analytic gradient (``has_gradient`` is False).
    hvp : callable (θ (D,), v) -> ndarray, optional
        H(θ) v. Called with one direction v of shape (D,) per call unless ``batched_hvp`` is
        true, in which case it receives V of shape (D, k) and must return (D, k).
    per_sample_loss : callable θ -> ndarray (N,), optional
    symmetries, controls : dict or list of Transformation, optional
        The catalogue returned by :meth:`symmetries` / :meth:`controls` (for ``eqalg.check``).
    init : callable rng -> ndarray (D,), optional
        Generic random parameters for :meth:`init_params`.
    batched_hvp : bool
        ``hvp`` accepts (D, k) blocks of directions.
    name : str
        Used in reports.

    Raises
    ------
    InvalidValueError
        A callable argument is not callable, or a catalogue entry is not a Transformation.
    ShapeError
        A catalogue transformation acts on a different space.

    Notes
    -----
    Every returned value is checked at call time: a non-scalar or non-finite loss, or a
    gradient / HVP of the wrong shape, raises :class:`~eqalg.errors.ShapeError` or
    :class:`~eqalg.errors.NonFiniteError` naming the callable; values in less than double
    precision (float32, float16) raise :class:`~eqalg.errors.InvalidValueError`: their
    round-off (~1e-7) is beyond what the checks assume and gave false "violated" verdicts.

    Examples
    --------
    >>> import numpy as np
    >>> from eqalg import CallableModel, LinearGenerator, ParameterSpace
    >>> space = ParameterSpace([("u", (1,)), ("w", (1,))])
    >>> m = CallableModel(space, loss=lambda th: 0.5 * (th[0] * th[1] - 1.0) ** 2)
    >>> m.has_gradient, m.has_hvp
    (False, False)
    >>> A = LinearGenerator.from_selections(space, plus=[space["u"][0]], minus=[space["w"][0]])
    >>> from eqalg import FiniteDifference, derive, evaluate
    >>> evaluate(derive(A)[0], m, np.array([0.5, 3.0]), FiniteDifference()).passed
    True
    """

    def __init__(self, space, loss, grad=None, hvp=None, *, per_sample_loss=None, symmetries=None,
                 controls=None, init=None, batched_hvp: bool = False, name: str = "callable"):
        if isinstance(space, (int, np.integer)) and not isinstance(space, bool):
            space = ParameterSpace.flat(int(space))
        if not isinstance(space, ParameterSpace):
            raise InvalidValueError(f"space: expected a ParameterSpace or an int, got {type(space).__name__}")
        for arg, f in (("loss", loss), ("grad", grad), ("hvp", hvp), ("per_sample_loss", per_sample_loss),
                       ("init", init)):
            if f is not None and not callable(f):
                raise InvalidValueError(f"{arg}: expected a callable, got {type(f).__name__}")
        if loss is None:
            raise InvalidValueError("loss: expected a callable θ -> float, got None")
        self._space = space
        self._loss, self._grad, self._hvp, self._per_sample, self._init = loss, grad, hvp, per_sample_loss, init
        self._symmetries = _named(symmetries, space, "symmetries")
        self._controls = _named(controls, space, "controls")
        self.batched_hvp = bool(batched_hvp)
        self.name = str(name)

    @property
    def space(self) -> ParameterSpace:
        return self._space

    @property
    def has_gradient(self) -> bool:
        """True when a ``grad`` callable was given."""
        return self._grad is not None

    @property
    def has_hvp(self) -> bool:
        """True when an ``hvp`` callable was given."""
        return self._hvp is not None

    def describe(self) -> dict:
        """A JSON-ready description."""
        return {"name": self.name, "class": type(self).__name__, "parameters": self.space.size,
                "gradient": self.has_gradient, "hvp": self.has_hvp, "blocks": self.space.describe()}

    def loss(self, theta) -> float:
        """L(θ) from the ``loss`` callable (checked to be a finite scalar)."""
        raw = _double(self._loss(self.validate_theta(theta).copy()), "loss")
        try:
            value = real_array(raw, "loss")
        except ShapeError as exc:
            raise ShapeError(f"loss: the callable must return a real scalar, got {type(raw).__name__} ({raw!r:.60})") \
                from exc
        if value.size != 1:
            raise ShapeError(f"loss: the callable must return a scalar, got shape {value.shape}")
        value = float(value.reshape(()))
        if not np.isfinite(value):
            raise NonFiniteError(f"loss: the callable returned {value}")
        return value

    def gradient(self, theta) -> np.ndarray:
        """∇L(θ) from the ``grad`` callable.

        Raises
        ------
        MissingMethodError
            No ``grad`` callable was given (symmetry checks can use the finite-difference backend).
        """
        if self._grad is None:
            raise MissingMethodError(f"CallableModel {self.name!r} has no grad callable (pass grad=){_FD_HINT}")
        g = real_array(_double(self._grad(self.validate_theta(theta).copy()), "grad"),
                       "grad (the value the callable returned)")
        if g.shape != (self.space.size,):
            raise ShapeError(f"grad: the callable must return shape ({self.space.size},), got {g.shape}")
        if not np.all(np.isfinite(g)):
            raise NonFiniteError("grad: the callable returned NaN/inf entries")
        return g

    def hvp(self, theta, v) -> np.ndarray:
        """H(θ) v from the ``hvp`` callable, for v (D,) or (D, k) (column by column unless batched).

        Raises
        ------
        MissingMethodError
            No ``hvp`` callable was given.
        """
        if self._hvp is None:
            raise MissingMethodError(f"CallableModel {self.name!r} has no hvp callable (pass hvp=){_FD_HINT}")
        V, single = self.validate_directions(v)
        theta = self.validate_theta(theta)
        if self.batched_hvp:
            out = real_array(_double(self._hvp(theta.copy(), V.copy()), "hvp"), "hvp (the value the callable returned)")
            if out.shape != V.shape:
                raise ShapeError(f"hvp: the callable must return shape {V.shape}, got {out.shape}")
        else:
            cols = []
            for j in range(V.shape[1]):
                col = real_array(_double(self._hvp(theta.copy(), V[:, j].copy()), "hvp"),
                                 "hvp (the value the callable returned)")
                if col.shape != (self.space.size,):
                    raise ShapeError(f"hvp: the callable must return shape ({self.space.size},), got {col.shape}")
                cols.append(col)
            out = np.stack(cols, axis=1)
        if not np.all(np.isfinite(out)):
            raise NonFiniteError("hvp: the callable returned NaN/inf entries")
        return out[:, 0] if single else out

    def per_sample_loss(self, theta) -> np.ndarray:
        """Per-sample losses from the ``per_sample_loss`` callable.

        Raises
        ------
        MissingMethodError
            No ``per_sample_loss`` callable was given.
        """
        if self._per_sample is None:
            raise MissingMethodError(f"CallableModel {self.name!r} has no per_sample_loss callable")
        return as_vector(_double(self._per_sample(self.validate_theta(theta).copy()), "per_sample_loss"),
                         "per_sample_loss")

    def init_params(self, rng: np.random.Generator) -> np.ndarray:
        """θ from the ``init`` callable, or standard normal entries when none was given."""
        if not isinstance(rng, np.random.Generator):
            raise InvalidValueError(f"rng: expected a numpy.random.Generator, got {type(rng).__name__}")
        if self._init is None:
            return rng.standard_normal(self.space.size)
        return self.validate_theta(self._init(rng), "init(rng)")

    def symmetries(self) -> dict:
        """The catalogue given at construction."""
        return dict(self._symmetries)

    def controls(self) -> dict:
        """The negative controls given at construction."""
        return dict(self._controls)
