"""One grid of settings for every zoo model: derivatives, catalogue invariance, identities, controls.

BackPACK-style: a single list of (model, transformation, point) settings with readable ids; every
derived identity is evaluated by both backends (analytic and finite differences), every
negative control must be violated by both.
"""

import functools

import numpy as np
import pytest

import eqalg
from eqalg.backends import Analytic, FiniteDifference
from eqalg.transforms.base import ContinuousTransformation

BACKENDS = (Analytic(), FiniteDifference())


def _subset(data, n, seed=0):
    idx = np.random.default_rng(seed).permutation(data.n_samples)[:n]
    return data.X[idx], data.Y[idx]


@functools.lru_cache(maxsize=None)
def _model(key):
    """Small instances of every zoo model (and variants), keyed by readable ids."""
    iris, diabetes = eqalg.load_iris(), eqalg.load_diabetes()
    Xi, Yi = _subset(iris, 40)
    Xd, Yd = _subset(diabetes, 60)
    if key == "mlp-relu":
        return eqalg.TwoLayerMLP(Xi, Yi, 5, "relu", "cross_entropy")
    if key == "mlp3-tanh":
        return eqalg.MLP(Xi, Yi, [5, 4], 3, "tanh", "cross_entropy")
    if key == "mlp3-relu-nobias":
        return eqalg.MLP(Xi, Yi, [6, 5], 3, "relu", "mse", bias=False)
    if key == "mlp3-linear":
        return eqalg.MLP(Xd, Yd, 3, 3, "linear", "mse")
    if key == "deep-linear":
        return eqalg.DeepLinear(Xd, Yd, 3, 3)
    if key == "mf-sensing":
        ds = eqalg.make_lowrank_sensing((5, 4), 2, 30, seed=1)
        return eqalg.MatrixFactorization((5, 4), 3, sensing=ds.X, measurements=ds.Y[:, 0])
    if key == "mf-full":
        return eqalg.MatrixFactorization(Xi[:12].shape, 2, target=Xi[:12])
    if key == "softmax":
        return eqalg.SoftmaxRegression(*_subset(eqalg.load_wine(), 50))
    if key == "normalized-mlp":
        return eqalg.NormalizedMLP(Xi, Yi, 4, 2, "tanh", "cross_entropy")
    if key == "attention":
        ds = eqalg.make_sequences(12, 4, 5, 3, 2, seed=2)
        return eqalg.BilinearAttention(ds.X, ds.Y, 2)
    if key == "sigmoid-mlp":
        return eqalg.SigmoidMLP(Xi, Yi, [3, 3], 3, "mse")
    raise KeyError(key)


MODELS = ("mlp-relu", "mlp3-tanh", "mlp3-relu-nobias", "mlp3-linear", "deep-linear", "mf-sensing", "mf-full",
          "softmax", "normalized-mlp", "attention", "sigmoid-mlp")


@functools.lru_cache(maxsize=None)
def _points(key):
    """Two generic points: a random init and a point after a few GD steps (a 'trained-like' point)."""
    m = _model(key)
    theta0 = m.init_params(np.random.default_rng(7))
    theta1 = eqalg.gradient_descent(m, theta0, 0.05, 30).theta
    return {"init": theta0, "trained": theta1}


def _settings(role):
    out = []
    for key in MODELS:
        m = _model(key)
        catalogue = m.symmetries() if role == "symmetry" else m.controls()
        for name in catalogue:
            for point in ("init", "trained"):
                out.append(pytest.param(key, name, point, id=f"{key}/{name}/{point}"))
    return out


def _rel(a, b):
    return float(np.linalg.norm(np.ravel(a - b)) / max(np.linalg.norm(np.ravel(b)), 1e-300))


# -- derivatives against finite differences -------------------------------------------------------
@pytest.mark.parametrize("key", MODELS)
def test_gradient_matches_finite_differences(key):
    m = _model(key)
    for theta in _points(key).values():
        fd = FiniteDifference().gradient_projections(m, theta, np.eye(m.space.size))
        assert _rel(fd.value, m.gradient(theta)) < 1e-6


@pytest.mark.parametrize("key", MODELS)
def test_hvp_matches_finite_differences_and_is_batched(key):
    m = _model(key)
    rng = np.random.default_rng(3)
    theta = _points(key)["trained"]
    V = rng.standard_normal((m.space.size, 5))
    hv = m.hvp(theta, V)
    assert hv.shape == V.shape
    fd = FiniteDifference().hvp(m, theta, V)
    assert _rel(fd.value, hv) < 1e-6
    single = np.stack([m.hvp(theta, V[:, j]) for j in range(V.shape[1])], axis=1)
    np.testing.assert_allclose(hv, single, rtol=1e-12, atol=1e-14 * np.abs(hv).max())
    H = m.hessian(theta)
    np.testing.assert_allclose(H, H.T, atol=1e-10 * np.abs(H).max())


@pytest.mark.parametrize("key", MODELS)
def test_loss_gradient_and_per_sample_losses_agree(key):
    m = _model(key)
    theta = _points(key)["init"]
    loss, g = m.loss_and_gradient(theta)
    assert loss == pytest.approx(m.loss(theta), rel=1e-14)
    assert loss == pytest.approx(float(np.mean(m.per_sample_loss(theta))), rel=1e-13)
    np.testing.assert_array_equal(g, m.gradient(theta))


# -- catalogue: invariance of the loss -----------------------------------------------------------------
@pytest.mark.parametrize("key,name,point", _settings("symmetry"))
def test_catalogued_transformation_leaves_loss_unchanged(key, name, point):
    m = _model(key)
    t = m.symmetries()[name]
    theta = _points(key)[point]
    moved = t.curve(theta, 0.3) if isinstance(t, ContinuousTransformation) else t.act(theta)
    assert not np.allclose(moved, theta)
    assert m.loss(moved) == pytest.approx(m.loss(theta), rel=1e-12, abs=0)


# -- every derived identity holds, every negative control is violated, with both backends ----------------
def _verdicts(key, name, point, role):
    m = _model(key)
    t = (m.symmetries() if role == "symmetry" else m.controls())[name]
    theta = _points(key)[point]
    return [(c.label, b.name, eqalg.evaluate(c, m, theta, b)) for c in eqalg.derive(t) for b in BACKENDS]


@pytest.mark.parametrize("key,name,point", _settings("symmetry"))
def test_derived_identities_hold_with_both_backends(key, name, point):
    for label, backend, r in _verdicts(key, name, point, "symmetry"):
        assert r.passed is True, (label, backend, r.status, r.relative_residual)


@pytest.mark.parametrize("key,name,point", _settings("control"))
def test_negative_controls_are_violated(key, name, point):
    for label, backend, r in _verdicts(key, name, point, "control"):
        assert r.passed is False, (label, backend, r.status, r.relative_residual)


@pytest.mark.parametrize("key", MODELS)
def test_every_model_has_controls_and_describes_itself(key):
    m = _model(key)
    assert m.controls(), "every model needs at least one negative control"
    assert m.symmetries()
    d = m.describe()
    assert d["parameters"] == m.space.size and "name" in d and "class" in d
