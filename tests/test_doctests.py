"""Run the docstring examples of every eqalg module (the installed package, as users get it)."""

import doctest
import importlib
import pkgutil

import pytest

import eqalg

MODULES = sorted(m.name for m in pkgutil.walk_packages(eqalg.__path__, "eqalg.")
                 if not m.name.endswith("__main__"))


@pytest.mark.parametrize("name", ["eqalg"] + MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert result.failed == 0, f"{result.failed} doctest failure(s) in {name}"
