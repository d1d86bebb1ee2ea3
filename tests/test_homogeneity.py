"""Homogeneity of bias-free ReLU networks (k = 2): Euler identities, rate law, exact GD norm law (MATH.md B4)."""

import numpy as np
import pytest

import eqalg
from eqalg import derive, evaluate

from conftest import make_mlp

BACKENDS = (eqalg.Analytic(), eqalg.FiniteDifference())
SETTINGS = [("relu", "mse"), ("relu", "cross_entropy"), ("leaky_relu", "mse"), ("linear", "cross_entropy")]


@pytest.fixture(scope="module", params=SETTINGS, ids=[f"{a}-{l}" for a, l in SETTINGS])
def net(request):
    activation, loss = request.param
    model, theta = make_mlp(activation, loss, hidden=6, n=40, bias=False)
    return model, {"random": theta, "trained": eqalg.gradient_descent(model, theta, 0.05, 300).theta}


def test_euler_identities_by_hand(net):
    model, points = net
    assert model.homogeneity_degree == 2
    for theta in points.values():
        F = model.output(theta)
        # (M1) θᵀ∇_θ f = k f  (Euler's theorem)
        np.testing.assert_allclose(model.output_jvp(theta, theta), 2 * F, rtol=1e-12, atol=1e-14)
        # (M2) ∇²_θ f θ = (k − 1) ∇_θ f, contracted with output weights w
        w = np.random.default_rng(0).standard_normal(F.shape)
        np.testing.assert_allclose(model.output_hvp(theta, w, theta), model.output_vjp(theta, w), rtol=1e-11,
                                   atol=1e-13)
        # (M3) ⟨g, θ⟩ = k E[∇ℓᵀ f]
        dl = model.output_loss.grad(F, model.targets)
        assert model.gradient(theta) @ theta == pytest.approx(2 * np.mean(np.sum(dl * F, axis=1)), rel=1e-12)
        # radial curvature θᵀHθ = k² E[fᵀ∇²ℓ f] + k(k − 1) E[∇ℓᵀ f]  (a contraction of (M4))
        d2 = np.mean(np.sum(F * model.output_loss.hess_apply(F, model.targets, F), axis=1))
        assert theta @ model.hvp(theta, theta) == pytest.approx(4 * d2 + 2 * np.mean(np.sum(dl * F, axis=1)),
                                                                rel=1e-10)


def test_model_level_identities_both_backends_and_wrong_degrees(net):
    model, points = net
    for name, theta in points.items():
        for k, expected in ((2, True), (1, False), (3, False)):
            for c in derive(model.homogeneity(k)):
                for b in BACKENDS:
                    r = evaluate(c, model, theta, b)
                    assert r.passed is expected, (name, k, c.label, b.name, r.status, r.relative_residual)
                    assert r.kind == "equivariance"


def test_per_layer_homogeneity_and_balancing(net):
    model, points = net
    theta = points["trained"]
    for layer in (1, 2):
        assert all(evaluate(c, model, theta, b).passed for c in derive(model.layer_homogeneity(layer))
                   for b in BACKENDS)
    # equal rates ⇒ the difference is a symmetry (I7): ‖W1‖² − ‖W2‖² is conserved (Du, Hu & Lee 2018)
    balance = model.layer_homogeneity(1) - model.layer_homogeneity(2)
    assert isinstance(balance, eqalg.LinearGenerator)
    assert [c.label for c in derive(balance)] == ["L1", "L2", "I0"]


def test_homogeneity_needs_bias_free_homogeneous_net():
    model, _ = make_mlp("relu", "mse", bias=True)
    assert model.homogeneity_degree is None and "homogeneity" not in model.equivariances()
    assert "homogeneity(k=2)" in model.equivariance_controls()
    tanh, _ = make_mlp("tanh", "mse", bias=False)
    assert tanh.homogeneity_degree is None
    with pytest.raises(eqalg.errors.InvalidValueError, match="degree"):
        model.homogeneity()
    with pytest.raises(eqalg.errors.InvalidValueError, match="layer"):
        model.layer_homogeneity(3)


@pytest.mark.parametrize("loss,weight_decay", [("cross_entropy", 0.0), ("cross_entropy", 1e-3), ("mse", 1e-2)])
def test_exact_discrete_time_norm_law(loss, weight_decay, iris):
    # ½‖θ⁺‖² − ½‖θ‖² = −η(1−ηλ) k E[∇ℓᵀ f] + ((1−ηλ)² − 1)·½‖θ‖² + ½η²‖g‖², exactly, every step
    model = eqalg.TwoLayerMLP(iris.X, iris.Y, 8, "relu", loss, bias=False)
    theta0 = model.init_params(np.random.default_rng(0))
    qs = [eqalg.homogeneity_norm_law(model), eqalg.homogeneity_norm_law(model, 1),
          eqalg.homogeneity_norm_law(model, 3)]
    qs += [eqalg.rate_law_quantity(model.layer_homogeneity(h), model) for h in (1, 2)]
    traj = eqalg.gradient_descent(model, theta0, 0.05, 600, weight_decay=weight_decay, quantities=qs)
    assert traj.losses[-1] < 0.7 * traj.losses[0]
    good, low, high, layer1, layer2 = traj.quantities.values()
    for tr in (good, layer1, layer2):
        assert tr.relative_error < 1e-10
        assert tr.max_step_error <= 1e-10 * np.max(np.abs(tr.values))
        assert abs(tr.measured_drift) > 1e-3                      # the norm really moves
    assert low.relative_error > 1e-2 and high.relative_error > 1e-2
    assert good.end == pytest.approx(0.5 * traj.theta @ traj.theta, rel=1e-14)
    # the per-layer laws share one rate, so their sum is the whole law: ½‖θ‖² = Q_1 + Q_2
    np.testing.assert_allclose(layer1.values + layer2.values, good.values, rtol=1e-13)


def test_rate_law_quantity_bad_input():
    model, _ = make_mlp("relu", "mse", bias=False)
    with pytest.raises(eqalg.errors.InvalidValueError, match="symmetric"):
        eqalg.rate_law_quantity(model.rotation_generator(0, 1), model)
    with pytest.raises(eqalg.errors.InvalidValueError, match="equivariance"):
        eqalg.rate_law_quantity(model.class_permutation_equivariance(), model)
