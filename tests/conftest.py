"""Shared fixtures: small models on bundled data and seeded random points."""

import numpy as np
import pytest

import eqalg


@pytest.fixture(scope="session")
def iris():
    """The bundled Iris data set."""
    return eqalg.load_iris()


@pytest.fixture
def rng():
    """A fresh seeded generator per test."""
    return np.random.default_rng(12345)


def make_mlp(activation="tanh", loss="mse", hidden=5, n=40, seed=0, bias=True):
    """A small TwoLayerMLP on the first n Iris samples and a generic random point."""
    data = eqalg.load_iris()
    idx = np.random.default_rng(seed).permutation(data.n_samples)[:n]
    model = eqalg.TwoLayerMLP(data.X[idx], data.Y[idx], hidden, activation, loss, bias=bias)
    theta = model.init_params(np.random.default_rng(seed + 1))
    return model, theta
