"""``eqalg check``: train a model on bundled data and verify its symmetry constraints.

The model is trained with seeded full-batch gradient descent; at initialization and after
training, every transformation in its symmetry catalogue and every negative control is turned
into constraints by :func:`~eqalg.constraints.derive` and evaluated with each backend. The
conserved quantity Q_j = ½θᵀA_jθ of each symmetric linear generator is tracked along training
and its measured drift compared with the exact GD law (T1) (MATH.md B8).

``--no-bias`` builds a bias-free network; when it is homogeneous (ReLU, leaky ReLU, linear: k = 2)
the homogeneity equivariances (Euler identities (M1)–(M4), finite forms) with their wrong-degree
controls are checked too and the exact discrete-time norm law of ½‖θ‖² is tracked (MATH.md B4).
``--tied K`` / ``--zeroed K`` (odd σ) synthesize symmetric points, train from them and compare the
Hessian's block structure and eigenvalue multiplicities with the isotypic decomposition of the
stabilizer (MATH.md B6 (D3)–(D5); :func:`~eqalg.predictions.symmetric_points.symmetric_point_study`).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from ..backends.base import BACKEND_NAMES
from ..datasets import DATASETS, load_dataset
from ..dynamics import gradient_descent
from ..models.functions import ACTIVATIONS, LOSSES
from ..models.mlp import TwoLayerMLP
from ..predictions.conservation import conserved_quantity, homogeneity_norm_law
from ..predictions.symmetric_points import symmetric_point_study, validate_symmetric_points
from ..report import check
from ..transforms.linear import LinearGenerator

__all__ = ["register", "run_check", "check_job", "positive_int", "positive_float", "nonnegative_float"]

MODELS = ("mlp",)


def positive_int(text: str) -> int:
    """argparse type: a positive integer."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _float(text: str, allow_zero: bool) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not np.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        raise argparse.ArgumentTypeError(
            f"expected a {'non-negative' if allow_zero else 'positive'} number, got {text!r}")
    return value


def positive_float(text: str) -> float:
    """argparse type: a finite number > 0."""
    return _float(text, allow_zero=False)


def nonnegative_float(text: str) -> float:
    """argparse type: a finite number ≥ 0."""
    return _float(text, allow_zero=True)


def register(sub) -> None:
    """Add the ``check`` subcommand to an argparse subparsers object."""
    p = sub.add_parser("check", help="derive and verify a trained model's symmetry constraints",
                       description=__doc__.split("\n\n")[0])
    p.add_argument("--model", default="mlp", choices=MODELS, help="model family (default: mlp)")
    p.add_argument("--data", default="iris", choices=tuple(DATASETS), help="bundled data set (default: iris)")
    p.add_argument("--activation", default="relu", choices=tuple(ACTIVATIONS), help="hidden activation (default: relu)")
    p.add_argument("--loss", default=None, choices=tuple(LOSSES),
                   help="loss (default: cross_entropy for classification, mse for regression)")
    p.add_argument("--hidden", type=positive_int, default=8, help="hidden units (default: 8)")
    p.add_argument("--steps", type=positive_int, default=2000, help="gradient-descent steps (default: 2000)")
    p.add_argument("--lr", type=positive_float, default=0.05, help="step size (default: 0.05)")
    p.add_argument("--weight-decay", type=nonnegative_float, default=0.0, help="weight decay λ (default: 0)")
    p.add_argument("--seed", type=int, default=0, help="seed of the initialization (default: 0)")
    p.add_argument("--backend", default="both", choices=BACKEND_NAMES + ("both",),
                   help="derivative backend(s) (default: both)")
    p.add_argument("--no-bias", dest="bias", action="store_false",
                   help="bias-free network (homogeneous for relu, leaky_relu, linear: adds homogeneity rows)")
    p.add_argument("--tied", type=positive_int, default=0, metavar="K",
                   help="symmetric point with K >= 2 identical hidden neurons: Hessian blocks and multiplicities")
    p.add_argument("--zeroed", type=positive_int, default=0, metavar="K",
                   help="symmetric point with K zeroed hidden neurons (odd activations: tanh, linear)")
    p.add_argument("--json", metavar="PATH", help="write the report as JSON to PATH")
    p.add_argument("--quiet", action="store_true", help="print only the summary")
    p.set_defaults(func=run_check)


def check_job(*, data: str = "iris", activation: str = "relu", loss: str | None = None, hidden: int = 8,
              steps: int = 2000, lr: float = 0.05, weight_decay: float = 0.0, seed: int = 0,
              backend: str = "both", bias: bool = True, tied: int = 0, zeroed: int = 0):
    """Build, train and check a model exactly as ``eqalg check`` does; returns the Report.

    Parameters mirror the command-line options. Raises the eqalg exceptions of the parts
    (unknown names, invalid values, diverged training).
    """
    t0 = time.perf_counter()
    ds = load_dataset(data)
    loss = loss or ("cross_entropy" if ds.task == "classification" else "mse")
    model = TwoLayerMLP(ds.X, ds.Y, hidden, activation, loss, bias=bias)
    validate_symmetric_points(model, tied, zeroed)
    theta0 = model.init_params(np.random.default_rng(seed))
    quantities = [conserved_quantity(t, f"Q[{name}]") for name, t in model.symmetries().items()
                  if isinstance(t, LinearGenerator) and not t.is_affine and t.is_symmetric_matrix]
    rows = ctrl = {}
    if model.homogeneity_degree is not None:      # bias-free homogeneous network: Euler identities, norm law
        rows = {k: v for k, v in model.equivariances().items() if k.startswith("homogeneity")}
        ctrl = {k: v for k, v in model.equivariance_controls().items() if k.startswith("homogeneity")}
        quantities.append(homogeneity_norm_law(model))
    traj = gradient_descent(model, theta0, lr, steps, weight_decay=weight_decay, quantities=quantities)
    t1 = time.perf_counter()
    report = check(model, {"init": theta0, "trained": traj.theta}, {**model.symmetries(), **rows},
                   {**model.controls(), **ctrl}, backend=backend)
    report.model = model.describe()
    report.data = ds.describe()
    report.training = {"optimizer": "gradient descent (full batch)", "steps": steps, "lr": lr,
                       "weight_decay": weight_decay, "seed": seed, "loss_init": float(traj.losses[0]),
                       "loss_final": float(traj.losses[-1]), "seconds": t1 - t0,
                       "check_seconds": time.perf_counter() - t1}
    report.conservation = [tr.to_dict() for tr in traj.quantities.values()]
    if tied or zeroed:
        report.symmetric_points = symmetric_point_study(model, theta0, lr, steps, tied=tied, zeroed=zeroed,
                                                        weight_decay=weight_decay)
        report.training["symmetric_points_seconds"] = time.perf_counter() - t1 - report.training["check_seconds"]
    return report


def run_check(args) -> int:
    """Run ``eqalg check`` from parsed arguments; print the report; return the exit status."""
    report = check_job(data=args.data, activation=args.activation, loss=args.loss, hidden=args.hidden,
                       steps=args.steps, lr=args.lr, weight_decay=args.weight_decay, seed=args.seed,
                       backend=args.backend, bias=args.bias, tied=args.tied, zeroed=args.zeroed)
    m, d, tr, s = report.model, report.data, report.training, report.summary()
    if not args.quiet:
        print(f"model: two-layer MLP {m['inputs']}-{m['hidden']}-{m['outputs']}, activation {m['activation']}, "
              f"loss {m['loss']}, D = {m['parameters']}{'' if m['bias'] else ', no biases'}")
        print(f"data: {d['name']} ({d['n_samples']} samples, {d['n_features']} features; {d['source']})")
        print(f"training: {tr['steps']} steps of full-batch GD, lr {tr['lr']}, weight decay {tr['weight_decay']}, "
              f"seed {tr['seed']}: loss {tr['loss_init']:.4g} -> {tr['loss_final']:.4g}")
        print("\nchecks (role 'control' = not a symmetry: its identities must be violated; '!' = unexpected)")
        print(report.format_checks())
        print("\nconserved quantities Q = 1/2 theta^T A theta along training (exact GD law T1)"
              + ("; rate law of 1/2|theta|^2 (homogeneity, exact GD form)"
                 if any(c["quantity"].startswith("1/2|theta|^2") for c in report.conservation) else ""))
        if report.conservation:
            print(report.format_conservation())
        else:
            print("(none: the catalogue has no symmetric linear generator for this activation)")
        if report.symmetric_points:
            print("\nsymmetric points: Hessian blocks and eigenvalue multiplicities in Fix(K) (MATH.md D3-D5)")
            print(report.format_symmetric_points())
        print()
    print(f"summary: {s['identities_hold']}/{s['identities']} identities hold, "
          f"{s['controls_violated']}/{s['controls']} controls violated, {s['inconclusive']} inconclusive, "
          f"{s['conservation_laws_match']}/{s['conservation_laws']} drift laws match"
          + (f", {s['symmetric_points_pass']}/{s['symmetric_points']} symmetric points pass"
             if s["symmetric_points"] else ""))
    for line in s["unexpected"]:
        print(f"  unexpected: {line}")
    print("OK" if s["ok"] else "FAILED")
    if args.json:
        report.write_json(args.json)
    return 0 if s["ok"] else 1
