"""Benchmark of the main job (`eqalg check`) and of the finite-difference first-order check.

Prints a table and writes ``benchmarks/results/bench_check.json``:

* wall time of the default ``eqalg check`` (fresh interpreter, best and median of repeats);
* loss / gradient / HVP evaluations used by each backend per identity label (from the report);
* accuracy and cost of a finite-difference first-order check on a smooth model (tanh MLP on
  Iris) along directions that are not symmetries, against the analytic ⟨g, J⟩.

Targets (issue 2): default run < 10 s on 2 cores; a finite-difference first-order check uses
≤ 8 loss evaluations and reaches ≥ 8 correct significant digits on a smooth model.

Usage: ``python benchmarks/bench_check.py [--repeats N]``
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing
import eqalg  # noqa: E402
from eqalg.backends import FiniteDifference  # noqa: E402
from eqalg.models.base import CountingModel  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "bench_check.json"


def time_default_run(repeats: int) -> dict:
    times = []
    report_path = Path(tempfile.mkdtemp()) / "report.json"
    for _ in range(repeats):
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "eqalg", "check", "--quiet", "--json", str(report_path)],
                              capture_output=True, text=True, cwd=Path(eqalg.__file__).parents[1])
        times.append(time.perf_counter() - t0)
        if proc.returncode != 0:
            raise SystemExit(f"eqalg check failed:\n{proc.stdout}\n{proc.stderr}")
    report = json.loads(report_path.read_text())
    evals = defaultdict(lambda: defaultdict(list))
    for c in report["checks"]:
        for k, v in c["evaluations"].items():
            evals[(c["label"], c["backend"])][k].append(v)
    per_identity = {f"{label}/{backend}": {k: max(v) for k, v in d.items()}
                    for (label, backend), d in sorted(evals.items())}
    return {"best_s": min(times), "median_s": statistics.median(times), "repeats": repeats,
            "target_s": 10.0, "checks": len(report["checks"]),
            "check_seconds_in_process": report["training"]["check_seconds"],
            "evaluations_per_identity": per_identity}


def fd_first_order_accuracy() -> dict:
    data = eqalg.load_iris()
    model = eqalg.TwoLayerMLP(data.X, data.Y, 8, "tanh", "cross_entropy")
    theta = model.init_params(np.random.default_rng(0))
    rng = np.random.default_rng(1)
    directions = [model.input_scaling_generator(0), model.rescale_generator(3), model.rotation_generator(1, 2)]
    directions += [eqalg.LinearGenerator.diagonal(rng.standard_normal(model.space.size), model.space,
                                                  name=f"random_diag[{i}]") for i in range(3)]
    rows = []
    for J in directions:
        counting = CountingModel(model)
        t0 = time.perf_counter()
        est = FiniteDifference().curve_derivative(counting, theta, J)
        seconds = time.perf_counter() - t0
        exact = float(model.gradient(theta) @ J.generator(theta))
        rel = abs(est.value - exact) / abs(exact)
        rows.append({"direction": J.name, "exact": exact, "fd": est.value, "relative_error": rel,
                     "significant_digits": float(-np.log10(max(rel, 1e-17))), "error_estimate": est.error,
                     "loss_evaluations": counting.counts["loss"], "seconds": seconds})
    return {"rows": rows, "min_digits": min(r["significant_digits"] for r in rows),
            "max_loss_evaluations": max(r["loss_evaluations"] for r in rows),
            "target_digits": 8, "target_loss_evaluations": 8}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    run = time_default_run(args.repeats)
    fd = fd_first_order_accuracy()

    print(f"default `eqalg check`: best {run['best_s']:.2f} s, median {run['median_s']:.2f} s "
          f"over {run['repeats']} runs (target < {run['target_s']:.0f} s), {run['checks']} checks")
    print("\nevaluations per identity (max over transformations and points): loss/gradient/hvp")
    for key, ev in run["evaluations_per_identity"].items():
        print(f"  {key:<24} {ev['loss']:>4}/{ev['gradient']:>3}/{ev['hvp']:>4}")
    print("\nfinite-difference first-order check on a tanh MLP (non-symmetry directions)")
    print(f"  {'direction':<16} {'rel. error':>10} {'digits':>6} {'loss evals':>10} {'err. est.':>10}")
    for r in fd["rows"]:
        print(f"  {r['direction']:<16} {r['relative_error']:>10.2e} {r['significant_digits']:>6.1f} "
              f"{r['loss_evaluations']:>10} {r['error_estimate']:>10.1e}")
    ok_time = run["best_s"] < run["target_s"]
    ok_fd = fd["min_digits"] >= fd["target_digits"] and fd["max_loss_evaluations"] <= fd["target_loss_evaluations"]
    print(f"\ntargets: default run < 10 s: {'met' if ok_time else 'MISSED'}; "
          f"FD first order <= 8 losses and >= 8 digits: {'met' if ok_fd else 'MISSED'} "
          f"(min {fd['min_digits']:.1f} digits, max {fd['max_loss_evaluations']} losses)")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"default_run": run, "fd_first_order": fd,
                                   "targets_met": {"default_run": ok_time, "fd_first_order": ok_fd}}, indent=2))
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
