"""Every Python example in README.md runs (JAX/PyTorch wrappers excepted: neither is a dependency)."""

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S) if README.exists() else []


@pytest.mark.parametrize("code", [b for b in BLOCKS if "jax" not in b and "torch" not in b],
                         ids=lambda b: b.strip().splitlines()[2][:40] if len(b.strip().splitlines()) > 2 else "block")
def test_readme_example_runs(code, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)             # examples may write files (GraphML, JSON)
    exec(compile(code, str(README), "exec"), {"__name__": "__readme__"})


def test_readme_has_examples():
    assert len(BLOCKS) >= 5
