"""Derived identities on the two-layer MLP: true symmetries hold, controls fail, with both backends."""

import numpy as np
import pytest

import eqalg
from eqalg.errors import DispatchError, SpaceMismatchError

from conftest import make_mlp

ACTIVATIONS = ("relu", "leaky_relu", "tanh", "linear", "sigmoid")
SETTINGS = [(a, l) for a in ACTIVATIONS for l in ("mse", "cross_entropy")]
IDS = [f"{a}-{l}" for a, l in SETTINGS]


def trained_point(model, theta, steps=300, lr=0.1):
    return eqalg.gradient_descent(model, theta, lr, steps).theta


@pytest.fixture(scope="module", params=SETTINGS, ids=IDS)
def setting(request):
    activation, loss = request.param
    model, theta = make_mlp(activation, loss, hidden=5, n=40)
    return model, {"random": theta, "trained": trained_point(model, theta)}


def test_catalogue_identities_hold_and_controls_fail(setting):
    model, points = setting
    report = eqalg.check(model, points, backend="both")
    summary = report.summary()
    assert summary["unexpected"] == []
    assert summary["identities"] > 0 and summary["controls"] > 0
    assert summary["identities_hold"] == summary["identities"]
    assert summary["controls_violated"] == summary["controls"]
    assert {r.backend for r in report.checks} == {"analytic", "finite-difference"}
    assert {r.point for r in report.checks} == {"random", "trained"}
    assert report.ok


def test_every_catalogued_transformation_leaves_the_loss_unchanged(setting):
    model, points = setting
    for theta in points.values():
        base = model.loss(theta)
        for name, t in model.symmetries().items():
            moved = t.curve(theta, 0.37) if t.kind == "continuous" else t.act(theta)
            assert model.loss(moved) == pytest.approx(base, rel=1e-12), name
        # negative controls do change it (the first-order check's premise)
        for name, t in model.controls().items():
            moved = t.curve(theta, 0.37) if t.kind == "continuous" else t.act(theta)
            assert abs(model.loss(moved) - base) > 1e-8 * abs(base), name


class ScaledModel(eqalg.Model):
    """c · L(θ) with exact derivatives: verdicts must not depend on c."""

    def __init__(self, inner, c):
        self.inner, self.c = inner, c

    @property
    def space(self):
        return self.inner.space

    def loss(self, theta):
        return self.c * self.inner.loss(theta)

    def gradient(self, theta):
        return self.c * self.inner.gradient(theta)

    def hvp(self, theta, v):
        return self.c * self.inner.hvp(theta, v)

    def activation_pattern(self, theta):
        return self.inner.activation_pattern(theta)

    def smooth_radius(self, theta, v):
        return self.inner.smooth_radius(theta, v)


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_verdicts_invariant_under_loss_scaling(activation):
    model, theta = make_mlp(activation, "cross_entropy")
    points = {"random": theta, "trained": trained_point(model, theta)}
    sym, ctl = model.symmetries(), model.controls()
    base = eqalg.check(model, points, sym, ctl)
    for c in (1e-6, 1e6):
        scaled = eqalg.check(ScaledModel(model, c), points, sym, ctl)
        assert [r.status for r in scaled.checks] == [r.status for r in base.checks]
        for a, b in zip(scaled.checks, base.checks):
            assert a.scale == pytest.approx(c * b.scale, rel=1e-6)


def test_linear_symmetry_forms_and_labels():
    model, theta = make_mlp("relu", "mse")
    A = model.rescale_generator(2)
    grad, hess, zeroth = eqalg.derive(A)
    assert (grad.label, grad.order, hess.label, hess.order) == ("L1", 1, "L2", 2)
    assert (zeroth.label, zeroth.order) == ("I0", 0)
    # (L2) by hand: H A θ = −Aᵀ g
    lhs = model.hvp(theta, A.generator(theta))
    np.testing.assert_allclose(lhs, -A.apply_transpose(model.gradient(theta)), atol=1e-14)
    d1, d2, d0 = eqalg.derive(model.transposition(0, 3))
    assert (d1.label, d2.label, d0.label) == ("D1", "D2", "D0")


def test_sums_of_symmetries_are_symmetries_and_a_wrong_sign_is_not():
    model, theta = make_mlp("leaky_relu", "mse")
    A0, A1 = model.rescale_generator(0), model.rescale_generator(1)
    good = 0.5 * A0 + 2.0 * A1
    r = eqalg.evaluate(eqalg.derive(good)[1], model, theta, eqalg.Analytic())
    assert r.passed
    # negative control: flipping the sign on the outgoing weights breaks the symmetry
    bad = eqalg.LinearGenerator.from_selections(model.space, plus=model.neuron_in(0) + model.neuron_out(0))
    for c in eqalg.derive(bad):
        for b in (eqalg.Analytic(), eqalg.FiniteDifference()):
            assert eqalg.evaluate(c, model, theta, b).passed is False


def test_evaluate_bad_input():
    model, theta = make_mlp()
    other, _ = make_mlp(hidden=3)
    c = eqalg.derive(other.transposition(0, 1))[0]
    with pytest.raises(SpaceMismatchError):
        eqalg.evaluate(c, model, theta, eqalg.Analytic())
    with pytest.raises(DispatchError):
        eqalg.derive("not a transformation")
    with pytest.raises(DispatchError):
        eqalg.evaluate(c, "model", theta, eqalg.Analytic())
    with pytest.raises(eqalg.errors.ShapeError):
        eqalg.evaluate(eqalg.derive(model.transposition(0, 1))[0], model, theta[:3], eqalg.Analytic())
    with pytest.raises(eqalg.errors.InvalidValueError):
        eqalg.check(model, theta, symmetries=[np.eye(3)])


def test_zeroth_order_checks_use_the_same_tolerance_with_every_backend():
    # (D0) compares loss values only: a finite-difference backend's loose rtol (1e-6) must not
    # certify a map that changes the loss by a relative 1e-7 (a near-symmetry, negative control)
    model, theta = make_mlp("tanh", "mse")
    D = model.space.size
    M = np.eye(D)
    M[0, 0] = 1.0 + 3e-6                 # stretches one weight a little: not a symmetry
    near = eqalg.MatrixMap(M, space=model.space)
    d0 = [c for c in eqalg.derive(near) if c.label == "D0"][0]
    results = [eqalg.evaluate(d0, model, theta, b) for b in (eqalg.Analytic(), eqalg.FiniteDifference())]
    assert 0 < results[0].relative_residual < 1e-6
    assert [r.status for r in results] == ["violated", "violated"]
    assert results[0].tolerance == results[1].tolerance
    # control: an exact symmetry holds with both
    swap = [c for c in eqalg.derive(model.transposition(0, 1)) if c.label == "D0"][0]
    assert all(eqalg.evaluate(swap, model, theta, b).status == "holds"
               for b in (eqalg.Analytic(), eqalg.FiniteDifference()))
    with pytest.raises(eqalg.errors.InvalidValueError, match="loss_rtol"):
        eqalg.FiniteDifference(loss_rtol=0.0)
