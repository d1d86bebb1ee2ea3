"""`eqalg check`: defaults, options, JSON report, exit statuses, one-line errors."""

import json
import subprocess
import sys

import numpy as np
import pytest

import eqalg
from eqalg.cli import main
from eqalg.models.mlp import TwoLayerMLP

CHECK_KEYS = {"transformation", "kind", "constraint", "order", "backend", "point", "residual", "scale",
              "tolerance", "passed", "control", "fd_error", "status", "evaluations", "seconds"}


def test_default_run_passes(capsys):
    assert main(["check"]) == 0
    out = capsys.readouterr().out
    assert "activation relu" in out and "data: iris (150 samples" in out
    for name in ("rescale[0]", "swap[0,1]", "flip[0]", "rotate[0,1]", "permute_inputs[0,1]"):
        assert name in out
    assert "Q[rescale[7]]" in out and out.rstrip().endswith("OK")


def test_tanh_json_report(tmp_path, capsys):
    path = tmp_path / "report.json"
    argv = ["check", "--activation", "tanh", "--hidden", "8", "--steps", "300", "--lr", "0.05", "--seed", "0",
            "--backend", "both", "--json", str(path), "--quiet"]
    assert main(argv) == 0
    report = json.loads(path.read_text())
    assert {"model", "data", "checks", "conservation", "summary", "training"} <= set(report)
    assert report["model"]["activation"] == "tanh" and report["model"]["parameters"] == 67
    assert report["data"]["name"] == "iris" and report["data"]["n_samples"] == 150
    checks = report["checks"]
    assert all(CHECK_KEYS <= set(c) for c in checks)
    assert {c["point"] for c in checks} == {"init", "trained"}
    assert {c["backend"] for c in checks} == {"analytic", "finite-difference"}
    names = {c["transformation"] for c in checks}
    assert {"flip[0]", "swap[0,1]", "rescale[0]", "rotate[0,1]"} <= names   # rescale/rotate are controls here
    assert all(c["passed"] is (not c["control"]) for c in checks)
    assert {c["transformation"] for c in checks if c["control"]} >= {"rescale[0]", "rotate[0,1]"}
    # tanh has no rescalings; the cross-entropy head's 8 + 1 translations are tracked (T2)
    assert sorted(c["quantity"] for c in report["conservation"]) == sorted(
        [f"Q[translate_W2[:,{j}]]" for j in range(8)] + ["Q[translate_b2]"])
    assert all(c["passed"] and abs(c["measured_drift"]) <= c["tolerance"] for c in report["conservation"])
    assert report["summary"]["ok"] is True
    assert "summary:" in capsys.readouterr().out


def test_conservation_entries_in_json(tmp_path):
    path = tmp_path / "r.json"
    assert main(["check", "--steps", "200", "--backend", "analytic", "--json", str(path), "--quiet"]) == 0
    cons = [c for c in json.loads(path.read_text())["conservation"] if "rescale" in c["quantity"]]
    assert len(cons) == 8
    for c in cons:
        assert {"quantity", "start", "end", "measured_drift", "predicted_drift"} <= set(c)
        assert c["end"] - c["start"] == pytest.approx(c["measured_drift"])
        assert c["measured_drift"] == pytest.approx(c["predicted_drift"], rel=1e-9, abs=1e-15)


def test_exit_status_1_when_a_control_holds(monkeypatch, capsys):
    # declare a true symmetry as a "control": its identities hold, so the run must fail
    monkeypatch.setattr(TwoLayerMLP, "controls", lambda self: {"swap[0,1]": self.transposition(0, 1)})
    assert main(["check", "--steps", "50", "--quiet"]) == 1
    out = capsys.readouterr().out
    assert "unexpected" in out and out.rstrip().endswith("FAILED")


@pytest.mark.parametrize("argv,needle", [
    (["check", "--activation", "swish"], "--activation"),
    (["check", "--data", "mnist"], "--data"),
    (["check", "--backend", "symbolic"], "--backend"),
    (["check", "--steps", "0"], "--steps"),
    (["check", "--steps", "-3"], "--steps"),
    (["check", "--lr", "0"], "--lr"),
    (["check", "--lr", "-0.1"], "--lr"),
    (["check", "--lr", "nan"], "--lr"),
    (["check", "--hidden", "two"], "--hidden"),
    (["check", "--bogus"], "unrecognized"),
    (["check", "--seed", "-1"], "--seed"),
    (["check", "--steps", "2000000000000000000000"], "--steps"),
    (["check", "--hidden", "99999999999999"], "--hidden"),
    (["check", "--hidden", "1000", "--steps", "5"], "--only"),
    (["check", "--json", "/nonexistent/dir/r.json"], "--json"),
    (["check", "--json", ""], "--json"),
    (["check", "--only", "no-such-transformation"], "only"),
    (["check", "--model", "deep-linear", "--depth", "80"], "depth"),
    (["nonsense"], "invalid choice"),
])
def test_bad_usage_is_one_line_and_status_2(argv, needle, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and needle in err[0] and err[0].startswith("eqalg")


def test_diverging_training_is_a_usage_error(capsys):
    assert main(["check", "--lr", "1e6", "--steps", "50"]) == 2
    assert "diverged" in capsys.readouterr().err


def test_console_entry_point_has_no_traceback():
    proc = subprocess.run([sys.executable, "-m", "eqalg", "check", "--steps", "0"], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_only_selects_transformations_and_json_is_validated_before_the_run(tmp_path, capsys):
    path = tmp_path / "r.json"
    assert main(["check", "--only", "rescale[0]", "--only", "swap*", "--steps", "50", "--quiet",
                 "--json", str(path)]) == 0
    names = {c["transformation"] for c in json.loads(path.read_text())["checks"]}
    assert names == {"rescale[0]", "(model derivatives)"} | {f"swap[{j},{j + 1}]" for j in range(7)}
    assert main(["check", "--json", str(tmp_path), "--steps", "5"]) == 2      # a directory, refused at once
    assert "directory" in capsys.readouterr().err


def test_degenerate_training_is_explained(capsys, tmp_path):
    # a huge step kills ReLUs: controls then genuinely hold, and the report says why
    path = tmp_path / "r.json"
    assert main(["check", "--lr", "10", "--quiet", "--json", str(path)]) == 1
    out = capsys.readouterr().out
    assert "warning: training did not lower the loss" in out and "zero on every sample" in out
    assert len(json.loads(path.read_text())["warnings"]) == 2


def test_only_patterns_treat_brackets_literally(tmp_path):
    path = tmp_path / "r.json"
    assert main(["check", "--model", "mlp", "--depth", "3", "--only", "rescale[1]*", "--steps", "20",
                 "--backend", "analytic", "--quiet", "--json", str(path)]) == 0
    names = {c["transformation"] for c in json.loads(path.read_text())["checks"]} - {"(model derivatives)"}
    assert names and all(n.startswith("rescale[1][") for n in names)


@pytest.mark.parametrize("argv,needle", [
    # only the options given are named
    (["--task", "regression"], "error: task (--task): applies only to CSV files, not to the data set 'iris'"),
    (["--target", "species"], "error: target (--target): applies only to CSV files"),
    (["--target", "species", "--task", "regression"], "error: target (--target), task (--task): apply only"),
    # the loss is blamed, not the targets Y, and the fix is phrased for both interfaces
    (["--data", "diabetes", "--loss", "cross_entropy"],
     "error: loss (--loss): cross_entropy needs classification data (one-hot targets); 'diabetes' is a regression data set: "
     "use --loss mse (loss='mse' in Python)"),
    (["--model", "sigmoid-mlp", "--data", "diabetes", "--loss", "cross_entropy"], "error: loss (--loss): cross_entropy"),
])
def test_usage_errors_name_what_was_given(argv, needle, capsys):
    assert main(["check", *argv, "--steps", "5"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and needle in err[0]


def test_cross_entropy_on_non_probability_targets_names_the_loss():
    ds = eqalg.load_diabetes()
    with pytest.raises(eqalg.errors.InvalidValueError, match="loss: cross_entropy expects targets Y .* use loss='mse'"):
        TwoLayerMLP(ds.X, ds.Y, 3, "tanh", "cross_entropy")
    assert main(["check", "--data", "diabetes", "--loss", "mse", "--steps", "5", "--quiet"]) == 0   # control


def test_a_step_too_small_is_not_called_too_large(tmp_path, capsys):
    # --lr 1e-300 leaves θ unchanged (θ − lr g == θ); it warned "the step size may be too large"
    path = tmp_path / "r.json"
    assert main(["check", "--lr", "1e-300", "--steps", "20", "--quiet", "--json", str(path)]) == 0
    warnings = json.loads(path.read_text())["warnings"]
    assert any("training did not change the loss" in w and "(lr 1e-300) is too small" in w for w in warnings)
    assert not any("too large" in w for w in warnings)
    # control: a loss that rose still points at a large step
    assert main(["check", "--lr", "10", "--quiet", "--json", str(path)]) == 1
    assert any("did not lower the loss" in w and "may be too large" in w for w in json.loads(path.read_text())["warnings"])


@pytest.mark.parametrize("command", [["check"], ["algebra"]])
def test_weight_decay_that_diverges_is_refused_before_training(command, monkeypatch, capsys):
    # --weight-decay 1e10 drove the loss to 3.9e173 without a divergence error, leaking an overflow warning
    import warnings

    from eqalg.cli import check as check_cli
    monkeypatch.setattr(check_cli, "gradient_descent", lambda *a, **k: pytest.fail("trained"))
    monkeypatch.setattr("eqalg.cli.algebra.gradient_descent", lambda *a, **k: pytest.fail("trained"))
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        assert main([*command, "--weight-decay", "1e10", "--steps", "10"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "weight_decay (--weight-decay): 1e+10 with lr 0.05" in err[0]
    assert "1 − lr·λ = -5e+08" in err[0] and "a weight decay below 40" in err[0]


def test_finite_divergence_is_reported(monkeypatch, capsys):
    from eqalg.cli import check as check_cli
    from eqalg.dynamics import TrainingDivergedError
    with pytest.raises(TrainingDivergedError, match="the loss grew from 1 to 1e\\+07 in 1 steps; lower lr"):
        check_cli.check_not_diverged(np.array([1.0, 1e7]), 0.1, 0.0)
    check_cli.check_not_diverged(np.array([1.0, 1e5]), 0.1, 0.0)         # control: growth, not divergence
    check_cli.check_not_diverged(np.array([1e-3, 1e5]), 0.1, 0.0)
    # end to end: --lr 10 raises the loss 1.001 -> 1.04; with a 1.01-fold threshold that is divergence
    monkeypatch.setattr(check_cli, "DIVERGENCE_FACTOR", 1.01)
    assert main(["check", "--lr", "10", "--weight-decay", "0.01", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "training diverged: the loss grew from 1.001 to" in err and "or the weight decay (now 0.01)" in err


def test_readme_and_help_give_the_depth_limit(capsys):
    from pathlib import Path

    from eqalg.models.zoo import MAX_DEPTH
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert f"`--depth` at most {MAX_DEPTH}, the other integer hyperparameters at most\n  10⁶" in readme
    with pytest.raises(SystemExit):
        main(["check", "--help"])
    assert f"at most {MAX_DEPTH})" in " ".join(capsys.readouterr().out.split())
    assert main(["check", "--depth", str(MAX_DEPTH + 1)]) == 2
    assert f"depth (--depth): expected at most {MAX_DEPTH}" in capsys.readouterr().err


def _continuous_csv(tmp_path, y):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((len(y), 3))
    path = tmp_path / "cont.csv"
    np.savetxt(path, np.c_[X, y], delimiter=",", header="a,b,c,y", comments="")
    return path


def test_classification_of_a_continuous_target(tmp_path, capsys):
    # --task classification on 60 distinct values made 60 one-sample classes, silently
    y = np.random.default_rng(1).standard_normal(60)
    path = _continuous_csv(tmp_path, y)
    assert main(["check", "--data", str(path), "--task", "classification", "--steps", "5"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and ("error: task (--task): classification of the target column 'y' of "
                              f"{str(path)!r} would make 60 classes of a single sample each (all 60 values are "
                              "distinct)") in err[0] and "--task regression" in err[0]
    # mostly one-sample classes: a warning in the report
    path = _continuous_csv(tmp_path, np.r_[np.round(y[:40]), y[40:]])
    report = tmp_path / "r.json"
    assert main(["check", "--data", str(path), "--task", "classification", "--hidden", "2", "--steps", "5",
                 "--quiet", "--json", str(report)]) in (0, 1)
    warnings = json.loads(report.read_text())["warnings"]
    assert any(w.startswith("target column 'y' (classification): ") and "--task regression" in w for w in warnings)
    # control: numeric class labels with several samples each give no such warning
    path = _continuous_csv(tmp_path, np.arange(60) % 3)
    assert main(["check", "--data", str(path), "--task", "classification", "--hidden", "2", "--steps", "5",
                 "--quiet", "--json", str(report)]) in (0, 1)
    assert not any("target column" in w for w in json.loads(report.read_text())["warnings"])


def test_classification_of_an_identifier_column(tmp_path, capsys):
    path = tmp_path / "people.csv"
    path.write_text("a,b,name\n1,2,ann\n2,1,bob\n3,5,cy\n4,4,dee\n")
    assert main(["check", "--data", str(path), "--steps", "5"]) == 2
    err = capsys.readouterr().err
    assert "would make 4 classes of a single sample each (all 4 labels are distinct)" in err
    assert "is it a label column? choose one with --target" in err


def test_csv_task_mismatch_suggests_task_option(tmp_path, capsys):
    path = tmp_path / "binary.csv"
    path.write_text("a,b,y\n1,2,0\n2,3,1\n3,1,0\n4,4,1\n5,2,0\n")
    assert main(["check", "--model", "softmax", "--data", str(path), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "needs a classification data set" in err and "--task classification" in err
    assert main(["check", "--model", "softmax", "--data", str(path), "--task", "classification", "--quiet"]) == 0


def test_csv_numeric_labels_read_as_regression_are_flagged(tmp_path, capsys):
    path = tmp_path / "labels.csv"
    path.write_text("a,b,y\n1,2,0\n2,3,1\n3,1,0\n4,4,0\n5,2,0\n6,1,1\n")
    main(["check", "--data", str(path), "--quiet"])
    assert "has only 2 distinct values in 6 rows and was read as regression" in capsys.readouterr().out
    main(["check", "--data", str(path), "--quiet", "--task", "regression"])     # the user chose it: no warning
    assert "distinct values" not in capsys.readouterr().out
    cont = tmp_path / "continuous.csv"                                            # negative control
    cont.write_text("a,b,y\n" + "".join(f"{i},{i % 3},{0.37 * i * i}\n" for i in range(12)))
    main(["check", "--data", str(cont), "--quiet"])
    assert "distinct values" not in capsys.readouterr().out


def test_identical_feature_columns_are_explained(tmp_path, capsys):
    # b = a + 1 is the same column after standardization: the permute_inputs control holds, and says why
    rng = np.random.default_rng(0)
    a = rng.standard_normal(60)
    rows = [f"{x},{x + 1},{rng.standard_normal()},{'xy'[int(x > 0)]}" for x in a]
    path = tmp_path / "dup.csv"
    path.write_text("a,b,c,label\n" + "\n".join(rows) + "\n")
    assert main(["check", "--data", str(path), "--target", "label", "--steps", "20", "--quiet"]) == 1
    out = capsys.readouterr().out
    assert "warning: identical feature columns ('a' = 'b'; after standardization)" in out
    assert main(["check", "--steps", "20", "--quiet"]) == 0                   # control: iris has no duplicates
    assert "identical feature columns" not in capsys.readouterr().out
