"""Benchmark of the zoo's analytic derivatives: gradient, HVP, batched HVP, finite differences, JAX.

For every zoo model (default size and a larger one) and for an MLP ladder from D ≈ 10² to
D ≈ 10⁶ (784-1024-10 on 1,000 synthetic samples) it times, on the same model, data and CPU:

* the analytic gradient and one analytic Hessian-vector product;
* a batched HVP with k = 32 directions (per direction);
* a finite-difference HVP of the same model, as ``eqalg check`` computes one
  (``FiniteDifference().hvp``: Richardson over central differences of gradients, refined to its
  1e-9 target, each gradient with its round-off probe — typically 12 gradients). A fresh backend
  per call: a backend memoizes gradients by θ, so a reused one would time dictionary lookups;
* when ``jax`` is importable (optional, never a dependency): ``jax.jit(jax.grad)`` and
  ``jax.jit(jvp(grad))`` of the same loss written in ``jax.numpy`` (float64), whose HVP is
  checked against ours (relative difference reported).

Targets (issue 6): an analytic HVP costs at most 3× an analytic gradient at every size; a
batched HVP with k = 32 directions costs at most 0.5·k single HVPs; the analytic HVP is within
2× of jitted JAX at D ≥ 10⁴. Times are the minimum over repeats (wall clock). Prints a table and
writes ``benchmarks/results/bench_models.json``.

On a shared machine, ``--runs R`` repeats every timing R times (whole passes over all cases)
and keeps the fastest: other processes only ever slow a measurement down.

Why the batched target is missed by data-bound dense networks and attention: batching shares
only the forward pass (and the loss curvature) between directions. A dense network's R-operator
needs, per direction, the same two (N, n₀) × (n₀, n₁) products with the data as a single HVP's
R-passes (R-forward X δW₁ᵀ, R-backward R{δ₁}ᵀX), against three for a single HVP (forward
included): 2/3 of its matrix-product work, plus the element-wise passes over (N, n) arrays that
memory bandwidth bounds in both. Measured 0.47–0.73 on 2 cores (784-1024-10: one such
product 10.4 ms, single HVP 51 ms, batched 37 ms per direction). Models whose per-direction work
avoids the data reach the target: SoftmaxRegression (one product for all k directions, 0.21)
and DeepLinear (through Σ = XᵀX/N, 0.23).

Allocator: glibc returns freed memory to the OS (heap trimming, and mmap for blocks above a
moving threshold), so a pass that allocates (N, n) arrays page-faults them in again on the next
call. That costs the single HVP relatively more than the batched one (which reuses its chunk
arrays) and depends on the process's history: the same code measured 0.37–0.66 for
batched/(32·single) at 100-100-10. On glibc this script therefore first calls ``mallopt`` to
keep freed memory (no trimming, mmap only above 32 MiB), so both are timed without that noise;
``--system-malloc`` keeps the allocator's defaults.

Usage: ``python benchmarks/bench_models.py [--quick] [--k 32] [--runs R] [--max-params N] [--system-malloc]``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing
import eqalg  # noqa: E402
from eqalg.backends import FiniteDifference  # noqa: E402
from eqalg.models.zoo import ZOO, get_entry  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "bench_models.json"
TARGETS = {"hvp_over_gradient_max": 3.0, "batched_over_k_single_max": 0.5, "hvp_over_jax_max": 2.0,
           "jax_min_parameters": 10_000}

try:                                           # optional comparison only
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
except ImportError:                            # pragma: no cover - depends on the environment
    jax = jnp = None


# -- cases ------------------------------------------------------------------------------------------------
def _classification(n, d, o, seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    labels = np.argmax(X @ rng.standard_normal((d, o)) + rng.standard_normal((n, o)), axis=1)
    return X, np.eye(o)[labels]


def mlp_ladder(quick):
    sizes = [(10, 8, 3), (32, 32, 10), (100, 100, 10), (256, 400, 10), (784, 1024, 10)]
    for d, h, o in sizes[:3] if quick else sizes:
        X, Y = _classification(1000, d, o, seed=d)
        yield f"MLP {d}-{h}-{o} tanh", eqalg.MLP(X, Y, h, 2, "tanh", "cross_entropy")


def zoo_cases(quick):
    for name in ZOO:
        entry = get_entry(name)
        yield f"{name} (default)", entry.build(eqalg.load_dataset(entry.default_data))
    if quick:
        return
    X, Y = _classification(1000, 100, 10, seed=1)
    teacher = eqalg.make_teacher_student(1000, 100, 20, 10, seed=1)
    sensing = eqalg.make_lowrank_sensing((64, 48), 4, 1000, seed=1)
    seq = eqalg.make_sequences(200, 16, 50, 64, 16, teacher_key_dim=8, seed=1)
    Xs, Ys = _classification(1000, 784, 10, seed=2)
    yield "mlp (TwoLayerMLP) 100-100-10 relu", eqalg.TwoLayerMLP(X, Y, 100, "relu", "cross_entropy")
    yield "deep-linear 100-100-100-10", eqalg.DeepLinear(teacher.X, teacher.Y, 100, 3)
    yield "matrix-factorization 64x48 r16", eqalg.MatrixFactorization((64, 48), 16, sensing=sensing.X,
                                                                      measurements=sensing.Y[:, 0])
    yield "softmax 784x10", eqalg.SoftmaxRegression(Xs, Ys)
    yield "normalized-mlp 100-100-10", eqalg.NormalizedMLP(X, Y, 100, 2, "tanh", "cross_entropy")
    yield "attention d64 dk32 T16", eqalg.BilinearAttention(seq.X, seq.Y, 32)
    yield "sigmoid-mlp 100-100-10", eqalg.SigmoidMLP(X, Y, 100, 2, "cross_entropy")


# -- the same losses in jax.numpy -----------------------------------------------------------------------------
def _jax_dense(model, hidden_fn, normalized=False):
    space, X, Y = model.space, jnp.asarray(model.X), jnp.asarray(model.Y)
    depth = getattr(model, "depth", 2)
    bias = "b1" in space
    loss_name = model.out_loss.name

    def loss(theta):
        a = X
        for l in range(1, depth + 1):
            W = theta[space.slice(f"W{l}")].reshape(space[f"W{l}"].shape)
            if normalized and l == 1:
                W = W / jnp.linalg.norm(W, axis=1, keepdims=True)
            z = a @ W.T
            if bias:
                z = z + theta[space.slice(f"b{l}")]
            a = hidden_fn(z) if l < depth else z
        if loss_name == "mse":
            return 0.5 * jnp.mean(jnp.sum((a - Y) ** 2, axis=1))
        return -jnp.mean(jnp.sum(Y * jax.nn.log_softmax(a, axis=1), axis=1))

    return loss


def jax_loss(model):
    """The model's loss as a jax.numpy function of the flat θ (same block layout), or None."""
    if isinstance(model, eqalg.NormalizedMLP):
        return _jax_dense(model, {"tanh": jnp.tanh, "relu": jax.nn.relu}[model.act.name], normalized=True)
    if isinstance(model, (eqalg.MLP, eqalg.TwoLayerMLP)):
        fn = {"tanh": jnp.tanh, "relu": jax.nn.relu, "sigmoid": jax.nn.sigmoid, "linear": lambda z: z}
        return _jax_dense(model, fn[model.act.name])
    if isinstance(model, eqalg.SoftmaxRegression):
        X, Y, space = jnp.asarray(model.X), jnp.asarray(model.Y), model.space

        def loss(theta):
            f = X @ theta[space.slice("W")].reshape(space["W"].shape).T + theta[space.slice("b")]
            return -jnp.mean(jnp.sum(Y * jax.nn.log_softmax(f, axis=1), axis=1))
        return loss
    if isinstance(model, eqalg.MatrixFactorization) and model.sensing is not None:
        A, y, (n, m, r) = jnp.asarray(model._A_flat), jnp.asarray(model.measurements), (model.n, model.m, model.rank)

        def loss(theta):
            U, V = theta[: n * r].reshape(n, r), theta[n * r:].reshape(m, r)
            return 0.5 * jnp.mean((A @ (U @ V.T).ravel() - y) ** 2)
        return loss
    if isinstance(model, eqalg.BilinearAttention):
        X, Y, space, c = jnp.asarray(model.X), jnp.asarray(model.Y), model.space, model.scale

        def loss(theta):
            WQ, WK, WV = (theta[space.slice(b)].reshape(space[b].shape) for b in ("WQ", "WK", "WV"))
            S = c * (X @ WQ) @ jnp.swapaxes(X @ WK, 1, 2)
            F = jax.nn.softmax(S, axis=-1) @ (X @ WV)
            return 0.5 * jnp.sum((F - Y) ** 2) / (Y.shape[0] * Y.shape[1])
        return loss
    return None


# -- timing ---------------------------------------------------------------------------------------------------
def keep_freed_memory() -> str:
    """Ask glibc not to return freed memory to the OS (see the module docstring); says what was done."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError, TypeError):
        return "system default (no glibc mallopt)"
    M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_THRESHOLD = -1, -2, -3
    ok = (mallopt(M_TRIM_THRESHOLD, 2**31 - 1) and mallopt(M_TOP_PAD, 256 << 20)
          and mallopt(M_MMAP_THRESHOLD, 32 << 20))
    return "glibc mallopt: no trimming, 256 MiB top pad, mmap above 32 MiB" if ok else "system default (mallopt refused)"


def best_time(f, min_time=0.3, min_reps=3, max_reps=30):
    """Minimum wall time of f() over repeats (after one warm-up call)."""
    f()
    times, start = [], time.perf_counter()
    while len(times) < min_reps or (time.perf_counter() - start < min_time and len(times) < max_reps):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return min(times)


_TIMES = ("gradient_s", "hvp_s", "batched_hvp_s", "fd_hvp_s")


def measure(name, model, k, theta, v, V):
    """NumPy-side timings of one case."""
    D = model.space.size
    big = D > 300_000
    reps = {"min_reps": 3, "min_time": 0.0} if big else {"min_reps": 5, "min_time": 0.5}
    row = {"case": name, "class": type(model).__name__, "parameters": D,
           "samples": int(getattr(model, "n_samples", 0))}
    row["gradient_s"] = best_time(lambda: model.gradient(theta), **reps)
    row["hvp_s"] = best_time(lambda: model.hvp(theta, v), **reps)
    row["batched_hvp_s"] = best_time(lambda: model.hvp(theta, V), min_reps=2 if big else 3,
                                     min_time=0.0 if big else 0.5)
    # a fresh backend per call: its gradient cache (keyed by θ) would answer every repeat
    row["fd_hvp_s"] = best_time(lambda: FiniteDifference().hvp(model, theta, v[:, None]), **reps)
    return row


def ratios(row, k):
    """Derived ratios and the verdicts on the first two targets."""
    row["hvp_over_gradient"] = row["hvp_s"] / row["gradient_s"]
    row["batched_over_k_single"] = row["batched_hvp_s"] / (k * row["hvp_s"])
    row["fd_over_analytic_hvp"] = row["fd_hvp_s"] / row["hvp_s"]
    row["meets_hvp_over_gradient"] = row["hvp_over_gradient"] <= TARGETS["hvp_over_gradient_max"]
    row["meets_batched"] = row["batched_over_k_single"] <= TARGETS["batched_over_k_single_max"]


def measure_jax(row, model, theta, v):
    """JAX-side timings and agreement of one case (run after all NumPy timings: thread pools do not mix)."""
    loss = jax_loss(model)
    if loss is None:
        return
    big = row["parameters"] > 300_000
    reps = {"min_reps": 3, "min_time": 0.0} if big else {"min_reps": 5, "min_time": 0.5}
    grad = jax.jit(jax.grad(loss))
    hvp = jax.jit(lambda th, u: jax.jvp(jax.grad(loss), (th,), (u,))[1])
    th_j, v_j = jnp.asarray(theta), jnp.asarray(v)
    ours = model.hvp(theta, v)
    theirs = np.asarray(hvp(th_j, v_j))
    row["jax_hvp_relative_difference"] = float(np.linalg.norm(ours - theirs) / np.linalg.norm(ours))
    row["jax_loss_relative_difference"] = abs(float(loss(th_j)) - model.loss(theta)) / abs(model.loss(theta))
    row["jax_gradient_s"] = best_time(lambda: grad(th_j).block_until_ready(), **reps)
    row["jax_hvp_s"] = best_time(lambda: hvp(th_j, v_j).block_until_ready(), **reps)


def _ms(x):
    return "-" if x is None else f"{1e3 * x:.3g}"


def table(rows, k):
    head = ("case", "D", "grad ms", "HVP ms", "HVP/grad", f"batch{k} ms/dir", f"batch/({k}·HVP)", "FD HVP ms",
            "FD/HVP", "jax grad ms", "jax HVP ms", "HVP/jax", "jax diff")
    out = [head]
    for r in rows:
        flag = lambda ok: "" if ok in (True, None) else " !"          # noqa: E731
        out.append((r["case"], str(r["parameters"]), _ms(r["gradient_s"]), _ms(r["hvp_s"]),
                    f"{r['hvp_over_gradient']:.2f}" + flag(r["meets_hvp_over_gradient"]),
                    _ms(r["batched_hvp_s"] / k), f"{r['batched_over_k_single']:.2f}" + flag(r["meets_batched"]),
                    _ms(r["fd_hvp_s"]), f"{r['fd_over_analytic_hvp']:.1f}", _ms(r.get("jax_gradient_s")),
                    _ms(r.get("jax_hvp_s")),
                    "-" if "hvp_over_jax" not in r else f"{r['hvp_over_jax']:.2f}" + flag(r.get("meets_jax")),
                    "-" if "jax_hvp_relative_difference" not in r else f"{r['jax_hvp_relative_difference']:.0e}"))
    widths = [max(len(row[i]) for row in out) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in out]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="small sizes only (a smoke run)")
    p.add_argument("--k", type=int, default=32, help="directions of the batched HVP (default 32)")
    p.add_argument("--runs", type=int, default=1, help="repeat all timings and keep the fastest (default 1)")
    p.add_argument("--max-params", type=int, default=2_000_000, help="skip cases with more parameters")
    p.add_argument("--system-malloc", action="store_true",
                   help="keep the allocator's defaults (by default freed memory is kept; see the docstring)")
    args = p.parse_args(argv)
    allocator = "system default (--system-malloc)" if args.system_malloc else keep_freed_memory()
    print(f"allocator: {allocator}", file=sys.stderr)
    rng = np.random.default_rng(0)
    cases = []
    for name, model in list(zoo_cases(args.quick)) + list(mlp_ladder(args.quick)):
        if model.space.size > args.max_params:
            continue
        theta = model.init_params(rng)
        v = rng.standard_normal(model.space.size)
        cases.append((name, model, theta, v, rng.standard_normal((model.space.size, args.k))))
    rows = [None] * len(cases)
    for run in range(args.runs):
        for i, (name, model, theta, v, V) in enumerate(cases):
            row = measure(name, model, args.k, theta, v, V)
            rows[i] = row if rows[i] is None else {**rows[i], **{t: min(rows[i][t], row[t]) for t in _TIMES}}
            print(f"  run {run + 1}: measured {name} (D = {model.space.size})", file=sys.stderr, flush=True)
    for row in rows:
        ratios(row, args.k)
    if jax is not None:
        time.sleep(1.0)
        for row, (name, model, theta, v, V) in zip(rows, cases):
            for run in range(args.runs):
                before = {t: row.get(t) for t in ("jax_gradient_s", "jax_hvp_s")}
                measure_jax(row, model, theta, v)
                for t, old in before.items():
                    if old is not None and t in row:
                        row[t] = min(row[t], old)
            if "jax_hvp_s" in row:
                row["hvp_over_jax"] = row["hvp_s"] / row["jax_hvp_s"]
                if row["parameters"] >= TARGETS["jax_min_parameters"]:
                    row["meets_jax"] = row["hvp_over_jax"] <= TARGETS["hvp_over_jax_max"]
            print(f"  measured {name} with jax", file=sys.stderr, flush=True)
    print(table(rows, args.k))
    misses = [f"{r['case']}: {key}" for r in rows for key in ("meets_hvp_over_gradient", "meets_batched", "meets_jax")
              if r.get(key) is False]
    summary = {"max_hvp_over_gradient": max(r["hvp_over_gradient"] for r in rows),
               "max_batched_over_k_single": max(r["batched_over_k_single"] for r in rows),
               "max_hvp_over_jax_at_target_sizes": max((r["hvp_over_jax"] for r in rows if "meets_jax" in r),
                                                       default=None),
               "misses": misses}
    print(f"\ntargets: HVP/grad ≤ {TARGETS['hvp_over_gradient_max']}, batched/(k·HVP) ≤ "
          f"{TARGETS['batched_over_k_single_max']} (k = {args.k}), HVP/jax ≤ {TARGETS['hvp_over_jax_max']} at "
          f"D ≥ {TARGETS['jax_min_parameters']}" + ("" if jax is not None else " (jax not installed: skipped)"))
    jmax = summary["max_hvp_over_jax_at_target_sizes"]
    print(f"max HVP/grad {summary['max_hvp_over_gradient']:.2f}; max batched/(k·HVP) "
          f"{summary['max_batched_over_k_single']:.2f}; max HVP/jax at D ≥ 1e4: "
          + ("-" if jmax is None else f"{jmax:.2f}"))
    for miss in misses:
        print(f"  miss: {miss}")
    machine = {"runs": args.runs, "python": platform.python_version(), "numpy": np.__version__, "platform": platform.platform(),
               "cpu_count": os.cpu_count(), "allocator": allocator, "jax": None if jax is None else jax.__version__,
               "blas_threads_env": {k: os.environ.get(k) for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"machine": machine, "targets": TARGETS, "k": args.k, "rows": rows,
                                   "summary": summary}, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
