"""``eqalg algebra``: presets, printed summary, JSON keys, bad usage."""

import json

import pytest

import eqalg.errors

from eqalg.cli import main

FAST = ["--steps", "60", "--samples", "48"]


def run(argv, tmp_path, capsys):
    path = tmp_path / "out.json"
    code = main(["algebra", *argv, *FAST, "--json", str(path)])
    out = capsys.readouterr()
    # strict JSON: NaN / Infinity are not JSON (an exact closure's gap was written as Infinity)
    strict = {"parse_constant": lambda c: (_ for _ in ()).throw(ValueError(f"non-JSON constant {c}"))}
    return code, json.loads(path.read_text(), **strict) if code == 0 else None, out


def test_matrix_factorization_preset(tmp_path, capsys):
    code, r, out = run(["--model", "matrix-factorization", "--shape", "6", "5", "--rank", "2"], tmp_path, capsys)
    assert code == 0
    # GL(2): dim 4, 3 conserved quantities (entries of UᵀU − VᵀV), orbit r², count r(r+1)/2 (Marcotte et al. 2023)
    assert r["dim"] == 4 and len(r["conserved_quantities"]) == 3
    assert r["orbit_dimension"] == {"random": 4, "trained": 4}
    assert r["conservation_law_count"] == 3
    assert all(q["kind"] == "quadratic" and q["relative_error"] < 1e-9 for q in r["conserved_quantities"])
    assert "conservation-law count" in out.out and "summary: dim 4" in out.out


def test_relu_mlp_preset(tmp_path, capsys):
    code, r, _ = run(["--model", "mlp", "--activation", "relu", "--inputs", "3", "--hidden", "4", "--outputs", "2"],
                     tmp_path, capsys)
    assert code == 0
    # per-neuron rescalings: abelian, h conserved quantities, h laws (Marcotte et al. 2023)
    assert r["dim"] == 4 and r["is_abelian"] and len(r["conserved_quantities"]) == 4
    assert r["orbit_dimension"]["random"] == 4 and r["conservation_law_count"] == 4


def test_linear_mlp_preset_has_gl_h(tmp_path, capsys):
    code, r, _ = run(["--model", "mlp", "--activation", "linear", "--inputs", "4", "--hidden", "2", "--outputs", "3"],
                     tmp_path, capsys)
    assert code == 0
    assert r["dim"] == 4 and len(r["conserved_quantities"]) == 3 and r["conservation_law_count"] == 3


def test_softmax_preset(tmp_path, capsys):
    code, r, _ = run(["--model", "softmax", "--inputs", "3", "--classes", "4"], tmp_path, capsys)
    assert code == 0
    assert r["dim"] == 4 and r["is_abelian"]
    assert [q["kind"] for q in r["conserved_quantities"]] == ["linear"] * 4
    assert r["orbit_dimension"] == {"random": 4, "trained": 4} and r["conservation_law_count"] == 4


def test_tanh_has_no_continuous_symmetry_and_no_count(tmp_path, capsys):
    code, r, out = run(["--model", "mlp", "--activation", "tanh", "--hidden", "3"], tmp_path, capsys)
    assert code == 0
    assert r["dim"] == 0 and r["conserved_quantities"] == [] and r["conservation_law_count"] is None
    assert "not computed" in out.out


@pytest.mark.parametrize("argv", [
    ["--model", "mlp", "--rank", "3"],                        # option of another preset
    ["--model", "softmax", "--hidden", "3"],
    ["--model", "softmax", "--classes", "1"],
    ["--model", "matrix-factorization", "--shape", "4"],      # needs two numbers
    ["--model", "mf"],
    ["--model", "mlp", "--steps", "0"],
    ["--model", "mlp", "--activation", "swish"],
    ["--model", "mlp", "--rtol", "nan"],
    ["--seed", "-1"],                                         # was a numpy traceback
    ["--model", "matrix-factorization", "--rank", "7"],       # above min(n, m) = 6 of the 8x6 preset
])
def test_bad_usage_is_one_line_and_exit_2(argv, capsys):
    assert main(["algebra", *argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("eqalg algebra: error:")


# -- size limits: refused before anything large is built ------------------------------------------------------
# The reviewer's cases (each ran > 120 s, ran out of memory or printed a traceback). They must fail at once: the
# limits are checked from the options alone, before the data, the model or any generator exists.
@pytest.mark.parametrize("argv, names", [
    (["--model", "mlp", "--activation", "linear", "--hidden", "30"], "--hidden"),
    (["--model", "mlp", "--hidden", "256", "--inputs", "20"], "--hidden"),
    (["--model", "softmax", "--inputs", "200", "--classes", "50"], "--classes"),
    (["--samples", "1000000"], "--samples"),
    (["--model", "matrix-factorization", "--shape", "100", "100", "--rank", "20"], "--rank"),
    (["--model", "mlp", "--activation", "linear", "--hidden", "200"], "--hidden"),
    (["--model", "matrix-factorization", "--shape", "1000000", "1000000", "--rank", "1"], "--shape"),
    (["--model", "mlp", "--hidden", "1000000"], "--hidden"),
    (["--model", "mlp", "--hidden", "2000", "--inputs", "50"], "--hidden"),
    (["--model", "matrix-factorization", "--shape", "50", "50", "--rank", "10"], "--no-count"),
    (["--model", "mlp", "--hidden", "6", "--inputs", "40"], "--no-count"),      # was 100 s, and a wrong count
])
def test_oversized_runs_are_refused_upfront(argv, names, capsys, monkeypatch):
    import eqalg.cli.algebra as cli

    def never(*a, **k):
        raise AssertionError("the limits must be checked before the model is built")

    monkeypatch.setattr(cli, "_build", never)
    assert main(["algebra", *argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("eqalg algebra: error: ") and "limit" in err[0] and names in err[0]
    assert "max_dim" not in err[0] and "Traceback" not in err[0]


def test_limits_allow_the_presets_and_name_the_binding_option():
    import eqalg.cli.algebra as cli

    for model in cli.MODELS:                                   # negative control: every default passes
        o = cli._resolve(model, {})
        o["samples"] = 64
        cli._check_limits(model, o, True)
    o = cli._resolve("mlp", {"hidden": 256, "inputs": 20, "steps": 100})
    o["samples"] = 64
    cli._check_limits("mlp", o, False)                         # without the count it fits
    with pytest.raises(eqalg.errors.InvalidValueError, match=r"conservation-law count .* limit .*--no-count"):
        cli._check_limits("mlp", o, True)


@pytest.mark.parametrize("model, kw", [
    ("mlp", {}), ("mlp", {"activation": "linear", "hidden": 5}), ("mlp", {"activation": "leaky_relu", "inputs": 3}),
    ("matrix-factorization", {"shape": (5, 4), "rank": 2}), ("softmax", {"inputs": 3, "classes": 4}),
])
def test_plan_bounds_the_actual_sizes(model, kw):
    # the limits rest on these predictions: the algebras may never be larger than planned
    import eqalg.cli.algebra as cli

    r = cli.algebra_job(model=model, samples=24, steps=3, **kw)
    o = cli._resolve(model, dict(kw))
    o["samples"] = 24
    plan = cli._plan(model, o, True)
    assert plan["parameters"] == r["model"]["parameters"]
    assert plan["symmetry"]["dim"] == r["dim"] and plan["quantities"] >= len(r["conserved_quantities"])
    c = r["conservation_count"]
    assert c["algebra_dim"] <= plan["count"]["dim"]
    assert c["closure"]["levels"] and c["fields"] <= plan["count"]["fields"]


def test_size_failures_inside_the_run_are_one_line(monkeypatch, capsys):
    import eqalg.cli.algebra as cli
    from eqalg.transforms import _closure

    # a basis limit the upfront estimate did not foresee: one line naming the options, not max_dim
    monkeypatch.setattr(_closure, "MEMORY_LIMIT", 20000)
    assert main(["algebra", "--hidden", "3", *FAST]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "is too large" in err[0] and "--hidden" in err[0]
    assert "max_dim" not in err[0] and "rtol" not in err[0]
    monkeypatch.undo()

    def oom(*a, **k):
        raise MemoryError("Unable to allocate 29.8 GiB")

    monkeypatch.setattr(cli, "conservation_law_count", oom)
    assert main(["algebra", *FAST]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "ran out of memory" in err[0] and "--no-count" in err[0]


def test_no_count_skips_the_count(tmp_path, capsys):
    code, r, out = run(["--no-count"], tmp_path, capsys)
    assert code == 0 and r["conservation_law_count"] is None
    assert r["conservation_count"] == {"skipped": "--no-count"}
    assert r["conservation_count_check"]["status"] == "not computed" and "skipped: --no-count" in out.out


# -- is the count valid for every data set? ----------------------------------------------------------------------
@pytest.mark.parametrize("argv, count, enlarged", [
    (["--samples", "10"], 7, 6),                                  # one law per hidden neuron: 6
    (["--samples", "1"], 42, 33),
    (["--model", "softmax", "--samples", "1"], 13, 11),           # d + 1 = 5 translation laws
])
def test_too_few_samples_are_flagged_not_labelled_every_data_set(argv, count, enlarged, tmp_path, capsys):
    path = tmp_path / "out.json"
    assert main(["algebra", *argv, "--steps", "20", "--json", str(path)]) == 0
    r, out = json.loads(path.read_text()), capsys.readouterr()
    chk = r["conservation_count_check"]
    assert r["conservation_law_count"] == count and chk["enlarged_count"] == enlarged
    assert chk["status"] == "unstable" and chk["trusted"] is False and "--samples" in chk["message"]
    assert "every data set and loss" not in out.out and "NOT every data set" in out.out
    assert f"conservation-law count {count} (unstable: {enlarged} with" in out.out
    assert "warning" in out.err and out.err.count("\n") == 1


def test_enough_samples_are_checked_and_trusted(tmp_path, capsys):
    # negative control of the above: the default 64 samples give 6, and 64 fresh ones change nothing
    path = tmp_path / "out.json"
    assert main(["algebra", "--steps", "20", "--json", str(path)]) == 0
    r, out = json.loads(path.read_text()), capsys.readouterr()
    chk = r["conservation_count_check"]
    assert r["conservation_law_count"] == 6 and chk == {**chk, "status": "stable", "trusted": True, "enlarged_count": 6,
                                                         "samples": 64, "check_samples": 64}
    assert "every data set and loss" in out.out and out.err == ""
    assert r["conservation_count"]["stable"] is True
    # factorization: all n*m entries are observed, exact without a check
    code, r, _ = run(["--model", "matrix-factorization", "--shape", "5", "4", "--rank", "2"], tmp_path, capsys)
    assert r["conservation_count_check"]["status"] == "exact" and r["conservation_count_check"]["trusted"] is True


def test_a_size_failure_of_the_count_is_an_error_not_n_a(monkeypatch, capsys):
    # was: caught as "unsupported" and reported as count n/a after 117 s (--shape 50 50 --rank 10)
    import eqalg.cli.algebra as cli
    from eqalg.errors import AlgebraTooLargeError

    def too_large(*a, **k):
        raise AlgebraTooLargeError("generators: the Lie algebra's basis would exceed 1 GiB", "pass max_dim")

    monkeypatch.setattr(cli, "conservation_law_count", too_large)
    assert main(["algebra", "--model", "matrix-factorization", "--shape", "5", "4", "--rank", "2", *FAST]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "basis would exceed 1 GiB" in err[0] and "--shape" in err[0] and "--no-count" in err[0]
    assert "max_dim" not in err[0]
