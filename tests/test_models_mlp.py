"""TwoLayerMLP: analytic derivatives against finite differences and an external JAX/PyTorch reference."""

from pathlib import Path

import numpy as np
import pytest

import eqalg
from eqalg.errors import InvalidValueError, NonFiniteError, ShapeError, UnknownNameError

from conftest import make_mlp

REFERENCE = Path(__file__).parent / "data" / "mlp_tanh_small.npz"
SETTINGS = [(a, l) for a in ("relu", "leaky_relu", "tanh", "linear", "sigmoid") for l in ("mse", "cross_entropy")]


def central_gradient(model, theta, h=1e-6):
    eye = np.eye(theta.size)
    return np.array([(model.loss(theta + h * e) - model.loss(theta - h * e)) / (2 * h) for e in eye])


@pytest.mark.parametrize("activation,loss", SETTINGS, ids=[f"{a}-{l}" for a, l in SETTINGS])
def test_gradient_and_hvp_match_finite_differences(activation, loss, rng):
    model, theta = make_mlp(activation, loss, hidden=4, n=30)
    g = model.gradient(theta)
    assert np.linalg.norm(g - central_gradient(model, theta)) <= 1e-6 * np.linalg.norm(g)
    V = rng.standard_normal((theta.size, 3))
    HV = model.hvp(theta, V)
    h = 1e-5
    fd = np.stack([(model.gradient(theta + h * v) - model.gradient(theta - h * v)) / (2 * h) for v in V.T], axis=1)
    assert np.linalg.norm(HV - fd) <= 1e-6 * np.linalg.norm(HV)
    # one direction or k directions in one pass give the same numbers
    np.testing.assert_allclose(model.hvp(theta, V[:, 1]), HV[:, 1], rtol=1e-13, atol=1e-15)
    H = model.hessian(theta)
    np.testing.assert_allclose(H, H.T, atol=1e-12)
    np.testing.assert_allclose(H @ V, HV, rtol=1e-10, atol=1e-12)
    loss_value, grad = model.loss_and_gradient(theta)
    assert loss_value == model.loss(theta) == pytest.approx(model.per_sample_loss(theta).mean())
    np.testing.assert_array_equal(grad, g)


def test_matches_external_jax_pytorch_reference():
    # Reference values computed independently with JAX and PyTorch (shared/reference/README.md):
    # f(x) = W2 tanh(W1 x + b1) + b2, d=4, h=8, o=3, loss 0.5 * mean ||f - y||^2.
    ref = np.load(REFERENCE)
    model = eqalg.TwoLayerMLP(ref["X"], ref["Y"], 8, "tanh", "mse")
    theta = ref["theta"]
    assert model.loss(theta) == pytest.approx(float(ref["loss"]), rel=1e-14)
    np.testing.assert_allclose(model.gradient(theta), ref["grad"], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(model.hvp(theta, ref["v"]), ref["hvp"], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(model.hessian(theta), ref["hessian"], rtol=1e-12, atol=1e-14)


def test_bias_free_variant_is_two_homogeneous():
    model, theta = make_mlp("relu", "mse", bias=False)
    assert model.space.names == ("W1", "W2")
    c = 1.7
    np.testing.assert_allclose(model.output(c * theta), c ** 2 * model.output(theta), rtol=1e-12, atol=1e-15)


def test_smooth_radius_is_distance_to_nearest_kink(rng):
    model, theta = make_mlp("relu", "mse")
    v = rng.standard_normal(theta.size)
    r = model.smooth_radius(theta, v)
    assert 0 < r < np.inf
    p0 = model.activation_pattern(theta)
    assert np.array_equal(model.activation_pattern(theta + 0.999 * r * v), p0)
    assert np.array_equal(model.activation_pattern(theta - 0.999 * r * v), p0)
    assert not (np.array_equal(model.activation_pattern(theta + 1.001 * r * v), p0)
                and np.array_equal(model.activation_pattern(theta - 1.001 * r * v), p0))
    smooth, th = make_mlp("tanh", "mse")
    assert smooth.smooth_radius(th, v) == np.inf and smooth.activation_pattern(th) is None


def test_bad_input(iris):
    with pytest.raises(UnknownNameError, match="activation"):
        eqalg.TwoLayerMLP(iris.X, iris.Y, 4, "swish")
    with pytest.raises(UnknownNameError, match="loss"):
        eqalg.TwoLayerMLP(iris.X, iris.Y, 4, "relu", "hinge")
    with pytest.raises(InvalidValueError, match="hidden"):
        eqalg.TwoLayerMLP(iris.X, iris.Y, 0)
    with pytest.raises(ShapeError, match="Y"):
        eqalg.TwoLayerMLP(iris.X, iris.Y[:10], 4)
    with pytest.raises(InvalidValueError, match="probability"):
        eqalg.TwoLayerMLP(iris.X, 2 * iris.Y, 4, loss="cross_entropy")
    model, theta = make_mlp()
    with pytest.raises(ShapeError, match=f"length {theta.size}"):
        model.loss(theta[:-1])
    bad = theta.copy()
    bad[3] = np.nan
    with pytest.raises(NonFiniteError, match="theta"):
        model.gradient(bad)
    bad[3] = np.inf
    with pytest.raises(NonFiniteError):
        model.hvp(bad, theta)
    with pytest.raises(ShapeError, match="v"):
        model.hvp(theta, np.ones((theta.size + 1, 2)))


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
def test_output_derivatives_match_finite_differences(activation, rng):
    model, theta = make_mlp(activation, "mse", hidden=4, n=25)
    assert model.has_output_derivatives
    V = rng.standard_normal((theta.size, 2))
    w = rng.standard_normal((model.n_samples, model.n_outputs))
    h = 1e-6
    jvp = model.output_jvp(theta, V)
    fd = np.stack([(model.output(theta + h * v) - model.output(theta - h * v)) / (2 * h) for v in V.T])
    np.testing.assert_allclose(jvp, fd, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(model.output_jvp(theta, V[:, 0]), jvp[0], rtol=1e-13)
    # ⟨w, Df v⟩ = ⟨Dfᵀ w, v⟩
    assert np.sum(w * jvp[0]) == pytest.approx(model.output_vjp(theta, w) @ V[:, 0], rel=1e-12)
    hv = model.output_hvp(theta, w, V)
    fd2 = np.stack([(model.output_vjp(theta + h * v, w) - model.output_vjp(theta - h * v, w)) / (2 * h)
                    for v in V.T], axis=1)
    np.testing.assert_allclose(hv, fd2, rtol=1e-6, atol=1e-8)
    # the loss gradient is the VJP with the loss's output gradient
    d_f = model.output_loss.grad(model.output(theta), model.targets) / model.n_samples
    np.testing.assert_allclose(model.output_vjp(theta, d_f), model.gradient(theta), rtol=1e-13, atol=1e-16)
    with pytest.raises(ShapeError, match="w"):
        model.output_vjp(theta, w[:, :1])


def test_logistic_flip_matrix_is_the_affine_neuron_flip():
    rng = np.random.default_rng(0)
    model = eqalg.TwoLayerMLP(rng.standard_normal((5, 3)), rng.standard_normal((5, 2)), 4, "sigmoid")
    j = 2
    M = model.logistic_flip(j).to_dense()
    expected = np.eye(model.space.size)
    for idx in model.neuron_in(j) + model.neuron_out(j):
        expected[idx, idx] = -1.0
    expected[model.space["b2"].indices, model.space["W2"][:, j]] = 1.0      # c' = c + a_j
    np.testing.assert_array_equal(M, expected)
