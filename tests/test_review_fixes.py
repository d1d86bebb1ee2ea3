"""Regression tests for problems found by a fresh-eyes review of eqalg check (input validation,
false verdicts, round-off-aware drift laws)."""

import numpy as np
import pytest

import eqalg
from eqalg.backends import FiniteDifference
from eqalg.errors import InvalidValueError, NonFiniteError, ShapeError, SpaceMismatchError

from conftest import make_mlp


def test_selections_are_validated():
    model, theta = make_mlp("relu", "mse")
    space = model.space
    D = space.size
    mask = np.arange(D) < 4
    A = eqalg.LinearGenerator.from_selections(space, plus=[mask])
    np.testing.assert_array_equal(np.flatnonzero(A.matrix), [0, 1, 2, 3])      # a mask, not indices 0/1
    B = eqalg.LinearGenerator.from_selections(space, plus=[space["b2"]])       # a whole block
    np.testing.assert_array_equal(np.flatnonzero(B.matrix), space["b2"].indices)
    for bad, match in (([np.array([1.5, 2.7])], "integer"), ([[-1]], r"\[0, "), ([[D]], r"\[0, "),
                       ([[3, 3]], "repeated"), ([np.ones(D - 1, dtype=bool)], "mask")):
        with pytest.raises(ShapeError, match=match):
            eqalg.LinearGenerator.from_selections(space, plus=bad)
    with pytest.raises(ShapeError, match="more than once"):
        eqalg.LinearGenerator.from_selections(space, plus=[[0, 1]], minus=[[1]])
    with pytest.raises(ShapeError):
        eqalg.SignedPermutation.swap_blocks(space, [([0, 1], [1, 2])])


def test_evaluate_accepts_backend_names_and_rejects_bad_points():
    model, theta = make_mlp("tanh", "mse")
    c = eqalg.derive(model.transposition(0, 1))[0]
    assert eqalg.evaluate(c, model, theta, "analytic").passed
    assert eqalg.evaluate(c, model, theta, "finite-difference").passed
    with pytest.raises(InvalidValueError, match="backend"):
        eqalg.evaluate(c, model, theta, "both")
    with pytest.raises(eqalg.errors.DispatchError, match="backend"):
        eqalg.evaluate(c, model, theta, 3)
    with pytest.raises(NonFiniteError, match="loss"):
        eqalg.evaluate(c, model, theta * 1e200, "analytic")
    with pytest.raises(ShapeError, match="real"):
        model.loss(theta + 1j)


def test_analytic_backend_flags_points_on_a_kink():
    model, theta = make_mlp("relu", "mse")
    p = model.space.unflatten(theta.copy())
    p["b1"][1] = -(model.X[0] @ p["W1"][1])
    theta_k = model.space.flatten(p)
    assert model.at_kink(theta_k) and not model.at_kink(theta)
    r = eqalg.evaluate(eqalg.derive(model.transposition(0, 1))[1], model, theta_k, eqalg.Analytic())
    assert r.status == "non-smooth" and r.passed is None


def test_hessian_gain_probe_crossing_a_kink_does_not_spoil_unrelated_checks():
    model, theta = make_mlp("relu", "mse", hidden=5)
    p = model.space.unflatten(theta.copy())
    p["b1"][0] = -(model.X[0] @ p["W1"][0])           # a kink on neuron 0 only
    theta_k = model.space.flatten(p)
    A = model.rescale_generator(3)
    # the probe crossing the kink does not turn the check into a false verdict; the point itself
    # is a kink, where the model's gradient is one-sided, so (L2) is non-smooth, as analytically
    r = eqalg.evaluate(eqalg.derive(A)[1], model, theta_k, FiniteDifference())
    assert r.status == "non-smooth" and r.passed is None
    assert eqalg.evaluate(eqalg.derive(A)[1], model, theta_k, eqalg.Analytic()).status == "non-smooth"
    # control: the first-order identity along the orbit never crosses the kink and is decided
    assert eqalg.evaluate(eqalg.derive(A)[0], model, theta_k, FiniteDifference()).status == "holds"


def test_inaccurate_finite_differences_are_inconclusive_not_holds():
    # a crude stencil cannot certify a violation of ~1e-3 either way
    model, theta = make_mlp("tanh", "mse")
    crude = FiniteDifference(step=1e-12, levels=1, hvp_step=1e-12, hvp_levels=1)
    for name, t in model.controls().items():
        for c in eqalg.derive(t):
            r = eqalg.evaluate(c, model, theta, crude)
            assert r.passed is not True, (name, c.label, r.status)


def test_backend_safety_must_be_positive():
    with pytest.raises(InvalidValueError, match="safety"):
        FiniteDifference(safety=-1.0)


@pytest.mark.parametrize("lr", [1e-3, 1e-4, 1e-6])
def test_drift_law_tolerance_accounts_for_round_off(lr, iris):
    model = eqalg.TwoLayerMLP(iris.X, iris.Y, 8, "relu", "cross_entropy")
    theta0 = model.init_params(np.random.default_rng(0))
    qs = [eqalg.conserved_quantity(model.rescale_generator(j)) for j in range(8)]
    traj = eqalg.gradient_descent(model, theta0, lr, 500, quantities=qs)
    for tr in traj.quantities.values():
        assert tr.passed, (tr.name, tr.measured_drift, tr.predicted_drift, tr.tolerance)
        assert tr.roundoff_bound < 1e-9
    # negative control: a quantity that is not conserved still fails at small steps
    q = eqalg.conserved_quantity(model.input_scaling_generator(0))
    assert not eqalg.gradient_descent(model, theta0, lr, 500, quantities=[q]).quantities[q.name].passed


def test_gradient_descent_validates_quantities():
    model, theta = make_mlp("relu", "mse")
    other, _ = make_mlp("relu", "mse", hidden=3)
    with pytest.raises(InvalidValueError, match="quantities"):
        eqalg.gradient_descent(model, theta, 0.1, 5, quantities=[1])
    with pytest.raises(SpaceMismatchError, match="quantities"):
        eqalg.gradient_descent(model, theta, 0.1, 5,
                               quantities=[eqalg.conserved_quantity(other.rescale_generator(0))])
    with pytest.raises(InvalidValueError, match="steps"):
        eqalg.gradient_descent(model, theta, 0.1, 10 ** 21)


def test_check_needs_points_and_transformations():
    model, theta = make_mlp("relu", "mse")
    with pytest.raises(InvalidValueError, match="theta"):
        eqalg.check(model, {})
    with pytest.raises(InvalidValueError, match="nothing to check"):
        eqalg.check(model, theta, symmetries={}, controls={})
    report = eqalg.check(model, theta, symmetries={"my swap": model.transposition(0, 1)}, backend="analytic")
    assert {r.transformation for r in report.checks} == {"my swap"}


def test_a_converged_point_gives_trivial_first_order_checks_not_false_violations():
    # exact low-rank target: gradient descent converges until g is pure round-off
    rng = np.random.default_rng(0)
    target = rng.standard_normal((5, 2)) @ rng.standard_normal((2, 4))
    mf = eqalg.MatrixFactorization((5, 4), 2, target=target)
    theta = eqalg.gradient_descent(mf, mf.init_params(rng, scale=1.0), 0.3, 4000).theta
    assert np.linalg.norm(mf.gradient(theta)) < 1e-13
    report = eqalg.check(mf, {"converged": theta})
    s = report.summary()
    assert report.ok and s["unexpected"] == []
    assert s["trivial"] > 0
    assert all(r.status != "violated" for r in report.checks if not r.control)
    # second-order identities stay decidable there: H does not vanish
    assert all(r.status == "holds" for r in report.checks if r.order == 2 and not r.control)


def test_zeroth_order_check_catches_what_derivatives_cannot():
    # an affine shift changing L by a constant passes (D1)/(D2) but not (D0)
    space = eqalg.ParameterSpace.flat(2)

    class Shifted(eqalg.Model):
        @property
        def space(self):
            return space

        def loss(self, th):
            return float(th[0] ** 2 + 3 * th[1])

        def gradient(self, th):
            return np.array([2 * th[0], 3.0])

        def hvp(self, th, v):
            v = np.asarray(v, dtype=float)
            out = np.zeros_like(v)
            out[0] = 2 * v[0]
            return out

    m, th = Shifted(), np.array([0.3, -0.7])
    shift = eqalg.MatrixMap(np.eye(2), offset=[0.0, 1.0], name="shift")
    report = eqalg.check(m, {"p": th}, symmetries=[shift])
    by_label = {(r.label, r.backend): r.status for r in report.checks}
    assert by_label[("D1", "analytic")] == "holds" and by_label[("D2", "analytic")] == "holds"
    assert by_label[("D0", "analytic")] == "violated" and not report.ok
    # negative control of the control: a true symmetry (x0 -> -x0) passes D0
    flip = eqalg.SignedPermutation([0, 1], [-1, 1], space, name="flip")
    assert eqalg.check(m, {"p": th}, symmetries=[flip]).ok


def test_a_wrong_gradient_that_respects_the_symmetry_is_caught_by_G1():
    model, theta = make_mlp("tanh", "mse")
    space = model.space
    wrong = eqalg.CallableModel(space, loss=model.loss, grad=lambda th: 2.0 * model.gradient(th),
                                hvp=lambda th, v: 2.0 * model.hvp(th, v))
    report = eqalg.check(wrong, {"p": theta}, symmetries={"swap": model.transposition(0, 1)})
    rows = {r.label: r for r in report.checks if r.kind == "derivatives"}
    assert rows["G1"].status == "violated" and not report.ok
    # the symmetry identities alone would not have noticed
    assert all(r.passed for r in report.checks if r.kind != "derivatives")
    # negative control: the true derivatives pass G1 and G2
    right = eqalg.CallableModel(space, loss=model.loss, grad=model.gradient, hvp=model.hvp)
    ok = eqalg.check(right, {"p": theta}, symmetries={"swap": model.transposition(0, 1)})
    assert ok.ok and {r.label for r in ok.checks if r.kind == "derivatives"} == {"G1", "G2"}


def test_a_gradient_without_hvp_gives_unsupported_rows_not_a_crash():
    model, theta = make_mlp("tanh", "mse")
    m = eqalg.CallableModel(model.space, loss=model.loss, grad=model.gradient)
    report = eqalg.check(m, {"p": theta}, symmetries={"swap": model.transposition(0, 1)})
    status = {(r.label, r.backend): r.status for r in report.checks}
    assert status[("D1", "analytic")] == "holds" and status[("D2", "analytic")] == "unsupported"
    assert status[("D2", "finite-difference")] == "holds"
    assert report.summary()["unsupported"] == 1 and report.ok


def test_adaptive_richardson_refines_until_the_target_or_round_off():
    f = np.exp
    v3, e3 = eqalg.backends.richardson_central(f, 0.5, 2)                          # fixed: 2 levels
    v5, e5 = eqalg.backends.richardson_central(f, 0.5, 2, max_levels=5, rtol=1e-12)
    assert abs(v5 - 1.0) < abs(v3 - 1.0) and e5 < e3 and abs(v5 - 1.0) <= e5
    with pytest.raises(InvalidValueError, match="max_levels"):
        FiniteDifference(max_levels=0)


def test_inputs_that_would_be_cast_silently_are_refused():
    import eqalg.errors as E
    data = eqalg.load_iris()
    with pytest.raises(ShapeError, match="X: expected real numbers, got complex"):
        eqalg.TwoLayerMLP(data.X + 1j, data.Y, 4, "relu", "cross_entropy")
    model = eqalg.TwoLayerMLP(data.X, data.Y, 4, "relu", "cross_entropy")     # control: real data
    theta = model.init_params(np.random.default_rng(0))
    with pytest.raises(ShapeError, match="at least one direction"):
        model.hvp(theta, np.ones((theta.size, 0)))
    with pytest.raises(ShapeError, match="loss: the callable must return a real scalar, got str"):
        eqalg.CallableModel(3, loss=lambda t: "abc").loss(np.ones(3))
    with pytest.raises(InvalidValueError, match="model_gradient: expected True or False"):
        FiniteDifference(model_gradient="yes")
    assert FiniteDifference(model_gradient=False).model_gradient is False
    assert E.real_array([1, 2], "x").dtype == np.float64


def test_generators_refuse_complex_matrices_and_numpy_broadcasting():
    import scipy.sparse as sp
    M = np.array([[1j, 0], [0, 1]])
    for bad in (M, sp.csr_array(M)):
        with pytest.raises(ShapeError, match="matrix: expected real entries"):
            eqalg.LinearGenerator(bad)
    A = eqalg.LinearGenerator(np.eye(3))
    with pytest.raises(TypeError):
        A * np.ones(3)                  # not an object array of generators
    assert (2.0 * A).is_linear if hasattr(A, "is_linear") else (2.0 * A) is not None    # control: scalars scale


@pytest.mark.parametrize("bad", [np.array(["a"] * 42), np.array([None] * 42), "abc", [None, 1.0] * 21])
def test_non_numeric_directions_and_points_are_shape_errors(bad):
    m = eqalg.SoftmaxRegression(eqalg.load_wine().X, eqalg.load_wine().Y)
    theta = m.init_params(np.random.default_rng(0))
    with pytest.raises(eqalg.errors.ShapeError, match="v: expected a numeric"):
        m.hvp(theta, bad)
    with pytest.raises(eqalg.errors.ShapeError, match="theta: expected a numeric"):
        m.gradient(bad)
    assert m.hvp(theta, [1] * 42).shape == (42,)          # integers are numbers


def test_near_critical_inconclusive_checks_say_why(capsys):
    """At a nearly converged rank-1 factorization ‖g‖ ≈ 1e-7: finite differences of L ≈ 0.2 cannot
    certify first-order identities to 1e-4, and the result says that the loss round-off is the cause."""
    from eqalg.cli import main
    from eqalg.constraints import NEAR_CRITICAL_REASON
    from eqalg.models.zoo import get_entry
    assert main(["check", "--model", "matrix-factorization", "--rank", "1", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "inconclusive: the finite-difference error is the round-off of the loss values" in out
    assert "decided as expected by the analytic backend" in out and "2 inconclusive" in out
    # negative control: without the analytic backend nothing decides flip[0]/D1 there: the run fails
    assert main(["check", "--model", "matrix-factorization", "--rank", "1", "--quiet",
                 "--backend", "finite-difference"]) == 1
    capsys.readouterr()
    # the same checks at the initial point hold, without a reason (negative control of the reason)
    entry = get_entry("matrix-factorization")
    model = entry.build(eqalg.load_dataset(entry.default_data), rank=1)
    theta = model.init_params(np.random.default_rng(0))
    report = eqalg.check(model, theta, backend="finite-difference")
    assert all(r.reason is None for r in report.checks) and report.ok
    # richardson_central reports the round-off part of its error
    value, err, roundoff = eqalg.backends.richardson_central(lambda s: 1.0 + 1e-9 * s, 1e-3, 3, full=True)
    assert 0 < roundoff <= err and abs(value - 1e-9) <= err
    assert NEAR_CRITICAL_REASON.startswith("the finite-difference error")
