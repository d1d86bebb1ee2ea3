"""`eqalg check --no-bias` (homogeneity rows, norm law) and `--tied` / `--zeroed` (symmetric points)."""

import json

import numpy as np
import pytest

import eqalg.predictions.symmetric_points as symmetric_points
from eqalg.cli import main
from eqalg.cli.check import check_job
from eqalg.errors import InvalidValueError
from eqalg.models.mlp import TwoLayerMLP

SYMMETRIC_KEYS = {"subgroup", "dim_fixed", "irreducible_dims", "predicted_multiplicities", "measured_multiplicities",
                  "off_block_norm", "gradient_in_fixed", "passed"}


def _run(tmp_path, *argv):
    path = tmp_path / "report.json"
    status = main(["check", *argv, "--json", str(path), "--quiet"])
    return status, json.loads(path.read_text())


def test_no_bias_adds_homogeneity_rows_and_the_norm_law(tmp_path, capsys):
    status, report = _run(tmp_path, "--no-bias", "--steps", "200", "--backend", "analytic")
    assert status == 0 and report["summary"]["ok"] is True
    assert report["model"]["bias"] is False and report["model"]["parameters"] == 4 * 8 + 8 * 3
    rows = [c for c in report["checks"] if c["transformation"].startswith("homogeneity")]
    assert {c["kind"] for c in rows} == {"equivariance"}
    labels = {c["label"] for c in rows if c["transformation"] == "homogeneity" and not c["control"]}
    assert {"M1", "M2", "M3", "M4"} <= labels                      # Euler: θᵀ∇f = 2f, ∇²f θ = ∇f, rate law
    assert all(c["passed"] for c in rows if not c["control"])
    controls = {c["transformation"] for c in rows if c["control"]}
    assert {"homogeneity(k=1)", "homogeneity(k=3)"} <= controls
    assert all(c["passed"] is False for c in rows if c["control"])
    law = [c for c in report["conservation"] if c["quantity"].startswith("1/2|theta|^2")]
    assert len(law) == 1 and law[0]["passed"] and law[0]["relative_error"] < 1e-10
    assert report["symmetric_points"] == [] and report["summary"]["symmetric_points"] == 0
    assert "no biases" not in capsys.readouterr().out                # --quiet prints the summary only


def test_no_bias_without_homogeneity_has_no_rows(tmp_path):
    status, report = _run(tmp_path, "--no-bias", "--activation", "tanh", "--steps", "50", "--backend", "analytic")
    assert status == 0
    assert not any(c["transformation"].startswith("homogeneity") for c in report["checks"])


@pytest.mark.parametrize("flag,subgroup,order", [("--tied", "S3[0,1,2]", 6), ("--zeroed", "B2[6,7]", 8)])
def test_symmetric_point_section(tmp_path, flag, subgroup, order):
    count = "3" if flag == "--tied" else "2"
    status, report = _run(tmp_path, "--activation", "tanh", flag, count, "--steps", "150", "--backend", "analytic")
    assert status == 0 and report["summary"]["ok"] is True
    entries = report["symmetric_points"]
    assert [e["point"] for e in entries] == ["init", "trained"]
    assert report["summary"]["symmetric_points"] == 2 == report["summary"]["symmetric_points_pass"]
    for e in entries:
        assert SYMMETRIC_KEYS <= set(e)
        assert e["subgroup"] == subgroup and e["order"] == order and e["irreducible_dims"] == [1, 2]
        assert e["dim_fixed"] == 67 - 16 and e["predicted_multiplicities"] == {"1": 51, "2": 8}
        assert sum(int(m) * n for m, n in e["measured_multiplicities"].items()) == 67
        assert e["off_block_norm"] < 1e-10 and e["gradient_in_fixed"] is True and e["passed"] is True
        assert e["point_fixed"] is True                                 # training stayed in Fix(K) (D4)


def test_relu_tied_point_and_text_output(capsys):
    assert main(["check", "--tied", "4", "--steps", "100", "--backend", "analytic"]) == 0
    out = capsys.readouterr().out
    assert "symmetric points" in out and "S4[0,1,2,3]" in out and "2/2 symmetric points pass" in out
    assert out.rstrip().endswith("OK")


@pytest.mark.parametrize("argv,needle", [
    (["check", "--zeroed", "2"], "zeroed"),                          # relu is not odd
    (["check", "--tied", "1"], "tied (--tied): expected 0 (none) or an integer in [2, 8] (8 hidden units), got 1"),
    (["check", "--tied", "9"], "tied (--tied): expected 0 (none) or an integer in [2, 8]"),
    (["check", "--tied", "-1"], "--tied: expected an integer (0 = none) between 0 and"),
    (["check", "--hidden", "1", "--tied", "2"], "tied (--tied): expected 0 (none) (the network has 1 hidden unit; 2 are"),
    (["check", "--activation", "tanh", "--zeroed", "-1"], "--zeroed"),
])
def test_bad_symmetric_point_options(argv, needle, capsys):
    assert main(argv + ["--steps", "5"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and needle in err[0]


def test_tied_and_zeroed_zero_mean_none_as_the_messages_say(capsys):
    # every message offers 0 (none): the command line accepts it, as the default
    assert main(["check", "--tied", "0", "--zeroed", "0", "--steps", "5", "--quiet", "--backend", "analytic"]) == 0
    assert "symmetric points" not in capsys.readouterr().out


def test_repeated_neurons_are_named_as_the_problem():
    model = TwoLayerMLP(np.eye(3), np.eye(3), 4, "tanh")
    theta = model.init_params(np.random.default_rng(0))
    for method in (model.zero_neurons, model.tie_neurons):
        with pytest.raises(InvalidValueError, match=r"expected distinct neurons, got \[1, 1\] \(neuron 1 repeated\)"):
            method(theta, [1, 1])
    with pytest.raises(InvalidValueError, match=r"expected at least 2 neurons, got \[1\]"):
        model.tie_neurons(theta, [1])
    assert np.array_equal(*np.split(model.space.unflatten(model.tie_neurons(theta, [1, 2]))["W1"][1:3], 2))


def test_a_failing_symmetric_point_fails_the_run(monkeypatch, capsys):
    # negative control: a generic point with a subgroup that does not fix it
    monkeypatch.setattr(TwoLayerMLP, "tie_neurons", lambda self, theta, neurons: np.array(theta, dtype=float))
    monkeypatch.setattr(symmetric_points, "point_stabilizer",
                        lambda rho, theta: rho.group.subgroup([rho.group.generators[0]]))
    assert main(["check", "--activation", "tanh", "--tied", "3", "--steps", "20", "--backend", "analytic"]) == 1
    out = capsys.readouterr().out
    assert "unexpected: symmetric point init" in out and out.rstrip().endswith("FAILED")


def test_check_job_python_api():
    report = check_job(activation="tanh", hidden=5, steps=30, backend="analytic", tied=2, zeroed=1)
    assert report.ok and len(report.symmetric_points) == 4
    assert {e["construction"] for e in report.symmetric_points} == {"tied [0, 1]", "zeroed [4]"}
    assert report.to_dict()["symmetric_points"] == report.symmetric_points
