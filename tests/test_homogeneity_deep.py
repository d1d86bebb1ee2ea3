"""Homogeneity of the zoo's deeper MLP: a bias-free depth-3 ReLU network is 3-homogeneous (MATH.md B4)."""

import numpy as np
import pytest

import eqalg
from eqalg import Analytic, FiniteDifference, derive, evaluate


@pytest.fixture(scope="module")
def deep():
    data = eqalg.load_iris()
    idx = np.random.default_rng(0).permutation(data.n_samples)[:40]
    model = eqalg.MLP(data.X[idx], data.Y[idx], hidden=5, depth=3, activation="relu", loss="mse", bias=False)
    theta = model.init_params(np.random.default_rng(1))
    trained = eqalg.gradient_descent(model, theta, 0.05, 300).theta
    return model, {"random": theta, "trained": trained}


def test_depth_three_network_is_three_homogeneous(deep):
    model, points = deep
    assert model.homogeneity_degree == 3
    theta = points["random"]
    # Euler by hand: f(cθ) = c³ f(θ), and the (M1) identity θᵀ∇f = 3f
    np.testing.assert_allclose(model.output(1.3 * theta), 1.3 ** 3 * model.output(theta), rtol=1e-12)
    np.testing.assert_allclose(model.output_jvp(theta, theta), 3 * model.output(theta), rtol=1e-12, atol=1e-14)


def test_euler_identities_hold_with_both_backends_and_wrong_degrees_fail(deep):
    model, points = deep
    report = eqalg.check(model, points, model.equivariances(), model.equivariance_controls())
    s = report.summary()
    assert s["unexpected"] == [] and report.ok
    assert {"homogeneity", "homogeneity[layer 1]", "homogeneity[layer 2]", "homogeneity[layer 3]"} <= {
        r.transformation for r in report.checks if not r.control}
    assert {"homogeneity(k=2)", "homogeneity(k=4)"} <= {r.transformation for r in report.checks if r.control}
    assert all(r.kind == "equivariance" for r in report.checks if r.kind != "derivatives")


def test_norm_law_is_exact_for_k_three_and_fails_for_wrong_degrees(deep):
    model, points = deep
    for k, ok in ((3, True), (2, False), (4, False)):
        q = eqalg.homogeneity_norm_law(model, degree=k)
        tr = eqalg.gradient_descent(model, points["random"], 0.05, 200, weight_decay=1e-3,
                                    quantities=[q]).quantities[q.name]
        assert tr.passed is ok, (k, tr.relative_error)
        if ok:
            assert tr.relative_error < 1e-10


def test_layer_and_degree_arguments_are_validated(deep):
    model, _ = deep
    with pytest.raises(eqalg.errors.InvalidValueError, match="layer"):
        model.layer_homogeneity(4)
    biased = eqalg.MLP(model.X, model.Y, hidden=5, depth=3, activation="relu", loss="mse", bias=True)
    assert biased.homogeneity_degree is None and list(biased.equivariances()) == ["homogeneity[layer 3]"]
    with pytest.raises(eqalg.errors.InvalidValueError, match="degree"):
        biased.homogeneity()
    theta = model.init_params(np.random.default_rng(5))
    for c in derive(model.homogeneity(3.5)):          # a non-integer wrong degree is caught too
        if c.label in ("M1", "M3"):
            for b in (Analytic(), FiniteDifference()):
                assert evaluate(c, model, theta, b).passed is False


def test_norm_law_needs_a_model_with_homogeneity(deep):
    model, _ = deep
    assert eqalg.homogeneity_norm_law(model).name == "1/2|theta|^2 [homogeneity(k=3)]"     # the deep MLP has it
    wine = eqalg.load_wine()
    with pytest.raises(eqalg.errors.InvalidValueError, match="SoftmaxRegression has no homogeneity"):
        eqalg.homogeneity_norm_law(eqalg.SoftmaxRegression(wine.X, wine.Y))
    with pytest.raises(eqalg.errors.InvalidValueError, match="not homogeneous"):   # has the method, but biases
        eqalg.homogeneity_norm_law(eqalg.MLP(model.X, model.Y, hidden=5, depth=3, activation="relu", loss="mse"))
