"""``eqalg group``: names, counts, JSON keys, lattice export, the MLP isotropy lattice, bad usage."""

import json

import networkx as nx
import numpy as np
import pytest

import eqalg
from eqalg.cli import main
from eqalg.cli.group import group_from_name


def run(capsys, *argv):
    code = main(["group", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_s4_subgroups_json(capsys, tmp_path):
    path = tmp_path / "s4.json"
    code, out, _ = run(capsys, "S4", "--subgroups", "--json", str(path))
    assert code == 0 and "subgroups: 30 in 11 conjugacy classes, 4 normal" in out
    res = json.loads(path.read_text())
    assert (res["order"], res["conjugacy_classes"], res["subgroups"], res["subgroup_classes"],
            res["normal_subgroups"]) == (24, 5, 30, 11, 4)
    assert [c["order"] for c in res["subgroup_class_list"]] == [1, 2, 2, 3, 4, 4, 4, 6, 8, 12, 24]
    assert sum(c["size"] for c in res["subgroup_class_list"]) == 30
    assert sum(c["size"] for c in res["element_classes"]) == 24
    # representatives as arrays: their cycle types give the element orders (1, 2, 2, 3, 4 in S4)
    S4 = eqalg.symmetric_group(4)
    for c in res["element_classes"]:
        assert c["signs"] == [1, 1, 1, 1] and sorted(c["perm"]) == [0, 1, 2, 3]
        g = S4.element(S4.index((np.array(c["perm"]), np.array(c["signs"]))))
        assert S4.element_order(g) == c["element_order"]


@pytest.mark.parametrize("name, order, classes", [("S3xS3", 36, 9), ("A5", 60, 5), ("C7", 7, 7), ("D6", 12, 6),
                                                  ("B3", 48, 10), ("S1", 1, 1), ("C2xC2xC2", 8, 8)])
def test_names(capsys, name, order, classes):
    code, out, _ = run(capsys, name)
    assert code == 0
    assert f"order {order}," in out and f"conjugacy classes: {classes}" in out
    assert group_from_name(name).order == order


def test_tables_and_exports(capsys, tmp_path):
    g, d = tmp_path / "d4.graphml", tmp_path / "d4.dot"
    code, out, _ = run(capsys, "D4", "--classes", "--graphml", str(g), "--dot", str(d))
    assert code == 0 and "element order" in out and "conjugates" in out
    assert nx.read_graphml(g).number_of_nodes() == 8              # classes of subgroups of D4
    assert d.read_text().startswith("digraph")
    code, _, _ = run(capsys, "D4", "--graphml", str(g))
    assert code == 0 and nx.read_graphml(g).number_of_nodes() == 10   # all subgroups: τ(4) + σ(4)


def test_model_isotropy(capsys, tmp_path):
    path = tmp_path / "mlp.json"
    code, out, _ = run(capsys, "--model", "mlp", "--activation", "tanh", "--hidden", "3", "--isotropy",
                       "--json", str(path))
    assert code == 0 and "group B3" in out and "isotropy types" in out
    res = json.loads(path.read_text())
    assert res["order"] == 48 and len(res["isotropy"]) == 7       # Σ_{k≤3} p(k), OEIS A000070
    assert res["representation"]["dimension"] == res["model"]["parameters"] == 27
    assert res["representation"]["fixed_dimension"] == 3          # only b2
    assert res["isotropy"][0] == {"order": 1, "class_size": 1, "dim": 27}
    code, out, _ = run(capsys, "--model", "mlp", "--activation", "relu", "--hidden", "3", "--isotropy")
    assert code == 0 and "group S3" in out


@pytest.mark.parametrize("argv, text", [
    (["S0"], "n must be at least 1"),
    (["X5"], "expected Sn, An, Cn, Dn or Bn"),
    (["S\u0664"], "expected Sn, An, Cn, Dn or Bn"),            # an Arabic-Indic digit: not an ASCII n
    (["S3xQ2"], "expected Sn"),
    (["S99"], "max_order"),
    (["S7xS7"], "max_order"),
    (["B9", "--max-order", "1000"], "max_order"),
    (["S8", "--subgroups"], "table limit"),
    ([], "either NAME or --model"),
    (["S3", "--model", "mlp"], "either NAME or --model"),
    (["S3", "--isotropy"], "--isotropy needs --model"),
    (["--model", "mlp", "--hidden", "0"], "--hidden"),
    (["--model", "mlp", "--hidden", "9"], "max_order"),
    (["--model", "mlp", "--seed", "-1"], "--seed"),
    # output paths are checked before anything is computed or printed
    (["S3", "--subgroups", "--graphml", "/nonexistent/dir/x.graphml"], "argument --graphml: directory"),
    (["S3", "--subgroups", "--dot", ""], "argument --dot: expected a file path"),
])
def test_bad_usage_is_one_line_exit_2(capsys, argv, text):
    code, out, err = run(capsys, *argv)
    assert code == 2 and text in err
    if "--graphml" in argv or "--dot" in argv:
        assert out == ""                                            # refused before the lattice was printed
    assert len(err.strip().splitlines()) == 1 and err.startswith("eqalg group: error:")


def test_outputs_on_one_path_and_table_limits_name_the_options(capsys, tmp_path):
    same = tmp_path / "x.json"
    code, _, err = run(capsys, "S4", "--json", str(same), "--graphml", str(tmp_path / "." / "x.json"))
    assert code == 2 and "--json and --graphml name the same file" in err and not same.exists()
    code, _, err = run(capsys, "S8", "--subgroups")
    assert code == 2 and "--subgroups" in err and "multiplication table" in err
    code, _, err = run(capsys, "--model", "mlp", "--hidden", "6", "--isotropy")
    assert code == 2 and "--isotropy" in err
    # control: distinct paths are both written
    code, _, _ = run(capsys, "S3", "--json", str(tmp_path / "a.json"), "--graphml", str(tmp_path / "a.graphml"))
    assert code == 0 and (tmp_path / "a.json").exists() and (tmp_path / "a.graphml").exists()


@pytest.mark.parametrize("argv,named", [
    (["S4", "--activation", "relu", "--hidden", "7"], "--activation, --hidden apply only with --model mlp"),
    (["S4", "--data", "wine"], "--data applies only with --model mlp"),
    (["S4", "--seed", "3"], "--seed applies only with --model mlp"),
])
def test_model_options_without_model_are_refused(argv, named, capsys):
    # they used to be ignored silently (exit 0)
    assert main(["group", *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and named in err
    assert main(["group", "--model", "mlp", *argv[1:]]) == 0                  # control: with --model they apply


def test_leading_zeros_in_group_names_are_refused(capsys):
    assert main(["group", "S04"]) == 2
    assert "write n without leading zeros (S4)" in capsys.readouterr().err
    assert main(["group", "S4"]) == 0                                          # control
