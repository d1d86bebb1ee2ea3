"""``eqalg algebra``: presets, printed summary, JSON keys, bad usage."""

import json

import pytest

from eqalg.cli import main

FAST = ["--steps", "60", "--samples", "48"]


def run(argv, tmp_path, capsys):
    path = tmp_path / "out.json"
    code = main(["algebra", *argv, *FAST, "--json", str(path)])
    out = capsys.readouterr()
    return code, json.loads(path.read_text()) if code == 0 else None, out


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
