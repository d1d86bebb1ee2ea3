"""Finite-difference machinery: Richardson accuracy, evaluation counts, kinks."""

import numpy as np
import pytest

import eqalg
from eqalg.backends import FiniteDifference, richardson_central
from eqalg.errors import InvalidValueError, MissingMethodError
from eqalg.models.base import CountingModel

from conftest import make_mlp


def test_richardson_reaches_high_order():
    value, err = richardson_central(np.sin, 0.1, 3)
    assert abs(value - 1.0) < 1e-9          # O(h^6) with h = 0.1
    assert abs(value - 1.0) <= err          # the error estimate is conservative
    value2, _ = richardson_central(np.sin, 0.1, 1)
    assert abs(value2 - 1.0) > 1e-4         # plain central difference is O(h^2)


def test_first_order_check_budget_and_accuracy():
    # Issue target: at most 8 loss evaluations and >= 8 significant digits on a smooth model.
    model, theta = make_mlp("tanh", "mse", hidden=6, n=60)
    J = model.input_scaling_generator(0)            # not a symmetry: <g, J> != 0
    counting = CountingModel(model)
    est = FiniteDifference().curve_derivative(counting, theta, J)
    exact = model.gradient(theta) @ J.generator(theta)
    assert counting.counts["loss"] <= 8
    assert abs(est.value - exact) <= 1e-8 * abs(exact)
    assert abs(est.value - exact) <= est.error


def test_fd_hvp_matches_analytic(rng):
    model, theta = make_mlp("tanh", "cross_entropy")
    V = rng.standard_normal((theta.size, 2))
    est = FiniteDifference().hvp(model, theta, V)
    exact = model.hvp(theta, V)
    assert np.linalg.norm(est.value - exact) <= max(est.error, 1e-8 * np.linalg.norm(exact))


def test_kink_inside_stencil_shrinks_step(rng):
    model, theta = make_mlp("relu", "mse")
    v = rng.standard_normal(theta.size)
    r = model.smooth_radius(theta, v)
    # move θ so that the nearest kink lies at 1e-6 along v: inside the default stencil
    theta_near = theta + (r - 1e-6 / np.abs(v).max()) * v
    est = FiniteDifference().gradient_projections(model, theta_near, v[:, None])
    exact = model.gradient(theta_near) @ v
    assert not est.nonsmooth
    assert abs(est.value[0] - exact) <= 1e-6 * abs(exact) + est.error


def test_kink_at_the_point_is_reported_non_smooth(rng):
    model, theta = make_mlp("relu", "mse")
    p = model.space.unflatten(theta.copy())
    # put sample 0's pre-activation of neuron 1 exactly on the kink
    p["b1"][1] = -(model.X[0] @ p["W1"][1])
    theta_k = model.space.flatten(p)
    v = rng.standard_normal(theta.size)
    assert model.smooth_radius(theta_k, v) < 1e-12
    est = FiniteDifference().gradient_projections(model, theta_k, v[:, None])
    assert est.nonsmooth
    swap = model.transposition(0, 1)
    r = eqalg.evaluate(eqalg.derive(swap)[0], model, theta_k, FiniteDifference())
    assert r.status == "non-smooth" and r.passed is None and not r.as_expected
    # rescaling moves along the orbit, which never crosses a kink: still decidable there
    A = model.rescale_generator(1)
    r = eqalg.evaluate(eqalg.derive(A)[0], model, theta_k, FiniteDifference())
    assert r.status == "holds"
    # (L2) needs g and H at θ, where the model's gradient is a one-sided choice: whether the
    # HVP differences the model's gradient or losses only, it is non-smooth, never "violated"
    for fd in (FiniteDifference(), FiniteDifference(model_gradient=False)):
        r = eqalg.evaluate(eqalg.derive(A)[1], model, theta_k, fd)
        assert r.status == "non-smooth" and r.passed is None
    # control: off the kink the same check holds
    assert eqalg.evaluate(eqalg.derive(A)[1], model, theta, FiniteDifference()).status == "holds"
    # a scale that cannot be formed (no gradient at a kink, losses only) is non-smooth, not "holds"
    r = eqalg.evaluate(eqalg.derive(A)[0], model, theta_k, FiniteDifference(model_gradient=False))
    assert r.status in ("holds", "non-smooth") and (r.status != "holds" or np.isfinite(r.tolerance))


def test_loss_only_model_uses_fd_gradient():
    model, theta = make_mlp("tanh", "mse", hidden=3, n=20)

    class LossOnly(eqalg.Model):
        space = model.space

        def loss(self, th):
            return model.loss(th)

    lo = LossOnly()
    assert not lo.has_gradient and not lo.has_hvp
    with pytest.raises(MissingMethodError, match="finite-difference"):
        eqalg.Analytic().gradient(lo, theta)
    g = FiniteDifference().gradient(lo, theta)
    np.testing.assert_allclose(g.value, model.gradient(theta), rtol=1e-7, atol=1e-10)
    swap = model.transposition(0, 2)
    for c in eqalg.derive(swap):
        assert eqalg.evaluate(c, lo, theta, FiniteDifference()).passed


def test_backend_parameters_are_validated():
    with pytest.raises(InvalidValueError, match="step"):
        FiniteDifference(step=0.0)
    with pytest.raises(InvalidValueError, match="levels"):
        FiniteDifference(levels=0)
    with pytest.raises(InvalidValueError, match="rtol"):
        eqalg.Analytic(rtol=-1.0)
    with pytest.raises(eqalg.errors.UnknownNameError, match="backend"):
        eqalg.check(*make_mlp(), backend="symbolic")


def test_richardson_restarts_below_steps_outside_the_asymptotic_regime(monkeypatch):
    # f varies on a scale 300x finer than the first step: the first tableau ends truncation-dominated,
    # with an error estimate (0.04) far below its actual error (280). Seen on a saturated sigmoid MLP
    # (`eqalg check --model sigmoid-mlp --lr 1e5`: G1 "violated" for a correct gradient).
    from eqalg.backends import finite_difference as fdm

    def f(s):
        return np.tanh(300.0 * s) + s

    value, err = fdm.richardson_central(f, 1.0, 3, 5, 1e-9)
    assert abs(value - 301.0) <= err <= 1e-8 * 301.0
    monkeypatch.setattr(fdm, "RESTARTS", 0)                   # negative control: the old single tableau
    value, err = fdm.richardson_central(f, 1.0, 3, 5, 1e-9)
    assert abs(value - 301.0) > 100 * err


def test_richardson_does_not_restart_a_converged_or_roundoff_limited_tableau():
    from eqalg.backends.finite_difference import richardson_central
    calls = []

    def f(s):
        calls.append(s)
        return np.exp(s)

    value, err = richardson_central(f, 1e-2, 3, 5, 1e-9)
    assert abs(value - 1.0) <= err and min(np.abs(calls)) >= 1e-2 / 16      # one tableau, within max_levels
