"""ParameterSpace: flattening order, selectors, errors."""

import numpy as np
import pytest

from eqalg import ParameterSpace
from eqalg.errors import ShapeError, UnknownNameError


def make_space():
    return ParameterSpace([("W1", (3, 2)), ("b1", (3,)), ("W2", (1, 3)), ("b2", (1,))])


def test_size_and_row_major_flatten_roundtrip(rng):
    space = make_space()
    assert space.size == 6 + 3 + 3 + 1
    blocks = {n: rng.standard_normal(s) for n, s in space.blocks}
    theta = space.flatten(blocks)
    # row-major: W1[1, 0] sits right after W1[0, :]
    assert theta[2] == blocks["W1"][1, 0]
    back = space.unflatten(theta)
    for n in space.names:
        np.testing.assert_array_equal(back[n], blocks[n])


def test_selectors_give_flat_indices():
    space = make_space()
    np.testing.assert_array_equal(space["W1"][1, :], [2, 3])
    np.testing.assert_array_equal(space["W1"][:, 1], [1, 3, 5])
    np.testing.assert_array_equal(space["b1"][2], [8])
    np.testing.assert_array_equal(space["W2"][:, 0], [9])
    np.testing.assert_array_equal(space["b2"].indices, [12])
    assert space.slice("W2") == slice(9, 12)
    ind = space.indicator(space["W1"][0, :], space["b1"][0])
    assert ind.sum() == 3 and ind[6] == 1


def test_equality_and_hash():
    assert make_space() == make_space()
    assert hash(make_space()) == hash(make_space())
    assert make_space() != ParameterSpace([("W1", (3, 2))])


def test_errors():
    space = make_space()
    with pytest.raises(UnknownNameError, match="W3"):
        space["W3"]
    with pytest.raises(ShapeError, match="out of range"):
        space["W1"][5, 0]
    with pytest.raises(ShapeError, match="length 13"):
        space.unflatten(np.zeros(12))
    with pytest.raises(ShapeError, match="missing"):
        space.flatten({"W1": np.zeros((3, 2))})
    with pytest.raises(ShapeError, match="shape"):
        space.flatten({"W1": np.zeros((2, 3)), "b1": np.zeros(3), "W2": np.zeros((1, 3)), "b2": np.zeros(1)})
    with pytest.raises(ShapeError, match="unique"):
        ParameterSpace([("a", (2,)), ("a", (3,))])
