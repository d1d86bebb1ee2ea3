"""The multiple-dispatch registry: specificity, MRO walking, ambiguity."""

import pytest

from eqalg.dispatch import generic
from eqalg.errors import DispatchError


class A: ...
class B(A): ...
class C(A): ...


@generic(nargs=2)
def f(x, y):
    """Test generic."""


@f.register(A, A)
def _(x, y):
    return "AA"


@f.register(B, A)
def _(x, y):
    return "BA"


@f.register(A, B)
def _(x, y):
    return "AB"


def test_most_specific_method_wins():
    assert f(A(), A()) == "AA"
    assert f(B(), A()) == "BA"
    assert f(C(), B()) == "AB"
    assert f(B(), C()) == "BA"


def test_ambiguity_raises():
    with pytest.raises(DispatchError, match="ambiguous"):
        f(B(), B())


def test_no_method_raises():
    with pytest.raises(DispatchError, match="no method"):
        f(1, 2)
    with pytest.raises(DispatchError):
        f.register(A)  # wrong arity
