"""Output options (--json, --graphml, --dot) of every command: checked before the run, write errors named.

`eqalg check --json /proc/r.json` ran the whole job and then printed "error: [Errno 2] No such
file or directory: '/proc/r.json'" without naming --json; `--json /etc/passwd/x.json` said the
directory '/etc/passwd' did not exist although it exists as a file.
"""

import os

import pytest

from eqalg.cli import check as check_cli
from eqalg.cli import main
from eqalg.report import Report

COMMANDS = {
    "check": ["check", "--steps", "3", "--hidden", "2", "--backend", "analytic", "--quiet"],
    "models": ["models", "softmax"],
    "algebra": ["algebra", "--steps", "3", "--quiet"],
    "group": ["group", "S3"],
}
OUTPUTS = [(name, "--json") for name in COMMANDS] + [("group", "--graphml"), ("group", "--dot")]


def _fail_if_run(monkeypatch):
    """A refusal of the path must come before the command runs."""
    for module, func in (("check", "run_check"), ("models", "run_models"), ("algebra", "run_algebra"),
                         ("group", "run_group")):
        monkeypatch.setattr(f"eqalg.cli.{module}.{func}", lambda args: pytest.fail("ran before the path was checked"))


def _one_line(capsys):
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


@pytest.mark.parametrize("command,option", OUTPUTS)
def test_a_file_used_as_a_directory_is_named_as_such(command, option, tmp_path, monkeypatch, capsys):
    afile = tmp_path / "afile"
    afile.write_text("x")
    _fail_if_run(monkeypatch)
    for path in (afile / "x.json", afile / "sub" / "x.json"):
        assert main([*COMMANDS[command], option, str(path)]) == 2
        err = _one_line(capsys)
        assert f"argument {option}: {str(afile)!r} is not a directory (it is a file)" in err
        assert "does not exist" not in err


@pytest.mark.parametrize("command,option", OUTPUTS)
def test_missing_directory_and_directory_paths(command, option, tmp_path, monkeypatch, capsys):
    _fail_if_run(monkeypatch)
    assert main([*COMMANDS[command], option, str(tmp_path / "no" / "x.json")]) == 2
    assert f"argument {option}: directory {str(tmp_path / 'no')!r} does not exist" in _one_line(capsys)
    assert main([*COMMANDS[command], option, str(tmp_path)]) == 2
    assert f"argument {option}: {str(tmp_path)!r} is a directory" in _one_line(capsys)


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs Linux /proc")
@pytest.mark.parametrize("command,option", OUTPUTS)
def test_a_directory_that_refuses_new_files_is_caught_before_the_run(command, option, monkeypatch, capsys):
    # /proc is a writable-looking directory (os.access says yes for root) in which no file can be created
    _fail_if_run(monkeypatch)
    assert main([*COMMANDS[command], option, "/proc/r.json"]) == 2
    assert f"argument {option}: cannot create '/proc/r.json'" in _one_line(capsys)


def test_the_probe_leaves_no_file_behind(tmp_path, capsys):
    path = tmp_path / "r.json"
    assert main(["check", "--lr", "1e6", "--steps", "50", "--json", str(path)]) == 2     # the run fails
    assert "diverged" in capsys.readouterr().err
    assert not path.exists()
    path.write_text("old report")                          # an existing file is not touched before the run
    assert main(["check", "--lr", "1e6", "--steps", "50", "--json", str(path)]) == 2
    assert path.read_text() == "old report"


@pytest.mark.parametrize("command,option", OUTPUTS)
def test_a_failing_write_names_the_option(command, option, tmp_path, monkeypatch, capsys):
    # what only a write reveals (a full disk, /dev/full) is reported naming the option, exit status 2
    import builtins
    import networkx

    real_open = builtins.open

    def full_disk_open(file, mode="r", *args, **kwargs):
        if str(file).startswith(str(tmp_path)) and "w" in mode:
            raise OSError(28, "No space left on device")
        return real_open(file, mode, *args, **kwargs)

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(builtins, "open", full_disk_open)
    monkeypatch.setattr(Report, "write_json", lambda self, path: full_disk())
    monkeypatch.setattr(networkx, "write_graphml", full_disk)
    path = tmp_path / "out.txt"
    argv = [*COMMANDS[command], option, str(path)]
    assert main(argv) == 2
    assert _one_line(capsys) == f"eqalg {command}: error: {option}: cannot write {str(path)!r}: No space left on device"
    monkeypatch.undo()
    assert main(argv) in (0, 1) and path.stat().st_size > 0                  # control: the same run writes


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_dev_full(capsys):
    assert main([*COMMANDS["models"], "--json", "/dev/full"]) == 2
    assert _one_line(capsys) == "eqalg models: error: --json: cannot write '/dev/full': No space left on device"


def test_write_output_passes_other_errors_through():
    with pytest.raises(ZeroDivisionError):
        check_cli.write_output("--json", "x", lambda path: 1 / 0)


@pytest.mark.parametrize("command,option", OUTPUTS)
def test_a_dash_is_not_taken_for_a_file_named_dash(command, option, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    _fail_if_run(monkeypatch)
    assert main(COMMANDS[command] + [option, "-"]) == 2
    assert "got '-' (standard output carries the text report" in _one_line(capsys)
    assert not (tmp_path / "-").exists()


def test_the_report_never_overwrites_the_data_file(tmp_path, capsys):
    data = tmp_path / "d.csv"
    data.write_text("a,b,label\n" + "\n".join(f"{i},{i % 3},{'xy'[i % 2]}" for i in range(12)) + "\n")
    before = data.read_text()
    link = tmp_path / "link.json"
    link.symlink_to(data)
    for out in (data, link):
        assert main(["check", "--data", str(data), "--target", "label", "--steps", "3", "--quiet",
                     "--json", str(out)]) == 2
        assert "is the --data file" in _one_line(capsys)
    assert data.read_text() == before
