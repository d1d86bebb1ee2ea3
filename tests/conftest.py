"""Shared fixtures: small models on bundled data and seeded random points."""

import os

# The suite works on small matrices, where multithreaded BLAS only adds contention: on a busy
# 2-core machine it made some tests 10x slower. Set before numpy is imported.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import eqalg  # noqa: E402


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
