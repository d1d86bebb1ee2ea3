"""The model zoo: a registry of named models with hyperparameters, default data and catalogues.

``eqalg check --model NAME`` and ``eqalg models`` share this registry. Each :class:`ZooEntry`
knows how to build its model from a :class:`~eqalg.datasets.Dataset` and validated
hyperparameters, which data it accepts (structure and task), a sensible default data set and
training schedule, and a static description of its symmetry catalogue (MATH.md §C).

Examples
--------
>>> from eqalg.models.zoo import ZOO, get_entry
>>> list(ZOO)
['mlp', 'deep-linear', 'matrix-factorization', 'softmax', 'normalized-mlp', 'attention', 'sigmoid-mlp']
>>> get_entry("deep-linear").defaults()
{'depth': 3, 'hidden': 4}
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ..errors import InvalidValueError, UnknownNameError, check_choice
from ..transforms.linear import LinearGenerator
from .attention import BilinearAttention
from .deep_linear import DeepLinear
from .deep_mlp import MLP
from .factorization import MatrixFactorization
from .functions import ACTIVATIONS, LOSSES
from .mlp import TwoLayerMLP
from .normalized import NormalizedMLP
from .sigmoid import SigmoidMLP
from .softmax import SoftmaxRegression

__all__ = ["Hyperparameter", "ZooEntry", "ZOO", "get_entry", "build_model", "conserved_generators", "CatalogueSize",
           "BYTES_PER_PARAMETER", "BYTES_PER_TRANSFORMATION"]


@dataclass(frozen=True)
class Hyperparameter:
    """A model hyperparameter: its keyword, type, default and help.

    Attributes
    ----------
    name : str
        Keyword argument of :meth:`ZooEntry.build` (``key_dim``); the command-line option is
        ``--key-dim``.
    kind : type
        ``int`` (positive), ``str`` or ``bool``.
    default : object
        ``None`` means "decided from the data" (e.g. the loss).
    help : str
    choices : tuple, optional
    maximum : int, optional
        Largest accepted value for ``int`` hyperparameters (bounds the run time of a zoo job).
    """

    name: str
    kind: type
    default: object
    help: str
    choices: tuple = None
    maximum: int | None = None

    @property
    def option(self) -> str:
        """The command-line option, e.g. ``--key-dim``."""
        return "--" + self.name.replace("_", "-")

    def validate(self, value):
        """Return ``value`` checked against the kind and the choices, or raise naming the option."""
        if self.kind is bool:
            if not isinstance(value, bool):
                raise InvalidValueError(f"{self.name}: expected true or false, got {value!r}")
        elif self.kind is int:
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
                raise InvalidValueError(f"{self.name}: expected a positive integer, got {value!r}")
            if self.maximum is not None and value > self.maximum:
                raise InvalidValueError(f"{self.name}: expected at most {self.maximum} (the cost of a check grows "
                                        f"with it; build the model in Python for more), got {value!r}")
            value = int(value)
        elif self.kind is str and not isinstance(value, str):
            raise InvalidValueError(f"{self.name}: expected a string, got {value!r}")
        if self.choices is not None:
            check_choice(value, self.name, self.choices)
        return value

    def describe(self) -> dict:
        """JSON-ready description."""
        return {"name": self.name, "option": self.option, "type": self.kind.__name__, "default": self.default,
                "choices": list(self.choices) if self.choices is not None else None, "help": self.help,
                "maximum": self.maximum}


#: Memory of one catalogue transformation per parameter, an upper bound measured on every zoo model
#: (tests/test_catalogue_size.py): a signed permutation stores an index and a sign per parameter (9
#: bytes), a diagonal generator 8, a translation 16, a sparse map's CSR arrays up to 24 (values,
#: 64-bit column indices and row pointers).
BYTES_PER_PARAMETER = 24
#: Fixed memory of one transformation (Python objects, array headers, name), measured likewise.
BYTES_PER_TRANSFORMATION = 8192


@dataclass(frozen=True)
class CatalogueSize:
    """The size of a model's symmetry catalogue, counted from the model's shape without building it.

    Building a catalogue takes memory proportional to (number of transformations) × D, which
    for a wide model is many gigabytes; this count lets a caller refuse before building.

    Attributes
    ----------
    symmetries, controls : int
        Number of entries of the model's ``symmetries()`` and ``controls()``.
    conserved : int
        Generators built by ``conserved_generators`` in addition to the catalogue (0 when
        they are filtered from the built catalogue).
    parameters : int
        D, the number of parameters each transformation acts on.
    """

    symmetries: int
    controls: int
    conserved: int
    parameters: int

    @property
    def transformations(self) -> int:
        """symmetries + controls: the transformations a check evaluates."""
        return self.symmetries + self.controls

    @property
    def nbytes(self) -> int:
        """Estimated memory of the built catalogue and conserved generators, in bytes (an upper bound)."""
        n = self.transformations + self.conserved
        return n * (BYTES_PER_PARAMETER * self.parameters + BYTES_PER_TRANSFORMATION)


@dataclass(frozen=True)
class ZooEntry:
    """One model of the zoo.

    Attributes
    ----------
    name : str
        Registry name (``deep-linear``).
    model_class : type
    summary : str
        One line.
    default_data : str
        Data set used when none is given.
    structures : tuple of str
        Accepted data structures (``tabular``, ``sensing``, ``sequence``).
    tasks : tuple of str
        Accepted tasks (``classification``, ``regression``).
    hyperparameters : tuple of Hyperparameter
    steps, lr : int, float
        Default training schedule of ``eqalg check`` (full-batch GD).
    catalogue : tuple of dict
        Static description of the symmetry families: ``transformation``, ``kind``, ``when``,
        ``constraints``, ``source``.
    controls : tuple of str
        The negative controls (names or patterns).
    builder : callable (Dataset, dict) -> Model
    unused_targets : tuple of str
        Data structures on which the model fits the features themselves and ignores the
        targets Y (matrix factorization of tabular data factorizes X; the target column of a
        CSV file is left out of X like for every model).
    sizer : callable (Model) -> (int, int, int), optional
        Counts (symmetries, controls, extra conserved generators) of a built model from its
        shape, mirroring its ``symmetries()``, ``controls()`` and ``conserved_generators()``
        without building them (:meth:`catalogue_size`).
    """

    name: str
    model_class: type
    summary: str
    default_data: str
    structures: tuple
    tasks: tuple
    hyperparameters: tuple
    steps: int
    lr: float
    catalogue: tuple
    controls: tuple
    builder: Callable = field(repr=False)
    unused_targets: tuple = ()
    sizer: Callable = field(default=None, repr=False)

    def defaults(self) -> dict:
        """``{hyperparameter: default}``."""
        return {h.name: h.default for h in self.hyperparameters}

    def resolve(self, given: dict) -> dict:
        """Validate user-given hyperparameters (``None`` = not given) and fill in defaults.

        Raises
        ------
        UnknownNameError
            A hyperparameter that does not apply to this model.
        InvalidValueError, UnknownNameError
            A value of the wrong type or not among the choices.
        """
        known = {h.name: h for h in self.hyperparameters}
        out = self.defaults()
        for key, value in given.items():
            if value is None:
                continue
            if key not in known:
                opts = ", ".join(h.option for h in self.hyperparameters) or "none"
                option = "--" + key.replace("_", "-")
                raise UnknownNameError(f"{key} ({option}): does not apply to model {self.name!r} "
                                       f"(its hyperparameters: {opts})")
            out[key] = known[key].validate(value)
        return out

    def check_data(self, dataset) -> None:
        """Raise :class:`InvalidValueError` unless the data set's structure and task suit the model."""
        if dataset.structure not in self.structures:
            raise InvalidValueError(f"data: model {self.name!r} needs {' or '.join(self.structures)} data "
                                    f"(default {self.default_data!r}); {dataset.name!r} is {dataset.structure}")
        if dataset.task not in self.tasks:
            meta = getattr(dataset, "meta", None)
            hint = (f" (the task of a CSV is detected from its target column; --task {self.tasks[0]} overrides it)"
                    if isinstance(meta, dict) and "path" in meta and "target" in meta else "")
            raise InvalidValueError(f"data: model {self.name!r} needs a {' or '.join(self.tasks)} data set; "
                                    f"{dataset.name!r} is {dataset.task}{hint}")

    def build(self, dataset, **hyperparameters):
        """The model on ``dataset`` with the given hyperparameters (others at their defaults).

        Raises
        ------
        UnknownNameError, InvalidValueError, ShapeError
            Unknown or invalid hyperparameters, or data the model cannot use.
        """
        hp = self.resolve(hyperparameters)
        self.check_data(dataset)
        return self.builder(dataset, hp)

    def catalogue_size(self, model) -> CatalogueSize:
        """The size of ``model``'s catalogue (built by this entry), counted without building it.

        Cheap: it reads the model's widths, activation, loss and bias only.

        Raises
        ------
        InvalidValueError
            The entry has no ``sizer``.
        """
        if self.sizer is None:
            raise InvalidValueError(f"model: {self.name!r} has no catalogue size estimate")
        syms, ctrls, conserved = self.sizer(model)
        return CatalogueSize(int(syms), int(ctrls), int(conserved), int(model.space.size))

    def describe(self) -> dict:
        """JSON-ready description (an entry of ``eqalg models --json``)."""
        return {"name": self.name, "class": self.model_class.__name__, "summary": self.summary,
                "default_data": self.default_data, "data_structures": list(self.structures),
                "tasks": list(self.tasks), "hyperparameters": [h.describe() for h in self.hyperparameters],
                "training": {"optimizer": "gradient descent (full batch)", "steps": self.steps, "lr": self.lr},
                "catalogue": [dict(c) for c in self.catalogue], "controls": list(self.controls)}


def _auto_loss(hp, dataset):
    """The loss hyperparameter, defaulted from the task; cross-entropy on regression data is refused by name."""
    if hp["loss"] == "cross_entropy" and dataset.task != "classification":
        raise InvalidValueError(f"loss: cross_entropy needs classification data (one-hot targets); {dataset.name!r} "
                                "is a regression data set: use --loss mse (loss='mse' in Python)")
    return hp["loss"] or ("cross_entropy" if dataset.task == "classification" else "mse")


def _build_mlp(ds, hp):
    loss = _auto_loss(hp, ds)
    if hp["depth"] == 2:
        return TwoLayerMLP(ds.X, ds.Y, hp["hidden"], hp["activation"], loss, bias=hp["bias"])
    return MLP(ds.X, ds.Y, hp["hidden"], hp["depth"], hp["activation"], loss, bias=hp["bias"])


def _build_mf(ds, hp):
    shape = tuple(ds.meta["shape"]) if ds.structure == "sensing" else ds.X.shape
    if ds.structure == "sensing":
        return MatrixFactorization(shape, hp["rank"], sensing=ds.X, measurements=ds.Y[:, 0])
    return MatrixFactorization(shape, hp["rank"], target=ds.X)


def _build_attention(ds, hp):
    return BilinearAttention(ds.X, ds.Y, hp["key_dim"])


# -- catalogue sizes: (symmetries, controls, extra conserved generators), mirroring each model's
# symmetries(), controls() and conserved_generators() (tests/test_catalogue_size.py checks they agree)

def _logit_translations(m):
    """Number of logit translations of a dense network (MLP.softmax_translations): h_{L−1} (+ 1 with bias)."""
    return m.widths[-2] + bool(m.bias) if m.out_loss.name == "cross_entropy" else 0


def _size_dense(m):
    """TwoLayerMLP (depth 2), MLP and SigmoidMLP."""
    act, bias = m.act, bool(m.bias)
    hom, odd, linear = act.homogeneous, act.odd, act.homogeneous and act.odd
    if isinstance(m, TwoLayerMLP):
        h, d = m.hidden, m.n_inputs
        syms = ((h if hom else 0) + (h - 1 + (h >= 2) if linear else 0) + (h - 1) + (h if odd else 0)
                + (h if act.logistic and bias else 0) + (h + bias if m.out_loss.name == "cross_entropy" else 0))
        ctrls = (not odd) + (not hom) + (2 if not linear and h >= 2 else 0) + (d >= 2) + 1
        return syms, ctrls, 0            # its conserved generators are filtered from the built catalogue
    w, hidden = m.widths, m.widths[1:-1]
    translations = _logit_translations(m)
    syms = sum((n + 1 if hom else 0) + (linear and n >= 2) + (n - 1) + (n if odd else 0)
               + (n if act.logistic and bias else 0) for n in hidden) + translations
    ctrls = (not odd) + (not hom) + (not linear and w[1] >= 2) + (w[0] >= 2) + 1
    return syms, ctrls, (sum(n + 1 for n in hidden) if hom else 0) + translations


def _size_deep_linear(m):
    hidden = m.widths[1:-1]
    return (sum(n * n + 2 * n for n in hidden), 2 + (m.widths[0] >= 2), sum(n * (n + 1) // 2 for n in hidden))


def _size_factorization(m):
    r = m.rank
    return r * r + 2 * r - 1, 3, r * (r + 1) // 2


def _size_softmax(m):
    return m.n_inputs + bool(m.bias), 1 + (m.n_inputs >= 2), 0


def _size_normalized(m):
    w, hidden = m.widths, m.widths[1:-1]
    translations = _logit_translations(m)
    syms = w[1] + sum(n - 1 for n in hidden) + (sum(hidden) if m.act.odd else 0) + translations
    return syms, 1 + (w[0] >= 2) + (not m.act.odd), w[1] + translations


def _size_attention(m):
    r = m.key_dim
    return r * r + 2 * r, 3 + (m.embed_dim >= 2), r * (r + 1) // 2


#: Largest depth a zoo job accepts: the number of checks and the cost of each grow with it
#: (a depth-32 deep linear chain took two minutes, depth 16 half a minute).
MAX_DEPTH = 16


def _hp(name, kind, default, help, choices=None, maximum=None):
    return Hyperparameter(name, kind, default, help, None if choices is None else tuple(choices), maximum)


_LOSS = _hp("loss", str, None, "per-sample loss (default: cross_entropy for classification, mse for regression)",
            LOSSES)
_BIAS = _hp("bias", bool, True, "include bias vectors")
_DEPTH = _hp("depth", int, 2, "number of weight layers L (≥ 2)", maximum=MAX_DEPTH)


def _dense_hyperparameters(hidden: int, activation: str) -> tuple:
    """depth, hidden, activation, loss, bias: the hyperparameters of the MLP-like models."""
    return (_DEPTH, _hp("hidden", int, hidden, "width of every hidden layer"),
            _hp("activation", str, activation, "hidden activation", ACTIVATIONS), _LOSS, _BIAS)

_TABULAR = ("tabular",)
_ANY_TASK = ("classification", "regression")


def _fam(transformation, kind, when, constraints, source):
    return {"transformation": transformation, "kind": kind, "when": when, "constraints": list(constraints),
            "source": source}


_NEURONS = _fam("swap[j,j+1] / swap[l][j,j+1]", "discrete", "every activation", ("D1", "D2"), "neuron permutations S_h (Yang & Ziyin 2025; Ziyin 2024)")
_LOGITS = _fam("translate_W{L}[:,j], translate_b{L}", "continuous (translation)", "cross_entropy loss", ("L7",),
               "logit translations of the output layer (Kunin et al. 2021): gᵀc = 0 and H c = 0 at every θ; "
               "cᵀθ obeys (T2)")

ZOO = {e.name: e for e in (
    ZooEntry("mlp", MLP, "multilayer perceptron (depth 2: the two-layer MLP of the main job)", "iris",
             _TABULAR, _ANY_TASK,
             _dense_hyperparameters(8, "relu"),
             2000, 0.05,
             (_fam("rescale[j] / rescale[l][j]", "continuous", "relu, leaky_relu, linear", ("L1", "L2"),
                   "per-neuron rescaling (Dinh et al. 2017; Kunin et al. 2021); conserved Q_j (L4), exact GD drift (T1)"),
              _fam("balance[l]", "continuous", "relu, leaky_relu, linear; depth ≥ 3", ("L1", "L2"),
                   "layer balancing (Du, Hu & Lee 2018)"),
              _fam("rotate[0,1] / rotate[l][0,1]", "continuous", "linear", ("L1", "L2"), "GL(h) between linear layers (Yang & Ziyin 2025)"),
              _NEURONS,
              _fam("flip[j] / flip[l][j]", "discrete", "tanh, linear", ("D1", "D2"), "sign flips of odd-σ neurons (Ziyin 2024)"),
              _fam("sflip[l][j]", "discrete (non-orthogonal)", "sigmoid; depth ≥ 3 (use sigmoid-mlp)",
                   ("D1", "D2"), "affine sigmoid neuron flips (Yang & Ziyin 2025), (D7)"),
              _LOGITS),
             ("flip (non-odd σ)", "rescale (non-homogeneous σ)", "rotate (nonlinear σ)", "permute_inputs[0,1]",
              "scale_input[0]"),
             _build_mlp, sizer=_size_dense),
    ZooEntry("deep-linear", DeepLinear, "deep linear network W_L ⋯ W_1 x (no biases, mse)", "diabetes",
             _TABULAR, _ANY_TASK,
             (_hp("depth", int, 3, "number of factors L (≥ 2)", maximum=MAX_DEPTH),
              _hp("hidden", int, 4, "width of every hidden layer")),
             500, 0.1,
             (_fam("gl[l][a,b]", "continuous", "always", ("L1", "L2"),
                   "GL(n_l) between factors; balancedness W_l W_lᵀ − W_{l+1}ᵀW_{l+1} conserved (Arora et al. 2018, "
                   "Du et al. 2018), exact GD drift (T1)"),
              _fam("G[l]", "discrete (non-orthogonal)", "always", ("D1", "D2"), "a GL(n_l) group element (Yang & Ziyin 2025)"),
              _fam("swap[l][j,j+1]", "discrete", "always", ("D1", "D2"), "neuron permutations S_h (Yang & Ziyin 2025; Ziyin 2024)"),
              _fam("flip[l][j]", "discrete", "always", ("D1", "D2"), "sign flips of odd-σ neurons (Ziyin 2024)")),
             ("gl_wrong_sign[1][0,1]", "scale_W1", "permute_inputs[0,1]"),
             lambda ds, hp: DeepLinear(ds.X, ds.Y, hp["hidden"], hp["depth"]), sizer=_size_deep_linear),
    ZooEntry("matrix-factorization", MatrixFactorization,
             "low-rank factorization U Vᵀ (matrix sensing, or the feature matrix of tabular data)",
             "synthetic-lowrank", ("sensing", "tabular"), _ANY_TASK,
             (_hp("rank", int, 3, "number of columns r of U and V"),),
             300, 0.1,
             (_fam("gl[a,b]", "continuous", "always", ("L1", "L2"),
                   "GL(r) of U Vᵀ; UᵀU − VᵀV conserved (Marcotte et al. 2023), exact GD drift (T1)"),
              _fam("swap[a,a+1]", "discrete", "always", ("D1", "D2"), "column permutations inside GL(r)"),
              _fam("flip[a]", "discrete", "always", ("D1", "D2"), "column sign flips inside GL(r)")),
             ("gl_wrong_sign[0,1]", "scale_U", "flip_U[0]"),
             _build_mf, unused_targets=_TABULAR, sizer=_size_factorization),
    ZooEntry("softmax", SoftmaxRegression, "multinomial logistic regression (cross-entropy)", "wine",
             _TABULAR, ("classification",), (_BIAS,),
             1000, 0.1,
             (_fam("translate_W[:,j], translate_b", "continuous (translation)", "always", ("L7",),
                   "softmax translation (Kunin et al. 2021), (L7): gᵀc = 0 and H c = 0 at every θ"),),
             ("translate_W[0,:]", "permute_inputs[0,1]"),
             lambda ds, hp: SoftmaxRegression(ds.X, ds.Y, bias=hp["bias"]), sizer=_size_softmax),
    ZooEntry("normalized-mlp", NormalizedMLP, "MLP whose first-layer weight rows are normalized", "iris",
             _TABULAR, _ANY_TASK,
             _dense_hyperparameters(8, "tanh"),
             1000, 0.1,
             (_fam("scale[j]", "continuous", "always", ("L1", "L2"),
                   "scale invariance (Kunin et al. 2021; Wan et al. 2021), (B5): H(P_jθ) = −P_j g; ½‖w_j‖² grows by (T1)"),
              _NEURONS,
              _fam("flip[l][j]", "discrete", "tanh, linear", ("D1", "D2"), "sign flips of odd-σ neurons (Ziyin 2024)"),
              _LOGITS),
             ("scale_out[0]", "permute_inputs[0,1]", "flip[1][0] (non-odd σ)"),
             lambda ds, hp: NormalizedMLP(ds.X, ds.Y, hp["hidden"], hp["depth"], hp["activation"],
                                          _auto_loss(hp, ds), bias=hp["bias"]), sizer=_size_normalized),
    ZooEntry("attention", BilinearAttention, "single-head attention softmax(X W_Q W_Kᵀ Xᵀ/√d_k) X W_V",
             "synthetic-seq", ("sequence",), ("regression",),
             (_hp("key_dim", int, 3, "width d_k of queries and keys"),),
             300, 0.5,
             (_fam("gl[a,b]", "continuous", "always", ("L1", "L2"),
                   "GL(d_k) of W_Q W_Kᵀ (Marcotte et al. 2025); W_QᵀW_Q − W_KᵀW_K conserved, exact GD drift (T1)"),
              _fam("G", "discrete (non-orthogonal)", "always", ("D1", "D2"), "a GL(d_k) group element (Yang & Ziyin 2025)"),
              _fam("swap[a,a+1], flip[a]", "discrete", "always", ("D1", "D2"), "signed permutations in GL(d_k)")),
             ("gl_wrong_sign[0,1]", "scale_WV", "swap_QK", "permute_embedding[0,1]"),
             _build_attention, sizer=_size_attention),
    ZooEntry("sigmoid-mlp", SigmoidMLP, "perceptron with logistic hidden units (affine neuron flips)", "iris",
             _TABULAR, _ANY_TASK,
             (_DEPTH, _hp("hidden", int, 4, "width of every hidden layer"), _LOSS),
             2000, 0.5,
             (_NEURONS,
              _fam("sflip[l][j]", "discrete (non-orthogonal)", "always", ("D1", "D2"),
                   "affine sigmoid neuron flips (Yang & Ziyin 2025), (D7): g ∈ Fix(Mᵀ) at fixed points, not Fix(M)"),
              _LOGITS),
             ("flip[1][0]", "rescale[1][0]", "rotate[1][0,1]", "permute_inputs[0,1]", "scale_input[0]"),
             lambda ds, hp: SigmoidMLP(ds.X, ds.Y, hp["hidden"], hp["depth"], _auto_loss(hp, ds)), sizer=_size_dense),
)}


def get_entry(name: str) -> ZooEntry:
    """The :class:`ZooEntry` called ``name``.

    Raises
    ------
    UnknownNameError
        ``name`` is not in :data:`ZOO`.
    """
    if name not in ZOO:
        raise UnknownNameError(f"model: expected one of {', '.join(ZOO)}; got {name!r}")
    return ZOO[name]


def build_model(name: str, dataset, **hyperparameters):
    """Build zoo model ``name`` on ``dataset`` (see :meth:`ZooEntry.build`)."""
    return get_entry(name).build(dataset, **hyperparameters)


def conserved_generators(model, catalogue=None) -> dict:
    """Symmetric linear generators S whose charges ½θᵀSθ are conserved by gradient flow (MATH.md L4).

    The model's own ``conserved_generators()`` when it has one (e.g. the balancedness basis of
    :class:`DeepLinear`, which the catalogue's non-symmetric gl generators do not provide), else
    the symmetric, non-affine linear generators of its catalogue; plus the catalogue's pure
    translations J = c, whose charges cᵀθ obey (T2) (exactly conserved without weight decay: the
    drift law then compares the measured drift with 0 up to the floating-point round-off bound).

    Parameters
    ----------
    model : Model
    catalogue : dict, optional
        ``model.symmetries()`` when the caller has already built it: it is then filtered
        instead of built a second time (a large catalogue would need twice the memory).
    """
    own = getattr(model, "conserved_generators", None)
    if callable(own):
        return dict(own())
    return {name: t for name, t in (model.symmetries() if catalogue is None else catalogue).items()
            if isinstance(t, LinearGenerator)
            and ((not t.is_affine and t.is_symmetric_matrix)
                 or (t.is_affine and t.form == "diagonal" and not np.any(t.matrix)))}
