"""``eqalg models`` and ``eqalg check --model NAME``: the zoo on the command line."""

import json

import numpy as np
import pytest

import eqalg
from eqalg.cli import main
from eqalg.cli.check import check_job
from eqalg.errors import InvalidValueError, UnknownNameError
from eqalg.models.zoo import ZOO, get_entry

ZOO_NAMES = ("mlp", "deep-linear", "matrix-factorization", "softmax", "normalized-mlp", "attention", "sigmoid-mlp")


def test_zoo_names():
    assert tuple(ZOO) == ZOO_NAMES


def test_models_lists_the_zoo_and_writes_json(tmp_path, capsys):
    path = tmp_path / "zoo.json"
    assert main(["models", "--json", str(path)]) == 0
    out = capsys.readouterr().out
    for name in ZOO_NAMES:
        assert name in out
    data = json.loads(path.read_text())
    assert [m["name"] for m in data["models"]] == list(ZOO_NAMES)
    for m in data["models"]:
        assert {"name", "class", "summary", "default_data", "hyperparameters", "catalogue", "controls",
                "default_instance", "training"} <= set(m)
        assert m["controls"] and m["catalogue"]
        assert m["default_instance"]["parameters"] > 0 and m["default_instance"]["symmetries"] > 0
    hp = {h["name"]: h for h in data["models"][1]["hyperparameters"]}
    assert hp["depth"]["default"] == 3 and hp["depth"]["option"] == "--depth"


def test_models_single_name_and_unknown_name(capsys):
    assert main(["models", "attention"]) == 0
    out = capsys.readouterr().out
    assert "attention" in out and "deep-linear" not in out
    assert main(["models", "transformer"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "transformer" in err


@pytest.mark.parametrize("name", ZOO_NAMES)
def test_check_exits_zero_for_every_zoo_model(name, tmp_path, capsys):
    path = tmp_path / "report.json"
    assert main(["check", "--model", name, "--quiet", "--json", str(path)]) == 0
    assert capsys.readouterr().out.strip().endswith("OK")
    report = json.loads(path.read_text())
    s = report["summary"]
    assert s["ok"] and s["inconclusive"] == 0 and s["controls"] > 0
    assert s["controls_violated"] == s["controls"] and s["identities_hold"] == s["identities"]
    assert {r["backend"] for r in report["checks"]} == {"analytic", "finite-difference"}
    assert {r["point"] for r in report["checks"]} == {"init", "trained"}
    assert report["model"]["name"] == name and report["data"]["name"] == get_entry(name).default_data
    if name in ("deep-linear", "matrix-factorization", "attention", "normalized-mlp", "mlp"):
        assert s["conservation_laws"] > 0 and s["conservation_laws_match"] == s["conservation_laws"]


def test_check_default_is_unchanged_two_layer_relu_mlp(capsys):
    report = check_job()
    assert report.model["class"] == "TwoLayerMLP" and report.model["activation"] == "relu"
    assert report.model["hidden"] == 8 and report.data["name"] == "iris"
    assert report.training["steps"] == 2000 and report.training["lr"] == 0.05
    # 8 rescaling charges (T1) and the 9 softmax translation charges of the cross-entropy head (T2)
    assert report.ok and len(report.conservation) == 8 + 9


def test_check_with_hyperparameters_and_a_csv_file(tmp_path, capsys):
    assert main(["check", "--model", "deep-linear", "--depth", "2", "--hidden", "2", "--steps", "100",
                 "--quiet"]) == 0
    assert main(["check", "--model", "mlp", "--depth", "3", "--hidden", "5", "--activation", "tanh",
                 "--no-bias", "--steps", "200", "--quiet"]) == 0
    iris = eqalg.load_iris()
    rows = ["f0,species,f1,f2,f3"] + [f"{x[0]},{iris.target_names[y]},{x[1]},{x[2]},{x[3]}"
                                      for x, y in zip(iris.X, iris.labels)]
    path = tmp_path / "flowers.csv"
    path.write_text("\n".join(rows) + "\n")
    assert main(["check", "--data", str(path), "--target", "species", "--activation", "tanh", "--quiet"]) == 0
    report = check_job(data=str(path), target="species", activation="tanh", steps=100)
    assert report.data["name"] == "flowers" and report.data["n_features"] == 4 and report.ok


@pytest.mark.parametrize("argv,message", [
    (["--model", "transformer"], "invalid choice"),
    (["--model", "softmax", "--hidden", "4"], "does not apply to model 'softmax'"),
    (["--model", "deep-linear", "--activation", "tanh"], "does not apply"),
    (["--model", "attention", "--rank", "2"], "does not apply"),
    (["--model", "softmax", "--data", "diabetes"], "classification"),
    (["--model", "attention", "--data", "iris"], "sequence"),
    (["--model", "mlp", "--data", "synthetic-lowrank"], "tabular"),
    (["--model", "matrix-factorization", "--rank", "7"], "rank (--rank): expected at most"),
    (["--model", "attention", "--key-dim", "5"], "key_dim (--key-dim): expected at most"),
    (["--model", "mlp", "--depth", "1"], "--depth"),
    (["--model", "mlp", "--depth", "3", "--tied", "2"], "tied (--tied), zeroed (--zeroed): symmetric points need"),
    (["--data", "nowhere/missing.csv"], "cannot read"),
    (["--data", "iris", "--target", "species"], "CSV"),
    (["--data", "imagenet"], "data"),
    (["--depth", "0"], "positive integer"),
])
def test_check_bad_usage_is_a_one_line_error(argv, message, capsys):
    assert main(["check", *argv, "--quiet"]) == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and message in captured.err and "Traceback" not in captured.err
    assert captured.out == ""


def test_check_bad_csv_files(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b,label\n1,oops,x\n2,3,y\n")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    good = tmp_path / "good.csv"
    good.write_text("a,b,label\n1,2,x\n2,3,y\n")
    for argv, message in (([str(bad)], "non-numeric"), ([str(empty)], "empty"),
                          ([str(good), "--target", "kind"], "not in the header")):
        assert main(["check", "--data", *argv]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and message in err


def test_zoo_python_errors():
    with pytest.raises(UnknownNameError, match="model"):
        get_entry("resnet")
    entry = get_entry("softmax")
    with pytest.raises(UnknownNameError, match="does not apply"):
        entry.build(eqalg.load_wine(), hidden=3)
    with pytest.raises(InvalidValueError, match="classification"):
        entry.build(eqalg.load_diabetes())
    with pytest.raises(InvalidValueError, match="positive integer"):
        get_entry("deep-linear").build(eqalg.load_diabetes(), depth=0)
    with pytest.raises(UnknownNameError, match="activation"):
        get_entry("mlp").build(eqalg.load_iris(), activation="swish")
    m = eqalg.build_model("attention", eqalg.make_sequences(), key_dim=2)
    assert isinstance(m, eqalg.BilinearAttention) and m.key_dim == 2
    with pytest.raises(UnknownNameError, match="does not apply"):
        check_job(model="softmax", rank=2)
    mf = eqalg.build_model("matrix-factorization", eqalg.load_iris(), rank=2)
    assert mf.space.size == (150 + 4) * 2
    assert np.isfinite(mf.loss(mf.init_params(np.random.default_rng(0))))


def test_attention_class_default_key_dim_matches_the_zoo():
    ds = eqalg.make_sequences()
    assert eqalg.BilinearAttention(ds.X, ds.Y).key_dim == get_entry("attention").defaults()["key_dim"] == 3


def test_classes_validate_rank_and_key_width_like_the_command_line():
    ds = eqalg.make_sequences(embed_dim=4)
    with pytest.raises(InvalidValueError, match="key_dim: expected at most the embedding dimension d = 4, got 5"):
        eqalg.BilinearAttention(ds.X, ds.Y, 5)
    assert eqalg.BilinearAttention(ds.X, ds.Y, 4).key_dim == 4                     # control: d_k = d
    target = np.random.default_rng(0).standard_normal((5, 3))
    with pytest.raises(InvalidValueError, match=r"rank: expected at most min\(n, m\) = 3 for the 5x3"):
        eqalg.MatrixFactorization((5, 3), 4, target=target)
    assert eqalg.MatrixFactorization((5, 3), 3, target=target).rank == 3           # control: r = min(n, m)


def test_models_without_a_target_say_which_column_they_leave_out(tmp_path, capsys):
    path = tmp_path / "m.csv"
    path.write_text("a,b,c,y\n1,2,5,0.5\n2,1,6,1.5\n3,5,4,-2\n4,0,7,3\n")
    for extra, column, how in (([], "y", "the default target"), (["--target", "a"], "a", "--target")):
        assert main(["check", "--model", "matrix-factorization", "--data", str(path), "--rank", "1",
                     "--steps", "5", "--quiet", *extra]) == 0
        out = capsys.readouterr().out
        assert f"uses no target: the target column {column!r} ({how}" in out
    report = check_job(model="matrix-factorization", data=str(path), target="a", rank=1, steps=5)
    assert report.data["features"] == ["b", "c", "y"] and report.model["shape"] == [4, 3]   # --target is honoured
    assert any("'a' (--target) is left out" in w for w in report.warnings)
    # control: a model that uses the target gets no such warning
    report = check_job(model="mlp", data=str(path), hidden=2, steps=5, backend="analytic")
    assert not any("uses no target" in w for w in report.warnings)


@pytest.mark.parametrize("command", [["models", "attention"], ["algebra"], ["group"]])
@pytest.mark.parametrize("path,message", [("/nonexistent/dir/z.json", "does not exist"), ("", "empty string")])
def test_json_path_is_validated_before_the_command_runs(command, path, message, capsys):
    assert main([*command, "--json", path]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""                                         # nothing was listed or computed first
    err = captured.err.strip().splitlines()
    assert len(err) == 1 and "argument --json" in err[0] and message in err[0]


def test_models_json_to_a_directory_is_refused_and_a_file_is_written(tmp_path, capsys):
    assert main(["models", "attention", "--json", str(tmp_path)]) == 2
    assert "is a directory" in capsys.readouterr().err
    assert main(["models", "attention", "--json", str(tmp_path / "z.json")]) == 0      # control
    assert json.loads((tmp_path / "z.json").read_text())["models"][0]["name"] == "attention"
