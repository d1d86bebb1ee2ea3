"""Catalogue sizes counted before building: exact counts, a memory upper bound, and the CLI's refusals.

`eqalg check` used to build the whole symmetry catalogue before any limit applied: --hidden 20000
grew past 18 GB. The size is now counted from the model's shape and too large a catalogue is
refused first. None of these tests builds a large catalogue: the refusals are checked with the
catalogue builders replaced by functions that fail the test.
"""

import gc
import shlex
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

import eqalg
from eqalg.cli import check as check_cli
from eqalg.cli import main
from eqalg.datasets import Dataset, load_dataset
from eqalg.models.deep_mlp import MLP
from eqalg.models.mlp import TwoLayerMLP
from eqalg.models.zoo import ZOO, conserved_generators, get_entry
from eqalg.transforms.linear import LinearGenerator

README = Path(__file__).resolve().parents[1] / "README.md"


def _one_feature(task="regression"):
    """Tabular data with a single input feature (the catalogue drops permute_inputs there)."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((12, 1))
    Y = np.eye(2)[rng.integers(0, 2, 12)] if task == "classification" else rng.standard_normal((12, 1))
    return Dataset("one-feature", X, Y, task, ("x",), ("a", "b") if task == "classification" else ("y",), "test")


_ACTS = ("relu", "leaky_relu", "tanh", "linear", "sigmoid")
CASES = (
    [("mlp", "iris", dict(hidden=h, depth=d, activation=a, bias=b))
     for a in _ACTS for h in (1, 2, 5) for d in (2, 3) for b in (True, False)]
    + [("mlp", "diabetes", dict(hidden=4, depth=d, activation=a)) for a in _ACTS for d in (2, 3)]
    + [("mlp", "one-feature", dict(hidden=3, depth=d, activation=a)) for a in _ACTS for d in (2, 3)]
    + [("deep-linear", "diabetes", dict(hidden=h, depth=d)) for h in (1, 3) for d in (2, 4)]
    + [("deep-linear", "one-feature", dict(hidden=2, depth=3))]
    + [("matrix-factorization", "synthetic-lowrank", dict(rank=r)) for r in (1, 2, 4)]
    + [("softmax", "wine", dict(bias=b)) for b in (True, False)]
    + [("softmax", "one-feature-classification", {})]
    + [("normalized-mlp", "iris", dict(hidden=h, depth=d, activation=a)) for a in ("tanh", "relu") for h in (1, 4)
       for d in (2, 3)]
    + [("normalized-mlp", "one-feature", dict(hidden=2, activation="relu"))]
    + [("attention", "synthetic-seq", dict(key_dim=k)) for k in (1, 2, 4)]
    + [("sigmoid-mlp", data, dict(hidden=h, depth=d)) for data in ("iris", "diabetes") for h in (1, 3) for d in (2, 3)]
)


def _data(name):
    if name == "one-feature":
        return _one_feature()
    if name == "one-feature-classification":
        return _one_feature("classification")
    return load_dataset(name)


@pytest.mark.parametrize("name,data,hp", CASES, ids=lambda x: str(x))
def test_counted_size_matches_the_built_catalogue(name, data, hp):
    entry = get_entry(name)
    model = entry.build(_data(data), **hp)
    size = entry.catalogue_size(model)
    assert size.parameters == model.space.size
    assert (size.symmetries, size.controls) == (len(model.symmetries()), len(model.controls()))
    own = getattr(model, "conserved_generators", None)
    assert size.conserved == (len(own()) if callable(own) else 0)


@pytest.mark.parametrize("activation", _ACTS)
@pytest.mark.parametrize("cls", ["mlp", "normalized-mlp"])
def test_conserved_generators_are_the_catalogues_symmetric_generators(cls, activation):
    # MLP and NormalizedMLP now build them directly instead of filtering a second catalogue
    model = get_entry(cls).build(load_dataset("iris"), hidden=3, depth=3, activation=activation)
    # symmetric linear generators (L4) and pure translations J = c (T2; iris is cross-entropy)
    old = {n for n, t in model.symmetries().items()
           if isinstance(t, LinearGenerator) and ((not t.is_affine and t.is_symmetric_matrix)
                                                  or (t.is_affine and t.form == "diagonal" and not np.any(t.matrix)))}
    assert set(model.conserved_generators()) == old
    assert any(n.startswith("translate_W3") for n in old) and "translate_b3" in old
    for name, t in model.conserved_generators().items():
        np.testing.assert_array_equal(t.to_dense(), model.symmetries()[name].to_dense())


def test_conserved_generators_reuse_a_built_catalogue(monkeypatch):
    model = TwoLayerMLP(eqalg.load_iris().X, eqalg.load_iris().Y, 3, "relu", "cross_entropy")
    catalogue = model.symmetries()
    expected = conserved_generators(model)
    monkeypatch.setattr(TwoLayerMLP, "symmetries", lambda self: pytest.fail("catalogue built twice"))
    got = conserved_generators(model, catalogue)
    assert list(got) == list(expected) and all(got[n] is catalogue[n] for n in got)


MEMORY_CASES = [("mlp", dict(hidden=150)), ("mlp", dict(hidden=150, activation="linear")),
                ("mlp", dict(hidden=150, activation="sigmoid")), ("mlp", dict(hidden=40, depth=4)),
                ("deep-linear", dict(hidden=10)), ("matrix-factorization", dict(rank=6)), ("softmax", {}),
                ("normalized-mlp", dict(hidden=150)), ("attention", dict(key_dim=4)),
                ("sigmoid-mlp", dict(hidden=40, depth=3))]


@pytest.mark.parametrize("name,hp", MEMORY_CASES, ids=lambda x: str(x))
def test_memory_estimate_is_an_upper_bound(name, hp):
    entry = get_entry(name)
    model = entry.build(load_dataset(entry.default_data), **hp)
    size = entry.catalogue_size(model)
    gc.collect()
    tracemalloc.start()
    try:
        catalogue = model.symmetries()                 # as eqalg check builds them
        built = (catalogue, model.controls(), conserved_generators(model, catalogue))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(built[0]) + len(built[1]) == size.transformations
    assert peak <= size.nbytes, f"{peak} bytes measured, {size.nbytes} estimated"
    assert peak >= size.nbytes / 8, "estimate far too pessimistic"        # it would refuse runs that fit


def _refuse_building(monkeypatch):
    """Make every catalogue builder fail the test: a refusal must come before any of them runs."""
    for cls in {e.model_class for e in ZOO.values()} | {TwoLayerMLP, MLP}:
        for method in ("symmetries", "controls"):
            monkeypatch.setattr(cls, method, lambda self: pytest.fail("the catalogue was built before the refusal"))


@pytest.mark.parametrize("argv,needles", [
    # the reviewer's reproductions: 18 GB, a MemoryError after 47 s, a misleading SuperLU error after 85 s
    (["--hidden", "20000", "--steps", "10"], ["--hidden 20000 (--depth 2)", "60005 transformations",
                                              "160003 parameters", "GiB", "at most 2 GiB"]),
    (["--model", "deep-linear", "--hidden", "300"], ["--hidden 300 (--depth 3)", "93300 parameters", "GiB"]),
    (["--model", "sigmoid-mlp", "--hidden", "5000"], ["--hidden 5000", "GiB"]),
    # --only does not help: the whole catalogue is built before it selects, and the message says so
    (["--hidden", "5000", "--only", "rescale[0]"], ["--hidden 5000", "before --only selects"]),
    # within memory but too many checks: refused before building, pointing at --only
    (["--hidden", "1000"], ["--hidden 1000", "3005 transformations", "24040 checks", "at most 20000", "--only"]),
    (["--model", "deep-linear", "--depth", "16", "--hidden", "12"], ["--depth 16, --hidden 12", "--only"]),
])
def test_large_catalogues_are_refused_before_they_are_built(argv, needles, monkeypatch, capsys):
    _refuse_building(monkeypatch)
    assert main(["check", *argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("eqalg check: error: --")
    for needle in needles:
        assert needle in err[0]


def test_only_narrows_a_catalogue_that_fits_in_memory(monkeypatch, tmp_path, capsys):
    # with fewer allowed checks the default catalogue (29 transformations, 232 checks) is refused
    # before it is built, but --only may still narrow it: it fits in memory
    monkeypatch.setattr(check_cli, "MAX_CHECKS", 100)
    assert main(["check", "--steps", "5", "--quiet"]) == 2
    assert ("--depth 2, --hidden 8: the symmetry catalogue would have about 29 transformations on 67 parameters, "
            "232 checks with --backend both; at most 100") in capsys.readouterr().err
    assert main(["check", "--steps", "5", "--quiet", "--only", "rescale[0]"]) == 0
    # negative control of the memory budget: the same run refused when the budget is tiny
    monkeypatch.setattr(check_cli, "MAX_CATALOGUE_BYTES", 10 ** 5)
    assert main(["check", "--steps", "5", "--quiet", "--only", "rescale[0]"]) == 2
    assert "before --only selects" in capsys.readouterr().err


def test_softmax_names_the_data_set(monkeypatch, capsys):
    monkeypatch.setattr(check_cli, "MAX_CATALOGUE_BYTES", 10 ** 4)
    assert main(["check", "--model", "softmax", "--steps", "5"]) == 2
    err = capsys.readouterr().err
    assert "error: --data wine: the symmetry catalogue would have about 16 transformations on 42 parameters" in err
    assert "data with fewer features" in err


def _readme_check_commands():
    out, fenced = [], False
    for line in README.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif fenced and line.startswith("eqalg check"):
            out.append(shlex.split(line.split(" #")[0])[2:])
    return out


def test_defaults_and_readme_examples_are_within_the_limits():
    from eqalg.cli import build_parser

    commands = _readme_check_commands()
    assert len(commands) >= 10
    for argv in [[]] + [[f"--model={name}"] for name in ZOO] + commands:
        if "mydata.csv" in argv:
            continue                                        # a placeholder, not a file
        args = build_parser().parse_args(["check", *argv])
        entry = get_entry(args.model)
        given = {name: getattr(args, name) for name in check_cli.hyperparameter_options()}
        hp = entry.resolve(given)
        ds = load_dataset(args.data or entry.default_data)
        model = entry.build(ds, **hp)
        check_cli._check_catalogue_size(entry, hp, given, ds, model, args.backend, args.only)   # raises if refused


def test_running_out_of_memory_anyway_is_a_one_line_error(monkeypatch, capsys):
    # the limits are estimates: a MemoryError that still happens gets no traceback
    def out_of_memory(**kwargs):
        raise MemoryError("matrix: out of memory in the sparse LU of a 9x9 matrix")
    monkeypatch.setattr(check_cli, "check_job", out_of_memory)
    assert main(["check"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["eqalg check: error: out of memory (matrix: out of memory in the sparse LU of a 9x9 matrix); "
                   "use smaller hyperparameters or data, or the Python API"]


def test_the_readme_quotes_the_current_message(capsys):
    text = " ".join(README.read_text(encoding="utf-8").split())
    assert main(["check", "--hidden", "20000", "--steps", "10"]) == 2
    message = capsys.readouterr().err.split("error: ", 1)[1].split("; at most")[0]
    assert message in text
