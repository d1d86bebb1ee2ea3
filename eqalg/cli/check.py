"""``eqalg check``: train a model on bundled data and verify its symmetry constraints.

The model (any model of the zoo, :mod:`eqalg.models.zoo`; default the two-layer ReLU MLP) is
trained with seeded full-batch gradient descent; at initialization and after training, every
transformation in its symmetry catalogue and every negative control is turned into constraints
by :func:`~eqalg.constraints.derive` and evaluated with each backend. The conserved quantity
Q = ½θᵀSθ of each symmetric linear generator S (the model's ``conserved_generators()`` when it
has them) is tracked along training and its measured drift compared with the exact GD law (T1)
(MATH.md B8). Data: a bundled or synthetic data set by name, or any CSV file (``--target``).

A bias-free homogeneous network (``--no-bias`` with relu, leaky_relu or linear: k = 2) is also
checked against its homogeneity equivariances (Euler identities (M1)–(M4) and finite forms, with
wrong-degree controls), and the exact discrete-time norm law of ½‖θ‖² is tracked (MATH.md B4).
``--tied K`` / ``--zeroed K`` (two-layer MLP; zeroed: odd σ) synthesize symmetric points, train from
them and compare the Hessian's block structure and eigenvalue multiplicities with the isotypic
decomposition of the stabilizer (MATH.md B6 (D3)–(D5);
:func:`~eqalg.predictions.symmetric_points.symmetric_point_study`).
"""

from __future__ import annotations

import argparse
import os
import re
import time

import numpy as np

from ..backends.base import BACKEND_NAMES
from ..constraints import NEAR_CRITICAL_REASON
from ..datasets import DATASETS, load_dataset
from ..datasets.csvfile import TASKS, csv_path_problem
from ..dynamics import gradient_descent
from ..errors import EqalgError, InvalidValueError
from ..models.zoo import ZOO, conserved_generators, get_entry
from ..predictions.conservation import conserved_quantity, homogeneity_norm_law
from ..predictions.symmetric_points import symmetric_point_study, validate_symmetric_points
from ..report import check

__all__ = ["register", "run_check", "check_job", "positive_int", "positive_float", "nonnegative_float",
           "hyperparameter_options", "data_spec", "order_int", "steps_int", "seed_int",
           "json_path", "write_output", "count_int"]

MODELS = tuple(ZOO)


#: Upper bounds of the command line (the Python API has its own, larger, limits).
MAX_INT_OPTION = 10 ** 6
MAX_STEPS = 10 ** 7
MAX_PARAMETERS = 10 ** 6
MAX_CHECKS = 20000
#: Largest estimated memory of a symmetry catalogue (:meth:`~eqalg.models.zoo.ZooEntry.catalogue_size`):
#: it is built whole before ``--only`` selects from it, at up to 24 bytes per parameter per transformation.
MAX_CATALOGUE_BYTES = 2 * 2 ** 30


def _bounded_int(text: str, low: int, high: int, what: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
    if not low <= value <= high:
        raise argparse.ArgumentTypeError(f"expected {what} between {low} and {high}, got {text!r}")
    return value


def positive_int(text: str) -> int:
    """argparse type: a positive integer (at most 10⁶)."""
    return _bounded_int(text, 1, MAX_INT_OPTION, "a positive integer")


def count_int(text: str) -> int:
    """argparse type: a count that may be 0 (= none, the default of ``--tied``/``--zeroed``), at most 10⁶."""
    return _bounded_int(text, 0, MAX_INT_OPTION, "an integer (0 = none)")


def order_int(text: str) -> int:
    """argparse type: a group-order bound, 1 … 10⁹ (enumerating past it is refused, not attempted)."""
    return _bounded_int(text, 1, 10 ** 9, "a positive integer")


def steps_int(text: str) -> int:
    """argparse type: a number of steps, 1 … 10⁷."""
    return _bounded_int(text, 1, MAX_STEPS, "a positive number of steps")


def seed_int(text: str) -> int:
    """argparse type: a seed, 0 … 2⁶³ − 1 (numpy's seeds are non-negative)."""
    return _bounded_int(text, 0, 2 ** 63 - 1, "a non-negative integer seed")


def json_path(text: str) -> str:
    """argparse type: an output file path that can be written (checked before the run).

    Used by every output option (``--json``, ``--graphml``, ``--dot``); argparse prefixes the
    message with the option. The path must not be empty or a directory; its directory must exist
    and be a directory; an existing file must be writable, and a new one is created and removed
    again, so that file systems that refuse new files (``/proc``, ``/sys``, read-only mounts) are
    caught now, not after the run. What only a write reveals (``/dev/full``) is reported by
    :func:`write_output`, naming the option too.
    """
    if not text.strip():
        raise argparse.ArgumentTypeError("expected a file path, got an empty string")
    if text == "-":
        # not standard output: the text report goes there
        raise argparse.ArgumentTypeError("expected a file path, got '-' (standard output carries the text "
                                         "report; JSON goes to a file)")
    directory = os.path.dirname(os.path.abspath(text)) or os.sep
    if os.path.isdir(text):
        raise argparse.ArgumentTypeError(f"{text!r} is a directory, expected a file path")
    if not os.path.isdir(directory):
        # name the first component that is missing or not a directory ('/etc/passwd' in /etc/passwd/x.json)
        part = directory
        while not os.path.exists(part) and os.path.dirname(part) != part:
            part = os.path.dirname(part)
        if os.path.exists(part) and not os.path.isdir(part):
            raise argparse.ArgumentTypeError(f"{part!r} is not a directory (it is a file), so {text!r} cannot be "
                                             "created")
        raise argparse.ArgumentTypeError(f"directory {directory!r} does not exist")
    if os.path.exists(text):
        if not os.access(text, os.W_OK):
            raise argparse.ArgumentTypeError(f"{text!r} is not writable")
        return text                     # not opened: it may be a device or a FIFO (/dev/stdout)
    if not os.access(directory, os.W_OK):
        raise argparse.ArgumentTypeError(f"directory {directory!r} is not writable")
    try:
        with open(text, "x", encoding="utf-8"):
            pass
        os.remove(text)
    except OSError as exc:
        raise argparse.ArgumentTypeError(f"cannot create {text!r}: {exc.strerror or exc}") from None
    return text


def write_output(option: str, path: str, write) -> None:
    """Call ``write(path)``; an OSError becomes an error naming the option and the path.

    The path was checked before the run (:func:`json_path`), but only a write reveals some
    failures (a full disk, ``/dev/full``).

    Raises
    ------
    InvalidValueError
        ``write`` raised an OSError.
    """
    try:
        write(path)
    except OSError as exc:
        raise InvalidValueError(f"{option}: cannot write {path!r}: {exc.strerror or exc}") from None


def _float(text: str, allow_zero: bool) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not np.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        raise argparse.ArgumentTypeError(
            f"expected a {'non-negative' if allow_zero else 'positive'} number, got {text!r}")
    return value


def data_spec(text: str) -> str:
    """argparse type: a data set name of :data:`~eqalg.datasets.DATASETS` or a CSV file path.

    A path may have any extension. It is checked before the run: it must exist and be a
    regular file (not a directory or a device such as ``/dev/zero``, which never ends) of at
    most :data:`~eqalg.datasets.csvfile.MAX_CSV_BYTES`.
    """
    if text in DATASETS:
        return text
    if os.path.exists(text) or os.path.splitext(text)[1] or os.sep in text:     # path-like: say what is wrong
        problem = csv_path_problem(text)
        if problem is not None:
            raise argparse.ArgumentTypeError(problem)
        return text
    raise argparse.ArgumentTypeError(f"expected one of {', '.join(DATASETS)} or the path of an existing CSV file "
                                     f"(any extension), got {text!r}")


def positive_float(text: str) -> float:
    """argparse type: a finite number > 0."""
    return _float(text, allow_zero=False)


def nonnegative_float(text: str) -> float:
    """argparse type: a finite number ≥ 0."""
    return _float(text, allow_zero=True)


def hyperparameter_options() -> dict:
    """``{name: (Hyperparameter, [models using it])}`` over the whole zoo (one option per name)."""
    out = {}
    for entry in ZOO.values():
        for h in entry.hyperparameters:
            out.setdefault(h.name, (h, []))[1].append(entry.name)
    return out


def register(sub) -> None:
    """Add the ``check`` subcommand to an argparse subparsers object."""
    p = sub.add_parser("check", help="derive and verify a trained model's symmetry constraints",
                       description=__doc__.split("\n\n")[0])
    p.add_argument("--model", default="mlp", choices=MODELS, help="model of the zoo (default: mlp; see `eqalg models`)")
    p.add_argument("--data", default=None, type=data_spec, metavar="NAME|PATH.csv",
                   help=f"data set: {', '.join(DATASETS)}, or a CSV file with a header row "
                        "(default: the model's default, iris for mlp)")
    p.add_argument("--target", default=None, metavar="COLUMN",
                   help="CSV data only: name of the target column (default: the last column); every other "
                        "column is a feature (matrix-factorization, which uses no target, factorizes them)")
    p.add_argument("--task", default="auto", choices=TASKS,
                   help="CSV data only: classification (labels, one-hot) or regression (default: auto, "
                        "regression when every target value is numeric)")
    for name, (h, models) in hyperparameter_options().items():
        defaults = sorted({str(ZOO[m].defaults()[name]) for m in models})
        default = defaults[0] if len(defaults) == 1 else "model-dependent"
        limit = f"; at most {h.maximum}" if h.maximum is not None else ""
        text = f"{h.help} (models: {', '.join(models)}; default: {default}{limit})"
        if h.kind is bool:
            p.add_argument(h.option, dest=name, default=None, action=argparse.BooleanOptionalAction, help=text)
        elif h.kind is int:
            p.add_argument(h.option, dest=name, default=None, type=positive_int, help=text)
        else:
            p.add_argument(h.option, dest=name, default=None, choices=h.choices, help=text)
    p.add_argument("--steps", type=steps_int, default=None,
                   help="gradient-descent steps (default: model-dependent, 2000 for mlp)")
    p.add_argument("--lr", type=positive_float, default=None, help="step size (default: model-dependent, 0.05 for mlp)")
    p.add_argument("--weight-decay", type=nonnegative_float, default=0.0,
                   help="weight decay λ (default: 0; lr·λ must stay below 2)")
    p.add_argument("--seed", type=seed_int, default=0, help="seed of the initialization (default: 0)")
    p.add_argument("--backend", default="both", choices=BACKEND_NAMES + ("both",),
                   help="derivative backend(s) (default: both)")
    p.add_argument("--only", action="append", metavar="PATTERN", default=None,
                   help="check only the transformations matching this pattern (repeatable; * and ? are "
                        "wildcards, brackets are literal), e.g. --only 'rescale[0]' --only 'gl[1]*' --only "
                        "'swap*'; drift laws are always tracked")
    p.add_argument("--tied", type=count_int, default=0, metavar="K",
                   help="two-layer MLP: also a symmetric point with K >= 2 identical hidden neurons (Hessian "
                        "blocks and eigenvalue multiplicities; default 0: none)")
    p.add_argument("--zeroed", type=count_int, default=0, metavar="K",
                   help="two-layer MLP with an odd activation (tanh, linear): also a symmetric point with K "
                        "zeroed hidden neurons (default 0: none)")
    p.add_argument("--json", type=json_path, metavar="PATH", help="write the report as JSON to PATH")
    p.add_argument("--quiet", action="store_true", help="print only the summary")
    p.set_defaults(func=run_check)


def _select(transformations: dict, patterns) -> dict:
    if not patterns:
        return transformations
    # names contain brackets (rescale[0], gl[1][0,1]): in patterns they are literal, only * and ?
    # are wildcards
    regexes = [re.compile("".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in p))
               for p in patterns]
    return {n: t for n, t in transformations.items() if any(r.fullmatch(n) for r in regexes)}


def _checks_per_transformation(backend: str) -> int:
    # two points (init, trained) x first- and second-order identities x backends
    return 2 * 2 * (2 if backend == "both" else 1)


def _size_options(entry, hp: dict, given: dict, ds) -> tuple:
    """(the options that set the catalogue's size with their values, the advice naming them).

    Options given on the command line come first, the others in parentheses:
    ``--hidden 20000 (--depth 2)``; with no integer hyperparameter (softmax) the data set.
    """
    ints = [h for h in entry.hyperparameters if h.kind is int]
    if not ints:
        return f"--data {ds.name}", "data with fewer features"
    first = [h for h in ints if given.get(h.name) is not None] or ints
    rest = [h for h in ints if h not in first]
    text = ", ".join(f"{h.option} {hp[h.name]}" for h in first)
    if rest:
        text += " (" + ", ".join(f"{h.option} {hp[h.name]}" for h in rest) + ")"
    return text, "a smaller " + " or ".join(h.option for h in ints)


def _check_catalogue_size(entry, hp: dict, given: dict, ds, model, backend: str, only) -> None:
    """Refuse, before building it, a catalogue too large for memory or (without --only) for MAX_CHECKS.

    The catalogue is counted from the model's shape (:meth:`~eqalg.models.zoo.ZooEntry.catalogue_size`):
    building it first is what exhausted memory (--hidden 20000 grew past 18 GB).
    """
    size = entry.catalogue_size(model)
    what, smaller = _size_options(entry, hp, given, ds)
    head = f"{what}: the symmetry catalogue would have about {size.transformations} transformations on " \
           f"{size.parameters} parameters"
    if size.nbytes > MAX_CATALOGUE_BYTES:
        raise InvalidValueError(f"{head}, about {size.nbytes / 2 ** 30:.1f} GiB to build; at most "
                                f"{MAX_CATALOGUE_BYTES / 2 ** 30:g} GiB (the whole catalogue is built before --only "
                                f"selects from it): use {smaller}, or the Python API")
    n_checks = _checks_per_transformation(backend) * size.transformations
    if not only and n_checks > MAX_CHECKS:
        raise InvalidValueError(f"{head}, {n_checks} checks with --backend {backend}; at most {MAX_CHECKS}: "
                                f"use {smaller}, or select transformations with --only PATTERN")


#: A finite loss that grew by more than this factor (over max(initial loss, 1)) is divergence: weight
#: decay with lr·λ near 2 or a large step can blow θ up to 1e86 without ever overflowing the loss.
DIVERGENCE_FACTOR = 1e6


def check_weight_decay(lr: float, weight_decay: float) -> None:
    """Refuse lr·λ ≥ 2: each step multiplies θ by 1 − lr·λ, of modulus ≥ 1, on top of the gradient step.

    Gradient descent with weight decay is θ ← (1 − lr·λ) θ − lr ∇L(θ); with lr·λ ≥ 2 the decay
    term alone no longer contracts θ (it flips its sign and grows it), so training diverges.

    Raises
    ------
    InvalidValueError
        ``lr * weight_decay >= 2``, naming ``--weight-decay`` and the largest accepted value.
    """
    if lr * weight_decay >= 2:
        raise InvalidValueError(f"weight_decay (--weight-decay): {weight_decay:g} with lr {lr:g} makes each step "
                                f"multiply θ by 1 − lr·λ = {1 - lr * weight_decay:.3g}, so gradient descent diverges; "
                                f"expected lr·λ < 2, i.e. a weight decay below {2 / lr:.3g}")


def check_not_diverged(losses, lr: float, weight_decay: float) -> None:
    """Refuse a finite loss that grew by more than :data:`DIVERGENCE_FACTOR`: training diverged.

    Raises
    ------
    TrainingDivergedError
    """
    from ..dynamics import TrainingDivergedError

    if losses[-1] > DIVERGENCE_FACTOR * max(losses[0], 1.0):
        decay = f" or the weight decay (now {weight_decay:g})" if weight_decay else ""
        raise TrainingDivergedError(f"training diverged: the loss grew from {losses[0]:.4g} to {losses[-1]:.4g} in "
                                    f"{len(losses) - 1} steps; lower lr (now {lr}){decay}")


def _names(names, limit: int = 20) -> str:
    names = list(names)
    more = f", ... ({len(names)} in all)" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more


def check_job(*, model: str = "mlp", data: str | None = None, steps: int | None = None, lr: float | None = None,
              weight_decay: float = 0.0, seed: int = 0, backend: str = "both", target: str | None = None,
              task: str = "auto", only=None, tied: int = 0, zeroed: int = 0, **hyperparameters):
    """Build, train and check a zoo model exactly as ``eqalg check`` does; returns the Report.

    Parameters mirror the command-line options: ``model`` (a :data:`~eqalg.models.zoo.ZOO`
    name), ``data`` (a data set name or a CSV path; default the model's), ``target`` / ``task``
    (CSV only), ``steps`` / ``lr`` (default the model's schedule), ``weight_decay``, ``seed``,
    ``backend``, ``only`` (glob patterns selecting transformations by name; None = all), and
    the model's hyperparameters as keywords (``activation``, ``loss``, ``hidden``, ``depth``,
    ``rank``, ``key_dim``, ``bias``; ``None`` = default). A bias-free homogeneous model also gets
    its homogeneity rows and norm law; ``tied`` / ``zeroed`` add symmetric points (two-layer MLP).

    The job refuses models with more than 10⁶ parameters, runs of more than 20 000 checks
    (select transformations with ``only``) and symmetry catalogues whose estimated memory
    exceeds 2 GiB (counted from the model's shape before anything is built; the whole
    catalogue is built before ``only`` selects from it) instead of running for hours or
    exhausting memory.

    Raises
    ------
    UnknownNameError
        Unknown model, data set, or a hyperparameter that does not apply to the model.
    InvalidValueError, ShapeError, NonFiniteError
        Invalid values, data the model cannot use, CSV errors, diverged training.
    """
    t0 = time.perf_counter()
    entry = get_entry(model)
    hp = entry.resolve(hyperparameters)
    ds = load_dataset(data or entry.default_data, target=target, task=task)
    _check_classes(ds)
    m = entry.build(ds, **hp)
    if m.space.size > MAX_PARAMETERS:
        raise InvalidValueError(f"model: {m.space.size} parameters exceed the command line's limit of "
                                f"{MAX_PARAMETERS}; use the Python API for larger models")
    steps = entry.steps if steps is None else steps
    lr = entry.lr if lr is None else lr
    check_weight_decay(lr, weight_decay)
    if tied or zeroed:
        if not all(hasattr(m, a) for a in ("tie_neurons", "zero_neurons", "discrete_symmetry_group")):
            raise InvalidValueError(f"tied, zeroed: symmetric points need a two-layer MLP (--model mlp --depth 2), "
                                    f"got {type(m).__name__}")
        validate_symmetric_points(m, tied, zeroed)
    _check_catalogue_size(entry, hp, hyperparameters, ds, m, backend, only)
    rows = ctrl = {}
    if getattr(m, "homogeneity_degree", None) is not None and hasattr(m, "equivariances"):
        # bias-free homogeneous network: Euler identities (M1)-(M4) with wrong-degree controls
        rows = {k: v for k, v in m.equivariances().items() if k.startswith("homogeneity")}
        ctrl = {k: v for k, v in m.equivariance_controls().items() if k.startswith("homogeneity")}
    catalogue, controls = m.symmetries(), m.controls()
    syms, ctrls = _select({**catalogue, **rows}, only), _select({**controls, **ctrl}, only)
    if only and not (syms or ctrls):
        raise InvalidValueError(f"only: no transformation matches {', '.join(only)}; "
                                f"the catalogue has {_names(list(catalogue) + list(controls))}")
    del controls
    n_checks = _checks_per_transformation(backend) * (len(syms) + len(ctrls))
    if n_checks > MAX_CHECKS:
        raise InvalidValueError(f"this run would evaluate {n_checks} checks ({len(syms) + len(ctrls)} "
                                f"transformations); select some with --only PATTERN (limit {MAX_CHECKS})")
    theta0 = m.init_params(np.random.default_rng(seed))
    # drift laws are tracked whatever --only selects; the built catalogue is reused, not rebuilt
    quantities = [conserved_quantity(t, f"Q[{name}]") for name, t in conserved_generators(m, catalogue).items()]
    del catalogue
    if rows:
        quantities.append(homogeneity_norm_law(m))          # exact discrete-time rate law of ½‖θ‖² (B4)
    traj = gradient_descent(m, theta0, lr, steps, weight_decay=weight_decay, quantities=quantities)
    check_not_diverged(traj.losses, lr, weight_decay)
    t1 = time.perf_counter()
    report = check(m, {"init": theta0, "trained": traj.theta}, syms, ctrls, backend=backend)
    report.warnings = (_target_warnings(entry, ds, target) + _class_warnings(ds) + _label_warnings(ds, task)
                       + _feature_warnings(ds)
                       + _training_warnings(m, theta0, traj) + _trivial_warnings(report)
                       + _near_critical_warnings(report))
    report.model = m.describe()
    report.data = ds.describe()
    report.training = {"optimizer": "gradient descent (full batch)", "steps": steps, "lr": lr,
                       "weight_decay": weight_decay, "seed": seed, "loss_init": float(traj.losses[0]),
                       "loss_final": float(traj.losses[-1]), "seconds": t1 - t0,
                       "check_seconds": time.perf_counter() - t1}
    report.conservation = [tr.to_dict() for tr in traj.quantities.values()]
    if tied or zeroed:
        report.symmetric_points = symmetric_point_study(m, theta0, lr, steps, tied=tied, zeroed=zeroed,
                                                        weight_decay=weight_decay)
        report.training["symmetric_points_seconds"] = time.perf_counter() - t1 - report.training["check_seconds"]
    return report


def _target_warnings(entry, ds, target) -> list:
    """Say when the model ignores the data set's targets (e.g. matrix factorization of tabular data)."""
    if ds.structure not in entry.unused_targets:
        return []
    head = f"model {entry.name!r} fits the feature matrix of {ds.name!r} itself and uses no target"
    column = ds.meta.get("target")
    if column is None:
        return [f"{head}: the targets of {ds.name!r} are not used"]
    how = "--target" if target is not None else "the default target, the last column"
    return [f"{head}: the target column {column!r} ({how}) is left out of the matrix"]


#: Relative change of the loss (and of θ) below which training counts as not having changed it: round-off.
_UNCHANGED_RTOL = 1e-12


def _class_counts(ds):
    """Samples per class of a CSV classification data set, else None (bundled sets are known good)."""
    if ds.task != "classification" or ds.labels is None or "path" not in ds.meta:
        return None
    return np.bincount(ds.labels)


def _check_classes(ds) -> None:
    """Refuse a CSV classification target whose every class has a single sample: nothing to learn.

    That is what ``--task classification`` makes of a continuous target (one class per value).
    """
    counts = _class_counts(ds)
    if counts is None or not np.all(counts == 1):
        return
    numeric = all(_is_number(c) for c in ds.target_names)
    advice = ("a continuous target needs --task regression" if numeric
              else "is it a label column? choose one with --target")
    raise InvalidValueError(f"task (--task): classification of the target column {ds.meta['target']!r} of "
                            f"{ds.meta['path']!r} would make {len(counts)} classes of a single sample each (all "
                            f"{ds.n_samples} {'values' if numeric else 'labels'} are distinct), from which nothing "
                            f"can be learned; {advice}")


def _label_warnings(ds, task) -> list:
    """Say when a CSV target read as regression (--task auto) looks like class labels: few distinct values."""
    if task != "auto" or ds.task != "regression" or "path" not in ds.meta or ds.Y.shape[1] != 1:
        return []
    levels = np.unique(ds.Y[:, 0]).size            # standardizing keeps the number of distinct values
    if levels > 10 or ds.n_samples < 3 * levels:
        return []
    return [f"the target column {ds.meta['target']!r} has only {levels} distinct values in {ds.n_samples} rows and "
            "was read as regression (numeric targets are; --task classification reads them as class labels)"]


def _class_warnings(ds) -> list:
    """Say when a CSV classification target looks continuous: most classes have a single sample."""
    counts = _class_counts(ds)
    single = 0 if counts is None else int(np.sum(counts == 1))
    if 2 * single <= (0 if counts is None else len(counts)):
        return []
    numeric = all(_is_number(c) for c in ds.target_names)
    advice = ("numeric values like these are better fitted with --task regression (the default for a numeric "
              "target)" if numeric else "is the target column (--target) a label?")
    return [f"target column {ds.meta['target']!r} (classification): {len(counts)} classes for {ds.n_samples} samples, "
            f"{single} of them with a single sample; {advice}"]


def _feature_warnings(ds) -> list:
    """Say when input columns are duplicates: then swapping them is a symmetry of the data.

    (Constant columns never get here: the CSV loader refuses them.)
    """
    X = ds.X
    if X.ndim != 2 or X.shape[1] < 2:
        return []
    names = list(getattr(ds, "feature_names", ())) or [f"x{j}" for j in range(X.shape[1])]
    tol = 1e-12 * max(float(np.abs(X).max(initial=0.0)), 1.0)
    _, groups = np.unique(np.round(X.T / tol), axis=0, return_inverse=True)
    groups = groups.ravel()
    dups = [np.flatnonzero(groups == g) for g in np.flatnonzero(np.bincount(groups) > 1)]
    if not dups:
        return []
    shown = "; ".join(" = ".join(repr(names[j]) for j in d) for d in dups[:3])
    return [f"identical feature columns ({shown}; after standardization): swapping them is a symmetry of this "
            "data, so permute_inputs controls on them cannot be violated"]


def _is_number(text) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _training_warnings(model, theta0, traj) -> list:
    """Reasons to distrust the trained point as a *generic* point (they do not change verdicts)."""
    out = []
    first, last = traj.losses[0], traj.losses[-1]
    if abs(last - first) <= _UNCHANGED_RTOL * abs(first):
        # nothing happened: a step too small to move θ (lr 1e-300: θ − lr g == θ), or a flat start
        moved = np.linalg.norm(traj.theta - theta0) / max(np.linalg.norm(theta0), np.finfo(float).tiny)
        if moved <= _UNCHANGED_RTOL:
            out.append(f"training did not change the loss ({first:.4g} -> {last:.4g}) and moved the parameters by "
                       f"{moved:.1e} of their norm in {traj.steps} steps: the step size (lr {traj.lr:g}) is too "
                       "small; the trained point is the initial point")
        else:
            out.append(f"training did not change the loss ({first:.4g} -> {last:.4g}) although the parameters "
                       f"moved ({moved:.1e} of their norm): the loss is flat there, e.g. at a critical point")
    elif not last < first:
        decay = (f", or the weight decay ({traj.weight_decay:g}) so strong that it pulls the parameters towards 0"
                 if traj.weight_decay else "")
        out.append(f"training did not lower the loss ({first:.4g} -> {last:.4g}); the step size may be too large"
                   + decay)
    inactive = getattr(model, "inactive_units", None)
    if inactive is not None:
        dead = inactive(traj.theta)
        if len(dead):
            out.append(f"{len(dead)} hidden unit(s) {dead.tolist()[:10]} are zero on every sample at the trained "
                       "point: there, some transformations that are not symmetries in general leave the loss "
                       "unchanged, so negative controls may hold")
    return out


def _count_by_point(report, keep) -> dict:
    """{point: number of its checks for which keep(check) holds}, points in report order, zeros left out."""
    counts = {}
    for r in report.checks:
        if keep(r):
            counts[r.point] = counts.get(r.point, 0) + 1
    return counts


def _trivial_warnings(report) -> list:
    """Say where checks were trivial: both sides at round-off level (usually a near-critical point)."""
    return [f"{n} check(s) at the {point} point are trivial: the gradient is at its round-off level "
            "there (a critical point to working precision), so first-order identities hold for any "
            "transformation and controls cannot be decided by them"
            for point, n in _count_by_point(report, lambda r: r.status == "trivial").items()]


def _near_critical_warnings(report) -> list:
    """Explain inconclusive finite-difference checks whose error is the round-off of the loss values."""
    decided = _count_by_point(report, report.decided_elsewhere)
    return [f"{n} finite-difference check(s) at the {point} point are inconclusive: {NEAR_CRITICAL_REASON}"
            + (f" ({decided[point]} of them decided as expected by the analytic backend or at another point, "
               "so they do not fail the run)" if point in decided else "")
            for point, n in _count_by_point(
                report, lambda r: r.status == "inconclusive" and r.reason == NEAR_CRITICAL_REASON).items()]


def _model_line(m: dict) -> str:
    if m.get("class") == "TwoLayerMLP":
        return (f"model: two-layer MLP {m['inputs']}-{m['hidden']}-{m['outputs']}, activation {m['activation']}, "
                f"loss {m['loss']}, D = {m['parameters']}{'' if m.get('bias', True) else ', no biases'}")
    details = ", ".join(f"{k} {v}" for k, v in m.items() if k not in ("name", "class", "parameters"))
    return f"model: {m['name']} ({m['class']}), {details}, D = {m['parameters']}"


# keyword arguments of check_job that errors name and that are command-line options here
_OPTION_ARGUMENTS = ("data", "target", "only", "steps", "lr", "weight_decay", "tied", "zeroed")


def _as_options(exc: EqalgError, names) -> EqalgError:
    """The same error naming the command-line option beside the keyword: ``key_dim (--key-dim): …``."""
    text = str(exc)
    head, sep, rest = text.partition(": ")
    words = head.split(", ")
    if not sep or not all(w in names for w in words):
        return exc
    try:
        return type(exc)(", ".join(f"{w} (--{w.replace('_', '-')})" for w in words) + ": " + rest)
    except TypeError:                          # an error class with another signature: keep it as it is
        return exc


def run_check(args) -> int:
    """Run ``eqalg check`` from parsed arguments; print the report; return the exit status."""
    hyper = {name: getattr(args, name) for name in hyperparameter_options()}
    if args.json and args.data and os.path.exists(args.data) and os.path.exists(args.json) \
            and os.path.samefile(args.data, args.json):
        raise InvalidValueError(f"--json: {args.json!r} is the --data file {args.data!r}; the report would "
                                "overwrite the data")
    try:
        report = check_job(model=args.model, data=args.data, target=args.target, task=args.task, steps=args.steps,
                           lr=args.lr, weight_decay=args.weight_decay, seed=args.seed, backend=args.backend,
                           only=args.only, tied=args.tied, zeroed=args.zeroed, **hyper)
    except EqalgError as exc:
        raise _as_options(exc, set(hyper) | set(_OPTION_ARGUMENTS)) from exc
    m, d, tr, s = report.model, report.data, report.training, report.summary()
    if not args.quiet:
        print(_model_line(m))
        print(f"data: {d['name']} ({d['n_samples']} samples, {d['n_features']} features; {d['source']})")
        print(f"training: {tr['steps']} steps of full-batch GD, lr {tr['lr']}, weight decay {tr['weight_decay']}, "
              f"seed {tr['seed']}: loss {tr['loss_init']:.4g} -> {tr['loss_final']:.4g}")
        print("\nchecks (role 'control' = not a symmetry: its identities must be violated; '!' = unexpected)")
        print(report.format_checks())
        print("\nconserved quantities along training (Q = 1/2 theta^T A theta: exact GD law T1; c^T theta: T2)"
              + ("; rate law of 1/2|theta|^2 (homogeneity, exact GD form)"
                 if any(c["quantity"].startswith("1/2|theta|^2") for c in report.conservation) else ""))
        if report.conservation:
            print(report.format_conservation())
        else:
            print("(none: the catalogue has no symmetric linear generator or translation for this model)")
        if report.symmetric_points:
            print("\nsymmetric points: Hessian blocks and eigenvalue multiplicities in Fix(K) (D3)–(D5)")
            print(report.format_symmetric_points())
        print()
    print(f"summary: {s['identities_hold']}/{s['identities']} identities hold, "
          f"{s['controls_violated']}/{s['controls']} controls violated, {s['inconclusive']} inconclusive, "
          f"{s['trivial']} trivial, "
          f"{s['conservation_laws_match']}/{s['conservation_laws']} drift laws match"
          + (f", {s['symmetric_points_pass']}/{s['symmetric_points']} symmetric points pass"
             if s["symmetric_points"] else ""))
    for line in s["unexpected"]:
        print(f"  unexpected: {line}")
    for line in report.warnings:
        print(f"  warning: {line}")
    print("OK" if s["ok"] else "FAILED")
    if args.json:
        write_output("--json", args.json, report.write_json)
    return 0 if s["ok"] else 1
