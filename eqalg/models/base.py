"""The model interface: a loss on a flat parameter vector, with optional exact derivatives.

Obligatory methods of a :class:`Model` are few (``space`` and ``loss``); every other method has
a default written in terms of them, or is optional and announced by a trait
(:attr:`Model.has_gradient`, :attr:`Model.has_hvp`) so that backends choose what to use.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

from ..errors import MissingMethodError, NonFiniteError, ShapeError, as_directions, as_vector, real_array
from ..space import ParameterSpace

__all__ = ["Model", "CountingModel", "require_derivatives"]

#: Largest D for which :meth:`Model.hessian` builds a dense matrix.
DENSE_HESSIAN_LIMIT = 4000


class Model(ABC):
    """A differentiable (possibly piecewise) loss L(θ) on a :class:`~eqalg.space.ParameterSpace`.

    Obligatory
    ----------
    space : ParameterSpace (property)
    loss(theta) -> float
        L(θ), θ of shape (D,).

    Optional (announced by :attr:`has_gradient`, :attr:`has_hvp`)
    --------------------------------------------------------------
    gradient(theta) -> ndarray (D,)
    hvp(theta, v) -> ndarray (D,) or (D, k)
        Hessian-vector products H(θ) v for one direction (D,) or k directions (D, k) in one pass.
    per_sample_loss(theta) -> ndarray (N,)
    output, output_jvp, output_vjp, output_hvp (announced by :attr:`has_output_derivatives`)
        Model-level interface for models L = (1/N) Σ_i ℓ(f(θ, x_i), y_i); such models also
        expose ``targets`` (N, o) and ``output_loss`` (:class:`~eqalg.models.functions.OutputLoss`).
    inputs, with_data(X=None, Y=None)
        The inputs x_i (N, d) (an attribute, like ``targets``), and the same model
        (architecture, loss) on other data: needed by data-coupled equivariances
        f(Mθ, Px) = R f(θ, x) (MATH.md B7).

    Defaults
    --------
    loss_and_gradient, hessian (dense, D ≤ 4000, from batched HVPs), activation_pattern (None:
    smooth everywhere), smooth_radius (inf), symmetries / controls (empty catalogues),
    validate_theta.
    """

    @property
    @abstractmethod
    def space(self) -> ParameterSpace:
        """The model's :class:`~eqalg.space.ParameterSpace`."""

    @abstractmethod
    def loss(self, theta) -> float:
        """L(θ) as a Python float."""

    # -- optional derivatives ---------------------------------------------------------------------
    def gradient(self, theta) -> np.ndarray:
        """∇L(θ), shape (D,). Optional: raises :class:`MissingMethodError` when not provided."""
        raise MissingMethodError(f"{type(self).__name__} does not implement `gradient(self, theta) -> ndarray (D,)`"
                                 f"{_FD_HINT}")

    def hvp(self, theta, v) -> np.ndarray:
        """H(θ) v for v of shape (D,) or (D, k). Optional."""
        raise MissingMethodError(f"{type(self).__name__} does not implement `hvp(self, theta, v) -> ndarray`"
                                 f"{_FD_HINT}")

    def per_sample_loss(self, theta) -> np.ndarray:
        """Per-sample losses ℓ(f(θ, x_i), y_i), shape (N,). Optional."""
        raise MissingMethodError(f"{type(self).__name__} does not implement `per_sample_loss(self, theta)`")

    # -- optional model-level interface (outputs f(θ, x_i) ∈ R^o, L = (1/N) Σ_i ℓ(f_i, y_i)) ------------
    def output(self, theta) -> np.ndarray:
        """Model outputs f(θ, x_i), shape (N, o). Optional (model-level identities (M1)–(M4))."""
        raise MissingMethodError(f"{type(self).__name__} does not implement `output(self, theta) -> ndarray (N, o)`")

    def output_jvp(self, theta, v) -> np.ndarray:
        """Df(θ) v, shape (N, o) for v (D,) or (k, N, o) for v (D, k). Optional."""
        raise MissingMethodError(f"{type(self).__name__} does not implement `output_jvp(self, theta, v)`")

    def output_vjp(self, theta, w) -> np.ndarray:
        """Df(θ)ᵀ w = ∇_θ Σ_iq w_iq f_q(θ, x_i) for w (N, o); shape (D,). Optional."""
        raise MissingMethodError(f"{type(self).__name__} does not implement `output_vjp(self, theta, w)`")

    def output_hvp(self, theta, w, v) -> np.ndarray:
        """∇²_θ(Σ_iq w_iq f_q(θ, x_i)) v for w (N, o), v (D,) or (D, k). Optional."""
        raise MissingMethodError(f"{type(self).__name__} does not implement `output_hvp(self, theta, w, v)`")

    def with_data(self, X=None, Y=None) -> "Model":
        """The same model on inputs ``X`` (N', d) and targets ``Y`` (N', o) (each kept when None). Optional.

        Used by data-coupled equivariances (MATH.md B7) to evaluate the loss and outputs on
        transformed data P·D.
        """
        raise MissingMethodError(f"{type(self).__name__} does not implement `with_data(self, X=None, Y=None) -> Model`")

    @property
    def has_output_derivatives(self) -> bool:
        """True when the model-level interface (output, output_jvp/vjp/hvp) is implemented."""
        return all(_overrides(self, m) for m in ("output", "output_jvp", "output_vjp", "output_hvp"))

    @property
    def has_gradient(self) -> bool:
        """True when :meth:`gradient` is implemented (trait computed from the type)."""
        return _overrides(self, "gradient")

    @property
    def has_hvp(self) -> bool:
        """True when :meth:`hvp` is implemented."""
        return _overrides(self, "hvp")

    # -- defaults -----------------------------------------------------------------------------
    def loss_and_gradient(self, theta) -> tuple[float, np.ndarray]:
        """(L(θ), ∇L(θ)); override when both share a forward pass."""
        return self.loss(theta), self.gradient(theta)

    def hessian(self, theta) -> np.ndarray:
        """Dense H(θ), shape (D, D), from one batched HVP with the identity (D ≤ 4000 only).

        Raises
        ------
        ShapeError
            D exceeds the dense limit; use :meth:`hvp` (matrix-free) instead.
        """
        d = self.space.size
        if d > DENSE_HESSIAN_LIMIT:
            raise ShapeError(f"hessian: D = {d} exceeds the dense limit {DENSE_HESSIAN_LIMIT}; use hvp()")
        h = self.hvp(theta, np.eye(d))
        return 0.5 * (h + h.T)

    def activation_pattern(self, theta):
        """An array identifying the smooth piece of the loss containing θ, or None if L is C² everywhere.

        Piecewise models (ReLU) return e.g. the sign pattern of the pre-activations; finite
        differences compare it across their stencil to detect non-smooth points.
        """
        return None

    def at_kink(self, theta) -> bool:
        """True when θ itself is a non-differentiable point (default False: smooth models)."""
        return False

    def smooth_radius(self, theta, v) -> float:
        """Largest r such that L is smooth on the segment θ + s v, |s| < r (inf for smooth models)."""
        return np.inf

    def symmetries(self) -> dict:
        """The model's symmetry catalogue ``{name: Transformation}`` (empty by default)."""
        return {}

    def controls(self) -> dict:
        """Transformations that are *not* symmetries of the model, for negative controls."""
        return {}

    def validate_theta(self, theta, name: str = "theta") -> np.ndarray:
        """Return θ as a finite float64 vector of length D or raise a clear exception."""
        return as_vector(theta, name, self.space.size)

    def validate_directions(self, v, name: str = "v") -> tuple[np.ndarray, bool]:
        """Return directions as (D, k) and whether a single vector was given."""
        return as_directions(v, name, self.space.size)

    def _output_weights(self, w) -> np.ndarray:
        """Output weights w of the shape (N, o) of :attr:`targets`, real and finite (model-level interface)."""
        w = real_array(w, "w")
        n, o = self.targets.shape
        if w.shape != (n, o):
            raise ShapeError(f"w: expected output weights of shape ({n}, {o}), got {w.shape}")
        if not np.all(np.isfinite(w)):
            raise NonFiniteError("w: expected finite entries")
        return w


def _overrides(obj, method: str) -> bool:
    impl = getattr(type(obj), method, None)
    return impl is not None and impl is not getattr(Model, method)


#: Where a missing derivative can be done without: symmetry checks have a loss-only backend.
_FD_HINT = " (symmetry checks, eqalg.evaluate / eqalg.check, can use backend='finite-difference' instead)"


def require_derivatives(model, caller: str, *, hvp: bool = False) -> None:
    """Raise unless ``model`` provides the exact derivatives that ``caller`` runs on.

    For functions without a derivative backend to fall back on (training, dense Hessians): they
    call this before any work so that a loss-only model gets an error that fits the call.

    Parameters
    ----------
    model : Model
    caller : str
        The function's name, for the message (e.g. ``"gradient_descent"``).
    hvp : bool
        Hessian-vector products are needed too.

    Raises
    ------
    MissingMethodError
        The model has no gradient (neither ``gradient`` nor ``loss_and_gradient``), or, with
        ``hvp``, no HVP (neither ``hvp`` nor ``hessian``).
    """
    missing = []                                       # (what, CallableModel argument, method to implement)
    if not (getattr(model, "has_gradient", True) or _overrides(model, "loss_and_gradient")):
        missing.append(("gradient", "grad=", "`gradient(self, theta)`"))
    if hvp and not (getattr(model, "has_hvp", True) or _overrides(model, "hessian")):
        missing.append(("Hessian-vector products", "hvp=", "`hvp(self, theta, v)`"))
    if missing:
        what, args, methods = (" and ".join(m[i] for m in missing) for i in range(3))
        raise MissingMethodError(f"model: {caller} runs on the model's own {what}, which {type(model).__name__} "
                                 f"does not provide (a CallableModel takes {args}; a Model subclass implements "
                                 f"{methods}); it has no finite-difference fallback")


class CountingModel(Model):
    """Wrap a model and count loss, gradient and HVP evaluations (HVPs counted per direction).

    Parameters
    ----------
    model : Model
    counts : dict, optional
        A counter dict to share (models on transformed data count into their parent's dict).

    Attributes
    ----------
    counts : dict
        ``{"loss": int, "gradient": int, "hvp": int}``, plus ``"output"`` once a model-level
        method is used (outputs, JVPs and HVPs counted per direction, VJPs once).
    """

    def __init__(self, model: Model, counts: dict | None = None):
        self.inner = model
        self.counts = {"loss": 0, "gradient": 0, "hvp": 0} if counts is None else counts

    def _count_output(self, n: int = 1):
        self.counts["output"] = self.counts.get("output", 0) + n

    @property
    def has_output_derivatives(self):
        return self.inner.has_output_derivatives

    def output(self, theta):
        """Counted :meth:`Model.output`."""
        self._count_output()
        return self.inner.output(theta)

    def output_jvp(self, theta, v):
        """Counted :meth:`Model.output_jvp` (one count per direction)."""
        self._count_output(1 if np.ndim(v) == 1 else np.shape(v)[1])
        return self.inner.output_jvp(theta, v)

    def output_vjp(self, theta, w):
        """Counted :meth:`Model.output_vjp`."""
        self._count_output()
        return self.inner.output_vjp(theta, w)

    def output_hvp(self, theta, w, v):
        """Counted :meth:`Model.output_hvp` (one count per direction)."""
        self._count_output(1 if np.ndim(v) == 1 else np.shape(v)[1])
        return self.inner.output_hvp(theta, w, v)

    @property
    def targets(self):
        """The wrapped model's targets."""
        return self.inner.targets

    @property
    def output_loss(self):
        """The wrapped model's per-sample output loss."""
        return self.inner.output_loss

    @property
    def inputs(self):
        """The wrapped model's inputs."""
        return self.inner.inputs

    def with_data(self, X=None, Y=None):
        """The wrapped model on other data, counting into the same dict."""
        return CountingModel(self.inner.with_data(X=X, Y=Y), self.counts)

    @property
    def space(self):
        return self.inner.space

    @property
    def has_gradient(self):
        return self.inner.has_gradient

    @property
    def has_hvp(self):
        return self.inner.has_hvp

    def loss(self, theta):
        """Counted :meth:`Model.loss`."""
        self.counts["loss"] += 1
        return self.inner.loss(theta)

    def gradient(self, theta):
        """Counted :meth:`Model.gradient`."""
        self.counts["gradient"] += 1
        return self.inner.gradient(theta)

    def loss_and_gradient(self, theta):
        """Counted :meth:`Model.loss_and_gradient` (one loss and one gradient)."""
        self.counts["loss"] += 1
        self.counts["gradient"] += 1
        return self.inner.loss_and_gradient(theta)

    def hvp(self, theta, v):
        """Counted :meth:`Model.hvp` (one count per direction)."""
        v = np.asarray(v)
        self.counts["hvp"] += 1 if v.ndim == 1 else v.shape[1]
        return self.inner.hvp(theta, v)

    def per_sample_loss(self, theta):
        """Counted :meth:`Model.per_sample_loss` (one loss evaluation)."""
        self.counts["loss"] += 1
        return self.inner.per_sample_loss(theta)

    def activation_pattern(self, theta):
        """Delegates to the wrapped model (not counted)."""
        return self.inner.activation_pattern(theta)

    def at_kink(self, theta):
        """Delegates to the wrapped model (not counted)."""
        return self.inner.at_kink(theta)

    def smooth_radius(self, theta, v):
        """Delegates to the wrapped model (not counted)."""
        return self.inner.smooth_radius(theta, v)

    def symmetries(self):
        """Delegates to the wrapped model."""
        return self.inner.symmetries()

    def controls(self):
        """Delegates to the wrapped model."""
        return self.inner.controls()
